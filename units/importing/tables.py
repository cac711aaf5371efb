"""Reading a CSV or XLSX file into numbered rows keyed by the importer's column names.

Row numbers are the ones the user sees in the spreadsheet: the header is row 1, the
first data row is row 2, and blank rows still count.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from qcdc.xlsx import restore
from units.importing.errors import ImportFileError
from units.importing.limits import check_csv_text, check_xlsx_package

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from django.utils.functional import Promise

XLSX_SIGNATURE = b"PK\x03\x04"
CSV_DELIMITERS = ",;\t"
_MAX_COUNT = 2_147_483_647
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class RowError:
    row: int
    message: str


@dataclass(frozen=True)
class Column:
    """One column the importer reads: its machine name, Vietnamese aliases and help."""

    name: str
    label: Promise | str
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: Promise | str = ""


@dataclass(frozen=True)
class SheetRow:
    number: int
    values: dict[str, Any]

    def text(self, column: str) -> str:
        return cell_text(self.values.get(column))


@dataclass
class Table:
    columns: tuple[str, ...] = ()
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def header_ok(self) -> bool:
        """Whether the header was read: without it no row can be checked."""
        return not any(e.row == 1 for e in self.errors)

    def readable_rows(self) -> list[SheetRow]:
        """The rows an import checks: not those the reader already refused (their cells
        are shifted, so more errors about them would be noise)."""
        refused = {e.row for e in self.errors}
        return [row for row in self.rows if row.number not in refused]


@dataclass(frozen=True)
class FieldChange:
    label: Promise | str
    old: Any
    new: Any


@dataclass(frozen=True)
class PreviewRow:
    row: int
    code: str
    name: str
    action: str
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    accounts: int = 0  # chair accounts a units import created


def normalise_header(text: str) -> str:
    """Case and surrounding spaces do not matter; diacritics do ("ma" is not "mã").

    NFC only unifies how the same letters are encoded (macOS writes "ã" as a + ◌̃).
    """
    return unicodedata.normalize("NFC", text).strip().lower()


def cell_text(value: Any) -> str:
    """A cell as text: numbers typed into XLSX (a code 1001) read as "1001", not "1001.0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    # An exported list reads back as it was exported: undo the export's quote before "=".
    return restore(unicodedata.normalize("NFC", str(value)).strip())


def cell_count(value: Any) -> int:
    """A non-negative whole number; an empty cell is 0."""
    if value is None or value == "":
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_COUNT:
        raise ValueError(value)
    return value


def read_count(row: SheetRow, name: str, *, label: Promise | str, problems: list[str]) -> int | None:
    """Column ``name`` of ``row`` as ``cell_count`` reads it; a bad value adds a problem
    naming the column and what it holds, and gives None. Every importer's counts go here."""
    try:
        return cell_count(row.values.get(name))
    except ValueError:
        problems.append(
            _("%(label)s phải là số nguyên không âm (đang là «%(value)s»).") % {"label": label, "value": row.text(name)}
        )
        return None


def cell_date(value: Any) -> datetime.date | None:
    """A date from an XLSX date cell, "YYYY-MM-DD" or "dd/mm/yyyy"; None when empty."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.datetime.strptime(value.strip(), pattern).date()
            except ValueError:
                continue
    raise ValueError(value)


def read_table(*, data: bytes, suffix: str, columns: tuple[Column, ...], max_rows: int | None = None) -> Table:
    """Parse ``data`` (``suffix`` ".csv" or ".xlsx") and map its header onto ``columns``."""
    raw_rows = _xlsx_rows(data, max_rows=max_rows) if suffix == ".xlsx" else _csv_rows(data)
    if max_rows is not None:
        # Stop early: a small zipped workbook can unpack to millions of rows.
        raw_rows = itertools.islice(raw_rows, max_rows + 2)
    table = Table()
    header = next(raw_rows, None)
    if header is None or not any(cell_text(v) for v in header):
        table.errors.append(RowError(1, _("Tệp không có dòng tiêu đề.")))
        return table
    positions = _map_header(header, columns, table)
    table.columns = tuple(positions)
    for number, raw in enumerate(raw_rows, start=2):
        if max_rows is not None and number > max_rows + 1:
            table.errors.append(RowError(number, _("Tệp có quá nhiều dòng (tối đa %(n)s dòng).") % {"n": max_rows}))
            break
        if not any(cell_text(v) for v in raw):
            continue
        if any(cell_text(v) for v in raw[len(header) :]):
            table.errors.append(RowError(number, _("Dòng có nhiều ô hơn dòng tiêu đề (thiếu dấu ngoặc kép?).")))
        values = {name: raw[i] if i < len(raw) else None for name, i in positions.items()}
        table.rows.append(SheetRow(number, values))
    if not table.rows and not table.errors:
        table.errors.append(RowError(1, _("Tệp không có dòng dữ liệu nào.")))
    return table


def read_file(path: Path, *, columns: tuple[Column, ...]) -> Table:
    """A file on disk (the management commands): no row limit."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ImportFileError(_("Tệp phải là CSV (UTF-8) hoặc XLSX."))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(_("Không đọc được tệp %(name)s.") % {"name": path}) from exc
    return read_table(data=data, suffix=suffix, columns=columns)


def _map_header(header: tuple[Any, ...], columns: tuple[Column, ...], table: Table) -> dict[str, int]:
    known = {normalise_header(alias): c.name for c in columns for alias in (c.name, *c.aliases)}
    positions: dict[str, int] = {}
    for i, cell in enumerate(header):
        title = cell_text(cell)
        if not title:
            continue  # an empty header cell is stray formatting, not a column
        name = known.get(normalise_header(title))
        if name is None:
            table.errors.append(RowError(1, _("Cột không xác định: «%(col)s».") % {"col": title}))
        elif name in positions:
            table.errors.append(RowError(1, _("Cột «%(col)s» xuất hiện hai lần.") % {"col": title}))
        else:
            positions[name] = i
    for column in columns:
        if column.required and column.name not in positions:
            table.errors.append(
                RowError(
                    1, _("Thiếu cột bắt buộc: %(name)s (%(label)s).") % {"name": column.name, "label": column.label}
                )
            )
    return positions


def _csv_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("Tệp phải là CSV (UTF-8) hoặc XLSX.")) from exc
    if "\x00" in text:
        raise ImportFileError(_("Tệp phải là CSV (UTF-8) hoặc XLSX."))
    # Excel saves CSV with ";" or tab in some locales: take the header's most used one.
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    if not first_line.count(delimiter):
        delimiter = ","
    check_csv_text(text, delimiter=delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _guarded((tuple(row) for row in reader), close=lambda: None)


def _xlsx_rows(data: bytes, *, max_rows: int | None) -> Iterator[tuple[Any, ...]]:
    if not data.startswith(XLSX_SIGNATURE):
        raise ImportFileError(_("Tệp phải là CSV (UTF-8) hoặc XLSX."))
    check_xlsx_package(data, max_rows=max_rows)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # The declared size ("A1:XFD1048576") would pad every row to it: read what is there.
        sheet.reset_dimensions()
    except (zipfile.BadZipFile, InvalidFileException, KeyError, IndexError, ValueError, TypeError, SyntaxError) as exc:
        raise ImportFileError(_("Tệp phải là CSV (UTF-8) hoặc XLSX.")) from exc
    return _guarded(sheet.iter_rows(values_only=True), close=workbook.close)


def _guarded(rows: Iterator[tuple[Any, ...]], *, close: Callable[[], None]) -> Iterator[tuple[Any, ...]]:
    """Rows read lazily; a file broken half-way is the same error as a bad file."""
    try:
        yield from rows
    except (csv.Error, zipfile.BadZipFile, KeyError, ValueError, TypeError, SyntaxError) as exc:
        raise ImportFileError(_("Tệp phải là CSV (UTF-8) hoặc XLSX.")) from exc
    finally:
        close()
