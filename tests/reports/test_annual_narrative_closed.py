"""The annual report's narrative is frozen with a closed version: the report of that
version says what was written when it closed; after a reopening staff write a new draft,
which the next close freezes in its turn."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied

from reports.annual import services
from reports.annual.models import ClosedNarrative
from reports.closing import services as closing
from tests.factories import RecordFactory, UserFactory, grant
from units.models import Role
from units.periods import Period, PeriodClose

pytestmark = pytest.mark.django_db
D = datetime.date
KEY = {"year_from": 2025, "year_to": 2025, "period": Period.YEAR}


def write(world, strengths, version=None):
    return services.narrative_save(
        node=world.district_x, by=world.staff_x, version=version,
        data={"strengths": strengths, "limitations": "", "causes": "", "next_tasks": ""}, **KEY,
    )  # fmt: skip


def close(world, capture):
    with capture(execute=True):
        made, _new = closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    return PeriodClose.objects.get(pk=made.pk)


def report_text(world, capture):
    from docx import Document

    with capture(execute=True):
        run = services.annual_request(node=world.district_x, by=world.staff_x, **KEY)
    run.refresh_from_db()
    return run, "\n".join(p.text for p in Document(io.BytesIO(run.docx.read())).paragraphs)


@pytest.fixture
def staff_p(world):
    user = UserFactory(username="staff_p")
    grant(user, Role.Kind.STAFF, node=world.province)
    return user


def test_it_keeps_the_text_of_each_closed_version(world, staff_p, django_capture_on_commit_callbacks):
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 10), status="accepted")
    write(world, "Bản viết khi chốt lần 1")
    first = close(world, django_capture_on_commit_callbacks)
    assert first.status == PeriodClose.Status.CLOSED
    frozen = ClosedNarrative.objects.get(close=first)
    assert frozen.strengths == "Bản viết khi chốt lần 1"
    run, text = report_text(world, django_capture_on_commit_callbacks)
    assert "Bản viết khi chốt lần 1" in text
    assert run.result["narrative"] == {"closed": True, "close_version": 1}

    with pytest.raises(PermissionDenied):  # closed: refused, not silently kept aside
        write(world, "Sửa sau khi chốt", version=1)

    closing.close_reopen(close=first, by=staff_p, reason="Bổ sung số liệu")
    write(world, "Bản nháp mới sau khi mở lại", version=1)
    run, text = report_text(world, django_capture_on_commit_callbacks)
    assert "Bản nháp mới sau khi mở lại" in text and run.result["narrative"]["closed"] is False
    assert ClosedNarrative.objects.get(close=first).strengths == "Bản viết khi chốt lần 1"

    second = close(world, django_capture_on_commit_callbacks)
    assert second.version == 2
    assert ClosedNarrative.objects.get(close=second).strengths == "Bản nháp mới sau khi mở lại"
    run, text = report_text(world, django_capture_on_commit_callbacks)
    assert "Bản nháp mới sau khi mở lại" in text and run.result["narrative"] == {"closed": True, "close_version": 2}


def test_it_freezes_the_narratives_of_the_nodes_below_a_closed_province(
    world, staff_p, django_capture_on_commit_callbacks
):
    write(world, "Nhận định của khu vực X")
    with django_capture_on_commit_callbacks(execute=True):
        closing.close_request(node=world.province, year=2025, period=Period.YEAR, by=staff_p)
    assert list(ClosedNarrative.objects.values_list("node__code", "strengths")) == [("X", "Nhận định của khu vực X")]
