"""Minutes files: checked by content before they touch the disk, served only within scope."""

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conferences import services
from conferences.models import Attachment, AuditEntry, Record
from conferences.uploads import DOCX, JPEG, PDF, PNG, check_upload, display_name, removed_unless_written
from tests.factories import pdf_bytes

pytestmark = pytest.mark.django_db


# --- Files --------------------------------------------------------------------------------


def png_bytes() -> bytes:
    """A real 1×1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """The start of a JFIF photo, as a phone camera writes it."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def docx_bytes() -> bytes:
    """A minimal but real Word document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>",
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Biên bản hội nghị người lao động</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def plain_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bien-ban.txt", "Không phải tệp Word")
    return buffer.getvalue()


EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
)


def large_pdf_bytes(size: int = 2048) -> bytes:
    """A real PDF of at least ``size`` bytes."""
    content = pdf_bytes("Bien ban " * (size // 9))
    assert len(content) >= size
    return content


# --- Helpers ------------------------------------------------------------------------------


def media_files() -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def upload_url(record: Record) -> str:
    return reverse("conferences:attachment_upload", args=[record.pk])


def post_file(client, record: Record, name: str, content: bytes, purpose: str = "minutes"):
    return client.post(upload_url(record), {"file": SimpleUploadedFile(name, content), "purpose": purpose})


def post_raw_file(client, record: Record, filename: str, content: bytes, purpose: str = "minutes"):
    """Post multipart by hand: the test client would strip folders from the name itself."""
    boundary = "qcdc-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n{purpose}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(upload_url(record), body, content_type=f"multipart/form-data; boundary={boundary}")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def add_file(record: Record, by, name: str = "Biên bản.pdf", content: bytes | None = None, purpose: str = "minutes"):
    return services.attachment_add(
        record=record, by=by, upload=SimpleUploadedFile(name, content or pdf_bytes()), purpose=purpose
    )


def download(client, attachment: Attachment):
    response = client.get(reverse("conferences:attachment_download", args=[attachment.pk]))
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    response.close()
    return response, body


def assert_refused(response, record: Record, message: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == record.get_absolute_url()
    assert any(message in m for m in messages_of(response)), messages_of(response)
    assert media_files() == []
    assert not Attachment.objects.exists()
    assert not record.audit.filter(action=AuditEntry.Action.FILE_ADDED).exists()


# --- Refused files ------------------------------------------------------------------------

MISMATCH_PDF_AS_JPG = "Tên tệp có đuôi “.jpg” nhưng nội dung là PDF."
NOT_ACCEPTED_TYPE = "Chỉ nhận tệp PDF, ảnh JPEG/PNG hoặc DOCX"
BAD_NAME = "Tên tệp không hợp lệ."

REFUSED = {
    "pdf_renamed_jpg": ("bien-ban.jpg", pdf_bytes(), MISMATCH_PDF_AS_JPG),
    "executable_renamed_pdf": ("bien-ban.pdf", EXECUTABLE, NOT_ACCEPTED_TYPE),
    "plain_zip_renamed_docx": ("bien-ban.docx", plain_zip_bytes(), NOT_ACCEPTED_TYPE),
    "html_renamed_pdf": ("bien-ban.pdf", b"<html><script>alert(1)</script></html>", NOT_ACCEPTED_TYPE),
    "name_of_only_dots": ("...", pdf_bytes(), BAD_NAME),
    "hidden_file_name": (".pdf", pdf_bytes(), BAD_NAME),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_it_refuses_a_file_whose_content_or_name_is_wrong_and_stores_nothing(client_as, world, record_a, case):
    name, content, message = REFUSED[case]
    response = post_file(client_as(world.chair_a), record_a, name, content)
    assert_refused(response, record_a, message)


def test_it_refuses_an_oversize_file_and_stores_nothing(client_as, world, record_a, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = post_file(client_as(world.chair_a), record_a, "bien-ban.pdf", large_pdf_bytes(2048))
    assert_refused(response, record_a, "Tệp quá lớn")


def test_it_accepts_a_file_exactly_at_the_size_cap(client_as, world, record_a, settings):
    content = large_pdf_bytes(2048)
    settings.UPLOAD_MAX_BYTES = len(content)
    post_file(client_as(world.chair_a), record_a, "bien-ban.pdf", content)
    assert Attachment.objects.get().size == len(content)


def test_it_refuses_an_empty_file_and_stores_nothing(client_as, world, record_a):
    response = post_file(client_as(world.chair_a), record_a, "bien-ban.pdf", b"")
    assert_refused(response, record_a, "Tệp rỗng")


def test_it_asks_for_a_file_when_none_was_chosen(client_as, world, record_a):
    response = client_as(world.chair_a).post(upload_url(record_a), {"purpose": "minutes"})
    assert_refused(response, record_a, "Hãy chọn tệp để tải lên.")


def test_it_keeps_only_the_base_name_of_a_path_traversal_name(client_as, world, record_a):
    response = post_raw_file(client_as(world.chair_a), record_a, "../../etc/passwd.pdf", pdf_bytes())
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert "/" not in attachment.original_name and "\\" not in attachment.original_name
    assert attachment.original_name == "passwd.pdf"
    media = Path(settings.MEDIA_ROOT).resolve()
    [stored] = media_files()
    assert stored.resolve().is_relative_to(media / "minutes")
    assert "passwd" not in stored.name and stored.suffix == ".pdf"
    assert stored.read_bytes() == pdf_bytes()
    assert attachment.file.name == stored.relative_to(media).as_posix()


@pytest.mark.parametrize("name", ["..", "../..", "."])
def test_it_refuses_a_name_that_is_nothing_but_dots(client_as, world, record_a, name):
    response = post_raw_file(client_as(world.chair_a), record_a, name, pdf_bytes())
    assert_refused(response, record_a, "Hãy chọn tệp để tải lên.")


def test_it_refuses_a_dotted_name_that_gets_past_the_parser(client_as, world, record_a):
    response = post_raw_file(client_as(world.chair_a), record_a, "....", pdf_bytes())
    assert_refused(response, record_a, BAD_NAME)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\bien-ban.pdf", "bien-ban.pdf"),
        ("C:\\Users\\chu-tich\\Biên bản.pdf", "Biên bản.pdf"),
        ("bien\x00ban\u202e.pdf", "bienban.pdf"),
    ],
)
def test_it_shows_only_the_base_name_without_control_characters(name, expected):
    assert display_name(name) == expected


@pytest.mark.parametrize("name", ["..", "...", ".", "", "a/..", "..\\.."])
def test_it_refuses_dot_names_when_checking_directly(name):
    upload = SimpleUploadedFile("placeholder.pdf", pdf_bytes())
    upload._name = name  # UploadedFile's setter would already strip folders
    with pytest.raises(ValidationError) as raised:
        check_upload(upload)
    assert raised.value.code == "bad_name"
    assert raised.value.messages == [BAD_NAME]


# --- Accepted files -----------------------------------------------------------------------

ACCEPTED = {
    "pdf": ("Biên bản hội nghị.pdf", pdf_bytes, PDF),
    "pdf_upper_case_extension": ("BIEN-BAN.PDF", pdf_bytes, PDF),
    "png": ("anh-chup.png", png_bytes, PNG),
    "jpeg": ("anh-chup.jpg", jpeg_bytes, JPEG),
    "jpeg_long_extension": ("anh-chup.jpeg", jpeg_bytes, JPEG),
    "docx": ("Nghị quyết.docx", docx_bytes, DOCX),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_it_accepts_pdf_images_and_docx_by_content(client_as, world, record_a, case):
    name, make, content_type = ACCEPTED[case]
    content = make()
    response = post_file(client_as(world.chair_a), record_a, name, content)
    assert response.status_code == 302 and response["Location"] == record_a.get_absolute_url()
    assert any("Đã đính kèm" in m for m in messages_of(response))
    attachment = Attachment.objects.get(record=record_a)
    assert attachment.content_type == content_type
    assert attachment.original_name == name
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.uploaded_by == world.chair_a
    [stored] = media_files()
    assert stored.read_bytes() == content
    assert stored.suffix == Path(name).suffix.lower()


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_it_checks_files_directly_by_content(case):
    name, make, content_type = ACCEPTED[case]
    content = make()
    checked = check_upload(SimpleUploadedFile(name, content))
    assert checked.content_type == content_type
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_it_checks_and_stores_a_file_too_big_to_keep_in_memory(client_as, world, record_a, settings):
    content = large_pdf_bytes(settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1024)
    response = post_file(client_as(world.chair_a), record_a, "Biên bản scan.pdf", content)
    assert response.status_code == 302
    assert Attachment.objects.get().content_type == PDF
    [stored] = media_files()
    assert stored.read_bytes() == content


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        pytest.param("bien-ban.jpg", pdf_bytes(), "mismatch", id="pdf_as_jpg"),
        pytest.param("anh.png", jpeg_bytes(), "mismatch", id="jpeg_as_png"),
        pytest.param("bien-ban.pdf", docx_bytes(), "mismatch", id="docx_as_pdf"),
        pytest.param("bien-ban.pdf", EXECUTABLE, "bad_type", id="executable_as_pdf"),
        pytest.param("bien-ban.docx", plain_zip_bytes(), "bad_type", id="plain_zip_as_docx"),
        pytest.param("bien-ban.docx", b"PK\x03\x04 broken archive", "bad_type", id="broken_zip_as_docx"),
        pytest.param("bien-ban.pdf", b"", "empty", id="empty"),
        pytest.param("bien-ban", pdf_bytes(), "mismatch", id="no_extension"),
    ],
)
def test_it_refuses_files_directly_with_a_vietnamese_message(name, content, code):
    with pytest.raises(ValidationError) as raised:
        check_upload(SimpleUploadedFile(name, content))
    assert raised.value.code == code
    [message] = raised.value.messages
    assert message.startswith(("Tên tệp", "Chỉ nhận", "Tệp rỗng"))


def test_it_refuses_an_oversize_file_directly(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as raised:
        check_upload(SimpleUploadedFile("bien-ban.pdf", large_pdf_bytes(2048)))
    assert raised.value.code == "too_large"
    assert raised.value.messages[0].startswith("Tệp quá lớn")


def test_it_leaves_the_upload_readable_from_the_start_after_checking():
    upload = SimpleUploadedFile("Nghị quyết.docx", docx_bytes())
    check_upload(upload)
    assert upload.read() == docx_bytes()


# --- The rest of the record is kept -------------------------------------------------------


def test_it_keeps_the_record_and_its_files_when_a_bad_file_is_rejected(client_as, world, record_a):
    earlier = add_file(record_a, world.chair_a, "Biên bản.pdf")
    [earlier_path] = media_files()
    before = Record.objects.get(pk=record_a.pk)
    audit_before = list(record_a.audit.values_list("pk", flat=True))

    response = post_file(client_as(world.chair_a), record_a, "nghi-quyet.pdf", EXECUTABLE, purpose="resolution")

    assert response.status_code == 302 and response["Location"] == record_a.get_absolute_url()
    assert any(NOT_ACCEPTED_TYPE in m for m in messages_of(response))
    after = Record.objects.get(pk=record_a.pk)
    assert (after.version, after.status, after.attended, after.invited, after.updated_at) == (
        before.version,
        before.status,
        before.attended,
        before.invited,
        before.updated_at,
    )
    assert list(Attachment.objects.values_list("pk", "purpose")) == [(earlier.pk, "minutes")]
    assert not Attachment.objects.filter(purpose="resolution").exists()
    assert media_files() == [earlier_path]
    assert list(record_a.audit.values_list("pk", flat=True)) == audit_before


def test_it_shows_the_error_on_the_record_page_after_a_rejected_upload(client_as, world, record_a):
    response = client_as(world.chair_a).post(
        upload_url(record_a),
        {"file": SimpleUploadedFile("bien-ban.jpg", pdf_bytes()), "purpose": "resolution"},
        follow=True,
    )
    assert response.redirect_chain == [(record_a.get_absolute_url(), 302)]
    html = response.content.decode()
    assert "Tên tệp có đuôi “.jpg” nhưng nội dung là PDF." in html
    assert "Chưa có tệp nào." in html


# --- Who may upload -----------------------------------------------------------------------


def test_it_sends_anonymous_uploaders_to_login(client, world, record_a):
    response = post_file(client, record_a, "bien-ban.pdf", pdf_bytes())
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert media_files() == [] and not Attachment.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("chair_c", 404), ("staff_y", 404), ("leader_p", 403)])
def test_it_checks_scope_and_role_before_storing_an_upload(client_as, world, record_a, persona, status):
    response = post_file(client_as(getattr(world, persona)), record_a, "bien-ban.pdf", pdf_bytes())
    assert response.status_code == status
    assert media_files() == [] and not Attachment.objects.exists()


def test_it_lets_the_node_staff_attach_a_paper_record(client_as, world, record_a):
    response = post_file(client_as(world.staff_x), record_a, "bien-ban.pdf", pdf_bytes())
    assert response.status_code == 302
    assert Attachment.objects.get().uploaded_by == world.staff_x


def test_it_refuses_uploads_to_a_submitted_record(client_as, world, record_c):
    response = post_file(client_as(world.chair_c), record_c, "bien-ban.pdf", pdf_bytes())
    assert response.status_code == 403
    assert media_files() == [] and not Attachment.objects.exists()


def test_it_writes_an_audit_entry_with_the_original_name(client_as, world, record_a):
    post_file(client_as(world.chair_a), record_a, "Biên bản hội nghị NLĐ 2025.pdf", pdf_bytes())
    entry = record_a.audit.get(action=AuditEntry.Action.FILE_ADDED)
    assert entry.by == world.chair_a
    assert entry.changes == {"file": "Biên bản hội nghị NLĐ 2025.pdf", "purpose": "minutes"}
    assert Record.objects.get(pk=record_a.pk).version == record_a.version + 1


# --- Downloads ----------------------------------------------------------------------------


def test_it_serves_the_chair_their_file_inline_with_safe_headers(client_as, world, record_a):
    attachment = add_file(record_a, world.chair_a, "Bien-ban-2025.pdf")
    response, body = download(client_as(world.chair_a), attachment)
    assert response.status_code == 200
    assert body == pdf_bytes()
    assert response["Content-Type"] == PDF
    assert response["Content-Disposition"] == 'inline; filename="Bien-ban-2025.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_it_names_a_vietnamese_file_in_the_download_header(client_as, world, record_a):
    attachment = add_file(record_a, world.chair_a, "Biên bản.pdf")
    response, _body = download(client_as(world.chair_a), attachment)
    assert "filename*=utf-8''Bi%C3%AAn%20b%E1%BA%A3n.pdf" in response["Content-Disposition"]


def test_it_serves_a_docx_as_a_download_not_inline(client_as, world, record_a):
    # One copy: a zip records the time it was written, so a second build can differ.
    data = docx_bytes()
    attachment = add_file(record_a, world.chair_a, "Nghi-quyet.docx", data, purpose="resolution")
    response, body = download(client_as(world.chair_a), attachment)
    assert response.status_code == 200
    assert body == data
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"] == 'attachment; filename="Nghi-quyet.docx"'
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("persona", ["chair_c", "staff_y"])
def test_it_hides_files_outside_the_users_scope(client_as, world, record_a, persona):
    attachment = add_file(record_a, world.chair_a)
    response, _body = download(client_as(getattr(world, persona)), attachment)
    assert response.status_code == 404


def test_it_sends_anonymous_downloaders_to_login(client, world, record_a):
    attachment = add_file(record_a, world.chair_a)
    response, _body = download(client, attachment)
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["leader_p", "leader_x", "staff_x", "admin"])
def test_it_lets_readers_over_the_unit_download(client_as, world, record_a, persona):
    attachment = add_file(record_a, world.chair_a)
    response, body = download(client_as(getattr(world, persona)), attachment)
    assert response.status_code == 200 and body == pdf_bytes()


def test_it_answers_404_for_a_missing_file(client_as, world):
    response = client_as(world.admin).get(reverse("conferences:attachment_download", args=[999_999]))
    assert response.status_code == 404


def test_it_escapes_a_malicious_file_name_on_the_record_page(client_as, world, record_a):
    Attachment.objects.create(
        record=record_a,
        purpose="minutes",
        file="minutes/x.pdf",
        original_name="<script>alert(1)</script>.pdf",
        content_type=PDF,
        size=1,
        sha256="0" * 64,
    )
    html = client_as(world.chair_a).get(record_a.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.pdf" in html
    assert "<script>alert" not in html


def test_it_never_keeps_markup_in_an_uploaded_name(client_as, world, record_a):
    post_raw_file(client_as(world.chair_a), record_a, "<script>alert(1)</script>.pdf", pdf_bytes())
    attachment = Attachment.objects.get()
    assert "/" not in attachment.original_name
    html = client_as(world.chair_a).get(record_a.get_absolute_url()).content.decode()
    assert "<script>alert" not in html


# --- Deleting -----------------------------------------------------------------------------


def delete_url(attachment: Attachment) -> str:
    return reverse("conferences:attachment_delete", args=[attachment.pk])


def test_it_lets_the_chair_remove_a_file_from_a_draft_and_the_disk(
    client_as, world, record_a, django_capture_on_commit_callbacks
):
    attachment = add_file(record_a, world.chair_a, "Biên bản.pdf")
    [stored] = media_files()
    client = client_as(world.chair_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(delete_url(attachment))
    assert response.status_code == 302 and response["Location"] == record_a.get_absolute_url()
    assert len(callbacks) == 1
    assert not Attachment.objects.exists()
    assert not stored.exists() and media_files() == []
    entry = record_a.audit.get(action=AuditEntry.Action.FILE_REMOVED)
    assert entry.by == world.chair_a and entry.changes == {"file": "Biên bản.pdf"}


def test_it_keeps_the_file_on_disk_until_the_removal_commits(world, record_a, django_capture_on_commit_callbacks):
    attachment = add_file(record_a, world.chair_a)
    [stored] = media_files()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.attachment_remove(attachment=attachment, by=world.chair_a)
    assert stored.exists()
    for callback in callbacks:
        callback()
    assert not stored.exists()


@pytest.mark.parametrize(("persona", "status"), [("staff_y", 404), ("chair_c", 404), ("leader_p", 403)])
def test_it_refuses_removal_to_outsiders_and_readers(client_as, world, record_a, persona, status):
    attachment = add_file(record_a, world.chair_a)
    response = client_as(getattr(world, persona)).post(delete_url(attachment))
    assert response.status_code == status
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert len(media_files()) == 1


def test_it_sends_anonymous_removers_to_login(client, world, record_a):
    attachment = add_file(record_a, world.chair_a)
    response = client.post(delete_url(attachment))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_it_locks_the_files_of_an_accepted_record_even_for_its_chair(client_as, world, record_a):
    attachment = add_file(record_a, world.chair_a)
    services.record_submit(record=record_a, by=world.chair_a)
    services.record_accept(record=record_a, by=world.staff_x)
    for user in (world.chair_a, world.staff_x):
        response = client_as(user).post(delete_url(attachment))
        assert response.status_code == 403
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert len(media_files()) == 1


# --- Storing: no file outlives a failed write ----------------------------------------------


def storage():
    """The default storage, looked up when a test runs: a module-level ``default_storage``
    would be set up during collection, before the suite's storage settings apply."""
    from django.core.files.storage import default_storage

    return default_storage


def test_a_file_stored_before_a_write_that_fails_is_removed_again(world):
    default_storage = storage()
    name = default_storage.save("minutes/left-behind.pdf", ContentFile(pdf_bytes()))
    with pytest.raises(RuntimeError), removed_unless_written(default_storage, name):
        Record.objects.filter(unit=world.unit_a).update(notes="changed")
        raise RuntimeError("the write failed")
    assert not default_storage.exists(name)
    assert not Record.objects.filter(notes="changed").exists()  # the block's writes rolled back


def test_a_file_whose_write_commits_stays(world):
    default_storage = storage()
    name = default_storage.save("minutes/kept.pdf", ContentFile(pdf_bytes()))
    with removed_unless_written(default_storage, name):
        pass
    assert default_storage.exists(name)


def test_an_attachment_whose_row_cannot_be_written_leaves_no_file(world, record_a, monkeypatch):
    def broken_queue(**kwargs):
        raise RuntimeError("the reading queue is down")

    monkeypatch.setattr(services, "reading_queue", broken_queue)
    before = media_files()
    with pytest.raises(RuntimeError):
        add_file(record_a, world.chair_a)
    assert media_files() == before
    assert not Attachment.objects.filter(record=record_a).exists()
    assert not AuditEntry.objects.filter(record=record_a, action=AuditEntry.Action.FILE_ADDED).exists()
