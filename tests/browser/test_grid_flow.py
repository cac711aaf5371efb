"""A district officer's day starts from the per-unit grid, in real Chromium on a laptop."""

import datetime
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from tests.factories import PASSWORD, RecordFactory, UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LAPTOP = {"viewport": {"width": 1366, "height": 768}}
D = datetime.date


def test_it_filters_the_grid_to_missing_worker_conferences_and_exports_them(
    browser: Browser, live_server, world, tmp_path
):
    this_year = datetime.date.today().year
    RecordFactory(unit=world.unit_a, held_on=D(this_year, 1, 20), status="accepted")
    RecordFactory(
        unit=UnitFactory(code="R001", name="Công ty Trả Lại", node=world.district_x),
        held_on=D(this_year, 1, 10),
        status="returned",
        return_reason="Biên bản chưa có chữ ký của hai bên",
    )
    for n in range(60):
        UnitFactory(code=f"Z{n:03d}", name=f"Công ty Chưa Họp {n}", node=world.district_x)
    problems: list[str] = []
    page = browser.new_context(**LAPTOP, accept_downloads=True).new_page()
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("staff_x")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Từng đơn vị").click()
    expect(page.get_by_role("heading", name=re.compile("Bảng theo dõi từng đơn vị"))).to_be_visible()
    expect(page.locator("#grid-count")).to_contain_text("63 đơn vị")
    expect(page.locator("#grid tbody tr")).to_have_count(50)
    page.screenshot(path="test-artifacts/grid-laptop-all.png")

    page.get_by_label("Chỉ tiêu").select_option("worker_conference")
    page.get_by_label("Tình trạng").select_option("not_done")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("#grid-count")).to_contain_text("61 đơn vị")
    expect(page.locator('#grid tr[data-unit="A001"]')).to_have_count(0)
    returned = page.locator('#grid tr[data-unit="R001"] [data-indicator="worker_conference"]')
    expect(returned).to_contain_text("Bị trả lại")
    reason = returned.locator(".grid-reason")
    expect(reason).to_be_hidden()
    returned.locator(".grid-reason-anchor").focus()
    expect(reason).to_be_visible()
    expect(reason).to_contain_text("Biên bản chưa có chữ ký")

    # The header stays in view while the rows scroll under it.
    header = page.locator("#grid thead th").first
    before = header.bounding_box()
    page.locator(".grid-scroll").evaluate("el => el.scrollTop = 600")
    after = header.bounding_box()
    assert before and after and abs(after["y"] - before["y"]) < 2
    page.locator(".grid-scroll").evaluate("el => el.scrollTop = 0")
    page.screenshot(path="test-artifacts/grid-laptop.png")

    with page.expect_download() as download:
        page.locator("#grid-xlsx").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".xlsx"
    sheet = load_workbook(path).active
    assert sheet["F3"].value == "Hội nghị người lao động" and sheet.freeze_panes == "F5"
    codes = [sheet.cell(row=r, column=2).value for r in range(5, sheet.max_row + 1)]
    assert len(codes) == 61 and "A001" not in codes and "R001" in codes
    row = codes.index("R001") + 5
    assert sheet.cell(row=row, column=6).value == "Bị trả lại"
    assert "chưa có chữ ký" in sheet.cell(row=row, column=8).value
    assert problems == []


def test_a_long_grid_shows_its_rows_first_then_its_exact_count(browser: Browser, live_server, world, monkeypatch):
    from reports import grid

    # As a province's root at 200,000 units: the page counts no further than this.
    monkeypatch.setattr(grid, "COUNT_INLINE_UP_TO", 20)
    for n in range(60):
        UnitFactory(code=f"Z{n:03d}", name=f"Công ty Đông Người {n}", node=world.district_x)
    problems: list[str] = []
    page = browser.new_context(**LAPTOP).new_page()
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("staff_x")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Từng đơn vị").click()
    expect(page.locator("#grid tbody tr")).to_have_count(50)
    # htmx asks for the exact count once the rows are there and swaps it in, pager too.
    expect(page.locator("#grid-count")).to_have_text(re.compile(r"^\s*62 đơn vị · đang xem 1–50\s*$"))
    expect(page.locator("#grid-page-label")).to_have_text("Trang 1/2")
    page.get_by_role("link", name="Sau").click()
    expect(page.locator("#grid tbody tr")).to_have_count(12)
    expect(page.locator("#grid-count")).to_contain_text("62 đơn vị · đang xem 51–62")
    expect(page.locator("#grid-page-label")).to_have_text("Trang 2/2")
    assert problems == []
