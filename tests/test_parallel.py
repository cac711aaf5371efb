"""``qcdc.parallel.at_once``: works on connections of their own read exactly what the
calling transaction reads, and keep their writes only if every one of them succeeded."""

import threading

import pytest
from django.db import connection, transaction

from qcdc import parallel
from reports.followup.models import FollowUpSnapshotRow
from tests.factories import OrgNodeFactory
from units.models import OrgNode

pytestmark = pytest.mark.django_db(transaction=True)

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="a snapshot is shared between connections on PostgreSQL only"
)


def backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def nodes() -> int:
    return OrgNode.objects.count()


def frozen_item(close_id: int) -> FollowUpSnapshotRow:
    """A row of a table without constraints, written as a close's job writes it."""
    return FollowUpSnapshotRow.objects.create(
        close_id=close_id, item_id=1, unit_id=1, indicator="worker_conference", node_id=1,
        node_path="00000001.", category="fdi_enterprise", bucket="open", text="Tăng ca", record_id=1,
    )  # fmt: skip


def commit_a_node_elsewhere() -> None:
    """Commit a new node from a third connection, while the works run."""

    def create() -> None:
        OrgNodeFactory()
        connection.close()

    writer = threading.Thread(target=create)
    writer.start()
    writer.join()


@postgresql_only
def test_works_read_the_callers_snapshot_on_connections_of_their_own():
    committed = threading.Event()

    def after_a_commit_elsewhere() -> tuple[int, int]:
        assert committed.wait(timeout=10), "the works ran one after the other"
        return backend(), nodes()

    def commit_elsewhere() -> int:
        commit_a_node_elsewhere()
        committed.set()
        return backend()

    before = nodes()
    with transaction.atomic():
        own = backend()
        (pid, seen), other = parallel.at_once([after_a_commit_elsewhere, commit_elsewhere])
        # The node committed meanwhile is not in the works' snapshot, nor in each other's.
        assert seen == before
        assert len({own, pid, other}) == 3
        assert nodes() == before + 1  # read committed: the caller's next statement sees it


@postgresql_only
def test_the_works_writes_are_kept_when_all_succeed():
    with transaction.atomic():
        own = backend()
        pids = parallel.at_once([lambda: (frozen_item(-1), backend())[1], lambda: (frozen_item(-2), backend())[1]])
        assert own not in pids
    assert set(FollowUpSnapshotRow.objects.values_list("close_id", flat=True)) == {-1, -2}


@postgresql_only
def test_read_only_works_may_not_write():
    from django.db import InternalError

    with pytest.raises(InternalError, match="read-only"), transaction.atomic():
        parallel.at_once([lambda: frozen_item(-1), nodes], read_only=True)
    assert not FollowUpSnapshotRow.objects.exists()


@postgresql_only
def test_in_a_savepoint_the_works_run_in_turn():
    with transaction.atomic(), transaction.atomic():  # PostgreSQL exports no snapshot from a savepoint
        own = backend()
        assert parallel.at_once([backend, backend]) == [own, own]


def test_one_failing_work_rolls_every_work_back_and_raises_its_error():
    def fails() -> None:
        raise ValueError("hỏng")

    with pytest.raises(ValueError, match="hỏng"), transaction.atomic():
        parallel.at_once([lambda: frozen_item(-1), fails])
    assert not FollowUpSnapshotRow.objects.exists()


def test_after_a_write_the_works_run_in_turn_in_the_callers_transaction():
    with transaction.atomic():
        frozen_item(-1)  # not committed: another connection would not see it
        own = backend() if connection.vendor == "postgresql" else None
        seen = parallel.at_once(
            [
                lambda: (FollowUpSnapshotRow.objects.count(), backend() if own else None),
                lambda: (FollowUpSnapshotRow.objects.count(), backend() if own else None),
            ]
        )
    assert seen == [(1, own), (1, own)]
