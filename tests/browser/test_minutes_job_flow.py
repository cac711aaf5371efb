"""A reading whose worker died three times says so on the record page, on a phone, and
the chair has the file read again."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import Browser, expect

from conferences.minutes.models import MinutesReading
from conferences.models import Attachment
from qcdc import jobs
from tests.browser.test_record_flow import PHONE, sign_in
from tests.conferences import minutes_files as files
from tests.factories import RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_chair_sees_why_the_minutes_were_not_read_and_has_them_read_again(browser: Browser, live_server, world):
    record = RecordFactory(unit=world.unit_a, created_by=world.chair_a)
    from django.core.files.storage import default_storage

    name = default_storage.save("minutes/bien-ban.pdf", ContentFile(files.text_pdf()))
    attachment = Attachment.objects.create(
        record=record, purpose="minutes", file=name, original_name="bien-ban.pdf",
        content_type="application/pdf", size=10, sha256="c" * 64, uploaded_by=world.chair_a,
    )  # fmt: skip
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    MinutesReading.objects.create(
        attachment=attachment, status="running", worker="dead", attempts=3, started_at=long_ago, heartbeat_at=long_ago
    )
    jobs.sweep_all()

    page = browser.new_context(**PHONE).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "chair_a")
    page.goto(f"{live_server.url}{record.get_absolute_url()}")
    reading = page.locator('#minutes-reading [data-reading="failed"]')
    expect(reading).to_contain_text("Lỗi khi đọc")
    expect(reading).to_contain_text("dừng giữa chừng 3 lần")
    page.locator("#minutes-reading").scroll_into_view_if_needed()
    page.screenshot(path="test-artifacts/minutes-failed-phone-chair.png")
    reading.get_by_role("button", name="Đọc lại").click()
    expect(page.locator('#minutes-reading [data-reading="read"]')).to_contain_text("chữ có sẵn trong PDF")
    page.locator("#minutes-reading").scroll_into_view_if_needed()
    page.screenshot(path="test-artifacts/minutes-reread-phone-chair.png")
    assert errors == []
