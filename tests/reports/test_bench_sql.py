"""The benchmark's hand-written SQL says what the report says: the benchmark's "figures
agree" is only worth something if both apply the same rules (a standing indicator's
term among them)."""

import datetime

import pytest
from django.db import connection

from reports import compute
from reports.management.commands.bench_reports import raw_report
from tests.factories import RecordFactory, UnitFactory, attach_minutes
from tests.support import skip_or_fail
from units.models import Category

pytestmark = pytest.mark.django_db
D = datetime.date


def test_the_hand_written_sql_counts_a_board_only_within_its_term(world):
    if connection.vendor != "postgresql":
        skip_or_fail("the benchmark's SQL is PostgreSQL's (set DATABASE_URL)")
    school = world.unit_b  # a public service unit: it owes an inspection board
    agency = UnitFactory(code="D001", name="Sở Delta", node=world.district_y, category=Category.STATE_AGENCY)
    # Elected in 2022: its two-year term ended with 2023. Elected in 2024: counts for 2025.
    RecordFactory(unit=school, kind="inspection_board", held_on=D(2022, 5, 1), status="accepted", members=3)
    RecordFactory(unit=agency, kind="inspection_board", held_on=D(2024, 5, 1), status="accepted", members=3)
    attach_minutes(RecordFactory(unit=world.unit_a, held_on=D(2025, 3, 10), status="accepted"))

    report = compute.build(world.root, 2025)
    raw: dict[str, list[int]] = {}
    for (_group, indicator), figures in raw_report(world.root, 2025).items():
        raw[indicator] = [a + b for a, b in zip(raw.get(indicator, [0, 0, 0, 0]), figures, strict=True)]

    assert raw["inspection_board"] == [2, 1, 1, 1]
    assert raw == {
        indicator: [cell.expected, cell.done, cell.on_time, cell.quality]
        for indicator, cell in report.total.cells.items()
        if cell.expected
    }
