""" "Explain this number": the units behind a count of a report.

A figure is addressed by its source (a closed version's snapshot, or live data for a
node, year and period), a row (a child node, the units filed directly under the node,
or the whole node), an indicator and one of the figures. The list is a queryset of the
same shape from either source, so its length is the figure by construction: the
snapshot lists are read from the rows the closed figures were counted from, and the
live lists from the fact rows the live figures are counted from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from conferences.facts.preparing import ensure_current
from conferences.facts.selectors import Scope, facts_in
from conferences.rules import rules_for_year
from reports import compute
from reports.models import SnapshotRow
from units.models import OrgNode, Unit
from units.periods import PeriodClose

FIGURES: dict[str, Any] = {
    "expected": _("Phải thực hiện"),
    "done": _("Đã thực hiện"),
    "on_time": _("Đúng hạn"),
    "quality": _("Đạt chất lượng"),
    # The quality rate's denominator: units done whose quality could be judged.
    "assessed": _("Đã đánh giá chất lượng"),
    "missing": _("Chưa thực hiện"),
}
COLUMNS = ("unit_id", "code", "name", "node_name", "category", "done", "on_time", "quality", "record_id", "assessed")


@dataclass(frozen=True)
class Address:
    """Which figure: ``row`` is a child node's id, the node's own id for units filed
    directly under it, or None for the node's total."""

    indicator: str
    figure: str
    row: int | None = None
    category: str | None = None


def _figure_q(figure: str, *, done: str = "done", on_time: str = "on_time", quality: str = "quality") -> Q:
    return {
        "expected": Q(),
        "done": Q(**{done: True}),
        "on_time": Q(**{on_time: True}),
        "quality": Q(**{quality: True}),
        # Done too: snapshot rows of closes made before "assessed" was kept are all True.
        "assessed": Q(**{done: True}, assessed=True),
        "missing": Q(**{done: False}),
    }[figure]


def from_snapshot(close: PeriodClose, address: Address) -> QuerySet[SnapshotRow]:
    """The snapshot rows behind a figure of a closed version."""
    rows = SnapshotRow.objects.filter(close=close, indicator=address.indicator)
    if address.category:
        rows = rows.filter(category=address.category)
    if address.row is not None:
        payload_rows = {r["node_id"]: r for r in (close.result or {}).get("rows", [])}
        if address.row == close.node_id:
            # The node's own row holds every unit not under one of the listed children.
            rows = rows.filter(node_path__startswith=(close.result or {})["total"]["path"])
            for row in payload_rows.values():
                if row["node_id"] != close.node_id:
                    rows = rows.exclude(node_path__startswith=row["path"])
        elif address.row in payload_rows:
            rows = rows.filter(node_path__startswith=payload_rows[address.row]["path"])
        else:
            return rows.none()
    return (
        rows.filter(_figure_q(address.figure))
        .annotate(code=F("unit__code"), name=F("unit__name"), node_name=F("node__name"))
        .values(*COLUMNS)
        .order_by("node_name", "code")
    )


def live(node: OrgNode, year: int, period: str, address: Address) -> QuerySet[Any]:
    """The units behind a figure of the live report of ``node``, read off the facts the
    report counts, so the list's length is the figure.

    Like the report, a child whose period is closed answers from its snapshot: its own
    row is its closed list, and the node's total is the live units of the other children
    joined (UNION ALL) with the closed children's snapshot rows.
    """
    from reports.closing import closed_children

    rules = rules_for_year(year)
    if address.indicator not in rules:
        return Unit.objects.none()
    ensure_current(year, rules)
    tree = compute.tree_for(year, period)
    children = tree.children(node)
    closed = closed_children(node, year, period, tree)
    own_path = tree.path_of(node)
    if address.row is None:
        scope = Scope(year, period, own_path, tuple(path for n, path in children if n.pk in closed))
    elif address.row == node.pk:
        # The node's own row holds every unit not under one of its children then.
        scope = Scope(year, period, own_path, tuple(path for _n, path in children))
    elif address.row in closed:
        return from_snapshot(closed[address.row], Address(address.indicator, address.figure, None, address.category))
    else:
        child = next((path for n, path in children if n.pk == address.row), None)
        if child is None:
            return Unit.objects.none()
        scope = Scope(year, period, child)
    rows = facts_in(scope).filter(indicator=address.indicator, expected=True)
    if address.category:
        rows = rows.filter(category=address.category)
    listed = (
        rows.filter(_figure_q(address.figure))
        .annotate(code=F("unit__code"), name=F("unit__name"), node_name=F("node__name"))
        .values(*COLUMNS)
    )
    if address.row is None and closed:
        whole = Address(address.indicator, address.figure, None, address.category)
        parts = [from_snapshot(c, whole).order_by() for c in closed.values()]
        return listed.order_by().union(*parts, all=True).order_by("node_name", "code")
    return listed.order_by("node_name", "code")
