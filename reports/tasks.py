"""Celery tasks of the reports app: thin wrappers that load by id and call a service."""

from __future__ import annotations

import logging
import socket

from celery import Task, shared_task
from django.utils import timezone

from qcdc import jobs
from reports import services
from reports.models import ReportRun, WorkerHeartbeat
from units.periods import PeriodClose

logger = logging.getLogger(__name__)

MAX_RETRIES = 2


@shared_task(bind=True, ignore_result=True)
def worker_heartbeat(self: Task) -> str:
    """Record that a worker (or the in-process runner) just executed a task."""
    worker = self.request.hostname or f"in-process@{socket.gethostname()}"
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"seen_at": timezone.now()})
    return worker


@shared_task(bind=True, acks_late=True, ignore_result=True)
def build_report_run(self: Task, *, job_id: int) -> None:
    """Build one report run (see ``qcdc.jobs.run`` for retries, heartbeat and failure)."""
    jobs.run(self, ReportRun, job_id, services.report_build)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def build_close(self: Task, *, job_id: int) -> None:
    """Close a period for a node (snapshot and figures), as a job."""
    from reports import closing

    jobs.run(self, PeriodClose, job_id, closing.close_build)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=len(jobs.ERROR_BACKOFF))
def render_close_files(self: Task, *, close_id: int, kinds: list[str] | None = None) -> None:
    """Render a closed version's files ``kinds`` (both by default: a message queued
    before a close sent one per file); harmless to run twice. After the last attempt the
    close stays closed, its page offers to make the files again, and the log has the
    reason."""
    from reports import closing

    try:
        closing.close_files(close_id=close_id, kinds=kinds or closing.CLOSE_FILES)
    except Exception as exc:
        logger.exception("files of close %s not made (attempt %s)", close_id, self.request.retries + 1)
        if self.request.retries < len(jobs.ERROR_BACKOFF) and not self.request.is_eager:
            raise self.retry(exc=exc, countdown=jobs.ERROR_BACKOFF[self.request.retries]) from exc


@shared_task(ignore_result=True)
def sweep_jobs() -> int:
    """Every minute: re-queue or fail jobs (of every kind) whose worker died, resend lost
    messages (see ``qcdc.jobs.sweep``)."""
    return jobs.sweep_all()


@shared_task(ignore_result=True)
def rebuild_current_year() -> int:
    """Nightly: queue this year's report (with the category breakdown) for every node, so
    dashboards read fresh figures."""
    from units.models import OrgNode

    year = timezone.localdate().year
    queued = 0
    for node in OrgNode.objects.order_by("path").iterator():
        _run, created = services.report_request(node=node, year=year, by_category=True, by=None, scheduled=True)
        queued += created
    return queued


@shared_task(ignore_result=True)
def send_reminders() -> dict[str, int]:
    """Weekly: remind chairs of obligations due or overdue, and send staff a digest."""
    from reports.reminders import send_weekly_reminders

    return send_weekly_reminders()


@shared_task(ignore_result=True)
def remind_units(*, unit_ids: list[int], year: int) -> int:
    """Remind the chairs of these units now (from the dashboard); returns e-mails sent."""
    from reports.reminders import remind_chairs

    return remind_chairs(unit_ids=unit_ids, year=year)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def build_annual_report(self: Task, *, job_id: int) -> None:
    """Build one annual report's DOCX and PDF, as a job."""
    from reports.annual import services as annual
    from reports.annual.models import AnnualReportRun

    jobs.run(self, AnnualReportRun, job_id, annual.annual_build)
