"""The production configuration without Docker: gunicorn, a Celery worker and Celery beat as
separate processes with production settings, against the test database and the real Redis,
exercised over real HTTP the way a browser would (cookies, CSRF token, Referer)."""

import http.cookiejar
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from conferences.models import Record
from reports.models import ReportRun
from tests.factories import PASSWORD, attach_minutes
from tests.support import skip_or_fail

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "test-artifacts" / "production-stack"
WORKER_NAME = "production-stack@" + socket.gethostname()
REPORT_DEADLINE = 90
START_DEADLINE = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _separate_broker(url: str) -> str:
    """The same Redis, another database number: the suite's own worker (conftest) listens
    on the configured one and would otherwise take this stack's tasks."""
    parts = urllib.parse.urlsplit(url)
    number = int(parts.path.strip("/") or 0)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{(number + 1) % 16}"))


@dataclass
class Stack:
    base: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def log(self, name: str) -> str:
        return (LOGS / f"{name}.log").read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(f"--- {name}.log (end) ---\n{self.log(name)[-3000:]}" for name in self.processes)

    def check_alive(self) -> None:
        for name, proc in self.processes.items():
            assert proc.poll() is None, f"{name} exited with {proc.returncode}\n{self.logs()}"


@pytest.fixture
def stack(transactional_db, tmp_path):
    """gunicorn + worker + beat with production settings; stopped before the test database is flushed."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("the production stack needs the PostgreSQL test database (set DATABASE_URL)")
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        skip_or_fail("the production stack needs Redis (set CELERY_BROKER_URL=redis://…)")
    user, password = urllib.parse.quote(db["USER"], safe=""), urllib.parse.quote(db.get("PASSWORD") or "", safe="")
    port = _free_port()
    broker = _separate_broker(settings.CELERY_BROKER_URL)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{user}:{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": broker,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: there is no TLS to redirect to, and browsers (like this
        # test's cookie jar) do not send Secure cookies over http. Production keeps all three on.
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATIC_ROOT": str(tmp_path / "static"),
        # The worker writes report files where gunicorn serves them from.
        "MEDIA_ROOT": str(tmp_path / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "LOG_LEVEL": "INFO",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    schedule = shlex.quote(str(tmp_path / "beat-schedule"))
    commands = {  # the commands of docker-compose.yml, run with this interpreter
        "gunicorn": f"-m gunicorn qcdc.wsgi:application --bind 127.0.0.1:{port} --workers 2",
        "worker": f"-m celery -A qcdc worker --concurrency=2 -n {WORKER_NAME} -l INFO",
        "beat": f"-m celery -A qcdc beat -s {schedule} -l INFO"
        " --scheduler django_celery_beat.schedulers:DatabaseScheduler",
    }
    LOGS.mkdir(parents=True, exist_ok=True)
    running = Stack(base=f"http://127.0.0.1:{port}")
    try:
        for name, command in commands.items():
            with (LOGS / f"{name}.log").open("wb") as out:
                running.processes[name] = subprocess.Popen(
                    [sys.executable, *shlex.split(command)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
                )
        _wait_until_ready(running)
        yield running
    finally:
        for proc in running.processes.values():
            proc.send_signal(signal.SIGTERM)
        for proc in running.processes.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _wait_until_ready(stack: Stack) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while True:
        stack.check_alive()
        try:
            with urllib.request.urlopen(f"{stack.base}/healthz", timeout=5):  # noqa: S310 - our loopback URL
                break
        except (urllib.error.URLError, OSError):  # refused, reset, or slow to answer while starting
            pass
        assert time.monotonic() < deadline, f"gunicorn did not answer within {START_DEADLINE} s\n{stack.logs()}"
        time.sleep(0.3)
    # Celery reads CELERY_BROKER_URL from this process's environment before any argument,
    # so a control ping from here would go to the suite's broker: read the worker's log.
    while f"{WORKER_NAME} ready." not in stack.log("worker"):
        stack.check_alive()
        assert time.monotonic() < deadline, f"the worker did not start within {START_DEADLINE} s\n{stack.logs()}"
        time.sleep(0.3)


# --- A browser made of urllib ------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Page:
    status: int
    url: str
    body: bytes
    content_type: str

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def csrf_token(self) -> str:
        match = CSRF_FIELD.search(self.text)
        assert match, f"no CSRF token on {self.url}"
        return match.group(1)


class Browser:
    """Cookies, redirects, the CSRF token from the page's form, a Referer like a browser's."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def _open(self, request: urllib.request.Request) -> Page:
        try:
            with self.opener.open(request, timeout=30) as response:
                return Page(response.status, response.url, response.read(), response.headers.get_content_type())
        except urllib.error.HTTPError as error:
            return Page(error.code, error.url, error.read(), error.headers.get_content_type())

    def get(self, path: str) -> Page:
        return self._open(urllib.request.Request(self.base + path))  # noqa: S310 - our loopback URL

    def post(self, path: str, data: dict[str, object], *, form_page: Page) -> Page:
        """POST a form read from ``form_page``: its token in the field and the header."""
        token = form_page.csrf_token
        request = urllib.request.Request(  # noqa: S310 - our loopback URL
            self.base + path,
            data=urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode(),
            headers={"X-CSRFToken": token, "Referer": form_page.url},
            method="POST",
        )
        return self._open(request)

    def sign_in(self, username: str) -> Page:
        form = self.get("/accounts/login/")
        assert form.status == 200, form.status
        page = self.post("/accounts/login/", {"username": username, "password": PASSWORD}, form_page=form)
        assert page.status == 200, (page.status, page.url)
        assert "/accounts/login/" not in page.url, f"{username} could not sign in"
        return page


def _with_production_password(user) -> str:
    """The suite hashes passwords with MD5 for speed; the production settings do not accept MD5."""
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    return user.username


def _path(page: Page) -> str:
    return urllib.parse.urlsplit(page.url).path


# --- The test ---------------------------------------------------------------------------------


def test_it_serves_files_and_builds_reports_with_production_settings(stack, world):
    health = Browser(stack.base).get("/healthz")
    assert health.status == 200, health.text
    body = json.loads(health.body)
    assert (body["status"], body["database"], body["broker"]) == ("ok", "ok", "ok")

    # Static files come from collectstatic's manifest through WhiteNoise.
    login_page = Browser(stack.base).get("/accounts/login/")
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', login_page.text)
    assert stylesheet, "the sign-in page links no stylesheet"
    assert Browser(stack.base).get(stylesheet.group(1)).status == 200

    # The chair lands on their year, files a worker conference and submits it.
    chair = Browser(stack.base)
    home = chair.sign_in(_with_production_password(world.chair_a))
    assert _path(home) == f"/conferences/units/{world.unit_a.pk}/year/"
    new_path = f"/conferences/units/{world.unit_a.pk}/new/worker_conference/"
    form = chair.get(new_path)
    assert form.status == 200
    today = timezone.localdate()
    record_page = chair.post(
        new_path,
        {
            "held_on": today.strftime("%d/%m/%Y"),
            "format": "full",
            "invited": 100,
            "attended": 90,
            "resolution_adopted": "true",
        },
        form_page=form,
    )
    record_match = re.fullmatch(r"/conferences/records/(\d+)/", _path(record_page))
    assert record_match, f"the form did not save: {_path(record_page)}"
    record_id = int(record_match.group(1))
    attach_minutes(Record.objects.get(pk=record_id))  # the year's rule requires minutes to submit
    submitted = chair.post(f"/conferences/records/{record_id}/submit/", {}, form_page=record_page)
    assert submitted.status == 200
    assert Record.objects.get(pk=record_id).status == Record.Status.SUBMITTED

    # Staff of the district accept it, then ask for the district's report of this year.
    staff = Browser(stack.base)
    staff.sign_in(_with_production_password(world.staff_x))
    review = staff.get(f"/conferences/records/{record_id}/")
    accepted = staff.post(f"/conferences/records/{record_id}/accept/", {}, form_page=review)
    assert accepted.status == 200
    assert Record.objects.get(pk=record_id).status == Record.Status.ACCEPTED

    runs = staff.get("/reports/")
    requested = staff.post("/reports/new/", {"node": world.district_x.pk, "year": today.year}, form_page=runs)
    run_match = re.fullmatch(r"/reports/(\d+)/", _path(requested))
    assert run_match, f"the report was not requested: {requested.status} {_path(requested)}"
    run_id = int(run_match.group(1))

    deadline = time.monotonic() + REPORT_DEADLINE
    while f"/reports/{run_id}/download/xlsx/" not in (page := staff.get(f"/reports/{run_id}/")).text:
        assert page.status == 200
        run = ReportRun.objects.get(pk=run_id)
        assert run.status != ReportRun.Status.FAILED, run.error
        assert time.monotonic() < deadline, f"run {run_id} still {run.status} after {REPORT_DEADLINE} s\n{stack.logs()}"
        stack.check_alive()
        time.sleep(0.5)
    # Built by the worker process, not in a web request.
    assert re.search(r"build_report_run\[[^\]]+\] succeeded", stack.log("worker")), stack.log("worker")[-3000:]

    xlsx = staff.get(f"/reports/{run_id}/download/xlsx/")
    assert xlsx.status == 200
    assert xlsx.body.startswith(b"PK")
    pdf = staff.get(f"/reports/{run_id}/download/pdf/")
    assert pdf.status == 200
    assert pdf.body.startswith(b"%PDF")
    figures = json.loads(staff.get(f"/reports/{run_id}/download/json/").body)
    total = [row for row in figures["rows"] if row["indicator"] == "worker_conference"][-1]
    assert total["done"] == 1
    # DEBUG is off: a missing page is the site's 404, not Django's technical page.
    missing = staff.get("/reports/999999/")
    assert missing.status == 404
    assert b"DEBUG = True" not in missing.body

    # Beat wrote the configured schedule into the database.
    expected = set(settings.CELERY_BEAT_SCHEDULE)
    deadline = time.monotonic() + START_DEADLINE
    while not expected <= set(PeriodicTask.objects.values_list("name", flat=True)):
        stack.check_alive()
        assert time.monotonic() < deadline, f"beat did not write its schedule\n{stack.log('beat')[-3000:]}"
        time.sleep(0.5)
    stack.check_alive()
