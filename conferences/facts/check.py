"""Proving the facts: compare them, row for row, with a recomputation from the records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from conferences.facts.build import FACT_COLUMNS, PERIODS
from conferences.facts.maintain import (
    CUBE_KEY,
    CUBE_SUMS,
    compiled_parts,
    cube_rows,
    rebuild_cube,
    refresh,
    rules_by_year,
)
from conferences.facts.years import built_years
from conferences.models import Fact, FactCube
from units.history import trees_as_of
from units.models import Unit
from units.periods import period_end


@dataclass
class Divergence:
    """The rows of a year that are in the facts but not in a recomputation (``stale``)
    and those a recomputation gives that the facts lack (``missing``)."""

    year: int
    stale: list[tuple[Any, ...]] = field(default_factory=list)
    missing: list[tuple[Any, ...]] = field(default_factory=list)
    cube: int = 0  # per-node sums that differ from the facts' sums

    @property
    def unit_ids(self) -> list[int]:
        return sorted({row[0] for row in [*self.stale, *self.missing]})

    def __bool__(self) -> bool:
        return bool(self.stale or self.missing or self.cube)


def years_to_check() -> list[int]:
    """The built years: a year not built has no facts to prove (``years.missing_years``
    names those that should be built)."""
    return built_years()


def check_year(year: int) -> Divergence:
    """Both differences (``EXCEPT``) between the year's facts and the same rows computed
    afresh from the records, units and tree: two queries, and only what differs is read."""
    by_year = rules_by_year([year])
    trees = trees_as_of([period_end(year, p) for p in PERIODS])
    parts = compiled_parts(by_year, trees, None, restricted=False)
    columns = ", ".join(connection.ops.quote_name(c) for c in FACT_COLUMNS)
    table = connection.ops.quote_name(Fact._meta.db_table)
    stored = f"SELECT {columns} FROM {table} WHERE year = %s"  # noqa: S608  (names from the model)
    if parts:
        fresh = " UNION ALL ".join(sql for sql, _params in parts)
        fresh_params = [p for _sql, params in parts for p in params]
    else:
        fresh, fresh_params = f"{stored} AND 1 = 0", [year]
    wrapped = f"SELECT * FROM ({fresh}) fresh"  # noqa: S608
    divergence = Divergence(year)
    with connection.cursor() as cursor:
        cursor.execute(f"{stored} EXCEPT {wrapped}", [year, *fresh_params])
        divergence.stale = [tuple(row) for row in cursor.fetchall()]
        cursor.execute(f"{wrapped} EXCEPT {stored}", [*fresh_params, year])
        divergence.missing = [tuple(row) for row in cursor.fetchall()]
    divergence.cube = _cube_differences(year)
    return divergence


def _cube_differences(year: int) -> int:
    """How many per-node sums differ (both ways) from the sums of the year's facts."""
    summed_sql, summed_params = cube_rows(Fact.objects.filter(year=year)).query.sql_with_params()
    kept_sql, kept_params = (
        FactCube.objects.filter(year=year).order_by().values_list(*CUBE_KEY, *CUBE_SUMS).query.sql_with_params()
    )
    summed = f"SELECT * FROM ({summed_sql}) summed WHERE c_expected <> 0"  # noqa: S608
    kept = f"SELECT * FROM ({kept_sql}) kept WHERE expected <> 0"  # noqa: S608
    found = 0
    with connection.cursor() as cursor:
        for first, second, params in (
            (summed, kept, [*summed_params, *kept_params]),
            (kept, summed, [*kept_params, *summed_params]),
        ):
            cursor.execute(f"SELECT COUNT(*) FROM ({first} EXCEPT {second}) d", params)  # noqa: S608
            found += cursor.fetchone()[0]
    return found


def repair(divergence: Divergence) -> None:
    """Rewrite the facts of the divergent units of that year, then its per-node sums."""
    with transaction.atomic():
        if divergence.unit_ids:
            refresh(units=divergence.unit_ids, years=[divergence.year])
        rebuild_cube([divergence.year])


def unit_codes(unit_ids: list[int]) -> list[str]:
    return list(Unit.objects.filter(pk__in=unit_ids).order_by("code").values_list("code", flat=True))
