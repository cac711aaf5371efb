"""A leader reads the dashboard, drills into a district and comes back."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from reports import services
from tests.factories import PASSWORD, RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_cards_and_charts_drills_down_and_comes_back(page: Page, live_server, world):
    RecordFactory(unit=world.unit_a, held_on=datetime.date(2025, 3, 1), status="accepted")
    for node in (world.province, world.district_x, world.district_y):
        for year in (2024, 2025):
            services.report_request(node=node, year=year, by_category=True, by=None)
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("leader_p")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Tổng quan").click()
    page.get_by_label("Năm", exact=True).select_option("2025")
    page.get_by_role("button", name="Xem").click()

    expect(page.locator("[data-kpi]")).to_have_count(5)
    expect(page.locator('[data-kpi="worker_conference"]')).to_contain_text("50,0%")
    for canvas in ("#children-chart", "#trend-chart"):
        expect(page.locator(canvas)).to_be_visible()
        box = page.locator(canvas).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
    page.wait_for_function("() => window.Chart && Chart.getChart('children-chart') !== undefined")
    page.screenshot(path="test-artifacts/dashboard-province.png", full_page=True)

    # Click the first bar (the best rate: district X), as a person would.
    point = page.evaluate(
        """() => { const c = Chart.getChart('children-chart'); const bar = c.getDatasetMeta(0).data[0];
                   const r = c.canvas.getBoundingClientRect(); return {x: r.left + bar.x - 5, y: r.top + bar.y}; }"""
    )
    page.mouse.click(point["x"], point["y"])
    expect(page.get_by_role("heading", name=re.compile(world.district_x.name))).to_be_visible()
    page.locator("#breadcrumb").get_by_role("link", name=world.province.name).click()
    expect(page.get_by_role("heading", name=re.compile(world.province.name))).to_be_visible()
    assert problems == []
