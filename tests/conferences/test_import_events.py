"""Importing historical records from CSV/XLSX: good files, bad rows, re-imports, the command, the views."""

import datetime
import io
import sqlite3

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from conferences import importing
from conferences.models import AuditEntry, Record
from tests.factories import RecordFactory, UnitFactory
from units.importing import read_table

pytestmark = pytest.mark.django_db

HEADER = "unit_code,kind,date,invited,attended,status"
URL = reverse("conferences:import_events")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


def plan_for(text, by=None, suffix=".csv"):
    data = text.encode() if isinstance(text, str) else text
    table = read_table(data=data, suffix=suffix, columns=importing.EVENT_IMPORT_COLUMNS)
    return importing.plan_events_import(table=table, by=by)


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


def counts():
    return Record.objects.count(), AuditEntry.objects.count()


# --- Good files ------------------------------------------------------------------------


def test_it_creates_accepted_paper_records_with_an_audit_entry_each(world):
    plan = plan_for(
        f"{HEADER}\n"
        "A001,worker_conference,2023-03-15,120,100,\n"
        "A001,dialogue_periodic,20/09/2023,,,\n"
        "B001,cbccvc_conference,10/01/2024,60,58,accepted\n"
    )
    assert plan.ok, plan.errors

    result = importing.events_import(plan=plan, by=world.staff_x, file_name="ho-so-cu.csv")

    assert (result.created, result.skipped) == (3, 0)
    conference = Record.objects.get(unit=world.unit_a, kind="worker_conference")
    assert (conference.held_on, conference.year) == (datetime.date(2023, 3, 15), 2023)
    assert (conference.invited, conference.attended, conference.format) == (120, 100, "full")
    assert (conference.status, conference.on_paper, conference.created_by) == ("accepted", True, world.staff_x)
    assert conference.submitted_at is not None
    assert conference.reviewed_at is not None
    assert conference.reviewed_by == world.staff_x
    dialogue = Record.objects.get(unit=world.unit_a, kind="dialogue_periodic")
    assert (dialogue.held_on, dialogue.year, dialogue.format) == (datetime.date(2023, 9, 20), 2023, "")
    assert (dialogue.invited, dialogue.attended) == (None, None)
    assert Record.objects.get(unit=world.unit_b).year == 2024
    entry = conference.audit.get()
    assert (entry.action, entry.by) == (AuditEntry.Action.IMPORTED, world.staff_x)
    assert entry.changes == {"file": "ho-so-cu.csv", "row": 2}
    assert dialogue.audit.get().changes == {"file": "ho-so-cu.csv", "row": 3}


def test_it_reads_an_xlsx_file_with_vietnamese_headers_labels_and_date_cells(world):
    data = xlsx(
        [
            ["Mã đơn vị", "Loại", "Ngày", "Số được triệu tập", "Số tham dự", "Trạng thái"],
            ["A001", "HỘI NGHỊ NGƯỜI LAO ĐỘNG", datetime.date(2022, 4, 2), 100, 90.0, "Đã duyệt"],
            ["A001", "Đối thoại khi có vụ việc", datetime.datetime(2022, 6, 1), None, None, "bản nháp"],
            ["B001", "Quy chế dân chủ ở cơ sở", "01/02/2021", "", "", "Đã nộp, chờ duyệt"],
            ["B001", "Ban thanh tra nhân dân", "2021-03-01", "", "", "Bị trả lại"],
        ]
    )
    plan = plan_for(data, suffix=".xlsx")
    assert plan.ok, plan.errors
    created = [(p.record.kind, p.record.held_on, p.record.status) for p in plan.creates]
    assert created == [
        ("worker_conference", datetime.date(2022, 4, 2), "accepted"),
        ("dialogue_event", datetime.date(2022, 6, 1), "draft"),
        ("qcdc_regulation", datetime.date(2021, 2, 1), "submitted"),
        ("inspection_board", datetime.date(2021, 3, 1), "returned"),
    ]
    assert (plan.creates[0].record.invited, plan.creates[0].record.attended) == (100, 90)


def test_it_accepts_machine_values_in_any_case(world):
    plan = plan_for(f"{HEADER}\nA001,Dialogue_On_Request,2023-01-05,,,SUBMITTED\n")
    assert plan.ok, plan.errors
    assert (plan.creates[0].record.kind, plan.creates[0].record.status) == ("dialogue_on_request", "submitted")


def test_it_sets_the_workflow_timestamps_each_status_would_have(world):
    plan = plan_for(
        f"{HEADER}\n"
        "A001,dialogue_periodic,2023-01-01,,,draft\n"
        "A001,dialogue_periodic,2023-02-01,,,submitted\n"
        "A001,dialogue_periodic,2023-03-01,,,returned\n"
        "A001,dialogue_periodic,2023-04-01,,,accepted\n"
    )
    importing.events_import(plan=plan, by=world.staff_x, file_name="f.csv")

    stamps = {
        r.status: (r.submitted_at is not None, r.reviewed_at is not None, r.reviewed_by)
        for r in Record.objects.filter(unit=world.unit_a)
    }
    assert stamps == {
        "draft": (False, False, None),
        "submitted": (True, False, None),
        "returned": (True, True, world.staff_x),
        "accepted": (True, True, world.staff_x),
    }


def test_it_lets_an_admin_and_the_operator_import_anywhere(world):
    text = f"{HEADER}\nA001,worker_conference,2023-03-15,,,\nC001,worker_conference,2023-03-15,,,\n"
    assert plan_for(text, by=world.admin).ok
    assert plan_for(text, by=None).ok


def test_it_accepts_a_date_on_the_day_the_unit_was_established_or_dissolved(world):
    UnitFactory(code="D001", node=world.district_x, established_on=datetime.date(2015, 5, 1), dissolved_on=None)
    UnitFactory(code="E001", node=world.district_x, dissolved_on=datetime.date(2020, 6, 30))
    today = timezone.localdate()
    plan = plan_for(
        f"{HEADER}\nD001,worker_conference,2015-05-01,,,\nE001,worker_conference,2020-06-30,,,\n"
        f"A001,dialogue_event,{today:%d/%m/%Y},,,\n"
    )
    assert plan.ok, plan.errors


# --- Records already in the database ---------------------------------------------------


def test_it_skips_a_row_whose_record_exists_instead_of_failing(world, record_a):
    text = (
        f"{HEADER}\n"
        f"A001,worker_conference,{record_a.held_on:%d/%m/%Y},500,1,\n"  # other numbers: still the same event
        f"A001,dialogue_periodic,{record_a.held_on:%Y-%m-%d},,,\n"
    )
    plan = plan_for(text, by=world.staff_x)

    assert plan.ok, plan.errors
    assert [p.row for p in plan.skipped] == [2]
    assert [p.row for p in plan.creates] == [3]
    result = importing.events_import(plan=plan, by=world.staff_x, file_name="f.csv")
    assert (result.created, result.skipped) == (1, 1)
    assert Record.objects.get(pk=record_a.pk).invited == record_a.invited


def test_it_imports_the_same_file_twice_without_duplicates(world, tmp_path):
    path = write(
        tmp_path,
        "lich-su.csv",
        f"{HEADER}\nA001,worker_conference,2023-03-15,100,90,\nB001,dialogue_periodic,2023-05-01,,,draft\n",
    )
    first = io.StringIO()
    call_command("import_events", path, stdout=first)
    after_first = counts()

    again = io.StringIO()
    call_command("import_events", path, stdout=again)

    assert "Đã nhập 2 hồ sơ; 0 hồ sơ đã có." in first.getvalue()
    assert "Đã nhập 0 hồ sơ; 2 hồ sơ đã có." in again.getvalue()
    assert counts() == after_first


# --- Bad rows: each is reported with its spreadsheet row number and reason -------------

FUTURE = timezone.localdate() + datetime.timedelta(days=1)

BAD_ROWS = {
    "unknown_unit": ("Z999,worker_conference,2023-03-15,,,", "Không có đơn vị mã «Z999» trong phạm vi bạn quản lý."),
    "missing_unit": (",worker_conference,2023-03-15,,,", "Thiếu mã đơn vị."),
    "unit_outside_the_subtree": (
        "C001,worker_conference,2023-03-15,,,",
        "Không có đơn vị mã «C001» trong phạm vi bạn quản lý.",
    ),
    "unknown_kind": ("A001,hội nghị khác,2023-03-15,,,", "Loại hồ sơ «hội nghị khác» không hợp lệ."),
    "missing_kind": ("A001,,2023-03-15,,,", "Thiếu loại hồ sơ."),
    "bad_date": (
        "A001,worker_conference,31/02/2023,,,",
        "Ngày «31/02/2023» không hợp lệ; hãy ghi dd/mm/yyyy hoặc YYYY-MM-DD.",
    ),
    "us_date": (
        "A001,worker_conference,03/15/2023,,,",
        "Ngày «03/15/2023» không hợp lệ; hãy ghi dd/mm/yyyy hoặc YYYY-MM-DD.",
    ),
    "missing_date": ("A001,worker_conference,,,,", "Thiếu ngày."),
    "future_date": (
        f"A001,worker_conference,{FUTURE:%Y-%m-%d},,,",
        f"Ngày tổ chức / ban hành: Ngày {FUTURE:%d/%m/%Y} còn ở tương lai: chỉ ghi nhận sự kiện đã diễn ra.",
    ),
    "negative_number": (
        "A001,worker_conference,2023-03-15,-5,,",
        "Số được triệu tập phải là số nguyên không âm (đang là «-5»).",
    ),
    "decimal_number": (
        "A001,worker_conference,2023-03-15,100,80.5,",
        "Số tham dự phải là số nguyên không âm (đang là «80.5»).",
    ),
    "not_a_number": (
        "A001,worker_conference,2023-03-15,nhiều,,",
        "Số được triệu tập phải là số nguyên không âm (đang là «nhiều»).",
    ),
    "attended_over_invited": (
        "A001,worker_conference,2023-03-15,80,81,",
        "Số tham dự (81) lớn hơn số được triệu tập (80).",
    ),
    "unknown_status": ("A001,worker_conference,2023-03-15,,,đã xong", "Trạng thái «đã xong» không hợp lệ."),
    "before_established": (
        "A001,worker_conference,31/12/2009,,,",
        "Ngày 31/12/2009 trước ngày thành lập đơn vị (01/01/2010).",
    ),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_it_reports_a_bad_row_with_its_number_and_reason(world, case):
    line, message = BAD_ROWS[case]
    plan = plan_for(f"{HEADER}\nB001,worker_conference,2023-03-15,,,\n{line}\n", by=world.staff_x)
    assert errors_of(plan) == [(3, message)]


def test_it_reports_a_date_after_the_unit_was_dissolved(world):
    UnitFactory(code="E001", node=world.district_x, dissolved_on=datetime.date(2020, 6, 30))
    plan = plan_for(f"{HEADER}\nE001,worker_conference,01/07/2020,,,\n")
    assert errors_of(plan) == [(2, "Ngày 01/07/2020 sau ngày giải thể đơn vị (30/06/2020).")]


def test_it_reports_a_row_repeated_in_the_file(world):
    plan = plan_for(
        f"{HEADER}\n"
        "A001,worker_conference,2023-03-15,100,90,\n"
        "A001,dialogue_periodic,2023-03-15,,,\n"
        "A001,Hội nghị người lao động,15/03/2023,,,draft\n"
    )
    assert errors_of(plan) == [(4, "Trùng với dòng 2 (cùng đơn vị, loại và ngày).")]


def test_it_reports_every_bad_row_counting_blank_rows(world):
    plan = plan_for(f"{HEADER}\nZ1,worker_conference,2023-01-01,,,\n\nA001,x,2023-01-01,,,\nA001,,,,,\n")
    assert errors_of(plan) == [
        (2, "Không có đơn vị mã «Z1» trong phạm vi bạn quản lý."),
        (4, "Loại hồ sơ «x» không hợp lệ."),
        (5, "Thiếu loại hồ sơ."),
        (5, "Thiếu ngày."),
    ]


def test_it_reports_a_missing_required_column(world):
    plan = plan_for("unit_code,kind\nA001,worker_conference\n")
    assert errors_of(plan) == [(1, "Thiếu cột bắt buộc: date (Ngày).")]


def test_it_refuses_a_plan_with_errors(world):
    with pytest.raises(ValueError, match="errors"):
        importing.events_import(plan=plan_for(f"{HEADER}\nZ1,worker_conference,2023-01-01,,,\n"), by=None, file_name="")


# --- The command -------------------------------------------------------------------------


def test_it_writes_nothing_when_one_row_is_bad(world, tmp_path, capsys):
    before = counts()
    path = write(
        tmp_path,
        "events.csv",
        f"{HEADER}\nA001,worker_conference,2023-03-15,100,90,\nB001,dialogue_periodic,2023-05-01,,,\n"
        "C001,worker_conference,2023-03-15,10,11,\n",
    )
    with pytest.raises(CommandError, match="1 lỗi; chưa ghi gì") as failure:
        call_command("import_events", path)

    assert failure.value.returncode == 1
    assert "Dòng 4: Số tham dự (11) lớn hơn số được triệu tập (10)." in capsys.readouterr().err
    assert counts() == before


def test_it_prints_the_counts_and_names_the_file_when_the_command_succeeds(world, record_a, tmp_path):
    path = write(
        tmp_path,
        "2023.xlsx",
        xlsx(
            [
                ["unit_code", "kind", "date"],
                ["A001", "worker_conference", record_a.held_on],
                ["C001", "worker_conference", datetime.date(2023, 3, 15)],
            ]
        ),
    )
    out = io.StringIO()

    call_command("import_events", path, stdout=out)

    assert "Đã nhập 1 hồ sơ; 1 hồ sơ đã có." in out.getvalue()
    record = Record.objects.get(unit=world.unit_c, held_on=datetime.date(2023, 3, 15))
    assert (record.created_by, record.reviewed_by, record.status) == (None, None, "accepted")
    entry = record.audit.get()
    assert (entry.by, entry.changes) == (None, {"file": "2023.xlsx", "row": 3})


def test_it_restricts_the_command_to_a_staff_users_subtree(world, tmp_path, capsys):
    path = write(tmp_path, "events.csv", f"{HEADER}\nC001,worker_conference,2023-03-15,,,\n")
    with pytest.raises(CommandError):
        call_command("import_events", path, "--as-user", "staff_x")
    assert "Dòng 2: Không có đơn vị mã «C001» trong phạm vi bạn quản lý." in capsys.readouterr().err

    call_command("import_events", path, "--as-user", "staff_y", stdout=io.StringIO())
    record = Record.objects.get(unit=world.unit_c)
    assert (record.created_by, record.audit.get().by) == (world.staff_y, world.staff_y)


@pytest.mark.parametrize(("username", "message"), [("leader_p", "không có quyền"), ("nobody", "Không có người dùng")])
def test_it_refuses_the_command_for_a_user_without_a_staff_role(world, tmp_path, username, message):
    path = write(tmp_path, "events.csv", f"{HEADER}\nA001,worker_conference,2023-03-15,,,\n")
    with pytest.raises(CommandError, match=message):
        call_command("import_events", path, "--as-user", username)
    assert not Record.objects.exists()


def test_it_fails_the_command_on_a_missing_or_wrong_file(tmp_path):
    with pytest.raises(CommandError):
        call_command("import_events", str(tmp_path / "nothing.csv"))
    with pytest.raises(CommandError, match="CSV \\(UTF-8\\) hoặc XLSX"):
        call_command("import_events", write(tmp_path, "events.xlsx", "not a workbook"))


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
    """``n`` rows over ``n // 10`` units, one row of each unit already in the database."""
    lines = []
    for u in range(n // 10):
        unit = UnitFactory(code=f"{prefix}{u:04d}", node=world.district_x)
        RecordFactory(unit=unit, kind="dialogue_periodic", held_on=datetime.date(2015, 1, 1))
        lines += [
            f"{unit.code},dialogue_periodic,{datetime.date(2015, 1, 1) + datetime.timedelta(days=30 * i)},,,"
            for i in range(10)
        ]
    user = type(world.staff_x).objects.get(pk=world.staff_x.pk)  # a fresh user: the scope is not cached
    with CaptureQueriesContext(connection) as queries:
        plan = plan_for(f"{HEADER}\n" + "\n".join(lines) + "\n", by=user)
        importing.events_import(plan=plan, by=user, file_name="f.csv")
    assert (len(plan.creates), len(plan.skipped)) == (n - n // 10, n // 10)
    return len(queries)


def test_it_imports_500_rows_with_as_many_queries_as_50(world, real_sqlite_parameter_limit):
    assert _queries_to_import(world, 50, "S") == _queries_to_import(world, 500, "L")


# --- The browser: upload → preview → confirm -----------------------------------------------


def csv_upload(text, name="ho-so.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def stashed_files():
    folder = settings.MEDIA_ROOT / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def preview(client, upload):
    return client.post(URL, {"step": "preview", "file": upload})


def confirm(client, token, file_name="ho-so.csv"):
    return client.post(URL, {"step": "confirm", "token": token, "file_name": file_name})


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_it_sends_anonymous_visitors_to_the_login_page(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["chair_a", "leader_p", "leader_x"])
def test_it_refuses_chairs_and_leaders(client_as, world, persona):
    client = client_as(getattr(world, persona))
    assert client.get(URL).status_code == 403
    assert preview(client, csv_upload(f"{HEADER}\nA001,worker_conference,2023-03-15,,,\n")).status_code == 403
    assert stashed_files() == []


def test_it_shows_the_upload_form_with_the_columns_kinds_and_statuses(client_as, world):
    response = client_as(world.staff_x).get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in body
    assert "unit_code" in body
    assert "Số được triệu tập" in body
    assert "Ban thanh tra nhân dân" in body
    assert "Đã nộp, chờ duyệt" in body


def test_it_links_the_review_queue_to_the_import(client_as, world):
    body = client_as(world.staff_x).get(reverse("conferences:review_queue")).content.decode()
    assert f'href="{URL}"' in body
    assert "Nhập hồ sơ cũ từ tệp" in body


def test_it_previews_then_imports_records_for_staff(client_as, world, record_a):
    client = client_as(world.staff_x)
    text = (
        f"{HEADER}\n"
        "A001,worker_conference,2023-03-15,100,90,\n"
        f"A001,worker_conference,{record_a.held_on:%d/%m/%Y},,,\n"
        "B001,Đối thoại định kỳ,2023-09-20,,,submitted\n"
    )
    before = counts()

    response = preview(client, csv_upload(text, name="lich-su-2023.csv"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Tạo mới: 2" in body
    assert "Đã có: 1" in body
    assert "Lỗi: 0" in body
    assert "Xác nhận nhập" in body
    assert [r.row for r in response.context["rows"]] == [2, 3, 4]
    assert counts() == before
    token = response.context["token"]
    assert [p.name for p in stashed_files()] == [f"{token}.csv"]

    response = confirm(client, token, file_name=response.context["file_name"])

    assert response.status_code == 302
    assert response["Location"] == reverse("conferences:review_queue")
    assert texts(response) == ["Đã nhập 2 hồ sơ; 1 hồ sơ đã có."]
    dialogue = Record.objects.get(unit=world.unit_b, kind="dialogue_periodic")
    assert (dialogue.status, dialogue.created_by, dialogue.on_paper) == ("submitted", world.staff_x, True)
    assert dialogue.audit.get().changes == {"file": "lich-su-2023.csv", "row": 4}
    assert counts() == (before[0] + 2, before[1] + 2)
    assert stashed_files() == []


def test_it_shows_a_row_error_for_a_unit_of_another_district(client_as, world):
    before = counts()
    text = f"{HEADER}\nA001,worker_conference,2023-03-15,,,\nC001,worker_conference,2023-03-15,,,\n"

    response = preview(client_as(world.staff_x), csv_upload(text))

    body = response.content.decode()
    assert response.status_code == 200
    assert [(e.row, e.message) for e in response.context["errors"]] == [
        (3, "Không có đơn vị mã «C001» trong phạm vi bạn quản lý.")
    ]
    assert "Không có đơn vị mã «C001» trong phạm vi bạn quản lý." in body
    assert "Lỗi: 1" in body
    assert "Xác nhận nhập" not in body
    assert counts() == before
    assert stashed_files() == []


def test_it_checks_the_file_again_on_confirm(client_as, world):
    client = client_as(world.staff_x)
    response = preview(client, csv_upload(f"{HEADER}\nA001,worker_conference,2023-03-15,,,\n"))
    RecordFactory(unit=world.unit_a, held_on=datetime.date(2023, 3, 15))  # filed in the browser meanwhile

    response = confirm(client, response.context["token"])

    assert texts(response) == ["Đã nhập 0 hồ sơ; 1 hồ sơ đã có."]
    assert Record.objects.filter(unit=world.unit_a, held_on=datetime.date(2023, 3, 15)).count() == 1
    assert stashed_files() == []


def test_it_shows_the_first_200_rows_of_a_long_file(client_as, world):
    start = datetime.date(2015, 1, 1)
    rows = "".join(f"A001,dialogue_event,{start + datetime.timedelta(days=i)},,,\n" for i in range(250))
    response = preview(client_as(world.staff_x), csv_upload(f"{HEADER}\n{rows}"))
    assert len(response.context["rows"]) == 200
    assert "Tạo mới: 250" in response.content.decode()


@pytest.mark.parametrize("token", ["../../etc/passwd", "", "0" * 32, "ABCDEF" + "0" * 26, "0" * 31 + "/"])
def test_it_answers_a_bogus_token_with_an_error_not_a_crash(client_as, world, token):
    before = counts()
    response = confirm(client_as(world.staff_x), token)
    assert response.status_code == 302
    assert response["Location"] == URL
    assert texts(response) == [
        "Không tìm thấy tệp đã tải lên (có thể đã được nhập hoặc đã hết hạn). Hãy tải tệp lên lại."
    ]
    assert counts() == before


@pytest.mark.parametrize("name", ["ho-so.png", "ho-so.csv", "ho-so.xlsx"])
def test_it_rejects_a_png_upload(client_as, world, name):
    response = preview(client_as(world.staff_x), SimpleUploadedFile(name, PNG, content_type="image/png"))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["Tệp phải là CSV (UTF-8) hoặc XLSX."]
    assert "Tệp phải là CSV (UTF-8) hoặc XLSX." in response.content.decode()
    assert stashed_files() == []
