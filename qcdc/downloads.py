"""One way to hand a stored file to a user: record attachments, follow-up evidence,
work-log attachments and the files of jobs all go through here.

The caller passes what the user may see (a queryset already scoped to the user, or a
job its access helper returned); anything outside it, and a file missing from storage,
is a 404 like a missing row. Every response carries the same safe headers:

- ``Content-Disposition`` with the original name, ASCII as ``filename="…"`` and any
  other name (Vietnamese ones) as RFC 5987 ``filename*=utf-8''…``; ``inline`` only for
  the types a browser shows without running anything (PDF, JPEG, PNG);
- the content type checked at upload (``application/octet-stream`` when unknown);
- ``X-Content-Type-Options: nosniff``, a sandboxing ``Content-Security-Policy`` (an
  uploaded PDF or image shown inline runs nothing) and ``Cache-Control: private, no-store``.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import IO, TypeVar

from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header

M = TypeVar("M", bound=models.Model)
R = TypeVar("R", bound=HttpResponse)

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
JSON = "application/json"
INLINE_TYPES = frozenset({PDF, "image/jpeg", "image/png"})
SANDBOX = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
FALLBACK_TYPE = "application/octet-stream"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def scoped_download(
    queryset: models.QuerySet[M],
    pk: int,
    *,
    file_field: str = "file",
    name_field: str = "original_name",
    type_field: str = "content_type",
) -> FileResponse:
    """The file of row ``pk`` of ``queryset`` (already scoped to the user), or 404."""
    row = get_object_or_404(queryset, pk=pk)
    return stored_file_response(
        getattr(row, file_field), filename=getattr(row, name_field), content_type=getattr(row, type_field), inline=True
    )


def stored_file_response(
    stored: FieldFile | None, *, filename: str, content_type: str, inline: bool = False
) -> FileResponse:
    """A stored file with the safe headers; 404 when there is none or storage lost it."""
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return file_response(handle, filename=filename or stored.name, content_type=content_type, inline=inline)


def file_response(body: IO[bytes] | bytes, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """``body`` (an open file, or bytes made just now) streamed as a download, or shown
    inline when ``inline`` and the type is safe."""
    content_type = content_type or FALLBACK_TYPE
    response = FileResponse(
        BytesIO(body) if isinstance(body, bytes) else body,
        as_attachment=not (inline and content_type in INLINE_TYPES),
        filename=safe_filename(filename),
        content_type=content_type,
    )
    return _protected(response)


def bytes_response(body: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """A small export made just now, in one piece (``response.content``), as a download."""
    response = HttpResponse(body, content_type=content_type or FALLBACK_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, safe_filename(filename))
    return _protected(response)


def _protected(response: R) -> R:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cache-Control"] = "private, no-store"
    return response


def safe_filename(name: str) -> str:
    """The last part of ``name`` without control characters or path separators."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _CONTROL.sub("_", base).strip() or "tep"
