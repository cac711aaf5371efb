"""A fresh `make run`-like database: no report was ever built, no broker, no beat. The
leader's first dashboard shows figures and a five-year trend; the district officer's
shows the grid of her units."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from reports.models import ReportRun
from units.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_the_first_visit_of_a_fresh_demo_shows_figures_and_the_grid(browser: Browser, live_server):
    call_command("seed_demo", "--units", "60")
    assert not ReportRun.objects.exists()
    problems: list[str] = []
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.on("pageerror", lambda e: problems.append(str(e)))

    sign_in(page, live_server.url, "lanhdao.tinh")
    page.get_by_role("link", name="Tổng quan").click()
    expect(page.locator("[data-kpi]")).to_have_count(5)
    expect(page.locator('[data-kpi="worker_conference"] .display-6')).to_have_text(re.compile(r"\d+,\d%"))
    trend = page.locator("#trend-table tbody tr").first.locator("td")
    expect(trend).to_have_count(5)
    assert sum(bool(re.search(r"\d", t)) for t in trend.all_inner_texts()) >= 4  # every demo year with records
    expect(page.locator("#building")).to_have_count(0)
    page.screenshot(path="test-artifacts/first-visit-leader.png", full_page=True)

    officer = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(officer, live_server.url, "canbo1")
    officer.get_by_role("link", name="Tổng quan").click()
    expect(officer.locator("#unit-grid #grid tbody tr").first).to_be_visible()
    assert officer.locator("#unit-grid #grid tbody tr").count() > 3
    officer.screenshot(path="test-artifacts/first-visit-officer.png", full_page=True)
    assert problems == []
