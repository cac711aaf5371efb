"""Closing a period: frozen snapshots, who may close and reopen, versions and their
differences, and the roll-up of closed and provisional children."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from conferences import services as record_services
from conferences.models import Record
from conferences.permissions import is_frozen
from qcdc import jobs
from reports import closing, compute, services
from reports.exports import json_bytes
from reports.models import SnapshotRow
from tests.factories import RecordFactory, UserFactory, grant
from units.models import Role
from units.periods import Period, PeriodClose

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _run_jobs_on_commit(django_capture_on_commit_callbacks):
    """Jobs are queued after commit; run them at once, as the in-process default does."""
    from django.db import transaction

    real = transaction.on_commit
    transaction.on_commit = lambda func, using=None, robust=False: func()
    yield
    transaction.on_commit = real


@pytest.fixture
def staff_p(world):
    user = UserFactory(username="staff_p")
    grant(user, Role.Kind.STAFF, node=world.province)
    return user


def close(node, user, year=2025, period=Period.YEAR):
    created, _new = closing.close_request(node=node, year=year, period=period, by=user)
    created.refresh_from_db()
    assert created.status == PeriodClose.Status.CLOSED, created.error
    return created


def cells(payload_row):
    return {i: (c["expected"], c["done"], c["on_time"], c["quality"]) for i, c in payload_row["cells"].items()}


def test_closing_freezes_exactly_the_live_figures(tree, world):
    live = compute.build(world.district_x, 2025)
    closed = close(world.district_x, world.staff_x)
    assert cells(closed.result["total"]) == cells(compute.to_payload(live, [], built_at=closed.closed_at)["total"])
    expected = sum(c.expected for c in live.total.cells.values())
    assert SnapshotRow.objects.filter(close=closed).count() == expected
    pairs = SnapshotRow.objects.filter(close=closed).values_list("unit_id", "indicator")
    assert len(set(pairs)) == len(pairs)  # one row per unit and indicator
    assert closed.result["total"]["status"] == "closed" and closed.result["total"]["version"] == 1
    assert closed.xlsx.name.endswith(".xlsx") and closed.pdf.name.endswith(".pdf")


def test_a_snapshot_row_names_the_record_it_counts(tree, world):
    closed = close(world.district_x, world.staff_x)
    row = SnapshotRow.objects.get(close=closed, unit=world.unit_a, indicator="worker_conference")
    assert row.done and row.on_time and row.quality
    assert row.record == Record.objects.get(unit=world.unit_a, kind="worker_conference")
    assert row.node == world.district_x and row.node_path == world.district_x.path
    missing = SnapshotRow.objects.get(close=closed, unit__code="F1", indicator="worker_conference")
    assert not missing.done and missing.record is None


def test_a_closed_year_refuses_edits_to_its_records_from_everyone(tree, world):
    draft = RecordFactory(unit=world.unit_a, kind="dialogue_on_request", held_on=D(2025, 8, 1), status="draft")
    close(world.district_x, world.staff_x)
    with pytest.raises(PermissionDenied):
        record_services.record_update(record=draft, by=world.chair_a, version=draft.version, data={"place": "Hội"})
    with pytest.raises(PermissionDenied):
        record_services.record_submit(record=draft, by=world.chair_a)
    accepted = Record.objects.get(unit=world.unit_a, kind="worker_conference")
    with pytest.raises(PermissionDenied):
        record_services.record_reopen(record=accepted, by=world.admin, reason="Sai số liệu")
    with pytest.raises(ValidationError) as error:
        record_services.record_create(
            unit=world.unit_a, kind="dialogue_on_request", by=world.chair_a, data={"held_on": D(2025, 9, 1)}
        )
    assert "held_on" in error.value.message_dict
    # Other years and other districts are untouched.
    record_services.record_create(
        unit=world.unit_a, kind="dialogue_on_request", by=world.chair_a, data={"held_on": D(2026, 1, 5)}
    )
    record_services.record_create(
        unit=world.unit_c, kind="dialogue_on_request", by=world.chair_c, data={"held_on": D(2025, 9, 1)}
    )


def test_a_closed_half_year_freezes_only_records_of_the_first_half(tree, world):
    close(world.district_x, world.staff_x, period=Period.HALF)
    with pytest.raises(ValidationError):
        record_services.record_create(
            unit=world.unit_a, kind="dialogue_on_request", by=world.chair_a, data={"held_on": D(2025, 6, 30)}
        )
    record_services.record_create(
        unit=world.unit_a, kind="dialogue_on_request", by=world.chair_a, data={"held_on": D(2025, 7, 1)}
    )


def test_the_half_year_counts_only_what_was_held_by_30_june(tree, world):
    closed = close(world.district_x, world.staff_x, period=Period.HALF)
    # A's periodic dialogue was held on 31/12, after the half-year.
    assert cells(closed.result["total"])["dialogue_periodic"] == (3, 0, 0, 0)
    assert cells(closed.result["total"])["worker_conference"][1] == 1


def test_only_the_nodes_own_staff_or_those_above_close_it(tree, world, staff_p):
    for outsider in (world.staff_y, world.leader_x, world.chair_a):
        with pytest.raises(PermissionDenied):
            closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=outsider)
    assert not PeriodClose.objects.exists()


def test_a_node_cannot_close_twice_nor_reopen_its_own_close(tree, world, staff_p):
    closed = close(world.district_x, world.staff_x)
    with pytest.raises(closing.AlreadyClosed):
        closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    for not_above in (world.staff_x, world.staff_y, world.leader_p):
        with pytest.raises(PermissionDenied):
            closing.close_reopen(close=closed, by=not_above, reason="Sửa số liệu")
    with pytest.raises(ValidationError):
        closing.close_reopen(close=closed, by=staff_p, reason="  ")
    reopened = closing.close_reopen(close=closed, by=staff_p, reason="Đơn vị F1 đã nộp biên bản")
    assert reopened.status == PeriodClose.Status.REOPENED and reopened.reopened_by == staff_p
    with pytest.raises(closing.NotClosed):
        closing.close_reopen(close=reopened, by=staff_p, reason="Lần nữa")


def test_the_province_close_can_only_be_reopened_from_above(tree, world, staff_p):
    closed = close(world.province, staff_p)
    with pytest.raises(PermissionDenied):
        closing.close_reopen(close=closed, by=staff_p, reason="Tự mở lại")
    closing.close_reopen(close=closed, by=world.admin, reason="Tổng Liên đoàn yêu cầu")


def test_close_edit_reopen_close_again_differs_by_exactly_that_unit(tree, world, staff_p):
    first = close(world.district_x, world.staff_x)
    first_total = cells(first.result["total"])
    first_xlsx = first.xlsx.read()
    returned = Record.objects.get(unit__code="F1", kind="worker_conference")
    with pytest.raises(PermissionDenied):
        record_services.record_accept(record=returned, by=world.staff_x)
    closing.close_reopen(close=first, by=staff_p, reason="F1 đã bổ sung")
    record_services.record_accept(record=returned, by=world.staff_x)
    second = close(world.district_x, world.staff_x)
    assert second.version == 2
    assert second.result["diff"]["previous_version"] == 1
    changes = second.result["diff"]["changes"]
    assert {(c["code"], c["indicator"], c["figure"], c["change"]) for c in changes} == {
        ("F1", "worker_conference", "done", "in"),
        ("F1", "worker_conference", "on_time", "in"),
        ("F1", "worker_conference", "quality", "in"),
    }
    # Version 1 is kept as it was: figures and file.
    first.refresh_from_db()
    assert first.status == PeriodClose.Status.REOPENED
    assert cells(first.result["total"]) == first_total
    assert first.xlsx.open("rb").read() == first_xlsx
    assert cells(second.result["total"])["worker_conference"][1] == first_total["worker_conference"][1] + 1


@pytest.fixture
def two_versions(world):
    """District X's version 1 (reopened) and version 2 of 2025, with no rows yet."""
    previous = PeriodClose.objects.create(
        node=world.district_x, year=2025, period=Period.YEAR, version=1, status=PeriodClose.Status.REOPENED
    )
    current = PeriodClose.objects.create(node=world.district_x, year=2025, period=Period.YEAR, version=2)
    return previous, current


def snapshot_row(close, unit, indicator, done, on_time=None, quality=None):
    """A snapshot row of ``unit`` where its node is (on time and quality as done unless given)."""
    SnapshotRow.objects.create(
        close=close, unit=unit, indicator=indicator, node=unit.node, node_path=unit.node.path,
        category=unit.category, done=done, on_time=done if on_time is None else on_time,
        quality=done if quality is None else quality,
    )  # fmt: skip


def test_the_difference_lists_figures_gained_and_lost_and_says_when_it_was_cut(world, two_versions, monkeypatch):
    from reports.closing import figures

    previous, current = two_versions
    snapshot_row(previous, world.unit_a, "worker_conference", False, False, False)
    snapshot_row(current, world.unit_a, "worker_conference", True, True, True)  # done since
    snapshot_row(previous, world.unit_a, "dialogue_periodic", True, True, False)
    snapshot_row(current, world.unit_a, "dialogue_periodic", True, False, False)  # late after all
    snapshot_row(previous, world.unit_b, "cbccvc_conference", True, True, True)  # no longer expected
    snapshot_row(previous, world.unit_c, "qcdc_regulation", True, True, True)
    snapshot_row(current, world.unit_c, "qcdc_regulation", True, True, True)  # unchanged

    diff = figures.version_diff(current)

    assert diff["previous_version"] == 1 and not diff["truncated"]
    assert {(c["code"], c["indicator"], c["figure"], c["change"]) for c in diff["changes"]} == {
        ("A001", "worker_conference", "done", "in"),
        ("A001", "worker_conference", "on_time", "in"),
        ("A001", "worker_conference", "quality", "in"),
        ("A001", "dialogue_periodic", "on_time", "out"),
        ("B001", "cbccvc_conference", "expected", "out"),
        ("B001", "cbccvc_conference", "done", "out"),
        ("B001", "cbccvc_conference", "on_time", "out"),
        ("B001", "cbccvc_conference", "quality", "out"),
    }
    # The list keeps its first DIFF_KEPT + 1 changed units and indicators: here both of
    # A001's and not B001's, and says the list was cut.
    monkeypatch.setattr(figures, "DIFF_KEPT", 1)
    cut = figures.version_diff(current)
    assert cut["truncated"]
    assert {(c["code"], c["indicator"]) for c in cut["changes"]} == {
        ("A001", "worker_conference"),
        ("A001", "dialogue_periodic"),
    }


def test_a_cut_difference_never_cuts_a_unit_and_indicator_in_half(world, two_versions, monkeypatch):
    from reports.closing import figures

    previous, current = two_versions
    assert world.unit_a.pk < world.unit_b.pk
    snapshot_row(previous, world.unit_a, "cbccvc_conference", True)  # no longer expected
    snapshot_row(previous, world.unit_a, "dialogue_periodic", True)  # no longer expected
    snapshot_row(previous, world.unit_b, "worker_conference", False)
    snapshot_row(current, world.unit_b, "worker_conference", True)  # done since: expected both times
    monkeypatch.setattr(figures, "DIFF_KEPT", 1)
    cut = figures.version_diff(current)
    assert cut["truncated"]
    # B001 was expected in both versions: cut, it is left out, never read as newly expected.
    assert {(c["code"], c["indicator"]) for c in cut["changes"]} == {
        ("A001", "cbccvc_conference"),
        ("A001", "dialogue_periodic"),
    }
    monkeypatch.setattr(figures, "DIFF_KEPT", 3)
    whole = figures.version_diff(current)
    assert not whole["truncated"]
    assert {(c["code"], c["figure"], c["change"]) for c in whole["changes"] if c["code"] == "B001"} == {
        ("B001", "done", "in"),
        ("B001", "on_time", "in"),
        ("B001", "quality", "in"),
    }


def test_a_failed_build_releases_the_period(tree, world, monkeypatch):
    from reports.closing import services as closing_services

    def half_written(close, tree):
        SnapshotRow.objects.create(
            close=close, unit=world.unit_a, indicator="worker_conference", node=world.district_x,
            node_path=world.district_x.path, category="private_enterprise", done=True, on_time=True, quality=True,
        )  # fmt: skip
        return 1 / 0

    monkeypatch.setattr(closing_services, "write_snapshot", half_written)
    created, _new = closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    created.refresh_from_db()
    assert created.status == PeriodClose.Status.FAILED and "division" in created.error
    assert created.attempts == 3
    assert not created.rows.exists()
    assert not is_frozen(Record.objects.get(unit=world.unit_a, kind="worker_conference"))


def test_a_large_close_refreshes_the_snapshot_statistics_on_postgresql(tree, world, monkeypatch):
    from django.db import connection

    from reports.closing import snapshot

    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    monkeypatch.setattr(snapshot, "ANALYZE_FROM_ROWS", 1)  # this close is "large"
    created, _new = closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    created.refresh_from_db()
    assert created.status == PeriodClose.Status.CLOSED
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [SnapshotRow._meta.db_table])
        (estimated,) = cursor.fetchone()
    # Never analysed, a table's estimate is -1; analysed in the close's transaction, its rows.
    assert estimated >= created.rows.count() > 0


def run_for(node, user, **kwargs):
    run, _created = services.report_request(node=node, year=2025, by=user, **kwargs)
    run.refresh_from_db()
    assert run.status == "done", run.error
    return run


def test_a_province_report_mixes_closed_and_provisional_children(tree, world, staff_p):
    x_closed = close(world.district_x, world.staff_x)
    # After X closed, a new record in Y counts live; X's figures stay as closed.
    RecordFactory(unit=world.unit_c, kind="dialogue_periodic", held_on=D(2025, 5, 5), status="accepted")
    run = run_for(world.province, world.leader_p, by_category=True)
    rows = {r["org_code"]: r for r in run.result["rows"]}
    assert rows["X"]["status"] == "closed" and rows["X"]["version"] == 1 and rows["X"]["close_id"] == x_closed.pk
    assert cells(rows["X"]) == cells(x_closed.result["total"])
    assert rows["Y"]["status"] == "provisional" and rows["Y"]["version"] is None
    assert cells(rows["Y"])["dialogue_periodic"] == (1, 1, 1, 0)
    live = compute.to_payload(compute.build(world.province, 2025, by_category=True), [], built_at=run.created_at)
    assert cells(run.result["total"]) == cells(live["total"])
    assert {c["category"]: cells(c) for c in run.result["by_category"]} == {
        c["category"]: cells(c) for c in live["by_category"]
    }
    assert run.result["missing_total"] == len(compute.non_compliant(world.province, 2025))
    exported = json.loads(json_bytes(run))
    statuses = {(r["org_code"], r["status"], r["version"]) for r in exported["rows"]}
    assert ("X", "closed", 1) in statuses and ("Y", "provisional", None) in statuses
    assert exported["status"] == "provisional"
    sheet = load_workbook(run.xlsx.open("rb"), read_only=True)["Tổng hợp"]
    text = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    assert "Đã chốt (lần 1)" in text and "Chưa chốt" in text


def test_a_province_close_copies_its_closed_children_and_counts_the_rest_live(tree, world, staff_p):
    x_closed = close(world.district_x, world.staff_x)
    province = close(world.province, staff_p)
    rows = {r["org_code"]: r for r in province.result["rows"]}
    assert rows["X"]["status"] == "closed" and rows["X"]["version"] == x_closed.version
    assert rows["Y"]["status"] == "provisional"
    columns = ("unit_id", "indicator", "done")
    copied = SnapshotRow.objects.filter(close=province, node=world.district_x).values_list(*columns)
    original = SnapshotRow.objects.filter(close=x_closed).values_list(*columns)
    assert set(copied) == set(original)
    # Closing the province freezes Y's records too.
    assert is_frozen(Record.objects.get(unit=world.unit_c, kind="worker_conference"))


def test_a_report_of_a_closed_node_is_its_closed_figures(tree, world):
    closed = close(world.district_x, world.staff_x)
    RecordFactory(unit=world.unit_b, kind="dialogue_on_request", held_on=D(2024, 5, 5), status="accepted")
    run = run_for(world.district_x, world.staff_x)
    assert cells(run.result["total"]) == cells(closed.result["total"])
    assert run.result["total"]["status"] == "closed"
    assert run.result["missing_total"] == closed.result["missing_total"]


def test_nodes_past_their_deadline_are_reminded_until_they_close(tree, world, staff_p, mailoutbox):
    from reports.reminders import close_reminders

    # 20/01/2026: districts (the deepest level) were due on 15/01, the province on 22/01.
    before = close_reminders(D(2026, 1, 20))
    year_2025 = [m for m in before if "Cả năm 2025" in m[0]]
    assert {tuple(m[3]) for m in year_2025} == {(world.staff_x.email,), (world.staff_y.email,)}
    assert "15/01/2026" in year_2025[0][1] and "/reports/periods/?node=" in year_2025[0][1]
    close(world.district_x, world.staff_x)
    after = [m for m in close_reminders(D(2026, 1, 20)) if "Cả năm 2025" in m[0]]
    assert [m[3] for m in after] == [[world.staff_y.email]]
    later = [m for m in close_reminders(D(2026, 1, 23)) if "Cả năm 2025" in m[0]]
    assert [staff_p.email] in [m[3] for m in later]


def test_a_close_whose_worker_died_is_built_again_by_the_sweep(tree, world):
    import datetime as dt

    from django.utils import timezone

    stuck = PeriodClose.objects.create(
        node=world.district_x, year=2025, period=Period.YEAR, version=1, status=PeriodClose.Status.RUNNING,
        attempts=1, worker="dead-task", heartbeat_at=timezone.now() - dt.timedelta(seconds=61),
    )  # fmt: skip
    assert jobs.sweep_all() == 1
    stuck.refresh_from_db()
    assert stuck.status == PeriodClose.Status.CLOSED and stuck.attempts == 2 and stuck.rows.exists()


def test_a_close_whose_workers_kept_dying_fails_and_releases_the_period(tree, world):
    import datetime as dt

    from django.utils import timezone

    stuck = PeriodClose.objects.create(
        node=world.district_x, year=2025, period=Period.YEAR, version=1, status=PeriodClose.Status.RUNNING,
        attempts=3, heartbeat_at=timezone.now() - dt.timedelta(seconds=61),
    )  # fmt: skip
    SnapshotRow.objects.create(
        close=stuck, unit=world.unit_a, indicator="worker_conference", node=world.district_x,
        node_path=world.district_x.path, category="private_enterprise", done=True, on_time=True, quality=True,
    )  # fmt: skip
    record = Record.objects.get(unit=world.unit_a, kind="worker_conference")
    assert is_frozen(record)
    jobs.sweep_all()
    stuck.refresh_from_db()
    assert stuck.status == PeriodClose.Status.FAILED and "dừng giữa chừng 3 lần" in stuck.error
    assert not stuck.rows.exists()  # its snapshot went with it
    assert not is_frozen(Record.objects.get(pk=record.pk))


def test_a_close_with_a_fresh_heartbeat_is_left_alone(tree, world):
    from django.utils import timezone

    running = PeriodClose.objects.create(
        node=world.district_x, year=2025, period=Period.YEAR, version=1, status=PeriodClose.Status.RUNNING,
        attempts=1, heartbeat_at=timezone.now(),
    )  # fmt: skip
    assert jobs.sweep_all() == 0
    running.refresh_from_db()
    assert running.status == PeriodClose.Status.RUNNING


def test_a_close_delivered_twice_is_built_once(tree, world, monkeypatch):
    from qcdc import jobs
    from reports import tasks

    monkeypatch.setattr(jobs, "send", lambda model, job_id: True)  # queue it, do not run it
    created, _new = closing.close_request(node=world.district_x, year=2025, period=Period.YEAR, by=world.staff_x)
    tasks.build_close.apply(kwargs={"job_id": created.pk}, task_id="first")
    created.refresh_from_db()
    assert created.status == PeriodClose.Status.CLOSED and created.attempts == 1
    rows = SnapshotRow.objects.filter(close=created).count()
    tasks.build_close.apply(kwargs={"job_id": created.pk}, task_id="second")  # a duplicate message
    created.refresh_from_db()
    assert created.attempts == 1 and SnapshotRow.objects.filter(close=created).count() == rows


def test_a_period_that_has_not_ended_cannot_be_closed(world):
    from django.utils import timezone

    this_year = timezone.localdate().year
    with pytest.raises(ValidationError, match="chưa kết thúc"):
        closing.close_request(node=world.district_x, year=this_year, period=Period.YEAR, by=world.staff_x)
    assert not PeriodClose.objects.exists()


def test_build_report_gives_the_closed_figures_and_statuses_of_the_page_and_the_job(tree, world, staff_p, tmp_path):
    """A closed child is read from its closed version; a closed node is its closed figures."""
    from django.core.management import call_command

    x_close = close(world.district_x, world.staff_x)
    # A record accepted after the close would change X's live figures, not its closed ones.
    late = Record.objects.get(unit__code="F1", kind="worker_conference")
    Record.objects.filter(pk=late.pk).update(status="accepted")
    out = tmp_path / "p.json"
    call_command("build_report", "--org", "P", "--year", "2025", "--format", "json", "--out", str(out))
    exported = json.loads(out.read_text())
    run = run_for(world.province, staff_p)

    def by_key(rows):  # jsonb (PostgreSQL) keeps no key order in the stored result
        return sorted(rows, key=lambda r: (r["org_code"], r["indicator"]))

    assert by_key(exported["rows"]) == by_key(compute.json_export(run.result)["rows"])
    x_row = next(r for r in exported["rows"] if r["org_code"] == "X" and r["indicator"] == "worker_conference")
    closed_cell = x_close.result["total"]["cells"]["worker_conference"]
    assert (x_row["status"], x_row["version"], x_row["done"]) == ("closed", 1, closed_cell["done"])
    call_command("build_report", "--org", "X", "--year", "2025", "--format", "json", "--out", str(out))
    own = json.loads(out.read_text())
    assert (own["status"], own["version"]) == ("closed", 1)


def test_the_closed_page_names_each_changed_indicator_whole(tree, world, staff_p, client):
    """Regression: the difference table printed an indicator's label letter by letter."""
    first = close(world.district_x, world.staff_x)
    closing.close_reopen(close=first, by=staff_p, reason="F1 đã bổ sung")
    record_services.record_accept(
        record=Record.objects.get(unit__code="F1", kind="worker_conference"), by=world.staff_x
    )
    second = close(world.district_x, world.staff_x)
    client.force_login(world.staff_x)
    page = client.get(second.get_absolute_url()).content.decode()
    table = page.split('id="diff"')[1].split("</table>")[0]
    assert "<td>Hội nghị người lao động</td>" in table
    assert "w; o; r" not in table
