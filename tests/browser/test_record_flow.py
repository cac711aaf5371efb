"""The everyday loop on a phone: a chair files a worker conference, staff return and accept."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from conferences.models import Record
from tests.factories import PASSWORD, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_it_files_returns_fixes_and_accepts_a_worker_conference(browser: Browser, live_server, world, tmp_path):
    errors: list[str] = []
    minutes = tmp_path / "bien-ban-hoi-nghi.pdf"
    minutes.write_bytes(pdf_bytes())
    held_on = timezone.localdate().replace(day=1).isoformat()

    # The chair, on a phone.
    phone = browser.new_context(**PHONE)
    chair = phone.new_page()
    chair.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(chair, live_server.url, "chair_a")
    expect(chair.get_by_role("heading", name=re.compile("Nghĩa vụ năm"))).to_be_visible()
    conference = chair.locator('[data-indicator="worker_conference"]')
    expect(conference).to_contain_text(re.compile("chưa có", re.IGNORECASE))
    conference.get_by_role("link", name="Bắt đầu ghi nhận").click()

    chair.get_by_label("Ngày tổ chức / ban hành").fill(held_on)
    expect(chair.locator(".date-echo")).to_have_text(timezone.localdate().replace(day=1).strftime("%d/%m/%Y"))
    chair.get_by_label("Hình thức").select_option("full")
    chair.get_by_label("Số được triệu tập").fill("120")
    chair.get_by_label("Số tham dự").fill("100")
    chair.get_by_label("Báo cáo kết quả sản xuất, kinh doanh").check()
    # The field being typed in stays above the sticky save bar.
    chair.evaluate("window.scrollTo(0, 0)")
    chair.get_by_label("Báo cáo kết quả sản xuất, kinh doanh").focus()
    notes = chair.get_by_label("Ghi chú")
    while not notes.evaluate("e => e === document.activeElement"):
        chair.keyboard.press("Tab")
    chair.keyboard.type("Biên bản có chữ ký hai bên")
    chair.wait_for_function(
        "() => document.activeElement.getBoundingClientRect().bottom"
        " <= document.querySelector('#save-bar').getBoundingClientRect().top"
    )
    chair.get_by_label("Biên bản (có thể chọn nhiều tệp)").set_input_files(str(minutes))
    chair.screenshot(path="test-artifacts/record-form-phone.png", full_page=True)
    chair.get_by_role("button", name="Lưu").click()
    expect(chair.locator("#record-status")).to_have_text("Bản nháp")
    expect(chair.locator("#attachments")).to_contain_text("bien-ban-hoi-nghi.pdf")
    chair.screenshot(path="test-artifacts/record-phone-draft.png", full_page=True)
    chair.get_by_role("button", name="Nộp cho công đoàn cấp trên").click()
    expect(chair.locator("#record-status")).to_have_text("Đã nộp, chờ duyệt")
    record = Record.objects.get(unit=world.unit_a)

    # Staff of the district, on a desktop: return it with a reason.
    desk = browser.new_context()
    staff = desk.new_page()
    staff.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(staff, live_server.url, "staff_x")
    staff.get_by_role("link", name=re.compile("Hồ sơ chờ duyệt")).click()
    staff.get_by_role("link", name="Hội nghị người lao động").click()
    staff.get_by_label("Lý do").fill("Thiếu nội dung an toàn, vệ sinh lao động")
    staff.get_by_role("button", name="Trả lại").click()
    expect(staff.locator("#record-status")).to_have_text("Bị trả lại")

    # The chair fixes it and submits again.
    chair.goto(f"{live_server.url}/")
    expect(chair.locator('[data-indicator="worker_conference"]')).to_contain_text("Thiếu nội dung an toàn")
    chair.locator('[data-indicator="worker_conference"]').get_by_role("link", name="Mở hồ sơ").click()
    chair.get_by_role("link", name="Sửa").click()
    chair.get_by_label("An toàn, vệ sinh lao động").check()
    chair.get_by_role("button", name="Lưu").click()
    chair.get_by_role("button", name="Nộp cho công đoàn cấp trên").click()
    expect(chair.locator("#record-status")).to_have_text("Đã nộp, chờ duyệt")

    # Staff accept; the record is locked.
    staff.goto(f"{live_server.url}{record.get_absolute_url()}")
    staff.get_by_role("button", name="Duyệt").click()
    expect(staff.locator("#record-status")).to_have_text("Đã duyệt")
    chair.reload()
    expect(chair.get_by_role("button", name="Nộp cho công đoàn cấp trên")).to_have_count(0)
    expect(chair.locator("#audit")).to_contain_text("Trả lại")
    chair.screenshot(path="test-artifacts/record-phone-accepted.png", full_page=True)

    record.refresh_from_db()
    assert record.status == "accepted"
    assert list(record.audit.order_by("at", "pk").values_list("action", flat=True)) == [
        "created",
        "file_added",
        "submitted",
        "returned",
        "edited",
        "submitted",
        "accepted",
    ]
    assert errors == []
