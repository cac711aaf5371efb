"""A district officer on a laptop reads the follow-up figures of the district's report,
opens the items behind the overdue figure, and finds the units with overdue items in the
grid; axe-core finds no serious or critical violation on those pages."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from conferences.followup.models import FollowUpItem
from reports import services
from tests.browser.test_record_flow import sign_in
from tests.factories import RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "vi-VN"}
D = datetime.date


def blocking_violations(page: Page) -> list[str]:
    page.wait_for_load_state("networkidle")
    violations = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in violations if v["impact"] in {"serious", "critical"}]


def test_the_officer_follows_the_overdue_figure_to_its_items_and_units(browser: Browser, live_server, world):
    conference = RecordFactory(unit=world.unit_a, kind="worker_conference", held_on=D(2025, 3, 10), status="accepted")
    for text, due in (("Lắp quạt thông gió xưởng may", D(2025, 5, 1)), ("Tăng phụ cấp độc hại", D(2025, 8, 1))):
        FollowUpItem.objects.create(record=conference, unit=world.unit_a, text=text, due_on=due)
    FollowUpItem.objects.create(
        record=conference, unit=world.unit_a, text="Sửa nhà ăn", due_on=D(2025, 6, 1), state="done",
        done_on=D(2025, 5, 20),
    )  # fmt: skip
    run, _created = services.report_request(node=world.district_x, year=2025, by=world.staff_x)
    errors: list[str] = []
    page = browser.new_context(**LAPTOP).new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "staff_x")

    page.goto(f"{live_server.url}{run.get_absolute_url()}")
    total = page.locator('#followup-table tr[data-followup-org="total"]')
    worker = 'a[href*="indicator=worker_conference"]'
    expect(total.locator(f'{worker}[data-figure="agreed"]')).to_have_text("3")
    overdue = total.locator(f'{worker}[data-figure="overdue"]')
    expect(overdue).to_have_text("2")
    page.locator("#followup").scroll_into_view_if_needed()
    page.screenshot(path="test-artifacts/followup-report-laptop.png")
    assert blocking_violations(page) == []

    overdue.click()
    expect(page.locator("#explain-count")).to_have_text("2")
    expect(page.locator("#explain")).to_contain_text("Lắp quạt thông gió xưởng may")
    expect(page.locator("#explain")).not_to_contain_text("Sửa nhà ăn")
    page.screenshot(path="test-artifacts/followup-explain-laptop.png")
    assert blocking_violations(page) == []

    page.goto(f"{live_server.url}/reports/grid/?node={world.district_x.pk}&year=2025&period=year&sort=overdue")
    expect(page.locator('#grid tbody tr[data-unit="A001"] [data-overdue]')).to_have_text("2")
    expect(page.locator("#grid tbody tr").first).to_have_attribute("data-unit", "A001")
    page.get_by_label("Tình trạng").select_option("overdue_items")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("#grid-count")).to_contain_text("1 đơn vị")
    page.screenshot(path="test-artifacts/followup-grid-laptop.png")
    assert blocking_violations(page) == []
    assert errors == []
