"""An existing account accepts a chair invitation on a phone, in real Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from units.models import ChairInvitation, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_invited_chair_signs_in_and_accepts_on_a_phone(page: Page, live_server, world):
    invitation = ChairInvitation.objects.create(user=world.chair_c, unit=world.unit_b, invited_by=world.staff_x)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}{invitation.get_absolute_url()}")
    page.get_by_label("Tên đăng nhập").fill("chair_c")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    expect(page.get_by_role("heading", name="Lời mời làm Chủ tịch CĐCS")).to_be_visible()
    expect(page.get_by_text("Trường THCS Beta")).to_be_visible()
    page.screenshot(path="test-artifacts/invitation-phone.png", full_page=True)
    page.get_by_role("button", name="Nhận lời").click()

    expect(page).to_have_url(re.compile(rf"/conferences/units/{world.unit_b.pk}/"))
    expect(page.get_by_text("Bạn đã nhận vai trò Chủ tịch CĐCS của Trường THCS Beta.")).to_be_visible()
    assert Role.objects.filter(user=world.chair_c, unit=world.unit_b, kind=Role.Kind.CHAIR).exists()
    assert errors == []
