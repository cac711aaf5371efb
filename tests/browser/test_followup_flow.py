"""A dialogue's agreement reappears in the unit's next dialogue, on a phone: the new
dialogue's form lists it, the saved dialogue asks for its outcome, the chair reports it
done; axe-core finds no serious or critical violation on either page."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from conferences.followup.models import FollowUpItem
from conferences.models import Record
from tests.browser.test_record_flow import PHONE, sign_in
from tests.factories import RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BLOCKING = {"serious", "critical"}


def blocking_violations(page: Page) -> list[str]:
    page.wait_for_load_state("networkidle")
    violations = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in violations if v["impact"] in BLOCKING]


def test_it_carries_an_open_agreement_into_the_next_dialogue(browser: Browser, live_server, world):
    errors: list[str] = []
    first = RecordFactory(
        unit=world.unit_a, kind="dialogue_periodic", held_on=datetime.date(2025, 3, 1), invited=None, attended=None
    )
    chair = browser.new_context(**PHONE).new_page()
    chair.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(chair, live_server.url, "chair_a")

    chair.goto(f"{live_server.url}{first.get_absolute_url()}")
    items = chair.locator("#items")
    items.get_by_label("Loại việc").select_option("agreement")
    items.get_by_label("Nội dung").fill("Giảm giờ tăng ca xuống 2 giờ mỗi ngày")
    items.get_by_label("Bên thực hiện").select_option("employer")
    items.get_by_label("Hạn hoàn thành").fill("2025-06-30")  # a native date picker takes ISO
    items.get_by_role("button", name="Thêm việc").click()
    expect(chair.locator("#record-items")).to_contain_text("Giảm giờ tăng ca xuống 2 giờ mỗi ngày")
    expect(chair.locator("#record-items")).to_contain_text("Quá hạn")

    # The next dialogue, filed through its form: the open agreement is listed before saving.
    chair.goto(f"{live_server.url}{reverse('conferences:record_create', args=[world.unit_a.pk, 'dialogue_periodic'])}")
    notice = chair.locator("#open-items-notice")
    expect(notice).to_contain_text("Giảm giờ tăng ca xuống 2 giờ mỗi ngày")
    expect(notice).to_contain_text("Quá hạn")
    chair.screenshot(path="test-artifacts/followup-phone-next-dialogue-form.png", full_page=True)
    assert blocking_violations(chair) == []
    chair.get_by_label("Ngày tổ chức / ban hành").fill("2025-09-01")
    chair.get_by_role("button", name="Lưu").click()
    expect(chair.locator("#record-status")).to_have_text("Bản nháp")
    second = Record.objects.exclude(pk=first.pk).get(unit=world.unit_a, kind="dialogue_periodic")

    carried = chair.locator("#carried-items")
    expect(carried).to_contain_text("Giảm giờ tăng ca xuống 2 giờ mỗi ngày")
    assert blocking_violations(chair) == []
    carried.get_by_label("Tình trạng").select_option("done")
    carried.get_by_label("Ngày hoàn thành").fill("2025-08-15")
    carried.get_by_label("Minh chứng", exact=True).fill("Thông báo của giám đốc ngày 15/08")
    carried.get_by_role("button", name="Lưu kết quả").click()
    expect(chair.locator("#carried-items [data-item-state='done']")).to_contain_text("15/08/2025")
    chair.screenshot(path="test-artifacts/followup-phone-next-dialogue.png", full_page=True)
    item = FollowUpItem.objects.get()
    assert (item.state, item.followed_in_id) == ("done", second.pk)
    assert errors == []
