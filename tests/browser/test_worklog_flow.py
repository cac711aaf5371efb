"""Staff record an inspection visit in the work log on a phone, attach the plan, and find it in the list."""

import pytest
from playwright.sync_api import Page, expect

from reports.models import WorkLogEntry
from tests.factories import PASSWORD, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_records_an_inspection_visit_on_a_phone(page: Page, live_server, world, tmp_path):
    page.set_viewport_size({"width": 390, "height": 844})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("staff_x")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server.url}/reports/worklog/")
    page.get_by_role("link", name="Ghi hoạt động").click()
    page.get_by_label("Cấp công đoàn").select_option(label="LĐLĐ khu vực X")
    page.get_by_label("Loại hoạt động").select_option(label="Kiểm tra")
    page.get_by_label("Ngày").fill("2025-09-20")
    page.get_by_label("Tên, trích yếu").fill("Kiểm tra việc tổ chức Hội nghị NLĐ")
    page.get_by_label("Mã đơn vị liên quan").fill("A001; B001")
    page.get_by_label("Kết quả, phát hiện").fill("Hội nghị còn hình thức, chưa có nghị quyết")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã ghi hoạt động.")).to_be_visible()
    plan = tmp_path / "ke-hoach.pdf"
    plan.write_bytes(pdf_bytes())
    page.get_by_label("Tệp đính kèm (PDF, JPEG, PNG, DOCX)").set_input_files(str(plan))
    page.get_by_role("button", name="Đính kèm", exact=True).click()
    expect(page.locator("#files")).to_contain_text("ke-hoach.pdf")
    page.screenshot(path="test-artifacts/worklog-phone.png", full_page=True)
    page.goto(f"{live_server.url}/reports/worklog/?year=2025")
    expect(page.locator('tr[data-kind="inspection"]')).to_contain_text("Kiểm tra việc tổ chức Hội nghị NLĐ")
    assert WorkLogEntry.objects.get().units.count() == 2
    assert errors == []
