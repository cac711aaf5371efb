"""The one download helper (qcdc.downloads): scope, missing files and the safe headers,
and every download view that goes through it."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import Client
from django.urls import reverse

from conferences.models import Attachment, Record
from qcdc.downloads import DOCX, SANDBOX, scoped_download, stored_file_response
from reports.worklog.models import WorkLogAttachment, WorkLogEntry
from tests.factories import RecordFactory, attach_minutes

pytestmark = pytest.mark.django_db


@pytest.fixture
def minutes(world) -> Attachment:
    return attach_minutes(RecordFactory(unit=world.unit_a, created_by=world.chair_a), name="Biên bản hội nghị.pdf")


def attachments_of(user) -> object:
    return Attachment.objects.filter(record__in=Record.objects.visible_to(user))


def served(response) -> bytes:
    """The body, with the file closed; ``response.close()`` would also close the test's
    database connection (request_finished) outside the test client."""
    body = b"".join(response.streaming_content)
    response.file_to_stream.close()
    return body


def test_it_serves_a_file_in_scope_inline_with_the_safe_headers(world, minutes):
    response = scoped_download(attachments_of(world.chair_a), minutes.pk)
    assert served(response).startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    # RFC 5987: a Vietnamese name travels percent-encoded in UTF-8.
    assert (
        response["Content-Disposition"]
        == "inline; filename*=utf-8''Bi%C3%AAn%20b%E1%BA%A3n%20h%E1%BB%99i%20ngh%E1%BB%8B.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["Cache-Control"] == "private, no-store"


def test_it_downloads_a_type_a_browser_could_run_instead_of_showing_it(world, minutes):
    Attachment.objects.filter(pk=minutes.pk).update(content_type=DOCX, original_name='bien "ban".docx')
    response = scoped_download(attachments_of(world.staff_x), minutes.pk)
    served(response)
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"] == 'attachment; filename="bien \\"ban\\".docx"'


def test_it_falls_back_to_octet_stream_and_strips_control_characters_from_the_name(world, minutes):
    Attachment.objects.filter(pk=minutes.pk).update(content_type="", original_name="a\r\nb/../bien-ban\t.pdf")
    response = scoped_download(attachments_of(world.chair_a), minutes.pk)
    served(response)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="bien-ban_.pdf"'


@pytest.mark.parametrize("persona", ["anonymous", "chair_c", "staff_y"])
def test_it_answers_404_for_a_file_outside_the_users_scope(world, minutes, persona):
    user = AnonymousUser() if persona == "anonymous" else getattr(world, persona)
    with pytest.raises(Http404):
        scoped_download(attachments_of(user), minutes.pk)


def test_it_answers_404_when_storage_lost_the_file(world, minutes):
    minutes.file.storage.delete(minutes.file.name)
    with pytest.raises(Http404):
        scoped_download(attachments_of(world.chair_a), minutes.pk)


def test_it_answers_404_for_a_row_without_a_file(world, minutes):
    Attachment.objects.filter(pk=minutes.pk).update(file="")
    with pytest.raises(Http404):
        scoped_download(attachments_of(world.chair_a), minutes.pk)
    with pytest.raises(Http404):
        stored_file_response(None, filename="x.pdf", content_type="application/pdf")


# --- The views that use it ----------------------------------------------------------------


@pytest.fixture
def worklog_file(world) -> WorkLogAttachment:
    entry = WorkLogEntry.objects.create(
        node=world.district_x,
        kind="training",
        held_on=datetime.date(2025, 5, 5),
        title="Tập huấn",
        created_by=world.staff_x,
    )
    attachment = WorkLogAttachment(entry=entry, original_name="Danh sách.pdf", content_type="application/pdf", size=4)
    attachment.file.save("danh-sach.pdf", ContentFile(b"%PDF"), save=True)
    return attachment


def test_every_attachment_view_serves_with_the_safe_headers(client_as, world, minutes, worklog_file):
    for user, url in (
        (world.chair_a, reverse("conferences:attachment_download", args=[minutes.pk])),
        (world.staff_x, reverse("reports:worklog_file", args=[worklog_file.pk])),
    ):
        response = client_as(user).get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content).startswith(b"%PDF"), url
        assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Security-Policy"] == SANDBOX
        assert response["Content-Disposition"].startswith("inline; filename*=utf-8''")


def test_every_attachment_view_answers_404_out_of_scope(client_as, world, minutes, worklog_file):
    urls = (
        reverse("conferences:attachment_download", args=[minutes.pk]),
        reverse("reports:worklog_file", args=[worklog_file.pk]),
    )
    for url in urls:
        assert client_as(world.staff_y).get(url).status_code == 404, url
        assert Client().get(url).status_code == 302, url  # anonymous: to the sign-in page


def test_the_generated_exports_carry_the_same_headers(client_as, world):
    response = client_as(world.staff_x).get(reverse("units:unit_export"))
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="don-vi-')
    assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "private, no-store"
