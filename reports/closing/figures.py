"""A closed version's figures, missing list and difference from the previous version,
all read off its snapshot: every figure is exactly the length of its explanation list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import Left
from django.utils import timezone

from qcdc.parallel import at_once
from reports import compute
from reports.closing.snapshot import _snapshot_memory
from reports.missing import MissingList
from reports.models import SnapshotRow
from units.history import TreeAsOf
from units.paths import child_path_length
from units.periods import PeriodClose

T = TypeVar("T")

DIFF_KEPT = 500
FIGURES = ("expected", "done", "on_time", "quality")


def _snapshot_counts(close: PeriodClose, prefix_length: int) -> tuple[compute.Grouped, compute.Grouped]:
    """The snapshot's counts by child (path prefix) and by category: one GROUP BY over
    the rows by both, whose few hundred groups are then added up each way."""
    rows = (
        SnapshotRow.objects.filter(close=close)
        .order_by()
        .annotate(group=Left("node_path", prefix_length))
        .values("group", "category", "indicator")
        .annotate(
            n=Count("pk"),
            done_n=Count("pk", filter=Q(done=True)),
            on_time_n=Count("pk", filter=Q(on_time=True)),
            quality_n=Count("pk", filter=Q(quality=True)),
            # Done too: rows of closes made before "assessed" was kept are all True.
            assessed_n=Count("pk", filter=Q(done=True, assessed=True)),
        )
    )
    by_child: list[tuple[str, str, compute.Cell]] = []
    by_category: list[tuple[str, str, compute.Cell]] = []
    for r in rows:
        cell = compute.Cell(r["n"], r["done_n"], r["on_time_n"], r["quality_n"], r["assessed_n"])
        for group, grouped in ((r["group"], by_child), (r["category"], by_category)):
            grouped.append((group, r["indicator"], cell))
    return by_child, by_category


def _reading(work: Callable[[], T]) -> Callable[[], T]:
    """``work`` in a transaction that reads a close's own rows (see ``_snapshot_memory``)."""

    def reading() -> T:
        _snapshot_memory(reading=True)
        return work()

    return reading


def closed_payload(close: PeriodClose, copied: list[PeriodClose], tree: TreeAsOf) -> dict[str, Any]:
    """The result a closed version stores, compacted (``compute.compact``): its figures,
    missing units and follow-up figures read on one connection, and the difference from
    the previous version on another at the same time (``qcdc.parallel``), each about
    0.8 s at 200,000 units."""
    payload, diff = at_once(
        [_reading(lambda: _figures(close, copied, tree)), _reading(lambda: version_diff(close))], read_only=True
    )
    payload["diff"] = diff
    return payload


def _figures(close: PeriodClose, copied: list[PeriodClose], tree: TreeAsOf) -> dict[str, Any]:
    node = close.node
    by_child, by_category = _snapshot_counts(close, child_path_length(tree.path_of(node)))
    report = compute.assemble(node, close.year, close.period, by_child, by_category, tree=tree)
    payload = compute.to_payload(
        report,
        MissingList(closes=[close]),
        built_at=timezone.now(),
        failures=compute.quality_failures(node, close.year, close.period),
    )
    versions = {c.node_id: c.version for c in copied}
    for row in payload["rows"]:
        if row["node_id"] == node.pk:
            row |= {"status": "closed", "version": close.version}
        elif row["node_id"] in versions:
            row |= {"status": "closed", "version": versions[row["node_id"]]}
        else:
            row |= {"status": "provisional", "version": None}
    payload["total"] |= {"status": "closed", "version": close.version}
    payload["close"] = {
        "id": close.pk,
        "version": close.version,
        "closed_by": close.closed_by.get_username() if close.closed_by else "",
    }
    from reports.followup.figures import attach_snapshot

    attach_snapshot(payload, close, tree)
    # Compacted here: it picks the units lacking the most off the snapshot.
    return compute.compact(payload)


# The rows only one of two closes holds (the first one's ``now``, the other's ``was``):
# their set difference both ways, as EXCEPT, however many times a close holds a row.
# The (unit, indicator) pairs they change are numbered in that order, and the rows of the
# first ``kept`` pairs are returned: both sides of a pair, or neither. Portable SQL (a
# FULL JOIN needs SQLite 3.39).
_CHANGED = """
SELECT unit_id, indicator, now, d, o, q, was, d_was, o_was, q_was FROM (
    SELECT COALESCE(a.unit_id, b.unit_id) AS unit_id, COALESCE(a.indicator, b.indicator) AS indicator,
        a.unit_id IS NOT NULL AS now, a.done AS d, a.on_time AS o, a.quality AS q,
        b.unit_id IS NOT NULL AS was, b.done AS d_was, b.on_time AS o_was, b.quality AS q_was,
        DENSE_RANK() OVER (ORDER BY COALESCE(a.unit_id, b.unit_id), COALESCE(a.indicator, b.indicator)) AS pair
    FROM (SELECT unit_id, indicator, done, on_time, quality FROM {table} WHERE close_id = %s) a
    FULL JOIN (SELECT unit_id, indicator, done, on_time, quality FROM {table} WHERE close_id = %s) b
        ON a.unit_id = b.unit_id AND a.indicator = b.indicator
        AND a.done = b.done AND a.on_time = b.on_time AND a.quality = b.quality
    WHERE a.unit_id IS NULL OR b.unit_id IS NULL
) changed
WHERE pair <= %s
"""


def version_diff(close: PeriodClose) -> dict[str, Any] | None:
    """Which units moved in or out of which figure since the previous version.

    One statement over both snapshots (``_CHANGED``): one version's rows joined to the
    other's on every column compared, kept where the other version has no such row. Only
    the changed rows reach Python: those of the first ``DIFF_KEPT`` changed (unit,
    indicator) pairs and one more to tell that there were more, with both versions' rows
    of each. (Cut per version, as before, a pair whose other row fell past the cut read
    as wholly new or wholly gone.) A GROUP BY over both snapshots
    took 1.0-1.2 s at 200,000 units, the join 0.6-0.7 s.
    """
    previous = (
        PeriodClose.objects.filter(
            node=close.node,
            year=close.year,
            period=close.period,
            version__lt=close.version,
            status__in=[PeriodClose.Status.CLOSED, PeriodClose.Status.REOPENED],
        )
        .order_by("-version")
        .first()
    )
    if previous is None:
        return None
    table = connection.ops.quote_name(SnapshotRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_CHANGED.format(table=table), [close.pk, previous.pk, DIFF_KEPT + 1])
        changed = cursor.fetchall()
    added: dict[tuple[int, str], tuple[bool, bool, bool]] = {}
    removed: dict[tuple[int, str], tuple[bool, bool, bool]] = {}
    for u, i, now, d, o, q, was, d_was, o_was, q_was in changed:
        if now:
            added[(u, i)] = (d, o, q)
        if was:
            removed[(u, i)] = (d_was, o_was, q_was)
    truncated = len(added.keys() | removed.keys()) > DIFF_KEPT
    from units.models import Unit

    names = {
        pk: (code, name)
        for pk, code, name in Unit.objects.filter(pk__in={u for u, _i in added | removed}).values_list(
            "pk", "code", "name"
        )
    }
    changes = []
    for key in sorted(set(added) | set(removed), key=lambda k: (names.get(k[0], ("", ""))[0], k[1])):
        before = (True, *removed[key]) if key in removed else (False, False, False, False)
        after = (True, *added[key]) if key in added else (False, False, False, False)
        for figure, was, now in zip(FIGURES, before, after, strict=True):
            if bool(was) != bool(now):
                code, name = names.get(key[0], ("?", "?"))
                changes.append(
                    {
                        "unit_id": key[0],
                        "code": code,
                        "name": name,
                        "indicator": key[1],
                        "figure": figure,
                        "change": "in" if now else "out",
                    }
                )
    return {
        "previous_version": previous.version,
        "previous_id": previous.pk,
        "changes": changes,
        "truncated": truncated,
    }
