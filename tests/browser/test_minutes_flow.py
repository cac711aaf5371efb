"""A chair uploads a photo of the minutes; the reviewer sees what it says beside what was typed."""

import re

import pytest
from playwright.sync_api import Browser, expect

from conferences.models import ContentItem
from tests.browser.test_record_flow import PHONE, sign_in
from tests.conferences import minutes_files as files
from tests.factories import RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_the_reviewer_found_and_not_found_marks(browser: Browser, live_server, world, tmp_path):
    errors: list[str] = []
    photo = tmp_path / "bien-ban.jpg"
    photo.write_bytes(files.photo())
    record = RecordFactory(unit=world.unit_a, invited=120, attended=90, created_by=world.chair_a)
    record.contents.set(ContentItem.objects.filter(kind="worker_conference", code__in=["proposals", "safety"]))

    # The chair, on a phone: upload the photo, see it read, submit.
    chair = browser.new_context(**PHONE).new_page()
    chair.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(chair, live_server.url, "chair_a")
    chair.goto(f"{live_server.url}{record.get_absolute_url()}")
    chair.get_by_label("Tệp").set_input_files(str(photo))
    chair.get_by_role("button", name="Tải lên").click()
    panel = chair.locator("#minutes-reading")
    expect(panel.locator('[data-reading="read"]')).to_contain_text("nhận dạng chữ từ ảnh (OCR)")
    chair.screenshot(path="test-artifacts/minutes-phone-chair.png", full_page=True)
    chair.get_by_role("button", name="Nộp cho công đoàn cấp trên").click()
    expect(chair.locator("#record-status")).to_have_text("Đã nộp, chờ duyệt")

    # Another unit's conference: attendance exactly at the two-thirds line, no resolution.
    RecordFactory(
        unit=world.unit_b, kind="cbccvc_conference", status="submitted", invited=90, attended=60,
        resolution_adopted=False,
    )  # fmt: skip

    # The reviewer, on a laptop.
    staff = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    staff.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(staff, live_server.url, "staff_x")
    staff.get_by_role("link", name=re.compile("Hồ sơ chờ duyệt")).click()
    staff.get_by_role("link", name="Hội nghị người lao động").click()
    compare = staff.locator("#minutes-compare")
    expect(compare.locator('[data-item="invited"]')).to_have_attribute("data-mark", "found")
    expect(compare.locator('[data-item="attended"]')).to_have_attribute("data-mark", "different")
    expect(compare.locator('[data-item="attended"]')).to_contain_text("khác với hồ sơ: 98")
    expect(compare.locator('[data-item="content:proposals"]')).to_contain_text("có trong biên bản")
    expect(compare.locator('[data-item="content:safety"]')).to_contain_text("không thấy trong biên bản")
    expect(staff.locator(".minutes-text")).to_contain_text("tăng ca")
    staff.screenshot(path="test-artifacts/minutes-laptop-reviewer.png", full_page=True)

    # The district's signals list and search find it too.
    staff.get_by_role("button", name="Biên bản", exact=True).click()
    staff.get_by_role("link", name="Tìm biên bản").click()
    staff.get_by_label("Tìm trong biên bản").fill("nhà ở")
    staff.get_by_role("button", name="Tìm").click()
    expect(staff.locator("#search-results")).to_contain_text("Công ty May Alpha")
    staff.get_by_role("button", name="Biên bản", exact=True).click()
    staff.get_by_role("link", name="Dấu hiệu hình thức").click()
    staff.get_by_label("Năm").select_option("")
    staff.get_by_role("button", name="Lọc").click()
    flagged = staff.locator("#signal-list tbody tr")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Trường THCS Beta")
    expect(flagged.locator('[data-signal="quorum_line"]')).to_have_text("Tham dự vừa đúng ngưỡng")
    staff.screenshot(path="test-artifacts/minutes-laptop-signals.png", full_page=True)
    assert errors == []
