"""Report runs: request (with de-duplication), build, fail, sweep; and reminders."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qcdc import jobs
from qcdc.years import MAX_YEAR, MIN_YEAR
from reports import compute
from reports.followup import figures as followup_figures
from reports.missing import MissingList
from reports.models import ReportRun
from reports.permissions import can_request_report
from units.models import OrgNode
from units.periods import Period, PeriodClose

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


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
    jobs.sweep_all()
    params = {"node": node, "year": year, "period": period, "by_category": by_category}
    active = ReportRun.objects.filter(**params, status__in=ReportRun.ACTIVE).first()
    if active is not None:
        return active, False
    try:
        with transaction.atomic():
            run = ReportRun.objects.create(
                **params, requested_by=by if by is not None and by.is_authenticated else None, scheduled=scheduled
            )
            jobs.enqueue(run)
    except IntegrityError:
        return ReportRun.objects.get(**params, status__in=ReportRun.ACTIVE), False
    return run, True


def report_build(run: ReportRun) -> ReportRun | None:
    """Build a claimed run: counts, the non-compliant list, the payload and the files.

    The result lands only if this attempt still holds the run (see ``qcdc.jobs``).
    """
    if not MIN_YEAR <= run.year <= MAX_YEAR:
        raise ValueError(_("Năm %(year)s nằm ngoài phạm vi báo cáo.") % {"year": run.year})
    payload = _run_payload(run)
    jobs.progress(run, 70)
    report_files_save(job=run, payload=payload)
    if not jobs.finish(run, xlsx=run.xlsx.name, pdf=run.pdf.name, result=compute.compact(payload)):
        run.discard_partial()
        return None
    run.refresh_from_db()
    return run


def report_files_save(*, job: ReportRun, payload: dict[str, Any]) -> None:
    """Store a report's XLSX, then its PDF, all or none (a failed PDF deletes the XLSX).

    One after the other, so that the workbook's bytes (about 10 MB for a root report) are
    stored and let go before WeasyPrint lays out the PDF, the job's largest moment; the
    PDF reads the count and the first units the workbook's pass over the list kept."""
    from reports.exports import pdf_bytes, xlsx_bytes

    jobs.save_files(job, {"xlsx": xlsx_bytes(payload)})
    try:
        jobs.save_files(job, {"pdf": pdf_bytes(payload)})
    except BaseException:
        job.xlsx.delete(save=False)
        raise


def _run_payload(run: ReportRun) -> dict[str, Any]:
    return report_payload(
        run.node, run.year, run.period, by_category=run.by_category, progress=lambda: jobs.progress(run, 50)
    )


def report_payload(
    node: OrgNode, year: int, period: str, *, by_category: bool, progress: Callable[[], None] | None = None
) -> dict[str, Any]:
    """A node's report as the page, the job and the command give it: the node's closed
    figures when its period is closed; otherwise live figures, with each closed child
    read from its snapshot and the others marked provisional."""
    from reports import closing

    own = PeriodClose.objects.filter(node=node, year=year, period=period, status=PeriodClose.Status.CLOSED).first()
    if own is not None and own.result:
        return {**own.result, "missing": MissingList(closes=[own]), "built_at": timezone.now().isoformat()}
    tree = compute.tree_for(year, period)
    closed = closing.closed_children(node, year, period, tree)
    exclude = list(tree.paths_of([c.node for c in closed.values()]).values())
    report = compute.build(node, year, by_category=by_category, period=period, exclude_paths=exclude)
    if progress is not None:
        progress()
    missing = compute.missing_list(node, year, period=period, exclude_paths=exclude, closes=list(closed.values()))
    failures = compute.quality_failures(node, year, period, exclude_paths=exclude)
    payload = closing.roll_up(report, missing, failures, closed)
    followup_figures.attach_live(payload, node, tree=tree, exclude_paths=exclude, closed=closed)
    return payload
