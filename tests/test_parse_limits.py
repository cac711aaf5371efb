"""Hostile files are refused before they are parsed: bounded memory, a few seconds.

Each file is built here, then read by a fresh Python process exactly as the import
(``read_table``) or the minutes upload (``check_upload``) reads it; the test takes that
process's peak memory from the kernel (``os.wait4``: the child's own rusage) and the
time the parse took.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from conferences.uploads import check_upload
from tests.factories import pdf_bytes
from units.importing import MAX_UPLOAD_ROWS, UNIT_IMPORT_COLUMNS, ImportFileError, read_table

ROOT = Path(__file__).resolve().parent.parent
PEAK_MEMORY_BOUND_MB = 200
REFUSAL_SECONDS = 5
CHILD_DEADLINE_SECONDS = 120
# The old code took 2 GB on one of these files: keep a regression from taking the machine.
CHILD_ADDRESS_SPACE = 3 * 1024**3

PARSE = """
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qcdc.settings")
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from conferences.uploads import check_upload
from units.importing import MAX_UPLOAD_ROWS, UNIT_IMPORT_COLUMNS, ImportFileError, read_table

path, what = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
start = time.monotonic()
try:
    if what == "import":
        table = read_table(data=data, suffix=os.path.splitext(path)[1], columns=UNIT_IMPORT_COLUMNS,
                           max_rows=MAX_UPLOAD_ROWS)
        outcome = "accepted" if not table.errors else "row errors"
    else:
        check_upload(SimpleUploadedFile(os.path.basename(path), data))
        outcome = "accepted"
except ImportFileError as exc:
    outcome = "refused: " + exc.message
except ValidationError as exc:
    outcome = "refused: " + " ".join(exc.messages)
seconds = time.monotonic() - start
# This process's own high-water mark: ru_maxrss from wait4 also counts the RSS of the
# pytest process it was forked from, which grows with the suite.
status = open("/proc/self/status").read()
peak_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_kb": peak_kb}))
"""

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="units" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
SHEET_OPEN = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_CLOSE = b"</sheetData></worksheet>"
SST_OPEN = (
    b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _write_streamed(archive: zipfile.ZipFile, name: str, head: bytes, repeated: bytes, times: int, tail: bytes) -> None:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as part:
        part.write(head)
        block = repeated * 100_000
        for _ in range(times // 100_000):
            part.write(block)
        part.write(tail)


def _workbook(path: Path, *, sheet: tuple[bytes, bytes, int, bytes], strings: tuple[bytes, int]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        _write_streamed(archive, "xl/worksheets/sheet1.xml", *sheet)
        _write_streamed(archive, "xl/sharedStrings.xml", SST_OPEN, strings[0], strings[1], b"</sst>")
    return path


def five_million_shared_strings(folder: Path) -> Path:
    row = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return _workbook(
        folder / "strings.xlsx",
        sheet=(SHEET_OPEN + row, b"", 0, SHEET_CLOSE),
        strings=(b"<si><t>a</t></si>", 5_000_000),
    )


def one_row_of_three_million_cells(folder: Path) -> Path:
    return _workbook(
        folder / "wide.xlsx",
        sheet=(SHEET_OPEN + b'<row r="1">', b"<c><v>1</v></c>", 3_000_000, b"</row>" + SHEET_CLOSE),
        strings=(b"<si><t>a</t></si>", 0),
    )


def two_million_columns_csv(folder: Path) -> Path:
    path = folder / "wide.csv"
    path.write_bytes(b"code,name" + b",a" * 2_000_000 + b"\n")
    return path


def docx_zip_bomb(folder: Path) -> Path:
    path = folder / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        _write_streamed(archive, "word/document.xml", b"<w:document>", b" " * 20, 10_000_000, b"</w:document>")
    return path


def pdf_opening_javascript(folder: Path) -> Path:
    path = folder / "script.pdf"
    path.write_bytes(ACTIVE_PDFS["open action running JavaScript"])
    return path


def _pdf(*objects: bytes) -> bytes:
    body = b"%PDF-1.7\n" + b"\n".join(objects)
    return body + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _object_stream(content: bytes) -> bytes:
    packed = zlib.compress(content)
    return (
        b"9 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed)
        + packed
        + b"\nendstream\nendobj"
    )


ACTIVE_PDFS = {
    "open action running JavaScript": _pdf(
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>\nendobj",
        b"3 0 obj\n<< /S /JavaScript /JS (app.alert\\(1\\)) >>\nendobj",
    ),
    "launch action": _pdf(b"1 0 obj\n<< /Type /Catalog /OpenAction << /S /Launch /F (cmd.exe) >> >>\nendobj"),
    "names escaped with #xx": _pdf(b"1 0 obj\n<< /Type /Catalog /Names << /J#61vaScript 4 0 R >> >>\nendobj"),
    "script inside a compressed object stream": _pdf(
        b"1 0 obj\n<< /Type /Catalog >>\nendobj", _object_stream(b"3 0 << /S /JavaScript /JS (x) >>")
    ),
    "page opening action": _pdf(b"5 0 obj\n<< /Type /Page /AA << /O 6 0 R >> >>\nendobj"),
}


def measure(path: Path, what: str) -> dict:
    """Parse ``path`` in a fresh process; its outcome, parse time and peak memory (MB)."""

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE, CHILD_ADDRESS_SPACE))

    child = subprocess.Popen(
        [sys.executable, "-c", PARSE, str(path), what],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "qcdc.settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=cap_memory,
    )
    deadline = time.monotonic() + CHILD_DEADLINE_SECONDS
    while True:
        pid, _status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            child.kill()
            pid, _status, usage = os.wait4(child.pid, 0)
            break
        time.sleep(0.05)
    out, err = child.stdout.read(), child.stderr.read()
    child.stdout.close()
    child.stderr.close()
    lines = out.decode().strip().splitlines()
    result = json.loads(lines[-1]) if lines else {"outcome": "crashed: " + err.decode()[-2000:], "seconds": None}
    peak_kb = result.pop("peak_kb", usage.ru_maxrss)
    return {**result, "peak_mb": peak_kb / 1024}


HOSTILE_FILES = {
    "xlsx with 5 million shared strings": (five_million_shared_strings, "import", "quá nhiều ô chữ"),
    "xlsx with one row of 3 million cells": (one_row_of_three_million_cells, "import", "quá nhiều cột"),
    "csv with 2 million columns": (two_million_columns_csv, "import", "quá dài"),
    "docx unpacking to 200 MB": (docx_zip_bomb, "upload", "giải nén quá lớn"),
    "pdf opening JavaScript": (pdf_opening_javascript, "upload", "JavaScript"),
}


@pytest.mark.parametrize("name", list(HOSTILE_FILES))
def test_it_refuses_a_hostile_file_in_bounded_memory_and_time(name, tmp_path):
    build, what, message = HOSTILE_FILES[name]
    path = build(tmp_path)
    result = measure(path, what)
    print(f"{name}: {path.stat().st_size / 1024:.0f} KB, {result}")
    assert result["outcome"].startswith("refused") and message in result["outcome"], result
    assert result["seconds"] < REFUSAL_SECONDS, result
    assert result["peak_mb"] < PEAK_MEMORY_BOUND_MB, result


def test_it_still_reads_a_large_ordinary_workbook(tmp_path):
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("units")
    ws.append([c.name for c in UNIT_IMPORT_COLUMNS])
    for n in range(20_000):
        ws.append([f"U{n:06d}", f"Công ty {n}", "other", "X", 10, 5, "2010-01-01", None, "Lan", "", "=not a formula"])
    path = tmp_path / "big.xlsx"
    wb.save(path)
    table = read_table(data=path.read_bytes(), suffix=".xlsx", columns=UNIT_IMPORT_COLUMNS, max_rows=MAX_UPLOAD_ROWS)
    assert not table.errors and len(table.rows) == 20_000


def test_it_refuses_a_workbook_whose_rows_are_numbered_past_the_cap(tmp_path):
    row = b'<row r="900000"><c r="A900000"><v>1</v></c></row>'
    path = _workbook(tmp_path / "far.xlsx", sheet=(SHEET_OPEN + row, b"", 0, SHEET_CLOSE), strings=(b"", 0))
    with pytest.raises(ImportFileError, match="quá nhiều dòng"):
        read_table(data=path.read_bytes(), suffix=".xlsx", columns=UNIT_IMPORT_COLUMNS, max_rows=MAX_UPLOAD_ROWS)


def test_it_refuses_a_cell_placed_past_the_column_cap(tmp_path):
    row = b'<row r="1"><c r="XFD1"><v>1</v></c></row>'
    path = _workbook(tmp_path / "far.xlsx", sheet=(SHEET_OPEN + row, b"", 0, SHEET_CLOSE), strings=(b"", 0))
    with pytest.raises(ImportFileError, match="quá nhiều cột"):
        read_table(data=path.read_bytes(), suffix=".xlsx", columns=UNIT_IMPORT_COLUMNS, max_rows=None)


def test_it_refuses_a_workbook_with_a_dtd(tmp_path):
    head = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        + SHEET_OPEN[len(b'<?xml version="1.0" encoding="UTF-8"?>') :]
    )
    path = _workbook(tmp_path / "dtd.xlsx", sheet=(head, b"", 0, SHEET_CLOSE), strings=(b"", 0))
    with pytest.raises(ImportFileError):
        read_table(data=path.read_bytes(), suffix=".xlsx", columns=UNIT_IMPORT_COLUMNS, max_rows=None)


@pytest.mark.parametrize("name", list(ACTIVE_PDFS))
def test_it_refuses_pdfs_that_run_something(name):
    with pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile("bien-ban.pdf", ACTIVE_PDFS[name]))
    assert refused.value.code == "active_pdf"


def test_it_accepts_a_pdf_whose_open_action_only_says_where_to_open():
    pdf = _pdf(b"1 0 obj\n<< /Type /Catalog /OpenAction [3 0 R /XYZ null null 0] >>\nendobj")
    assert check_upload(SimpleUploadedFile("bien-ban.pdf", pdf)).content_type == "application/pdf"


def test_it_accepts_an_ordinary_pdf():
    assert check_upload(SimpleUploadedFile("bien-ban.pdf", pdf_bytes())).content_type == "application/pdf"


def test_it_refuses_a_workbook_that_unpacks_past_the_cap(tmp_path):
    blank = b" " * 1000
    path = _workbook(tmp_path / "big.xlsx", sheet=(SHEET_OPEN, blank, 200_000, SHEET_CLOSE), strings=(b"", 0))
    with pytest.raises(ImportFileError, match="giải nén quá lớn"):
        read_table(data=path.read_bytes(), suffix=".xlsx", columns=UNIT_IMPORT_COLUMNS, max_rows=None)


def test_it_refuses_a_csv_with_too_many_columns(tmp_path):
    data = ("code,name" + ",x" * 300 + "\n").encode()
    with pytest.raises(ImportFileError, match="quá nhiều cột"):
        read_table(data=data, suffix=".csv", columns=UNIT_IMPORT_COLUMNS, max_rows=MAX_UPLOAD_ROWS)
