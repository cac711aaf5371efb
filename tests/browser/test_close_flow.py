"""Closing the year: district staff close it on the real worker; province staff see it
closed and reopen it with a reason; district staff accept a late record and close
again; province staff read what changed between the versions and the units behind a
figure."""

import datetime
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from conferences.models import Record
from tests.factories import PASSWORD, RecordFactory, UserFactory, grant
from units.models import Role
from units.periods import PeriodClose

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def open_periods(page: Page, year: int) -> None:
    page.get_by_role("link", name="Chốt số liệu", exact=True).click()
    page.get_by_label("Năm").fill(str(year))
    page.get_by_label("Kỳ báo cáo").select_option("year")
    page.get_by_role("button", name="Xem").click()


def test_district_closes_province_reopens_district_fixes_and_closes_again(
    browser: Browser, live_server, world, real_worker
):
    base = live_server.url
    RecordFactory(unit=world.unit_c, held_on=datetime.date(2025, 3, 1), status="accepted")
    late = RecordFactory(unit=world.unit_a, held_on=datetime.date(2025, 3, 10), status="submitted")
    staff_p = UserFactory(username="staff_p")
    grant(staff_p, Role.Kind.STAFF, node=world.province)
    errors: list[str] = []
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))

    # District staff close 2025; the close runs on the worker, the page follows its progress.
    sign_in(page, base, "staff_x")
    open_periods(page, 2025)
    expect(page.locator('#pending-list [data-status="submitted"]')).to_contain_text("1 hồ sơ đã nộp, đang chờ duyệt")
    page.locator("#close-confirm summary").click()
    page.get_by_label("Tôi hiểu rằng 1 hồ sơ đang chờ duyệt").check()
    page.get_by_role("button", name="Chốt và lưu số liệu").click()
    expect(page).to_have_url(re.compile(r"/reports/closes/\d+/$"))
    expect(page.locator("#run-status")).to_contain_text("Đã chốt", timeout=60_000)
    total = page.locator('tr[data-org="total"]')
    expect(total).to_contain_text("Đã chốt (lần 1)")
    expect(total).not_to_contain_text("1/1")  # A's conference (X's only expected one) is not accepted yet
    expect(page.locator("#awaiting-at-close")).to_contain_text("Công ty May Alpha")
    # The late record can no longer be accepted: the year is closed.
    page.goto(f"{base}/conferences/records/{late.pk}/")
    expect(page.locator("#frozen")).to_be_visible()
    expect(page.get_by_role("button", name="Duyệt")).to_have_count(0)

    # Province staff see X closed and reopen it with a reason.
    sign_in(page, base, "staff_p")
    open_periods(page, 2025)
    x_line = page.locator('tr[data-node="X"]')
    expect(x_line).to_contain_text("Đã chốt")
    expect(page.locator('tr[data-node="Y"]')).to_contain_text("Chưa chốt")
    x_line.get_by_role("link", name="Xem").click()
    page.locator("#reopen summary").click()
    page.get_by_label("Lý do mở lại").fill("Hội nghị của Công ty May Alpha đã nộp trước hạn, chưa kịp duyệt")
    page.get_by_role("button", name="Mở lại").click()
    expect(page.locator("#close-meta")).to_contain_text("Đã mở lại")

    # District staff accept the record and close again: version 2.
    sign_in(page, base, "staff_x")
    page.goto(f"{base}/conferences/records/{late.pk}/")
    page.get_by_role("button", name="Duyệt").click()
    expect(page.get_by_text("Đã duyệt").first).to_be_visible()
    open_periods(page, 2025)
    page.locator("#close-confirm summary").click()
    page.get_by_role("button", name="Chốt và lưu số liệu").click()
    expect(page.locator("#run-status")).to_contain_text("Đã chốt", timeout=60_000)
    expect(page.locator('tr[data-org="total"]')).to_contain_text("1/1")

    # Province staff open the version diff, then the list behind a figure.
    sign_in(page, base, "staff_p")
    open_periods(page, 2025)
    page.locator('tr[data-node="X"]').get_by_role("link", name="Xem").click()
    expect(page.locator("#diff-heading")).to_contain_text("lần chốt 1")
    expect(page.locator("#diff")).to_contain_text("A001")
    expect(page.locator("#versions tbody tr")).to_have_count(2)
    page.locator('tr[data-org="total"] a[href*="indicator=worker_conference"][href*="figure=done"]').click()
    expect(page.locator("#explain-count")).to_have_text("1")
    expect(page.locator("#explain")).to_contain_text("A001")
    page.screenshot(path="test-artifacts/close-explain.png", full_page=True)

    assert PeriodClose.objects.filter(node=world.district_x).count() == 2
    assert Record.objects.get(pk=late.pk).status == "accepted"
    assert errors == []
