"""axe-core on every page each persona reaches by following links: the chair on a phone,
the district officer and the province leader on a desktop. No serious or critical
violation is allowed; the summary of what axe saw is kept under test-artifacts/."""

import datetime
import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, Page

from reports import services
from tests.factories import PASSWORD, RecordFactory, attach_minutes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "vi-VN"}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "vi-VN"}
PERSONAS = {"chair_a": PHONE, "staff_x": DESKTOP, "leader_p": DESKTOP}
# Not pages: files, exports, signing out, Django's own admin, language switching.
SKIP = re.compile(r"/(download|files)/|export|format=|\.xlsx|\.pdf|\.json|/accounts/logout|/i18n/")
PAGES_PER_PERSONA = 45
BLOCKING = {"serious", "critical"}
ARTIFACTS = Path("test-artifacts")


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def page_kind(url: str) -> str:
    """Pages that differ only by ids or filter values are one kind: axe checks one of each."""
    parts = urlparse(url)
    keys = sorted({k.split("=")[0] for k in parts.query.split("&") if k and not k.startswith("page=")})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(page: Page, base: str) -> dict[str, list[dict]]:
    """Breadth first over the links of the site, from the home page; axe on each new kind."""
    axe = Axe()
    queue, seen, results = [f"{base}/"], set(), {}
    while queue and len(results) < PAGES_PER_PERSONA:
        url = queue.pop(0)
        kind = page_kind(url)
        if kind in seen:
            continue
        seen.add(kind)
        response = page.goto(url)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        page.wait_for_load_state("networkidle")
        violations = axe.run(page).response["violations"]
        results[url[len(base) :]] = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "nodes": len(v["nodes"]),
                "help": v["help"],
                "targets": [
                    " ".join(map(str, n["target"])) + " " + n.get("failureSummary", "")[-90:] for n in v["nodes"][:8]
                ],
            }
            for v in violations
        ]
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urljoin(url, href).split("#")[0]
            if (
                target.startswith(base)
                and not SKIP.search(target)
                and not urlparse(target).path.startswith("/admin/")  # Django's own admin
                and page_kind(target) not in seen
            ):
                queue.append(target)
    return results


@pytest.fixture
def lived_in(world):
    """A year with records in every state, reports built and an audit entry to read."""
    year = timezone.localdate().year - 1
    accepted = RecordFactory(unit=world.unit_a, held_on=datetime.date(year, 3, 2), status="accepted")
    attach_minutes(accepted)
    RecordFactory(unit=world.unit_b, kind="cbccvc_conference", held_on=datetime.date(year, 3, 5), status="submitted",
                  submitted_at=timezone.now())  # fmt: skip
    RecordFactory(unit=world.unit_a, kind="dialogue_periodic", held_on=datetime.date(year, 6, 1), status="returned",
                  return_reason="Thiếu chữ ký", employer_reps=2, worker_reps=2)  # fmt: skip
    for node in (world.province, world.district_x):
        services.report_request(node=node, year=year, by_category=True, by=None)
    return world


def test_every_page_each_persona_reaches_has_no_serious_violation(browser: Browser, live_server, lived_in):
    report, blocking = {}, []
    for username, device in PERSONAS.items():
        context = browser.new_context(**device)
        page = context.new_page()
        sign_in(page, live_server.url, username)
        report[username] = crawl(page, live_server.url)
        for url, violations in report[username].items():
            blocking += [(username, url, v["id"], v["nodes"]) for v in violations if v["impact"] in BLOCKING]
        context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    assert sum(len(pages) for pages in report.values()) >= 20  # the crawl really walked the site
    assert blocking == [], blocking
