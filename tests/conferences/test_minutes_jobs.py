"""Reading minutes is a job of the one job machine (``qcdc.jobs``): claimed by a
conditional UPDATE, swept when its worker dies, failed with a reason, and shown as such on
the record page."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from conferences import services
from conferences.minutes import services as minutes_services
from conferences.minutes.models import MinutesReading
from conferences.models import Attachment
from conferences.tasks import read_minutes
from qcdc import jobs
from tests.conferences import minutes_files as files
from tests.factories import RecordFactory
from tests.support import broker_down, wait_for_status

pytestmark = pytest.mark.django_db


def queued_reading(world, django_capture_on_commit_callbacks) -> MinutesReading:
    """A minutes file uploaded whose reading's message has not been delivered yet."""
    record = RecordFactory(unit=world.unit_a)
    with django_capture_on_commit_callbacks():
        attachment = services.attachment_add(
            record=record, by=world.chair_a, upload=SimpleUploadedFile("a.pdf", files.text_pdf()), purpose="minutes"
        )
    return MinutesReading.objects.get(attachment=attachment)


def stale() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=61)


def test_it_claims_a_reading_once_and_lets_its_own_redelivery_claim_it_again(world, django_capture_on_commit_callbacks):
    reading = queued_reading(world, django_capture_on_commit_callbacks)
    assert jobs.claim(MinutesReading, reading.pk, "attempt-1") is not None
    read_minutes.apply(kwargs={"job_id": reading.pk}, task_id="a-duplicate-message")
    reading.refresh_from_db()
    assert (reading.status, reading.worker, reading.attempts) == ("running", "attempt-1", 1)  # left alone
    read_minutes.apply(kwargs={"job_id": reading.pk}, task_id="attempt-1")  # the same message again
    reading.refresh_from_db()
    assert (reading.status, reading.worker, reading.attempts) == ("read", "attempt-1", 2)
    assert reading.held_on == datetime.date(2025, 3, 15) and reading.shingles.exists()


def test_it_sweeps_a_reading_whose_worker_died_and_reads_it_again(world, django_capture_on_commit_callbacks):
    reading = queued_reading(world, django_capture_on_commit_callbacks)
    MinutesReading.objects.filter(pk=reading.pk).update(
        status="running", worker="dead", attempts=1, started_at=stale(), heartbeat_at=stale()
    )
    assert jobs.sweep_all() == 1  # in-process here: the resent message reads it at once
    reading.refresh_from_db()
    assert (reading.status, reading.attempts, reading.method) == ("read", 2, "text_layer")


def test_it_resends_a_reading_whose_message_never_left(world, django_capture_on_commit_callbacks):
    reading = queued_reading(world, django_capture_on_commit_callbacks)
    assert jobs.sweep_all() == 0  # queued a moment ago: its message may still be on its way
    MinutesReading.objects.filter(pk=reading.pk).update(queued_at=timezone.now() - jobs.QUEUE_PATIENCE * 2)
    assert jobs.sweep_all() == 1
    reading.refresh_from_db()
    assert reading.status == "read"


def test_it_fails_a_reading_whose_worker_died_three_times_and_says_so_on_the_record_page(
    client_as, world, django_capture_on_commit_callbacks
):
    reading = queued_reading(world, django_capture_on_commit_callbacks)
    MinutesReading.objects.filter(pk=reading.pk).update(
        status="running", worker="dead", attempts=3, started_at=stale(), heartbeat_at=stale()
    )
    jobs.sweep_all()
    reading.refresh_from_db()
    assert reading.status == "failed" and "dừng giữa chừng 3 lần" in reading.error and reading.finished_at
    panel = client_as(world.chair_a).get(reverse("conferences:minutes_panel", args=[reading.attachment.record_id]))
    page = panel.content.decode()
    assert 'data-reading="failed"' in page and "Lỗi khi đọc" in page and "dừng giữa chừng 3 lần" in page
    assert 'hx-trigger="every 3s"' not in page  # nothing left to wait for


def test_it_records_the_reason_a_reading_broke_after_its_retries(world, monkeypatch):
    def broken(path):
        raise RuntimeError("pdftoppm bị treo")

    monkeypatch.setattr(minutes_services, "extract", broken)
    record = RecordFactory(unit=world.unit_a)
    with TestCase.captureOnCommitCallbacks(execute=True):
        attachment = services.attachment_add(
            record=record, by=world.chair_a, upload=SimpleUploadedFile("a.pdf", files.text_pdf()), purpose="minutes"
        )
    reading = MinutesReading.objects.get(attachment=attachment)
    assert (reading.status, reading.error, reading.attempts) == ("failed", "pdftoppm bị treo", 3)
    assert Attachment.objects.filter(pk=attachment.pk).exists()  # the upload itself stands


def test_it_keeps_the_upload_and_fails_the_reading_when_the_broker_does_not_answer(world):
    record = RecordFactory(unit=world.unit_a)
    with broker_down(), TestCase.captureOnCommitCallbacks(execute=True):
        attachment = services.attachment_add(
            record=record, by=world.chair_a, upload=SimpleUploadedFile("a.pdf", files.text_pdf()), purpose="minutes"
        )
    reading = MinutesReading.objects.get(attachment=attachment)
    assert reading.status == "failed" and "Không gửi được việc tới hàng đợi" in reading.error


def test_it_reads_again_the_files_whose_reading_failed_on_request(world, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    reading = queued_reading(world, django_capture_on_commit_callbacks)
    jobs.fail(MinutesReading, reading.pk, reason="hết bộ nhớ")
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("read_pending_minutes", stdout=StringIO())
    assert MinutesReading.objects.get(pk=reading.pk).status == "failed"  # only when asked
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("read_pending_minutes", "--failed", stdout=StringIO())
    reading.refresh_from_db()
    assert (reading.status, reading.error, reading.attempts) == ("read", "", 1)


def failed_reading(world, django_capture_on_commit_callbacks) -> MinutesReading:
    reading = queued_reading(world, django_capture_on_commit_callbacks)
    jobs.fail(MinutesReading, reading.pk, reason="hết bộ nhớ")
    return reading


@pytest.mark.parametrize(
    ("persona", "expected"),
    [(None, 302), ("leader_p", 403), ("staff_y", 404), ("chair_c", 404), ("staff_x", 302), ("chair_a", 302)],
)
def test_it_lets_the_chair_and_the_staff_above_read_a_failed_file_again(
    client_as, world, django_capture_on_commit_callbacks, persona, expected
):
    reading = failed_reading(world, django_capture_on_commit_callbacks)
    client = client_as(getattr(world, persona) if persona else None)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("conferences:reading_retry", args=[reading.pk]))
    assert response.status_code == expected
    reading.refresh_from_db()
    if persona in ("staff_x", "chair_a"):
        assert response["Location"].endswith(f"{reading.attachment.record.get_absolute_url()}#minutes-reading")
        assert (reading.status, reading.error, reading.held_on) == ("read", "", datetime.date(2025, 3, 15))
    else:
        assert (reading.status, reading.error) == ("failed", "hết bộ nhớ")


def test_it_offers_to_read_again_only_a_failed_file_and_only_to_those_who_may(
    client_as, world, django_capture_on_commit_callbacks
):
    reading = failed_reading(world, django_capture_on_commit_callbacks)
    url = reverse("conferences:minutes_panel", args=[reading.attachment.record_id])
    button = f'id="reading-retry-{reading.pk}"'
    assert button in client_as(world.chair_a).get(url).content.decode()
    assert button not in client_as(world.leader_p).get(url).content.decode()
    MinutesReading.objects.filter(pk=reading.pk).update(status="read")
    assert button not in client_as(world.chair_a).get(url).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client_as(world.chair_a).post(reverse("conferences:reading_retry", args=[reading.pk]))
    current = MinutesReading.objects.get(pk=reading.pk)
    assert (current.status, current.attempts) == ("read", 0)  # a finished reading is not read again


def test_it_refuses_to_read_again_on_a_get(client_as, world, django_capture_on_commit_callbacks):
    reading = failed_reading(world, django_capture_on_commit_callbacks)
    response = client_as(world.chair_a).get(reverse("conferences:reading_retry", args=[reading.pk]))
    assert response.status_code == 405


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_reading_redelivered_to_its_own_task_id_is_finished_by_the_redelivery(real_worker, world):
    """The message of an attempt that died is delivered again with the same task id: that
    delivery re-claims the reading it had begun (its heartbeat is still fresh) and reads it."""
    record = RecordFactory(unit=world.unit_a)
    from django.core.files.storage import default_storage

    name = default_storage.save("minutes/redelivered.pdf", ContentFile(files.text_pdf()))
    attachment = Attachment.objects.create(
        record=record, purpose="minutes", file=name, original_name="bien-ban.pdf",
        content_type="application/pdf", size=10, sha256="f" * 64,
    )  # fmt: skip
    reading = MinutesReading.objects.create(
        attachment=attachment, status="running", attempts=1, worker="attempt-7",
        heartbeat_at=timezone.now(), started_at=timezone.now(),
    )  # fmt: skip
    read_minutes.apply_async(kwargs={"job_id": reading.pk}, task_id="attempt-7")
    current = wait_for_status(MinutesReading, reading.pk, "read")
    assert current.attempts == 2 and current.held_on == datetime.date(2025, 3, 15)
