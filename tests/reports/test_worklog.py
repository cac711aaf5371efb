"""The federation's work log: personas, scoping, closed periods, files, audit, import, query counts."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.models import WorkLogAttachment, WorkLogEntry
from reports.worklog import services
from tests.factories import UnitFactory, pdf_bytes
from units.models import AuditLog
from units.periods import Period, PeriodClose

pytestmark = pytest.mark.django_db

D = datetime.date


def entry_for(world, node=None, **fields):
    data = {"node": node or world.district_x, "kind": "training", "held_on": D(2025, 4, 12), "title": "Tập huấn QCDC"}
    return services.worklog_create(by=world.staff_x if node is None else world.admin, data={**data, **fields}, units=[])


def form(world, **overrides):
    data = {
        "node": world.district_x.pk,
        "kind": "inspection",
        "held_on": "2025-09-20",
        "title": "Kiểm tra Hội nghị NLĐ",
        "unit_codes": "A001; B001",
        "findings": "Hội nghị còn hình thức",
        "participants": "",
        "version": "",
    }
    return {**data, **overrides}


# --- Personas ----------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_login(client, world):
    entry = entry_for(world)
    for url in (reverse("reports:worklog_list"), entry.get_absolute_url(), reverse("reports:worklog_create")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_keeps_the_work_log_from_chairs(client_as, world):
    entry = entry_for(world)
    client = client_as(world.chair_a)
    assert client.get(reverse("reports:worklog_list")).status_code == 403
    assert client.get(reverse("reports:worklog_create")).status_code == 403
    assert client.get(entry.get_absolute_url()).status_code == 404


def test_it_returns_404_for_an_entry_of_another_district(client_as, world):
    entry = entry_for(world)
    client = client_as(world.staff_y)
    assert client.get(entry.get_absolute_url()).status_code == 404
    assert client.get(reverse("reports:worklog_edit", args=[entry.pk])).status_code == 404
    assert entry.title not in client.get(reverse("reports:worklog_list"), {"year": 2025}).content.decode()


def test_it_refuses_a_node_outside_the_staff_members_subtree(client_as, world):
    response = client_as(world.staff_y).post(reverse("reports:worklog_create"), form(world, unit_codes=""))
    assert response.status_code == 200 and not WorkLogEntry.objects.exists()


def test_it_lets_leaders_read_but_not_write(client_as, world):
    entry = entry_for(world)
    client = client_as(world.leader_x)
    html = client.get(reverse("reports:worklog_list"), {"year": 2025}).content.decode()
    assert entry.title in html and reverse("reports:worklog_create") not in html
    assert client.get(entry.get_absolute_url()).status_code == 200
    assert client.get(reverse("reports:worklog_create")).status_code == 403
    assert client.get(reverse("reports:worklog_edit", args=[entry.pk])).status_code == 403


def test_it_records_an_inspection_visit_with_its_units_and_an_audit_entry(client_as, world):
    response = client_as(world.staff_x).post(reverse("reports:worklog_create"), form(world))
    entry = WorkLogEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == entry.get_absolute_url()
    assert entry.year == 2025 and sorted(entry.units.values_list("code", flat=True)) == ["A001", "B001"]
    audit = AuditLog.objects.get(action=AuditLog.Action.WORK_LOGGED)
    assert audit.node == world.district_x and audit.after["units"] == ["A001", "B001"]


def test_it_refuses_units_outside_the_node(client_as, world):
    response = client_as(world.staff_x).post(reverse("reports:worklog_create"), form(world, unit_codes="C001"))
    assert "Không có đơn vị mã «C001» thuộc cấp công đoàn này." in response.content.decode()
    assert not WorkLogEntry.objects.exists()


def test_it_refuses_a_stale_edit(client_as, world):
    entry = entry_for(world)
    client = client_as(world.staff_x)
    data = form(world, kind="training", unit_codes="", version=str(entry.version))
    assert client.post(reverse("reports:worklog_edit", args=[entry.pk]), {**data, "title": "Lần 1"}).status_code == 302
    response = client.post(reverse("reports:worklog_edit", args=[entry.pk]), {**data, "title": "Lần 2"})
    assert "Người khác vừa sửa" in response.content.decode()
    assert WorkLogEntry.objects.get().title == "Lần 1"
    assert AuditLog.objects.filter(action=AuditLog.Action.WORK_EDITED).count() == 1


# --- Closed periods ------------------------------------------------------------------------


def close(world, node, year=2025, period=Period.YEAR):
    return PeriodClose.objects.create(node=node, year=year, period=period, version=1, status=PeriodClose.Status.CLOSED)


def test_it_makes_entries_of_a_closed_period_read_only(client_as, world):
    entry = entry_for(world)
    close(world, world.province)
    client = client_as(world.staff_x)
    assert 'id="frozen"' in client.get(entry.get_absolute_url()).content.decode()
    assert client.get(reverse("reports:worklog_edit", args=[entry.pk])).status_code == 403
    response = client.post(reverse("reports:worklog_create"), form(world, unit_codes=""))
    assert "đã chốt số liệu" in response.content.decode() and WorkLogEntry.objects.count() == 1


def test_it_keeps_the_second_half_open_after_the_half_year_is_closed(world):
    close(world, world.district_x, period=Period.HALF)
    assert services.is_frozen(world.district_x, D(2025, 6, 30))
    assert not services.is_frozen(world.district_x, D(2025, 7, 1))
    assert not services.is_frozen(world.district_y, D(2025, 6, 30))


# --- Files ---------------------------------------------------------------------------------


def test_it_attaches_a_checked_file_and_serves_it_only_in_scope(client_as, world):
    entry = entry_for(world)
    client = client_as(world.staff_x)
    upload = SimpleUploadedFile("ke-hoach.pdf", pdf_bytes(), content_type="application/pdf")
    client.post(reverse("reports:worklog_attach", args=[entry.pk]), {"file": upload})
    attachment = WorkLogAttachment.objects.get()
    assert client.get(attachment.get_absolute_url()).status_code == 200
    assert client_as(world.staff_y).get(attachment.get_absolute_url()).status_code == 404
    assert AuditLog.objects.filter(action=AuditLog.Action.WORK_FILE_ADDED).count() == 1


def test_it_refuses_a_file_whose_content_is_not_what_its_name_says(client_as, world):
    entry = entry_for(world)
    upload = SimpleUploadedFile("ke-hoach.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client_as(world.staff_x).post(
        reverse("reports:worklog_attach", args=[entry.pk]), {"file": upload}, follow=True
    )
    assert "Chỉ nhận tệp PDF" in response.content.decode() and not WorkLogAttachment.objects.exists()


# --- Import --------------------------------------------------------------------------------

HEADER = "node_code,kind,date,title,reference,participants,unit_codes,findings,follow_up,collectives,individuals,notes"


def test_it_imports_a_work_log_file_with_units_and_one_audit_entry(client_as, world):
    text = (
        f"{HEADER}\n"
        "X,Lớp tập huấn,12/04/2025,Tập huấn QCDC,,85,,,,,,\n"
        "X,inspection,2025-09-20,Kiểm tra,,,A001;B001,Hình thức,Tổ chức lại,,,\n"
        "X,commendation,2025-12-01,Khen thưởng,15/QĐ,,,,,3,7,\n"
    )
    upload = SimpleUploadedFile("so-hoat-dong.csv", text.encode(), content_type="text/csv")
    response = client_as(world.staff_x).post(reverse("reports:worklog_import"), {"file": upload})
    assert response.status_code == 302
    assert WorkLogEntry.objects.count() == 3
    assert WorkLogEntry.objects.get(kind="training").participants == 85
    assert WorkLogEntry.objects.get(kind="inspection").units.count() == 2
    assert WorkLogEntry.objects.get(kind="commendation").individuals == 7
    assert AuditLog.objects.get(action=AuditLog.Action.WORK_IMPORTED).after == {
        "file": "so-hoat-dong.csv",
        "entries": 3,
    }


def test_it_imports_nothing_and_names_every_bad_row(client_as, world):
    close(world, world.district_x, year=2024)
    text = (
        f"{HEADER}\n"
        "X,training,12/04/2025,Tập huấn,,85,,,,,,\n"
        "Y,training,12/04/2025,Khác huyện,,,,,,,,\n"
        "X,hội thảo lớn,12/04/2025,Sai loại,,,,,,,,\n"
        "X,inspection,31/02/2025,Sai ngày,,,,,,,,\n"
        "X,inspection,2025-09-20,Sai đơn vị,,,C001,,,,,\n"
        "X,training,2024-03-01,Kỳ đã chốt,,,,,,,,\n"
        "X,training,2025-03-01,Âm,,-5,,,,,,\n"
    )
    upload = SimpleUploadedFile("so.csv", text.encode(), content_type="text/csv")
    response = client_as(world.staff_x).post(reverse("reports:worklog_import"), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200 and not WorkLogEntry.objects.exists()
    for row, message in (
        (3, "Không có cấp công đoàn mã «Y» trong phạm vi bạn quản lý."),
        (4, "Loại hoạt động «hội thảo lớn» không hợp lệ."),
        (5, "Ngày «31/02/2025» không hợp lệ"),
        (6, "Không có đơn vị mã «C001» thuộc cấp công đoàn này."),
        (7, "Kỳ báo cáo chứa ngày 01/03/2024 đã chốt số liệu."),
        (8, "Số người tham gia phải là số nguyên không âm"),
    ):
        assert f"Dòng {row}: {message}" in html, row


def test_it_keeps_the_import_page_from_leaders(client_as, world):
    assert client_as(world.leader_x).get(reverse("reports:worklog_import")).status_code == 403


# --- Query counts --------------------------------------------------------------------------


def test_it_lists_the_work_log_in_a_constant_number_of_queries(client_as, world, django_assert_max_num_queries):
    client = client_as(world.staff_x)
    entry_for(world)
    client.get(reverse("reports:worklog_list"), {"year": 2025})
    with django_assert_max_num_queries(12) as first:
        client.get(reverse("reports:worklog_list"), {"year": 2025})
    for n in range(15):
        entry = entry_for(world, title=f"Tập huấn {n}", kind="inspection")
        entry.units.set([world.unit_a, world.unit_b])
        UnitFactory(node=world.district_x)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(reverse("reports:worklog_list"), {"year": 2025})
    assert response.content.decode().count('data-kind="inspection"') == 15
