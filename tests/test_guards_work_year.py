"""A unit's work year may not start in another month when that would move one of its
records into or out of a closed period (#19): on the unit form, the admin, the units
import (command and browser) and any other save (the rule sits with the recount)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conferences.models import Record
from tests.factories import UnitFactory
from tests.test_guards import browser_preview, run_command
from tests.units.test_admin_guards import unit_post
from units import importing
from units import services as unit_services
from units.models import Unit
from units.periods import Period, PeriodClose, work_year_refusals

pytestmark = pytest.mark.django_db
D = datetime.date
HEADER = "code,name,category,federation_code,work_year_start_month\n"
REFUSED = "Không thể đổi tháng bắt đầu năm công tác"


@pytest.fixture
def held(world) -> dict[str, Record]:
    """A conference of March 2025 in each unit: year 2025 while the work year starts in January."""
    return {
        u.code: Record.objects.create(unit=u, kind="worker_conference", held_on=D(2025, 3, 10))
        for u in (world.unit_a, world.unit_b, world.unit_c)
    }


def close(node, year: int, period: str = Period.YEAR, status: str = PeriodClose.Status.CLOSED) -> PeriodClose:
    return PeriodClose.objects.create(node=node, year=year, period=period, version=1, status=status)


def state() -> list[tuple]:
    """The units' months and versions, and the records' years."""
    units = list(Unit.objects.order_by("code").values_list("code", "work_year_start_month", "version"))
    return units + list(Record.objects.order_by("pk").values_list("pk", "year"))


def import_file(world, *codes: str, month: int = 9) -> str:
    units = {u.code: u for u in (world.unit_a, world.unit_b, world.unit_c)}
    return HEADER + "".join(f"{c},{units[c].name},{units[c].category},{units[c].node.code},{month}\n" for c in codes)


def by_form(world, client_as, tmp_path) -> None:
    unit = world.unit_a
    data = unit_post(unit, work_year_start_month=9, version=unit.version)
    response = client_as(world.staff_x).post(reverse("units:unit_edit", args=[unit.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert REFUSED in page and "Cả năm 2024 của LĐLĐ khu vực X" in page


def by_service(world, client_as, tmp_path) -> None:
    unit = world.unit_a
    with pytest.raises(ValidationError, match=REFUSED):
        unit_services.unit_update(unit=unit, by=world.staff_x, version=unit.version, work_year_start_month=9)


def by_save(world, client_as, tmp_path) -> None:
    """Any other path that saves the unit in a transaction (a script) fails at the recount."""
    unit = Unit.objects.get(pk=world.unit_a.pk)
    unit.work_year_start_month = 9
    with pytest.raises(ValidationError, match=REFUSED), transaction.atomic():
        unit.save()


def by_admin(world, client_as, tmp_path) -> None:
    from tests.factories import UserFactory

    client = client_as(UserFactory(username="root", is_staff=True, is_superuser=True))
    unit = world.unit_a
    data = unit_post(unit, work_year_start_month=9, seen_version=unit.version)
    response = client.post(reverse("admin:units_unit_change", args=[unit.pk]), data)
    assert response.status_code == 200
    assert REFUSED in response.content.decode()


def by_import_command(world, client_as, tmp_path) -> None:
    printed = run_command(tmp_path, "import_units", import_file(world, "C001", "A001", "B001"))
    assert f"Dòng 3: {REFUSED}" in printed and f"Dòng 4: {REFUSED}" in printed
    assert "Dòng 2" not in printed  # unit C's district has closed nothing


def by_browser_import(world, client_as, tmp_path) -> None:
    page = browser_preview(client_as(world.admin), "units:import_units", import_file(world, "C001", "A001", "B001"))
    assert page.count(REFUSED) == 2


PATHS = [by_form, by_service, by_save, by_admin, by_import_command, by_browser_import]


@pytest.mark.parametrize("path", PATHS, ids=lambda f: f.__name__)
def test_a_month_that_moves_a_record_into_a_closed_year_is_refused_on_every_path(
    world, held, client_as, tmp_path, path: Callable
) -> None:
    """From September, the conference of March 2025 would count in 2024, which X closed."""
    close(world.district_x, 2024)
    before = state()
    path(world, client_as, tmp_path)
    assert state() == before


@pytest.mark.parametrize("path", PATHS, ids=lambda f: f.__name__)
def test_a_month_that_moves_a_record_out_of_a_closed_half_year_is_refused(
    world, held, client_as, tmp_path, path: Callable
) -> None:
    """The province's half-year 2025 (still being closed) counts the conference of March 2025."""
    close(world.province, 2025, Period.HALF, status=PeriodClose.Status.RUNNING)
    before = state()
    if path in (by_import_command, by_browser_import):
        # Unit C is under the province too: both rows are refused.
        printed = (
            run_command(tmp_path, "import_units", import_file(world, "A001", "C001"))
            if path is by_import_command
            else browser_preview(client_as(world.admin), "units:import_units", import_file(world, "A001", "C001"))
        )
        assert printed.count(REFUSED) == 2 and "6 tháng đầu năm 2025 của LĐLĐ tỉnh P" in printed
    elif path is by_form:
        unit = world.unit_a
        data = unit_post(unit, work_year_start_month=9, version=unit.version)
        page = client_as(world.staff_x).post(reverse("units:unit_edit", args=[unit.pk]), data).content.decode()
        assert REFUSED in page and "6 tháng đầu năm 2025 của LĐLĐ tỉnh P" in page
    else:
        path(world, client_as, tmp_path)
    assert state() == before


def test_the_message_names_the_record_and_both_years(world, held) -> None:
    close(world.district_x, 2024)
    refused = work_year_refusals({world.unit_a.pk: 9, world.unit_c.pk: 9})
    assert refused == {
        world.unit_a.pk: (
            "Không thể đổi tháng bắt đầu năm công tác: hồ sơ «Hội nghị người lao động» ngày 10/03/2025 sẽ "
            "chuyển từ năm 2025 sang năm 2024, thuộc kỳ đã chốt Cả năm 2024 của LĐLĐ khu vực X. "
            "Cấp trên cần mở lại kỳ báo cáo trước."
        )
    }


@pytest.mark.parametrize(
    "closes",
    [
        [],
        [("district_y", 2024, Period.YEAR)],  # another district
        [("district_x", 2023, Period.YEAR)],  # a year no record moves into or out of
        [("district_x", 2025, Period.HALF)],  # reopened below: holds nothing
    ],
    ids=["no_close", "other_district", "other_year", "reopened"],
)
def test_a_month_that_moves_no_record_across_a_closed_period_is_allowed(world, held, client_as, closes) -> None:
    for name, year, period in closes:
        status = PeriodClose.Status.REOPENED if name == "district_x" and year == 2025 else PeriodClose.Status.CLOSED
        close(getattr(world, name), year, period, status=status)
    unit = world.unit_a
    data = unit_post(unit, work_year_start_month=9, version=unit.version)
    response = client_as(world.staff_x).post(reverse("units:unit_edit", args=[unit.pk]), data)
    assert response.status_code == 302
    assert Unit.objects.get(pk=unit.pk).work_year_start_month == 9
    held["A001"].refresh_from_db()
    assert held["A001"].year == 2024


def test_a_month_that_moves_no_record_is_allowed_under_a_closed_year(world, held, tmp_path) -> None:
    """From February, the conference of March stays in 2025; nothing closed changes."""
    close(world.district_x, 2025)
    plan = importing.plan_units_import(
        table=importing.read_table(
            data=import_file(world, "A001", month=2).encode(), suffix=".csv", columns=importing.UNIT_IMPORT_COLUMNS
        ),
        by=None,
    )
    assert plan.ok, plan.errors
    importing.units_import(plan=plan, by=None)
    assert Unit.objects.get(pk=world.unit_a.pk).work_year_start_month == 2
    held["A001"].refresh_from_db()
    assert held["A001"].year == 2025


def test_the_admin_saves_a_month_that_moves_no_closed_record(world, held, client_as) -> None:
    from tests.factories import UserFactory

    close(world.district_y, 2024)
    client = client_as(UserFactory(username="root", is_staff=True, is_superuser=True))
    unit = world.unit_a
    data = unit_post(unit, work_year_start_month=9, seen_version=unit.version)
    assert client.post(reverse("admin:units_unit_change", args=[unit.pk]), data).status_code == 302
    held["A001"].refresh_from_db()
    assert held["A001"].year == 2024


def test_the_import_checks_every_unit_with_a_fixed_number_of_queries(world) -> None:
    close(world.district_x, 2024)

    def queries(units: int) -> int:
        made = [UnitFactory(code=f"S{units}{i:03d}", node=world.district_x) for i in range(units)]
        for unit in made:
            Record.objects.create(unit=unit, kind="worker_conference", held_on=D(2025, 3, 10))
        months = {unit.pk: 9 for unit in made}
        with CaptureQueriesContext(connection) as captured:
            refused = work_year_refusals(months)
        assert set(refused) == set(months)
        return len(captured)

    assert queries(2) == queries(12)


def test_units_checked_in_several_chunks_are_all_named(world, held, monkeypatch) -> None:
    from conferences.facts import signals

    monkeypatch.setattr(signals, "REFUSALS_CHUNK", 1)
    close(world.district_x, 2024)
    refused = work_year_refusals({world.unit_a.pk: 9, world.unit_b.pk: 10, world.unit_c.pk: 9})
    assert set(refused) == {world.unit_a.pk, world.unit_b.pk}


@pytest.mark.django_db(transaction=True)
def test_putting_a_unit_back_from_its_history_is_checked_against_the_stored_month(world, held, client_as) -> None:
    """The history page runs outside the test's transaction as in production: the old copy
    (month 1) is put back while the unit is at month 9 and a close now holds 2025."""
    from tests.factories import UserFactory
    from tests.test_guards_bulk import history_url, revert_post

    unit = world.unit_a
    unit_services.unit_update(unit=unit, by=None, version=unit.version, work_year_start_month=9)
    client = client_as(UserFactory(username="root", is_staff=True, is_superuser=True))
    close(world.district_x, 2024)
    before = state()
    response = client.post(history_url(unit), revert_post(client, unit))
    assert response.status_code == 200 and REFUSED in response.content.decode()
    assert state() == before
    PeriodClose.objects.all().delete()
    assert client.post(history_url(unit), revert_post(client, unit)).status_code == 302
    assert Unit.objects.get(pk=unit.pk).work_year_start_month == 1
