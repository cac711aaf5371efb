"""The record forms: fields in the order of the minutes, native dates, minutes in the same step."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conferences.models import Attachment, Record
from tests.factories import RecordFactory, pdf_bytes

pytestmark = pytest.mark.django_db


def field_order(html: str) -> list[str]:
    names = re.findall(r'<(?:input|select|textarea)[^>]*\bname="([a-z_]+)"', html)
    seen: list[str] = []
    for name in names:
        if name not in seen and name not in ("csrfmiddlewaretoken", "version", "language", "next"):
            seen.append(name)
    return seen


def test_it_orders_a_worker_conference_like_its_minutes(client_as, world):
    url = reverse("conferences:record_create", args=[world.unit_a.pk, "worker_conference"])
    html = client_as(world.chair_a).get(url).content.decode()
    assert field_order(html) == [
        "held_on",
        "place",
        "format",
        "convened_by",
        "headcount",
        "invited",
        "attended",
        "contents",
        "resolution_adopted",
        "resolution_text",
        "notes",
        "files",
    ]


def test_it_orders_a_dialogue_with_both_sides_before_the_agreements(client_as, world):
    url = reverse("conferences:record_create", args=[world.unit_a.pk, "dialogue_on_request"])
    order = field_order(client_as(world.chair_a).get(url).content.decode())
    assert order[:3] == ["held_on", "place", "trigger"] or order[:3] == ["held_on", "trigger", "place"]
    assert order.index("worker_rep_names") < order.index("topics") < order.index("agreements")
    assert order.index("agreements") < order.index("follow_up")


def test_it_offers_the_browser_date_picker_and_the_camera(client_as, world):
    url = reverse("conferences:record_create", args=[world.unit_a.pk, "worker_conference"])
    html = client_as(world.chair_a).get(url).content.decode()
    assert re.search(r'<input type="date" name="held_on"', html)
    files = re.search(r"<input[^>]*name=\"files\"[^>]*>", html).group(0)
    assert "multiple" in files and "image/*" in files


def test_it_reads_the_iso_date_the_picker_sends(client_as, world):
    url = reverse("conferences:record_create", args=[world.unit_a.pk, "worker_conference"])
    client_as(world.chair_a).post(url, {"held_on": "2025-03-15", "format": "full", "invited": "10", "attended": "9"})
    assert Record.objects.get(unit=world.unit_a).held_on.isoformat() == "2025-03-15"


def test_it_attaches_several_minutes_in_the_same_step(client_as, world):
    url = reverse("conferences:record_create", args=[world.unit_a.pk, "worker_conference"])
    files = [SimpleUploadedFile(f"trang-{i}.pdf", pdf_bytes(), "application/pdf") for i in (1, 2)]
    data = {"held_on": "2025-03-15", "format": "full", "invited": "10", "attended": "9", "files": files}
    response = client_as(world.chair_a).post(url, data)
    record = Record.objects.get(unit=world.unit_a)
    assert response.status_code == 302
    names = sorted(record.attachments.values_list("original_name", flat=True))
    assert names == ["trang-1.pdf", "trang-2.pdf"]
    assert set(record.attachments.values_list("purpose", flat=True)) == {Attachment.Purpose.MINUTES}


def test_it_keeps_no_draft_when_one_of_the_files_is_refused(client_as, world):
    url = reverse("conferences:record_create", args=[world.unit_a.pk, "worker_conference"])
    files = [
        SimpleUploadedFile("bien-ban.pdf", pdf_bytes(), "application/pdf"),
        SimpleUploadedFile("virus.exe", b"MZ\x90\x00not a document", "application/pdf"),
    ]
    data = {"held_on": "2025-03-15", "format": "full", "invited": "10", "attended": "9", "files": files}
    response = client_as(world.chair_a).post(url, data)
    assert response.status_code == 200
    assert "virus.exe" in response.content.decode()
    assert not Record.objects.filter(unit=world.unit_a).exists()


def test_it_shows_invited_before_attended_as_its_label_says(client_as, world):
    record = RecordFactory(unit=world.unit_a, invited=120, attended=100)
    html = client_as(world.chair_a).get(record.get_absolute_url()).content.decode()
    assert "Triệu tập / tham dự" in html
    assert '<dd class="col-sm-7" id="invited-attended">120 / 100</dd>' in html


def test_it_keeps_each_representative_on_their_own_line(client_as, world):
    record = RecordFactory(
        unit=world.unit_a,
        kind="dialogue_periodic",
        employer_reps=2,
        employer_rep_names="Nguyễn Văn An\nTrần Thị Bình",
        worker_reps=1,
        worker_rep_names="Lê Văn Cường",
    )
    html = client_as(world.chair_a).get(record.get_absolute_url()).content.decode()
    assert "Nguyễn Văn An<br>Trần Thị Bình" in html
