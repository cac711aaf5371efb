"""One job machine for every long task (report runs, period closes, and any later job).

A job is a row (``Job`` subclass) and a Celery message naming it. The lifecycle:

- ``enqueue``: after the row commits, send its message (with retries); when the broker
  cannot take it, the job fails at once with a reason the page shows, so no row waits
  "queued" for a message that never left.
- ``claim``: a conditional UPDATE turns it "running" for one attempt (``worker`` = the
  Celery task id). A retry or a redelivered message carries the same id and may claim
  its own running job again; any other message finds it taken and does nothing.
- While it runs, a heartbeat thread stamps ``heartbeat_at`` every
  ``settings.JOB_HEARTBEAT_SECONDS`` (15), whatever the SQL underneath is doing;
  ``progress`` stamps it too.
- ``finish`` lands the result only if this attempt still holds the job; ``fail`` records
  the reason and discards what the attempt left (``discard_partial``) in one transaction.
- ``sweep`` (Celery beat, every minute): a running job whose heartbeat stopped for
  ``settings.JOB_DEAD_AFTER_SECONDS`` (60) lost its worker: it is queued again
  (``MAX_ATTEMPTS`` in all) or failed with the reason; a job queued for
  ``QUEUE_PATIENCE`` has its message sent again (claiming makes a duplicate harmless).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    models,
    transaction,
)
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

QUEUE_PATIENCE = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 3
# A database outage is waited out over minutes (the sweep finishes what is left after).
DATABASE_BACKOFF = (30, 60, 120, 240, 480)
ERROR_BACKOFF = (5, 10)
SEND_RETRY = {"max_retries": 2, "interval_start": 0.5, "interval_step": 1, "interval_max": 2}

J = TypeVar("J", bound="Job")


class Job(models.Model):
    """What every job row carries. Subclasses add ``status`` (with their own labels and
    the values queued, running, failed and ``DONE``) and say which task builds them."""

    QUEUED, RUNNING, FAILED = "queued", "running", "failed"
    ACTIVE: ClassVar[tuple[str, ...]] = (QUEUED, RUNNING)
    DONE: ClassVar[str]
    FINISHED_FIELD: ClassVar[str] = "finished_at"
    TASK: ClassVar[str]  # the dotted path of the Celery task; it takes ``job_id``
    FILE_FIELDS: ClassVar[tuple[str, ...]] = ("xlsx", "pdf")

    status: Any
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(default=timezone.now)  # last (re)sent to the queue
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=255, blank=True)  # the task id of the attempt holding it
    result = models.JSONField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def file_stem(self) -> str:
        raise NotImplementedError

    def discard_files(self) -> None:
        for name in self.FILE_FIELDS:
            field = getattr(self, name)
            if field:
                field.delete(save=False)

    def discard_partial(self) -> None:
        """Remove what a failed attempt left behind (its files; subclasses add their rows)."""
        self.discard_files()


def one_active(*fields: str, name: str) -> models.UniqueConstraint:
    """At most one active (queued or running) job with the same ``fields``: a second
    identical request is given the first one (see the ``*_request`` services)."""
    return models.UniqueConstraint(fields=list(fields), condition=Q(status__in=list(Job.ACTIVE)), name=name)


def _dead_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.JOB_DEAD_AFTER_SECONDS)


def enqueue(job: Job) -> None:
    """Send the job's message once the current transaction commits."""
    transaction.on_commit(lambda: send(type(job), job.pk))


def send(model: type[Job], job_id: int) -> bool:
    """Send the message now; on a broker that does not answer, fail the job with a reason."""
    from qcdc.celery import app

    try:
        import_string(model.TASK).apply_async(
            kwargs={"job_id": job_id},
            retry=True,
            retry_policy=SEND_RETRY,
        )
    except Exception as exc:
        if app.conf.task_always_eager:
            raise  # in-process: the job itself raised, and has recorded its outcome
        logger.exception("could not send %s %s", model.__name__, job_id)
        reason = _("Không gửi được việc tới hàng đợi (máy chủ hàng đợi không trả lời): %(error)s")
        fail(model, job_id, reason=reason % {"error": exc.__class__.__name__})
        return False
    return True


def dispatch(task: Any, **kwargs: Any) -> None:
    """After commit, queue a task that has no job row (an e-mail, a file): with retries,
    and when the broker does not answer, run it here rather than lose it."""
    transaction.on_commit(lambda: _send_or_run(task, kwargs))


def _send_or_run(task: Any, kwargs: dict[str, Any]) -> None:
    try:
        task.apply_async(kwargs=kwargs, retry=True, retry_policy=SEND_RETRY)
    except Exception:
        from qcdc.celery import app

        if app.conf.task_always_eager:
            raise
        logger.exception("broker unavailable: running %s in-process", task.name)
        task.apply(kwargs=kwargs)


def claim(model: type[J], job_id: int, token: str) -> J | None:
    """Take the job for the attempt ``token``: a queued job, the attempt's own running job
    (a retry or a redelivery), or a running job whose heartbeat stopped."""
    now = timezone.now()
    claimable = Q(status=model.QUEUED) | Q(status=model.RUNNING, worker=token)
    claimable |= Q(status=model.RUNNING, heartbeat_at__lt=now - _dead_after())
    taken = model.objects.filter(claimable, pk=job_id).update(
        status=model.RUNNING,
        worker=token,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        progress=5,
        error="",
    )
    return model.objects.get(pk=job_id) if taken else None


def progress(job: Job, percent: int) -> None:
    type(job).objects.filter(pk=job.pk, status=job.RUNNING).update(progress=percent, heartbeat_at=timezone.now())


@contextlib.contextmanager
def heartbeat(model: type[Job], job_id: int) -> Iterator[None]:
    """Stamp ``heartbeat_at`` from a side thread while the body runs: a killed worker
    stops beating, however long its current SQL statement."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    model.objects.filter(pk=job_id, status=model.RUNNING).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    logger.warning("heartbeat of %s %s not recorded", model.__name__, job_id)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{model.__name__}-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def finish(job: J, **fields: Any) -> bool:
    """Record the result if this attempt still holds the job (it was not swept meanwhile).
    The job ends ``DONE`` unless ``fields`` name another outcome of its own (``status``)."""
    fields = {"status": job.DONE, "progress": 100, job.FINISHED_FIELD: timezone.now()} | fields
    return bool(type(job).objects.filter(pk=job.pk, status=job.RUNNING, worker=job.worker).update(**fields))


def release(model: type[Job], job_id: int, token: str) -> None:
    """Hand the job back (running → queued) for the retry of the attempt ``token``."""
    model.objects.filter(pk=job_id, status=model.RUNNING, worker=token).update(status=model.QUEUED)


@transaction.atomic
def fail(model: type[Job], job_id: int, *, reason: str) -> bool:
    """Fail an active job with ``reason`` and discard what it left, in one transaction."""
    job = model.objects.select_for_update().filter(pk=job_id, status__in=model.ACTIVE).first()
    if job is None:
        return False
    job.discard_partial()
    model.objects.filter(pk=job_id).update(
        status=model.FAILED, error=reason[:2000], **{model.FINISHED_FIELD: timezone.now()}
    )
    return True


def save_files(job: Job, files: dict[str, bytes]) -> None:
    """Store the job's files (``{field: bytes}``) all or none: on an error (a full disk)
    the files already written are deleted before the error goes on, and so is the part
    of the one being written (the file system storage writes in place, and a disk that
    fills midway leaves the first part under the file's name)."""
    saved = []
    try:
        for name, body in files.items():
            field = getattr(job, name)
            target = field.storage.get_available_name(
                field.field.generate_filename(job, f"{job.file_stem()}.{name}"), max_length=field.field.max_length
            )
            try:
                stored = field.storage.save(target, ContentFile(body), max_length=field.field.max_length)
            except BaseException:
                if field.storage.exists(target):
                    field.storage.delete(target)
                raise
            setattr(job, name, stored)
            saved.append(name)
    except BaseException:
        for name in saved:
            getattr(job, name).delete(save=False)
        raise


def job_models() -> list[type[Job]]:
    """Every concrete job model of the installed apps."""
    return [model for model in apps.get_models() if issubclass(model, Job)]


def sweep_all() -> int:
    """``sweep`` every kind of job; returns how many jobs it touched."""
    return sum(sweep(model) for model in job_models())


def sweep(model: type[Job]) -> int:
    """Re-queue (or fail, after ``MAX_ATTEMPTS``) jobs whose worker died, and resend the
    messages of jobs queued too long. Returns how many jobs it touched."""
    now = timezone.now()
    dead_after = _dead_after()
    dead = model.objects.filter(
        Q(heartbeat_at__lt=now - dead_after) | Q(heartbeat_at__isnull=True, started_at__lt=now - dead_after),
        status=model.RUNNING,
    )
    touched = 0
    for job_id, attempts in dead.values_list("pk", "attempts"):
        if attempts >= MAX_ATTEMPTS:
            touched += fail(
                model, job_id, reason=_("Tiến trình xử lý đã dừng giữa chừng %(n)s lần; hãy làm lại.") % {"n": attempts}
            )
        elif dead.filter(pk=job_id).update(status=model.QUEUED, queued_at=now):
            touched += send(model, job_id)
    for job_id in model.objects.filter(status=model.QUEUED, queued_at__lt=now - QUEUE_PATIENCE).values_list(
        "pk", flat=True
    ):
        model.objects.filter(pk=job_id).update(queued_at=now)
        touched += send(model, job_id)
    return touched


def run(task: Any, model: type[J], job_id: int, work: Callable[[J], object]) -> None:
    """What every job task does: claim, run ``work`` under a heartbeat, and on an error
    retry (over minutes when the database is out) or fail with the reason."""
    from celery.exceptions import SoftTimeLimitExceeded

    token = task.request.id or uuid.uuid4().hex
    job = claim(model, job_id, token)
    if job is None:
        return
    try:
        with heartbeat(model, job_id):
            work(job)
    except SoftTimeLimitExceeded:
        fail(model, job_id, reason=_("Quá thời gian cho phép."))
    except Exception as exc:
        retries = task.request.retries
        logger.exception("%s %s failed (attempt %s)", model.__name__, job_id, retries + 1)
        if _database_down(exc):
            close_old_connections()
        countdown = retry_countdown(exc, retries)
        if countdown is None:
            fail(model, job_id, reason=str(exc) or exc.__class__.__name__)
            return
        with contextlib.suppress(DatabaseError):  # still down: the retry re-claims its own job
            release(model, job_id, token)
        if task.request.is_eager:
            task.apply(kwargs={"job_id": job_id}, retries=retries + 1, task_id=token)
            return
        raise task.retry(exc=exc, countdown=countdown, max_retries=len(DATABASE_BACKOFF)) from exc


def status_response(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The progress fragment every job's page polls (``context`` holds the ``job``, its
    ``status_url`` and, failed, the ``rebuild`` form); once the job ends the page reloads."""
    response = render(request, "_job_status.html", context)
    if not context["job"].is_active:
        response["HX-Refresh"] = "true"
    return response


def _database_down(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def retry_countdown(exc: BaseException, retries: int) -> int | None:
    """Seconds before the next attempt after ``retries`` retries, or None to fail now: a
    database outage is waited out over minutes (about a quarter of an hour in all), any
    other error is tried twice more within seconds."""
    backoff = DATABASE_BACKOFF if _database_down(exc) else ERROR_BACKOFF
    return backoff[retries] if retries < len(backoff) else None
