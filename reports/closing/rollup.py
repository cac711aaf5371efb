"""The roll-up: a live report of a node whose closed children are read from their
closed versions, each row marked closed (and which version) or provisional."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from reports import compute
from reports.missing import MissingList
from units.history import TreeAsOf
from units.models import OrgNode
from units.periods import PeriodClose, tree_for


def current_closes(nodes: list[OrgNode] | QuerySet[OrgNode], year: int, period: str) -> dict[int, PeriodClose]:
    """The newest version per node (closed, reopened, being built or failed): one query."""
    latest: dict[int, PeriodClose] = {}
    for close in (
        PeriodClose.objects.filter(node__in=nodes, year=year, period=period)
        .select_related("closed_by", "reopened_by")
        .defer("result")
        .order_by("node_id", "-version")
    ):
        latest.setdefault(close.node_id, close)
    return latest


def closed_children(node: OrgNode, year: int, period: str, tree: TreeAsOf | None = None) -> dict[int, PeriodClose]:
    """The nodes under ``node`` on the period's last day whose period is closed now
    (pass the period's ``tree`` when the caller has one, to reuse what it read)."""
    tree = tree or tree_for(year, period)
    children = [child.pk for child, _path in tree.children(node)]
    return {
        c.node_id: c
        for c in PeriodClose.objects.filter(
            node__in=children, year=year, period=period, status=PeriodClose.Status.CLOSED
        )
        .select_related("node")
        .order_by("node__code")
    }


def _sum_cells(cells: list[dict[str, Any]]) -> dict[str, Any]:
    total = compute.Cell()
    for c in cells:
        total.add(compute.Cell(c["expected"], c["done"], c["on_time"], c["quality"], c.get("assessed")))
    return compute.cell_payload(total)


def roll_up(
    report: compute.Report,
    missing: list[compute.Missing] | MissingList,
    failures: dict[str, dict[str, int]],
    closed: dict[int, PeriodClose],
) -> dict[str, Any]:
    """A live report of a node whose closed children are read from their snapshots.

    ``report`` and ``failures`` were counted live without the closed children's
    subtrees; each closed child's row, categories and failures come from its closed
    version (``missing`` already combines live and snapshot units). Every row says whether it is closed (and which
    version) or provisional (chưa chốt).
    """
    payload = compute.to_payload(report, missing, built_at=timezone.now(), failures=failures)
    indicators = [i["code"] for i in payload["indicators"]]
    for row in payload["rows"]:
        close = closed.get(row["node_id"])
        if close is not None and row["node_id"] != report.node.pk and close.result:
            row["cells"] = close.result["total"]["cells"]
            row |= {"status": "closed", "version": close.version, "close_id": close.pk}
        else:
            row |= {"status": "provisional", "version": None}
    if payload["rows"]:
        payload["total"]["cells"] = {i: _sum_cells([r["cells"][i] for r in payload["rows"]]) for i in indicators}
    payload["total"] |= {"status": "provisional", "version": None}
    closed_results = [c.result for c in closed.values() if c.result]
    if payload["by_category"] is not None:
        merged: dict[str, dict[str, Any]] = {c["category"]: c for c in payload["by_category"]}
        for result in closed_results:
            for category in result.get("by_category") or []:
                mine = merged.setdefault(category["category"], {**category, "cells": {}})
                mine["cells"] = {
                    i: _sum_cells([c for c in (mine["cells"].get(i), category["cells"].get(i)) if c])
                    for i in indicators
                }
        payload["by_category"] = [merged[k] for k in sorted(merged)]
    for result in closed_results:
        for indicator, counts in result.get("quality_failures", {}).items():
            mine = payload["quality_failures"].setdefault(indicator, {})
            for check, n in counts.items():
                mine[check] = mine.get(check, 0) + n
    return payload
