"""Writes that run at once on connections of their own, all reading the same data.

An ``INSERT … SELECT`` is never run in parallel by PostgreSQL, so a job that copies two
large tables one after the other leaves a core idle. ``at_once`` runs such works each on
its own connection, in a transaction that imports the calling transaction's snapshot
(``pg_export_snapshot``): every work reads exactly the data the caller reads, as if they
ran one after another in it, whatever commits meanwhile.

The works commit together once all of them succeeded, just before the caller goes on; if
one fails, all roll back and its error is raised. The caller's transaction commits
later, so a caller that fails after ``at_once`` must discard what the works wrote (a
job's ``discard_partial``).

The snapshot holds only what others committed: it is shared only while the caller's
transaction has written nothing yet (PostgreSQL tells: no transaction id is assigned).
Otherwise (a write earlier in the transaction, the test suite's own transaction, another
database) the works run one after another in the caller's transaction.

A work must not wait for a lock the caller holds (the caller waits for the work, and
PostgreSQL cannot see that wait): it writes its own rows and reads; ``LOCK_TIMEOUT``
ends any wait for a lock that lasts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db import connection, transaction

T = TypeVar("T")

# A work that waits this long for a lock may be waiting for its own caller, which waits
# for it (a schema change queued between them): it fails, and its job is retried.
LOCK_TIMEOUT = "60s"


def snapshot_shareable() -> bool:
    """Whether works beside the current transaction would read what it reads: on
    PostgreSQL, in a transaction that has written nothing yet (and not in a savepoint,
    from which PostgreSQL exports no snapshot)."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block or any(connection.savepoint_ids):
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NULL")
        (unwritten,) = cursor.fetchone()
    return bool(unwritten)


class _Beside(threading.Thread):
    """One work in a transaction of its own that imports ``snapshot``; it reports when
    done (``ready``), then commits or rolls back as ``decision`` says."""

    def __init__(self, work: Callable[[], object], snapshot: str, decision: _Decision, *, read_only: bool) -> None:
        super().__init__(name="qcdc-at-once", daemon=True)
        self.work = work
        self.snapshot = snapshot
        self.decision = decision
        self.read_only = read_only
        self.ready = threading.Event()
        self.result: object = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    cursor.execute("SET TRANSACTION SNAPSHOT %s", [self.snapshot])
                    if self.read_only:
                        cursor.execute("SET TRANSACTION READ ONLY")
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
                try:
                    self.result = self.work()
                except BaseException as exc:
                    self.error = exc  # before ``ready``: the decision reads it
                    raise
                finally:
                    self.ready.set()
                if not self.decision.wait():
                    transaction.set_rollback(True)
        except BaseException as exc:  # raised in the caller's thread  # noqa: BLE001
            self.error = self.error or exc
        finally:
            self.ready.set()
            connection.close()


class _Decision:
    """Commit or roll back, told to every work at once."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._commit = False

    def tell(self, *, commit: bool) -> None:
        self._commit = commit
        self._event.set()

    def wait(self) -> bool:
        self._event.wait()
        return self._commit


def _join(threads: list[_Beside]) -> None:
    """Wait for every work to end, even through an interruption (a time limit), which is
    raised once they have: a job that fails then discards what its works wrote, and a
    commit still under way would land after that."""
    interrupted: BaseException | None = None
    for thread in threads:
        while thread.is_alive():
            try:
                thread.join()
            except BaseException as exc:  # noqa: BLE001  (raised below)
                interrupted = interrupted or exc
    if interrupted is not None:
        raise interrupted


def at_once(works: Sequence[Callable[[], T]], *, read_only: bool = False) -> list[T]:
    """Run ``works`` (see the module) and return their results in order; ``read_only``
    works are refused any write on their connections."""
    if len(works) < 2 or not snapshot_shareable():
        return [work() for work in works]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
    decision = _Decision()
    started: list[_Beside] = []
    try:
        for work in works:
            thread = _Beside(work, snapshot, decision, read_only=read_only)
            thread.start()
            started.append(thread)
        for thread in started:
            thread.ready.wait()
        decision.tell(commit=all(thread.error is None for thread in started))
    except BaseException:
        decision.tell(commit=False)  # interrupted (a time limit): nothing is kept
        raise
    finally:
        _join(started)
    for thread in started:
        if thread.error is not None:
            raise thread.error
    return [thread.result for thread in started]  # type: ignore[misc]
