"""The per-unit grid: its cells agree with the report, its filters, its pages and files,
and who may read it."""

import datetime
import json
import re
import shutil
import subprocess
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from conferences.facts.build import qualifying_records
from conferences.models import Record
from reports import compute, grid
from tests.factories import RecordFactory, UnitFactory
from tests.support import skip_or_fail
from units.periods import Period

pytestmark = pytest.mark.django_db
D = datetime.date


def page_of(node, **filters):
    return grid.grid_page(grid.GridQuery(node=node, year=2025, **filters), per_page=500)


def cells_by_code(page):
    return {(row.code, cell.indicator): cell for row in page.rows for cell in row.cells}


def test_it_says_what_each_cell_is(tree, world):
    RecordFactory(unit=tree["wrong_year"], kind="worker_conference", held_on=D(2025, 5, 2), status="submitted")
    RecordFactory(unit=tree["B"], kind="qcdc_regulation", held_on=D(2025, 5, 2), status="draft")
    cells = cells_by_code(page_of(world.district_x))
    assert cells[("A001", "worker_conference")].state == "done"
    assert cells[("A001", "worker_conference")].on_time and cells[("A001", "worker_conference")].good
    assert cells[("A001", "worker_conference")].held_on == D(2025, 3, 10)
    late = cells[("B001", "cbccvc_conference")]
    assert (late.state, late.on_time, late.good) == ("done", False, False)
    assert "Trễ hạn" in late.note
    returned = cells[("F1", "worker_conference")]
    assert returned.state == "returned" and returned.record_id is not None
    assert cells[("G1", "worker_conference")].state == "submitted"
    assert cells[("B001", "qcdc_regulation")].state == "draft"
    assert cells[("E1", "cbccvc_conference")].state == "not_expected"
    assert "không thuộc diện" in cells[("E1", "cbccvc_conference")].why_not
    assert cells[("H1", "worker_conference")].state == "not_expected"
    codes = [row.code for row in page_of(world.district_x).rows]
    assert "D1" not in codes  # dissolved in 2024: not a unit of 2025
    assert "C001" not in codes  # district Y


def test_it_explains_a_unit_founded_after_the_half_year(tree, world):
    cells = cells_by_code(page_of(world.district_x, period=Period.HALF))
    assert cells[("E1", "worker_conference")].state == "not_expected"
    assert cells[("E1", "worker_conference")].why_not == "Thành lập ngày 01/07/2025"


def test_its_filter_on_a_state_keeps_only_those_units(tree, world):
    missing = page_of(world.district_x, indicator="worker_conference", state="not_done")
    assert [row.code for row in missing.rows] == ["E1", "F1", "G1"]
    assert [c for c, _label in missing.indicators] == ["worker_conference"]
    assert [r.code for r in page_of(world.district_x, indicator="worker_conference", state="missing").rows] == [
        "E1",
        "G1",
    ]
    assert [r.code for r in page_of(world.district_x, state="late").rows] == ["B001"]
    assert [r.code for r in page_of(world.district_x, search="alpha").rows] == ["A001"]
    assert [r.code for r in page_of(world.district_x, category="public_service_unit").rows] == ["B001"]


def test_its_sort_by_an_indicator_puts_the_units_owing_it_first(tree, world):
    codes = [r.code for r in page_of(world.district_x, sort="worker_conference").rows]
    assert codes[:3] == ["E1", "F1", "G1"]
    assert codes[-2:] == ["B001", "H1"]  # not bound by the rule
    assert page_of(world.district_x, sort="-code").rows[0].code == "H1"


def test_its_done_cells_are_the_reports_done_figures(tree, world):
    report = compute.build(world.province, 2025)
    units = grid.units_payload(grid.GridQuery(node=world.province, year=2025))
    for indicator, cell in report.total.cells.items():
        listed = [u for u in units if u["indicator"] == indicator]
        assert sum(u["expected"] for u in listed) == cell.expected
        assert sum(u["expected"] and u["done"] for u in listed) == cell.done
        assert sum(u["expected"] and bool(u["on_time"]) for u in listed) == cell.on_time


def test_its_record_window_holds_exactly_the_reports_qualifying_records(tree):
    for rule in compute.rules_for_year(2025).values():
        for period in Period.values:
            window = grid.records_in_period(rule, 2025, period).filter(status=Record.Status.ACCEPTED)
            assert set(window) == set(qualifying_records(rule, 2025, period))


def test_a_page_costs_the_same_queries_whatever_the_number_of_units(tree, world, django_assert_num_queries):
    with CaptureQueriesContext(connection) as small:
        grid.grid_page(grid.GridQuery(node=world.province, year=2025), per_page=50)
    for _n in range(30):
        unit = UnitFactory(node=world.district_x)
        RecordFactory(unit=unit, kind="worker_conference", held_on=D(2025, 2, 1), status="returned")
    with django_assert_num_queries(len(small.captured_queries)):
        page = grid.grid_page(grid.GridQuery(node=world.province, year=2025, state="returned"), per_page=50)
    assert page.count == 31


# The page ---------------------------------------------------------------------------------


def grid_url(node, **params):
    query = "&".join(f"{k}={v}" for k, v in {"node": node.pk, "year": 2025, **params}.items())
    return f"{reverse('reports:grid')}?{query}"


def test_it_sends_anonymous_visitors_to_login(client, world):
    response = client.get(grid_url(world.district_x))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_is_refused_to_chairs(client_as, world):
    assert client_as(world.chair_a).get(grid_url(world.district_x)).status_code == 403


def test_it_hides_another_district(client_as, world):
    assert client_as(world.staff_y).get(grid_url(world.district_x)).status_code == 404


def test_a_leader_reads_it(client_as, tree, world):
    response = client_as(world.leader_p).get(grid_url(world.province))
    assert response.status_code == 200
    assert "LĐLĐ khu vực X" in response.content.decode()


def test_it_shows_the_cells_in_words_with_links(client_as, tree, world):
    returned = Record.objects.get(unit=tree["returned_only"])
    returned.return_reason = "Thiếu biên bản có chữ ký"
    returned.save()
    body = client_as(world.staff_x).get(grid_url(world.district_x)).content.decode()
    assert "Thiếu biên bản có chữ ký" in body and 'role="tooltip"' in body
    assert reverse("conferences:record_detail", args=[returned.pk]) in body
    assert f"{reverse('conferences:unit_year', args=[tree['wrong_year'].pk])}?year=2025" in body
    assert "Không phải thực hiện" in body and "Đúng hạn; đạt chất lượng" in body


def test_the_page_costs_the_same_queries_whatever_the_number_of_units(client_as, tree, world):
    client = client_as(world.staff_x)
    with CaptureQueriesContext(connection) as small:
        assert client.get(grid_url(world.district_x, per_page=100)).status_code == 200
    for _n in range(20):
        UnitFactory(node=world.district_x)
    with CaptureQueriesContext(connection) as large:
        assert client.get(grid_url(world.district_x, per_page=100)).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_its_xlsx_holds_exactly_the_filtered_units(client_as, tree, world):
    response = client_as(world.staff_x).get(
        grid_url(world.district_x, indicator="worker_conference", state="not_done", format="xlsx")
    )
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    assert sheet.freeze_panes == "F5"
    assert sheet["F3"].value == "Hội nghị người lao động"
    assert "F3:H3" in {str(r) for r in sheet.merged_cells.ranges}
    assert [sheet.cell(row=r, column=2).value for r in range(5, sheet.max_row + 1)] == ["E1", "F1", "G1"]
    assert sheet["F6"].value == "Bị trả lại"


def test_its_pdf_is_a_landscape_a4_with_the_header_on_every_page(client_as, tree, world, tmp_path):
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        skip_or_fail("pdftotext is not installed")
    for n in range(80):
        UnitFactory(code=f"P{n:03d}", name=f"Công ty Phủ Trang {n}", node=world.district_x)
    response = client_as(world.staff_x).get(grid_url(world.district_x, format="pdf"))
    path = tmp_path / "grid.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    width, height = (float(n) for n in re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert width == pytest.approx(841.89, abs=0.01) and height == pytest.approx(595.28, abs=0.01)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 2
    for page in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), path, "-"], capture_output=True, text=True, check=True
        ).stdout
        words = " ".join(text.split())  # headings wrap inside their columns
        assert "Tên đơn vị" in words and "Hội nghị người lao động" in words, page
    everything = " ".join(subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True).stdout.split())
    assert "Công ty Phủ Trang 79" in everything and "Bị trả lại" in everything


def test_its_json_lists_the_units(client_as, tree, world):
    response = client_as(world.staff_x).get(grid_url(world.district_x, format="json"))
    data = json.loads(b"".join(response.streaming_content))
    first = next(u for u in data["units"] if u["unit_code"] == "A001" and u["indicator"] == "worker_conference")
    assert first == {
        "unit_code": "A001",
        "indicator": "worker_conference",
        "expected": True,
        "done": True,
        "on_time": True,
        "record_status": "accepted",
        "held_on": "2025-03-10",
    }


def test_build_report_by_unit_adds_units_consistent_with_the_total_row(tree, world, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "report.json"
    call_command("build_report", "--org", "P", "--year", "2025", "--format", "json", "--by-unit", "--out", str(out))
    data = json.loads(out.read_text())
    total = {row["indicator"]: row for row in data["rows"] if row["org_code"] == "P"}
    assert data["units"], "the list is there"
    for indicator, row in total.items():
        listed = [u for u in data["units"] if u["indicator"] == indicator]
        assert sum(u["expected"] for u in listed) == row["expected"]
        assert sum(u["expected"] and u["done"] for u in listed) == row["done"]
    keys = {"unit_code", "indicator", "expected", "done", "on_time", "record_status", "held_on"}
    assert set(data["units"][0]) == keys
    # Units only under the rules naming their category: no "other" unit, no CBCCVC for a company.
    assert not [u for u in data["units"] if u["unit_code"] == "H1"]
    assert not [u for u in data["units"] if u["unit_code"] == "A001" and u["indicator"] == "cbccvc_conference"]


def test_the_district_dashboard_shows_its_units(client_as, tree, world):
    body = client_as(world.staff_x).get(f"{reverse('reports:dashboard')}?node={world.district_x.pk}&year=2025")
    assert body.status_code == 200
    assert 'id="unit-grid"' in body.content.decode() and 'data-unit="A001"' in body.content.decode()


def test_the_province_dashboard_keeps_its_child_rows(client_as, tree, world):
    body = client_as(world.leader_p).get(f"{reverse('reports:dashboard')}?node={world.province.pk}&year=2025")
    assert 'id="unit-grid"' not in body.content.decode()


def test_the_report_of_a_district_shows_its_units_instead_of_a_lone_total(client_as, tree, world, monkeypatch):
    from django.db import transaction

    from reports import services

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())

    run, _created = services.report_request(node=world.district_x, year=2025, by_category=False, by=world.staff_x)
    body = client_as(world.staff_x).get(reverse("reports:run_detail", args=[run.pk])).content.decode()
    assert 'id="unit-grid"' in body and 'data-unit="F1"' in body and 'id="report-table"' not in body


def test_the_district_dashboard_costs_the_same_queries_whatever_the_number_of_units(client_as, tree, world):
    client = client_as(world.staff_x)
    url = f"{reverse('reports:dashboard')}?node={world.district_x.pk}&year=2025"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _n in range(60):
        RecordFactory(unit=UnitFactory(node=world.district_x), held_on=D(2025, 3, 2), status="submitted")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_its_pdf_refuses_more_rows_than_a_printout_can_hold(client_as, tree, world, monkeypatch):
    from reports.views import grid as grid_views

    monkeypatch.setattr(grid_views, "PDF_MAX_ROWS", 3)
    response = client_as(world.staff_x).get(grid_url(world.district_x, format="pdf"), follow=True)
    assert response.redirect_chain and "PDF in được tối đa 3 đơn vị (đang lọc 6)" in response.content.decode()
    filtered = client_as(world.staff_x).get(grid_url(world.district_x, format="pdf", q="F1"))
    assert b"".join(filtered.streaming_content).startswith(b"%PDF")


def test_its_filters_show_the_period_and_year_the_page_counts(client_as, tree, world):
    """Without ``period`` (or with a refused one) the page counts the whole year, and its
    select says so rather than showing its first choice, the half-year."""
    client = client_as(world.staff_x)
    for params in ({"year": 2025}, {"year": 2025, "period": "q3"}):
        response = client.get(grid_url(world.district_x, **params))
        assert response.context["grid_query"].period == Period.YEAR
        body = response.content.decode()
        assert re.search(r'<option value="year" selected>', body), "the whole year is the selected period"
        assert '<option value="h1" selected>' not in body
        assert '<option value="2025" selected>' in body
