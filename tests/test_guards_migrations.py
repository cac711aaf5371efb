"""Data migrations are a write path too: those that write records, rules, checklist lines
or facts are run here on a database with a closed period, and must leave what the guards
protect as it was.

A migration has no user to refuse and writes through historical models, so it cannot
ask the periods layer; what it writes is either derived data rebuilt by the app's own
code (the facts), or a reading of the law applied to every year alike (rules, record
years, "chưa đánh giá"). What keeps a closed period closed is its snapshot, which no
migration touches, and the freeze, which reads neither a record's counted year nor its
assessment. The database constraints hold on every path, migrations included
(``tests/test_guards.py``). The twins migration (conferences 0003) is run for real, on
the schema before its constraint, in ``tests/test_races.py``.
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Callable

import pytest
from django.apps import apps

from conferences.models import AuditEntry, Fact, Record
from conferences.permissions import is_frozen
from reports import closing
from reports.models import SnapshotRow
from tests.factories import RecordFactory
from units.models import Unit
from units.periods import Period, PeriodClose

pytestmark = pytest.mark.django_db
D = datetime.date


def step(app: str, migration: str, function: str) -> Callable:
    return getattr(importlib.import_module(f"{app}.migrations.{migration}"), function)


DATA_MIGRATIONS = [
    step("conferences", "0002_seed_rules", "seed"),
    step("conferences", "0004_build_facts_and_nightly_rebuild", "build_facts"),
    step("conferences", "0005_rule_minutes_and_legal_basis", "minutes_required_for_conferences"),
    step("conferences", "0007_minutes_keywords_and_search_index", "fill_keywords"),
    step("conferences", "0010_rules_by_law", "rules_by_law"),
    step("conferences", "0012_figures_by_law", "not_assessed_history"),
    step("conferences", "0012_figures_by_law", "work_years"),
    step("conferences", "0012_figures_by_law", "rebuild_facts"),
]


@pytest.fixture
def closed(world, django_capture_on_commit_callbacks) -> PeriodClose:
    """District X's 2025 closed for real, over an imported bare conference of unit A and a
    dialogue of unit B (a school whose work year is about to start in September)."""
    bare = RecordFactory(
        unit=world.unit_a, held_on=D(2025, 3, 10), status="accepted", format="", invited=None, attended=None
    )
    Record.objects.filter(pk=bare.pk).update(resolution_adopted=None)
    AuditEntry.objects.create(record=bare, action=AuditEntry.Action.IMPORTED, changes={})
    RecordFactory(unit=world.unit_b, kind="cbccvc_conference", held_on=D(2025, 5, 10), status="accepted")
    with django_capture_on_commit_callbacks(execute=True):
        close, _new = closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    close.refresh_from_db()
    assert close.status == PeriodClose.Status.CLOSED, close.error
    # As a database from before the work year: the school's month set behind the services' back.
    Unit.objects.filter(pk=world.unit_b.pk).update(work_year_start_month=9)
    return close


def closed_state(close: PeriodClose) -> tuple:
    close.refresh_from_db()
    rows = SnapshotRow.objects.filter(close=close).order_by("unit_id", "indicator")
    return close.result, close.version, close.status, list(rows.values())


def guarded_records() -> dict[int, tuple]:
    """Per record: whether a close holds it, its status and its version."""
    return {r.pk: (is_frozen(r), r.status, r.version) for r in Record.objects.select_related("unit__node")}


@pytest.mark.parametrize("migration", DATA_MIGRATIONS, ids=lambda f: f"{f.__module__.split('.')[-1]}.{f.__name__}")
def test_a_data_migration_leaves_closed_figures_frozen_records_and_versions_as_they_were(
    world, closed, migration: Callable
) -> None:
    figures, records = closed_state(closed), guarded_records()
    migration(apps, None)
    assert closed_state(closed) == figures
    assert guarded_records() == records


def test_the_migrations_do_rewrite_a_closed_years_records_and_live_facts_and_only_those(world, closed) -> None:
    """What the migrations above do change in the closed year (so the test above is not
    vacuous): the bare import is no longer assessed, the school's dialogue counts in the
    work year it began, the live facts follow; the closed version keeps its figures."""
    figures = closed_state(closed)
    for migration in DATA_MIGRATIONS:
        migration(apps, None)
    bare, school = Record.objects.order_by("unit__code")
    assert (bare.quality_assessed, school.year) == (False, 2024)
    assert not Fact.objects.filter(unit_id=bare.unit_id, year=2025, assessed=True, done=True).exists()
    assert closed_state(closed) == figures
    assert any(row["assessed"] and row["unit_id"] == bare.unit_id for row in figures[3])
