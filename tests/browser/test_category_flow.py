"""A district officer on a laptop changes a unit's category from a given day, in real Chromium."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD, UnitFactory
from units.models import Category, UnitCategoryChange

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "vi-VN"}


def violations(page: Page) -> list[str]:
    page.wait_for_load_state("networkidle")
    return [f"{v['id']}: {v['help']}" for v in Axe().run(page).response["violations"]]


def test_an_officer_changes_a_units_category_from_a_day(browser: Browser, live_server, world):
    unit = UnitFactory(code="K001", name="Sở Kế hoạch K", node=world.district_x, category=Category.STATE_AGENCY)
    page = browser.new_context(**LAPTOP).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("staff_x")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    page.goto(f"{live_server.url}{unit.get_absolute_url()}")
    page.get_by_role("link", name="Sửa", exact=True).first.click()
    day = page.get_by_label("Loại hình mới áp dụng từ ngày")
    expect(day).to_be_hidden()  # asked only once the category changes
    page.locator("#id_category").select_option(label="Doanh nghiệp ngoài nhà nước")
    expect(day).to_be_visible()
    expect(day).to_have_value(timezone.localdate().isoformat())
    day.fill("2026-07-01")
    page.screenshot(path="test-artifacts/category-change-laptop.png", full_page=True)
    assert violations(page) == []

    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("alert")).to_contain_text("Đã lưu thay đổi.")
    change = UnitCategoryChange.objects.get(unit=unit)
    assert (change.new_category, change.effective_on) == (Category.PRIVATE_ENTERPRISE, datetime.date(2026, 7, 1))
    assert violations(page) == []
