"""Completion rates, counted in the database.

For a node and a year, each unit under the node is grouped by the child of the node it
sits under (read off the materialised path, so no recursion), and for each indicator
the database counts, per group: units expected to hold the event, units with an accepted
qualifying record (done), those done by the deadline (on time), and those whose record
meets every quality check. One query per indicator (two with the category breakdown),
whatever the number of units or children.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Left
from django.utils.translation import gettext as _

from conferences.models import CONFERENCE_KINDS, STANDING_KINDS, Attachment, ObligationRule, Record
from conferences.quality import Check
from conferences.rules import rules_for_year
from units.history import TreeAsOf
from units.models import OrgNode, Unit
from units.obligations import Indicator
from units.paths import child_path_length
from units.periods import Period, period_end, tree_for

INDICATORS: tuple[str, ...] = tuple(Indicator.values)
DIRECT_SUFFIX = "/direct"


@dataclass
class Cell:
    expected: int = 0
    done: int = 0
    on_time: int = 0
    quality: int = 0

    @property
    def rate(self) -> float | None:
        return percent(self.done, self.expected)

    @property
    def on_time_rate(self) -> float | None:
        return percent(self.on_time, self.expected)

    @property
    def quality_rate(self) -> float | None:
        return percent(self.quality, self.done)

    def add(self, other: Cell) -> None:
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


def _qualifying_records(rule: ObligationRule, year: int, period: str = Period.YEAR) -> QuerySet[Record]:
    """Accepted records of the rule's kind that count for ``year`` up to the period's end."""
    records = Record.objects.filter(kind=rule.kind, status=Record.Status.ACCEPTED)
    until = period_end(year, period)
    if rule.kind in STANDING_KINDS:
        return records.filter(held_on__lte=until)
    records = records.filter(year=year)
    return records if period == Period.YEAR else records.filter(held_on__lte=until)


def _checked(records: QuerySet[Record], rule: ObligationRule) -> tuple[QuerySet[Record], dict[str, Q]]:
    """Annotate ``records`` with what the quality checks need; return each check's pass
    condition. The same checks as conferences.quality, said in SQL."""
    annotated = records
    checks: dict[str, Q] = {}
    if rule.kind in CONFERENCE_KINDS and rule.quorum_percent is not None:
        # attended·100 >= (quorum − 0.005)·invited, i.e. the rate rounded half up to the
        # rule's two decimals reaches it; in integers, times 200.
        annotated = annotated.annotate(attended_x20000=F("attended") * 20000)
        checks[Check.QUORUM] = Q(
            invited__gt=0,
            attended__isnull=False,
            attended_x20000__gte=F("invited") * (2 * int(rule.quorum_percent * 100) - 1),
        )
    required = [c.pk for c in rule.contents.all() if c.is_active]
    if required:
        covered = (
            Record.contents.through.objects.filter(record_id=OuterRef("pk"), contentitem_id__in=required)
            .order_by()
            .values("record_id")
            .annotate(n=Count("contentitem_id"))
            .values("n")
        )
        annotated = annotated.annotate(covered=Coalesce(Subquery(covered, output_field=IntegerField()), Value(0)))
        checks[Check.CONTENTS] = Q(covered=len(required))
    if rule.kind not in STANDING_KINDS:
        minutes = Attachment.objects.filter(record=OuterRef("pk"), purpose=Attachment.Purpose.MINUTES)
        annotated = annotated.annotate(has_minutes=Exists(minutes))
        checks[Check.MINUTES] = Q(has_minutes=True)
    if rule.requires_resolution:
        checks[Check.RESOLUTION] = Q(resolution_adopted=True)
    return annotated, checks


def annotated_units(
    units: QuerySet[Unit], rule: ObligationRule, year: int, period: str = Period.YEAR, *, with_record: bool = False
) -> QuerySet[Unit]:
    """``units`` with ``done``, ``in_time`` and ``good`` (each implies ``done``) and, when
    asked, ``record_id``: the earliest qualifying record, the one the unit is counted by."""
    records = _qualifying_records(rule, year, period).filter(unit=OuterRef("pk"))
    on_time = records if rule.deadline is None else records.filter(held_on__lte=rule.deadline)
    annotated, checks = _checked(records, rule)
    good = annotated.filter(*checks.values())
    units = units.annotate(done=Exists(records), in_time=Exists(on_time), good=Exists(good))
    if with_record:
        first = records.order_by("held_on", "pk").values("pk")[:1]
        units = units.annotate(record_id=Subquery(first, output_field=IntegerField()))
    return units


def quality_failures(
    node: OrgNode, year: int, period: str = Period.YEAR, *, exclude_paths: Iterable[str] = ()
) -> dict[str, dict[str, int]]:
    """Per indicator, how many accepted records fail each quality check (one query each)."""
    rules = rules_for_year(year)
    units = units_under(node, year, period, exclude_paths)
    result: dict[str, dict[str, int]] = {}
    for indicator in INDICATORS:
        rule = rules.get(indicator)
        if rule is None:
            continue
        records = _qualifying_records(rule, year, period).filter(unit__in=expected_units(units, rule, year, period))
        annotated, checks = _checked(records, rule)
        if not checks:
            continue
        counts = annotated.aggregate(**{code: Count("pk", filter=~q) for code, q in checks.items()})
        if failed := {code: n for code, n in counts.items() if n}:
            result[indicator] = failed
    return result


def expected_units(units: QuerySet[Unit], rule: ObligationRule, year: int, period: str = Period.YEAR) -> QuerySet[Unit]:
    """Units active during the period whose category (and size) the rule binds."""
    expected = units.active_in_year(year).filter(category__in=rule.categories)  # type: ignore[attr-defined]
    if period != Period.YEAR:
        expected = expected.filter(Q(established_on__isnull=True) | Q(established_on__lte=period_end(year, period)))
    if rule.min_employees is not None:
        expected = expected.filter(employees__gte=rule.min_employees)
    return expected


def _counts(
    units: QuerySet[Unit], rule: ObligationRule, year: int, period: str, group: Any
) -> Iterable[dict[str, Any]]:
    annotated = annotated_units(expected_units(units, rule, year, period), rule, year, period)
    return (
        annotated.order_by()
        .annotate(group=group)
        .values("group")
        .annotate(
            expected=Count("pk"),
            done_n=Count("pk", filter=Q(done=True)),
            on_time_n=Count("pk", filter=Q(done=True, in_time=True)),
            quality_n=Count("pk", filter=Q(done=True, good=True)),
        )
    )


def units_under(
    node: OrgNode | None, year: int, period: str = Period.YEAR, exclude_paths: Iterable[str] = ()
) -> QuerySet[Unit]:
    """Units under ``node`` on the period's last day, except those under the given subtrees
    (closed children, by their path then); annotated with ``hist_node_id`` and ``hist_path``."""
    return tree_for(year, period).units_under(node, exclude_paths=tuple(exclude_paths))


Grouped = Iterable[tuple[str, str, Cell]]  # (group, indicator, cell)


def build(
    node: OrgNode,
    year: int,
    *,
    by_category: bool = False,
    period: str = Period.YEAR,
    exclude_paths: Iterable[str] = (),
) -> Report:
    """The report of ``node`` for ``year``: a row per child (and for directly held units)."""
    rules = rules_for_year(year)
    tree = tree_for(year, period)
    units = tree.units_under(node, exclude_paths=tuple(exclude_paths))
    prefix_length = child_path_length(tree.path_of(node))
    by_child: list[tuple[str, str, Cell]] = []
    by_cat: list[tuple[str, str, Cell]] | None = [] if by_category else None
    for indicator in INDICATORS:
        rule = rules.get(indicator)
        if rule is None:
            continue
        for row in _counts(units, rule, year, period, Left("hist_path", prefix_length)):
            by_child.append(
                (row["group"], indicator, Cell(row["expected"], row["done_n"], row["on_time_n"], row["quality_n"]))
            )
        if by_cat is not None:
            for row in _counts(units, rule, year, period, F("category")):
                by_cat.append(
                    (row["group"], indicator, Cell(row["expected"], row["done_n"], row["on_time_n"], row["quality_n"]))
                )
    return assemble(node, year, period, by_child, by_cat, tree=tree)


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


@dataclass
class Missing:
    unit_id: int
    code: str
    name: str
    node_name: str
    missing: list[str]
    chair_name: str
    chair_email: str
    chair_phone: str


def non_compliant(
    node: OrgNode | None,
    year: int,
    *,
    limit: int | None = None,
    only: Iterable[int] | None = None,
    period: str = Period.YEAR,
    exclude_paths: Iterable[str] = (),
) -> list[Missing]:
    """Units expected to hold an event that have no accepted record for it: one query per
    indicator. ``node`` None with ``only`` checks just those units."""
    rules = rules_for_year(year)
    units = units_under(node, year, period, exclude_paths)
    if only is not None:
        units = units.filter(pk__in=list(only))
    missing: dict[int, set[str]] = {}
    for indicator in INDICATORS:
        rule = rules.get(indicator)
        if rule is None:
            continue
        records = _qualifying_records(rule, year, period).filter(unit=OuterRef("pk"))
        ids = expected_units(units, rule, year, period).filter(~Exists(records)).values_list("pk", flat=True)
        for unit_id in ids.iterator(chunk_size=5000):
            missing.setdefault(unit_id, set()).add(indicator)
    return missing_details(missing, limit=limit)


def missing_details(missing: dict[int, set[str]], *, limit: int | None = None) -> list[Missing]:
    """The units of ``{unit_id: indicators lacking}`` with their chairs, ordered by node and code."""
    selected = sorted(missing)[:limit] if limit else sorted(missing)
    result: list[Missing] = []
    for start in range(0, len(selected), 5000):
        chunk = selected[start : start + 5000]
        for unit in Unit.objects.filter(pk__in=chunk).select_related("node").order_by("node__name", "code"):
            result.append(
                Missing(
                    unit_id=unit.pk,
                    code=unit.code,
                    name=unit.name,
                    node_name=unit.node.name,
                    missing=[i for i in INDICATORS if i in missing[unit.pk]],
                    chair_name=unit.chair_name,
                    chair_email=unit.chair_email,
                    chair_phone=unit.chair_phone,
                )
            )
    return result


def cell_payload(cell: Cell) -> dict[str, Any]:
    return {
        "expected": cell.expected,
        "done": cell.done,
        "on_time": cell.on_time,
        "quality": cell.quality,
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
    missing: list[Missing],
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
        "missing": [missing_payload(m) for m in missing],
    }


def _json_cell(cell: dict[str, Any]) -> dict[str, Any]:
    keys = ("expected", "done", "on_time", "quality", "rate", "on_time_rate", "quality_rate")
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
    }


MISSING_KEPT = 500


def compact(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as stored with a run: the missing list cut to the units lacking the most.

    The full list lives in the run's XLSX and PDF; keeping 100,000 names in every stored
    payload would make each dashboard view read megabytes.
    """
    missing = sorted(payload["missing"], key=lambda m: (-len(m["missing"]), m["node"], m["code"]))
    return {**payload, "missing": missing[:MISSING_KEPT], "missing_total": len(missing)}
