"""Follow-up figures in a report's payload, from live items or from a closed snapshot, and
the items behind each of them ("explain this number").

Each payload row (and the total) gains ``"followup": {indicator: {"agreed",
"done_on_time", "done_late", "overdue", "dropped"}}`` and the payload
``"followup_as_of"``. A row read from a child's closed version takes that version's
total; the report's total is the live groups plus the closed children's totals, so it is
always the sum of what its lists hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, Count, QuerySet, Value
from django.db.models.functions import Left

from conferences.facts.selectors import Scope
from reports.followup import queries
from reports.followup.models import FollowUpSnapshotRow
from units.history import TreeAsOf
from units.models import OrgNode
from units.paths import child_path_length
from units.periods import PeriodClose, period_end


def empty() -> dict[str, int]:
    return dict.fromkeys(queries.FIGURES, 0)


def _add(into: dict[str, int], other: dict[str, int] | None) -> None:
    for key in queries.FIGURES:
        into[key] += (other or {}).get(key, 0)


def _fill(payload: dict[str, Any], counted: Iterable[tuple[str, str, str, int]], own_id: int) -> None:
    """Put ``(group, indicator, bucket, n)`` into the payload's rows and total."""
    indicators = [i["code"] for i in payload["indicators"]]
    rows = payload["rows"]
    for row in [*rows, payload["total"]]:
        row["followup"] = {i: empty() for i in indicators}
    by_path = {row["path"]: row for row in rows if row["node_id"] != own_id}
    own = next((row for row in rows if row["node_id"] == own_id), None)
    for group, indicator, bucket, n in counted:
        if indicator not in payload["total"]["followup"]:
            continue
        targets = [payload["total"]]
        row = by_path.get(group, own)
        if row is not None:
            targets.append(row)
        for target in targets:
            figures = target["followup"][indicator]
            figures["agreed"] += n
            if bucket in figures:
                figures[bucket] += n


def attach_live(
    payload: dict[str, Any], node: OrgNode, *, tree: TreeAsOf, exclude_paths: list[str], closed: dict[int, PeriodClose]
) -> None:
    """Live follow-up figures (one GROUP BY), each closed child's row from its version."""
    year, period = payload["year"], payload["period"]
    day = queries.as_of(year, period)
    own_path = tree.path_of(node)
    scope = Scope(year, period, own_path, tuple(exclude_paths))
    _fill(payload, queries.counts(scope, day, prefix_length=child_path_length(own_path)), node.pk)
    payload["followup_as_of"] = day.isoformat()
    for row in payload["rows"]:
        close = closed.get(row["node_id"])
        if row.get("status") == "closed" and close is not None and close.result:
            row["followup"] = close.result["total"].get("followup") or {}
            for indicator, figures in payload["total"]["followup"].items():
                _add(figures, row["followup"].get(indicator))


def attach_snapshot(payload: dict[str, Any], close: PeriodClose, tree: TreeAsOf) -> None:
    """A closed version's follow-up figures, read off its snapshot (one GROUP BY)."""
    prefix_length = child_path_length(tree.path_of(close.node))
    rows = (
        FollowUpSnapshotRow.objects.filter(close=close)
        .order_by()
        .annotate(group=Left("node_path", prefix_length))
        .values("group", "indicator", "bucket")
        .annotate(n=Count("pk"))
    )
    _fill(payload, [(r["group"], r["indicator"], r["bucket"], r["n"]) for r in rows], close.node_id)
    payload["followup_as_of"] = period_end(close.year, close.period).isoformat()


SNAPSHOT_COLUMNS = (
    "close_id",
    "item_id",
    "unit_id",
    "indicator",
    "node_id",
    "node_path",
    "category",
    "bucket",
    "text",
    "due_on",
    "done_on",
    "record_id",
)


def _insert(sql: str, params: Iterable[Any]) -> int:
    columns = ", ".join(connection.ops.quote_name(c) for c in SNAPSHOT_COLUMNS)
    table = connection.ops.quote_name(FollowUpSnapshotRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)
        return cursor.rowcount


def write_snapshot(close: PeriodClose, tree: TreeAsOf, copied: list[PeriodClose]) -> int:
    """Freeze the close's items with ``INSERT … SELECT``: the closed children's rows as
    they were, and the rest as of the period's last day. Returns how many were written."""
    close_id = Value(close.pk, output_field=BigIntegerField())
    written = 0
    for child in copied:
        rows = (
            FollowUpSnapshotRow.objects.filter(close=child)
            .order_by()
            .annotate(s_close=close_id)
            .values_list("s_close", *SNAPSHOT_COLUMNS[1:])
        )
        written += _insert(*rows.query.sql_with_params())
    paths = tree.paths_of([c.node for c in copied])
    scope = Scope(close.year, close.period, tree.path_of(close.node), tuple(paths[c.node_id] for c in copied))
    sql, params = queries.placed_rows(scope, period_end(close.year, close.period))
    return written + _insert(f"SELECT %s, placed.* FROM ({sql}) placed", (close.pk, *params))  # noqa: S608


def from_snapshot(close: PeriodClose, *, indicator: str, figure: str, row: int | None) -> QuerySet[Any]:
    """The frozen items behind a figure of a closed version (rows as in ``explain``)."""
    rows = FollowUpSnapshotRow.objects.filter(close=close, indicator=indicator)
    result = close.result or {}
    if row is not None:
        payload_rows = {r["node_id"]: r for r in result.get("rows", [])}
        if row == close.node_id:
            rows = rows.filter(node_path__startswith=result["total"]["path"])
            for other in payload_rows.values():
                if other["node_id"] != close.node_id:
                    rows = rows.exclude(node_path__startswith=other["path"])
        elif row in payload_rows:
            rows = rows.filter(node_path__startswith=payload_rows[row]["path"])
        else:
            return queries.snapshot_listed(rows.none(), figure=figure)
    return queries.snapshot_listed(rows, figure=figure).order_by("node_name", "unit_code", "item_ref")


def live(node: OrgNode, year: int, period: str, *, indicator: str, figure: str, row: int | None) -> QuerySet[Any]:
    """The items behind a figure of the live report of ``node``: a closed child answers
    from its version, and the total joins the live rest with those versions' rows."""
    from conferences.facts.preparing import ensure_current
    from conferences.rules import rules_for_year
    from reports import compute
    from reports.closing import closed_children

    # The items are placed by the facts of the year: built (and current) first.
    ensure_current(year, rules_for_year(year))
    tree = compute.tree_for(year, period)
    children = tree.children(node)
    closed = closed_children(node, year, period, tree)
    own_path = tree.path_of(node)
    day = queries.as_of(year, period)
    if row is None:
        scope = Scope(year, period, own_path, tuple(path for n, path in children if n.pk in closed))
    elif row == node.pk:
        scope = Scope(year, period, own_path, tuple(path for _n, path in children))
    elif row in closed:
        return from_snapshot(closed[row], indicator=indicator, figure=figure, row=None)
    else:
        child = next((path for n, path in children if n.pk == row), None)
        if child is None:
            return queries.snapshot_listed(FollowUpSnapshotRow.objects.none(), figure=figure)
        scope = Scope(year, period, child)
    items = queries.listed(scope, day, indicator=indicator, figure=figure)
    if row is None and closed:
        parts = [from_snapshot(c, indicator=indicator, figure=figure, row=None).order_by() for c in closed.values()]
        return items.order_by().union(*parts, all=True).order_by("node_name", "unit_code", "item_ref")
    return items.order_by("node_name", "unit_code", "item_ref")
