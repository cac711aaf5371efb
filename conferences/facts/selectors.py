"""Reading the facts: the figures, the missing units, the failing checks and the per-unit
rows of a node, each one query over the rows under the node's path on the period's last
day, answered as tuples (no model objects)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Left

from conferences.facts.build import FAILURE_COLUMNS
from conferences.models import Fact

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


def counts(scope: Scope, *, prefix_length: int | None = None) -> list[tuple[str, str, int, int, int, int]]:
    """``(group, indicator, expected, done, on_time, quality)`` of the expected rows, grouped
    by the first ``prefix_length`` characters of the node path (a child's path), or by
    category when None. One GROUP BY."""
    group = Left("node_path", prefix_length) if prefix_length is not None else F("category")
    return list(
        facts_in(scope)
        .filter(expected=True)
        .order_by()
        .annotate(group=group)
        .values("group", "indicator")
        .annotate(
            n=Count("pk"),
            done_n=Count("pk", filter=Q(done=True)),
            on_time_n=Count("pk", filter=Q(on_time=True)),
            quality_n=Count("pk", filter=Q(quality=True)),
        )
        .values_list("group", "indicator", "n", "done_n", "on_time_n", "quality_n")
    )


def missing_pairs(scope: Scope) -> Iterator[tuple[int, str]]:
    """``(unit_id, indicator)`` of every obligation not met, streamed."""
    rows = facts_in(scope).filter(expected=True, done=False).order_by().values_list("unit_id", "indicator")
    return rows.iterator(chunk_size=5000)


def check_failures(scope: Scope) -> dict[str, dict[str, int]]:
    """Per indicator, how many qualifying records of expected units fail each quality check."""
    sums = (
        facts_in(scope)
        .filter(expected=True)
        .order_by()
        .values("indicator")
        .annotate(**{code: Sum(column) for code, column in FAILURE_COLUMNS.items()})
    )
    result: dict[str, dict[str, int]] = {}
    for row in sums:
        if failed := {code: row[code] for code in FAILURE_COLUMNS if row[code]}:
            result[row["indicator"]] = failed
    return result


def unit_rows(scope: Scope, *, filters: dict[str, Any] | None = None, expected_only: bool = True) -> QuerySet[Any]:
    """One tuple per unit × indicator under the scope (``UNIT_ROW_COLUMNS``), ordered by
    node name, unit code and indicator: what a per-unit grid pages through. ``filters``
    are further field lookups on the facts (``{"indicator": …, "done": False}``)."""
    rows = facts_in(scope)
    if expected_only:
        rows = rows.filter(expected=True)
    if filters:
        rows = rows.filter(**filters)
    return rows.order_by("node__name", "unit__code", "indicator").values_list(*UNIT_ROW_COLUMNS)
