"""One look for every list: the filter bar is a labelled row on a desktop, a stack on a
phone, offers "Tất cả", and keeps its filters in pagination and exports."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD, RecordFactory, UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "vi-VN"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "vi-VN"}


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def control_boxes(page: Page) -> list[dict]:
    bar = page.locator("form.filter-bar").first
    return [c.bounding_box() for c in bar.locator("select, input:not([type=hidden]), button").all()]


def test_it_lays_every_filter_bar_out_on_one_row_on_a_desktop(browser: Browser, live_server, world):
    for i in range(60):
        UnitFactory(code=f"X{i:03d}", name=f"Công ty Delta {i}", node=world.district_x)
    RecordFactory(unit=world.unit_a, status="submitted", submitted_at=timezone.now(), held_on=datetime.date(2025, 3, 1))
    page = browser.new_context(**DESKTOP).new_page()
    sign_in(page, live_server.url, "staff_x")
    lists = {
        "units": "/units/",
        "queue": "/conferences/review/",
        "periods": f"/reports/periods/?node={world.district_x.pk}&year=2025&period=year",
        "runs": "/reports/",
        "explain": f"/reports/explain/?node={world.district_x.pk}&year=2025&period=year"
        "&indicator=worker_conference&figure=expected",
        "people": "/units/admin/people/",
        "audit": "/units/admin/audit/",
    }
    for name, path in lists.items():
        page.goto(f"{live_server.url}{path}")
        boxes = control_boxes(page)
        assert len(boxes) >= 2, name
        bottoms = {round(b["y"] + b["height"]) for b in boxes}
        assert max(bottoms) - min(bottoms) <= 2, (name, boxes)  # aligned on one row
        for label in page.locator("form.filter-bar label").all():
            expect(label).to_be_visible()
        page.screenshot(path=f"test-artifacts/list-{name}-desktop.png", full_page=True)

    # "Tất cả" is the empty choice, and the filters travel with the pages and the export.
    page.goto(f"{live_server.url}/units/")
    expect(page.get_by_label("Loại hình").locator("option").first).to_have_text("Tất cả")
    page.get_by_label("Tìm theo tên hoặc mã").fill("Delta")
    page.get_by_role("button", name="Lọc").click()
    expect(page.get_by_role("link", name="Xuất XLSX")).to_have_attribute("href", re.compile(r"q=Delta"))
    page.get_by_role("link", name="Sau").click()
    expect(page).to_have_url(re.compile(r"q=Delta.*page=2"))
    expect(page.get_by_label("Tìm theo tên hoặc mã")).to_have_value("Delta")


def test_it_stacks_the_filter_bar_on_a_phone(browser: Browser, live_server, world):
    page = browser.new_context(**PHONE).new_page()
    sign_in(page, live_server.url, "staff_x")
    page.goto(f"{live_server.url}/conferences/review/")
    boxes = control_boxes(page)
    lefts = {round(b["x"]) for b in boxes}
    assert len(lefts) == 1, boxes  # one under the other
    assert all(b["width"] > 300 for b in boxes)
