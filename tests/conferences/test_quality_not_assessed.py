"""Imported history without the details that judge it: its quality is "not assessed",
shown so on the record page, left out of quality rates (never failing), in the facts
(SQL, both forms), the report, the explanation lists, the files and a close."""

import datetime
import json

import pytest

from conferences import importing, services
from conferences.facts.check import check_year
from conferences.facts.maintain import rebuild_year
from conferences.models import ContentItem, Fact, Record
from reports import compute, explain
from reports.closing import services as closing
from reports.exports import explain_xlsx_bytes
from tests.factories import RecordFactory, attach_minutes
from units.importing import read_table
from units.periods import Period, PeriodClose

pytestmark = pytest.mark.django_db
D = datetime.date
HEADER = "unit_code,kind,date,invited,attended,status"


def imported(world, text):
    table = read_table(data=text.encode(), suffix=".csv", columns=importing.EVENT_IMPORT_COLUMNS)
    plan = importing.plan_events_import(table=table, by=world.staff_x)
    assert plan.ok, plan.errors
    importing.events_import(plan=plan, by=world.staff_x, file_name="lich-su.csv")


def complete(unit, held_on):
    record = RecordFactory(unit=unit, kind="worker_conference", held_on=held_on)
    record.contents.set(ContentItem.objects.filter(kind="worker_conference"))
    attach_minutes(record)
    record.status = "accepted"
    record.save()
    return record


@pytest.fixture
def history(world):
    """A001 (district X): a 2025 worker conference imported bare; C001 (district Y): one
    filed in the app that passes every check."""
    imported(world, f"{HEADER}\nA001,worker_conference,10/03/2025,100,20,accepted\n")
    complete(world.unit_c, D(2025, 3, 1))
    return world


def test_it_marks_a_bare_imported_row_as_not_assessed(history):
    record = Record.objects.get(unit=history.unit_a)
    assert not record.quality_assessed


@pytest.mark.parametrize(
    "extra", [("format", "delegate"), ("headcount", "120"), ("contents", "safety"), ("resolution", "không")]
)
def test_it_assesses_a_row_that_carries_any_detail_that_judges_it(world, extra):
    name, value = extra
    imported(world, f"{HEADER},{name}\nA001,worker_conference,10/03/2025,100,90,accepted,{value}\n")
    assert Record.objects.get(unit=world.unit_a).quality_assessed


def test_it_shows_quality_not_assessed_on_the_record_page(client_as, history):
    record = Record.objects.get(unit=history.unit_a)
    page = client_as(history.staff_x).get(record.get_absolute_url()).content.decode()
    assert 'id="quality-not-assessed"' in page and "Chất lượng: chưa đánh giá." in page
    assert 'data-check="quorum"' not in page  # 20 of 100 attended: not judged, not failing


def test_it_leaves_the_unit_out_of_the_quality_rate_instead_of_failing_it(history):
    row = Fact.objects.get(unit=history.unit_a, year=2025, period="year", indicator="worker_conference")
    assert (row.done, row.quality, row.assessed, row.quorum_failures, row.minutes_failures) == (
        True, False, False, 0, 0,
    )  # fmt: skip
    cell = compute.build(history.province, 2025).total.cells["worker_conference"]
    assert (cell.done, cell.quality, cell.assessed, cell.quality_rate) == (2, 1, 1, 100.0)
    assert compute.quality_failures(history.province, 2025).get("worker_conference", {}) == {}
    for year in (2025,):
        rebuild_year(year)
        assert not check_year(year)


def test_it_judges_the_record_once_completed_in_the_form(history):
    record = Record.objects.get(unit=history.unit_a)
    reopened = services.record_reopen(record=record, by=history.staff_x, reason="Bổ sung nội dung")
    services.record_update(record=reopened, by=history.staff_x, version=reopened.version, data={"attended": 30})
    record.refresh_from_db()
    assert record.quality_assessed
    assert record.audit.filter(action="edited").first().changes["quality_assessed"] == [False, True]


def test_it_lists_the_assessed_units_behind_the_rates_denominator(history):
    address = explain.Address("worker_conference", "assessed")
    assert [u["code"] for u in explain.live(history.province, 2025, Period.YEAR, address)] == ["C001"]
    done = list(explain.live(history.province, 2025, Period.YEAR, explain.Address("worker_conference", "done")))
    sheet = explain_xlsx_bytes(done, title="Đã thực hiện")
    from io import BytesIO

    from openpyxl import load_workbook

    values = list(load_workbook(BytesIO(sheet)).active.iter_rows(values_only=True))
    assert "Chưa đánh giá" in {row[7] for row in values if row[1] == "A001"}


def test_it_carries_the_denominator_into_the_json_and_the_report_page(client_as, history, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "r.json"
    call_command("build_report", "--org", "P", "--year", "2025", "--format", "json", "--out", str(out))
    total = next(
        r for r in json.loads(out.read_text())["rows"] if r["org_code"] == "P" and r["indicator"] == "worker_conference"
    )
    assert (total["quality"], total["assessed"], total["quality_rate"]) == (1, 1, 100.0)


def test_it_closes_the_same_quality_rate_as_the_live_report(history, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made, _new = closing.close_request(node=history.district_x, year=2025, period=Period.YEAR, by=history.staff_x)
    close = PeriodClose.objects.get(pk=made.pk)
    cell = close.result["total"]["cells"]["worker_conference"]
    assert (cell["done"], cell["quality"], cell["assessed"], cell["quality_rate"]) == (1, 0, 0, None)


def test_it_says_not_assessed_in_the_grid_and_keeps_the_unit_out_of_the_poor_filter(history):
    from reports import grid

    page = grid.grid_page(grid.GridQuery(node=history.district_x, year=2025), per_page=50)
    cell = next(c for r in page.rows if r.code == "A001" for c in r.cells if c.indicator == "worker_conference")
    assert cell.note == "Đúng hạn; chất lượng chưa đánh giá"
    poor = grid.grid_page(grid.GridQuery(node=history.district_x, year=2025, state="poor"), per_page=50)
    assert "A001" not in [r.code for r in poor.rows]


def test_it_writes_the_rate_over_the_assessed_units_in_the_xlsx_and_pdf(history, tmp_path):
    import subprocess

    from django.core.management import call_command
    from openpyxl import load_workbook

    xlsx_path, pdf_path = tmp_path / "r.xlsx", tmp_path / "r.pdf"
    call_command("build_report", "--org", "P", "--year", "2025", "--format", "xlsx", "--out", str(xlsx_path))
    call_command("build_report", "--org", "P", "--year", "2025", "--format", "pdf", "--out", str(pdf_path))
    sheet = load_workbook(xlsx_path)["Tổng hợp"]
    # The worker conference's quality rate (column Q): done 2, quality 1, assessed 1 is 100%,
    # not 1/2; district X (done 1, assessed 0) has no rate, not 0%.
    rates = {row[0]: row[16] for row in sheet.iter_rows(min_row=7, max_row=9, values_only=True)}
    assert rates == {1: "—", 2: 1, "Tổng cộng": 1}
    texts = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v]
    assert any("đã đánh giá được chất lượng" in t for t in texts)
    pdf = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True)
    assert "100,0%" in pdf.stdout and "50,0%" not in pdf.stdout
