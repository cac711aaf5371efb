"""Helpers for tests that need real services."""

import contextlib
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from qcdc.celery import app

REQUIRE_SERVICES = os.environ.get("QCDC_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip when a service is missing on a developer's machine; fail under `make test`."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (QCDC_REQUIRE_SERVICES=1: `make test` provides it)")
    pytest.skip(reason)


@contextlib.contextmanager
def broker_down() -> Iterator[None]:
    """Point the app at a port where no broker answers (as when Redis is stopped)."""
    saved = app.conf.broker_write_url, app.conf.task_always_eager

    def fresh_pools() -> None:  # connections are made again from the URL in force
        app._pool = None
        app.amqp._producer_pool = None

    fresh_pools()
    # Messages are sent through the write connection, which takes this URL first.
    app.conf.broker_write_url, app.conf.task_always_eager = "redis://127.0.0.1:1/0", False
    try:
        yield
    finally:
        fresh_pools()
        app.conf.broker_write_url, app.conf.task_always_eager = saved


def wait_for_status(model: Any, pk: int, status: str, *, seconds: float = 60) -> Any:
    """Poll a job row (moved on by a real worker) until it reaches ``status``; fail with its
    error, or the status it is stuck in, after ``seconds``."""
    deadline = time.monotonic() + seconds
    while (current := model.objects.get(pk=pk)).status != status:
        assert time.monotonic() < deadline, current.error or current.status
        time.sleep(0.2)
    return current
