"""A tree that changes over time: transfers, moves and merges take effect on a date, and
every report groups units by the node that held them on the period's last day."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from conferences import services as record_services
from conferences.models import Record
from conferences.permissions import is_frozen
from reports import closing, compute, explain
from reports.models import SnapshotRow
from tests.factories import OrgNodeFactory, RecordFactory, UnitFactory, UserFactory, grant
from units import regrouping
from units.models import NodePathChange, OrgNode, Role, Unit, UnitTransfer
from units.periods import Period, PeriodClose

pytestmark = pytest.mark.django_db
D = datetime.date
JULY_2025 = D(2025, 7, 1)


@pytest.fixture(autouse=True)
def _run_jobs_at_once(monkeypatch):
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def regrouped(world):
    """Unit A moves from X to Y on 1 July 2025; district Z (unit Z1) merges into Y that day."""
    z = OrgNodeFactory(code="Z", name="LĐLĐ khu vực Z", parent=world.province)
    z1 = UnitFactory(code="Z001", name="Công ty Zeta", node=z)
    for unit, month in ((world.unit_a, 3), (world.unit_c, 4), (z1, 5)):
        for year in (2024, 2025):
            RecordFactory(unit=unit, held_on=D(year, month, 1), status="accepted")
    regrouping.unit_transfer(unit=world.unit_a, to_node=world.district_y, effective_on=JULY_2025, by=None)
    regrouping.node_merge(node=z, into=world.district_y, effective_on=JULY_2025, by=None)
    z.refresh_from_db()
    return z


def worker(report):
    return {
        row.code: (row.cells["worker_conference"].expected, row.cells["worker_conference"].done) for row in report.rows
    }


def test_the_year_before_shows_units_under_their_old_nodes(regrouped, world):
    report = compute.build(world.province, 2024)
    assert worker(report) == {"X": (1, 1), "Y": (1, 1), "Z": (1, 1)}
    assert [r.node_id for r in report.rows] == [world.district_x.pk, world.district_y.pk, regrouped.pk]


def test_the_year_of_the_change_shows_them_under_the_new_nodes(regrouped, world):
    report = compute.build(world.province, 2025)
    assert worker(report) == {"X": (0, 0), "Y": (3, 3)}  # Z ended on 1 July: no row


@pytest.mark.parametrize("year", [2024, 2025])
def test_figures_add_up_at_the_root_in_both_years(regrouped, world, year):
    root = compute.build(world.root, year).total.cells["worker_conference"]
    province = compute.build(world.province, year)
    assert (root.expected, root.done) == (3, 3)
    assert sum(r.cells["worker_conference"].expected for r in province.rows) == root.expected


def test_a_merged_node_still_has_its_past_report(regrouped, world):
    assert compute.build(regrouped, 2024).total.cells["worker_conference"].expected == 1
    assert compute.build(regrouped, 2025).total.cells["worker_conference"].expected == 0


def test_explain_lists_follow_the_tree_of_the_period(regrouped, world):
    def codes(year, row):
        address = explain.Address("worker_conference", "expected", row.pk)
        return sorted(u["code"] for u in explain.live(world.province, year, Period.YEAR, address))

    assert codes(2024, world.district_x) == ["A001"]
    assert codes(2024, regrouped) == ["Z001"]
    assert codes(2025, world.district_y) == ["A001", "C001", "Z001"]
    assert codes(2025, world.district_x) == []


def test_a_close_of_a_past_year_snapshots_the_tree_of_that_year(regrouped, world):
    staff = UserFactory(username="staff_root")
    grant(staff, Role.Kind.STAFF, node=world.root)
    close, _new = closing.close_request(node=world.province, year=2024, period=Period.YEAR, by=staff)
    close.refresh_from_db()
    row = SnapshotRow.objects.get(close=close, unit=world.unit_a, indicator="worker_conference")
    assert row.node_id == world.district_x.pk and row.node_path == world.district_x.path
    assert {r["org_code"] for r in close.result["rows"]} == {"X", "Y", "Z"}


def test_history_is_added_never_rewritten(regrouped, world):
    transfers = UnitTransfer.objects.order_by("unit__code").values_list(
        "unit__code", "from_node__code", "to_node__code"
    )
    assert list(transfers) == [("A001", "X", "Y"), ("Z001", "Z", "Y")]
    assert regrouped.ended_on == JULY_2025 and regrouped.merged_into == world.district_y
    assert Unit.objects.get(code="Z001").node == world.district_y


def test_the_receiving_node_reads_past_records_but_cannot_change_them(client_as, regrouped, world):
    before = Record.objects.get(unit=world.unit_a, held_on=D(2025, 3, 1))
    staff_x_view = client_as(world.staff_x).get(reverse("conferences:record_detail", args=[before.pk]))
    assert staff_x_view.status_code == 404  # the old node's staff no longer see it
    page = client_as(world.staff_y).get(reverse("conferences:record_detail", args=[before.pk]))
    assert page.status_code == 200 and b'id="frozen"' in page.content
    with pytest.raises(PermissionDenied):
        record_services.record_reopen(record=before, by=world.staff_y, reason="Sửa lại")
    unit_a = Unit.objects.get(pk=world.unit_a.pk)
    with pytest.raises(ValidationError, match="đã chuyển"):
        record_services.record_create(
            unit=unit_a, kind="dialogue_on_request", by=world.staff_y, data={"held_on": D(2025, 6, 30)}
        )
    record_services.record_create(
        unit=unit_a, kind="dialogue_on_request", by=world.staff_y, data={"held_on": D(2025, 7, 2)}
    )


def test_a_change_that_would_alter_closed_figures_is_refused(world):
    staff_p = UserFactory(username="staff_p")
    grant(staff_p, Role.Kind.STAFF, node=world.province)
    closing.close_request(node=world.district_y, year=2025, period=Period.YEAR, by=world.staff_y)
    with pytest.raises(ValidationError, match="đã chốt"):
        regrouping.unit_transfer(unit=world.unit_a, to_node=world.district_y, effective_on=D(2025, 9, 1), by=None)
    # Effective after the closed year: allowed, and 2025 keeps A under X.
    regrouping.unit_transfer(unit=world.unit_a, to_node=world.district_y, effective_on=D(2026, 1, 1), by=None)
    assert Unit.objects.get(pk=world.unit_a.pk).node == world.district_y


def test_staff_can_only_transfer_between_nodes_they_manage(world):
    with pytest.raises(PermissionDenied):
        regrouping.unit_transfer(unit=world.unit_a, to_node=world.district_y, effective_on=JULY_2025, by=world.staff_x)


def test_moving_a_node_keeps_past_years_under_the_old_parent(world):
    other = OrgNodeFactory(code="Q", name="LĐLĐ tỉnh Q", parent=world.root)
    RecordFactory(unit=world.unit_c, held_on=D(2025, 4, 1), status="accepted")
    old_path = world.district_y.path
    regrouping.node_move(node=world.district_y, new_parent=other, effective_on=D(2026, 1, 1), by=None)
    moved = OrgNode.objects.get(pk=world.district_y.pk)
    assert moved.path.startswith(other.path) and moved.depth == 2
    assert NodePathChange.objects.get(node=moved).old_path == old_path
    assert {r.code for r in compute.build(world.province, 2025).rows} == {"X", "Y"}
    assert compute.build(other, 2025).rows == []
    assert [r.code for r in compute.build(other, 2026).rows] == ["Y"]
    assert compute.build(world.root, 2025).total.cells["worker_conference"].done == 1


def test_impossible_regroupings_are_refused(world):
    with pytest.raises(ValidationError):
        regrouping.node_move(node=world.province, new_parent=world.district_x, effective_on=JULY_2025, by=None)
    with pytest.raises(ValidationError):
        regrouping.node_merge(node=world.province, into=world.district_x, effective_on=JULY_2025, by=None)
    regrouping.unit_transfer(unit=world.unit_a, to_node=world.district_y, effective_on=D(2025, 9, 1), by=None)
    with pytest.raises(ValidationError):
        regrouping.unit_transfer(unit=world.unit_a, to_node=world.district_x, effective_on=JULY_2025, by=None)


def test_changing_a_units_node_in_the_form_is_a_transfer_from_today(client_as, world):
    from django.utils import timezone

    from units import services

    services.unit_update(unit=world.unit_a, by=world.admin, version=world.unit_a.version, node=world.district_y)
    transfer = UnitTransfer.objects.get(unit=world.unit_a)
    assert transfer.effective_on == timezone.localdate() and transfer.from_node == world.district_x


def test_a_past_years_report_after_a_move_is_still_one_query_per_indicator(
    regrouped, world, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        compute.build(world.province, 2024)
    assert PeriodClose.objects.count() == 0


def test_a_change_dated_in_the_future_is_refused(world):
    from django.utils import timezone

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="chưa đến"):
        regrouping.unit_transfer(unit=world.unit_a, to_node=world.district_y, effective_on=tomorrow, by=None)
    with pytest.raises(ValidationError, match="chưa đến"):
        regrouping.node_move(node=world.district_y, new_parent=world.root, effective_on=tomorrow, by=None)


def test_records_stay_frozen_after_their_node_moves_away_from_the_closed_node(world):
    staff_p = UserFactory(username="staff_p")
    grant(staff_p, Role.Kind.STAFF, node=world.province)
    record = RecordFactory(unit=world.unit_c, held_on=D(2025, 4, 1), status="accepted")
    y_close, _new = closing.close_request(node=world.district_y, year=2025, period=Period.YEAR, by=world.staff_y)
    closing.close_request(node=world.province, year=2025, period=Period.YEAR, by=staff_p)
    other = OrgNodeFactory(code="Q", name="LĐLĐ tỉnh Q", parent=world.root)
    regrouping.node_move(node=world.district_y, new_parent=other, effective_on=D(2026, 1, 1), by=None)
    assert is_frozen(Record.objects.select_related("unit__node").get(pk=record.pk))
    # The level above Y for 2025 was P, not Q: P's staff may reopen Y's 2025 close, Q's may not.
    staff_q = UserFactory(username="staff_q")
    grant(staff_q, Role.Kind.STAFF, node=other)
    y_close.refresh_from_db()
    assert closing.can_reopen(staff_p, y_close) and not closing.can_reopen(staff_q, y_close)


def test_a_standing_regulation_counted_by_a_closed_year_is_frozen(tree, world):
    regulation = Record.objects.get(unit=world.unit_a, kind="qcdc_regulation")  # issued in 2023
    assert not is_frozen(regulation)
    closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    assert is_frozen(Record.objects.get(pk=regulation.pk))


def test_a_child_cannot_be_reopened_while_the_level_above_holds_the_period(tree, world):
    staff_p = UserFactory(username="staff_p")
    grant(staff_p, Role.Kind.STAFF, node=world.province)
    x_close, _new = closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    closing.close_request(node=world.province, year=2025, period=Period.YEAR, by=world.admin)
    x_close.refresh_from_db()
    with pytest.raises(ValidationError, match="hãy mở lại ở LĐLĐ tỉnh P trước"):
        closing.close_reopen(close=x_close, by=staff_p, reason="Sửa F1")


def test_an_import_that_moves_a_node_under_a_node_it_also_moves_gets_the_right_path(world):
    from units import importing

    text = "code,name,parent_code,valid_from\nX,LĐLĐ khu vực X,VGCL,01/07/2025\nY,LĐLĐ khu vực Y,X,01/07/2025\n"
    table = importing.read_table(data=text.encode(), suffix=".csv", columns=importing.ORG_IMPORT_COLUMNS)
    plan = importing.plan_org_import(table=table)
    assert plan.ok, plan.errors
    importing.org_import(plan=plan)
    x, y = OrgNode.objects.get(code="X"), OrgNode.objects.get(code="Y")
    assert x.path == OrgNode.path_for(parent_path=world.root.path, pk=x.pk)
    assert y.path == OrgNode.path_for(parent_path=x.path, pk=y.pk) and y.depth == 2


def test_a_units_import_that_changes_its_federation_records_a_transfer(world):
    from django.utils import timezone

    from units import importing

    text = (
        "Mã đơn vị,Tên đơn vị,Loại hình,Mã công đoàn cấp trên\nA001,Công ty May Alpha,Doanh nghiệp ngoài nhà nước,Y\n"
    )
    table = importing.read_table(data=text.encode(), suffix=".csv", columns=importing.UNIT_IMPORT_COLUMNS)
    plan = importing.plan_units_import(table=table, by=world.admin)
    assert plan.ok, plan.errors
    importing.units_import(plan=plan, by=world.admin)
    transfer = UnitTransfer.objects.get(unit=world.unit_a)
    assert (transfer.from_node, transfer.to_node, transfer.effective_on) == (
        world.district_x, world.district_y, timezone.localdate(),
    )  # fmt: skip


def test_a_past_rows_explanation_names_a_node_that_moved_out_of_the_readers_subtree(client_as, regrouped, world):
    from urllib.parse import urlencode

    staff_p = UserFactory(username="staff_p")
    grant(staff_p, Role.Kind.STAFF, node=world.province)
    other = OrgNodeFactory(code="Q", name="LĐLĐ tỉnh Q", parent=world.root)
    regrouping.node_move(node=world.district_x, new_parent=other, effective_on=D(2026, 1, 1), by=None)
    params = {"node": world.province.pk, "year": 2024, "period": "year", "row": world.district_x.pk,
              "indicator": "worker_conference", "figure": "expected"}  # fmt: skip
    page = client_as(staff_p).get(f"{reverse('reports:explain')}?{urlencode(params)}")
    assert page.status_code == 200 and b"A001" in page.content and "LĐLĐ khu vực X" in page.content.decode()


def test_the_regroup_command_transfers_moves_and_merges(world, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("regroup", "transfer", "--unit", "A001", "--to", "Y", "--on", "2025-07-01")
    other = OrgNodeFactory(code="Q", name="LĐLĐ tỉnh Q", parent=world.root)
    call_command("regroup", "move", "--node", "Y", "--parent", "Q", "--on", "01/07/2025")
    call_command("regroup", "merge", "--node", "X", "--into", "Y", "--on", "2025-08-01")
    assert Unit.objects.get(code="A001").node.code == "Y"
    assert OrgNode.objects.get(code="Y").parent == other
    assert OrgNode.objects.get(code="X").merged_into.code == "Y"
    assert "Đã hợp nhất X vào Y từ 01/08/2025." in capsys.readouterr().out
    with pytest.raises(CommandError, match="Không có nút mã «NOPE»"):
        call_command("regroup", "move", "--node", "NOPE", "--parent", "Q", "--on", "2025-07-01")
    with pytest.raises(CommandError, match="chính nó"):
        call_command("regroup", "move", "--node", "VGCL", "--parent", "Q", "--on", "2025-09-01")


def test_a_merge_cannot_predate_a_transfer_out_of_the_merged_node(world):
    regrouping.unit_transfer(unit=world.unit_a, to_node=world.district_y, effective_on=D(2025, 9, 1), by=None)
    with pytest.raises(ValidationError, match="muộn hơn"):
        regrouping.node_merge(node=world.district_x, into=world.district_y, effective_on=JULY_2025, by=None)
    regrouping.node_merge(node=world.district_x, into=world.district_y, effective_on=D(2025, 10, 1), by=None)


def test_a_moved_nodes_past_close_stays_readable_by_its_old_province(client_as, world):
    staff_p = UserFactory(username="staff_p")
    grant(staff_p, Role.Kind.STAFF, node=world.province)
    RecordFactory(unit=world.unit_c, held_on=D(2025, 4, 1), status="accepted")
    y_2025, _new = closing.close_request(node=world.district_y, year=2025, period=Period.YEAR, by=world.staff_y)
    other = OrgNodeFactory(code="Q", name="LĐLĐ tỉnh Q", parent=world.root)
    regrouping.node_move(node=world.district_y, new_parent=other, effective_on=D(2026, 1, 1), by=None)
    staff_q = UserFactory(username="staff_q")
    grant(staff_q, Role.Kind.STAFF, node=other)
    url = reverse("reports:close_detail", args=[y_2025.pk])
    assert client_as(staff_p).get(url).status_code == 200  # Y was P's on 31/12/2025
    assert client_as(staff_q).get(url).status_code == 200  # and is Q's now
    assert client_as(world.staff_x).get(url).status_code == 404
