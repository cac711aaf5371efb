"""Uploaded files between the preview and the confirmation.

The file is kept under ``MEDIA_ROOT/imports/<token><suffix>``; the browser only ever
sees the token, a random hex string that is checked before it touches a path.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from units.importing.tables import ImportFileError

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_ROWS = 100_000
SUFFIXES = (".csv", ".xlsx")
STASH_MAX_AGE_SECONDS = 24 * 60 * 60
_TOKEN = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Upload:
    data: bytes
    suffix: str


def upload_read(file: UploadedFile) -> Upload:
    """The upload's bytes, refused when too big or not named .csv/.xlsx.

    Whether the content really is UTF-8 CSV or a workbook is checked when it is read
    (``read_table``), before anything is kept on disk.
    """
    if file.size is None or file.size > MAX_UPLOAD_BYTES:
        raise ImportFileError(_("Tệp lớn hơn 10 MB."))
    suffix = Path(file.name or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise ImportFileError(_("Tệp phải là CSV (UTF-8) hoặc XLSX."))
    return Upload(data=file.read(), suffix=suffix)


def stash_upload(upload: Upload) -> str:
    """Keep the file until the user confirms; returns the token that names it."""
    folder = _stash_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _discard_abandoned(folder)
    token = uuid.uuid4().hex
    (folder / f"{token}{upload.suffix}").write_bytes(upload.data)
    return token


def stash_claim(token: str) -> Upload:
    """Take the file for the one confirmation that may write it.

    Renaming is atomic: of two confirmations sent at once (a double click, two tabs),
    exactly one moves the file away and gets it; the other finds nothing and is told
    the file was already used. The claimed copy is deleted as soon as it is read.
    """
    for path, suffix in _stash_paths(token):
        claimed = path.with_name(f"{path.name}.{uuid.uuid4().hex}.claimed")
        try:
            path.rename(claimed)
        except FileNotFoundError:
            continue
        try:
            return Upload(data=claimed.read_bytes(), suffix=suffix)
        finally:
            claimed.unlink(missing_ok=True)
    raise ImportFileError(
        _("Không tìm thấy tệp đã tải lên (có thể đã được nhập hoặc đã hết hạn). Hãy tải tệp lên lại.")
    )


def _stash_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _stash_paths(token: str) -> list[tuple[Path, str]]:
    if not _TOKEN.fullmatch(token):
        return []
    return [(_stash_dir() / f"{token}{suffix}", suffix) for suffix in SUFFIXES]


def _discard_abandoned(folder: Path) -> None:
    """Previews nobody confirmed: delete them after a day."""
    cutoff = time.time() - STASH_MAX_AGE_SECONDS
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
