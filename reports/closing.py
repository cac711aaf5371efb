"""Closing a period: freeze a node's figures in a snapshot, reopen from the level above,
and roll children's closed figures up into a parent's report.

A close writes one ``SnapshotRow`` per expected unit × indicator with ``INSERT …
SELECT`` statements (one per indicator, one per closed child copied), so closing the
root of 200,000 units issues no query per unit. The figures, the missing list and the
difference from the previous version are then read off the snapshot, so every figure
of a closed period is exactly the length of its explanation list.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, CharField, Count, F, Max, Q, QuerySet, Value
from django.db.models.functions import Left
from django.utils import timezone
from django.utils.translation import gettext as _

from conferences.rules import rules_for_year
from reports import compute
from reports.models import SnapshotRow
from units.history import TreeAsOf
from units.models import PATH_SEGMENT_WIDTH, OrgNode, ancestry
from units.periods import PeriodClose, period_end
from units.permissions import can_manage_node, scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser

DIFF_KEPT = 500
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
FIGURES = ("expected", "done", "on_time", "quality")


class AlreadyClosed(Exception):
    """The period is closed for this node; only the level above can reopen it."""


class NotClosed(Exception):
    """Only a closed version can be reopened."""


# Who may ------------------------------------------------------------------------------


def can_close(user: Actor, node: OrgNode) -> bool:
    """Staff of the node (or of a node above it) close its period."""
    return can_manage_node(user, node)


def can_read(user: Actor, close: PeriodClose) -> bool:
    """Staff and leaders of the close's node or above, where the node is now or where it
    sat on the period's last day; admins always."""
    scope = scope_for(user)
    if scope.is_admin:
        return True
    paths = {close.node.path, compute.tree_for(close.year, close.period).path_of(close.node)}
    return any(path.startswith(p) for path in paths for p in scope.node_paths)


def can_reopen(user: Actor, close: PeriodClose) -> bool:
    """Only the level above: staff of the parent's subtree (admins for the root)."""
    scope = scope_for(user)
    if scope.is_admin:
        return True
    node_path = compute.tree_for(close.year, close.period).path_of(close.node)
    above = node_path[: -(PATH_SEGMENT_WIDTH + 1)]
    return bool(above) and any(above.startswith(p) for p in scope.staff_paths)


def held_above(close: PeriodClose) -> PeriodClose | None:
    """A close of a node above ``close.node`` that holds the same period: reopening below
    it would change nothing, since that close froze the same records."""
    node_path = compute.tree_for(close.year, close.period).path_of(close.node)
    return (
        PeriodClose.objects.filter(
            node_id__in=ancestry(node_path) - {close.node_id},
            year=close.year,
            period=close.period,
            status__in=PeriodClose.HOLDING,
        )
        .select_related("node")
        .first()
    )


# Reading --------------------------------------------------------------------------------


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
    tree = tree or compute.tree_for(year, period)
    children = [child.pk for child, _path in tree.children(node)]
    return {
        c.node_id: c
        for c in PeriodClose.objects.filter(
            node__in=children, year=year, period=period, status=PeriodClose.Status.CLOSED
        )
        .select_related("node")
        .order_by("node__code")
    }


# Writing --------------------------------------------------------------------------------


def close_request(*, node: OrgNode, year: int, period: str, by: Actor) -> tuple[PeriodClose, bool]:
    """Start closing ``node``'s period, or return the close already being built.

    Refuses a period that has not ended (its records may still change). Raises
    ``AlreadyClosed`` when a closed version holds the period. The partial unique
    constraint settles two simultaneous requests: the loser gets the winner's close.
    """
    if not can_close(by, node):
        raise PermissionDenied
    if (end := period_end(year, period)) >= timezone.localdate():
        raise ValidationError(
            _("Kỳ báo cáo này chưa kết thúc (đến hết %(day)s); chỉ chốt được sau ngày đó.")
            % {"day": end.strftime("%d/%m/%Y")}
        )
    holding = PeriodClose.objects.filter(node=node, year=year, period=period, status__in=PeriodClose.HOLDING).first()
    if holding is not None:
        if holding.status == PeriodClose.Status.CLOSED:
            raise AlreadyClosed
        return holding, False
    last = PeriodClose.objects.filter(node=node, year=year, period=period).aggregate(v=Max("version"))["v"] or 0
    try:
        with transaction.atomic():
            close = PeriodClose.objects.create(
                node=node,
                year=year,
                period=period,
                version=last + 1,
                closed_by=by if by.is_authenticated else None,
            )
            from reports.tasks import build_close

            transaction.on_commit(lambda: build_close.delay(close_id=close.pk))
    except IntegrityError:
        holding = PeriodClose.objects.filter(
            node=node, year=year, period=period, status__in=PeriodClose.HOLDING
        ).first()
        if holding is None or holding.status == PeriodClose.Status.CLOSED:
            raise AlreadyClosed from None
        return holding, False
    return close, True


@transaction.atomic
def close_reopen(*, close: PeriodClose, by: Actor, reason: str) -> PeriodClose:
    """Reopen a closed version (the level above only), with a reason kept on the version."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Hãy ghi rõ lý do.")})
    current = PeriodClose.objects.select_for_update().select_related("node").get(pk=close.pk)
    if current.status != PeriodClose.Status.CLOSED:
        raise NotClosed
    if not can_reopen(by, current):
        raise PermissionDenied
    if (above := held_above(current)) is not None:
        raise ValidationError(
            {
                "reason": _("%(node)s đã chốt kỳ này; hãy mở lại ở %(node)s trước.") % {"node": above.node.name},
            }
        )
    current.status = PeriodClose.Status.REOPENED
    current.reopened_by = by if by.is_authenticated else None
    current.reopened_at = timezone.now()
    current.reopen_reason = reason
    current.save(update_fields=["status", "reopened_by", "reopened_at", "reopen_reason"])
    return current


def close_fail(*, close_id: int, reason: str) -> None:
    PeriodClose.objects.filter(pk=close_id, status__in=PeriodClose.ACTIVE).update(
        status=PeriodClose.Status.FAILED, error=reason[:2000]
    )


def _progress(close: PeriodClose, percent: int) -> None:
    PeriodClose.objects.filter(pk=close.pk).update(progress=percent)


def close_build(*, close_id: int) -> PeriodClose | None:
    """Write the snapshot and the figures read from it, then queue the files.

    The job claims the close (queued → running) with a conditional UPDATE, so a message
    delivered twice builds once; a failed attempt hands it back (running → queued) for
    the retry; the result lands only if the close is still running (not swept meanwhile).
    """
    claimed = PeriodClose.objects.filter(pk=close_id, status=PeriodClose.Status.QUEUED).update(
        status=PeriodClose.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, progress=5, error=""
    )
    if not claimed:
        return None
    close = PeriodClose.objects.select_related("node", "closed_by").get(pk=close_id)
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        with transaction.atomic():
            SnapshotRow.objects.filter(close=close).delete()  # a retried attempt starts afresh
            tree = compute.tree_for(close.year, close.period)
            copied = _write_snapshot(close, tree)
        timings["snapshot"] = time.perf_counter() - started
        _progress(close, 60)
        started = time.perf_counter()
        payload = _payload(close, copied, tree)
        timings["figures"] = time.perf_counter() - started
    except BaseException:
        PeriodClose.objects.filter(pk=close_id, status=PeriodClose.Status.RUNNING).update(
            status=PeriodClose.Status.QUEUED
        )
        raise
    finished = PeriodClose.objects.filter(pk=close_id, status=PeriodClose.Status.RUNNING).update(
        result=compute.compact(payload), status=PeriodClose.Status.CLOSED, progress=100, closed_at=timezone.now()
    )
    if not finished:
        return None
    from reports.tasks import render_close_files

    render_close_files.delay(close_id=close.pk)
    close.refresh_from_db()
    close.timings = timings  # type: ignore[attr-defined]
    return close


def close_files(*, close_id: int) -> PeriodClose | None:
    """The XLSX and PDF of a closed version, with every missing unit read off the snapshot.
    They follow the close, since they only render figures already frozen."""
    from reports.exports import pdf_bytes, xlsx_bytes

    close = PeriodClose.objects.select_related("node").get(pk=close_id)
    if not close.result or (close.xlsx and close.pdf):
        return None
    payload = {**close.result, "missing": [compute.missing_payload(m) for m in snapshot_missing([close])]}
    stem = close_stem(close)
    close.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx_bytes(payload)), save=False)
    close.pdf.save(f"{stem}.pdf", ContentFile(pdf_bytes(payload)), save=False)
    close.save(update_fields=["xlsx", "pdf"])
    return close


def close_stem(close: PeriodClose) -> str:
    return f"chot-so-lieu-{close.node.code}-{close.year}-{close.period}-v{close.version}"


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


def _snapshot_counts(close: PeriodClose, group: Any) -> list[tuple[str, str, compute.Cell]]:
    rows = (
        SnapshotRow.objects.filter(close=close)
        .order_by()
        .annotate(group=group)
        .values("group", "indicator")
        .annotate(
            n=Count("pk"),
            done_n=Count("pk", filter=Q(done=True)),
            on_time_n=Count("pk", filter=Q(on_time=True)),
            quality_n=Count("pk", filter=Q(quality=True)),
        )
    )
    return [
        (r["group"], r["indicator"], compute.Cell(r["n"], r["done_n"], r["on_time_n"], r["quality_n"])) for r in rows
    ]


def _payload(close: PeriodClose, copied: list[PeriodClose], tree: TreeAsOf) -> dict[str, Any]:
    node = close.node
    prefix_length = len(tree.path_of(node)) + PATH_SEGMENT_WIDTH + 1
    report = compute.assemble(
        node,
        close.year,
        close.period,
        _snapshot_counts(close, Left("node_path", prefix_length)),
        _snapshot_counts(close, F("category")),
        tree=tree,
    )
    payload = compute.to_payload(
        report,
        snapshot_missing([close]),
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
    payload["diff"] = version_diff(close)
    return payload


def version_diff(close: PeriodClose) -> dict[str, Any] | None:
    """Which units moved in or out of which figure since the previous version.

    Two EXCEPT queries on the snapshots; only the changed unit × indicator pairs reach
    Python, at most ``DIFF_KEPT`` of them per side.
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
    columns = ("unit_id", "indicator", "done", "on_time", "quality")
    new = SnapshotRow.objects.filter(close=close).order_by().values_list(*columns)
    old = SnapshotRow.objects.filter(close=previous).order_by().values_list(*columns)
    added = {(u, i): (d, o, q) for u, i, d, o, q in new.difference(old)[: DIFF_KEPT + 1]}
    removed = {(u, i): (d, o, q) for u, i, d, o, q in old.difference(new)[: DIFF_KEPT + 1]}
    truncated = len(added) > DIFF_KEPT or len(removed) > DIFF_KEPT
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


# Roll-up ----------------------------------------------------------------------------------


def _sum_cells(cells: list[dict[str, Any]]) -> dict[str, Any]:
    total = compute.Cell()
    for c in cells:
        total.add(compute.Cell(c["expected"], c["done"], c["on_time"], c["quality"]))
    return compute.cell_payload(total)


def roll_up(
    report: compute.Report,
    missing: list[compute.Missing],
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


def snapshot_missing(closes: list[PeriodClose]) -> list[compute.Missing]:
    """The units lacking an event in these closed versions, read off their snapshots."""
    missing: dict[int, set[str]] = {}
    rows = SnapshotRow.objects.filter(close__in=closes, done=False).values_list("unit_id", "indicator")
    for unit_id, indicator in rows.iterator(chunk_size=5000):
        missing.setdefault(unit_id, set()).add(indicator)
    return compute.missing_details(missing)
