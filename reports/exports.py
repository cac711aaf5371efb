"""XLSX and PDF files of a report, drawn from its stored payload only.

Nothing here reads the database: a run's payload (``compute.to_payload``) is all a file
needs, so a report sent up years ago renders again exactly as it was built, even after
units moved or nodes merged. The headings are Vietnamese data headings on purpose: the
files follow the federation's paper report, whatever the reader's interface language.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from qcdc import pdf, xlsx

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# Reports are closed and signed in Vietnam: their dates are Vietnamese whatever the server's zone.
REPORT_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
PDF_MISSING_LIMIT = 500
NO_RATE = "—"

# (payload key, heading, is a rate): the columns under each indicator in the XLSX.
XLSX_CELL_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("expected", "Phải thực hiện", False),
    ("done", "Đã thực hiện", False),
    ("rate", "Tỷ lệ", True),
    ("on_time", "Đúng hạn", False),
    ("on_time_rate", "Tỷ lệ đúng hạn", True),
    ("quality", "Đạt chất lượng", False),
    ("quality_rate", "Tỷ lệ đạt chất lượng", True),
)
QUALITY_NOTE = (
    "Tỷ lệ đạt chất lượng tính trên số đơn vị đã thực hiện và đã đánh giá được chất lượng; "
    "hồ sơ nhập từ lịch sử không kèm nội dung, nghị quyết, hình thức, số lao động là chưa đánh giá, "
    "không tính là không đạt."
)


def format_rate(rate: float | None) -> str:
    """``71.4`` → ``"71,4%"``, one decimal with a decimal comma; ``None`` (nothing expected) → ``"—"``."""
    if rate is None:
        return NO_RATE
    value = Decimal(str(rate)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}%".replace(".", ",")


def format_count(number: int) -> str:
    """``12345`` → ``"12.345"``: Vietnamese groups thousands with a dot."""
    return f"{number:,}".replace(",", ".")


def built_at_local(payload: dict[str, Any]) -> datetime.datetime:
    """When the report was built, in Vietnamese time (a naive stamp is taken as already local)."""
    built_at = datetime.datetime.fromisoformat(payload["built_at"])
    if built_at.tzinfo is None:
        return built_at.replace(tzinfo=REPORT_TIMEZONE)
    return built_at.astimezone(REPORT_TIMEZONE)


def signature_date(day: datetime.date) -> str:
    """``"ngày 05 tháng 01 năm 2026"``: days below 10 and months 1–2 take a leading zero
    (Decree 30/2020/NĐ-CP), so that nobody can write a digit in front of them."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def report_title(payload: dict[str, Any]) -> str:
    when = "6 THÁNG ĐẦU NĂM" if payload.get("period") == "h1" else "NĂM"
    return f"BÁO CÁO KẾT QUẢ THỰC HIỆN QUY CHẾ DÂN CHỦ Ở CƠ SỞ {when} {payload['year']}"


def status_label(row: dict[str, Any]) -> str:
    """ "Đã chốt (lần 2)" for figures read from a closed version, "Chưa chốt" for live ones."""
    if row.get("status") == "closed":
        return f"Đã chốt (lần {row['version']})"
    return "Chưa chốt"


def indicator_labels(codes: Iterable[str], indicators: list[dict[str, str]]) -> str:
    labels = {i["code"]: i["label"] for i in indicators}
    return "; ".join(labels.get(code, code) for code in codes)


# XLSX -------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _add_styles(wb: Workbook) -> None:
    """Named styles: a cell then takes its style by name, without openpyxl hashing a
    font, border and alignment for each of tens of thousands of cells."""
    bold = Font(bold=True)
    styles = [
        NamedStyle("title", font=bold),
        NamedStyle("title_centered", font=bold, alignment=Alignment(horizontal="center")),
        NamedStyle("subtitle", alignment=Alignment(horizontal="center")),
        NamedStyle("note", font=Font(italic=True)),
        NamedStyle("header", font=bold, border=_BORDER, alignment=_CENTER, fill=PatternFill("solid", fgColor="DDEBF7")),
        NamedStyle("text", border=_BORDER, alignment=Alignment(vertical="top", wrap_text=True)),
    ]
    for prefix, font in (("", Font()), ("total_", bold)):
        styles += [
            NamedStyle(f"{prefix}label", font=font, border=_BORDER, alignment=_CENTER),
            NamedStyle(f"{prefix}count", font=font, border=_BORDER, number_format="#,##0"),
            NamedStyle(f"{prefix}rate", font=font, border=_BORDER, number_format="0.0%"),
        ]
    for style in styles:
        wb.add_named_style(style)


def _cell(ws: WriteOnlyWorksheet, value: Any, style: str) -> Cell:
    return xlsx.cell(ws, value, style)


def _figures(
    ws: WriteOnlyWorksheet, indicators: list[dict[str, str]], cells: dict[str, Any], *, prefix: str
) -> list[Any]:
    """The counts and rates of a line; a rate is stored as a fraction so that Excel shows
    71.4% and can compute with it, and as "—" when nothing was expected."""
    line = []
    for indicator in indicators:
        figures = cells.get(indicator["code"], {})
        for key, _heading, is_rate in XLSX_CELL_COLUMNS:
            value = figures.get(key)
            if not is_rate:
                line.append(_cell(ws, value, f"{prefix}count"))
            elif value is None:
                line.append(_cell(ws, NO_RATE, f"{prefix}label"))
            else:
                line.append(_cell(ws, round(value / 100, 4), f"{prefix}rate"))
    return line


def _range(first_column: int, first_row: int, last_column: int, last_row: int) -> str:
    return f"{get_column_letter(first_column)}{first_row}:{get_column_letter(last_column)}{last_row}"


def _write_summary_table(
    ws: WriteOnlyWorksheet,
    payload: dict[str, Any],
    *,
    title: str,
    leading: tuple[tuple[str, int], ...],
    lines: list[tuple[list[Any], dict[str, Any]]],
    status: bool = False,
) -> None:
    """Title block, a two-level header (indicators over their figures), one line per entry
    of ``lines`` (leading values, cells) and the bold total from the payload; with
    ``status``, a last column says whether each line is closed or provisional.

    A write-only sheet takes its widths and panes before its rows; merges are written last.
    """
    indicators = payload["indicators"]
    figures_width = len(leading) + len(indicators) * len(XLSX_CELL_COLUMNS)
    width = figures_width + status
    header_row = 5
    for column, (_heading, column_width) in enumerate(leading, start=1):
        ws.column_dimensions[get_column_letter(column)].width = column_width
    for column in range(len(leading) + 1, figures_width + 1):
        ws.column_dimensions[get_column_letter(column)].width = 11
    if status:
        ws.column_dimensions[get_column_letter(width)].width = 16
    ws.freeze_panes = f"{get_column_letter(len(leading) + 1)}{header_row + 2}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    xlsx.append(ws, [_cell(ws, str(payload["org_name"]).upper(), "title")])
    xlsx.append(ws, [_cell(ws, title, "title_centered")])
    xlsx.append(
        ws, [_cell(ws, f"Ngày lập: {built_at_local(payload):%d/%m/%Y} · {status_label(payload['total'])}", "subtitle")]
    )
    xlsx.append(ws, [])
    ws.merged_cells.add(_range(1, 2, width, 2))
    ws.merged_cells.add(_range(1, 3, width, 3))

    top = [_cell(ws, heading, "header") for heading, _width in leading]
    bottom = [_cell(ws, None, "header") for _ in leading]
    for column in range(1, len(leading) + 1):
        ws.merged_cells.add(_range(column, header_row, column, header_row + 1))
    for position, indicator in enumerate(indicators):
        top += [_cell(ws, indicator["label"], "header")] + [_cell(ws, None, "header") for _ in XLSX_CELL_COLUMNS[1:]]
        bottom += [_cell(ws, heading, "header") for _key, heading, _is_rate in XLSX_CELL_COLUMNS]
        first = len(leading) + 1 + position * len(XLSX_CELL_COLUMNS)
        ws.merged_cells.add(_range(first, header_row, first + len(XLSX_CELL_COLUMNS) - 1, header_row))
    if status:
        top.append(_cell(ws, "Tình trạng số liệu", "header"))
        bottom.append(_cell(ws, None, "header"))
        ws.merged_cells.add(_range(width, header_row, width, header_row + 1))
    xlsx.append(ws, top)
    xlsx.append(ws, bottom)

    rows = payload["rows"]
    for number, (values, cells) in enumerate(lines):
        trailing = [_cell(ws, status_label(rows[number]), "text")] if status else []
        leading_cells = [_cell(ws, value, "text") for value in values]
        xlsx.append(ws, leading_cells + _figures(ws, indicators, cells, prefix="") + trailing)
    total = [_cell(ws, "Tổng cộng", "total_label")] + [_cell(ws, None, "total_label") for _ in leading[1:]]
    trailing = [_cell(ws, status_label(payload["total"]), "total_label")] if status else []
    xlsx.append(ws, total + _figures(ws, indicators, payload["total"]["cells"], prefix="total_") + trailing)
    total_row = header_row + 2 + len(lines)
    ws.merged_cells.add(_range(1, total_row, len(leading), total_row))
    xlsx.append(ws, [_cell(ws, QUALITY_NOTE, "note")])


def _write_missing(ws: WriteOnlyWorksheet, payload: dict[str, Any]) -> None:
    headings = (
        ("STT", 6),
        ("Mã", 14),
        ("Tên đơn vị", 40),
        ("Công đoàn cấp trên", 30),
        ("Còn thiếu", 45),
        ("Chủ tịch CĐCS", 24),
        ("Email", 28),
        ("Điện thoại", 16),
    )
    for column, (_heading, width) in enumerate(headings, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = "A2"
    xlsx.append(ws, [_cell(ws, heading, "header") for heading, _width in headings])
    indicators = payload["indicators"]
    # A hundred thousand units share a few dozen combinations of what they lack.
    labels: dict[tuple[str, ...], str] = {}

    def lacking(codes: Iterable[str]) -> str:
        key = tuple(codes)
        if (text := labels.get(key)) is None:
            text = labels[key] = indicator_labels(key, indicators)
        return text

    # A filter over the header; ``stream_rows`` stretches it over the streamed units.
    ws.auto_filter.ref = _range(1, 1, len(headings), 1)
    # Plain values, written straight into the sheet: this list can run to a hundred
    # thousand units that people filter and mail-merge rather than print.
    xlsx.stream_rows(
        ws,
        (
            [
                number,
                unit["code"],
                unit["name"],
                unit["node"],
                lacking(unit["missing"]),
                unit["chair_name"],
                unit["chair_email"],
                unit["chair_phone"],
            ]
            for number, unit in enumerate(payload["missing"], start=1)
        ),
    )


def xlsx_bytes(payload: dict[str, Any]) -> bytes:
    """The report as a workbook: the summary, the units still missing an event, and the
    breakdown by category when the run asked for it."""
    wb = xlsx.workbook()
    _add_styles(wb)
    _write_summary_table(
        wb.create_sheet("Tổng hợp"),
        payload,
        title=report_title(payload),
        leading=(("STT", 6), ("Mã", 14), ("Đơn vị", 40)),
        status=True,
        lines=[
            ([number, row["org_code"], row["org_name"]], row["cells"])
            for number, row in enumerate(payload["rows"], start=1)
        ],
    )
    _write_missing(wb.create_sheet("Đơn vị chưa thực hiện"), payload)
    from reports.followup import files as followup_files

    if followup_files.has_followup(payload):
        followup_files.write_sheet(wb.create_sheet("Theo dõi thực hiện"), payload)
    if payload["by_category"] is not None:
        _write_summary_table(
            wb.create_sheet("Theo loại hình"),
            payload,
            title=f"KẾT QUẢ THEO LOẠI HÌNH ĐƠN VỊ NĂM {payload['year']}",
            leading=(("STT", 6), ("Loại hình", 40)),
            lines=[
                ([number, category["label"]], category["cells"])
                for number, category in enumerate(payload["by_category"], start=1)
            ],
        )
    return xlsx.to_bytes(wb)


# PDF --------------------------------------------------------------------------------------


def pdf_context(payload: dict[str, Any]) -> dict[str, Any]:
    built = built_at_local(payload)
    missing = payload["missing"]
    return {
        "payload": payload,
        "title": report_title(payload),
        "built_on": built.date(),
        "signature_date": signature_date(built.date()),
        "missing": missing[:PDF_MISSING_LIMIT],
        "missing_more": max(len(missing) - PDF_MISSING_LIMIT, 0),
        "quality_note": QUALITY_NOTE,
        "status": status_label(payload["total"]),
        **followup_context(payload),
    }


def followup_context(payload: dict[str, Any]) -> dict[str, Any]:
    """The follow-up table's lines for the PDF and the page (empty for older payloads)."""
    from reports.followup import files as followup_files

    if not followup_files.has_followup(payload):
        return {"followup": None}
    return {
        "followup": {
            "indicators": followup_files.indicators(payload),
            "headings": followup_files.HEADINGS,
            "rows": [(row, followup_files.line(row, payload)) for row in payload["rows"]],
            "total": followup_files.line(payload["total"], payload),
            "note": followup_files.as_of_text(payload),
        }
    }


def pdf_html(payload: dict[str, Any]) -> str:
    return render_to_string("reports/report_pdf.html", pdf_context(payload))


def pdf_bytes(payload: dict[str, Any]) -> bytes:
    """The report as an A4 landscape PDF, ready to sign: the summary, the total, at most
    ``PDF_MISSING_LIMIT`` units still missing an event (the XLSX lists them all)."""
    return pdf.write_pdf(pdf_html(payload))


# Explanation lists ------------------------------------------------------------------------


def explain_xlsx_bytes(units: Iterable[dict[str, Any]], *, title: str) -> bytes:
    """The units behind a figure, one per line, with what the snapshot or live data says."""
    from units.models import Category

    wb = xlsx.workbook()
    _add_styles(wb)
    ws = wb.create_sheet("Giải trình")
    headings = (
        ("STT", 6),
        ("Mã", 14),
        ("Tên đơn vị", 40),
        ("Công đoàn cấp trên", 30),
        ("Loại hình", 28),
        ("Đã thực hiện", 12),
        ("Đúng hạn", 12),
        ("Đạt chất lượng", 12),
        ("Mã hồ sơ", 12),
    )
    for column, (_heading, width) in enumerate(headings, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    xlsx.append(ws, [_cell(ws, title, "title")])
    xlsx.append(ws, [_cell(ws, heading, "header") for heading, _width in headings])
    labels = dict(Category.choices)
    yes_no = {True: "Có", False: "Không"}
    for number, unit in enumerate(units, start=1):
        values = [
            number,
            unit["code"],
            unit["name"],
            unit["node_name"],
            str(labels.get(unit["category"], unit["category"])),
            yes_no[bool(unit["done"])],
            yes_no[bool(unit["on_time"])],
            yes_no[bool(unit["quality"])] if unit.get("assessed", True) or not unit["done"] else "Chưa đánh giá",
            unit["record_id"],
        ]
        xlsx.append(ws, [_cell(ws, value, "text") for value in values])
    return xlsx.to_bytes(wb)


def json_bytes(job: Any) -> bytes:
    """A report run's or a close's figures as JSON (see ``compute.json_export``)."""
    import json

    from reports import compute

    return json.dumps(compute.json_export(job.result or {}), ensure_ascii=False, indent=2).encode()
