"""Checking uploaded minutes by what they contain, not by what they are called."""

from __future__ import annotations

import hashlib
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
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
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(content_type=content_type, original_name=name, size=size, sha256=digest.hexdigest())
