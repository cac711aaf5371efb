"""Celery tasks of the reports app: thin wrappers that load by id and call a service."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import services
from reports.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

MAX_RETRIES = 2


@shared_task(bind=True, ignore_result=True)
def worker_heartbeat(self: Task) -> str:
    """Record that a worker (or the in-process runner) just executed a task."""
    worker = self.request.hostname or f"in-process@{socket.gethostname()}"
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"seen_at": timezone.now()})
    return worker


def _with_retries(
    task: Task, label: str, work: Callable[[], object], fail: Callable[[str], None], **kwargs: int
) -> None:
    """Run ``work``; on an error retry twice (in place when running in-process, where
    Celery's retry would raise into the caller), then ``fail`` with the reason."""
    try:
        work()
    except SoftTimeLimitExceeded:
        fail(_("Quá thời gian cho phép."))
    except Exception as exc:
        logger.exception("%s failed (attempt %s)", label, task.request.retries + 1)
        if task.request.retries < MAX_RETRIES:
            if task.request.is_eager:
                task.apply(kwargs=kwargs, retries=task.request.retries + 1)
                return
            raise task.retry(exc=exc, countdown=5 * (task.request.retries + 1)) from exc
        fail(str(exc) or exc.__class__.__name__)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def build_report_run(self: Task, *, run_id: int) -> None:
    """Build one report run; retried twice, then marked failed with the reason."""
    _with_retries(
        self,
        f"report run {run_id}",
        lambda: services.report_build(run_id=run_id),
        lambda reason: services.report_fail(run_id=run_id, reason=reason),
        run_id=run_id,
    )


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def build_close(self: Task, *, close_id: int) -> None:
    """Close a period for a node (snapshot and figures); retried twice, then failed."""
    from reports import closing

    _with_retries(
        self,
        f"close {close_id}",
        lambda: closing.close_build(close_id=close_id),
        lambda reason: closing.close_fail(close_id=close_id, reason=reason),
        close_id=close_id,
    )


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def render_close_files(self: Task, *, close_id: int) -> None:
    """Render a closed version's XLSX and PDF; retried, and harmless to run twice. After
    the last attempt the close stays closed and its page keeps saying the files are
    being made; the log has the reason."""
    from reports import closing

    _with_retries(
        self,
        f"files of close {close_id}",
        lambda: closing.close_files(close_id=close_id),
        lambda reason: logger.error("files of close %s not made: %s", close_id, reason),
        close_id=close_id,
    )


@shared_task(ignore_result=True)
def sweep_report_runs() -> int:
    """Fail runs whose worker died mid-run, so nothing stays "running" forever."""
    return services.runs_sweep()


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


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def build_annual_report(self: Task, *, run_id: int) -> None:
    """Build one annual report (DOCX and PDF); retried twice, then marked failed."""
    from reports.annual import services as annual

    _with_retries(
        self,
        f"annual report {run_id}",
        lambda: annual.annual_build(run_id=run_id),
        lambda reason: annual.annual_fail(run_id=run_id, reason=reason),
        run_id=run_id,
    )
