"""The XLSX and PDF files of a report, drawn from a stored payload alone (no database)."""

from __future__ import annotations

import copy
import datetime
import re
import shutil
import subprocess
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from reports.exports import format_rate, pdf_bytes, pdf_html, signature_date, xlsx_bytes
from tests.support import skip_or_fail


def cell(expected: int, done: int, on_time: int, quality: int, rate, on_time_rate, quality_rate) -> dict[str, Any]:
    return {
        "expected": expected,
        "done": done,
        "on_time": on_time,
        "quality": quality,
        "rate": rate,
        "on_time_rate": on_time_rate,
        "quality_rate": quality_rate,
    }


NOTHING_EXPECTED = cell(0, 0, 0, 0, None, None, None)

PAYLOAD: dict[str, Any] = {
    "org": "LDLD-HN",
    "org_name": "Liên đoàn Lao động thành phố Hà Nội",
    "year": 2025,
    # 01:30 on 5 January in Hanoi: the files must date it 05/01, not 04/01.
    "built_at": "2026-01-04T18:30:00+00:00",
    "indicators": [
        {"code": "worker_conference", "label": "Hội nghị người lao động"},
        {"code": "dialogue_periodic", "label": "Đối thoại định kỳ tại nơi làm việc"},
    ],
    "rows": [
        {
            "org_code": "CD-HK",
            "org_name": "Công đoàn phường Hoàn Kiếm",
            "cells": {"worker_conference": cell(7, 5, 4, 3, 71.4, 57.1, 60.0), "dialogue_periodic": NOTHING_EXPECTED},
        },
        {
            "org_code": "CD-KCN",
            "org_name": "Công đoàn các khu công nghiệp",
            "cells": {
                "worker_conference": cell(16, 3, 3, 1, 18.8, 18.8, 33.3),
                "dialogue_periodic": cell(16, 16, 15, 16, 100.0, 93.8, 100.0),
            },
        },
    ],
    "total": {
        "org_code": "LDLD-HN",
        "org_name": "Liên đoàn Lao động thành phố Hà Nội",
        "cells": {
            "worker_conference": cell(23, 8, 7, 4, 34.8, 30.4, 50.0),
            "dialogue_periodic": cell(16, 16, 15, 16, 100.0, 93.8, 100.0),
        },
    },
    "by_category": None,
    "missing": [
        {
            "code": "DN-0001",
            "name": "Công ty TNHH Hưng Thịnh",
            "node": "Công đoàn các khu công nghiệp",
            "missing": ["worker_conference", "dialogue_periodic"],
            "chair_name": "Nguyễn Thị Hồng",
            "chair_email": "hong.nt@hungthinh.vn",
            "chair_phone": "0912 345 678",
        },
        {
            "code": "HTX-0002",
            "name": "Hợp tác xã Dịch vụ Đồng Tâm",
            "node": "Công đoàn phường Hoàn Kiếm",
            "missing": ["worker_conference"],
            "chair_name": "Trần Văn Đức",
            "chair_email": "",
            "chair_phone": "024 3825 1234",
        },
    ],
}


def payload(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(PAYLOAD), **changes}


def workbook(data: dict[str, Any]):
    return load_workbook(BytesIO(xlsx_bytes(data)))


def column_values(ws, row: int) -> list[Any]:
    return [c.value for c in ws[row]]


# format_rate ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "shown"),
    [
        (71.4, "71,4%"),
        (18.8, "18,8%"),
        (0.0, "0,0%"),
        (100.0, "100,0%"),
        (100, "100,0%"),
        (None, "—"),
        # A stored rate with more decimals is still rounded half up, as by hand.
        (18.75, "18,8%"),
        (0.25, "0,3%"),
    ],
)
def test_it_formats_a_rate_with_one_decimal_and_a_decimal_comma(rate, shown):
    assert format_rate(rate) == shown


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (datetime.date(2026, 1, 5), "ngày 05 tháng 01 năm 2026"),
        (datetime.date(2026, 2, 28), "ngày 28 tháng 02 năm 2026"),
        (datetime.date(2025, 3, 9), "ngày 09 tháng 3 năm 2025"),
        (datetime.date(2025, 12, 31), "ngày 31 tháng 12 năm 2025"),
    ],
)
def test_it_writes_the_signature_date_as_official_documents_do(day, written):
    assert signature_date(day) == written


# XLSX -------------------------------------------------------------------------------------


def test_it_titles_the_summary_sheet_like_a_federation_report():
    wb = workbook(payload())

    assert wb.sheetnames == ["Tổng hợp", "Đơn vị chưa thực hiện"]
    ws = wb["Tổng hợp"]
    assert ws["A1"].value == "LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI"
    assert ws["A1"].font.bold
    assert ws["A2"].value == "BÁO CÁO KẾT QUẢ THỰC HIỆN QUY CHẾ DÂN CHỦ Ở CƠ SỞ NĂM 2025"
    assert ws["A3"].value == "Ngày lập: 05/01/2026 · Chưa chốt"


def test_it_says_which_lines_are_closed_and_which_provisional():
    data = payload()
    data["rows"][0] |= {"status": "closed", "version": 2}
    ws = workbook(data)["Tổng hợp"]
    assert ws["R5"].value == "Tình trạng số liệu"
    assert [ws[f"R{row}"].value for row in (7, 8, 9)] == ["Đã chốt (lần 2)", "Chưa chốt", "Chưa chốt"]


def test_it_merges_each_indicator_over_its_columns_in_a_two_level_header():
    ws = workbook(payload())["Tổng hợp"]

    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A5:A6", "B5:B6", "C5:C6", "D5:J5", "K5:Q5"} <= merged
    assert column_values(ws, 5)[:4] == ["STT", "Mã", "Đơn vị", "Hội nghị người lao động"]
    assert ws["K5"].value == "Đối thoại định kỳ tại nơi làm việc"
    assert column_values(ws, 6)[3:10] == [
        "Phải thực hiện",
        "Đã thực hiện",
        "Tỷ lệ",
        "Đúng hạn",
        "Tỷ lệ đúng hạn",
        "Đạt chất lượng",
        "Tỷ lệ đạt chất lượng",
    ]
    assert ws.freeze_panes == "D7"


def test_it_writes_one_line_per_child_and_a_bold_total():
    ws = workbook(payload())["Tổng hợp"]

    assert column_values(ws, 7)[:7] == [1, "CD-HK", "Công đoàn phường Hoàn Kiếm", 7, 5, pytest.approx(0.714), 4]
    assert column_values(ws, 8)[:5] == [2, "CD-KCN", "Công đoàn các khu công nghiệp", 16, 3]
    assert ws["A9"].value == "Tổng cộng"
    assert "A9:C9" in {str(r) for r in ws.merged_cells.ranges}
    assert [ws[f"{c}9"].value for c in "DEFGHIJ"] == [23, 8, pytest.approx(0.348), 7, pytest.approx(0.304), 4, 0.5]
    assert ws["D9"].font.bold and ws["F9"].font.bold


def test_it_stores_a_rate_as_a_percentage_number():
    ws = workbook(payload())["Tổng hợp"]

    assert isinstance(ws["F7"].value, float)
    assert ws["F7"].value == pytest.approx(0.714)
    assert ws["F7"].number_format == "0.0%"
    assert ws["M8"].value == 1.0 and ws["M8"].number_format == "0.0%"


def test_it_writes_a_dash_centered_when_nothing_was_expected():
    ws = workbook(payload())["Tổng hợp"]

    assert ws["K7"].value == 0
    assert ws["M7"].value == "—"
    assert ws["M7"].alignment.horizontal == "center"
    assert ws["O7"].value == "—" and ws["Q7"].value == "—"


def test_it_lists_the_units_still_missing_an_event_on_the_second_sheet():
    ws = workbook(payload())["Đơn vị chưa thực hiện"]

    assert column_values(ws, 1) == [
        "STT",
        "Mã",
        "Tên đơn vị",
        "Công đoàn cấp trên",
        "Còn thiếu",
        "Chủ tịch CĐCS",
        "Email",
        "Điện thoại",
    ]
    assert column_values(ws, 2) == [
        1,
        "DN-0001",
        "Công ty TNHH Hưng Thịnh",
        "Công đoàn các khu công nghiệp",
        "Hội nghị người lao động; Đối thoại định kỳ tại nơi làm việc",
        "Nguyễn Thị Hồng",
        "hong.nt@hungthinh.vn",
        "0912 345 678",
    ]
    assert column_values(ws, 3)[:5] == [
        2,
        "HTX-0002",
        "Hợp tác xã Dịch vụ Đồng Tâm",
        "Công đoàn phường Hoàn Kiếm",
        "Hội nghị người lao động",
    ]
    assert ws.max_row == 3


def test_it_adds_the_category_sheet_only_when_the_run_asked_for_it():
    by_category = [
        {"category": "private_enterprise", "label": "Doanh nghiệp ngoài nhà nước", "cells": PAYLOAD["total"]["cells"]},
    ]
    wb = workbook(payload(by_category=by_category))

    assert wb.sheetnames == ["Tổng hợp", "Đơn vị chưa thực hiện", "Theo loại hình"]
    ws = wb["Theo loại hình"]
    assert "C5:I5" in {str(r) for r in ws.merged_cells.ranges}
    assert column_values(ws, 7)[:5] == [1, "Doanh nghiệp ngoài nhà nước", 23, 8, pytest.approx(0.348)]
    assert ws["A8"].value == "Tổng cộng"


# PDF --------------------------------------------------------------------------------------


def pdf_text(tmp_path, data: dict[str, Any]) -> tuple[str, str]:
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        skip_or_fail("pdftotext is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_bytes(data))
    text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    return text, info


def test_it_renders_a_landscape_a4_pdf_with_vietnamese_text_intact(tmp_path):
    text, info = pdf_text(tmp_path, payload())

    width, height = (float(n) for n in re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert width == pytest.approx(841.89, abs=0.01) and height == pytest.approx(595.28, abs=0.01)
    for expected in (
        "LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI",
        "BÁO CÁO KẾT QUẢ THỰC HIỆN QUY CHẾ DÂN CHỦ Ở CƠ SỞ NĂM 2025",
        "Ngày lập: 05/01/2026",
        "Hội nghị người lao động",
        "Công đoàn phường Hoàn Kiếm",
        "Công ty TNHH Hưng Thịnh",
        "Nguyễn Thị Hồng",
        "Tổng cộng",
    ):
        assert expected in text


def test_it_shows_the_figures_with_a_decimal_comma_and_a_dash_for_nothing_expected(tmp_path):
    text, _info = pdf_text(tmp_path, payload())

    hoan_kiem = next(line for line in text.splitlines() if "Hoàn Kiếm" in line and "5/7" in line)
    assert "71,4%" in hoan_kiem
    assert "0/0" in hoan_kiem and "—" in hoan_kiem
    total = next(line for line in text.splitlines() if "Tổng cộng" in line)
    assert total.split()[2:] == ["8/23", "34,8%", "16/16", "100,0%"]
    worker = next(line for line in text.splitlines() if line.startswith("Hội nghị người lao động"))
    assert worker.split()[-6:] == ["23", "8", "7", "30,4%", "4", "50,0%"]


def test_it_ends_with_the_place_date_and_signatures(tmp_path):
    text, _info = pdf_text(tmp_path, payload())

    assert "ngày 05 tháng 01 năm 2026" in text
    assert "NGƯỜI LẬP BIỂU" in text
    assert "TM. BAN THƯỜNG VỤ" in text
    assert text.rindex("TM. BAN THƯỜNG VỤ") > text.rindex("Công ty TNHH Hưng Thịnh")


def test_it_caps_the_missing_list_and_points_to_the_xlsx():
    unit = PAYLOAD["missing"][0]
    many = [{**unit, "code": f"DN-{n:04d}", "name": f"Công ty số {n}"} for n in range(1, 504)]

    html = pdf_html(payload(missing=many))

    assert "Công ty số 500<" in html
    assert "Công ty số 501<" not in html
    assert "… và 3 đơn vị khác, xem tệp XLSX" in html
    assert "Đơn vị chưa thực hiện (503)" in html


def test_it_escapes_unit_names_in_the_pdf():
    data = payload()
    data["missing"][0]["name"] = '<img src="http://192.0.2.1/x.png">Công ty TNHH Hưng Thịnh'

    html = pdf_html(data)

    assert "<img" not in html
    assert "&lt;img" in html


def test_it_says_so_when_no_unit_is_missing_an_event():
    html = pdf_html(payload(missing=[]))

    assert "Đơn vị chưa thực hiện (0)" in html
    assert "Không có đơn vị nào còn thiếu." in html


def test_it_puts_a_chairs_address_and_phone_on_two_lines_of_one_cell(tmp_path):
    html = pdf_html(payload())
    text, _info = pdf_text(tmp_path, payload())

    assert '<td class="contact">hong.nt@hungthinh.vn\n0912 345 678</td>' in html
    assert '<td class="contact">024 3825 1234</td>' in html
    assert "<br>" not in html[html.index('id="missing"') :]
    lines = text.splitlines()
    address = next(n for n, line in enumerate(lines) if "hong.nt@hungthinh.vn" in line)
    assert "0912 345 678" in lines[address + 1] and "0912 345 678" not in lines[address]
