"""A unit save refreshes the facts only when it changes what they read, once per block."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conferences.facts import maintain
from conferences.facts.build import UNIT_FIELDS_READ, fact_rows
from conferences.facts.check import check_year
from conferences.facts.joined import joined_rows
from conferences.models import Attachment, Fact, Record
from conferences.rules import rules_for_year
from units import regrouping
from units import services as unit_services
from units.history import TreeAsOf
from units.models import Category, NodePathChange, OrgNode, Unit, UnitCategoryChange, UnitTransfer
from units.periods import Period, period_end
from units.signals import announced_once

pytestmark = pytest.mark.django_db
FACT_WRITE = re.compile(r'(INSERT INTO|DELETE FROM) "conferences_fact"|EXECUTE fact_')


def fact_writes(queries: CaptureQueriesContext) -> int:
    return sum(1 for q in queries.captured_queries if FACT_WRITE.search(q["sql"]))


def test_it_leaves_the_facts_alone_when_an_edit_changes_nothing_they_read(world):
    unit = world.unit_a
    with CaptureQueriesContext(connection) as queries:
        unit_services.unit_update(unit=unit, by=world.staff_x, version=unit.version, chair_phone="0912 345 678")
        unit.refresh_from_db()
        unit.name = "Công ty May Alpha mới"
        unit.save()
    assert fact_writes(queries) == 0
    assert Unit.objects.get(pk=unit.pk).chair_phone == "0912 345 678"


def test_it_refreshes_the_facts_when_an_edit_changes_what_they_read(world):
    unit = world.unit_a
    assert Fact.objects.filter(unit=unit, year=2025, indicator="worker_conference", expected=True).exists()
    with CaptureQueriesContext(connection) as queries:
        unit_services.unit_update(
            unit=unit,
            by=world.staff_x,
            version=unit.version,
            category=Category.STATE_AGENCY,
            category_effective_on=datetime.date(2025, 1, 1),
        )
    assert fact_writes(queries) > 0
    assert not Fact.objects.filter(unit=unit, year=2025, indicator="worker_conference").exists()
    assert Fact.objects.filter(unit=unit, year=2025, indicator="cbccvc_conference", expected=True).exists()
    unit = Unit.objects.get(pk=unit.pk)
    unit.employees = 3
    unit.union_members = 0
    unit.save()
    assert not check_year(2025)


def test_it_refreshes_a_unit_once_for_several_saves_in_one_block(world):
    unit = world.unit_a
    with CaptureQueriesContext(connection) as one:
        unit.employees = 190
        unit.save()
    with CaptureQueriesContext(connection) as three, announced_once():
        for employees in (180, 170, 160):
            unit.employees = employees
            unit.save()
    assert fact_writes(three) == fact_writes(one) > 0
    assert not check_year(2025)


def test_it_refreshes_units_moved_in_one_block_with_their_placement(world):
    unit = world.unit_a
    with announced_once():
        regrouping.unit_transfer(
            unit=unit, to_node=world.district_y, effective_on=datetime.date(2025, 3, 1), by=world.admin
        )
        unit_services.unit_update(unit=Unit.objects.get(pk=unit.pk), by=world.admin, version=2, employees=300)
    assert Fact.objects.get(unit=unit, year=2025, period=Period.YEAR, indicator="worker_conference").node_id == (
        world.district_y.pk
    )
    assert Fact.objects.get(unit=unit, year=2025, period=Period.HALF, indicator="worker_conference").node_id == (
        world.district_y.pk
    )
    assert Fact.objects.get(unit=unit, year=2024, period=Period.YEAR, indicator="worker_conference").node_id == (
        world.district_x.pk
    )
    assert not check_year(2024) and not check_year(2025)


def test_it_fails_the_write_when_the_refresh_at_the_end_of_the_block_fails(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("facts unavailable")

    monkeypatch.setattr(maintain, "_insert", broken)
    unit = world.unit_a
    with pytest.raises(RuntimeError):
        unit_services.unit_update(unit=unit, by=world.staff_x, version=unit.version, employees=500)
    assert Unit.objects.get(pk=unit.pk).employees == 120


def test_it_announces_nothing_from_a_block_that_fails(world):
    unit = world.unit_a
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValueError), announced_once():
        unit.employees = 190
        unit.save()
        raise ValueError("refused")
    assert fact_writes(queries) == 0
    assert Unit.objects.get(pk=unit.pk).employees == 120


def test_it_lists_every_unit_column_the_fact_sql_reads(world):
    """``UNIT_FIELDS_READ`` decides which saves refresh; a condition that reads a unit
    column missing from it would leave facts stale after an edit of that column. Every
    unit column no other table of the fact SQL has is looked for, however aliased."""
    others = {
        f.column
        for model in (
            Record,
            Attachment,
            OrgNode,
            UnitTransfer,
            NodePathChange,
            UnitCategoryChange,
            Record.contents.through,
        )
        for f in model._meta.concrete_fields
    }
    unit_columns = {f.column: f.name for f in Unit._meta.concrete_fields if f.column not in others}
    read: set[str] = set()
    for year in (2022, 2025):
        for period in (Period.HALF, Period.YEAR):
            tree = TreeAsOf(period_end(year, period))
            for rule in rules_for_year(year).values():
                rule.min_employees = rule.min_employees or 10  # every optional condition on
                sql = str(fact_rows(tree.units_under(None), rule, year, period).query)
                sql += joined_rows(rule, year, period, tree)[0]
                read |= {name for column, name in unit_columns.items() if connection.ops.quote_name(column) in sql}
    assert {"category", "employees", "established_on", "dissolved_on"} <= read
    assert read <= UNIT_FIELDS_READ


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_it_prepares_its_statements_again_on_a_new_connection(world):
    unit = world.unit_a
    unit.employees = 190
    unit.save()
    assert maintain._prepared_names()
    connection.close()
    unit = Unit.objects.get(pk=unit.pk)
    unit.category = Category.STATE_AGENCY
    unit.save()
    assert not Fact.objects.filter(unit=unit, year=2025, indicator="worker_conference").exists()
    assert not check_year(2025)
