"""Celery tasks of the reports app."""

from __future__ import annotations

import socket

from celery import Task, shared_task
from django.utils import timezone

from reports.models import WorkerHeartbeat


@shared_task(bind=True, ignore_result=True)
def worker_heartbeat(self: Task) -> str:
    """Record that a worker (or the in-process runner) just executed a task."""
    worker = self.request.hostname or f"in-process@{socket.gethostname()}"
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"seen_at": timezone.now()})
    return worker
