"""The grid's "việc quá hạn" column: the unit's follow-up items overdue in the period, as
the report counts them; sortable, filterable, in the XLSX, at a fixed number of queries."""

import datetime
import shutil
import subprocess
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from conferences.followup.models import FollowUpItem
from reports import grid, services
from tests.factories import RecordFactory, UnitFactory
from tests.support import skip_or_fail
from units.periods import Period

pytestmark = pytest.mark.django_db
D = datetime.date
MARCH = D(2025, 3, 1)


def promise(unit, *dues, held_on=MARCH, status="accepted"):
    record = RecordFactory(unit=unit, kind="dialogue_periodic", held_on=held_on, status=status, invited=None)
    for due in dues:
        FollowUpItem.objects.create(record=record, unit=unit, text="Sửa nhà vệ sinh", due_on=due)
    return record


@pytest.fixture
def overdue(world):
    promise(world.unit_a, D(2025, 5, 1), D(2025, 6, 1), D(2026, 6, 1))  # two overdue at 31/12/2025
    promise(world.unit_b, D(2025, 7, 1))
    promise(world.unit_b, D(2025, 7, 1), status="draft", held_on=D(2025, 4, 1))  # a draft's item counts nowhere
    promise(world.unit_c, D(2025, 7, 1))


def page_of(node, **filters):
    return grid.grid_page(grid.GridQuery(node=node, year=2025, **filters), per_page=100)


def test_it_counts_each_units_overdue_items_as_the_report_does(world, overdue):
    page = page_of(world.district_x)
    assert {row.code: row.overdue for row in page.rows} == {"A001": 2, "B001": 1}
    report = services.report_payload(world.district_x, 2025, Period.YEAR, by_category=False)
    assert sum(f["overdue"] for f in report["total"]["followup"].values()) == 3


def test_it_sorts_by_overdue_items_and_filters_the_units_having_some(world, overdue):
    UnitFactory(code="Z001", node=world.district_x)
    assert [r.code for r in page_of(world.district_x, sort="overdue").rows] == ["A001", "B001", "Z001"]
    assert [r.code for r in page_of(world.district_x, sort="-overdue").rows] == ["Z001", "B001", "A001"]
    assert [r.code for r in page_of(world.district_x, state="overdue_items").rows] == ["A001", "B001"]


def test_a_page_with_the_column_costs_the_same_queries_whatever_the_items(world, overdue):
    with CaptureQueriesContext(connection) as small:
        page_of(world.province, sort="overdue")
    for n in range(10):
        promise(UnitFactory(code=f"N{n:02d}", node=world.district_y), D(2025, 4, 1), D(2025, 4, 2))
    with CaptureQueriesContext(connection) as large:
        page = page_of(world.province, sort="overdue")
    assert len(large.captured_queries) == len(small.captured_queries)
    assert page.rows[0].overdue == 2


def grid_url(node, **params):
    query = "&".join(f"{k}={v}" for k, v in {"node": node.pk, "year": 2025, **params}.items())
    return f"{reverse('reports:grid')}?{query}"


def test_the_page_shows_the_column_linked_to_the_units_year(client_as, world, overdue):
    body = client_as(world.staff_x).get(grid_url(world.district_x, sort="overdue")).content.decode()
    assert "Việc quá hạn" in body
    year_page = reverse("conferences:unit_year", args=[world.unit_a.pk])
    assert f'{year_page}?year=2025#overdue-items">2</a>' in body


def test_the_column_keeps_the_grids_scope(client, client_as, world, overdue):
    assert client.get(grid_url(world.district_x, state="overdue_items")).status_code == 302
    assert client_as(world.chair_a).get(grid_url(world.district_x, state="overdue_items")).status_code == 403
    assert client_as(world.staff_y).get(grid_url(world.district_x, state="overdue_items")).status_code == 404


def test_its_xlsx_ends_with_the_overdue_column(client_as, world, overdue):
    response = client_as(world.staff_x).get(grid_url(world.district_x, format="xlsx", sort="overdue"))
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    last = sheet.max_column
    assert sheet.cell(row=3, column=last).value == "Việc quá hạn"
    assert [sheet.cell(row=r, column=last).value for r in range(5, sheet.max_row + 1)] == [2, 1]


def test_its_pdf_ends_with_the_overdue_column(client_as, world, overdue, tmp_path):
    if shutil.which("pdftotext") is None:
        skip_or_fail("pdftotext is not installed")
    response = client_as(world.staff_x).get(grid_url(world.district_x, format="pdf", sort="overdue"))
    path = tmp_path / "grid.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True).stdout
    header = next(line for line in text.splitlines() if "STT" in line)
    assert header.rstrip().endswith("Việc quá")  # the heading wraps inside its column
    last_cell = {line.split()[1]: line.split()[-1] for line in text.splitlines() if line.split()[:1] in (["1"], ["2"])}
    assert last_cell == {world.unit_a.code: "2", world.unit_b.code: "1"}
