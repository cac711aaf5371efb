"""Proving the facts: compare them, row for row, with a recomputation from the records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from conferences.facts.build import FACT_COLUMNS, PERIODS
from conferences.facts.maintain import compiled_parts, refresh, rule_years, rules_by_year
from conferences.models import Fact
from units.history import trees_as_of
from units.models import Unit
from units.obligations import period_end


@dataclass
class Divergence:
    """The rows of a year that are in the facts but not in a recomputation (``stale``)
    and those a recomputation gives that the facts lack (``missing``)."""

    year: int
    stale: list[tuple[Any, ...]] = field(default_factory=list)
    missing: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def unit_ids(self) -> list[int]:
        return sorted({row[0] for row in [*self.stale, *self.missing]})

    def __bool__(self) -> bool:
        return bool(self.stale or self.missing)


def years_to_check() -> list[int]:
    return sorted(set(rule_years()) | set(Fact.objects.values_list("year", flat=True).distinct()))


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
    return divergence


def repair(divergence: Divergence) -> None:
    """Rewrite the facts of the divergent units of that year."""
    refresh(units=divergence.unit_ids, years=[divergence.year])


def unit_codes(unit_ids: list[int]) -> list[str]:
    return list(Unit.objects.filter(pk__in=unit_ids).order_by("code").values_list("code", flat=True))
