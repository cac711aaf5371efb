"""A district officer imports units with their chairs, invites them in bulk, and a chair
follows the e-mailed link, sets a password and signs in with the e-mail address."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, expect

from tests.factories import PASSWORD
from units.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "Mã đơn vị,Tên đơn vị,Loại hình,Mã công đoàn cấp trên,Chủ tịch CĐCS,Email chủ tịch,Điện thoại chủ tịch\n"
    "CT001,Công ty Mời Một,private_enterprise,X,Lê Văn Nam,nam.ct@example.vn,\n"
    "CT002,Công ty Mời Hai,private_enterprise,X,Lê Văn Nam,nam.ct@example.vn,\n"
    "CT003,Công ty Mời Ba,private_enterprise,X,Phạm Hoa,,0912 345 678\n"
)


def test_it_imports_chairs_invites_them_and_a_chair_signs_in(browser: Browser, live_server, world, tmp_path, settings):
    settings.SITE_URL = live_server.url
    upload = tmp_path / "don-vi.csv"
    upload.write_text(CSV, encoding="utf-8")
    problems: list[str] = []
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("staff_x")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Quản trị").click()
    page.get_by_role("link", name="Nhập danh sách đơn vị").click()
    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(upload)
    page.get_by_role("button", name="Tải lên và xem trước").click()
    checkbox = page.get_by_label(re.compile("Tạo tài khoản cho chủ tịch CĐCS"))
    expect(checkbox).to_be_checked()
    expect(checkbox.locator("xpath=..")).to_contain_text("2 tài khoản mới, 3 đơn vị được gắn chủ tịch")
    page.get_by_role("button", name="Xác nhận nhập").click()
    expect(page.get_by_role("alert").filter(has_text="tài khoản chủ tịch")).to_contain_text("Đã tạo 2 tài khoản")
    assert Role.objects.filter(kind="chair", unit__code__startswith="CT").count() == 3

    page.get_by_role("link", name="Quản trị").click()
    page.get_by_role("main").get_by_role("link", name="Chủ tịch CĐCS").first.click()
    page.get_by_label("Tình trạng tài khoản").select_option("not_invited")
    page.get_by_role("button", name="Lọc").click()
    rows = page.locator("#chairs tbody tr")
    expect(rows).to_have_count(4)  # CT001–CT003 and A001 (chair_a has not been invited)
    page.screenshot(path="test-artifacts/chairs-list.png")
    page.get_by_label("Chọn tất cả đơn vị trên trang").check()
    page.get_by_role("button", name=re.compile("gửi lại lời mời qua email")).click()
    expect(page.locator("#batch-result")).to_contain_text("Đã gửi email cho 3 đơn vị; 1 đơn vị không có email")
    page.screenshot(path="test-artifacts/chairs-batch.png")

    letters = [m for m in mail.outbox if "nam.ct@example.vn" in m.to]
    assert len(letters) == 2  # one per unit this person chairs
    link = re.search(r"(http://\S+/accounts/reset/\S+)", letters[0].body).group(1)

    chair = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    chair.goto(link)
    # Django's own labels (its Vietnamese catalogue spells them in its own Unicode form).
    chair.locator("#id_new_password1").fill("Sen-hong-2026!")
    chair.locator("#id_new_password2").fill("Sen-hong-2026!")
    chair.get_by_role("button", name="Lưu mật khẩu").click()
    expect(chair.get_by_role("heading")).to_contain_text(re.compile("mật khẩu", re.IGNORECASE))
    chair.goto(f"{live_server.url}/accounts/login/")
    chair.get_by_label("Tên đăng nhập").fill("NAM.CT@example.vn")
    chair.get_by_label("Mật khẩu").fill("Sen-hong-2026!")
    chair.get_by_role("button", name="Đăng nhập").click()
    expect(chair.get_by_role("heading", name=re.compile("Xin chào|Nghĩa vụ năm"))).to_be_visible()
    chair.screenshot(path="test-artifacts/chair-signed-in.png")

    page.goto(f"{live_server.url}/units/chairs/?state=active")
    expect(page.locator("#chairs tbody tr[data-state='active']")).to_have_count(2)
    assert problems == []
