"""Writing a close's snapshot: one ``SnapshotRow`` per expected unit × indicator, with
``INSERT … SELECT`` statements (one per indicator, one per closed child copied), so
closing the root of 200,000 units issues no query per unit."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, CharField, QuerySet, Value

from conferences.rules import rules_for_year
from reports import compute
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


def _insert_snapshot(rows: QuerySet[Any]) -> None:
    sql, params = rows.query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(c) for c in SNAPSHOT_COLUMNS)
    table = connection.ops.quote_name(SnapshotRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)


def _write_snapshot(close: PeriodClose, tree: TreeAsOf) -> list[PeriodClose]:
    """Copy the closed branches below, count the rest live; return the copied closes.

    Units are placed where they were on the period's last day (``hist_node_id`` and
    ``hist_path``), so a later move or merge does not change a closed period.
    """
    highest = _highest_closed_below(close, tree)
    close_id = Value(close.pk, output_field=BigIntegerField())
    for child, _path in highest:
        _insert_snapshot(
            SnapshotRow.objects.filter(close=child)
            .order_by()
            .annotate(s_close=close_id)
            .values_list("s_close", *SNAPSHOT_COLUMNS[1:])
        )
    units = tree.units_under(close.node, exclude_paths=[path for _c, path in highest])
    rules = rules_for_year(close.year)
    for indicator in compute.INDICATORS:
        rule = rules.get(indicator)
        if rule is None:
            continue
        expected = compute.expected_units(units, rule, close.year, close.period)
        annotated = compute.annotated_units(expected, rule, close.year, close.period, with_record=True)
        _insert_snapshot(
            annotated.order_by()
            .annotate(s_close=close_id, s_indicator=Value(indicator, output_field=CharField()))
            .values_list(
                "s_close",
                "pk",
                "s_indicator",
                "hist_node_id",
                "hist_path",
                "category",
                "done",
                "in_time",
                "good",
                "record_id",
            )
        )
    return [c for c, _path in highest]
