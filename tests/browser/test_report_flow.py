"""Staff build this year's report, watch it progress on the real worker, download the XLSX."""

import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_builds_watches_and_downloads_this_years_report(page: Page, live_server, world, real_worker, tmp_path):
    year = timezone.localdate().year
    RecordFactory(unit=world.unit_a, held_on=timezone.localdate().replace(month=1, day=15), status="accepted")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("staff_x")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Báo cáo", exact=True).click()

    expect(page.get_by_label("Năm")).to_have_value(str(year))
    page.get_by_role("button", name="Lập báo cáo").click()
    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    # htmx polls the progress fragment until the worker finishes, then the page reloads.
    expect(page.locator("#run-status")).to_contain_text("Hoàn thành", timeout=60_000)
    # A district's children are units: its report lists them one by one under the total.
    expect(page.locator("#unit-grid")).to_contain_text("Hội nghị người lao động 1/1")
    expect(page.locator('#unit-grid tr[data-unit="A001"] [data-indicator="worker_conference"]')).to_contain_text(
        "Đã thực hiện"
    )
    page.screenshot(path="test-artifacts/report-done.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == f"bao-cao-qcdc-X-{year}.xlsx"
    assert load_workbook(path).sheetnames[0] == "Tổng hợp"
    assert errors == []
