"""The JSON export's "activity": per record kind and work-log kind, held / units / attendees,
checked against the per-unit records and the work log themselves."""

import datetime
import json

import pytest
from django.core.management import call_command

from conferences.models import Record
from conferences.obligations import Kind
from reports.activity import activity
from reports.worklog.models import WorkKind, WorkLogEntry
from tests.factories import OrgNodeFactory, RecordFactory, UnitFactory
from units.periods import Period

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def held(world):
    sub = OrgNodeFactory(code="X1", name="Công đoàn KCN", parent=world.district_x)
    deep = UnitFactory(code="K001", node=sub)
    RecordFactory(
        unit=world.unit_a,
        kind="worker_conference",
        held_on=D(2025, 3, 10),
        status="accepted",
        invited=120,
        attended=100,
    )
    RecordFactory(
        unit=deep, kind="worker_conference", held_on=D(2025, 8, 1), status="accepted", invited=50, attended=45
    )
    RecordFactory(unit=world.unit_a, kind="dialogue_periodic", held_on=D(2025, 3, 1), status="accepted", attended=None)
    RecordFactory(unit=world.unit_a, kind="dialogue_periodic", held_on=D(2025, 9, 1), status="accepted", attended=12)
    RecordFactory(unit=world.unit_b, kind="cbccvc_conference", held_on=D(2025, 1, 15), status="accepted", attended=40)
    # Not counted: not accepted, another year, another district.
    RecordFactory(unit=world.unit_b, kind="dialogue_event", held_on=D(2025, 5, 1), status="submitted", attended=9)
    RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2024, 3, 1), status="accepted", attended=99)
    RecordFactory(unit=world.unit_c, kind="worker_conference", held_on=D(2025, 3, 1), status="accepted", attended=77)
    training = WorkLogEntry(
        node=world.district_x, kind="training", held_on=D(2025, 4, 12), title="Tập huấn", participants=85
    )
    training.save()
    visit = WorkLogEntry(node=sub, kind="inspection", held_on=D(2025, 9, 20), title="Kiểm tra")
    visit.save()
    visit.units.set([deep, world.unit_a])
    WorkLogEntry(node=world.district_y, kind="training", held_on=D(2025, 4, 1), title="Khác", participants=30).save()
    return sub


def expected_from_per_unit_data(node, year, period):
    end = D(year, 6, 30) if period == Period.HALF else D(year, 12, 31)
    out = {k: {"held": 0, "units": 0, "attendees": 0} for k in [*Kind.values, *WorkKind.values]}
    for kind in Kind.values:
        records = [
            r
            for r in Record.objects.filter(kind=kind).select_related("unit__node")
            if r.status == "accepted" and D(year, 1, 1) <= r.held_on <= end and r.unit.node.path.startswith(node.path)
        ]
        out[kind] = {
            "held": len(records),
            "units": len({r.unit_id for r in records}),
            "attendees": sum(r.attended or 0 for r in records),
        }
    for kind in WorkKind.values:
        entries = [
            e
            for e in WorkLogEntry.objects.filter(kind=kind).select_related("node")
            if D(year, 1, 1) <= e.held_on <= end and e.node.path.startswith(node.path)
        ]
        out[kind] = {
            "held": len(entries),
            "units": len({u.pk for e in entries for u in e.units.all()}),
            "attendees": sum(e.participants or 0 for e in entries),
        }
    return out


def test_it_counts_held_units_and_attendees_per_kind_as_the_per_unit_data_says(world, held):
    figures = activity(world.district_x, 2025)
    assert figures == expected_from_per_unit_data(world.district_x, 2025, Period.YEAR)
    assert figures["worker_conference"] == {"held": 2, "units": 2, "attendees": 145}
    assert figures["dialogue_periodic"] == {"held": 2, "units": 1, "attendees": 12}
    assert figures["dialogue_event"] == {"held": 0, "units": 0, "attendees": 0}
    assert figures["training"] == {"held": 1, "units": 0, "attendees": 85}
    assert figures["inspection"] == {"held": 1, "units": 2, "attendees": 0}


def test_it_counts_the_half_year_up_to_30_june(world, held):
    figures = activity(world.district_x, 2025, Period.HALF)
    assert figures == expected_from_per_unit_data(world.district_x, 2025, Period.HALF)
    assert figures["worker_conference"]["held"] == 1 and figures["inspection"]["held"] == 0


def test_it_counts_the_province_as_the_sum_of_its_districts(world, held):
    province, x, y = (activity(n, 2025) for n in (world.province, world.district_x, world.district_y))
    assert (
        province["worker_conference"]["attendees"]
        == x["worker_conference"]["attendees"] + y["worker_conference"]["attendees"]
    )
    assert province["training"]["held"] == 2


def test_it_adds_the_activity_object_to_the_json_of_build_report(world, held, tmp_path):
    out = tmp_path / "r.json"
    call_command("build_report", "--org", "X", "--year", "2025", "--format", "json", "--out", str(out))
    body = json.loads(out.read_bytes())
    assert body["activity"] == expected_from_per_unit_data(world.district_x, 2025, Period.YEAR)
    assert set(body["activity"]) == {
        "cbccvc_conference", "worker_conference", "dialogue_periodic", "dialogue_on_request", "dialogue_event",
        "qcdc_regulation", "inspection_board", "guidance_document", "training", "seminar", "pilot_conference",
        "supervision", "inspection", "commendation",
    }  # fmt: skip


def test_it_reads_the_activity_in_a_constant_number_of_queries(world, held, django_assert_max_num_queries):
    with django_assert_max_num_queries(8) as first:
        activity(world.district_x, 2025)
    for n in range(10):
        unit = UnitFactory(node=held)
        RecordFactory(unit=unit, kind="worker_conference", held_on=D(2025, 3, 1 + n), status="accepted", attended=n)
        WorkLogEntry(node=held, kind="seminar", held_on=D(2025, 5, 1 + n), title=f"Tọa đàm {n}").save()
    with django_assert_max_num_queries(len(first.captured_queries)):
        figures = activity(world.district_x, 2025)
    assert figures["seminar"]["held"] == 10
