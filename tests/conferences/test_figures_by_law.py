"""The figures follow the law: the quorum of a full assembly against the unit's
headcount, "at least N a year", and an inspection board's term. Each case is checked on
the record page's checks (Python), on the facts a write maintains (SQL, per unit) and
on a whole-year rebuild (SQL, joined), which ``check_year`` proves equal."""

import datetime

import pytest

from conferences.facts.check import check_year
from conferences.facts.maintain import rebuild_year
from conferences.models import ContentItem, Fact, ObligationRule
from conferences.quality import Check
from conferences.selectors import record_with_checks
from reports import compute
from tests.factories import RecordFactory, attach_minutes

pytestmark = pytest.mark.django_db
D = datetime.date


def accepted(unit, kind="worker_conference", **fields):
    return RecordFactory(unit=unit, kind=kind, status="accepted", **fields)


def complete(unit, kind, held_on, **fields):
    """An accepted record that passes every substantive check of its kind."""
    record = RecordFactory(unit=unit, kind=kind, held_on=held_on, **fields)
    record.contents.set(ContentItem.objects.filter(kind=kind))
    attach_minutes(record)
    record.status = "accepted"
    record.save()
    return record


def fact(unit, year, indicator):
    return Fact.objects.get(unit=unit, year=year, period="year", indicator=indicator)


def cell(node, year, indicator):
    return compute.build(node, year).total.cells[indicator]


def agrees(year):
    """The joined whole-year SQL gives the rows the per-unit SQL maintained."""
    rebuild_year(year)
    assert not check_year(year)


def quorum(record):
    _rule, checks = record_with_checks(record)
    return next(c for c in checks if c.code == Check.QUORUM)


# --- Quorum ---------------------------------------------------------------------------------


def test_it_measures_a_full_assemblys_quorum_against_the_units_headcount_on_the_day(world):
    # 90 of the 100 convened, but the unit had 150 workers that day: 60% < two thirds.
    record = complete(world.unit_a, "worker_conference", D(2025, 3, 10), invited=100, attended=90, headcount=150)
    check = quorum(record)
    assert not check.passed
    assert check.detail == "90/150 lao động của đơn vị"
    assert fact(world.unit_a, 2025, "worker_conference").quorum_failures == 1
    assert cell(world.district_x, 2025, "worker_conference").quality == 0
    agrees(2025)


def test_it_passes_a_full_assembly_with_two_thirds_of_the_headcount(world):
    record = complete(world.unit_a, "worker_conference", D(2025, 3, 10), invited=100, attended=100, headcount=150)
    assert quorum(record).passed
    assert cell(world.district_x, 2025, "worker_conference").quality == 1
    agrees(2025)


def test_it_falls_back_to_those_convened_and_says_so_when_the_headcount_is_missing(world):
    record = complete(world.unit_a, "worker_conference", D(2025, 3, 10), invited=100, attended=90, headcount=None)
    check = quorum(record)
    assert check.passed
    assert check.detail == "90/100 được triệu tập (chưa có số lao động của đơn vị)"
    assert cell(world.district_x, 2025, "worker_conference").quality == 1
    agrees(2025)


def test_it_measures_a_delegates_conference_against_the_delegates_convened(world):
    record = complete(
        world.unit_a, "worker_conference", D(2025, 3, 10), format="delegate", invited=100, attended=70, headcount=900
    )
    check = quorum(record)
    assert check.passed
    assert check.detail == "70/100"
    assert cell(world.district_x, 2025, "worker_conference").quality == 1
    agrees(2025)


def test_it_shows_the_headcount_base_on_the_record_page(client_as, world):
    record = complete(world.unit_a, "worker_conference", D(2025, 3, 10), invited=100, attended=90, headcount=150)
    page = client_as(world.chair_a).get(record.get_absolute_url()).content.decode()
    assert "90/150 lao động của đơn vị" in page


# --- At least N a year ------------------------------------------------------------------------


def test_it_counts_four_periodic_dialogues_as_done_under_the_labour_code_2012_and_three_as_not(world):
    assert ObligationRule.objects.get(year=2018, indicator="dialogue_periodic").min_per_year == 4
    for month in (3, 6, 9):
        complete(world.unit_a, "dialogue_periodic", D(2018, month, 20))
    assert not fact(world.unit_a, 2018, "dialogue_periodic").done
    figures = cell(world.district_x, 2018, "dialogue_periodic")
    assert (figures.done, figures.expected) == (0, 1)
    complete(world.unit_a, "dialogue_periodic", D(2018, 12, 20))
    figures = cell(world.district_x, 2018, "dialogue_periodic")
    assert (figures.done, figures.on_time, figures.quality) == (1, 1, 1)
    agrees(2018)


def test_it_needs_all_n_by_the_deadline_to_be_on_time(world):
    ObligationRule.objects.filter(year=2018, indicator="dialogue_periodic").update(deadline=D(2018, 11, 30))
    for month in (2, 5, 8, 12):
        complete(world.unit_a, "dialogue_periodic", D(2018, month, 20))
    figures = cell(world.district_x, 2018, "dialogue_periodic")
    assert (figures.done, figures.on_time) == (1, 0)
    agrees(2018)


def test_it_needs_n_dialogues_that_pass_every_check_for_quality(world):
    for month in (2, 5, 8):
        complete(world.unit_a, "dialogue_periodic", D(2018, month, 20))
    accepted(world.unit_a, "dialogue_periodic", held_on=D(2018, 11, 20))  # no minutes, no contents
    figures = cell(world.district_x, 2018, "dialogue_periodic")
    assert (figures.done, figures.on_time, figures.quality) == (1, 1, 0)
    assert fact(world.unit_a, 2018, "dialogue_periodic").minutes_failures == 1
    agrees(2018)


def test_it_keeps_the_fact_row_of_a_unit_not_bound_with_fewer_records_than_required(world):
    world.unit_a.category = "other"
    world.unit_a.save()
    complete(world.unit_a, "dialogue_periodic", D(2018, 3, 20))
    row = fact(world.unit_a, 2018, "dialogue_periodic")
    assert (row.expected, row.done, row.record_id is not None) == (False, False, True)
    agrees(2018)


# --- An inspection board's term ---------------------------------------------------------------


def test_it_counts_a_board_for_the_years_of_its_term_then_expects_a_new_election(world):
    assert ObligationRule.objects.get(year=2023, indicator="inspection_board").term_years == 2
    accepted(world.unit_b, "inspection_board", held_on=D(2021, 5, 4), members=3)
    assert [cell(world.district_x, y, "inspection_board").done for y in (2021, 2022, 2023)] == [1, 1, 0]
    for year in (2021, 2022, 2023):
        agrees(year)


def test_it_counts_a_board_re_elected_when_its_term_ends(world):
    accepted(world.unit_b, "inspection_board", held_on=D(2021, 5, 4), members=3)
    accepted(world.unit_b, "inspection_board", held_on=D(2023, 5, 4), members=3)
    assert [cell(world.district_x, y, "inspection_board").done for y in (2023, 2024, 2025)] == [1, 1, 0]
    assert fact(world.unit_b, 2024, "inspection_board").record.held_on == D(2023, 5, 4)
    agrees(2024)


def test_it_counts_a_board_for_ever_when_the_rule_has_no_term(world):
    ObligationRule.objects.filter(year=2025, indicator="inspection_board").update(term_years=None)
    accepted(world.unit_b, "inspection_board", held_on=D(2016, 5, 4), members=3)
    assert cell(world.district_x, 2025, "inspection_board").done == 1
    agrees(2025)


# --- A school's work year ----------------------------------------------------------------------


@pytest.fixture
def school(world):
    world.unit_b.work_year_start_month = 9
    world.unit_b.save()
    return world.unit_b


def test_it_counts_a_school_years_conference_in_the_year_its_school_year_begins(school, world):
    # School year September 2025–August 2026: due 30 November 2025 (31 March moved by 8 months).
    on_time = complete(school, "cbccvc_conference", D(2025, 10, 15))
    late = complete(school, "cbccvc_conference", D(2026, 1, 10))
    assert (on_time.year, late.year) == (2025, 2025)
    figures = cell(world.district_x, 2025, "cbccvc_conference")
    assert (figures.done, figures.on_time) == (1, 1)
    assert cell(world.district_x, 2026, "cbccvc_conference").done == 0
    _rule, checks = record_with_checks(late)
    assert [c.passed for c in checks if c.code == Check.ON_TIME] == [False]
    agrees(2025)


def test_it_makes_a_school_late_after_the_moved_deadline(school, world):
    complete(school, "cbccvc_conference", D(2025, 12, 1))
    figures = cell(world.district_x, 2025, "cbccvc_conference")
    assert (figures.done, figures.on_time) == (1, 0)
    agrees(2025)


def test_it_keeps_a_conference_of_spring_in_the_school_year_begun_the_autumn_before(school, world):
    complete(school, "cbccvc_conference", D(2025, 3, 10))  # school year 2024–2025
    assert (
        cell(world.district_x, 2024, "cbccvc_conference").done,
        cell(world.district_x, 2025, "cbccvc_conference").done,
    ) == (1, 0)
    agrees(2024)


def test_it_moves_the_records_when_a_unit_declares_a_school_year(world):
    from units import services as unit_services

    record = complete(world.unit_b, "cbccvc_conference", D(2026, 1, 10))
    assert record.year == 2026
    unit = world.unit_b
    unit_services.unit_update(unit=unit, by=world.admin, version=unit.version, work_year_start_month=9)
    record.refresh_from_db()
    assert record.year == 2025
    assert cell(world.district_x, 2025, "cbccvc_conference").done == 1
    assert cell(world.district_x, 2026, "cbccvc_conference").done == 0
    for year in (2025, 2026):
        assert not check_year(year)


def test_it_gives_imported_history_the_school_year(school, world):
    from conferences import importing
    from units.importing import read_table

    text = "unit_code,kind,date,status\nB001,cbccvc_conference,15/01/2026,accepted\n"
    table = read_table(data=text.encode(), suffix=".csv", columns=importing.EVENT_IMPORT_COLUMNS)
    plan = importing.plan_events_import(table=table, by=world.staff_x)
    assert plan.ok, plan.errors
    importing.events_import(plan=plan, by=world.staff_x, file_name="truong.csv")
    assert list(school.records.values_list("year", flat=True)) == [2025]
    assert cell(world.district_x, 2025, "cbccvc_conference").done == 1


def test_it_shows_a_schools_conference_on_time_on_its_year_page(school, world):
    from conferences.selectors import ObligationState, unit_year

    complete(school, "cbccvc_conference", D(2025, 10, 15))
    states = {o.rule.indicator: o.state for o in unit_year(school, 2025)}
    assert states["cbccvc_conference"] == ObligationState.ACCEPTED


def test_it_shows_no_board_on_the_year_page_once_its_term_ended(world):
    from conferences.selectors import ObligationState, unit_year

    accepted(world.unit_b, "inspection_board", held_on=D(2021, 5, 4), members=3)
    states = {o.rule.indicator: o.state for o in unit_year(world.unit_b, 2023)}
    assert states["inspection_board"] in (ObligationState.MISSING, ObligationState.OVERDUE)
    states = {o.rule.indicator: o.state for o in unit_year(world.unit_b, 2022)}
    assert states["inspection_board"] == ObligationState.ACCEPTED


def test_its_migration_gives_existing_records_of_schools_their_work_year(school, world):
    import importlib

    from django.apps import apps

    from conferences.models import Record

    record = complete(school, "cbccvc_conference", D(2026, 1, 10))
    Record.objects.filter(pk=record.pk).update(year=2026)  # as counted before the work year
    calendar = complete(world.unit_a, "worker_conference", D(2026, 1, 10))
    importlib.import_module("conferences.migrations.0012_figures_by_law").work_years(apps, None)
    record.refresh_from_db()
    calendar.refresh_from_db()
    assert (record.year, calendar.year) == (2025, 2026)


def test_its_migration_marks_bare_imported_history_as_not_assessed(world):
    import importlib

    from django.apps import apps

    from conferences import importing
    from conferences.models import Record
    from units.importing import read_table

    text = (
        "unit_code,kind,date,status\n"
        "A001,worker_conference,10/03/2024,accepted\nC001,worker_conference,10/03/2024,accepted\n"
    )
    table = read_table(data=text.encode(), suffix=".csv", columns=importing.EVENT_IMPORT_COLUMNS)
    importing.events_import(plan=importing.plan_events_import(table=table, by=None), by=None, file_name="cu.csv")
    Record.objects.update(quality_assessed=True)  # as imported before the field existed
    completed = Record.objects.get(unit=world.unit_c)
    completed.contents.set(ContentItem.objects.filter(kind="worker_conference")[:1])
    importlib.import_module("conferences.migrations.0012_figures_by_law").not_assessed_history(apps, None)
    assert dict(Record.objects.values_list("unit__code", "quality_assessed")) == {"A001": False, "C001": True}


def test_it_refuses_a_school_record_of_a_closed_work_year_held_in_the_next_calendar_year(school, world):
    from django.core.exceptions import ValidationError

    from conferences import importing, services
    from units.importing import read_table
    from units.periods import PeriodClose

    PeriodClose.objects.create(node=world.district_x, year=2025, period="year", version=1, status="closed")
    with pytest.raises(ValidationError):
        services.record_create(
            unit=school, kind="cbccvc_conference", by=world.staff_x, data={"held_on": D(2026, 1, 10), "format": "full"}
        )
    text = (
        "unit_code,kind,date,status\n"
        "B001,cbccvc_conference,15/01/2026,accepted\nA001,worker_conference,15/01/2026,accepted\n"
    )
    table = read_table(data=text.encode(), suffix=".csv", columns=importing.EVENT_IMPORT_COLUMNS)
    plan = importing.plan_events_import(table=table, by=world.staff_x)
    assert [e.row for e in plan.errors] == [2]  # the school's 2025 work year is closed; A001's 2026 is not
