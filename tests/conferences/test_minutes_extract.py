"""Reading minutes files: each format, each kind of bad file, the limits, the parser."""

import datetime
from pathlib import Path

import pytest

from conferences.defaults import KEYWORDS
from conferences.minutes import parse
from conferences.minutes.extract import Failure, Limits, Method, extract
from tests.conferences import minutes_files as files

SETTINGS_LIMITS = {"max_pages": 20, "page_seconds": 60, "total_seconds": 300, "memory_mb": 1024}


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path: Path, **limits: int):
    return extract(path, limits=Limits(**(SETTINGS_LIMITS | limits)))


def test_it_takes_a_pdfs_own_text_layer(tmp_path):
    result = read(write(tmp_path, "a.pdf", files.text_pdf()))
    assert (result.failure, result.method, result.pages) == ("", Method.TEXT_LAYER, 1)
    assert "tăng ca" in result.text
    assert result.ocr_pages == []


def test_it_reads_the_paragraphs_of_a_docx(tmp_path):
    result = read(write(tmp_path, "a.docx", files.docx(files.TEXT.split("\n"))))
    assert result.method == Method.DOCX
    assert result.text.split("\n")[3].startswith("Hôm nay, vào lúc 8 giờ 00")


def test_it_reads_a_phone_photo_with_vietnamese_ocr(tmp_path):
    result = read(write(tmp_path, "a.jpg", files.photo()))
    assert (result.failure, result.method) == ("", Method.OCR)
    found = parse.read(result.text, KEYWORDS)
    assert (found.held_on, found.invited, found.attended) == (datetime.date(2025, 3, 15), 120, 98)


def test_it_rasterises_a_scan_without_text_layer_for_ocr(tmp_path):
    result = read(write(tmp_path, "a.pdf", files.scan()))
    assert (result.failure, result.method, result.pages) == ("", Method.OCR, 1)
    assert "nghị quyết" in result.text.lower()


def test_it_reads_pictures_pasted_into_a_docx(tmp_path):
    page = files.png(files.samples.render_page(files.TEXT))
    result = read(write(tmp_path, "a.docx", files.docx([], images=[page])))
    assert result.method == Method.OCR
    assert "triệu tập" in result.text


@pytest.mark.parametrize(
    ("name", "data", "failure"),
    [
        ("corrupt.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage", Failure.CORRUPT),
        ("locked.pdf", files.encrypted_pdf(), Failure.ENCRYPTED),
        ("blank.png", files.blank_png(), Failure.NO_TEXT),
        ("bomb.png", files.huge_png(), Failure.CORRUPT),
        ("only-images.docx", files.docx([], images=[files.blank_png()]), Failure.NO_TEXT),
        ("broken.docx", b"PK\x03\x04not really a zip", Failure.CORRUPT),
        ("notes.txt", b"just text", Failure.UNSUPPORTED),
    ],
)
def test_it_ends_bad_files_as_unreadable_with_the_reason(tmp_path, name, data, failure):
    result = read(write(tmp_path, name, data))
    assert (result.ok, result.failure, result.text) == (False, failure, "")


def test_it_refuses_to_ocr_a_forty_page_scan(tmp_path):
    result = read(write(tmp_path, "scan.pdf", files.scan(pages=40)))
    assert (result.failure, result.pages) == (Failure.TOO_MANY_PAGES, 40)
    assert result.ocr_pages == []


def test_it_stops_ocr_that_runs_past_its_time(tmp_path):
    result = read(write(tmp_path, "a.jpg", files.photo()), page_seconds=0.2, total_seconds=0.2)
    assert result.failure == Failure.TIMEOUT


def test_it_says_when_the_reading_programs_are_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = read(write(tmp_path, "a.pdf", files.text_pdf()))
    assert result.failure == Failure.UNAVAILABLE


def test_it_reads_a_locked_pdf_never_and_a_missing_file_as_corrupt(tmp_path):
    assert read(tmp_path / "gone.pdf").failure == Failure.CORRUPT


# --- The parser ---------------------------------------------------------------------------


def test_it_prefers_the_meetings_date_to_the_signature_date():
    text = "Hà Nội, ngày 20 tháng 3 năm 2025\nHôm nay, ngày 15 tháng 3 năm 2025, tại hội trường"
    assert parse.read(text, {}).held_on == datetime.date(2025, 3, 15)


def test_it_reads_numeric_dates_and_ignores_impossible_ones():
    assert parse.read("Vào lúc 14 giờ ngày 05/04/2024", {}).held_on == datetime.date(2024, 4, 5)
    assert parse.read("ngày 31/02/2024", {}).held_on is None


def test_it_reads_attendance_as_a_fraction_or_from_the_absent():
    assert parse.find_numbers(parse.fold("Có mặt 98/120 đại biểu")) == (120, 98)
    assert parse.find_numbers(parse.fold("Được triệu tập: 50 người; vắng mặt 4 người")) == (50, 46)


def test_it_drops_an_attendance_larger_than_those_convened():
    assert parse.find_numbers(parse.fold("Triệu tập 50 người. Có mặt 500 người")) == (50, None)


def test_it_matches_contents_despite_lost_tone_marks():
    found = parse.read("Nguoi lao dong neu kien nghi ve tang ca. Hoi nghi thong qua nghi quyet.", KEYWORDS)
    assert {"proposals", "resolution"} <= set(found.contents)
    assert found.resolution is True
    assert "safety" not in found.contents


def test_it_finds_nothing_in_a_text_without_facts():
    found = parse.read("Danh sách ký tên", KEYWORDS)
    assert (found.held_on, found.invited, found.attended, found.contents, found.resolution) == (
        None,
        None,
        None,
        [],
        False,
    )
