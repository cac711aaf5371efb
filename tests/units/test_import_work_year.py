"""The units import reads an optional work-year start month (a school year starts in 9)."""

import pytest
from openpyxl import load_workbook

from tests.units.test_import_units import errors_of, plan_for
from units import importing
from units.exports import units_workbook
from units.models import Unit

pytestmark = pytest.mark.django_db
HEADER = "code,name,category,federation_code,work_year_start_month"


def test_it_sets_a_school_years_first_month_from_the_file(world):
    plan = plan_for(
        f"{HEADER}\nN001,Trường THCS Đông,public_service_unit,X,9\nN002,Công ty Tây,private_enterprise,X,\n"
    )
    assert plan.ok, plan.errors
    importing.units_import(plan=plan, by=world.admin)
    months = dict(Unit.objects.filter(code__in=["N001", "N002"]).values_list("code", "work_year_start_month"))
    assert months == {"N001": 9, "N002": 1}


def test_it_understands_the_vietnamese_heading(world):
    plan = plan_for(
        "Mã đơn vị,Tên đơn vị,Loại hình,Mã công đoàn cấp trên,Tháng bắt đầu năm học\n"
        "N001,Trường A,public_service_unit,X,8\n"
    )
    assert plan.ok, plan.errors
    assert plan.creates[0].unit.work_year_start_month == 8


def test_it_shows_a_changed_month_in_the_preview(world):
    plan = plan_for(f"{HEADER}\nB001,{world.unit_b.name},public_service_unit,X,9\n")
    assert plan.ok, plan.errors
    [update] = plan.updates
    assert [(str(c.label), c.old, c.new) for c in update.changes] == [("Tháng bắt đầu năm công tác", 1, 9)]


def test_it_keeps_the_month_of_a_unit_when_the_file_has_no_such_column(world):
    Unit.objects.filter(pk=world.unit_b.pk).update(work_year_start_month=9)
    plan = plan_for(f"code,name,category,federation_code\nB001,{world.unit_b.name},public_service_unit,X\n")
    assert plan.ok and not plan.updates


@pytest.mark.parametrize("value", ["0", "13", "tháng chín", "9.5"])
def test_it_refuses_the_whole_file_with_the_row_for_a_month_out_of_range(world, value):
    plan = plan_for(f"{HEADER}\nN001,Trường A,public_service_unit,X,9\nN002,Trường B,public_service_unit,X,{value}\n")
    assert errors_of(plan) == [(3, f"Tháng bắt đầu năm công tác phải là số từ 1 đến 12 (đang là «{value}»).")]


def test_it_exports_the_month_in_the_column_it_imports(world):
    Unit.objects.filter(pk=world.unit_b.pk).update(work_year_start_month=9)
    sheet = load_workbook(
        __import__("io").BytesIO(units_workbook(Unit.objects.select_related("node").order_by("code")))
    )["Đơn vị"]
    rows = list(sheet.iter_rows(values_only=True))
    month = rows[0].index("Tháng bắt đầu năm công tác")
    assert {r[0]: r[month] for r in rows[1:]}["B001"] == 9
