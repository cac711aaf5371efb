"""The chair's whole flow with the keyboard alone: sign in, record, attach, submit."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from conferences.models import Record
from tests.factories import PASSWORD, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


def type_date(page: Page, day: datetime.date) -> None:
    """Type into the focused date field in the order the browser shows (its language's)."""
    order = page.evaluate(
        "() => new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2001, 1, 3))"
        ".filter(p => p.type !== 'literal').map(p => p.type)"
    )
    parts = {"day": f"{day:%d}", "month": f"{day:%m}", "year": f"{day:%Y}"}
    page.keyboard.type("".join(parts[p] for p in order))


def test_a_chair_files_and_submits_a_conference_with_the_keyboard_alone(browser: Browser, live_server, world, tmp_path):
    minutes = tmp_path / "bien-ban.pdf"
    minutes.write_bytes(pdf_bytes())
    held_on = datetime.date(timezone.localdate().year - 1, 3, 15)
    page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()

    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "input[name=username]")
    page.keyboard.type("chair_a")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Nghĩa vụ năm", exact=False)).to_be_visible()

    page.goto(f"{live_server.url}/conferences/units/{world.unit_a.pk}/year/?year={held_on.year}")
    tab_to(page, '[data-indicator="worker_conference"] a')
    with page.expect_navigation():
        page.keyboard.press("Enter")

    tab_to(page, "input[name=held_on]")
    type_date(page, held_on)
    expect(page.locator("input[name=held_on]")).to_have_value(held_on.isoformat())
    tab_to(page, "select[name=format]")
    page.keyboard.press("ArrowDown")
    expect(page.locator("select[name=format]")).to_have_value("delegate")
    page.keyboard.press("ArrowUp")
    expect(page.locator("select[name=format]")).to_have_value("full")
    tab_to(page, "input[name=invited]")
    page.keyboard.type("120")
    page.keyboard.press("Tab")
    page.keyboard.type("100")
    tab_to(page, "input[name=contents]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=files]")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(minutes))
    tab_to(page, "#save-bar button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#record-status")).to_have_text("Bản nháp")
    expect(page.locator("#attachments")).to_contain_text("bien-ban.pdf")

    tab_to(page, "form[action$='/submit/'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#record-status")).to_have_text("Đã nộp, chờ duyệt")
    record = Record.objects.get(unit=world.unit_a)
    assert (record.held_on, record.invited, record.attended, record.status) == (held_on, 120, 100, "submitted")
    assert record.attachments.count() == 1 and record.contents.count() == 1
