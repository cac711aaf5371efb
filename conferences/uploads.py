"""Checking uploaded files by what they contain, not by what they are called, and
storing them so that no file outlives a failed write."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

EXTENSIONS: dict[str, frozenset[str]] = {
    PDF: frozenset({".pdf"}),
    JPEG: frozenset({".jpg", ".jpeg"}),
    PNG: frozenset({".png"}),
    DOCX: frozenset({".docx"}),
}
TYPE_NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", DOCX: "DOCX"}


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    original_name: str
    size: int
    sha256: str


# A DOCX of minutes with photos unpacks to a few times its size; a zip bomb to thousands.
DOCX_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
DOCX_MAX_PARTS = 2000
# PDF names that make a reader run something: scripts, programs, actions on opening a
# page or the document. A destination array after /OpenAction (LibreOffice writes
# "/OpenAction [1 0 R /XYZ …]") only says where to open, and is accepted.
PDF_MAX_OBJECT_STREAM_BYTES = 50 * 1024 * 1024
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|AA|SubmitForm|ImportData)(?![A-Za-z0-9])|/OpenAction(?!\s*\[)")
_PDF_STREAM = re.compile(rb"stream\r?\n")
_CHUNK = 64 * 1024


def store_checked(attachment: Any, upload: UploadedFile, checked: CheckedUpload) -> str:
    """Give ``attachment`` (a model with ``file``, ``original_name``, ``content_type``,
    ``size`` and ``sha256``, not yet saved) what ``check_upload`` found and store the file
    under its random name; returns the stored name. The row is written by the caller,
    inside ``removed_unless_written``."""
    attachment.original_name = checked.original_name
    attachment.content_type = checked.content_type
    attachment.size = checked.size
    attachment.sha256 = checked.sha256
    attachment.file.save(checked.original_name, upload, save=False)
    return str(attachment.file.name)


@contextmanager
def removed_unless_written(storage: Storage, name: str) -> Iterator[None]:
    """Around the database write that records a file already stored as ``name`` (blank:
    none): the block runs in one transaction, and if it fails the file is deleted again,
    so a refused or failed write leaves no file behind."""
    try:
        with transaction.atomic():
            yield
    except BaseException:
        if name:
            storage.delete(name)
        raise


def _sniff(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
    return None


def display_name(name: str) -> str:
    """The name to show: no folders, no control characters, at most 200 characters."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", base) if ch.isprintable()).strip()
    return cleaned[-200:]


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """Accept PDF, JPEG, PNG or DOCX within the size cap, or raise a Vietnamese error.

    Nothing is written anywhere: the caller stores the file only after this passes.
    """
    name = display_name(upload.name or "")
    if not name or name.startswith("."):
        raise ValidationError(_("Tên tệp không hợp lệ."), code="bad_name")
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("Tệp rỗng: hãy chọn lại tệp biên bản."), code="empty")
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("Tệp quá lớn (%(size)s MB). Dung lượng tối đa là %(limit)s MB.")
            % {"size": number_format(size / 1024 / 1024, 1), "limit": number_format(limit / 1024 / 1024, 1)},
            code="too_large",
        )
    content_type = _sniff(upload)
    if content_type is None:
        raise ValidationError(
            _("Chỉ nhận tệp PDF, ảnh JPEG/PNG hoặc DOCX; nội dung tệp này không thuộc loại nào trong số đó."),
            code="bad_type",
        )
    extension = PurePosixPath(name).suffix.lower()
    if extension not in EXTENSIONS[content_type]:
        raise ValidationError(
            _("Tên tệp có đuôi “%(ext)s” nhưng nội dung là %(type)s. Hãy đổi tên tệp cho đúng rồi tải lại.")
            % {"ext": extension or "—", "type": TYPE_NAMES[content_type]},
            code="mismatch",
        )
    if content_type == DOCX:
        _check_docx_package(upload)
    elif content_type == PDF:
        _check_pdf_is_inert(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(content_type=content_type, original_name=name, size=size, sha256=digest.hexdigest())


def _check_docx_package(upload: UploadedFile) -> None:
    """Refuse a DOCX that unpacks past ``DOCX_MAX_UNPACKED_BYTES`` (a zip bomb).

    Each part is inflated in chunks and counted, so a header that lies about a part's
    size is caught as well (Python's zip reader also stops at the declared size).
    """
    refused = ValidationError(
        _("Tệp DOCX khi giải nén quá lớn (tối đa %(mb)s MB): có thể là tệp độc hại.")
        % {"mb": DOCX_MAX_UNPACKED_BYTES // 2**20},
        code="zip_bomb",
    )
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            parts = archive.infolist()
            if len(parts) > DOCX_MAX_PARTS or sum(p.file_size for p in parts) > DOCX_MAX_UNPACKED_BYTES:
                raise refused
            unpacked = 0
            for part in parts:
                with archive.open(part) as stream:
                    while chunk := stream.read(_CHUNK):
                        unpacked += len(chunk)
                        if unpacked > DOCX_MAX_UNPACKED_BYTES:
                            raise refused
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise ValidationError(_("Tệp DOCX bị hỏng hoặc không đọc được."), code="bad_type") from exc
    finally:
        upload.seek(0)


def _check_pdf_is_inert(upload: UploadedFile) -> None:
    """Refuse a PDF with scripts or automatic actions (refused rather than stripped: a
    PDF edited on the server would no longer be the minutes that were signed).

    Names may be written with #xx escapes, and dictionaries may sit inside compressed
    object streams: both are read, the latter inflated up to a bound. Other streams
    (page contents, images) hold no dictionaries and are skipped, so that image bytes
    cannot look like a name by chance.
    """
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    budget = PDF_MAX_OBJECT_STREAM_BYTES
    for text, object_stream in _pdf_regions(data):
        if object_stream:
            try:
                text = zlib.decompressobj().decompress(text, budget + 1)
            except zlib.error:
                continue  # not a Flate stream: no reader can take objects from it either
            budget -= len(text)
            if budget < 0:
                raise ValidationError(_("Tệp PDF quá phức tạp để kiểm tra."), code="active_pdf")
        if _PDF_ACTIVE.search(_pdf_unescape(text)):
            raise ValidationError(
                _("Tệp PDF có mã lệnh hoặc thao tác tự động (JavaScript, mở chương trình…); hãy in lại ra PDF thường."),
                code="active_pdf",
            )


def _pdf_unescape(data: bytes) -> bytes:
    """``/J#61vaScript`` → ``/JavaScript``."""
    return _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _pdf_regions(data: bytes) -> Iterator[tuple[bytes, bool]]:
    """The file outside its streams, and the data of each Flate object stream (/ObjStm)."""
    position = 0
    for match in _PDF_STREAM.finditer(data):
        if match.start() < position:
            continue  # the word inside a stream already skipped
        yield data[position : match.start()], False
        header = _pdf_unescape(data[max(position, match.start() - 1024) : match.start()])
        header = header[header.rfind(b"obj") :]
        end = data.find(b"endstream", match.end())
        end = len(data) if end == -1 else end
        if b"/ObjStm" in header and b"/FlateDecode" in header:
            yield data[match.end() : end], True
        position = end + len(b"endstream")
    yield data[position:], False
