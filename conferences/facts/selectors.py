"""Reading the facts: the figures and the failing checks (from the per-node sums), the
missing units and the per-unit rows of a node (from the facts), each one query over the
rows under the node's path on the period's last day, answered as tuples."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Left

from conferences.facts.build import FAILURE_COLUMNS
from conferences.models import Fact, FactCube
from units.history import TreeAsOf
from units.models import OrgNode
from units.periods import period_end

# What one row of ``unit_rows`` holds, in order.
UNIT_ROW_COLUMNS: tuple[str, ...] = (
    "unit_id",
    "unit__code",
    "unit__name",
    "node_id",
    "node__name",
    "category",
    "indicator",
    "expected",
    "done",
    "on_time",
    "quality",
    "record_id",
    *FAILURE_COLUMNS.values(),
    "assessed",
)


@dataclass(frozen=True)
class Scope:
    """Which facts: a year and period, the rows under ``path`` (all for ""), minus the
    rows under any of ``exclude_paths``, optionally only ``unit_ids``."""

    year: int
    period: str
    path: str = ""
    exclude_paths: tuple[str, ...] = ()
    unit_ids: tuple[int, ...] | None = None


def facts_in(scope: Scope) -> QuerySet[Fact]:
    rows = Fact.objects.filter(year=scope.year, period=scope.period)
    if scope.path:
        rows = rows.filter(node_path__startswith=scope.path)
    for path in scope.exclude_paths:
        rows = rows.exclude(node_path__startswith=path)
    if scope.unit_ids is not None:
        rows = rows.filter(unit_id__in=scope.unit_ids)
    return rows


def cube_in(scope: Scope) -> QuerySet[FactCube]:
    rows = FactCube.objects.filter(year=scope.year, period=scope.period)
    if scope.path:
        rows = rows.filter(node_path__startswith=scope.path)
    for path in scope.exclude_paths:
        rows = rows.exclude(node_path__startswith=path)
    return rows


def counts(scope: Scope, *, prefix_length: int | None = None) -> list[tuple[str, str, int, int, int, int, int]]:
    """``(group, indicator, expected, done, on_time, quality, assessed)`` of the expected units, grouped
    by the first ``prefix_length`` characters of the node path (a child's path), or by
    category when None: one GROUP BY over the per-node sums, not over the units."""
    group = Left("node_path", prefix_length) if prefix_length is not None else F("category")
    return list(
        cube_in(scope)
        .filter(expected__gt=0)
        .order_by()
        .annotate(group=group)
        .values("group", "indicator")
        .annotate(
            n=Sum("expected"),
            done_n=Sum("done"),
            on_time_n=Sum("on_time"),
            quality_n=Sum("quality"),
            assessed_n=Sum("assessed"),
        )
        .values_list("group", "indicator", "n", "done_n", "on_time_n", "quality_n", "assessed_n")
    )


def missing_facts(scope: Scope) -> QuerySet[Fact]:
    """The facts of every obligation not met (a unit expected, no counted record)."""
    return facts_in(scope).filter(expected=True, done=False)


def check_failures(scope: Scope) -> dict[str, dict[str, int]]:
    """Per indicator, how many qualifying records of expected units fail each quality check."""
    sums = (
        cube_in(scope)
        .order_by()
        .values("indicator")
        .annotate(**{code: Sum(column) for code, column in FAILURE_COLUMNS.items()})
    )
    result: dict[str, dict[str, int]] = {}
    for row in sums:
        if failed := {code: row[code] for code in FAILURE_COLUMNS if row[code]}:
            result[row["indicator"]] = failed
    return result


# What a per-unit cell reads of its fact, in order; a unit the rule does not bind and
# that has no counted record has no fact row, and reads ``NO_FACT``.
CELL_COLUMNS: tuple[str, ...] = ("expected", "done", "on_time", "quality", "assessed", "record_id")
NO_FACT: dict[str, Any] = {
    "expected": False, "done": False, "on_time": False, "quality": False, "assessed": True, "record_id": None,
}  # fmt: skip


def unit_cells(
    unit_ids: Iterable[int], year: int, period: str, indicators: Iterable[str]
) -> dict[tuple[int, str], dict[str, Any]]:
    """``CELL_COLUMNS`` of the given units' facts by (unit id, indicator): one query."""
    rows = Fact.objects.filter(
        year=year, period=period, unit_id__in=list(unit_ids), indicator__in=list(indicators)
    ).values_list("unit_id", "indicator", *CELL_COLUMNS)
    return {(unit_id, indicator): dict(zip(CELL_COLUMNS, rest, strict=True)) for unit_id, indicator, *rest in rows}


def unit_fact(year: int, period: str, indicator: str, **conditions: Any) -> Exists:
    """Whether the unit of the outer query (``pk``) has a fact of ``indicator`` meeting
    ``conditions`` (e.g. ``expected=True, done=False``): one unique-index probe a unit."""
    return Exists(
        Fact.objects.filter(unit_id=OuterRef("pk"), year=year, period=period, indicator=indicator, **conditions)
    )


def unit_fact_rank(year: int, period: str, indicator: str, *, descending: bool = False) -> Coalesce:
    """A number that orders units by their cell of ``indicator``: those it binds first,
    and among them the not done, then the late, then the done (the done first with
    ``descending``)."""
    flags = ("done", "on_time", "quality")
    rank = Case(When(expected=True, then=Value(0)), default=Value(8))
    for weight, flag in zip((4, 2, 1), flags, strict=True):
        rank = rank + Case(When(**{flag: not descending}, then=Value(weight)), default=Value(0))
    facts = Fact.objects.filter(unit_id=OuterRef("pk"), year=year, period=period, indicator=indicator)
    # No row: not bound, not done, as a row of such flags would rank.
    missing = 8 + (7 if descending else 0)
    return Coalesce(Subquery(facts.values(r=rank)[:1], output_field=IntegerField()), Value(missing))


def unit_rows(
    node: OrgNode, year: int, period: str, filters: dict[str, Any] | None = None, *, expected_only: bool = True
) -> QuerySet[Any]:
    """One tuple per unit × indicator under ``node`` as it stood on the period's last day
    (``UNIT_ROW_COLUMNS``), ordered by node name, unit code and indicator: what a per-unit
    grid pages through (slice it; the count is ``.count()``). ``filters`` are further
    lookups on the facts, e.g. ``{"indicator": "worker_conference", "done": False}``.
    The caller scopes ``node`` to what the user may see."""
    rows = facts_in(Scope(year, period, TreeAsOf(period_end(year, period)).path_of(node)))
    if expected_only:
        rows = rows.filter(expected=True)
    if filters:
        rows = rows.filter(**filters)
    return rows.order_by("node__name", "unit__code", "indicator").values_list(*UNIT_ROW_COLUMNS)
