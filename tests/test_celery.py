"""The Celery round trip: in-process by default, through Redis to a real worker in CI."""

import socket
import time

import pytest

from reports.models import WorkerHeartbeat
from reports.tasks import worker_heartbeat


@pytest.mark.django_db
def test_it_runs_the_task_in_process_when_no_broker_is_used():
    worker_heartbeat.delay()
    beat = WorkerHeartbeat.objects.get()
    assert beat.worker.endswith(socket.gethostname())


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_runs_the_task_on_a_real_worker_through_the_broker(real_worker):
    worker_heartbeat.delay()
    deadline = time.monotonic() + 30
    while not WorkerHeartbeat.objects.filter(worker__startswith="pytest-worker@").exists():
        assert time.monotonic() < deadline, "the worker did not write its heartbeat within 30 s"
        time.sleep(0.2)
