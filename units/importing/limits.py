"""Bounds checked on an import file before anything parses it.

A 200 KB workbook can unpack to millions of shared strings or one row of millions of
cells, and a 4 MB CSV can be one line of two million columns: openpyxl and the csv
module would build all of it in memory. These checks stream over the file once with
constant memory (expat, no tree, no DTD or entities) and refuse it with a Vietnamese
message as soon as a bound is passed, so a refusal costs at most one pass over
``XLSX_MAX_UNPACKED_BYTES`` and usually much less.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.parsers import expat

from django.utils.translation import gettext as _

from units.importing.errors import ImportFileError

XLSX_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
XLSX_MAX_PARTS = 1000
MAX_SHARED_STRINGS = 1_000_000
MAX_COLUMNS = 200
# Excel's own limit: a row number beyond it can only be an attack on the reader.
MAX_SHEET_ROW = 1_048_576
CSV_MAX_LINE_CHARS = 32_768
_CHUNK = 64 * 1024
_CELL_REFERENCE = re.compile(r"([A-Za-z]{1,3})(\d*)")


class _Refused(Exception):
    pass


def check_csv_text(text: str, *, delimiter: str) -> None:
    """Every physical line at most ``CSV_MAX_LINE_CHARS`` characters and ``MAX_COLUMNS`` columns."""
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):
        if len(line) > CSV_MAX_LINE_CHARS:
            raise ImportFileError(
                _("Dòng %(row)s quá dài (tối đa %(n)s ký tự một dòng).") % {"row": number, "n": CSV_MAX_LINE_CHARS}
            )
        if line.count(delimiter) >= MAX_COLUMNS:
            raise ImportFileError(
                _("Dòng %(row)s có quá nhiều cột (tối đa %(n)s cột).") % {"row": number, "n": MAX_COLUMNS}
            )


def check_xlsx_package(data: bytes, *, max_rows: int | None) -> None:
    """Refuse a workbook whose parts unpack past the bounds, before openpyxl opens it.

    The sizes the zip declares are a true bound: Python's zip reader stops at the
    declared size and fails the CRC check if a part holds more.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(_("Tệp phải là CSV (UTF-8) hoặc XLSX.")) from exc
    with archive:
        parts = archive.infolist()
        if len(parts) > XLSX_MAX_PARTS:
            raise ImportFileError(_("Tệp XLSX có quá nhiều thành phần (tối đa %(n)s).") % {"n": XLSX_MAX_PARTS})
        if sum(part.file_size for part in parts) > XLSX_MAX_UNPACKED_BYTES:
            raise ImportFileError(
                _("Tệp XLSX khi giải nén quá lớn (tối đa %(mb)s MB).") % {"mb": XLSX_MAX_UNPACKED_BYTES // 2**20}
            )
        counter = _XmlCounter(max_rows=max_rows)
        for part in parts:
            counter.scan(archive, part)


class _XmlCounter:
    """Counts shared strings, rows and cells across the package's XML parts."""

    def __init__(self, *, max_rows: int | None) -> None:
        self.max_rows = max_rows
        self.strings = 0
        self.rows = 0
        self.cells_in_row = 0
        self.row_number = 0

    def scan(self, archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self._start
        # A workbook never needs a DTD: refusing it rules out entity expansion bombs.
        parser.StartDoctypeDeclHandler = self._refuse_dtd
        self.rows = self.row_number = 0
        try:
            with archive.open(part) as stream:
                while chunk := stream.read(_CHUNK):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except expat.ExpatError:
            return  # not XML (an image): openpyxl reports a broken part itself
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ImportFileError(_("Tệp phải là CSV (UTF-8) hoặc XLSX.")) from exc
        except _Refused as refused:
            raise ImportFileError(str(refused)) from None

    def _refuse_dtd(self, *args: object) -> None:
        raise _Refused(_("Tệp phải là CSV (UTF-8) hoặc XLSX."))

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        tag = name.rpartition(" ")[2]
        if tag == "si":
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                raise _Refused(_("Tệp XLSX có quá nhiều ô chữ (tối đa %(n)s).") % {"n": f"{MAX_SHARED_STRINGS:,}"})
        elif tag == "row":
            self.rows += 1
            self.cells_in_row = 0
            self.row_number = _whole(attributes.get("r")) or self.row_number + 1
            limit = MAX_SHEET_ROW if self.max_rows is None else self.max_rows + 2
            if self.row_number > limit or self.rows > limit:
                raise _Refused(_("Tệp có quá nhiều dòng (tối đa %(n)s dòng).") % {"n": self.max_rows or MAX_SHEET_ROW})
        elif tag == "c":
            self.cells_in_row += 1
            column = _column(attributes.get("r", ""))
            if self.cells_in_row > MAX_COLUMNS or column > MAX_COLUMNS:
                raise _Refused(
                    _("Dòng %(row)s có quá nhiều cột (tối đa %(n)s cột).") % {"row": self.row_number, "n": MAX_COLUMNS}
                )


def _whole(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


def _column(reference: str) -> int:
    """``"AB12"`` → 28; 0 when the cell carries no reference."""
    match = _CELL_REFERENCE.fullmatch(reference)
    if match is None:
        return 0
    number = 0
    for letter in match.group(1).upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number
