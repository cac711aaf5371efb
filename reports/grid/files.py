"""The per-unit grid as files: XLSX in the page's layout and an A4 landscape PDF.

Both take the rows ``grid.grid_rows`` yields (exactly what the filters keep). The
headings are Vietnamese like the reports' files; callers render under Vietnamese so that
the cells' words are too, whatever the reader's interface language.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from qcdc import xlsx
from qcdc.pdf import write_pdf
from reports.exports import REPORT_TIMEZONE
from reports.grid.types import GridCell, GridRow, State

LEADING = (("STT", 6), ("Mã", 12), ("Tên đơn vị", 36), ("Công đoàn cấp trên", 28), ("Loại hình", 22))
PER_INDICATOR = (("Tình trạng", 18), ("Ngày", 11), ("Ghi chú", 28))
# The last column: the unit's follow-up items overdue in the period (reports.followup).
OVERDUE_HEADING, OVERDUE_WIDTH = "Việc quá hạn", 12
HEADER_ROW = 3
# Background per state; the words say the same, so colour is never the only signal.
FILLS = {
    "done": "C6EFCE",
    "late": "FFEB9C",
    State.SUBMITTED: "DDEBF7",
    State.DRAFT: "EDEDED",
    State.RETURNED: "F8CBAD",
    State.MISSING: "FFC7CE",
    State.NOT_EXPECTED: "FFFFFF",
}


def cell_tone(cell: GridCell) -> str:
    """The colour family of a cell: a late or poor done cell is not plain green."""
    if cell.state == State.DONE:
        return "done" if cell.on_time and cell.good else "late"
    return cell.state


def _styles(wb: Workbook) -> None:
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb.add_named_style(NamedStyle("grid_title", font=Font(bold=True, size=12)))
    wb.add_named_style(
        NamedStyle(
            "grid_header",
            font=Font(bold=True),
            border=border,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
            fill=PatternFill("solid", fgColor="DDEBF7"),
        )
    )
    for tone, colour in FILLS.items():
        wb.add_named_style(NamedStyle(f"grid_{tone}", border=border, fill=PatternFill("solid", fgColor=colour)))


def grid_xlsx_bytes(title: str, indicators: list[tuple[str, str]], rows: Iterable[GridRow]) -> bytes:
    """One sheet: the title, a two-row header (merged indicator headings over state, date
    and note), frozen beside the unit's columns and under the header, one row per unit."""
    wb = xlsx.workbook()
    _styles(wb)
    ws = wb.create_sheet("Bảng theo dõi")

    def styled(value: Any, style: str) -> Cell:
        return xlsx.cell(ws, value, style)

    widths = [w for _h, w in LEADING] + [w for _code in indicators for _h, w in PER_INDICATOR]
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = f"{get_column_letter(len(LEADING) + 1)}{HEADER_ROW + 2}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW + 1}"

    xlsx.append(ws, [styled(title, "grid_title")])
    made = timezone.now().astimezone(REPORT_TIMEZONE)
    xlsx.append(ws, [f"Ngày lập: {made:%d/%m/%Y %H:%M}"])
    top = [styled(heading, "grid_header") for heading, _w in LEADING]
    bottom = [styled(None, "grid_header") for _ in LEADING]
    for column in range(1, len(LEADING) + 1):
        ws.merged_cells.add(f"{get_column_letter(column)}{HEADER_ROW}:{get_column_letter(column)}{HEADER_ROW + 1}")
    for position, (_code, label) in enumerate(indicators):
        top += [styled(label, "grid_header")] + [styled(None, "grid_header") for _ in PER_INDICATOR[1:]]
        bottom += [styled(heading, "grid_header") for heading, _w in PER_INDICATOR]
        first = len(LEADING) + 1 + position * len(PER_INDICATOR)
        last = first + len(PER_INDICATOR) - 1
        ws.merged_cells.add(f"{get_column_letter(first)}{HEADER_ROW}:{get_column_letter(last)}{HEADER_ROW}")
    overdue_column = len(widths) + 1
    ws.column_dimensions[get_column_letter(overdue_column)].width = OVERDUE_WIDTH
    top.append(styled(OVERDUE_HEADING, "grid_header"))
    bottom.append(styled(None, "grid_header"))
    overdue_letter = get_column_letter(overdue_column)
    ws.merged_cells.add(f"{overdue_letter}{HEADER_ROW}:{overdue_letter}{HEADER_ROW + 1}")
    xlsx.append(ws, top)
    xlsx.append(ws, bottom)
    for number, row in enumerate(rows, start=1):
        # Plain values but for the state, which carries its colour: a styled cell costs
        # twice a plain one, and a province's grid runs to tens of thousands of rows.
        line: list[Any] = [number, row.code, row.name, row.node_name, row.category_label]
        for cell in row.cells:
            held_on = cell.held_on.strftime("%d/%m/%Y") if cell.held_on else ""
            line += [styled(cell.label, f"grid_{cell_tone(cell)}"), held_on, cell.note]
        line.append(row.overdue)
        xlsx.append(ws, line)
    return xlsx.to_bytes(wb)


def grid_pdf_bytes(title: str, indicators: list[tuple[str, str]], rows: Iterable[GridRow]) -> bytes:
    """The grid on A4 landscape pages, the header row repeated on each page."""
    lines = [
        {
            "row": row,
            "cells": [
                {"words": c.label, "tone": cell_tone(c), "held_on": c.held_on, "note": c.note} for c in row.cells
            ],
        }
        for row in rows
    ]
    made = timezone.now().astimezone(REPORT_TIMEZONE)
    html = render_to_string(
        "reports/grid_pdf.html", {"title": title, "indicators": indicators, "lines": lines, "made": made}
    )
    return write_pdf(html)
