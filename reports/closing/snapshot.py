"""Writing a close's snapshot: one ``SnapshotRow`` per expected unit × indicator and one
``FollowUpSnapshotRow`` per follow-up item, with ``INSERT … SELECT`` statements (one
per closed child copied, one for the rest), so closing the root of 200,000 units issues
no query per unit."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, Model, QuerySet, Value

from conferences.facts.preparing import ensure_current
from conferences.facts.selectors import Scope, facts_in
from conferences.facts.years import hold_year
from conferences.rules import rules_for_year
from qcdc.parallel import at_once
from reports.followup import figures as followup_figures
from reports.followup.models import FollowUpSnapshotRow
from reports.models import SnapshotRow
from units.history import TreeAsOf
from units.periods import PeriodClose

# Memory for each hash of the snapshot's statements: joining a root's 420,000 follow-up
# items to the place of their 200,000 units spills to disk in batches with PostgreSQL's
# default 4 MB, and takes half as long again.
SNAPSHOT_WORK_MEM = "64MB"


# A close's snapshot rows lie together in their tables (one statement wrote them), so the
# (close, indicator) index reaches them reading their own pages only. PostgreSQL's default
# random_page_cost (4, for spinning disks) costs those pages as scattered, and once the
# tables hold a few dozen closes it scans every close's rows instead: at 200,000 units and
# 21 root closes, the difference from the previous version took 1.12 s instead of 0.61 s
# and the follow-up figures 0.55 s instead of 0.11 s. The figures are read with the
# setting of solid-state storage.
SNAPSHOT_RANDOM_PAGE_COST = "1.1"

# A close that writes this many rows into a snapshot table refreshes its statistics,
# from a sample of 300 × SNAPSHOT_STATISTICS_TARGET rows. The planner needs them to know
# how many rows the new close holds, and a close is one of a few dozen values: 9,000 rows
# tell it as well as PostgreSQL's default 30,000, in 0.11-0.21 s a table at 200,000 units
# instead of 0.35-0.76 s (most of it reading the sampled pages).
ANALYZE_FROM_ROWS = 50_000
SNAPSHOT_STATISTICS_TARGET = "30"

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


def _snapshot_memory(*, reading: bool = False) -> None:
    """Give the transaction ``SNAPSHOT_WORK_MEM`` and, ``reading`` a close's own rows,
    ``SNAPSHOT_RANDOM_PAGE_COST`` (PostgreSQL only). Not while writing the snapshot: its
    statements read most of a year's facts, which a bitmap scan reads faster."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [SNAPSHOT_WORK_MEM])
            if reading:
                cursor.execute("SELECT set_config('random_page_cost', %s, true)", [SNAPSHOT_RANDOM_PAGE_COST])


def _refresh_statistics(model: type[Model], written: int) -> None:
    """After a bulk load of ``written`` rows into ``model``'s table, refresh its planner
    statistics (PostgreSQL only): the figures, the missing list and the files read the
    rows just written, and with estimates made before them (a close's rows estimated at
    one) PostgreSQL sorts hundreds of thousands of rows on disk and probes units one by
    one. A small close, whose rows are read in milliseconds whatever the plan, does not
    pay it."""
    if connection.vendor == "postgresql" and written >= ANALYZE_FROM_ROWS:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('default_statistics_target', %s, true)", [SNAPSHOT_STATISTICS_TARGET])
            # SKIP_LOCKED: the ANALYZE's lock lasts until the close's works commit together,
            # and a second close analysing the same table meanwhile would wait for it while
            # the first close's other work waits for that second close's: each close would
            # wait for the other, out of PostgreSQL's sight. The second one goes on with
            # the statistics as they were.
            cursor.execute(f"ANALYZE (SKIP_LOCKED) {connection.ops.quote_name(model._meta.db_table)}")


def _write_rows(close: PeriodClose, highest: list[tuple[PeriodClose, str]], scope: Scope) -> int:
    """The close's ``SnapshotRow``s: the closed branches below copied, and the facts of
    the rest (expected units only). Returns how many were written."""
    _snapshot_memory()
    SnapshotRow.objects.filter(close=close).delete()  # a retried attempt starts afresh
    close_id = Value(close.pk, output_field=BigIntegerField())
    written = 0
    for child, _path in highest:
        written += _insert_snapshot(
            SnapshotRow.objects.filter(close=child)
            .order_by()
            .annotate(s_close=close_id)
            .values_list("s_close", *SNAPSHOT_COLUMNS[1:])
        )
    written += _insert_snapshot(
        facts_in(scope)
        .filter(expected=True)
        .order_by()
        .annotate(s_close=close_id)
        .values_list("s_close", *SNAPSHOT_COLUMNS[1:])
    )
    _refresh_statistics(SnapshotRow, written)
    return written


def _write_followup_rows(close: PeriodClose, tree: TreeAsOf, copied: list[PeriodClose]) -> int:
    """The close's ``FollowUpSnapshotRow``s (see ``reports.followup.figures``)."""
    _snapshot_memory()
    FollowUpSnapshotRow.objects.filter(close=close).delete()
    written = followup_figures.write_snapshot(close, tree, copied)
    _refresh_statistics(FollowUpSnapshotRow, written)
    return written


def write_snapshot(close: PeriodClose, tree: TreeAsOf) -> tuple[list[PeriodClose], int]:
    """Write the close's snapshot rows and follow-up rows; return the closed versions
    copied and how many snapshot rows were written.

    Fact rows place units where they were on the period's last day (``node_id`` and
    ``node_path``), so a later move or merge does not change a closed period.

    The rows are a copy of the fact rows the live figures are counted from, which nothing
    may drop or rebuild until the close commits (``hold_year``). The job brought them up
    to date just before; they are built again here only if a rule changed or they were
    dropped meanwhile. The two tables are then written at once (``qcdc.parallel``), both
    reading the data as it stands now: at 200,000 units the 580,000 snapshot rows take
    1.4-1.8 s and the 420,000 follow-up items 2.5-2.8 s, one core each.
    """
    highest = _highest_closed_below(close, tree)
    hold_year(close.year)
    ensure_current(close.year, rules_for_year(close.year))
    scope = Scope(close.year, close.period, tree.path_of(close.node), tuple(path for _c, path in highest))
    copied = [c for c, _path in highest]
    written, _items = at_once(
        [
            lambda: _write_rows(close, highest, scope),
            lambda: _write_followup_rows(close, tree, copied),
        ]
    )
    return copied, written
