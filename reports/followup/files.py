"""The follow-up figures in a report's files: a sheet of the XLSX and the rows the PDF and
the page render, all read from the stored payload."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from openpyxl.utils import get_column_letter

from conferences.models import CONFERENCE_KINDS
from qcdc import xlsx
from reports.compute import percent
from reports.followup.queries import FIGURES
from units.obligations import Indicator

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# Only conferences and dialogues raise items.
FOLLOWUP_INDICATORS: frozenset[str] = frozenset({*map(str, CONFERENCE_KINDS), Indicator.DIALOGUE_PERIODIC.value})
# (figure, heading): the columns under each indicator in the XLSX and the PDF.
HEADINGS: tuple[tuple[str, str], ...] = (
    ("agreed", "Việc đã thống nhất"),
    ("done_on_time", "Xong đúng hạn"),
    ("done_late", "Xong trễ hạn"),
    ("overdue", "Quá hạn"),
    ("dropped", "Không thực hiện"),
    ("rate", "Tỷ lệ xong đúng hạn"),
)
NOTE = "Việc quá hạn tính đến ngày {day}: chưa xong đến ngày đó mà đã quá hạn hoàn thành."


def has_followup(payload: dict[str, Any]) -> bool:
    return "followup" in payload.get("total", {})


def indicators(payload: dict[str, Any]) -> list[dict[str, str]]:
    return [i for i in payload["indicators"] if i["code"] in FOLLOWUP_INDICATORS]


def line(row: dict[str, Any], payload: dict[str, Any]) -> list[dict[str, Any]]:
    """A row's figures per indicator, with the rate done on time (None when nothing was agreed)."""
    out = []
    for indicator in indicators(payload):
        figures = dict.fromkeys(FIGURES, 0) | ((row.get("followup") or {}).get(indicator["code"]) or {})
        rate = percent(figures["done_on_time"], figures["agreed"])
        out.append({"indicator": indicator["code"], **figures, "rate": rate})
    return out


def as_of_text(payload: dict[str, Any]) -> str:
    day = payload.get("followup_as_of") or ""
    return NOTE.format(day="/".join(reversed(day.split("-"))))


def write_sheet(ws: WriteOnlyWorksheet, payload: dict[str, Any]) -> None:
    """One line per report row and the total, six columns per indicator."""
    shown = indicators(payload)
    width = 3 + len(shown) * len(HEADINGS)
    for column, column_width in ((1, 6), (2, 14), (3, 40)):
        ws.column_dimensions[get_column_letter(column)].width = column_width
    for column in range(4, width + 1):
        ws.column_dimensions[get_column_letter(column)].width = 12
    ws.freeze_panes = "D4"
    xlsx.append(ws, [xlsx.cell(ws, f"THEO DÕI THỰC HIỆN KIẾN NGHỊ, THỎA THUẬN NĂM {payload['year']}", "title")])
    top = [xlsx.cell(ws, heading, "header") for heading in ("STT", "Mã", "Đơn vị")]
    bottom = [xlsx.cell(ws, None, "header") for _ in range(3)]
    for indicator in shown:
        top += [xlsx.cell(ws, indicator["label"], "header")] + [xlsx.cell(ws, None, "header") for _ in HEADINGS[1:]]
        bottom += [xlsx.cell(ws, heading, "header") for _key, heading in HEADINGS]
    xlsx.append(ws, top)
    xlsx.append(ws, bottom)

    def figures(row: dict[str, Any], prefix: str) -> list[Any]:
        cells = []
        for figures_of in line(row, payload):
            for key, _heading in HEADINGS:
                value = figures_of[key]
                if key != "rate":
                    cells.append(xlsx.cell(ws, value, f"{prefix}count"))
                elif value is None:
                    cells.append(xlsx.cell(ws, "—", f"{prefix}label"))
                else:
                    cells.append(xlsx.cell(ws, round(value / 100, 4), f"{prefix}rate"))
        return cells

    for number, row in enumerate(payload["rows"], start=1):
        leading = [xlsx.cell(ws, value, "text") for value in (number, row["org_code"], row["org_name"])]
        xlsx.append(ws, leading + figures(row, ""))
    total = [xlsx.cell(ws, "Tổng cộng", "total_label"), xlsx.cell(ws, None, "total_label")]
    xlsx.append(ws, [*total, xlsx.cell(ws, None, "total_label"), *figures(payload["total"], "total_")])
    xlsx.append(ws, [xlsx.cell(ws, as_of_text(payload), "note")])
    for position in range(len(shown)):
        first = 4 + position * len(HEADINGS)
        ws.merged_cells.add(f"{get_column_letter(first)}2:{get_column_letter(first + len(HEADINGS) - 1)}2")


def items_xlsx_bytes(items: Iterable[dict[str, Any]], *, title: str, labels: dict[str, Any]) -> bytes:
    """The items behind a follow-up figure, one per line (``queries.COLUMNS``)."""
    wb = xlsx.workbook()
    ws = wb.create_sheet("Giải trình")
    headings = (
        ("STT", 6),
        ("Mã", 14),
        ("Tên đơn vị", 36),
        ("Công đoàn cấp trên", 28),
        ("Nội dung việc", 60),
        ("Hạn hoàn thành", 14),
        ("Ngày hoàn thành", 14),
        ("Tình trạng", 24),
        ("Mã hồ sơ", 12),
    )
    for column, (_heading, width) in enumerate(headings, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    xlsx.append(ws, [title])
    xlsx.append(ws, [heading for heading, _width in headings])
    for number, item in enumerate(items, start=1):
        xlsx.append(
            ws,
            [
                number,
                item["unit_code"],
                item["unit_name"],
                item["node_name"],
                item["item_text"],
                item["item_due"].strftime("%d/%m/%Y") if item["item_due"] else "",
                item["item_done"].strftime("%d/%m/%Y") if item["item_done"] else "",
                str(labels.get(item["item_bucket"], item["item_bucket"])),
                item["record_ref"],
            ],
        )
    return xlsx.to_bytes(wb)
