"""A unit's category over time: a change has a day from which it applies, and each period
counts the unit with the category it had on the period's last day (issue #17)."""

import datetime

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conferences import selectors
from conferences.facts.check import check_year
from conferences.models import Fact
from conferences.rules import rules_for_unit
from reports import closing, compute, grid
from reports.annual.compose import situation
from tests.factories import RecordFactory, UnitFactory
from units import categories, importing, regrouping
from units.models import AuditLog, Category, Unit, UnitCategoryChange
from units.periods import Period

pytestmark = pytest.mark.django_db
D = datetime.date
JULY_2026 = D(2026, 7, 1)
AGENCY, ENTERPRISE = Category.STATE_AGENCY, Category.PRIVATE_ENTERPRISE


@pytest.fixture
def agency(world):
    """An agency under district X that became an enterprise on 1 July 2026."""
    unit = UnitFactory(code="K001", name="Sở Kế hoạch K", node=world.district_x, category=AGENCY)
    RecordFactory(unit=unit, kind="cbccvc_conference", held_on=D(2025, 2, 1), status="accepted")
    return unit


def changed(unit, by=None, day=JULY_2026, new=ENTERPRISE):
    return categories.change_category(unit=unit, new=new, effective_on=day, by=by)


def fact(unit, year, period, indicator):
    return Fact.objects.filter(unit=unit, year=year, period=period, indicator=indicator).first()


# --- The service's rules -----------------------------------------------------------------


def test_a_change_dated_in_the_future_is_refused(agency):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="chưa đến"):
        changed(agency, day=tomorrow)
    assert Unit.objects.get(pk=agency.pk).category == AGENCY
    assert not UnitCategoryChange.objects.exists()


def test_a_change_dated_before_the_units_last_change_is_refused(agency):
    changed(agency)
    with pytest.raises(ValidationError, match="trước lần đổi loại hình trước"):
        changed(agency, day=D(2026, 3, 1), new=Category.STATE_ENTERPRISE)
    changed(agency, day=JULY_2026, new=Category.STATE_ENTERPRISE)  # the same day is not before
    assert list(UnitCategoryChange.objects.values_list("old_category", "new_category")) == [
        (AGENCY, ENTERPRISE),
        (ENTERPRISE, Category.STATE_ENTERPRISE),
    ]


def test_a_change_into_a_closed_period_is_refused(agency, world):
    closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    with pytest.raises(ValidationError, match="đã chốt"):
        changed(agency, day=D(2025, 9, 1))
    changed(agency, day=D(2026, 1, 1))  # after the closed year: 2025 keeps the old category
    assert fact(agency, 2025, Period.YEAR, "cbccvc_conference").category == AGENCY


def test_a_closed_period_of_the_node_that_held_the_unit_then_refuses_it_too(agency, world):
    regrouping.unit_transfer(unit=agency, to_node=world.district_y, effective_on=D(2026, 1, 1), by=None)
    closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    with pytest.raises(ValidationError, match="LĐLĐ khu vực X"):
        changed(Unit.objects.get(pk=agency.pk), day=D(2025, 6, 1))


def test_a_change_is_audited_with_the_category_before_and_after(agency, world):
    changed(agency, by=world.staff_x)
    entry = AuditLog.objects.get(action=AuditLog.Action.CATEGORY_CHANGED)
    assert (entry.by, entry.node, entry.target_id) == (world.staff_x, world.district_x, str(agency.pk))
    assert entry.before == {"category": AGENCY}
    assert entry.after == {"category": ENTERPRISE, "effective_on": "2026-07-01"}
    row = UnitCategoryChange.objects.get()
    assert (row.unit, row.by, row.effective_on) == (agency, world.staff_x, JULY_2026)


def test_staff_cannot_change_the_category_of_a_unit_outside_their_district(agency, world):
    with pytest.raises(PermissionDenied):
        changed(agency, by=world.staff_y)
    assert not UnitCategoryChange.objects.exists()


def test_a_new_unit_has_its_category_since_founding_without_a_change_row(agency):
    assert not UnitCategoryChange.objects.exists()
    assert categories.category_on(agency, D(2015, 1, 1)) == AGENCY


def test_the_admin_shows_a_stored_units_category_read_only(rf, agency, world):
    request = rf.get("/")
    request.user = world.admin
    assert "category" in site._registry[Unit].get_readonly_fields(request, agency)
    assert "category" not in site._registry[Unit].get_readonly_fields(request, None)


# --- What the unit owes, year by year --------------------------------------------------------


def test_the_years_before_a_change_keep_the_old_categorys_obligations(agency):
    changed(agency)
    assert fact(agency, 2025, Period.YEAR, "cbccvc_conference").expected
    assert fact(agency, 2025, Period.YEAR, "worker_conference") is None
    # The half-year ends on 30 June 2026, before the change; the year on 31 December, after it.
    assert fact(agency, 2026, Period.HALF, "cbccvc_conference").expected
    assert fact(agency, 2026, Period.HALF, "worker_conference") is None
    assert fact(agency, 2026, Period.YEAR, "worker_conference").expected
    assert fact(agency, 2026, Period.YEAR, "worker_conference").category == ENTERPRISE
    assert fact(agency, 2026, Period.YEAR, "cbccvc_conference") is None
    assert {r.indicator for r in rules_for_unit(agency, 2025)} >= {"cbccvc_conference"}
    assert "worker_conference" not in {r.indicator for r in rules_for_unit(agency, 2025)}
    assert "worker_conference" in {r.indicator for r in rules_for_unit(Unit.objects.get(pk=agency.pk), 2026)}


def test_the_units_year_page_lists_what_it_owed_that_year(agency):
    changed(agency)
    agency = Unit.objects.get(pk=agency.pk)
    owed_2025 = {o.rule.indicator for o in selectors.unit_year(agency, 2025)}
    owed_2026 = {o.rule.indicator for o in selectors.unit_year(agency, 2026)}
    assert "cbccvc_conference" in owed_2025 and "worker_conference" not in owed_2025
    assert "worker_conference" in owed_2026 and "cbccvc_conference" not in owed_2026


def test_facts_check_finds_no_divergence_after_a_change(agency, world):
    changed(agency)
    changed(world.unit_b, day=D(2025, 3, 1), new=Category.STATE_AGENCY)
    for year in (2024, 2025, 2026):
        assert not check_year(year), year


def test_the_report_the_grid_and_the_annual_report_agree_on_a_changed_unit(agency, world):
    changed(agency)

    def grid_cells(year, **filters):
        page = grid.grid_page(grid.GridQuery(node=world.district_x, year=year, **filters), per_page=50)
        return {cell.indicator: cell.expected for row in page.rows if row.code == "K001" for cell in row.cells}, [
            row.code for row in page.rows
        ]

    for year, owed, exempt, category in (
        (2025, "cbccvc_conference", "worker_conference", AGENCY),
        (2026, "worker_conference", "cbccvc_conference", ENTERPRISE),
    ):
        report = compute.build(world.district_x, year)
        cells, _codes = grid_cells(year)
        assert cells[owed] and not cells[exempt], year
        expected_in_grid = sum(
            1
            for row in grid.grid_page(grid.GridQuery(node=world.district_x, year=year), per_page=50).rows
            for cell in row.cells
            if cell.indicator == owed and cell.expected
        )
        assert report.total.cells[owed].expected == expected_in_grid, year
        assert "K001" in grid_cells(year, category=category)[1]
        other = ENTERPRISE if category == AGENCY else AGENCY
        assert "K001" not in grid_cells(year, category=other)[1]
        labels = {r["label"]: r["units"] for r in situation(world.district_x, year, Period.YEAR)}
        assert labels.get(str(Category(category).label), 0) >= 1, (year, labels)
    assert str(AGENCY.label) not in {r["label"] for r in situation(world.district_x, 2026, Period.YEAR)}


def test_a_report_of_a_year_before_a_change_costs_no_more_queries(agency, world, django_assert_max_num_queries):
    compute.build(world.district_x, 2025)
    with CaptureQueriesContext(connection) as before:
        compute.build(world.district_x, 2025)
    changed(agency)
    with django_assert_max_num_queries(len(before)):
        compute.build(world.district_x, 2025)


# --- The units import ----------------------------------------------------------------------

HEADER = "code,name,category,federation_code,employees,union_members"


def plan_for(text, by=None):
    table = importing.read_table(data=text.encode(), suffix=".csv", columns=importing.UNIT_IMPORT_COLUMNS)
    return importing.plan_units_import(table=table, by=by)


def test_an_import_changes_a_category_from_the_day_its_column_gives(agency, world):
    plan = plan_for(
        f"{HEADER},category_effective_on\nK001,Sở Kế hoạch K,private_enterprise,X,120,100,01/07/2026\n",
        by=world.staff_x,
    )
    assert plan.ok, plan.errors
    importing.units_import(plan=plan, by=world.staff_x)
    change = UnitCategoryChange.objects.get(unit=agency)
    assert (change.old_category, change.new_category, change.effective_on) == (AGENCY, ENTERPRISE, JULY_2026)
    assert AuditLog.objects.filter(action=AuditLog.Action.CATEGORY_CHANGED, target_id=str(agency.pk)).exists()
    assert fact(agency, 2025, Period.YEAR, "cbccvc_conference").expected
    assert fact(agency, 2026, Period.YEAR, "worker_conference").expected
    assert not check_year(2026)


def test_an_import_without_the_column_changes_a_category_from_today(agency, world):
    plan = plan_for(f"{HEADER}\nK001,Sở Kế hoạch K,private_enterprise,X,120,100\n", by=world.staff_x)
    assert plan.ok, plan.errors
    importing.units_import(plan=plan, by=world.staff_x)
    assert UnitCategoryChange.objects.get(unit=agency).effective_on == timezone.localdate()
    assert fact(agency, 2025, Period.YEAR, "cbccvc_conference").expected


def test_an_import_refuses_a_bad_or_refused_day_on_its_row_and_writes_nothing(agency, world):
    other = UnitFactory(code="K002", name="Sở K2", node=world.district_x, category=AGENCY)
    changed(other, day=D(2026, 5, 1))
    closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    plan = plan_for(
        f"{HEADER},category_effective_on\n"
        "K001,Sở Kế hoạch K,private_enterprise,X,120,100,31/02/2026\n"
        f"K003,Mới,state_agency,X,10,5,{tomorrow}\n"  # a new unit: the day is not read
        f"K001b,Mới B,state_agency,X,10,5,\n"
        "K002,Sở K2,state_agency,X,120,100,01/04/2026\n"
        "A001,Công ty May Alpha,state_agency,X,120,100,01/09/2025\n",
        by=world.staff_x,
    )
    errors = {e.row: e.message for e in plan.errors}
    assert set(errors) == {2, 5, 6}
    assert "không hợp lệ" in errors[2]
    assert "trước lần đổi loại hình trước" in errors[5]
    assert "đã chốt" in errors[6]


def test_an_import_checks_the_category_rules_with_as_many_queries_for_30_rows_as_for_3(world):
    def queries_for(prefix, n):
        for i in range(n):
            UnitFactory(code=f"{prefix}{i:03d}", name=f"Sở {i}", node=world.district_x, category=AGENCY)
        rows = "".join(f"{prefix}{i:03d},Sở {i},private_enterprise,X,120,100,01/0{1 + i % 9}/2026\n" for i in range(n))
        user = type(world.staff_x).objects.get(pk=world.staff_x.pk)  # a fresh user: the scope is not cached
        with CaptureQueriesContext(connection) as queries:
            plan = plan_for(f"{HEADER},category_effective_on\n{rows}", by=user)
        assert plan.ok and len(plan.category_changes) == n, plan.errors
        return len(queries)

    assert queries_for("S", 3) == queries_for("L", 30)


# --- The edit form --------------------------------------------------------------------------


def edit_url(unit):
    return reverse("units:unit_edit", kwargs={"pk": unit.pk})


def form_data(unit, **overrides):
    data = {
        "code": unit.code,
        "name": unit.name,
        "category": unit.category,
        "node": unit.node_id,
        "employees": unit.employees,
        "union_members": unit.union_members,
        "established_on": unit.established_on.strftime("%d/%m/%Y") if unit.established_on else "",
        "work_year_start_month": unit.work_year_start_month,
        "chair_name": unit.chair_name,
        "chair_email": unit.chair_email,
        "version": unit.version,
    }
    return {**data, **overrides}


def test_the_edit_form_sends_anonymous_visitors_to_login(client, agency):
    response = client.post(edit_url(agency), form_data(agency, category=ENTERPRISE))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert Unit.objects.get(pk=agency.pk).category == AGENCY


def test_the_edit_form_refuses_a_chair(client_as, agency, world):
    response = client_as(world.chair_a).post(edit_url(agency), form_data(agency, category=ENTERPRISE))
    assert response.status_code == 403
    assert not UnitCategoryChange.objects.exists()


def test_the_edit_form_hides_a_unit_of_another_district(client_as, agency, world):
    response = client_as(world.staff_y).post(
        edit_url(agency), form_data(agency, category=ENTERPRISE, category_effective_on="01/07/2026")
    )
    assert response.status_code == 404
    assert not UnitCategoryChange.objects.exists()


def test_the_edit_form_changes_the_category_from_the_day_given(client_as, agency, world):
    client = client_as(world.staff_x)
    page = client.get(edit_url(agency)).content.decode()
    assert "Loại hình mới áp dụng từ ngày" in page and 'data-shown-when-changed="id_category"' in page
    response = client.post(edit_url(agency), form_data(agency, category=ENTERPRISE, category_effective_on="01/07/2026"))
    assert response.status_code == 302
    change = UnitCategoryChange.objects.get(unit=agency)
    assert (change.new_category, change.effective_on, change.by) == (ENTERPRISE, JULY_2026, world.staff_x)


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("", "Hãy ghi ngày loại hình mới bắt đầu áp dụng."),
        ("31/02/2026", "Ngày áp dụng loại hình mới không hợp lệ; hãy ghi dd/mm/yyyy."),
        ("01/01/2099", "chưa đến"),
    ],
)
def test_the_edit_form_says_in_vietnamese_what_is_wrong_with_the_day(client_as, agency, world, day, message):
    response = client_as(world.staff_x).post(
        edit_url(agency), form_data(agency, category=ENTERPRISE, category_effective_on=day)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Unit.objects.get(pk=agency.pk).category == AGENCY
    assert not UnitCategoryChange.objects.exists()


def test_the_edit_form_needs_no_day_when_the_category_stays(client_as, agency, world):
    response = client_as(world.staff_x).post(
        edit_url(agency), form_data(agency, employees=150, category_effective_on="")
    )
    assert response.status_code == 302
    assert Unit.objects.get(pk=agency.pk).employees == 150
    assert not UnitCategoryChange.objects.exists()


def test_the_create_form_asks_no_day(client_as, world):
    page = client_as(world.staff_x).get(reverse("units:unit_create")).content.decode()
    assert "Loại hình mới áp dụng từ ngày" not in page
