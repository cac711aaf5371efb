"""A close that failed (its worker died three times) offers to close again; a closed
version offers to make its files again. Staff on a laptop, the same page on a phone."""

import datetime
import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_close_flow import sign_in
from tests.factories import RecordFactory
from units.periods import Period, PeriodClose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = "test-artifacts"


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["laptop", "phone"])
def test_staff_close_again_after_a_failure_and_make_a_closes_files_again(
    browser: Browser, live_server, world, viewport
):
    base = live_server.url
    RecordFactory(unit=world.unit_a, held_on=datetime.date(2025, 3, 1), status="accepted")
    failed = PeriodClose.objects.create(
        node=world.district_x, year=2025, period=Period.YEAR, version=1, status="failed", attempts=3,
        error="Tiến trình xử lý đã dừng giữa chừng 3 lần; hãy làm lại.",
    )  # fmt: skip
    width, height = viewport
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, base, "staff_x")
    page.goto(f"{base}{failed.get_absolute_url()}")
    expect(page.locator("#run-status")).to_contain_text("dừng giữa chừng 3 lần")
    page.screenshot(path=f"{ARTIFACTS}/close-failed-{width}.png", full_page=True)
    page.locator("#job-rebuild").get_by_role("button", name="Làm lại").click()
    expect(page).to_have_url(re.compile(r"/reports/closes/\d+/$"))
    expect(page.locator("#run-status")).to_contain_text("Đã chốt", timeout=30_000)
    version_2 = PeriodClose.objects.get(node=world.district_x, version=2)
    assert version_2.status == "closed" and version_2.xlsx
    version_2.xlsx.storage.delete(version_2.xlsx.name)
    page.reload()
    page.locator("#regenerate-files").get_by_role("button", name="Tạo lại tệp").click()
    expect(page.locator(".alert")).to_contain_text("Đang tạo lại tệp XLSX và PDF")
    page.screenshot(path=f"{ARTIFACTS}/close-regenerated-{width}.png", full_page=True)
    version_2.refresh_from_db()
    assert version_2.xlsx.storage.exists(version_2.xlsx.name)
    assert errors == []
