"""The units export speaks the importer's language: Vietnamese headings and category
labels, and a file exported, edited and imported back changes only what was edited."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from units.models import Category, Unit

pytestmark = pytest.mark.django_db


def export(client, **params) -> bytes:
    response = client.get(reverse("units:unit_export"), params)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_it_writes_the_importers_vietnamese_headings_and_category_labels(client_as, world):
    rows = list(load_workbook(io.BytesIO(export(client_as(world.staff_x)))).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Mã đơn vị", "Tên đơn vị", "Loại hình", "Mã công đoàn cấp trên")
    assert rows[0][-6:] == (
        "Chủ tịch CĐCS", "Email chủ tịch", "Điện thoại chủ tịch", "Địa chỉ", "Tháng bắt đầu năm công tác",
        "Loại hình mới áp dụng từ ngày",
    )  # fmt: skip
    assert {row[-1] for row in rows[1:]} == {None}  # filled in only by an edit that changes the category
    categories = {row[0]: row[2] for row in rows[1:]}
    assert categories == {"A001": "Doanh nghiệp ngoài nhà nước", "B001": "Đơn vị sự nghiệp công lập"}


def test_it_writes_vietnamese_headings_for_a_user_reading_english(client_as, world):
    client = client_as(world.staff_x)
    client.cookies["django_language"] = "en"
    header = next(load_workbook(io.BytesIO(export(client))).active.iter_rows(values_only=True))
    assert header[0] == "Mã đơn vị"


def test_an_exported_file_imports_back_unchanged_through_the_browser(client_as, world):
    world.unit_a.established_on = datetime.date(2010, 5, 4)
    world.unit_a.chair_email = "chutich@alpha.vn"
    world.unit_a.save()
    client = client_as(world.staff_x)
    before = {u.pk: (u.version, u.category, u.node_id, u.established_on) for u in Unit.objects.all()}
    upload = SimpleUploadedFile("don-vi.xlsx", export(client))
    preview = client.post(reverse("units:import_units"), {"step": "preview", "file": upload})
    plan = preview.context["plan"]
    assert plan.ok, plan.errors
    assert (len(plan.creates), len(plan.updates), len(plan.unchanged)) == (0, 0, 2)
    client.post(reverse("units:import_units"), {"step": "confirm", "token": preview.context["token"]})
    after = {u.pk: (u.version, u.category, u.node_id, u.established_on) for u in Unit.objects.all()}
    assert after == before


def test_an_exported_file_edited_in_a_spreadsheet_changes_only_the_edited_cell(client_as, world):
    client = client_as(world.staff_x)
    book = load_workbook(io.BytesIO(export(client)))
    sheet = book.active
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "B001":
            row[2].value = "Hợp tác xã"
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("don-vi.xlsx", buffer.getvalue())
    plan = client.post(reverse("units:import_units"), {"step": "preview", "file": upload}).context["plan"]
    assert plan.ok, plan.errors
    assert [(p.unit.code, p.unit.category) for p in plan.updates] == [("B001", Category.COOPERATIVE)]
    assert len(plan.unchanged) == 1
