"""Actions that cannot double: one import per confirmation token, one accepted record
per event whatever path writes it, and on SQLite the loser of a race is refused as
stale instead of crashing with "database is locked"."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from conferences import importing, services
from conferences.models import AuditEntry, Record
from tests.factories import RecordFactory
from tests.support import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
URL = reverse("conferences:import_events")
D = datetime.date


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        skip_or_fail("simultaneous requests need the PostgreSQL test database (set DATABASE_URL)")


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_confirms_of_one_import_write_once(world, monkeypatch):
    """Both requests hold the same token; both would plan the same file and write it."""
    _needs_postgresql()
    rows = "".join(
        f"A001,worker_conference,{D(2020, 1, 1) + datetime.timedelta(days=n):%d/%m/%Y},,,\n" for n in range(100)
    )
    staff = Client()
    staff.force_login(world.staff_x)
    upload = SimpleUploadedFile("lich-su.csv", f"unit_code,kind,date,invited,attended,status\n{rows}".encode())
    token = staff.post(URL, {"step": "preview", "file": upload}).context["token"]

    # Hold each confirmation between reading the file and writing it until the other
    # one got there too (or 3 s passed): the widest window two real requests can have.
    both_planned = threading.Barrier(2, timeout=3)
    plan = importing.plan_events_upload

    def plan_then_wait(**kwargs):
        planned = plan(**kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_planned.wait()
        return planned

    monkeypatch.setattr(importing, "plan_events_upload", plan_then_wait)
    answers: list[tuple[int, list[str]]] = []

    def confirm() -> None:
        client = Client()
        client.force_login(world.staff_x)
        try:
            response = client.post(URL, {"step": "confirm", "token": token, "file_name": "lich-su.csv"})
            answers.append((response.status_code, [str(m) for m in get_messages(response.wsgi_request)]))
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert Record.objects.filter(unit=world.unit_a).count() == 100
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORTED).count() == 100
    assert sorted(status for status, _messages in answers) == [302, 302]
    assert sorted(m for _status, messages in answers for m in messages) == [
        "Không tìm thấy tệp đã tải lên (có thể đã được nhập hoặc đã hết hạn). Hãy tải tệp lên lại.",
        "Đã nhập 100 hồ sơ; 0 hồ sơ đã có.",
    ]


@pytest.mark.django_db
def test_the_database_refuses_a_second_accepted_record_of_one_event(world):
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 10), status="accepted")
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 10), status="accepted")
    # Not accepted, or another day: allowed (a chair may draft again; two dialogues a year).
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 10), status="draft")
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 11), status="accepted")


@pytest.mark.django_db
def test_accepting_the_twin_of_an_accepted_record_is_refused_in_vietnamese(world):
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 10), status="accepted")
    twin = RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 10), status="submitted")
    with pytest.raises(ValidationError) as refused:
        services.record_accept(record=twin, by=world.staff_x)
    assert "đã có hồ sơ cùng loại, cùng ngày được duyệt" in refused.value.messages[0]
    twin.refresh_from_db()
    assert twin.status == "submitted"


@pytest.mark.django_db
def test_the_accept_button_on_a_twin_answers_with_a_message_not_a_500(client_as, world):
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 10), status="accepted")
    twin = RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 10), status="submitted")
    response = client_as(world.staff_x).post(reverse("conferences:record_accept", args=[twin.pk]))
    assert response.status_code == 302
    assert any("cùng ngày được duyệt" in str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_oldest_accepted_twin_and_returns_the_others(world):
    executor = MigrationExecutor(connection)
    before, after = ("conferences", "0002_seed_rules"), ("conferences", "0003_one_accepted_record_per_day")
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps.get_model("conferences", "Record")
        fields = {"unit_id": world.unit_a.pk, "kind": "worker_conference", "held_on": D(2024, 3, 1), "year": 2024}
        kept, twin = (old.objects.create(**fields, status="accepted") for _ in range(2))
        other = old.objects.create(**{**fields, "held_on": D(2024, 3, 2)}, status="accepted")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate([after])
        # Then every later migration too, so the tests after this one find the whole schema.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert Record.objects.get(pk=kept.pk).status == "accepted"
    assert Record.objects.get(pk=other.pk).status == "accepted"
    returned = Record.objects.get(pk=twin.pk)
    assert returned.status == "returned" and f"#{kept.pk}" in returned.return_reason
    assert returned.audit.get().action == AuditEntry.Action.RETURNED


SQLITE_RACE = """
import datetime, json, os, sys, threading
os.environ["DATABASE_URL"] = "sqlite:///" + sys.argv[1]
os.environ["DJANGO_SETTINGS_MODULE"] = "qcdc.settings"
import django
django.setup()
from django.core.management import call_command
from django.db import OperationalError, connection
from conferences import services
from conferences.models import Record
from django.contrib.auth.models import User
from units.models import OrgNode, Role, Unit

call_command("migrate", verbosity=0)
node = OrgNode.objects.create(code="X", name="X")
unit = Unit.objects.create(code="A", name="A", category="private_enterprise", node=node)
staff = User.objects.create(username="staff")
Role.objects.create(user=staff, kind="staff", node=node)
record = Record.objects.create(
    unit=unit, kind="worker_conference", held_on=datetime.date(2025, 3, 10), status="submitted"
)
connection.close()

# Both transactions read the record, then both write it: the classic SQLite deadlock.
both_read = threading.Barrier(2, timeout=3)
locked = services._locked
def read_then_wait(current):
    current = locked(current)
    try:
        both_read.wait()
    except threading.BrokenBarrierError:
        pass
    return current
services._locked = read_then_wait
outcomes = []
def accept():
    try:
        services.record_accept(record=Record.objects.get(pk=record.pk), by=staff)
        outcomes.append("accepted")
    except services.TransitionNotAllowed:
        outcomes.append("refused as stale")
    except OperationalError as exc:
        outcomes.append("error: " + str(exc))
    finally:
        connection.close()
threads = [threading.Thread(target=accept) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(sorted(outcomes)))
"""


def test_on_sqlite_the_second_of_two_simultaneous_accepts_is_refused_as_stale(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-c", SQLITE_RACE, str(tmp_path / "db.sqlite3")],
        cwd=ROOT,
        env={**env, "MEDIA_ROOT": str(tmp_path / "media"), "CELERY_BROKER_URL": ""},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["accepted", "refused as stale"]
