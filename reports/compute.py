"""Completion rates, counted in the database from the report facts.

For a node and a year, each unit under the node is grouped by the child of the node it
sat under on the period's last day (read off the materialised path kept in its fact
rows, so no recursion), and the database counts, per group and indicator: units
expected to hold the event, units with an accepted qualifying record (done), those done
by the deadline (on time), and those whose record meets every quality check. One
GROUP BY over the facts (two with the category breakdown), whatever the number of
units or children; the facts themselves are kept current by ``conferences.facts``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from conferences.facts import selectors as fact_selectors
from conferences.facts.preparing import ensure_current
from conferences.facts.selectors import Scope
from conferences.obligations import INDICATORS, Indicator
from conferences.rules import rules_for_year
from reports.missing import MissingList, lacking_most_key
from units.history import TreeAsOf
from units.models import OrgNode, Unit
from units.paths import child_path_length
from units.periods import Period, PeriodClose, tree_for

DIRECT_SUFFIX = "/direct"


@dataclass
class Cell:
    expected: int = 0
    done: int = 0
    on_time: int = 0
    quality: int = 0
    # Units done whose quality could be judged (imported history without contents,
    # resolution, format or headcount cannot be): the quality rate's denominator. None in
    # figures stored before it was counted, whose rate was quality / done.
    assessed: int | None = None

    @property
    def rate(self) -> float | None:
        return percent(self.done, self.expected)

    @property
    def on_time_rate(self) -> float | None:
        return percent(self.on_time, self.expected)

    @property
    def judged(self) -> int:
        return self.done if self.assessed is None else self.assessed

    @property
    def quality_rate(self) -> float | None:
        """Quality among the units whose quality could be judged: never counts a unit
        whose records were imported without the history that judges them as failing."""
        return percent(self.quality, self.judged)

    def add(self, other: Cell) -> None:
        self.assessed = self.judged + other.judged
        self.expected += other.expected
        self.done += other.done
        self.on_time += other.on_time
        self.quality += other.quality


@dataclass
class Row:
    """One line of the report: a child node (or the node itself for units filed directly)."""

    node_id: int
    code: str
    name: str
    path: str = ""
    cells: dict[str, Cell] = field(default_factory=lambda: {i: Cell() for i in INDICATORS})


@dataclass
class Report:
    node: OrgNode
    year: int
    rows: list[Row]
    total: Row
    by_category: dict[str, dict[str, Cell]] | None = None
    period: str = Period.YEAR


def percent(part: int, whole: int) -> float | None:
    """Percentage with one decimal, rounded half up as people do by hand; None when whole is 0."""
    if whole == 0:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(value)


def quality_failures(
    node: OrgNode, year: int, period: str = Period.YEAR, *, exclude_paths: Iterable[str] = ()
) -> dict[str, dict[str, int]]:
    """Per indicator, how many accepted records fail each quality check (one query)."""
    ensure_current(year, rules_for_year(year))
    scope = Scope(year, period, tree_for(year, period).path_of(node), tuple(exclude_paths))
    return fact_selectors.check_failures(scope)


Grouped = Iterable[tuple[str, str, Cell]]  # (group, indicator, cell)


def build(
    node: OrgNode,
    year: int,
    *,
    by_category: bool = False,
    period: str = Period.YEAR,
    exclude_paths: Iterable[str] = (),
) -> Report:
    """The report of ``node`` for ``year``: a row per child (and for directly held units),
    counted from the facts in one GROUP BY (two with the category breakdown)."""
    ensure_current(year, rules_for_year(year))
    tree = tree_for(year, period)
    own_path = tree.path_of(node)
    scope = Scope(year, period, own_path, tuple(exclude_paths))
    by_child = _cells(fact_selectors.counts(scope, prefix_length=child_path_length(own_path)))
    by_cat = _cells(fact_selectors.counts(scope)) if by_category else None
    return assemble(node, year, period, by_child, by_cat, tree=tree)


def _cells(counted: Iterable[tuple[str, str, int, int, int, int, int]]) -> list[tuple[str, str, Cell]]:
    return [(group, indicator, Cell(*figures)) for group, indicator, *figures in counted]


def assemble(
    node: OrgNode, year: int, period: str, by_child: Grouped, by_cat: Grouped | None, *, tree: TreeAsOf
) -> Report:
    """Put counts grouped by child path prefix (and by category) into report rows: one per
    node under ``node`` on the period's last day, keyed by its path then."""
    children = {path: n for n, path in tree.children(node)}
    rows = {path: Row(node_id=n.pk, code=n.code, name=n.name, path=path) for path, n in children.items()}
    own_path = tree.path_of(node)
    own = Row(node_id=node.pk, code=node.code, name=node.name, path=own_path)
    total = Row(node_id=node.pk, code=node.code, name=node.name, path=own_path)
    for group, indicator, cell in by_child:
        rows.get(group, own).cells[indicator].add(cell)
        total.cells[indicator].add(cell)
    categories: dict[str, dict[str, Cell]] | None = None
    if by_cat is not None:
        categories = {}
        for group, indicator, cell in by_cat:
            categories.setdefault(group, {i: Cell() for i in INDICATORS})[indicator].add(cell)
    ordered = list(rows.values())
    if children and any(c.expected for c in own.cells.values()):
        # Units filed directly under a node that also has child nodes get a row of their own.
        own.code = f"{node.code}{DIRECT_SUFFIX}"
        own.name = f"{node.name} ({_('đơn vị trực thuộc trực tiếp')})"
        ordered.append(own)
    return Report(node=node, year=year, rows=ordered, total=total, by_category=categories, period=period)


@dataclass(slots=True)
class Missing:
    unit_id: int
    code: str
    name: str
    node_name: str
    missing: list[str]
    chair_name: str
    chair_email: str
    chair_phone: str


def missing_list(
    node: OrgNode | None,
    year: int,
    *,
    only: Iterable[int] | None = None,
    period: str = Period.YEAR,
    exclude_paths: Iterable[str] = (),
    closes: Sequence[PeriodClose] = (),
) -> MissingList:
    """Units expected to hold an event that have no accepted record for it, read off the
    facts (and off the ``closes``' snapshots), streamed. ``node`` None with ``only`` checks
    just those units."""
    ensure_current(year, rules_for_year(year))
    path = tree_for(year, period).path_of(node) if node is not None else ""
    scope = Scope(year, period, path, tuple(exclude_paths), tuple(only) if only is not None else None)
    return MissingList(scope=scope, closes=closes)


def non_compliant(
    node: OrgNode | None,
    year: int,
    *,
    only: Iterable[int] | None = None,
    period: str = Period.YEAR,
    exclude_paths: Iterable[str] = (),
) -> list[Missing]:
    """``missing_list`` as a list, for the few callers that need one (reminders)."""
    return [
        Missing(
            unit_id=m["unit_id"],
            code=m["code"],
            name=m["name"],
            node_name=m["node"],
            missing=m["missing"],
            chair_name=m["chair_name"],
            chair_email=m["chair_email"],
            chair_phone=m["chair_phone"],
        )
        for m in missing_list(node, year, only=only, period=period, exclude_paths=exclude_paths)
    ]


def missing_details(missing: dict[int, set[str]], *, limit: int | None = None) -> list[Missing]:
    """The units of ``{unit_id: indicators lacking}`` with their chairs, ordered by node and
    code; read as tuples, a chunk of units at a time."""
    selected = sorted(missing)[:limit] if limit else sorted(missing)
    columns = ("pk", "code", "name", "node__name", "chair_name", "chair_email", "chair_phone")
    result: list[Missing] = []
    for start in range(0, len(selected), 5000):
        chunk = selected[start : start + 5000]
        units = Unit.objects.filter(pk__in=chunk).order_by("node__name", "code").values_list(*columns)
        for unit_id, code, name, node_name, chair_name, chair_email, chair_phone in units:
            result.append(
                Missing(
                    unit_id=unit_id,
                    code=code,
                    name=name,
                    node_name=node_name,
                    missing=[i for i in INDICATORS if i in missing[unit_id]],
                    chair_name=chair_name,
                    chair_email=chair_email,
                    chair_phone=chair_phone,
                )
            )
    return result


def cell_payload(cell: Cell) -> dict[str, Any]:
    return {
        "expected": cell.expected,
        "done": cell.done,
        "on_time": cell.on_time,
        "quality": cell.quality,
        "assessed": cell.judged,
        "rate": cell.rate,
        "on_time_rate": cell.on_time_rate,
        "quality_rate": cell.quality_rate,
    }


def _row_payload(row: Row) -> dict[str, Any]:
    return {
        "node_id": row.node_id,
        "path": row.path,
        "org_code": row.code,
        "org_name": row.name,
        "cells": {i: cell_payload(c) for i, c in row.cells.items()},
    }


def missing_payload(m: Missing) -> dict[str, Any]:
    return {
        "unit_id": m.unit_id,
        "code": m.code,
        "name": m.name,
        "node": m.node_name,
        "missing": m.missing,
        "chair_name": m.chair_name,
        "chair_email": m.chair_email,
        "chair_phone": m.chair_phone,
    }


def to_payload(
    report: Report,
    missing: list[Missing] | MissingList,
    *,
    built_at: datetime.datetime,
    failures: dict[str, dict[str, int]] | None = None,
) -> dict[str, Any]:
    """Everything the exports need, as plain JSON: stored with the run so that a past
    report can be rendered again exactly as it was built."""
    from units.models import Category

    return {
        "org": report.node.code,
        "org_name": report.node.name,
        "year": report.year,
        "period": report.period,
        "built_at": built_at.isoformat(),
        "indicators": [{"code": i, "label": str(Indicator(i).label)} for i in INDICATORS],
        "rows": [_row_payload(r) for r in report.rows],
        "total": _row_payload(report.total),
        "by_category": (
            None
            if report.by_category is None
            else [
                {
                    "category": category,
                    "label": str(Category(category).label),
                    "cells": {i: cell_payload(c) for i, c in cells.items()},
                }
                for category, cells in sorted(report.by_category.items())
            ]
        ),
        "quality_failures": failures or {},
        "missing": missing if isinstance(missing, MissingList) else [missing_payload(m) for m in missing],
    }


def _json_cell(cell: dict[str, Any]) -> dict[str, Any]:
    keys = ("expected", "done", "on_time", "quality", "assessed", "rate", "on_time_rate", "quality_rate")
    return {k: cell.get(k) for k in keys}


def json_export(payload: dict[str, Any]) -> dict[str, Any]:
    """The integration format: one row per child (and the total) per indicator with every
    figure (done, on time, quality and their rates), the category breakdown when the
    report has one, and the units still missing something (``missing_total`` counts them
    all when the stored list was cut)."""
    rows = [
        {
            "org_code": row["org_code"],
            "indicator": indicator,
            **_json_cell(cell),
            "status": row.get("status", "provisional"),
            "version": row.get("version"),
            **followup_json(row, indicator),
        }
        for row in [*payload["rows"], payload["total"]]
        for indicator, cell in row["cells"].items()
    ]
    by_category = payload.get("by_category")
    return {
        "org": payload["org"],
        "year": payload["year"],
        "period": payload.get("period", Period.YEAR),
        "status": payload["total"].get("status", "provisional"),
        "version": payload["total"].get("version"),
        "rows": rows,
        "by_category": None
        if by_category is None
        else [
            {"category": c["category"], "indicator": indicator, **_json_cell(cell)}
            for c in by_category
            for indicator, cell in c["cells"].items()
        ],
        "quality_failures": payload.get("quality_failures", {}),
        "missing": [{k: m[k] for k in ("code", "name", "node", "missing")} for m in payload.get("missing", [])],
        "missing_total": payload.get("missing_total", len(payload.get("missing", []))),
        "followup_as_of": payload.get("followup_as_of"),
    }


def followup_json(row: dict[str, Any], indicator: str) -> dict[str, Any]:
    """A row's follow-up figures for one indicator (None in payloads built before they
    existed) and the rate done on time."""
    figures = (row.get("followup") or {}).get(indicator)
    if figures is None:
        return {"followup": None, "followup_on_time_rate": None}
    keys = ("agreed", "done_on_time", "done_late", "overdue", "dropped")
    return {
        "followup": {k: figures.get(k, 0) for k in keys},
        "followup_on_time_rate": percent(figures.get("done_on_time", 0), figures.get("agreed", 0)),
    }


MISSING_KEPT = 500


def compact(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as stored with a run: the missing list cut to the units lacking the most.

    The full list lives in the run's XLSX and PDF; keeping 100,000 names in every stored
    payload would make each dashboard view read megabytes.
    """
    missing = payload["missing"]
    if isinstance(missing, MissingList):
        return {**payload, "missing": missing.lacking_most(MISSING_KEPT), "missing_total": len(missing)}
    return {**payload, "missing": sorted(missing, key=lacking_most_key)[:MISSING_KEPT], "missing_total": len(missing)}
