"""Reading on upload, the comparison on the record page, near-copies and formalism signals."""

import datetime
import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from conferences import services
from conferences.followup.models import FollowUpItem
from conferences.minutes.formalism import signals_of, with_signals
from conferences.minutes.models import MinutesReading, MinutesSimilarity
from conferences.models import Attachment, ContentItem, Record
from tests.conferences import minutes_files as files
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db


def upload(record, by, data: bytes, name: str = "bien-ban.pdf", purpose: str = "minutes") -> Attachment:
    """Upload as the view does; the reading queued after commit runs before this returns."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.attachment_add(record=record, by=by, upload=SimpleUploadedFile(name, data), purpose=purpose)


def reading_of(attachment: Attachment) -> MinutesReading:
    return MinutesReading.objects.get(attachment=attachment)


def test_it_reads_an_uploaded_file_after_the_upload_commits(world, django_capture_on_commit_callbacks):
    record = RecordFactory(unit=world.unit_a)
    with django_capture_on_commit_callbacks() as callbacks:
        attachment = services.attachment_add(
            record=record, by=world.chair_a, upload=SimpleUploadedFile("a.pdf", files.text_pdf()), purpose="minutes"
        )
        assert reading_of(attachment).status == MinutesReading.Status.QUEUED
    assert len(callbacks) == 1
    callbacks[0]()
    reading = reading_of(attachment)
    assert (reading.status, reading.method, reading.held_on) == ("read", "text_layer", datetime.date(2025, 3, 15))
    assert (reading.invited, reading.attended, reading.resolution) == (120, 98, True)
    assert reading.contents == ["business_report", "proposals", "resolution"]
    assert "giảm giờ tăng ca" in reading.search_text


def test_it_never_blocks_submitting_a_record_whose_minutes_cannot_be_read(world):
    record = RecordFactory(unit=world.unit_a)
    attachment = upload(record, world.chair_a, files.encrypted_pdf())
    reading = reading_of(attachment)
    assert (reading.status, reading.why) == ("unreadable", "encrypted")
    assert services.record_submit(record=record, by=world.chair_a).status == Record.Status.SUBMITTED


def test_it_skips_a_file_removed_before_the_worker_got_to_it(world, django_capture_on_commit_callbacks):
    record = RecordFactory(unit=world.unit_a)
    with django_capture_on_commit_callbacks() as callbacks:
        attachment = services.attachment_add(
            record=record, by=world.chair_a, upload=SimpleUploadedFile("a.pdf", files.text_pdf()), purpose="minutes"
        )
    pk = attachment.pk
    services.attachment_remove(attachment=attachment, by=world.chair_a)
    callbacks[0]()  # the reading's message arrives after the file (and its reading) went
    assert not MinutesReading.objects.filter(attachment_id=pk).exists()


def test_it_pairs_nearly_identical_minutes_of_different_units_only(world):
    mine = upload(RecordFactory(unit=world.unit_a), world.chair_a, files.docx(files.TEXT.split("\n")), "a.docx")
    copy_text = files.TEXT.replace("tăng ca", "tăng lương")
    theirs = upload(RecordFactory(unit=world.unit_c), world.chair_c, files.docx(copy_text.split("\n")), "c.docx")
    same_unit = upload(
        RecordFactory(unit=world.unit_a, held_on=datetime.date(2024, 3, 1)),
        world.chair_a,
        files.docx(files.TEXT.split("\n")),
        "b.docx",
    )
    other = upload(RecordFactory(unit=world.unit_b), world.staff_x, files.text_pdf("Một biên bản khác hẳn. " * 40))
    pairs = set(MinutesSimilarity.objects.values_list("reading__attachment_id", "other__attachment_id"))
    assert {(mine.pk, theirs.pk), (theirs.pk, mine.pk), (same_unit.pk, theirs.pk)} <= pairs
    assert all(other.pk not in pair for pair in pairs)
    assert (mine.pk, same_unit.pk) not in pairs


def _flags(record: Record) -> list[str]:
    return signals_of(with_signals(Record.objects.filter(pk=record.pk)).get())


def test_it_flags_the_same_minutes_file_filed_for_another_unit_or_year(world):
    first = RecordFactory(unit=world.unit_a, attended=90)
    first.contents.set(ContentItem.objects.filter(kind="worker_conference"))
    upload(first, world.chair_a, files.text_pdf())
    assert _flags(first) == []
    next_year = RecordFactory(unit=world.unit_a, held_on=datetime.date(2026, 3, 1), attended=90)
    upload(next_year, world.chair_a, files.text_pdf())
    assert "same_file" in _flags(first)
    assert "same_file" in _flags(next_year)


def test_it_flags_attendance_exactly_at_the_quorum_line(world):
    # 66.67 % of 90 convened is 60 people: 60 is the line, 61 is above it, 59 below.
    assert "quorum_line" in _flags(RecordFactory(unit=world.unit_a, invited=90, attended=60))
    assert "quorum_line" not in _flags(RecordFactory(unit=world.unit_a, invited=90, attended=61))
    assert "quorum_line" not in _flags(RecordFactory(unit=world.unit_a, invited=90, attended=59))


def test_it_flags_conferences_without_proposals_or_resolution_and_dialogues_without_agreement(world):
    conference = RecordFactory(unit=world.unit_a, resolution_adopted=False)
    assert {"no_proposals", "no_resolution"} <= set(_flags(conference))
    conference.contents.set(ContentItem.objects.filter(kind="worker_conference", code="proposals"))
    conference.resolution_adopted = True
    conference.save()
    assert _flags(conference) == []
    dialogue = RecordFactory(unit=world.unit_a, kind="dialogue_periodic", invited=None, attended=None)
    assert _flags(dialogue) == ["no_agreement"]
    FollowUpItem.objects.create(record=dialogue, unit=dialogue.unit, item_type="agreement", text="Giảm giờ tăng ca")
    assert _flags(dialogue) == []
    proposal_only = RecordFactory(unit=world.unit_a)
    FollowUpItem.objects.create(record=proposal_only, unit=proposal_only.unit, item_type="proposal", text="Nhà ở")
    assert "no_proposals" not in _flags(proposal_only)
    typed = RecordFactory(unit=world.unit_a, kind="dialogue_periodic", agreements="Giảm giờ tăng ca từ tháng 6")
    assert "no_agreement" not in _flags(typed)


# --- The record page -------------------------------------------------------------------------


def test_it_shows_the_reviewer_what_the_minutes_say_against_what_was_typed(client_as, world):
    record = RecordFactory(unit=world.unit_c, invited=120, attended=90, status="draft")
    record.contents.set(ContentItem.objects.filter(kind="worker_conference", code__in=["proposals", "safety"]))
    upload(record, world.chair_c, files.text_pdf())
    services.record_submit(record=record, by=world.chair_c)
    page = client_as(world.staff_y).get(reverse("conferences:record_detail", args=[record.pk])).content.decode()
    marks = {
        line.split('data-item="')[1].split('"')[0]: line.split('data-mark="')[1].split('"')[0]
        for line in page.split("<tr ")
        if "data-item=" in line
    }
    assert marks["held_on"] == "different"  # typed 10/03, the minutes say 15/03
    assert marks["invited"] == "found"
    assert marks["attended"] == "different"  # typed 90, the minutes say 98
    assert marks["resolution"] == "found"
    assert marks["content:proposals"] == "found"
    assert marks["content:safety"] == "not_found"
    assert marks["content:business_report"] == "different"  # said in the minutes, not ticked
    assert "giảm giờ tăng ca" in page
    assert "15/03/2025" in page


def test_it_says_why_a_file_could_not_be_read(client_as, world):
    record = RecordFactory(unit=world.unit_a)
    upload(record, world.chair_a, files.scan(pages=40))
    page = client_as(world.chair_a).get(reverse("conferences:record_detail", args=[record.pk])).content.decode()
    assert "Không đọc được" in page
    assert "bản quét quá nhiều trang để nhận dạng" in page


@pytest.mark.parametrize(
    ("persona", "expected"),
    [(None, 302), ("chair_c", 404), ("staff_y", 404), ("chair_a", 200), ("staff_x", 200), ("leader_p", 200)],
)
def test_it_scopes_the_polled_minutes_panel(client_as, world, persona, expected):
    record = RecordFactory(unit=world.unit_a)
    response = client_as(getattr(world, persona) if persona else None).get(
        reverse("conferences:minutes_panel", args=[record.pk])
    )
    assert response.status_code == expected


def test_it_polls_the_panel_only_while_a_file_is_being_read(client_as, world, django_capture_on_commit_callbacks):
    record = RecordFactory(unit=world.unit_a)
    url = reverse("conferences:minutes_panel", args=[record.pk])
    client = client_as(world.chair_a)
    with django_capture_on_commit_callbacks() as callbacks:
        services.attachment_add(
            record=record, by=world.chair_a, upload=SimpleUploadedFile("a.pdf", files.text_pdf()), purpose="minutes"
        )
    assert 'hx-trigger="every 3s"' in client.get(url).content.decode()
    callbacks[0]()
    assert 'hx-trigger="every 3s"' not in client.get(url).content.decode()


# --- The command -----------------------------------------------------------------------------


def test_it_prints_what_a_file_says_as_json(tmp_path):
    path = tmp_path / "bien-ban.jpg"
    path.write_bytes(files.photo())
    out = StringIO()
    call_command("read_minutes", str(path), "--json", "--kind", "worker_conference", stdout=out)
    result = json.loads(out.getvalue())
    assert list(result) == ["text", "held_on", "invited", "attended", "contents"]
    assert (result["held_on"], result["invited"], result["attended"]) == ("2025-03-15", 120, 98)
    assert result["contents"] == ["business_report", "proposals", "resolution"]


def test_it_exits_non_zero_with_the_reason_for_an_unreadable_file(tmp_path):
    path = tmp_path / "locked.pdf"
    path.write_bytes(files.encrypted_pdf())
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("read_minutes", str(path), "--json", stdout=StringIO(), stderr=err)
    assert exit_info.value.code == 1
    assert "PDF được bảo vệ bằng mật khẩu" in err.getvalue()


def test_it_flags_an_item_carried_over_unanswered_twice(world):
    def meeting(month):
        return RecordFactory(
            unit=world.unit_a, kind="dialogue_periodic", held_on=datetime.date(2025, month, 1), agreements="có"
        )

    first, second, third = meeting(1), meeting(5), meeting(9)
    item = FollowUpItem.objects.create(record=first, unit=first.unit, item_type="proposal", text="Nhà ở")
    assert "unanswered_twice" not in _flags(second)  # carried once
    assert "unanswered_twice" in _flags(third)  # carried again, still open
    item.state, item.done_on = "done", datetime.date(2025, 6, 1)
    item.save()
    assert "unanswered_twice" not in _flags(third)


def test_it_queues_files_uploaded_before_minutes_were_read(world, settings):
    record = RecordFactory(unit=world.unit_a)
    older = Attachment.objects.create(
        record=record, purpose="minutes", file="minutes/old.pdf", original_name="old.pdf",
        content_type="application/pdf", size=10, sha256="a" * 64,
    )  # fmt: skip
    (settings.MEDIA_ROOT / "minutes").mkdir(parents=True)
    (settings.MEDIA_ROOT / "minutes" / "old.pdf").write_bytes(files.text_pdf())
    out = StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("read_pending_minutes", stdout=out)
    assert reading_of(older).status == "read"
    assert "Đã đưa 1 tệp" in out.getvalue()
    call_command("read_pending_minutes", stdout=out)
    assert MinutesReading.objects.count() == 1
    assert "Đã đưa 0 tệp" in out.getvalue()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_reads_an_upload_on_a_real_worker(real_worker, world):
    import time

    record = RecordFactory(unit=world.unit_a)
    attachment = services.attachment_add(
        record=record, by=world.chair_a, upload=SimpleUploadedFile("scan.pdf", files.scan()), purpose="minutes"
    )
    deadline = time.monotonic() + 90
    while reading_of(attachment).is_active:
        assert time.monotonic() < deadline, "the worker did not read the scan within 90 s"
        time.sleep(0.5)
    reading = reading_of(attachment)
    assert (reading.status, reading.method, reading.held_on) == ("read", "ocr", datetime.date(2025, 3, 15))


def test_it_names_the_near_copy_on_the_record_page_only_to_those_who_may_see_it(client_as, world):
    mine = RecordFactory(unit=world.unit_a)
    theirs = RecordFactory(unit=world.unit_c)
    upload(mine, world.chair_a, files.docx(files.TEXT.split("\n")), "a.docx")
    upload(theirs, world.chair_c, files.docx(files.TEXT.split("\n")), "c.docx")
    url = reverse("conferences:record_detail", args=[mine.pk])
    as_leader = client_as(world.leader_p).get(url).content.decode()
    assert 'data-signal="near_copy"' in as_leader
    assert theirs.get_absolute_url() in as_leader
    as_staff = client_as(world.staff_x).get(url).content.decode()
    assert 'data-signal="near_copy"' in as_staff
    assert theirs.get_absolute_url() not in as_staff  # another district's record stays unnamed
