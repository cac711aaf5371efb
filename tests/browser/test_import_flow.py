"""A district officer imports units from a spreadsheet, in real Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from units.models import Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNITS_CSV = (
    "Mã đơn vị,Tên đơn vị,Loại hình,Mã công đoàn cấp trên,Số lao động,Số đoàn viên,Ngày thành lập\n"
    "NK001,Công ty TNHH Nhập Khẩu Một,Doanh nghiệp ngoài nhà nước,X,80,60,15/03/2012\n"
    "NK002,Trường Tiểu học Nhập Khẩu,public_service_unit,X,40,40,2001-09-05\n"
)


def test_it_imports_units_from_a_csv_after_a_preview(page: Page, live_server, world, tmp_path):
    upload = tmp_path / "don-vi.csv"
    upload.write_text(UNITS_CSV, encoding="utf-8")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("staff_x")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name=re.compile("Xin chào"))).to_be_visible()

    page.get_by_role("link", name="Quản trị", exact=True).click()
    page.get_by_role("link", name="Nhập danh sách đơn vị").click()
    expect(page.get_by_role("heading", name="Nhập danh sách đơn vị")).to_be_visible()
    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(upload)
    page.get_by_role("button", name="Tải lên và xem trước").click()

    expect(page.get_by_role("heading", name=re.compile("xem trước"))).to_be_visible()
    rows = page.locator("#import-rows tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("NK001")
    expect(rows.first).to_contain_text("Tạo mới")
    assert not Unit.objects.filter(code__startswith="NK").exists()
    page.screenshot(path="test-artifacts/import-preview.png", full_page=True)

    page.get_by_role("button", name="Xác nhận nhập").click()

    expect(page).to_have_url(re.compile(r"/units/$"))
    expect(page.get_by_role("alert")).to_contain_text("Đã nhập: 2 đơn vị mới, 0 đơn vị cập nhật.")
    expect(page.get_by_role("link", name="NK001")).to_be_visible()
    expect(page.get_by_role("cell", name="Trường Tiểu học Nhập Khẩu")).to_be_visible()
    assert Unit.objects.get(code="NK001").node == world.district_x
