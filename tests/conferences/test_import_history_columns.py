"""The events import's optional history columns: format, headcount, contents, resolution, notes."""

import datetime

import pytest

from conferences import importing
from conferences.models import Record
from units.importing import read_table

pytestmark = pytest.mark.django_db

HEADER = "unit_code,kind,date,invited,attended,status,format,headcount,contents,resolution,notes"


def plan_for(text, by=None):
    table = read_table(data=text.encode(), suffix=".csv", columns=importing.EVENT_IMPORT_COLUMNS)
    return importing.plan_events_import(table=table, by=by)


def test_it_stores_format_headcount_contents_resolution_and_notes(world):
    text = (
        f"{HEADER}\n"
        "A001,worker_conference,15/03/2019,120,100,accepted,Hội nghị đại biểu,300,"
        "business_report; safety ;resolution,có,Biên bản giấy lưu tại LĐLĐ\n"
    )
    plan = plan_for(text, by=world.staff_x)
    assert plan.ok, plan.errors
    importing.events_import(plan=plan, by=world.staff_x, file_name="lich-su.csv")
    record = Record.objects.get(unit=world.unit_a, held_on=datetime.date(2019, 3, 15))
    assert record.format == Record.Format.DELEGATE and record.headcount == 300
    assert record.resolution_adopted is True and record.notes == "Biên bản giấy lưu tại LĐLĐ"
    assert sorted(record.contents.values_list("code", flat=True)) == ["business_report", "resolution", "safety"]


def test_it_leaves_the_history_unset_when_the_columns_are_blank_or_absent(world):
    plan = plan_for("unit_code,kind,date\nA001,worker_conference,2019-03-15\n", by=world.staff_x)
    importing.events_import(plan=plan, by=world.staff_x, file_name="a.csv")
    record = Record.objects.get(unit=world.unit_a)
    assert record.headcount is None and record.resolution_adopted is None and not record.contents.exists()
    assert record.format == Record.Format.FULL


def test_it_reads_no_as_a_resolution_not_adopted(world):
    plan = plan_for(f"{HEADER}\nA001,worker_conference,2019-03-15,,,,full,,,không,\n", by=world.staff_x)
    importing.events_import(plan=plan, by=world.staff_x, file_name="a.csv")
    assert Record.objects.get(unit=world.unit_a).resolution_adopted is False


def test_it_refuses_the_whole_file_with_row_numbers_for_bad_history_cells(world):
    text = (
        f"{HEADER}\n"
        "A001,worker_conference,2019-03-15,,,,trực tuyến,,,,\n"
        "A001,worker_conference,2019-04-15,,,,,-3,,,\n"
        "A001,worker_conference,2019-05-15,,,,,,budget;safety,,\n"
        "A001,worker_conference,2019-06-15,,,,,,,có lẽ,\n"
        "A001,worker_conference,2019-07-15,,,,,,,,\n"
    )
    plan = plan_for(text, by=world.staff_x)
    assert [(e.row, e.message) for e in plan.errors] == [
        (2, "Hình thức «trực tuyến» không hợp lệ."),
        (3, "Số lao động khi tổ chức phải là số nguyên không âm (đang là «-3»)."),
        (4, "Nội dung «budget» không có trong danh mục của loại hồ sơ này."),
        (5, "Nghị quyết «có lẽ» không hợp lệ; hãy ghi «có» hoặc «không»."),
    ]
    with pytest.raises(ValueError):
        importing.events_import(plan=plan, by=world.staff_x, file_name="a.csv")
    assert not Record.objects.exists()
