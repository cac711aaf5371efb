"""Writing a close's snapshot: one ``SnapshotRow`` per expected unit × indicator, with
``INSERT … SELECT`` statements (one per indicator, one per closed child copied), so
closing the root of 200,000 units issues no query per unit."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, QuerySet, Value

from conferences.rules import rules_for_year
from reports.models import SnapshotRow
from units.history import TreeAsOf
from units.periods import PeriodClose

SNAPSHOT_COLUMNS = (
    "close_id",
    "unit_id",
    "indicator",
    "node_id",
    "node_path",
    "category",
    "done",
    "on_time",
    "quality",
    "record_id",
    "assessed",
)


def _highest_closed_below(close: PeriodClose, tree: TreeAsOf) -> list[tuple[PeriodClose, str]]:
    """Closed versions of nodes below ``close.node`` on the period's last day, keeping only
    the highest of each branch (a closed child already holds its closed grandchildren),
    each with its node's path on that day."""
    own = tree.path_of(close.node)
    candidates = (
        PeriodClose.objects.filter(year=close.year, period=close.period, status=PeriodClose.Status.CLOSED)
        .exclude(node=close.node)
        .select_related("node")
        .defer("result")
    )
    if not tree.changed:  # today's tree is that day's: let the index find the closes below
        candidates = candidates.filter(node__path__startswith=close.node.path)
    candidates = list(candidates)
    paths = tree.paths_of([c.node for c in candidates])
    below = sorted(
        ((c, paths[c.node_id]) for c in candidates if paths[c.node_id].startswith(own)), key=lambda item: item[1]
    )
    highest: list[tuple[PeriodClose, str]] = []
    for candidate, path in below:
        if not any(path.startswith(p) for _c, p in highest):
            highest.append((candidate, path))
    return highest


def _insert_snapshot(rows: QuerySet[Any]) -> int:
    """Insert ``rows``; return how many were written."""
    sql, params = rows.query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(c) for c in SNAPSHOT_COLUMNS)
    table = connection.ops.quote_name(SnapshotRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)
        return cursor.rowcount


def _write_snapshot(close: PeriodClose, tree: TreeAsOf) -> tuple[list[PeriodClose], int]:
    """Copy the closed branches below and the report facts of the rest; return the
    copied closes and how many rows were written.

    Fact rows place units where they were on the period's last day (``node_id`` and
    ``node_path``), so a later move or merge does not change a closed period.
    """
    highest = _highest_closed_below(close, tree)
    close_id = Value(close.pk, output_field=BigIntegerField())
    written = 0
    for child, _path in highest:
        written += _insert_snapshot(
            SnapshotRow.objects.filter(close=child)
            .order_by()
            .annotate(s_close=close_id)
            .values_list("s_close", *SNAPSHOT_COLUMNS[1:])
        )
    from conferences.facts.preparing import ensure_current
    from conferences.facts.selectors import Scope, facts_in
    from conferences.facts.years import hold_year

    # The rest is a copy of the fact rows the live figures are counted from, which
    # nothing may drop or rebuild until the close commits. The job brought them up to
    # date just before; they are built again here only if a rule changed or they were
    # dropped meanwhile.
    hold_year(close.year)
    ensure_current(close.year, rules_for_year(close.year))
    scope = Scope(close.year, close.period, tree.path_of(close.node), tuple(path for _c, path in highest))
    written += _insert_snapshot(
        facts_in(scope)
        .filter(expected=True)
        .order_by()
        .annotate(s_close=close_id)
        .values_list("s_close", *SNAPSHOT_COLUMNS[1:])
    )
    return [c for c, _path in highest], written
