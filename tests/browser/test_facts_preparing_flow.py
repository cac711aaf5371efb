"""An officer asks for a year whose facts were never built, over a tree too large to
build them within the request: the page says the year is being prepared (axe-core finds
no serious or critical violation), a real worker builds it, and the page, reloading
itself, shows the units."""

import datetime

import pytest
from playwright.sync_api import Browser, expect

from conferences.models import Fact, FactCube, FactYear
from tests.browser.test_followup_flow import blocking_violations
from tests.browser.test_record_flow import sign_in
from tests.factories import RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LAPTOP = {"viewport": {"width": 1366, "height": 768}}


def test_an_officer_waits_for_a_year_being_prepared_then_reads_it(
    browser: Browser, live_server, world, real_worker, settings
):
    RecordFactory(unit=world.unit_a, held_on=datetime.date(2019, 3, 1), status="accepted")
    for model in (Fact, FactCube, FactYear):  # 2019 never built, as on a national installation
        model.objects.filter(year=2019).delete()
    settings.FACTS_INLINE_BUILD_UNITS = 0
    errors: list[str] = []
    page = browser.new_context(**LAPTOP).new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "staff_x")

    response = page.goto(f"{live_server.url}/reports/grid/?node={world.district_x.pk}&year=2019")

    assert response is not None and response.status == 503
    expect(page.get_by_role("heading", name="Số liệu năm 2019 đang được chuẩn bị…")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("tự tải lại sau 15 giây")
    page.screenshot(path="test-artifacts/facts-preparing-laptop.png", full_page=True)
    assert blocking_violations(page) == []

    # The worker builds the year; the page reloads itself and shows the year's units.
    expect(page.locator('#grid tr[data-unit="A001"]')).to_be_visible(timeout=90_000)
    assert FactYear.objects.filter(year=2019).exists()
    cell = page.locator('#grid tr[data-unit="A001"] [data-indicator="worker_conference"]')
    expect(cell).to_contain_text("Đã thực hiện")
    assert errors == []
