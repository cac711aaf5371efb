"""A real database outage in the middle of a job, on a real Celery worker and PostgreSQL:
the job's connections are cut and the database refuses new ones for a few seconds; the
job must back off (``qcdc.jobs.DATABASE_BACKOFF``), re-claim its own run and finish it,
never staying "running" or "queued"."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from qcdc import jobs
from reports.models import ReportRun
from units.periods import PeriodClose

OUTAGE_SECONDS = 5


def _connect(dbname: str) -> psycopg2.extensions.connection:
    db = connection.settings_dict
    return psycopg2.connect(dbname=dbname, user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"])


@contextlib.contextmanager
def table_locked(table: str) -> Iterator[int]:
    """Hold an exclusive lock on ``table`` from a connection of its own (yields its pid)."""
    locker = _connect(connection.settings_dict["NAME"])
    try:
        with locker.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
            cursor.execute("SELECT pg_backend_pid()")
            yield cursor.fetchone()[0]
    finally:
        locker.rollback()
        locker.close()


@contextlib.contextmanager
def maintenance() -> Iterator[psycopg2.extensions.cursor]:
    """A cursor on the server's maintenance database: a database cannot close itself."""
    admin = _connect("postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            yield cursor
    finally:
        admin.close()


def _allow_connections(allow: bool) -> None:
    with maintenance() as cursor:
        cursor.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" ALLOW_CONNECTIONS {str(allow).lower()}')


def _cut_connections(*keep: int) -> int:
    """Terminate every connection to the test database but ``keep`` (as a crash would)."""
    with maintenance() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s AND NOT pid = ANY(%s)",
            [connection.settings_dict["NAME"], list(keep)],
        )
        return cursor.fetchone()[0]


def _blocked_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_waits_out_a_database_outage_mid_run_and_finishes_the_job(real_worker, world, record_property) -> None:
    from reports.tasks import build_report_run

    run = ReportRun.objects.create(node=world.district_x, year=2025)
    try:
        # The build's first read waits on this lock, so the outage hits it mid-run.
        with table_locked(PeriodClose._meta.db_table) as locker_pid:
            build_report_run.delay(job_id=run.pk)
            deadline = time.monotonic() + 30
            while not (ReportRun.objects.filter(pk=run.pk, status="running").exists() and _blocked_on_a_lock()):
                assert time.monotonic() < deadline, "the worker never reached the locked table"
                time.sleep(0.1)
            began, began_at = time.monotonic(), timezone.now()
            _allow_connections(False)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                own_pid = cursor.fetchone()[0]
            cut = _cut_connections(locker_pid, own_pid)
        # The lock went with its connection; the database still refuses the worker.
        time.sleep(OUTAGE_SECONDS)
        during = ReportRun.objects.get(pk=run.pk)
    finally:
        _allow_connections(True)
    assert cut >= 1
    # Nothing could be recorded during the outage: the run is still the dead attempt's.
    assert during.status == "running" and during.attempts == 1
    while (current := ReportRun.objects.get(pk=run.pk)).status not in ("done", "failed"):
        assert time.monotonic() - began < 60, f"the run stayed {current.status} after the outage"
        time.sleep(0.5)
    recovered = time.monotonic() - began
    assert current.status == "done", current.error
    assert current.attempts == 2 and current.xlsx and current.pdf
    # The retry waited the first database back-off, not a few seconds.
    waited = (current.started_at - began_at).total_seconds()
    assert waited >= jobs.DATABASE_BACKOFF[0] - 1, waited
    record_property("recovered_seconds", round(recovered, 1))
    print(f"database outage of {OUTAGE_SECONDS} s: retried after {waited:.1f} s, run done {recovered:.1f} s after")
