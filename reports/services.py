"""Report runs: request (with de-duplication), build, fail, sweep; and reminders."""

from __future__ import annotations

import datetime
import json
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import compute
from reports.models import PeriodClose, ReportRun
from reports.periods import Period
from reports.permissions import can_request_report
from units.models import OrgNode

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

MIN_YEAR, MAX_YEAR = 2000, 2100


QUEUE_PATIENCE = datetime.timedelta(hours=6)


def runs_sweep() -> int:
    """Mark runs whose worker died (or whose message was lost) as failed; return how many.

    A run still "running" after the hard time limit (plus a margin) lost its worker;
    one still queued after six hours lost its message.
    """
    now = timezone.now()
    running_limit = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 300)
    stale = ReportRun.objects.filter(
        Q(status=ReportRun.Status.RUNNING, started_at__lt=running_limit)
        | Q(status=ReportRun.Status.QUEUED, created_at__lt=now - QUEUE_PATIENCE)
    )
    failed = stale.update(
        status=ReportRun.Status.FAILED,
        finished_at=timezone.now(),
        error=_("Quá thời gian: tiến trình lập báo cáo đã dừng giữa chừng. Hãy lập lại."),
    )
    # A close left running would hold its period (and freeze its records) for ever.
    failed += PeriodClose.objects.filter(
        Q(status=PeriodClose.Status.RUNNING, started_at__lt=running_limit)
        | Q(status=PeriodClose.Status.QUEUED, created_at__lt=now - QUEUE_PATIENCE)
    ).update(
        status=PeriodClose.Status.FAILED,
        error=_("Quá thời gian: tiến trình chốt số liệu đã dừng giữa chừng. Hãy chốt lại."),
    )
    return failed


def report_request(
    *,
    node: OrgNode,
    year: int,
    by_category: bool = False,
    period: str = Period.YEAR,
    by: AbstractBaseUser | AnonymousUser | None,
    scheduled: bool = False,
) -> tuple[ReportRun, bool]:
    """Queue a build, or return the identical one already queued or running.

    Returns ``(run, created)``. The unique constraint on active runs settles races
    between two identical requests: the loser gets the winner's run.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(year)
    if by is not None and not can_request_report(by, node):
        raise PermissionDenied
    runs_sweep()
    params = {"node": node, "year": year, "period": period, "by_category": by_category}
    active = ReportRun.objects.filter(**params, status__in=ReportRun.ACTIVE).first()
    if active is not None:
        return active, False
    try:
        with transaction.atomic():
            run = ReportRun.objects.create(
                **params, requested_by=by if by is not None and by.is_authenticated else None, scheduled=scheduled
            )
            from reports.tasks import build_report_run

            transaction.on_commit(lambda: build_report_run.delay(run_id=run.pk))
    except IntegrityError:
        return ReportRun.objects.get(**params, status__in=ReportRun.ACTIVE), False
    return run, True


def _progress(run: ReportRun, percent: int) -> None:
    ReportRun.objects.filter(pk=run.pk).update(progress=percent)


def report_build(*, run_id: int) -> ReportRun | None:
    """Build a queued run: counts, the non-compliant list, the payload and the files.

    Idempotent: a run already done or failed (a redelivered message) is left alone.
    """
    from reports.exports import pdf_bytes, xlsx_bytes

    run = ReportRun.objects.select_related("node").get(pk=run_id)
    if run.status in (ReportRun.Status.DONE, ReportRun.Status.FAILED):
        return None
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.RUNNING, started_at=timezone.now(), attempts=run.attempts + 1, progress=5, error=""
    )
    if not MIN_YEAR <= run.year <= MAX_YEAR:
        raise ValueError(_("Năm %(year)s nằm ngoài phạm vi báo cáo.") % {"year": run.year})
    payload = run_payload(run)
    _progress(run, 70)
    stem = run_stem(run)
    run.refresh_from_db()
    run.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx_bytes(payload)), save=False)
    _progress(run, 85)
    run.pdf.save(f"{stem}.pdf", ContentFile(pdf_bytes(payload)), save=False)
    run.result = compute.compact(payload)
    run.status = ReportRun.Status.DONE
    run.progress = 100
    run.finished_at = timezone.now()
    run.save(update_fields=["xlsx", "pdf", "result", "status", "progress", "finished_at"])
    return run


def run_stem(run: ReportRun) -> str:
    suffix = "" if run.period == Period.YEAR else f"-{run.period}"
    return f"bao-cao-qcdc-{run.node.code}-{run.year}{suffix}"


def run_payload(run: ReportRun) -> dict[str, Any]:
    """The node's closed figures when its period is closed; otherwise live figures, with
    each closed child read from its snapshot and the others marked provisional."""
    from reports import closing

    own = PeriodClose.objects.filter(
        node=run.node, year=run.year, period=run.period, status=PeriodClose.Status.CLOSED
    ).first()
    if own is not None and own.result:
        missing = [compute.missing_payload(m) for m in closing.snapshot_missing([own])]
        return {**own.result, "missing": missing, "built_at": timezone.now().isoformat()}
    tree = compute.tree_for(run.year, run.period)
    closed = closing.closed_children(run.node, run.year, run.period, tree)
    exclude = list(tree.paths_of([c.node for c in closed.values()]).values())
    report = compute.build(run.node, run.year, by_category=run.by_category, period=run.period, exclude_paths=exclude)
    _progress(run, 50)
    missing = compute.non_compliant(run.node, run.year, period=run.period, exclude_paths=exclude)
    missing = sorted(missing + closing.snapshot_missing(list(closed.values())), key=lambda m: (m.node_name, m.code))
    failures = compute.quality_failures(run.node, run.year, run.period, exclude_paths=exclude)
    return closing.roll_up(report, missing, failures, closed)


def report_fail(*, run_id: int, reason: str) -> None:
    ReportRun.objects.filter(pk=run_id).exclude(status=ReportRun.Status.DONE).update(
        status=ReportRun.Status.FAILED, finished_at=timezone.now(), error=reason[:2000]
    )


def json_bytes(run: ReportRun) -> bytes:
    return json.dumps(compute.json_export(run.result or {}), ensure_ascii=False, indent=2).encode()
