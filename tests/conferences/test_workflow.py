"""The record workflow: each allowed and each forbidden transition, locking, audit."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from conferences import services
from conferences.models import AuditEntry, Record
from tests.factories import RecordFactory, attach_minutes

pytestmark = pytest.mark.django_db


@pytest.fixture
def record_a(world):
    """A draft worker conference of unit A with its minutes: ready to submit."""
    record = RecordFactory(unit=world.unit_a, created_by=world.chair_a)
    attach_minutes(record)
    return record


def actions(record):
    return list(record.audit.order_by("at", "pk").values_list("action", flat=True))


def test_it_takes_a_record_from_draft_to_accepted(world, record_a):
    record = services.record_submit(record=record_a, by=world.chair_a)
    assert record.status == Record.Status.SUBMITTED and record.submitted_at
    record = services.record_accept(record=record, by=world.staff_x)
    assert record.status == Record.Status.ACCEPTED
    assert record.reviewed_by == world.staff_x
    assert actions(record) == ["submitted", "accepted"]


def test_it_returns_with_a_reason_and_takes_the_fixed_record_again(world, record_a):
    services.record_submit(record=record_a, by=world.chair_a)
    record = services.record_return(record=record_a, by=world.staff_x, reason="Thiếu biên bản có chữ ký")
    assert record.status == Record.Status.RETURNED
    assert record.return_reason == "Thiếu biên bản có chữ ký"
    services.record_update(record=record, by=world.chair_a, version=record.version, data={"attended": 90})
    record = services.record_submit(record=record, by=world.chair_a)
    record = services.record_accept(record=record, by=world.staff_x)
    assert record.status == Record.Status.ACCEPTED and record.return_reason == ""
    assert actions(record) == ["submitted", "returned", "edited", "submitted", "accepted"]
    returned = record.audit.get(action="returned")
    assert returned.reason == "Thiếu biên bản có chữ ký" and returned.by == world.staff_x


def test_it_refuses_to_return_without_a_reason(world, record_a):
    services.record_submit(record=record_a, by=world.chair_a)
    with pytest.raises(ValidationError):
        services.record_return(record=record_a, by=world.staff_x, reason="   ")
    assert Record.objects.get(pk=record_a.pk).status == Record.Status.SUBMITTED


@pytest.mark.parametrize("who", ["chair_a", "leader_x", "leader_p", "staff_y", "chair_c"])
def test_it_lets_only_staff_of_the_node_accept_or_return(world, record_a, who):
    services.record_submit(record=record_a, by=world.chair_a)
    with pytest.raises(PermissionDenied):
        services.record_accept(record=record_a, by=getattr(world, who))
    with pytest.raises(PermissionDenied):
        services.record_return(record=record_a, by=getattr(world, who), reason="x")
    assert Record.objects.get(pk=record_a.pk).status == Record.Status.SUBMITTED


def test_it_lets_province_staff_above_the_node_review_too(world, record_a, django_user_model):
    from tests.factories import UserFactory, grant

    province_staff = UserFactory(username="staff_p")
    grant(province_staff, "staff", node=world.province)
    services.record_submit(record=record_a, by=world.chair_a)
    assert services.record_accept(record=record_a, by=province_staff).status == Record.Status.ACCEPTED


@pytest.mark.parametrize("who", ["chair_c", "staff_y", "leader_x", "leader_p"])
def test_it_refuses_submission_by_anyone_but_the_unit_chair_or_its_staff(world, record_a, who):
    with pytest.raises(PermissionDenied):
        services.record_submit(record=record_a, by=getattr(world, who))


def test_it_locks_an_accepted_record_against_edits_files_and_resubmission(world, record_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import pdf_bytes

    services.record_submit(record=record_a, by=world.chair_a)
    record = services.record_accept(record=record_a, by=world.staff_x)
    for user in (world.chair_a, world.staff_x):
        with pytest.raises(PermissionDenied):
            services.record_update(record=record, by=user, version=record.version, data={"attended": 1})
        with pytest.raises(PermissionDenied):
            services.attachment_add(
                record=record, by=user, upload=SimpleUploadedFile("b.pdf", pdf_bytes()), purpose="minutes"
            )
    with pytest.raises(services.TransitionNotAllowed):
        services.record_submit(record=record, by=world.chair_a)
    with pytest.raises(services.TransitionNotAllowed):
        services.record_accept(record=record, by=world.staff_x)
    assert Record.objects.get(pk=record.pk).attended == 80


def test_it_lets_a_submitted_record_wait_unchanged(world, record_a):
    record = services.record_submit(record=record_a, by=world.chair_a)
    with pytest.raises(PermissionDenied):
        services.record_update(record=record, by=world.chair_a, version=record.version, data={"attended": 1})


def test_it_reopens_only_by_staff_with_a_reason(world, record_a):
    services.record_submit(record=record_a, by=world.chair_a)
    record = services.record_accept(record=record_a, by=world.staff_x)
    with pytest.raises(PermissionDenied):
        services.record_reopen(record=record, by=world.chair_a, reason="muốn sửa")
    with pytest.raises(ValidationError):
        services.record_reopen(record=record, by=world.staff_x, reason="")
    record = services.record_reopen(record=record, by=world.staff_x, reason="Sai số người tham dự")
    assert record.status == Record.Status.RETURNED
    assert record.audit.filter(action="reopened", reason="Sai số người tham dự").exists()
    # Reopened, the chair can fix it again.
    services.record_update(record=record, by=world.chair_a, version=record.version, data={"attended": 85})


def test_it_cannot_reopen_what_is_not_accepted(world, record_a):
    with pytest.raises(services.TransitionNotAllowed):
        services.record_reopen(record=record_a, by=world.staff_x, reason="x")


def test_it_lets_staff_accept_a_paper_record_they_entered(world):
    import datetime

    record = services.record_create(
        unit=world.unit_a,
        kind="worker_conference",
        by=world.staff_x,
        data={"held_on": datetime.date(2025, 2, 20), "format": "full", "invited": 50, "attended": 40},
    )
    assert record.on_paper
    assert services.record_accept(record=record, by=world.staff_x).status == Record.Status.ACCEPTED
    with pytest.raises(PermissionDenied):
        draft = services.record_create(
            unit=world.unit_a, kind="dialogue_periodic", by=world.chair_a, data={"held_on": datetime.date(2025, 5, 1)}
        )
        services.record_accept(record=draft, by=world.chair_a)


def test_it_writes_the_audit_row_in_the_same_transaction(world, record_a):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.record_submit(record=record_a, by=world.chair_a)
        raise Boom
    assert Record.objects.get(pk=record_a.pk).status == Record.Status.DRAFT
    assert not AuditEntry.objects.filter(record=record_a).exists()


def test_it_keeps_what_changed_in_the_audit(world, record_a):
    services.record_update(
        record=record_a, by=world.chair_a, version=record_a.version, data={"attended": 95, "place": "Hội trường A"}
    )
    entry = record_a.audit.get(action="edited")
    assert entry.changes["attended"] == [80, 95]
    assert entry.changes["place"] == ["", "Hội trường A"]
    assert ("Số tham dự", "80 → 95") in [(str(a), b) for a, b in entry.change_lines()]


def test_it_refuses_the_second_of_two_concurrent_edits(world, record_a):
    opened = record_a.version
    services.record_update(record=record_a, by=world.chair_a, version=opened, data={"attended": 70})
    with pytest.raises(services.StaleEdit):
        services.record_update(record=record_a, by=world.staff_x, version=opened, data={"attended": 99})
    assert Record.objects.get(pk=record_a.pk).attended == 70


def test_it_mails_staff_on_submit_and_the_chair_on_return_after_commit(
    world, record_a, django_capture_on_commit_callbacks
):
    world.chair_a.email = "chair.a@example.vn"
    world.chair_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_submit(record=record_a, by=world.chair_a)
    assert [m.to for m in mail.outbox] == [[world.staff_x.email]]
    assert "Hồ sơ chờ duyệt" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        services.record_return(record=record_a, by=world.staff_x, reason="Thiếu chữ ký")
    assert "chair.a@example.vn" in mail.outbox[1].to
    assert "Thiếu chữ ký" in mail.outbox[1].body


def test_it_sends_no_mail_when_the_transition_rolls_back(world, record_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.record_submit(record=record_a, by=world.chair_a)
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []


def test_it_deletes_only_drafts_never_submitted(world, record_a):
    services.record_submit(record=record_a, by=world.chair_a)
    services.record_return(record=record_a, by=world.staff_x, reason="x")
    with pytest.raises(PermissionDenied):
        services.record_delete_draft(record=Record.objects.get(pk=record_a.pk), by=world.chair_a)
