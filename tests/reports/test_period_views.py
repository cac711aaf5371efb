"""Pages of closing: the overview, closing, reopening, a closed version, its files, and the
explanation lists behind every figure, each for anonymous, wrong role, other district
and the happy path."""

import datetime
import json
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports import closing, compute, explain, services
from tests.factories import RecordFactory, UnitFactory, UserFactory, grant
from units import regrouping
from units.models import Role, Unit
from units.periods import Period, PeriodClose

pytestmark = pytest.mark.django_db
D = datetime.date
FIGURES = tuple(explain.FIGURES)


@pytest.fixture(autouse=True)
def _run_jobs_at_once(monkeypatch):
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def staff_p(world):
    user = UserFactory(username="staff_p")
    grant(user, Role.Kind.STAFF, node=world.province)
    return user


@pytest.fixture
def x_closed(tree, world):
    close, _new = closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    close.refresh_from_db()
    return close


def overview(node, year=2025, period="year"):
    return f"{reverse('reports:periods')}?node={node.pk}&year={year}&period={period}"


# Overview and closing ---------------------------------------------------------------------


def test_the_overview_sends_anonymous_visitors_to_login(client, world):
    response = client.get(overview(world.district_x))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_overview_is_refused_to_chairs(client_as, world):
    assert client_as(world.chair_a).get(overview(world.district_x)).status_code == 403


def test_the_overview_of_another_district_is_not_found(client_as, world):
    assert client_as(world.staff_y).get(overview(world.district_x)).status_code == 404


def test_staff_close_their_district_from_the_overview(client_as, tree, world):
    client = client_as(world.staff_x)
    page = client.get(overview(world.district_x))
    assert page.status_code == 200 and b'id="close-form"' in page.content
    response = client.post(
        reverse("reports:close_create"), {"node": world.district_x.pk, "year": 2025, "period": "year"}
    )
    close = PeriodClose.objects.get(node=world.district_x)
    assert response.status_code == 302 and response["Location"] == close.get_absolute_url()
    assert close.status == PeriodClose.Status.CLOSED and close.closed_by == world.staff_x
    again = client.get(overview(world.district_x))
    assert b'id="close-form"' not in again.content and b'data-status="closed"' in again.content


def test_closing_twice_says_only_the_level_above_reopens(client_as, x_closed, world):
    response = client_as(world.staff_x).post(
        reverse("reports:close_create"), {"node": world.district_x.pk, "year": 2025, "period": "year"}, follow=True
    )
    assert "chỉ cấp trên mới mở lại được" in response.content.decode()
    assert PeriodClose.objects.count() == 1


@pytest.mark.parametrize(("persona", "status"), [("staff_y", 404), ("leader_x", 403), ("chair_a", 403)])
def test_others_cannot_close_a_district(client_as, tree, world, persona, status):
    response = client_as(getattr(world, persona)).post(
        reverse("reports:close_create"), {"node": world.district_x.pk, "year": 2025, "period": "year"}
    )
    assert response.status_code == status
    assert not PeriodClose.objects.exists()


def test_the_level_above_sees_each_child_closed_or_not_with_its_deadline(client_as, x_closed, world, staff_p):
    page = client_as(staff_p).get(overview(world.province)).content.decode()
    assert 'data-node="X"' in page and 'data-node="Y"' in page
    x_line = page.split('data-node="X"')[1].split("</tr>")[0]
    y_line = page.split('data-node="Y"')[1].split("</tr>")[0]
    assert 'data-status="closed"' in x_line and "staff_x" in x_line
    assert 'data-status="open"' in y_line
    assert "15/01/2026" in x_line  # districts are the deepest level: 15 January of the next year


# A closed version, reopening, files ------------------------------------------------------


def test_a_closed_version_is_hidden_from_anonymous_chairs_and_other_districts(client, client_as, x_closed, world):
    url = x_closed.get_absolute_url()
    assert client.get(url).status_code == 302
    assert client_as(world.chair_a).get(url).status_code == 403
    assert client_as(world.staff_y).get(url).status_code == 404
    for fmt in ("xlsx", "pdf", "json"):
        assert (
            client_as(world.staff_y).get(reverse("reports:close_download", args=[x_closed.pk, fmt])).status_code == 404
        )


def test_a_closed_version_shows_its_figures_and_only_the_level_above_may_reopen(client_as, x_closed, world, staff_p):
    own = client_as(world.staff_x).get(x_closed.get_absolute_url())
    assert own.status_code == 200 and b'id="report-table"' in own.content and b'id="reopen"' not in own.content
    above = client_as(staff_p).get(x_closed.get_absolute_url())
    assert b'id="reopen"' in above.content


def test_reopening_needs_the_level_above_and_a_reason(client_as, x_closed, world, staff_p):
    url = reverse("reports:close_reopen", args=[x_closed.pk])
    assert client_as(world.staff_x).post(url, {"reason": "Tự mở"}).status_code == 403
    assert client_as(world.staff_y).post(url, {"reason": "Tự mở"}).status_code == 404
    client_as(staff_p).post(url, {"reason": " "})
    x_closed.refresh_from_db()
    assert x_closed.status == PeriodClose.Status.CLOSED
    client_as(staff_p).post(url, {"reason": "Đơn vị F1 bổ sung biên bản"})
    x_closed.refresh_from_db()
    assert x_closed.status == PeriodClose.Status.REOPENED and x_closed.reopen_reason == "Đơn vị F1 bổ sung biên bản"


def test_a_closed_version_downloads_as_files_marked_closed(client_as, x_closed, world):
    client = client_as(world.staff_x)
    body = b"".join(client.get(reverse("reports:close_download", args=[x_closed.pk, "json"])).streaming_content)
    exported = json.loads(body)
    assert exported["status"] == "closed" and exported["version"] == 1
    xlsx = client.get(reverse("reports:close_download", args=[x_closed.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('-year-v1.xlsx"')
    pdf = client.get(reverse("reports:close_download", args=[x_closed.pk, "pdf"]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_a_closed_page_reads_a_constant_number_of_queries(client_as, world, tree, django_assert_max_num_queries):
    client = client_as(world.admin)
    small, _new = closing.close_request(node=world.district_y, year=2025, period=Period.YEAR, by=world.admin)
    for n in range(40):
        unit = UnitFactory(code=f"BIG{n}", node=world.district_x)
        RecordFactory(unit=unit, held_on=D(2025, 3, 1), status="accepted")
    big, _new = closing.close_request(node=world.province, year=2025, period=Period.YEAR, by=world.admin)
    client.get(small.get_absolute_url())
    with django_assert_max_num_queries(12) as small_queries:
        client.get(small.get_absolute_url())
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        client.get(big.get_absolute_url())


# Explain this number -------------------------------------------------------------------


def every_cell(payload):
    """(row or None for the total, category or None, indicator, figure, the figure's value)
    of every count of a payload: each row, the total, and each category."""
    lines = [(row, None, row["cells"]) for row in payload["rows"]] + [(None, None, payload["total"]["cells"])]
    lines += [(None, c["category"], c["cells"]) for c in payload.get("by_category") or []]
    for row, category, cells in lines:
        for indicator, cell in cells.items():
            for figure in FIGURES:
                value = cell["expected"] - cell["done"] if figure == "missing" else cell[figure]
                yield row, category, indicator, figure, value


def explained(close, node, row, category, indicator, figure):
    if row is not None and row.get("close_id"):
        child = PeriodClose.objects.get(pk=row["close_id"])
        return explain.from_snapshot(child, explain.Address(indicator, figure))
    address = explain.Address(indicator, figure, None if row is None else row["node_id"], category)
    if close is not None:
        return explain.from_snapshot(close, address)
    return explain.live(node, 2025, Period.YEAR, address)


def assert_every_figure_is_explained(payload, close, node):
    checked = 0
    for row, category, indicator, figure, value in every_cell(payload):
        units = list(explained(close, node, row, category, indicator, figure))
        assert len(units) == value, (row and row["org_code"], category, indicator, figure)
        if figure in ("done", "on_time", "quality"):
            expected = {u["unit_id"] for u in explained(close, node, row, category, indicator, "expected")}
            assert {u["unit_id"] for u in units} <= expected
        checked += 1
    assert checked >= len(compute.INDICATORS) * len(FIGURES)


def test_every_live_figure_has_a_list_of_exactly_that_many_units(tree, world):
    built = compute.build(world.province, 2025, by_category=True)
    payload = compute.to_payload(built, [], built_at=datetime.datetime.now(datetime.UTC))
    assert_every_figure_is_explained(payload, None, world.province)
    district = compute.to_payload(
        compute.build(world.district_x, 2025), [], built_at=datetime.datetime.now(datetime.UTC)
    )
    assert_every_figure_is_explained(district, None, world.district_x)


def test_every_closed_figure_keeps_its_list_after_units_move_or_close(x_closed, tree, world, staff_p):
    province, _new = closing.close_request(node=world.province, year=2025, period=Period.YEAR, by=staff_p)
    province.refresh_from_db()
    # After the close: a unit is dissolved, another moves to district Y, a new one appears.
    type(world.unit_a).objects.filter(pk=world.unit_a.pk).update(dissolved_on=D(2025, 1, 1))
    type(world.unit_b).objects.filter(pk=world.unit_b.pk).update(node=world.district_y)
    UnitFactory(code="NEW1", node=world.district_x)
    for close in (x_closed, province):
        close.refresh_from_db()
        assert_every_figure_is_explained(close.result, close, close.node)
        for cell in close.result["total"]["cells"].values():
            assert cell["done"] <= cell["expected"]


def test_a_roll_up_run_explains_closed_rows_from_their_snapshot(x_closed, tree, world):
    # After X closed, one of its units is dissolved and one moves to Y: X's closed figures
    # (and the province's total) still count them where they were.
    Unit.objects.filter(code="F1").update(dissolved_on=D(2024, 12, 31))
    regrouping.unit_transfer(
        unit=Unit.objects.get(code="G1"), to_node=world.district_y, effective_on=D(2026, 1, 2), by=None
    )
    run, _new = services.report_request(node=world.province, year=2025, by=world.leader_p, by_category=True)
    run.refresh_from_db()
    assert run.result["by_category"]
    assert_every_figure_is_explained(run.result, None, world.province)


def explain_url(**params):
    from urllib.parse import urlencode

    return f"{reverse('reports:explain')}?{urlencode(params)}"


def test_the_explain_page_is_scoped_like_everything_else(client, client_as, x_closed, world):
    live = explain_url(node=world.district_x.pk, year=2025, period="year", indicator="worker_conference", figure="done")
    closed = explain_url(close=x_closed.pk, indicator="worker_conference", figure="done")
    for url in (live, closed):
        assert client_as(None).get(url).status_code == 302
        assert client_as(world.chair_a).get(url).status_code == 403
        assert client_as(world.staff_y).get(url).status_code == 404
        assert client_as(world.leader_p).get(url).status_code == 200
    assert (
        client_as(world.staff_x).get(explain_url(close=x_closed.pk, indicator="nope", figure="done")).status_code == 404
    )
    # A child of another district asked for as the row: nothing, not the other district's units.
    other = explain_url(node=world.district_x.pk, year=2025, period="year", row=world.district_y.pk,
                        indicator="worker_conference", figure="expected")  # fmt: skip
    assert client_as(world.staff_x).get(other).status_code == 404


def test_the_explain_page_lists_the_units_with_their_record_and_exports_them(client_as, x_closed, world):
    client = client_as(world.staff_x)
    url = explain_url(close=x_closed.pk, indicator="worker_conference", figure="expected")
    page = client.get(url).content.decode()
    figure = x_closed.result["total"]["cells"]["worker_conference"]["expected"]
    assert f'id="explain-count">{figure}<' in page
    assert "A001" in page and "10/03/2025" in page and "Chưa có hồ sơ được duyệt" in page
    xlsx = client.get(url + "&format=xlsx")
    sheet = load_workbook(BytesIO(b"".join(xlsx.streaming_content))).active
    assert sheet.max_row == figure + 2 and sheet["B3"].value == "A001"


def test_report_pages_link_every_figure_to_its_list(client_as, x_closed, world):
    page = client_as(world.staff_x).get(x_closed.get_absolute_url()).content.decode()
    assert f"close={x_closed.pk}&amp;indicator=worker_conference&amp;figure=done" in page
    assert "figure=missing" in page and "figure=on_time" in page and "figure=quality" in page


def test_units_filed_directly_and_under_a_node_not_yet_started_are_explained_too(tree, world, staff_p):
    from tests.factories import OrgNodeFactory

    UnitFactory(code="DIRECT1", node=world.province)
    later = OrgNodeFactory(code="LATER", parent=world.province, started_on=D(2026, 1, 1))
    UnitFactory(code="LATER1", node=later)
    live = compute.to_payload(compute.build(world.province, 2025), [], built_at=datetime.datetime.now(datetime.UTC))
    assert any(r["org_code"].endswith(compute.DIRECT_SUFFIX) for r in live["rows"])
    assert_every_figure_is_explained(live, None, world.province)
    close, _new = closing.close_request(node=world.province, year=2025, period=Period.YEAR, by=staff_p)
    close.refresh_from_db()
    assert_every_figure_is_explained(close.result, close, world.province)


def test_the_dashboard_reads_full_year_runs_only(tree, world):
    from reports import dashboard

    services.report_request(node=world.province, year=2025, by=world.admin)
    half, _new = services.report_request(node=world.province, year=2025, period=Period.HALF, by=world.admin)
    payloads = dashboard.latest_payloads(world.province, [2025])
    assert payloads[2025]["period"] == "year" and payloads[2025]["run_id"] != half.pk


def test_a_roll_up_report_page_marks_closed_and_provisional_children(client_as, x_closed, world):
    run, _new = services.report_request(node=world.province, year=2025, by=world.leader_p)
    page = client_as(world.leader_p).get(run.get_absolute_url()).content.decode()
    x_row = page.split('data-org="X"')[1].split("</tr>")[0]
    y_row = page.split('data-org="Y"')[1].split("</tr>")[0]
    assert 'data-status="closed"' in x_row and "Đã chốt (lần 1)" in x_row
    assert f"close={x_closed.pk}" in x_row  # X's figures explain from its snapshot
    assert 'data-status="provisional"' in y_row and "Chưa chốt" in y_row


@pytest.mark.parametrize("name", ["close_status", "close_download"])
def test_a_closes_progress_and_files_follow_the_same_scoping(client_as, x_closed, world, name):
    args = [x_closed.pk] if name == "close_status" else [x_closed.pk, "xlsx"]
    url = reverse(f"reports:{name}", args=args)
    assert client_as(None).get(url).status_code == 302
    assert client_as(world.chair_a).get(url).status_code == 403
    assert client_as(world.staff_y).get(url).status_code == 404
    assert client_as(world.staff_x).get(url).status_code == 200


def test_the_overview_and_an_explanation_page_read_a_constant_number_of_queries(
    client_as, x_closed, world, django_assert_max_num_queries
):
    from tests.factories import OrgNodeFactory

    client = client_as(world.admin)
    closed_list = explain_url(close=x_closed.pk, indicator="worker_conference", figure="expected")
    live_list = explain_url(node=world.province.pk, year=2025, period="year", indicator="worker_conference",
                            figure="expected")  # fmt: skip
    pages = [overview(world.province), closed_list, live_list]
    counts = []
    for url in pages:
        client.get(url)
        with django_assert_max_num_queries(40) as queries:
            client.get(url)
        counts.append(len(queries.captured_queries))
    for n in range(15):  # more children, units and records
        child = OrgNodeFactory(code=f"K{n}", parent=world.province)
        unit = UnitFactory(code=f"KU{n}", node=child)
        RecordFactory(unit=unit, held_on=D(2025, 3, 1), status="accepted")
    for url, count in zip(pages, counts, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)
