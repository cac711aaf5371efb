"""Closing a period as a job, reopening it from the level above, and the files of a
closed version."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from conferences.facts.preparing import ensure_current
from conferences.rules import rules_for_year
from qcdc import jobs
from reports import compute
from reports.annual.services import narratives_freeze
from reports.closing.figures import closed_payload
from reports.closing.permissions import AlreadyClosed, NotClosed, can_close, can_read, can_reopen, held_above
from reports.closing.snapshot import _snapshot_memory, write_snapshot
from reports.followup.models import FollowUpSnapshotRow
from reports.missing import MissingList
from reports.models import SnapshotRow
from units.models import OrgNode
from units.periods import PeriodClose, period_end

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser


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
            jobs.enqueue(close)
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


@contextmanager
def _reading_snapshot() -> Iterator[None]:
    """A transaction that reads a close's own rows (its figures, its files' missing
    lists) with ``_snapshot_memory(reading=True)``."""
    with transaction.atomic():
        _snapshot_memory(reading=True)
        yield


def close_build(close: PeriodClose) -> PeriodClose | None:
    """Write the snapshot of a claimed close and the figures read from it, then queue the
    files. A retried attempt starts afresh; the result lands only if this attempt still
    holds the close (see ``qcdc.jobs``), else its rows are discarded."""
    close = PeriodClose.objects.select_related("node", "closed_by").get(pk=close.pk)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    # The year's facts brought up to date first, in their own transaction: inside the
    # snapshot's, which shares the year's lock, a rebuild would wait for the exclusive
    # lock, and two closes of the year would each wait for the other.
    ensure_current(close.year, rules_for_year(close.year))
    with transaction.atomic():
        tree = compute.tree_for(close.year, close.period)
        copied, _written = write_snapshot(close, tree)
        narratives_freeze(close)
    timings["snapshot"] = time.perf_counter() - started
    jobs.progress(close, 60)
    started = time.perf_counter()
    with _reading_snapshot():
        result = closed_payload(close, copied, tree)
    timings["figures"] = time.perf_counter() - started
    if not jobs.finish(close, result=result):
        SnapshotRow.objects.filter(close=close).delete()
        FollowUpSnapshotRow.objects.filter(close=close).delete()
        return None
    _dispatch_files(close)
    close.refresh_from_db()
    close.timings = timings  # type: ignore[attr-defined]
    return close


# A closed version's files, each made by its own task.
CLOSE_FILES = ("xlsx", "pdf")


def _dispatch_files(close: PeriodClose) -> None:
    """One task per file: with a worker of two processes (compose's default) the XLSX and
    the PDF are made at once, and a root close has both in the time of the longer (the
    PDF's layout) rather than of the two in a row."""
    from reports.tasks import render_close_files

    for kind in CLOSE_FILES:
        jobs.dispatch(render_close_files, close_id=close.pk, kinds=[kind])


def close_files(*, close_id: int, kinds: Sequence[str] = CLOSE_FILES) -> PeriodClose | None:
    """The files ``kinds`` of a closed version that it does not have yet, with every
    missing unit read off the snapshot. They follow the close, since they only render
    figures already frozen. Each file is stored whole or not at all (a full disk leaves
    no half file) and on its own field, so the two tasks never write over each other;
    the page offers whichever is ready. Both in one call: the XLSX first, whose pass
    over the list keeps the count and first units the PDF reads."""
    from reports.exports import pdf_bytes, xlsx_bytes

    close = PeriodClose.objects.select_related("node").get(pk=close_id)
    wanted = [kind for kind in CLOSE_FILES if kind in kinds and not getattr(close, kind)]
    if not close.result or not wanted:
        return None
    payload = {**close.result, "missing": MissingList(closes=[close])}
    render = {"xlsx": xlsx_bytes, "pdf": pdf_bytes}
    for kind in wanted:
        with _reading_snapshot():  # the missing units read off the snapshot as the figures are
            body = render[kind](payload)
        jobs.save_files(close, {kind: body})
        stored = getattr(close, kind)
        # Only where the field is still empty: a second run of the same file (a message
        # delivered twice) deletes its own copy rather than leave it behind unreferenced.
        if not PeriodClose.objects.filter(pk=close.pk, **{kind: ""}).update(**{kind: stored.name}):
            stored.delete(save=False)
    return close


@transaction.atomic
def close_files_regenerate(*, close: PeriodClose, by: Actor) -> None:
    """Make a closed version's files again (they were lost, or their task gave up):
    staff who may read it; the figures do not change."""
    current = PeriodClose.objects.select_for_update().select_related("node").get(pk=close.pk)
    if not can_read(by, current) or not can_close(by, current.node):
        raise PermissionDenied
    if current.status not in (PeriodClose.Status.CLOSED, PeriodClose.Status.REOPENED) or not current.result:
        raise ValidationError(_("Chỉ tạo lại tệp cho một phiên bản đã chốt."))
    current.discard_files()
    current.save(update_fields=["xlsx", "pdf"])
    _dispatch_files(current)
