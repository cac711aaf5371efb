"""Every write path goes through the same guards: each rule that refuses a write is tried
on each path that could make it (the form or service, the import command, the browser
import, the admin, regrouping), and each must refuse with nothing written."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from conferences import services as record_services
from conferences.models import AuditEntry, Record
from tests.factories import OrgNodeFactory, UserFactory
from units import regrouping
from units import services as unit_services
from units.models import OrgNode, Unit, UnitTransfer
from units.periods import Period, PeriodClose

pytestmark = pytest.mark.django_db
D = datetime.date
IN_CLOSED_YEAR = D(2025, 5, 10)
EVENTS = "unit_code,kind,date,invited,attended,status\n"
UNITS = "code,name,category,federation_code,employees,union_members\n"


@pytest.fixture
def closed(world):
    """District X's year 2025 is closed (the close's figures do not matter to the guards)."""
    return PeriodClose.objects.create(
        node=world.district_x, year=2025, period=Period.YEAR, version=1, status=PeriodClose.Status.CLOSED
    )


@pytest.fixture
def ended(world):
    """District Z was merged into district Y ten days ago."""
    z = OrgNodeFactory(code="Z", name="LĐLĐ khu vực Z", parent=world.province)
    return regrouping.node_merge(
        node=z, into=world.district_y, effective_on=timezone.localdate() - datetime.timedelta(days=10), by=None
    )


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def run_command(tmp_path, name: str, text: str, *args: str) -> str:
    """Run an import command on ``text``; it must refuse. Returns what it printed."""
    path = tmp_path / "file.csv"
    path.write_text(text)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(name, str(path), *args, stderr=err)
    return err.getvalue()


def browser_preview(client, url_name: str, text: str) -> str:
    response = client.post(
        reverse(url_name), {"step": "preview", "file": SimpleUploadedFile("file.csv", text.encode(), "text/csv")}
    )
    assert response.status_code == 200
    assert response.context["token"] == ""  # nothing kept to confirm: the file cannot be imported
    return response.content.decode()


def records_written() -> tuple[int, int]:
    return Record.objects.count(), AuditEntry.objects.count()


def units_state() -> list[tuple[str, int, int, int]]:
    return list(Unit.objects.order_by("code").values_list("code", "node_id", "employees", "version"))


# --- A closed period -----------------------------------------------------------------

CLOSED_EVENTS = (
    EVENTS + "C001,worker_conference,10/05/2025,50,40,accepted\n"  # district Y: not closed
    "A001,worker_conference,10/05/2025,50,40,accepted\n"  # district X, 2025: closed
    "B001,qcdc_regulation,01/02/2024,,,accepted\n"  # a standing fact in force in the closed year
)


def closed_by_service(world, client_as, tmp_path) -> None:
    with pytest.raises(ValidationError) as refused:
        record_services.record_create(
            unit=world.unit_a, kind="worker_conference", by=world.staff_x, data={"held_on": IN_CLOSED_YEAR}
        )
    assert "đã được chốt" in str(refused.value)


def closed_by_form(world, client_as, tmp_path) -> None:
    client = client_as(world.staff_x)
    url = reverse("conferences:record_create", kwargs={"unit_pk": world.unit_a.pk, "kind": "worker_conference"})
    response = client.post(url, {"held_on": "10/05/2025", "format": "full", "invited": 50, "attended": 40})
    assert response.status_code == 200 and "đã được chốt" in response.content.decode()


def closed_by_import_command(world, client_as, tmp_path) -> None:
    printed = run_command(tmp_path, "import_events", CLOSED_EVENTS)
    assert "Dòng 3: Số liệu kỳ báo cáo của ngày này đã được chốt" in printed
    assert "Dòng 4: Số liệu kỳ báo cáo của ngày này đã được chốt" in printed
    assert "Dòng 2" not in printed


def closed_by_browser_import(world, client_as, tmp_path) -> None:
    page = browser_preview(client_as(world.admin), "conferences:import_events", CLOSED_EVENTS)
    assert page.count("đã được chốt") == 2


def closed_by_admin(world, client_as, tmp_path) -> None:
    client = client_as(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:conferences_record_add")).status_code == 403
    record = Record.objects.create(unit=world.unit_b, kind="worker_conference", held_on=D(2024, 3, 1))
    before = records_written()
    response = client.post(reverse("admin:conferences_record_change", args=[record.pk]), {"held_on": "2025-05-10"})
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.held_on == D(2024, 3, 1) and records_written() == before
    record.delete()


def closed_by_regroup(world, client_as, tmp_path) -> None:
    with pytest.raises(CommandError, match="đã chốt"):
        call_command("regroup", "transfer", "--unit", "A001", "--to", "Y", "--on", "2025-06-01")
    assert not UnitTransfer.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        closed_by_service,
        closed_by_form,
        closed_by_import_command,
        closed_by_browser_import,
        closed_by_admin,
        closed_by_regroup,
    ],
    ids=lambda f: f.__name__,
)
def test_a_closed_period_is_refused_on_every_write_path(world, closed, client_as, tmp_path, path: Callable) -> None:
    before = records_written()
    path(world, client_as, tmp_path)
    assert records_written() == before


def test_it_refuses_an_events_import_confirmed_after_the_period_was_closed(world, client_as) -> None:
    """The preview was clean; the confirmation checks again and writes nothing."""
    client = client_as(world.staff_x)
    upload = SimpleUploadedFile("file.csv", (EVENTS + "A001,worker_conference,10/05/2025,50,40,\n").encode())
    preview = client.post(reverse("conferences:import_events"), {"step": "preview", "file": upload})
    token = preview.context["token"]
    assert token
    PeriodClose.objects.create(node=world.province, year=2025, period=Period.YEAR, version=1, status="running")
    response = client.post(reverse("conferences:import_events"), {"step": "confirm", "token": token})
    assert response.status_code == 200 and "đã được chốt" in response.content.decode()
    assert not Record.objects.exists()


def test_the_bulk_check_agrees_with_the_record_check(world, closed) -> None:
    """The import's bulk rule and the record form's rule give the same answer."""
    from conferences.permissions import is_frozen
    from units.periods import Event, frozen_events

    cases = [
        (world.unit_a, D(2025, 5, 10), "worker_conference"),
        (world.unit_a, D(2024, 5, 10), "worker_conference"),
        (world.unit_a, D(2024, 5, 10), "qcdc_regulation"),
        (world.unit_c, D(2025, 5, 10), "worker_conference"),
        (world.unit_b, D(2026, 1, 5), "inspection_board"),
    ]
    records = [Record(unit=u, held_on=d, kind=k) for u, d, k in cases]
    bulk = frozen_events(
        Event(key=i, unit=r.unit, held_on=r.held_on, standing=r.kind in ("qcdc_regulation", "inspection_board"))
        for i, r in enumerate(records)
    )
    assert {i for i, r in enumerate(records) if is_frozen(r)} == set(bulk) == {0, 2}


# --- A node that has ended (merged away) ----------------------------------------------


def ended_by_service(world, client_as, tmp_path, ended) -> None:
    with pytest.raises(ValidationError, match="đã ngừng hoạt động"):
        unit_services.unit_create(by=None, code="N1", name="Mới", category="private_enterprise", node=ended)
    with pytest.raises(ValidationError, match="đã ngừng hoạt động"):
        unit_services.node_create(code="Z1", name="Công đoàn ngành Z1", parent=ended)
    unit = world.unit_c
    with pytest.raises(ValidationError, match="đã ngừng hoạt động"):
        unit_services.unit_update(unit=unit, by=None, version=unit.version, node=ended)


def ended_by_import_command(world, client_as, tmp_path, ended) -> None:
    printed = run_command(
        tmp_path,
        "import_units",
        UNITS + "N1,Công ty Mới,private_enterprise,Y,10,5\nC001,Công ty Gamma,private_enterprise,Z,120,100\n",
    )
    assert "Dòng 3: LĐLĐ khu vực Z đã ngừng hoạt động" in printed and "Dòng 2" not in printed


def ended_by_browser_import(world, client_as, tmp_path, ended) -> None:
    page = browser_preview(
        client_as(world.admin), "units:import_units", UNITS + "N1,Công ty Mới,private_enterprise,Z,10,5\n"
    )
    assert "LĐLĐ khu vực Z đã ngừng hoạt động" in page


def ended_by_org_import(world, client_as, tmp_path, ended) -> None:
    printed = run_command(tmp_path, "import_org", "code,name,parent_code\nZ1,Công đoàn ngành Z1,Z\n")
    assert "Dòng 2: LĐLĐ khu vực Z đã ngừng hoạt động" in printed
    assert not OrgNode.objects.filter(code="Z1").exists()


def ended_by_admin(world, client_as, tmp_path, ended) -> None:
    client = client_as(UserFactory(username="root", is_staff=True, is_superuser=True))
    data = {"code": "N1", "name": "Mới", "category": "private_enterprise", "node": ended.pk}
    data |= {"employees": 10, "union_members": 5}
    response = client.post(reverse("admin:units_unit_add"), data)
    assert response.status_code == 200 and "đã ngừng hoạt động" in response.content.decode()
    unit = world.unit_c
    change = reverse("admin:units_unit_change", args=[unit.pk])
    data = {"code": "C001", "name": unit.name, "category": unit.category, "node": ended.pk}
    data |= {"employees": 120, "union_members": 100, "seen_version": unit.version, "work_year_start_month": 1}
    assert client.post(change, data).status_code == 302  # saved, but the node is read-only
    response = client.post(reverse("admin:units_orgnode_add"), {"code": "Z1", "name": "Z1", "parent": ended.pk})
    assert response.status_code == 200 and "đã ngừng hoạt động" in response.content.decode()
    node_change = reverse("admin:units_orgnode_change", args=[ended.pk])
    client.post(node_change, {"code": "Z", "name": "Z", "ended_on": "", "merged_into": ""})
    ended.refresh_from_db()
    assert ended.ended_on is not None and ended.merged_into_id == world.district_y.pk


def ended_by_regroup(world, client_as, tmp_path, ended) -> None:
    today = timezone.localdate().isoformat()
    with pytest.raises(CommandError, match="đã ngừng hoạt động"):
        call_command("regroup", "transfer", "--unit", "C001", "--to", "Z", "--on", today)
    x1 = OrgNodeFactory(code="X1", parent=world.district_x)
    with pytest.raises(CommandError, match="đã ngừng hoạt động"):
        call_command("regroup", "move", "--node", "X1", "--parent", "Z", "--on", today)
    with pytest.raises(CommandError, match="đã ngừng hoạt động"):
        call_command("regroup", "merge", "--node", "X1", "--into", "Z", "--on", today)
    x1.refresh_from_db()
    assert x1.parent == world.district_x and x1.ended_on is None


@pytest.mark.parametrize(
    "path",
    [
        ended_by_service,
        ended_by_import_command,
        ended_by_browser_import,
        ended_by_org_import,
        ended_by_admin,
        ended_by_regroup,
    ],
    ids=lambda f: f.__name__,
)
def test_a_node_that_has_ended_receives_nothing_on_any_write_path(world, ended, client_as, tmp_path, path) -> None:
    before = [(code, node) for code, node, _employees, _version in units_state()]
    path(world, client_as, tmp_path, ended)
    assert [(code, node) for code, node, _employees, _version in units_state()] == before
    assert not Unit.objects.filter(node=ended).exists() and not OrgNode.objects.filter(parent=ended).exists()


# --- Members at most employees, versions, scope ------------------------------------------


def test_the_database_refuses_more_members_than_employees_on_any_path(world) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=world.unit_a.pk).update(union_members=500)
    with pytest.raises(ValidationError, match="Số đoàn viên không thể lớn hơn số lao động"):
        unit_services.unit_update(unit=world.unit_a, by=None, version=world.unit_a.version, union_members=500)


def test_the_units_import_refuses_more_members_than_employees(world, tmp_path) -> None:
    before = units_state()
    printed = run_command(tmp_path, "import_units", UNITS + "A001,Công ty May Alpha,private_enterprise,X,10,50\n")
    assert "Dòng 2: Số đoàn viên (50) lớn hơn số lao động (10)." in printed
    assert units_state() == before


def test_the_admin_refuses_more_members_than_employees(world, client_as, superuser) -> None:
    unit = world.unit_a
    data = {"code": unit.code, "name": unit.name, "category": unit.category, "seen_version": unit.version}
    response = client_as(superuser).post(
        reverse("admin:units_unit_change", args=[unit.pk]),
        data | {"employees": 10, "union_members": 50, "work_year_start_month": 1},
    )
    assert response.status_code == 200 and "Số đoàn viên không thể lớn hơn số lao động" in response.content.decode()


def test_the_admin_refuses_an_edit_made_on_a_stale_copy(world, client_as, superuser) -> None:
    unit = world.unit_a
    unit_services.unit_update(unit=unit, by=None, version=unit.version, name="Đổi tên trong ứng dụng")
    data = {"code": unit.code, "name": "Đổi tên trong admin", "category": unit.category, "seen_version": 1}
    response = client_as(superuser).post(
        reverse("admin:units_unit_change", args=[unit.pk]),
        data | {"employees": 120, "union_members": 100, "work_year_start_month": 1},
    )
    assert response.status_code == 200 and "vừa được người khác cập nhật" in response.content.decode()
    assert Unit.objects.get(pk=unit.pk).name == "Đổi tên trong ứng dụng"


def test_the_admin_saves_an_edit_and_moves_the_version_on(world, client_as, superuser) -> None:
    unit = world.unit_a
    data = {"code": unit.code, "name": "Tên mới", "category": unit.category, "seen_version": unit.version}
    response = client_as(superuser).post(
        reverse("admin:units_unit_change", args=[unit.pk]),
        data | {"employees": 120, "union_members": 100, "work_year_start_month": 1},
    )
    assert response.status_code == 302
    saved = Unit.objects.get(pk=unit.pk)
    assert saved.name == "Tên mới" and saved.version == unit.version + 1


@pytest.mark.parametrize("path", ["service", "import_command", "regroup"])
def test_staff_of_another_district_are_refused_on_every_path(world, tmp_path, path) -> None:
    before = units_state(), records_written()
    if path == "service":
        with pytest.raises(PermissionDenied):
            record_services.record_create(
                unit=world.unit_a, kind="worker_conference", by=world.staff_y, data={"held_on": D(2026, 3, 1)}
            )
    elif path == "import_command":
        printed = run_command(
            tmp_path, "import_events", EVENTS + "A001,worker_conference,01/03/2026,,,\n", "--as-user", "staff_y"
        )
        assert "Dòng 2: Không có đơn vị mã «A001» trong phạm vi bạn quản lý." in printed
    else:
        with pytest.raises(PermissionDenied):
            regrouping.unit_transfer(
                unit=world.unit_a, to_node=world.district_y, effective_on=timezone.localdate(), by=world.staff_y
            )
    assert (units_state(), records_written()) == before


def test_the_database_refuses_a_merge_without_an_end_and_a_transfer_to_the_same_node(world) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgNode.objects.filter(pk=world.district_y.pk).update(merged_into=world.district_x)
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitTransfer.objects.create(
            unit=world.unit_a, from_node=world.district_x, to_node=world.district_x, effective_on=D(2025, 1, 1)
        )


def test_the_events_import_checks_closed_periods_with_a_fixed_number_of_queries(world, closed) -> None:
    """One query per rule, not per row: 20 rows cost what 2 rows cost, and each is named."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from conferences import importing
    from units.importing import read_table

    def queries(rows: int) -> int:
        lines = [f"A001,dialogue_on_request,{day:02d}/05/2025,,,accepted" for day in range(1, rows + 1)]
        data = (EVENTS + "\n".join(lines) + "\n").encode()
        table = read_table(data=data, suffix=".csv", columns=importing.EVENT_IMPORT_COLUMNS)
        with CaptureQueriesContext(connection) as captured:
            plan = importing.plan_events_import(table=table, by=None)
        assert [e.row for e in plan.errors] == list(range(2, rows + 2))
        return len(captured)

    assert queries(2) == queries(20)
