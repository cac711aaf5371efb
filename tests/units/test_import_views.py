"""The browser imports: who may use them, upload → preview → confirm, rejected files."""

import datetime
import io
import os
import time
import zipfile

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from tests.factories import UnitFactory
from units.models import OrgNode, Unit

pytestmark = pytest.mark.django_db

UNITS_URL = reverse("units:import_units")
ORG_URL = reverse("units:import_org")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


def csv_upload(text, name="units.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def stashed_files():
    folder = settings.MEDIA_ROOT / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def preview(client, url, upload):
    return client.post(url, {"step": "preview", "file": upload})


def confirm(client, url, token):
    return client.post(url, {"step": "confirm", "token": token})


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Who may import ----------------------------------------------------------------------


@pytest.mark.parametrize("url", [UNITS_URL, ORG_URL])
def test_it_sends_anonymous_visitors_to_the_login_page(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["chair_a", "leader_p", "leader_x"])
@pytest.mark.parametrize("url", [UNITS_URL, ORG_URL])
def test_it_refuses_chairs_and_leaders(client_as, world, persona, url):
    client = client_as(getattr(world, persona))
    assert client.get(url).status_code == 403
    assert preview(client, url, csv_upload("code,name,parent_code\nN,Nút,P\n")).status_code == 403


def test_it_refuses_staff_the_tree_import(client_as, world):
    client = client_as(world.staff_x)
    assert client.get(ORG_URL).status_code == 403
    assert preview(client, ORG_URL, csv_upload("code,name,parent_code\nN,Nút,X\n")).status_code == 403
    assert not OrgNode.objects.filter(code="N").exists()


def test_it_shows_the_upload_form_with_the_expected_columns(client_as, world):
    response = client_as(world.staff_x).get(UNITS_URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in body
    assert "federation_code" in body
    assert "Mã công đoàn cấp trên" in body


# --- Units: preview, then confirm -----------------------------------------------------------


def test_it_previews_then_imports_units_for_staff(client_as, world):
    client = client_as(world.staff_x)
    text = (
        "code,name,category,federation_code,employees,union_members\n"
        "A001,Công ty May Alpha,private_enterprise,X,300,100\n"
        "N001,Công ty Delta,other,X,20,10\n"
    )
    response = preview(client, UNITS_URL, csv_upload(text))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Tạo mới" in body
    assert "Cập nhật" in body
    assert "Xác nhận nhập" in body
    assert "Số lao động" in body  # the changed field of A001
    assert not Unit.objects.filter(code="N001").exists()
    token = response.context["token"]
    assert [p.name for p in stashed_files()] == [f"{token}.csv"]

    response = confirm(client, UNITS_URL, token)

    assert response.status_code == 302
    assert response["Location"] == reverse("units:unit_list")
    assert texts(response) == ["Đã nhập: 1 đơn vị mới, 1 đơn vị cập nhật."]
    delta = Unit.objects.get(code="N001")
    assert delta.node == world.district_x
    assert delta.history.get().history_user == world.staff_x
    assert Unit.objects.get(pk=world.unit_a.pk).employees == 300
    assert stashed_files() == []


def test_it_shows_a_row_error_for_a_unit_under_another_district(client_as, world):
    count = Unit.objects.count()
    text = "code,name,category,federation_code\nN001,Công ty Delta,other,X\nN002,Công ty Epsilon,other,Y\n"

    response = preview(client_as(world.staff_x), UNITS_URL, csv_upload(text))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Công đoàn cấp trên «Y» ngoài phạm vi bạn quản lý." in body
    assert [(e.row, e.message) for e in response.context["errors"]] == [
        (3, "Công đoàn cấp trên «Y» ngoài phạm vi bạn quản lý.")
    ]
    assert "Xác nhận nhập" not in body
    assert Unit.objects.count() == count
    assert stashed_files() == []


def test_it_refuses_staff_taking_over_another_districts_unit(client_as, world):
    text = "code,name,category,federation_code\nC001,Công ty Gamma của X,other,X\n"
    response = preview(client_as(world.staff_x), UNITS_URL, csv_upload(text))
    assert "Mã đơn vị «C001» không dùng được; hãy chọn mã khác." in response.content.decode()
    assert Unit.objects.get(pk=world.unit_c.pk).node == world.district_y


def test_it_checks_the_file_again_on_confirm(client_as, world):
    client = client_as(world.staff_x)
    response = preview(client, UNITS_URL, csv_upload("code,name,category,federation_code\nN001,Delta,other,X\n"))
    token = response.context["token"]
    UnitFactory(code="N001", node=world.district_y)  # someone in district Y took the code meanwhile

    response = confirm(client, UNITS_URL, token)

    assert response.status_code == 200
    assert "Mã đơn vị «N001» không dùng được; hãy chọn mã khác." in response.content.decode()
    assert Unit.objects.get(code="N001").node == world.district_y
    assert stashed_files() == []


def test_it_shows_the_first_200_rows_of_a_long_file(client_as, world):
    rows = "".join(f"N{i:04d},Đơn vị {i},other,X\n" for i in range(250))
    response = preview(client_as(world.staff_x), UNITS_URL, csv_upload("code,name,category,federation_code\n" + rows))
    assert len(response.context["rows"]) == 200
    assert "Tạo mới: 250" in response.content.decode()


# --- The tree ---------------------------------------------------------------------------------


def test_it_previews_then_imports_the_tree_for_an_admin(client_as, world):
    client = client_as(world.admin)
    response = preview(client, ORG_URL, csv_upload("code,name,parent_code\nZ1,Công đoàn Z1,Z\nZ,LĐLĐ khu vực Z,P\n"))
    assert response.status_code == 200
    assert "Tạo mới" in response.content.decode()

    response = confirm(client, ORG_URL, response.context["token"])

    assert response.status_code == 302
    assert texts(response) == ["Đã nhập cây tổ chức: 2 nút mới, 0 nút cập nhật."]
    z1 = OrgNode.objects.get(code="Z1")
    assert z1.parent.code == "Z"
    assert z1.path.startswith(world.province.path)
    assert stashed_files() == []


# --- Rejected uploads and tokens ----------------------------------------------------------------


@pytest.mark.parametrize("token", ["../../etc/passwd", "", "0" * 32, "ABCDEF" + "0" * 26, "0" * 31 + "/"])
def test_it_answers_a_bogus_token_with_an_error_not_a_crash(client_as, world, token):
    count = Unit.objects.count()
    response = confirm(client_as(world.staff_x), UNITS_URL, token)
    assert response.status_code == 302
    assert response["Location"] == UNITS_URL
    assert texts(response) == [
        "Không tìm thấy tệp đã tải lên (có thể đã được nhập hoặc đã hết hạn). Hãy tải tệp lên lại."
    ]
    assert Unit.objects.count() == count


def _broken_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("units.csv", PNG),
        ("units.xlsx", PNG),
        ("units.xlsx", b"code,name,category,federation_code\n"),
        ("units.xlsx", _broken_zip()),
        ("units.png", PNG),
        ("units.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        ("units.csv", "code,name\nA,Công ty\n".encode("utf-16")),
    ],
)
def test_it_rejects_a_file_that_is_not_csv_or_xlsx(client_as, world, name, content):
    response = preview(client_as(world.staff_x), UNITS_URL, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["Tệp phải là CSV (UTF-8) hoặc XLSX."]
    assert stashed_files() == []


def test_it_rejects_a_file_over_10_mb(client_as, world):
    big = "code,name,category,federation_code\n" + "x" * (10 * 1024 * 1024)
    response = preview(client_as(world.staff_x), UNITS_URL, csv_upload(big))
    assert response.context["form"].errors["file"] == ["Tệp lớn hơn 10 MB."]
    assert stashed_files() == []


def test_it_keeps_a_token_for_one_confirmation_only(client_as, world):
    client = client_as(world.staff_x)
    response = preview(client, UNITS_URL, csv_upload("code,name,category,federation_code\nN001,Delta,other,X\n"))
    token = response.context["token"]
    assert confirm(client, UNITS_URL, token)["Location"] == reverse("units:unit_list")

    again = confirm(client, UNITS_URL, token)

    assert again["Location"] == UNITS_URL
    assert Unit.objects.filter(code="N001").count() == 1


def test_it_imports_an_xlsx_upload(client_as, world):
    wb = Workbook()
    wb.active.append(["Mã đơn vị", "Tên đơn vị", "Loại hình", "Mã công đoàn cấp trên", "Ngày thành lập"])
    wb.active.append(["N001", "Công ty Delta", "Hợp tác xã", "X", datetime.date(2019, 5, 1)])
    buffer = io.BytesIO()
    wb.save(buffer)
    client = client_as(world.staff_x)

    response = preview(client, UNITS_URL, SimpleUploadedFile("don-vi.xlsx", buffer.getvalue()))
    token = response.context["token"]
    assert [p.name for p in stashed_files()] == [f"{token}.xlsx"]
    confirm(client, UNITS_URL, token)

    assert Unit.objects.get(code="N001").established_on == datetime.date(2019, 5, 1)
    assert stashed_files() == []


def test_it_deletes_previews_abandoned_for_more_than_a_day(client_as, world):
    folder = settings.MEDIA_ROOT / "imports"
    folder.mkdir(parents=True)
    old = folder / f"{'a' * 32}.csv"
    old.write_text("code\n")
    os.utime(old, (time.time() - 2 * 24 * 3600,) * 2)

    response = preview(
        client_as(world.staff_x), UNITS_URL, csv_upload("code,name,category,federation_code\nN,Delta,other,X\n")
    )

    assert [p.name for p in stashed_files()] == [f"{response.context['token']}.csv"]
