"""Importing units from CSV/XLSX: parsing, every kind of bad row, all-or-nothing, the command."""

import datetime
import io
import sqlite3

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from tests.factories import UnitFactory
from units import importing
from units.exports import UNIT_COLUMNS, units_workbook
from units.models import Category, OrgNode, Unit

pytestmark = pytest.mark.django_db

# Files written before the chair's phone, work-year and category-day columns: they are
# optional, like every non-required one.
HEADER = ",".join(c for c in UNIT_COLUMNS if c not in ("chair_phone", "work_year_start_month", "category_effective_on"))


def table_from(text, suffix=".csv"):
    data = text.encode() if isinstance(text, str) else text
    return importing.read_table(data=data, suffix=suffix, columns=importing.UNIT_IMPORT_COLUMNS)


def plan_for(text, by=None, suffix=".csv"):
    return importing.plan_units_import(table=table_from(text, suffix), by=by)


def errors_of(plan):
    return [(e.row, e.message) for e in plan.errors]


def xlsx(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


# --- Good files ------------------------------------------------------------------------


def test_it_creates_units_from_a_csv_file_with_history(world):
    plan = plan_for(
        f"{HEADER}\n"
        'N001,Công ty Delta,private_enterprise,X,200,150,2015-06-01,,Lê Văn Nam,nam@example.vn,"Số 1, phường A"\n'
        "N002,Trường Mầm non Sao,public_service_unit,X,,,,,,,\n"
    )
    assert plan.ok, plan.errors
    result = importing.units_import(plan=plan, by=world.staff_x)

    assert (result.created, result.updated) == (2, 0)
    delta = Unit.objects.get(code="N001")
    assert delta.node == world.district_x
    assert (delta.employees, delta.union_members) == (200, 150)
    assert delta.established_on == datetime.date(2015, 6, 1)
    assert delta.address == "Số 1, phường A"
    assert delta.version == 1
    sao = Unit.objects.get(code="N002")
    assert (sao.employees, sao.union_members, sao.established_on, sao.chair_name) == (0, 0, None, "")
    history = delta.history.get()
    assert history.history_type == "+"
    assert history.history_user == world.staff_x


def test_it_reads_an_xlsx_file_whose_cells_are_numbers_and_dates(world):
    data = xlsx(
        [
            [c for c in UNIT_COLUMNS if c != "chair_phone"],
            [1001, "Công ty Số", "fdi_enterprise", "X", 40, 30.0, datetime.date(2020, 2, 29), None, "", "", ""],
            ["N2", "Công ty Chữ", "cooperative", "X", "12", "3", "31/12/2019", "2024-01-31", "", "", ""],
        ]
    )
    plan = plan_for(data, suffix=".xlsx")
    assert plan.ok, plan.errors
    importing.units_import(plan=plan, by=None)

    number = Unit.objects.get(code="1001")
    assert (number.employees, number.union_members) == (40, 30)
    assert number.established_on == datetime.date(2020, 2, 29)
    words = Unit.objects.get(code="N2")
    assert (words.established_on, words.dissolved_on) == (datetime.date(2019, 12, 31), datetime.date(2024, 1, 31))


def test_it_updates_existing_units_and_bumps_their_version(world):
    before = world.unit_a.version
    plan = plan_for(
        "code,name,category,federation_code,employees\nA001,Công ty May Alpha mới,private_enterprise,X,500\n"
    )
    assert plan.ok
    assert len(plan.updates) == 1
    changed = {str(c.label): (c.old, c.new) for c in plan.updates[0].changes}
    assert changed == {"Tên đơn vị": ("Công ty May Alpha", "Công ty May Alpha mới"), "Số lao động": (120, 500)}

    result = importing.units_import(plan=plan, by=world.staff_x)

    assert (result.created, result.updated) == (0, 1)
    unit = Unit.objects.get(pk=world.unit_a.pk)
    assert unit.name == "Công ty May Alpha mới"
    assert unit.employees == 500
    assert unit.union_members == 100  # absent column: kept
    assert unit.version == before + 1
    latest = unit.history.order_by("-history_date").first()
    assert (latest.history_type, latest.history_user, latest.name) == ("~", world.staff_x, "Công ty May Alpha mới")


def test_it_refuses_a_browser_edit_opened_before_the_import(world):
    from units import services

    opened_version = world.unit_a.version
    plan = plan_for("code,name,category,federation_code\nA001,Tên mới,private_enterprise,X\n")
    importing.units_import(plan=plan, by=world.staff_x)

    with pytest.raises(services.StaleEdit):
        services.unit_update(unit=Unit.objects.get(pk=world.unit_a.pk), by=world.staff_x, version=opened_version)


def test_it_refuses_to_write_when_a_unit_was_edited_after_the_preview(world):
    plan = plan_for("code,name,category,federation_code\nA001,Tên mới,private_enterprise,X\nN9,Mới,other,X\n")
    Unit.objects.filter(pk=world.unit_a.pk).update(version=world.unit_a.version + 1, name="Sửa trong trình duyệt")

    with pytest.raises(importing.ImportConflict):
        importing.units_import(plan=plan, by=world.staff_x)

    assert Unit.objects.get(pk=world.unit_a.pk).name == "Sửa trong trình duyệt"
    assert not Unit.objects.filter(code="N9").exists()


def test_it_leaves_units_whose_row_did_not_change_alone(world):
    buffer = units_workbook(Unit.objects.select_related("node").order_by("code"))
    plan = plan_for(buffer, suffix=".xlsx")

    assert plan.ok, plan.errors
    assert (len(plan.creates), len(plan.updates), len(plan.unchanged)) == (0, 0, 3)
    importing.units_import(plan=plan, by=None)
    assert Unit.objects.get(pk=world.unit_a.pk).version == world.unit_a.version


def test_it_reads_the_columns_the_export_writes():
    assert tuple(c.name for c in importing.UNIT_IMPORT_COLUMNS) == UNIT_COLUMNS


def test_it_accepts_vietnamese_headers_and_category_labels(world):
    plan = plan_for(
        " Mã đơn vị ,TÊN ĐƠN VỊ,Loại hình,Mã công đoàn cấp trên,Số lao động,Số đoàn viên,Ngày thành lập,"
        "Ngày giải thể,Chủ tịch CĐCS,Email chủ tịch,Địa chỉ\n"
        "V1,Sở Nội vụ,Cơ quan hành chính nhà nước,X,10,9,01/02/2003,,,,\n"
        "V2,Hợp tác xã Lúa,HỢP TÁC XÃ,X,5,5,,,,,\n"
    )
    assert plan.ok, plan.errors
    assert [p.unit.category for p in plan.creates] == [Category.STATE_AGENCY, Category.COOPERATIVE]


def test_it_accepts_the_short_aliases_ma_and_ten(world):
    plan = plan_for("mã,tên,category,federation_code\nV1,Công ty Một,other,X\n")
    assert plan.ok, plan.errors


def test_it_does_not_ignore_missing_diacritics_in_headers(world):
    plan = plan_for("Ma don vi,name,category,federation_code\nV1,Công ty Một,other,X\n")
    assert (1, "Cột không xác định: «Ma don vi».") in errors_of(plan)


def test_it_reads_dd_mm_yyyy_dates(world):
    plan = plan_for(f"{HEADER}\nV1,Công ty Một,other,X,10,5,5/3/2001,31/12/2024,,,\n")
    assert plan.ok, plan.errors
    unit = plan.creates[0].unit
    assert (unit.established_on, unit.dissolved_on) == (datetime.date(2001, 3, 5), datetime.date(2024, 12, 31))


def test_it_reads_semicolon_csv_with_a_byte_order_mark(world):
    data = "\ufeffcode;name;category;federation_code\nV1;Công ty Một;other;X\n".encode()
    plan = plan_for(data)
    assert plan.ok, plan.errors
    assert plan.creates[0].unit.code == "V1"


# --- Bad rows: each is reported with its spreadsheet row number ------------------------

BAD_ROWS = {
    "unknown_category": ("V1,Công ty,xưởng,X,10,5,,,,,", "Loại hình «xưởng» không hợp lệ."),
    "missing_category": ("V1,Công ty,,X,10,5,,,,,", "Thiếu loại hình."),
    "unknown_federation": ("V1,Công ty,other,ZZ,10,5,,,,,", "Không có công đoàn cấp trên mã «ZZ»."),
    "missing_federation": ("V1,Công ty,other,,10,5,,,,,", "Thiếu mã công đoàn cấp trên."),
    "negative_number": ("V1,Công ty,other,X,-3,0,,,,,", "Số lao động phải là số nguyên không âm (đang là «-3»)."),
    "not_a_number": ("V1,Công ty,other,X,10,nhiều,,,,,", "Số đoàn viên phải là số nguyên không âm (đang là «nhiều»)."),
    "decimal_number": ("V1,Công ty,other,X,10.5,0,,,,,", "Số lao động phải là số nguyên không âm (đang là «10.5»)."),
    "members_over_employees": ("V1,Công ty,other,X,10,11,,,,,", "Số đoàn viên (11) lớn hơn số lao động (10)."),
    "bad_date": (
        "V1,Công ty,other,X,10,5,31/02/2020,,,,",
        "Ngày thành lập «31/02/2020» không hợp lệ; hãy ghi dd/mm/yyyy hoặc YYYY-MM-DD.",
    ),
    "dissolved_before_established": (
        "V1,Công ty,other,X,10,5,2020-01-02,2020-01-01,,,",
        "Ngày giải thể trước ngày thành lập.",
    ),
    "missing_code": (",Công ty,other,X,10,5,,,,,", "Thiếu mã đơn vị."),
    "missing_name": ("V1,,other,X,10,5,,,,,", "Thiếu tên đơn vị."),
    "bad_email": ("V1,Công ty,other,X,10,5,,,Lan,lan@,", "Email chủ tịch «lan@» không hợp lệ."),
    "code_too_long": ("V" * 33 + ",Công ty,other,X,10,5,,,,,", "Mã đơn vị dài quá 32 ký tự."),
    "too_many_cells": (
        "V1,Công ty, TNHH,other,X,10,5,,,,,Số 1",
        "Dòng có nhiều ô hơn dòng tiêu đề (thiếu dấu ngoặc kép?).",
    ),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_it_reports_a_bad_row_with_its_number_and_reason(world, case):
    line, message = BAD_ROWS[case]
    plan = plan_for(f"{HEADER}\nG1,Công ty Tốt,other,X,1,1,,,,,\n{line}\n")
    assert errors_of(plan) == [(3, message)]


def test_it_reports_a_code_repeated_in_the_file(world):
    plan = plan_for(f"{HEADER}\nV1,Một,other,X,,,,,,,\nV2,Hai,other,X,,,,,,,\nV1,Ba,other,X,,,,,,,\n")
    assert errors_of(plan) == [(4, "Mã đơn vị «V1» trùng với dòng 2.")]


def test_it_reports_a_federation_outside_the_importers_subtree(world):
    plan = plan_for(f"{HEADER}\nV1,Công ty,other,Y,10,5,,,,,\n", by=world.staff_x)
    assert errors_of(plan) == [(2, "Công đoàn cấp trên «Y» ngoài phạm vi bạn quản lý.")]


def test_it_reports_an_existing_unit_of_another_district(world):
    plan = plan_for(f"{HEADER}\nC001,Công ty Gamma,other,X,10,5,,,,,\n", by=world.staff_x)
    assert errors_of(plan) == [(2, "Mã đơn vị «C001» không dùng được; hãy chọn mã khác.")]


def test_it_lets_an_admin_import_anywhere(world):
    plan = plan_for(f"{HEADER}\nC001,Công ty Gamma,other,X,10,5,,,,,\nV1,Mới,other,Y,,,,,,,\n", by=world.admin)
    assert plan.ok, plan.errors


def test_it_checks_rules_across_fields_on_the_values_after_the_update(world):
    plan = plan_for("code,name,category,federation_code,union_members\nA001,Alpha,other,X,121\n")
    assert errors_of(plan) == [(2, "Số đoàn viên (121) lớn hơn số lao động (120).")]


def test_it_reports_an_unknown_column(world):
    plan = plan_for(f"{HEADER},tax_code\nV1,Công ty,other,X,10,5,,,,,,123\n")
    assert errors_of(plan) == [(1, "Cột không xác định: «tax_code».")]


def test_it_reports_a_missing_required_column(world):
    plan = plan_for("code,name,category\nV1,Công ty,other\n")
    assert errors_of(plan) == [(1, "Thiếu cột bắt buộc: federation_code (Mã công đoàn cấp trên).")]


def test_it_reports_every_bad_row_counting_blank_rows(world):
    plan = plan_for(f"{HEADER}\nV1,Một,xưởng,X,,,,,,,\n\nV2,Hai,other,ZZ,,,,,,,\nV3,Ba,other,X,-1,,,,,,\n")
    assert [e.row for e in plan.errors] == [2, 4, 5]


def test_it_reports_an_empty_file(world):
    assert errors_of(plan_for(f"{HEADER}\n")) == [(1, "Tệp không có dòng dữ liệu nào.")]


def test_it_refuses_a_csv_that_is_not_utf8():
    with pytest.raises(importing.ImportFileError, match="CSV \\(UTF-8\\) hoặc XLSX"):
        table_from(f"{HEADER}\nV1,Công ty,other,X\n".encode("cp1258"))


def test_it_refuses_a_plan_with_errors(world):
    with pytest.raises(ValueError, match="errors"):
        importing.units_import(plan=plan_for(f"{HEADER}\nV1,,other,X,,,,,,,\n"), by=None)


# --- The command -------------------------------------------------------------------------


def test_it_writes_nothing_when_one_row_is_bad(world, tmp_path, capsys):
    units_before, nodes_before = Unit.objects.count(), OrgNode.objects.count()
    path = write(
        tmp_path,
        "units.csv",
        f"{HEADER}\nA001,Alpha đổi tên,other,X,10,5,,,,,\nV1,Mới,other,X,10,5,,,,,\nV2,Lỗi,other,ZZ,10,5,,,,,\n",
    )
    with pytest.raises(CommandError, match="1 lỗi"):
        call_command("import_units", path)

    assert "Dòng 4: Không có công đoàn cấp trên mã «ZZ»." in capsys.readouterr().err
    assert (Unit.objects.count(), OrgNode.objects.count()) == (units_before, nodes_before)
    assert Unit.objects.get(pk=world.unit_a.pk).name == "Công ty May Alpha"


def test_it_prints_the_counts_when_the_command_succeeds(world, tmp_path):
    path = write(
        tmp_path,
        "units.xlsx",
        xlsx(
            [
                ["code", "name", "category", "federation_code"],
                ["A001", "Alpha 2", "other", "X"],
                ["V1", "Mới", "other", "Y"],
            ]
        ),
    )
    out = io.StringIO()
    call_command("import_units", path, stdout=out)
    assert "Đã nhập: 1 đơn vị mới, 1 đơn vị cập nhật, 0 tài khoản chủ tịch CĐCS mới." in out.getvalue()


def test_it_restricts_the_command_to_a_staff_users_subtree(world, tmp_path, capsys):
    path = write(tmp_path, "units.csv", "code,name,category,federation_code\nV1,Mới,other,Y\n")
    with pytest.raises(CommandError):
        call_command("import_units", path, "--as-user", "staff_x")
    assert "Dòng 2: Công đoàn cấp trên «Y» ngoài phạm vi bạn quản lý." in capsys.readouterr().err

    call_command("import_units", path, "--as-user", "staff_y", stdout=io.StringIO())
    assert Unit.objects.get(code="V1").history.get().history_user == world.staff_y


def test_it_refuses_the_command_for_a_user_without_a_staff_role(world, tmp_path):
    path = write(tmp_path, "units.csv", "code,name,category,federation_code\nV1,Mới,other,X\n")
    with pytest.raises(CommandError, match="không có quyền"):
        call_command("import_units", path, "--as-user", "leader_p")


def test_it_fails_the_command_on_a_missing_or_wrong_file(tmp_path):
    with pytest.raises(CommandError):
        call_command("import_units", str(tmp_path / "nothing.csv"))
    with pytest.raises(CommandError, match="CSV \\(UTF-8\\) hoặc XLSX"):
        call_command("import_units", write(tmp_path, "units.xlsx", "not a workbook"))


# --- No per-row queries ------------------------------------------------------------------


@pytest.fixture
def real_sqlite_parameter_limit(monkeypatch):
    """Django 5.2 assumes SQLite's old 999-parameter limit and splits batches to fit it;
    tell it the linked library's real limit so that batching matches PostgreSQL's."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        monkeypatch.setattr(connection.features, "max_query_params", limit)


def _queries_to_import(world, n, prefix):
    for i in range(n // 2):
        UnitFactory(code=f"{prefix}{i:05d}", node=world.district_x)
    rows = [
        f"{prefix}{i:05d},Đơn vị {i},other,X,10,5,2001-01-01,,Chủ tịch,ct{prefix.lower()}{i}@example.vn,"
        for i in range(n)
    ]
    plan_text = f"{HEADER}\n" + "\n".join(rows) + "\n"
    user = type(world.staff_x).objects.get(pk=world.staff_x.pk)  # a fresh user: the scope is not cached
    with CaptureQueriesContext(connection) as queries:
        plan = plan_for(plan_text, by=user)
        importing.units_import(plan=plan, by=user)
    assert (len(plan.creates), len(plan.updates)) == (n - n // 2, n // 2)
    return len(queries)


def test_it_imports_500_units_with_as_many_queries_as_50(world, real_sqlite_parameter_limit):
    assert _queries_to_import(world, 50, "S") == _queries_to_import(world, 500, "L")
