"""Closing asks first: the checklist of what is still pending, and an acknowledgement for
records awaiting review, which the closed version then lists."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import RecordFactory, UserFactory, grant
from units.models import Role
from units.periods import PeriodClose

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _run_jobs_at_once(monkeypatch):
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def staff_p(world):
    user = UserFactory(username="staff_p")
    grant(user, Role.Kind.STAFF, node=world.province)
    return user


@pytest.fixture
def waiting(tree, world):
    return RecordFactory(unit=world.unit_a, kind="dialogue_periodic", held_on=D(2025, 11, 3), status="submitted")


def overview(client, node):
    return client.get(f"{reverse('reports:periods')}?node={node.pk}&year=2025&period=year").content.decode()


def close(client, node, **extra):
    data = {"node": node.pk, "year": 2025, "period": "year", **extra}
    return client.post(reverse("reports:close_create"), data, follow=True)


def test_it_lists_what_is_pending_under_the_node_with_links_before_closing(client_as, world, waiting):
    RecordFactory(unit=world.unit_a, kind="dialogue_on_request", held_on=D(2025, 5, 5), status="draft")
    html = overview(client_as(world.staff_x), world.district_x)
    assert 'id="pending-list"' in html
    assert "1 hồ sơ đã nộp, đang chờ duyệt" in html and "1 bản nháp chưa nộp" in html
    assert f"{reverse('conferences:review_queue')}?node={world.district_x.pk}&amp;status=draft" in html
    assert waiting.get_absolute_url() in html
    assert 'id="ack-pending"' in html


def test_it_says_how_many_records_the_close_freezes(client_as, world, tree):
    html = overview(client_as(world.staff_x), world.district_x)
    assert 'id="close-confirm"' in html and "hồ sơ của kỳ này không sửa được nữa" in html
    assert 'id="ack-pending"' not in html


def test_it_refuses_to_close_over_records_awaiting_review_without_the_acknowledgement(client_as, world, waiting):
    response = close(client_as(world.staff_x), world.district_x)
    assert "1 hồ sơ đang chờ duyệt" in response.content.decode()
    assert not PeriodClose.objects.filter(node=world.district_x).exists()


def test_it_closes_with_the_acknowledgement_and_lists_the_waiting_records_on_the_closed_version(
    client_as, world, waiting
):
    response = close(client_as(world.staff_x), world.district_x, ack_pending="1")
    closed = PeriodClose.objects.get(node=world.district_x)
    assert closed.status == PeriodClose.Status.CLOSED
    html = response.content.decode()
    assert 'id="awaiting-at-close"' in html and waiting.get_absolute_url() in html


def test_it_asks_before_reopening_and_says_how_many_records_it_unlocks(client_as, world, tree, staff_p):
    close(client_as(world.staff_x), world.district_x)
    closed = PeriodClose.objects.get(node=world.district_x)
    html = client_as(staff_p).get(closed.get_absolute_url()).content.decode()
    assert 'id="reopen"' in html and "hồ sơ của kỳ này ở" in html
