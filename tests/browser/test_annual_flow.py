"""Staff write the assessment of the annual report, build it on the real worker, and find
the figures in the DOCX (python-docx) and the PDF (pdftotext)."""

import io
import re
import subprocess

import pytest
from django.utils import timezone
from docx import Document
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_writes_the_assessment_builds_and_opens_both_files(page: Page, live_server, world, real_worker, tmp_path):
    year = timezone.localdate().year
    day = timezone.localdate().replace(month=1, day=15)
    RecordFactory(unit=world.unit_a, held_on=day, status="accepted", invited=90, attended=87, resolution_adopted=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("staff_x")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    page.get_by_role("link", name="Báo cáo năm (DOCX, PDF)").click()
    page.get_by_label("Cấp công đoàn").select_option(label="LĐLĐ khu vực X")
    page.get_by_role("button", name="Mở").click()

    # The first draft cites the figures; staff rewrite it.
    expect(page.get_by_label("Ưu điểm")).to_contain_text("Hội nghị người lao động: 1/1 đơn vị (100,0%)")
    page.get_by_label("Ưu điểm").fill("Các doanh nghiệp tổ chức hội nghị đúng hạn, có nghị quyết.")
    page.get_by_label("Nhiệm vụ năm tới").fill("Mở lớp tập huấn cho chủ tịch công đoàn cơ sở.")
    page.get_by_role("button", name="Lưu nhận định").click()
    expect(page.get_by_text("Đã lưu nhận định.")).to_be_visible()
    page.get_by_role("button", name="Lập báo cáo (DOCX, PDF)").click()
    expect(page).to_have_url(re.compile(r"/reports/annual/\d+/$"))
    expect(page.locator("#annual-status")).to_have_attribute("data-status", "done", timeout=60_000)
    page.screenshot(path="test-artifacts/annual-done.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="DOCX").click()
    word = Document(io.BytesIO(download.value.path().read_bytes()))
    text = "\n".join(p.text for p in word.paragraphs)
    rows = [[c.text for c in row.cells] for t in word.tables for row in t.rows]
    assert "Các doanh nghiệp tổ chức hội nghị đúng hạn, có nghị quyết." in text
    assert "Mở lớp tập huấn cho chủ tịch công đoàn cơ sở." in text
    assert ["Hội nghị người lao động", "1", "1", "87"] in rows

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    pdf = tmp_path / "annual.pdf"
    download.value.save_as(pdf)
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(layout.split())
    assert f"QUY CHẾ DÂN CHỦ Ở CƠ SỞ NĂM {year}" in flat
    assert "Các doanh nghiệp tổ chức hội nghị đúng hạn, có nghị quyết." in flat
    assert any(
        line.split()[-3:] == ["1", "1", "87"] for line in layout.splitlines() if "Hội nghị người lao động" in line
    )
    assert errors == []
