"""No existence oracle: a code outside the user's scope gets the same answer as a code
that exists nowhere (or, where a code must be new, as a code taken in the scope)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conferences import importing as events
from units import importing
from units.models import Unit

pytestmark = pytest.mark.django_db


def events_errors(world, code: str) -> list[str]:
    text = f"unit_code,kind,date\n{code},worker_conference,15/03/2023\n"
    table = importing.read_table(data=text.encode(), suffix=".csv", columns=events.EVENT_IMPORT_COLUMNS)
    return [e.message.replace(code, "CODE") for e in events.plan_events_import(table=table, by=world.staff_x).errors]


def test_the_events_import_answers_the_same_for_a_foreign_and_a_missing_code(world):
    foreign, missing = events_errors(world, world.unit_c.code), events_errors(world, "KHONGCO")
    assert foreign == missing == ["Không có đơn vị mã «CODE» trong phạm vi bạn quản lý."]


def create_with_code(client, world, code: str) -> str:
    data = {"code": code, "name": "Công ty Mới", "category": "other", "node": world.district_x.pk,
            "employees": 1, "union_members": 1}  # fmt: skip
    response = client.post(reverse("units:unit_create"), data)
    assert response.status_code == 200
    return response.content.decode()


def test_the_unit_form_answers_the_same_for_a_code_taken_outside_and_inside_the_scope(client_as, world):
    client = client_as(world.staff_x)
    foreign = create_with_code(client, world, world.unit_c.code)
    own = create_with_code(client, world, world.unit_a.code)
    message = "Mã đơn vị này không dùng được; hãy chọn mã khác."
    assert message in foreign and message in own
    assert "tồn tại" not in foreign and world.unit_c.name not in foreign
    assert Unit.objects.filter(code=world.unit_c.code).count() == 1


def test_the_units_import_does_not_say_that_a_foreign_code_is_outside_the_scope(world):
    text = f"code,name,category,federation_code\n{world.unit_c.code},Tên mới,other,X\n"
    table = importing.read_table(data=text.encode(), suffix=".csv", columns=importing.UNIT_IMPORT_COLUMNS)
    plan = importing.plan_units_import(table=table, by=world.staff_x)
    assert [e.message for e in plan.errors] == ["Mã đơn vị «C001» không dùng được; hãy chọn mã khác."]
