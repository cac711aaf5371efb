"""Facts only for the years that need them: which years are built, what a write to a
year built or not does, what facts_check says and repairs, what the nightly job builds,
and a write racing the first build of its year."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from conferences import services
from conferences.facts import maintain
from conferences.facts.check import check_year
from conferences.facts.years import built_years, forget_unneeded, missing_years, years_to_build
from conferences.models import Fact, FactCube, FactYear, ObligationRule, Record
from conferences.tasks import facts_rebuild_year
from tests.support import skip_or_fail
from units.periods import Period, PeriodDeadline, reporting_years

D = datetime.date
ALL_RULE_YEARS = list(range(2015, 2031))


def unbuild(*years: int) -> None:
    """Make ``years`` not built, as they are for an installation that never asked for them."""
    for model in (Fact, FactCube, FactYear):
        model.objects.filter(year__in=years).delete()


def accepted(world, kind: str, held_on: datetime.date, unit=None) -> Record:
    record = services.record_create(unit=unit or world.unit_a, kind=kind, by=world.admin, data={"held_on": held_on})
    services.record_accept(record=record, by=world.admin)
    return Record.objects.get(pk=record.pk)


@pytest.fixture
def january_2026(monkeypatch):
    """Today is 10 January 2026: 2025's reporting is still going on."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 1, 10))


@pytest.mark.django_db
def test_last_year_is_reported_on_until_its_last_close_deadline(world):
    # Three levels (root, province, districts): the root closes the year a fortnight after
    # the districts' 15 January.
    assert reporting_years(D(2026, 1, 29)) == [2025, 2026]
    assert reporting_years(D(2026, 1, 30)) == [2026]
    PeriodDeadline.objects.create(year=2025, period=Period.YEAR, depth=0, due_on=D(2026, 3, 31))
    assert reporting_years(D(2026, 3, 31)) == [2025, 2026]
    assert reporting_years(D(2026, 4, 1)) == [2026]


@pytest.mark.django_db
def test_the_years_to_build_are_those_with_records_reported_on_shown_in_their_trend_or_built(world, january_2026):
    unbuild(*ALL_RULE_YEARS)
    accepted(world, "worker_conference", D(2019, 3, 1))
    services.record_create(unit=world.unit_c, kind="worker_conference", by=world.admin, data={"held_on": D(2017, 3, 1)})
    maintain.rebuild_year(2016)

    assert built_years() == [2016]
    # 2025 and 2026 are reported on; their dashboards show 2021–2026; 2017 has only a draft.
    assert years_to_build() == [2016, 2019, 2021, 2022, 2023, 2024, 2025, 2026]
    assert missing_years() == [2019, 2021, 2022, 2023, 2024, 2025, 2026]


@pytest.mark.django_db
def test_a_write_to_a_year_not_built_does_not_build_it(world):
    unbuild(2019)
    accepted(world, "worker_conference", D(2019, 3, 1))
    accepted(world, "inspection_board", D(2019, 5, 1))

    assert not FactYear.objects.filter(year=2019).exists()
    assert not Fact.objects.filter(year=2019).exists() and not FactCube.objects.filter(year=2019).exists()
    # A standing record counts on, in the years that are built.
    board = Fact.objects.get(unit=world.unit_a, year=2020, period=Period.YEAR, indicator="inspection_board")
    assert board.done
    assert not check_year(2020)


@pytest.mark.django_db
def test_a_write_to_a_built_year_refreshes_it(world):
    assert FactYear.objects.filter(year=2025).exists()
    accepted(world, "worker_conference", D(2025, 3, 1))

    fact = Fact.objects.get(unit=world.unit_a, year=2025, period=Period.YEAR, indicator="worker_conference")
    assert fact.done
    assert not check_year(2025)


@pytest.mark.django_db
def test_a_rule_edit_leaves_a_year_not_built_unbuilt(world, django_capture_on_commit_callbacks):
    unbuild(2018)
    with django_capture_on_commit_callbacks(execute=True) as jobs:
        rule = ObligationRule.objects.get(year=2018, indicator="worker_conference")
        rule.min_employees = 50
        rule.save()
    assert jobs  # the rebuild job ran
    assert not FactYear.objects.filter(year=2018).exists()


@pytest.mark.django_db
def test_facts_check_names_a_year_not_built_and_repair_builds_it(world, capsys):
    accepted(world, "worker_conference", D(2024, 3, 1))
    unbuild(2024)

    with pytest.raises(CommandError):
        call_command("facts_check")
    assert "Năm 2024: cần có số liệu tổng hợp" in capsys.readouterr().out
    with pytest.raises(CommandError, match="đã sửa"):
        call_command("facts_check", "--repair")
    assert "Năm 2024: đã dựng" in capsys.readouterr().out
    assert Fact.objects.get(unit=world.unit_a, year=2024, period=Period.YEAR, indicator="worker_conference").done
    call_command("facts_check")
    assert "Năm 2024: khớp" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_nightly_job_builds_the_missing_years_and_no_other(world, january_2026):
    accepted(world, "worker_conference", D(2019, 3, 1))
    unbuild(*ALL_RULE_YEARS)

    facts_rebuild_year(force=True)  # as beat calls it

    assert built_years() == [2019, 2021, 2022, 2023, 2024, 2025, 2026]
    assert Fact.objects.get(unit=world.unit_a, year=2019, period=Period.YEAR, indicator="worker_conference").done
    assert not missing_years()


@pytest.mark.django_db
def test_facts_rebuild_builds_the_years_to_build_after_forgetting_the_unneeded(world, january_2026, capsys):
    accepted(world, "worker_conference", D(2019, 3, 1))

    call_command("facts_rebuild", "--forget-unneeded")

    assert built_years() == [2019, 2021, 2022, 2023, 2024, 2025, 2026]
    assert not Fact.objects.filter(year=2030).exists()
    assert "Năm 2019" in capsys.readouterr().out
    assert forget_unneeded() == []


@pytest.mark.django_db(transaction=True)
def test_a_write_during_the_first_build_of_its_year_reaches_the_built_facts(world):
    """A build owns its year's lock from before it reads the records until its stamp is
    committed; a write shares the lock before it reads which years are built. Here the
    build holds the lock, the write (its record accepted, not committed) waits, the build
    counts the record as not accepted and commits; the write then sees the year built and
    refreshes its unit. Read before the lock, the year would look unbuilt and be skipped."""
    if connection.vendor != "postgresql":
        skip_or_fail("the year locks are PostgreSQL advisory locks (set DATABASE_URL)")
    record = services.record_create(
        unit=world.unit_a, kind="worker_conference", by=world.admin, data={"held_on": D(2025, 3, 1)}
    )
    unbuild(2025)
    locked, go = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def build() -> None:
        with transaction.atomic():
            maintain._own_year(2025)
            locked.set()
            assert go.wait(20)
            maintain.rebuild_year(2025)

    def write() -> None:
        with transaction.atomic():
            services.record_accept(record=Record.objects.get(pk=record.pk), by=world.admin)

    builder = _started(build, failures)
    assert locked.wait(20)
    writer = _started(write, failures)
    _until_someone_waits_for_an_advisory_lock("the write never waited for the build's lock")
    go.set()
    builder.join(30)
    writer.join(30)
    assert not failures
    assert FactYear.objects.filter(year=2025).exists()
    assert Fact.objects.get(unit=world.unit_a, year=2025, period=Period.YEAR, indicator="worker_conference").done
    assert not check_year(2025)


@pytest.mark.django_db
def test_the_years_a_dashboard_shows_are_not_forgotten(client_as, world, january_2026):
    unbuild(*ALL_RULE_YEARS)
    response = client_as(world.staff_x).get(f"{reverse('reports:dashboard')}?node={world.district_x.pk}&year=2026")
    assert response.status_code == 200
    assert built_years() == [2022, 2023, 2024, 2025, 2026]  # built by the first visit

    assert forget_unneeded() == []
    assert built_years() == [2022, 2023, 2024, 2025, 2026]


@pytest.mark.django_db(transaction=True)
def test_forgetting_waits_for_a_write_to_the_year_and_keeps_it_if_the_write_made_it_needed(world):
    """``forget_unneeded`` owns every built year's lock before it decides what to drop.
    Here a write accepting 2016's first record holds 2016's lock; forgetting waits, then
    finds the year needed and keeps it. Deciding first, it would drop a year that has a
    record (and a close, which holds its year's lock the same way, could copy a year
    emptied under it)."""
    if connection.vendor != "postgresql":
        skip_or_fail("the year locks are PostgreSQL advisory locks (set DATABASE_URL)")
    record = services.record_create(
        unit=world.unit_a, kind="worker_conference", by=world.admin, data={"held_on": D(2016, 3, 1)}
    )
    assert FactYear.objects.filter(year=2016).exists()
    written, go = threading.Event(), threading.Event()
    failures: list[BaseException] = []
    dropped: list[int] = []

    def write() -> None:
        with transaction.atomic():
            services.record_accept(record=Record.objects.get(pk=record.pk), by=world.admin)
            written.set()
            assert go.wait(20)

    writer = _started(write, failures)
    assert written.wait(20)
    forgetter = _started(lambda: dropped.extend(forget_unneeded()), failures)
    _until_someone_waits_for_an_advisory_lock("forgetting never waited for the write's lock")
    go.set()
    writer.join(30)
    forgetter.join(30)
    assert not failures
    assert 2016 not in dropped and 2015 in dropped
    assert Fact.objects.get(unit=world.unit_a, year=2016, period=Period.YEAR, indicator="worker_conference").done
    assert not check_year(2016)


def _started(work: Callable[[], object], failures: list[BaseException]) -> threading.Thread:
    """``work`` started in a thread of its own (its own connection), its error kept in
    ``failures`` for the test to report."""

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001  (reported by the test)
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _until_someone_waits_for_an_advisory_lock(message: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted)")
            if cursor.fetchone()[0]:
                return
        assert time.monotonic() < deadline, message
        time.sleep(0.05)
