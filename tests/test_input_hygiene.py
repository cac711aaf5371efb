"""Names are one line of printable text and dates lie in sensible ranges, whatever path
writes them (forms, imports, the admin); e-mail subjects survive names saved before."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from conferences import importing as events
from conferences import services as record_services
from conferences.models import Record
from qcdc.mail import one_line
from reports.reminders import remind_chairs, send_weekly_reminders
from tests.factories import RecordFactory, attach_minutes
from units import importing
from units.models import OrgNode, Unit

pytestmark = pytest.mark.django_db
D = datetime.date
HOSTILE_NAMES = ["Công ty\r\nBcc: victim@example.vn", "Công ty\tTab", "Công ty\x1b[31m", "Công ty \u202egnp.exe"]


def unit_form(unit: Unit, **overrides) -> dict:
    data = {
        "code": unit.code, "name": unit.name, "category": unit.category, "node": unit.node_id,
        "employees": unit.employees, "union_members": unit.union_members, "established_on": "01/01/2010",
        "dissolved_on": "", "chair_email": "", "version": unit.version,
    }  # fmt: skip
    return {**data, **overrides}


def plan_units(world, text: str):
    table = importing.read_table(data=text.encode(), suffix=".csv", columns=importing.UNIT_IMPORT_COLUMNS)
    return importing.plan_units_import(table=table, by=world.staff_x)


def plan_events(world, text: str):
    table = importing.read_table(data=text.encode(), suffix=".csv", columns=events.EVENT_IMPORT_COLUMNS)
    return events.plan_events_import(table=table, by=world.staff_x)


# --- Control characters ------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_unit_form_refuses_control_characters_in_a_name(client_as, world, name):
    response = client_as(world.staff_x).post(
        reverse("units:unit_edit", args=[world.unit_a.pk]), unit_form(world.unit_a, name=name)
    )
    assert response.status_code == 200
    assert "Không được chứa ký tự điều khiển" in response.content.decode()
    world.unit_a.refresh_from_db()
    assert world.unit_a.name == "Công ty May Alpha"


@pytest.mark.parametrize("field", ["chair_name", "address", "union_name", "tax_code", "chair_phone", "code"])
def test_the_unit_form_refuses_control_characters_in_every_name_like_field(client_as, world, field):
    data = unit_form(world.unit_a, **{field: "X\nY"})
    response = client_as(world.staff_x).post(reverse("units:unit_edit", args=[world.unit_a.pk]), data)
    assert "Không được chứa ký tự điều khiển" in response.content.decode()


def test_the_units_import_refuses_a_name_with_a_line_break(world):
    plan = plan_units(world, 'code,name,category,federation_code,chair_name\nN1,"Công ty\nMới",other,X,"Lan\tAnh"\n')
    messages = [e.message for e in plan.errors]
    assert any(m.startswith("Tên đơn vị: Không được chứa ký tự điều khiển") for m in messages)
    assert any(m.startswith("Chủ tịch CĐCS: Không được chứa ký tự điều khiển") for m in messages)


def test_the_tree_import_refuses_a_node_name_with_a_line_break(world):
    table = importing.read_table(data='code,name,parent_code\nK9,"LĐLĐ\r\nkhu vực 9",P\n'.encode(),
                                 suffix=".csv", columns=importing.ORG_IMPORT_COLUMNS)  # fmt: skip
    plan = importing.plan_org_import(table=table)
    assert [e.row for e in plan.errors] == [2]
    assert "Không được chứa ký tự điều khiển" in plan.errors[0].message


def test_the_admin_refuses_control_characters_in_a_unit_and_a_node(client_as, world):
    client = client_as(world.admin)
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    response = client.post(
        reverse("admin:units_orgnode_change", args=[world.district_x.pk]),
        {"code": "X", "name": "LĐLĐ\nX", "started_on": "", "ended_on": ""},
    )
    assert response.status_code == 200 and "Không được chứa ký tự điều khiển" in response.content.decode()
    assert OrgNode.objects.get(pk=world.district_x.pk).name == "LĐLĐ khu vực X"


def test_the_invitation_form_refuses_a_name_with_a_line_break(client_as, world):
    response = client_as(world.staff_x).post(
        reverse("units:unit_invite_chair", args=[world.unit_b.pk]),
        {"full_name": "Lê\r\nVăn Bình", "email": "binh@example.vn"},
        follow=True,
    )
    assert "Không được chứa ký tự điều khiển" in response.content.decode()
    assert not mail.outbox


@pytest.fixture
def unit_saved_with_a_line_break(world):
    """A name written before the rule (or straight into the database)."""
    Unit.objects.filter(pk=world.unit_a.pk).update(name="Công ty\r\nAlpha")
    world.unit_a.refresh_from_db()
    return world.unit_a


def test_it_still_mails_about_a_unit_whose_name_has_a_line_break(
    client_as, world, unit_saved_with_a_line_break, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(world.staff_x).post(
            reverse("units:unit_invite_chair", args=[world.unit_a.pk]), {"full_name": "Lan", "email": "lan@example.vn"}
        )
        record = RecordFactory(unit=world.unit_a, held_on=D(2025, 3, 10))
        attach_minutes(record)
        record_services.record_submit(record=record, by=world.chair_a)
    assert response.status_code == 302
    assert remind_chairs(unit_ids=[world.unit_a.pk], year=2025) >= 1
    send_weekly_reminders()
    assert mail.outbox
    for message in mail.outbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        message.message()  # raises BadHeaderError on a header with a line break
    assert any("Công ty Alpha" in m.subject for m in mail.outbox)


def test_one_line_turns_every_control_character_into_one_space():
    assert one_line("  A\r\n\tB\u2028C\u202eD  ") == "A B C D"


# --- Dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("held_on", "message"),
    [("01/01/0001", "trước năm 1990"), ("31/12/1989", "trước năm 1990"), ("31/12/9999", "còn ở tương lai")],
)
def test_the_record_form_bounds_the_date(client_as, world, held_on, message):
    url = reverse("conferences:record_create", args=[world.unit_a.pk, "worker_conference"])
    response = client_as(world.chair_a).post(
        url, {"held_on": held_on, "format": "full", "invited": "10", "attended": "9"}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Record.objects.exists()


def test_the_record_service_bounds_the_date_for_any_caller(world):
    with pytest.raises(Exception, match="trước năm 1990"):
        record_services.record_create(unit=world.unit_a, kind="worker_conference", by=world.chair_a,
                                      data={"held_on": D(1, 1, 1), "format": "full"})  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("established_on", "01/01/0001", "trước năm 1900"),
        ("established_on", "31/12/9999", "còn ở tương lai"),
        ("dissolved_on", "31/12/9999", "quá xa trong tương lai"),
        ("dissolved_on", "01/01/1989", "trước năm 1990"),
    ],
)
def test_the_unit_form_bounds_its_dates(client_as, world, field, value, message):
    data = unit_form(world.unit_a, **{field: value})
    if field == "dissolved_on":
        data["established_on"] = "01/01/1950"
    response = client_as(world.staff_x).post(reverse("units:unit_edit", args=[world.unit_a.pk]), data)
    assert response.status_code == 200 and message in response.content.decode()


def test_a_unit_founded_before_1990_is_still_accepted(client_as, world):
    data = unit_form(world.unit_a, established_on="02/09/1975")
    assert client_as(world.staff_x).post(reverse("units:unit_edit", args=[world.unit_a.pk]), data).status_code == 302


def test_the_deactivation_form_bounds_the_date(client_as, world):
    response = client_as(world.staff_x).post(
        reverse("units:unit_deactivate", args=[world.unit_a.pk]), {"dissolved_on": "31/12/9999"}, follow=True
    )
    assert "quá xa trong tương lai" in response.content.decode()
    world.unit_a.refresh_from_db()
    assert world.unit_a.dissolved_on is None


def test_the_imports_bound_dates_like_the_forms(world):
    units_plan = plan_units(world, "code,name,category,federation_code,established_on\nN1,Mới,other,X,0001-01-01\n")
    assert [e.message for e in units_plan.errors] == [
        "Ngày thành lập: Ngày 01/01/0001 trước năm 1900: hãy kiểm tra lại năm."
    ]
    events_plan = plan_events(world, "unit_code,kind,date\nA001,worker_conference,01/01/1989\n")
    assert "Ngày tổ chức / ban hành: Ngày 01/01/1989 trước năm 1990: hãy kiểm tra lại năm." in [
        e.message for e in events_plan.errors
    ]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    events_plan = plan_events(world, f"unit_code,kind,date\nA001,worker_conference,{tomorrow:%d/%m/%Y}\n")
    assert "còn ở tương lai" in events_plan.errors[0].message


def test_the_admin_refuses_control_characters_in_a_persons_names(client_as, world):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    user = world.chair_a
    response = client_as(world.admin).post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {"username": user.username, "first_name": "Lan\r\nBcc: x@example.vn", "last_name": "Anh", "email": user.email,
         "date_joined_0": "2025-01-01", "date_joined_1": "00:00:00", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 200 and "Không được chứa ký tự điều khiển" in response.content.decode()
    user.refresh_from_db()
    assert user.first_name == "Nguyễn Văn"
