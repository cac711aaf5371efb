"""Fixtures shared by the whole suite: settings for tests, personas, real services."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from conferences.defaults import SEEDED_YEARS
from conferences.models import ObligationRule
from conferences.rules import seed_rules
from qcdc.celery import app as celery_app
from tests.factories import OrgNodeFactory, UnitFactory, UserFactory, grant
from tests.support import skip_or_fail
from units.models import Category, OrgNode, Role, Unit

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _test_environment():
    """Production-safe settings that do not suit the test client and live server.

    Session-scoped and set before anything starts, because the live server builds its
    middleware (which reads SECURE_SSL_REDIRECT once) when it starts.
    """
    django_settings.SECURE_SSL_REDIRECT = False
    django_settings.SECURE_HSTS_SECONDS = 0
    django_settings.SESSION_COOKIE_SECURE = False
    django_settings.CSRF_COOKIE_SECURE = False
    django_settings.STORAGES = {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # A cache of its own per test: the throttles count there (Redis in production).
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "vi"
    # Tasks run in-process unless a test asks for the real worker.
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = not django_settings.CELERY_BROKER_URL


def build_every_rule_year() -> None:
    """The facts of every year with rules built. The app builds only the years that need
    them (``conferences.facts.years``); the suite's tests write and read any year of
    2015–2030 and expect every write to reach the facts, as they did when every year
    with rules was built."""
    from conferences.facts.maintain import rebuild_year, rule_years

    for year in rule_years():
        rebuild_year(year, only_if_stale=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        build_every_rule_year()


@dataclass
class World:
    """A small tree with one persona per role.

    root ─ province P ─┬─ district X ─ units A (chair_a), B
                        └─ district Y ─ unit C (chair_c)
    """

    root: OrgNode
    province: OrgNode
    district_x: OrgNode
    district_y: OrgNode
    unit_a: Unit
    unit_b: Unit
    unit_c: Unit
    admin: object
    leader_p: object
    staff_x: object
    staff_y: object
    leader_x: object
    chair_a: object
    chair_c: object


@pytest.fixture
def world(db) -> World:
    # Transactional tests flush the tables, including the rules the data migration seeded.
    if not ObligationRule.objects.exists():
        for year in SEEDED_YEARS:
            seed_rules(year=year)
        build_every_rule_year()
    root = OrgNodeFactory(code="VGCL", name="Tổng Liên đoàn")
    province = OrgNodeFactory(code="P", name="LĐLĐ tỉnh P", parent=root)
    district_x = OrgNodeFactory(code="X", name="LĐLĐ khu vực X", parent=province)
    district_y = OrgNodeFactory(code="Y", name="LĐLĐ khu vực Y", parent=province)
    unit_a = UnitFactory(code="A001", name="Công ty May Alpha", node=district_x)
    unit_b = UnitFactory(code="B001", name="Trường THCS Beta", node=district_x, category=Category.PUBLIC_SERVICE_UNIT)
    unit_c = UnitFactory(code="C001", name="Công ty Gamma", node=district_y)
    users = {
        name: UserFactory(username=name)
        for name in ("admin", "leader_p", "staff_x", "staff_y", "leader_x", "chair_a", "chair_c")
    }
    grant(users["admin"], Role.Kind.ADMIN)
    grant(users["leader_p"], Role.Kind.LEADER, node=province)
    grant(users["staff_x"], Role.Kind.STAFF, node=district_x)
    grant(users["staff_y"], Role.Kind.STAFF, node=district_y)
    grant(users["leader_x"], Role.Kind.LEADER, node=district_x)
    grant(users["chair_a"], Role.Kind.CHAIR, unit=unit_a)
    grant(users["chair_c"], Role.Kind.CHAIR, unit=unit_c)
    return World(root, province, district_x, district_y, unit_a, unit_b, unit_c, **users)


@pytest.fixture
def client_as(client):
    """``client_as(user)`` signs the test client in as ``user`` (or out, with None)."""

    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


# --- A real Celery worker --------------------------------------------------------------


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A `celery worker` subprocess on the real broker, pointed at the test database."""
    if not django_settings.CELERY_BROKER_URL:
        skip_or_fail("CELERY_BROKER_URL is not set: no broker for a real worker")
    db = django_settings.DATABASES["default"]
    media = tmp_path_factory.mktemp("worker-media")
    if db["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("the real worker needs the PostgreSQL test database (set DATABASE_URL)")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CONN_MAX_AGE": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        # Files the worker writes must be where the test process (and live server) reads them.
        "MEDIA_ROOT": str(media),
    }
    log = (ROOT / "test-artifacts").joinpath("celery-worker.log")
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "qcdc",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                "-n",
                "pytest-worker@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    try:
        while not celery_app.control.ping(timeout=1):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"celery worker did not answer; see {log}:\n{log.read_text()[-3000:]}")
        yield media
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def real_worker(celery_worker, settings):
    """Send tasks to the real worker for this test (rows must be committed: transaction=True)."""
    settings.MEDIA_ROOT = celery_worker
    celery_app.conf.task_always_eager = False
    yield celery_worker
    celery_app.conf.task_always_eager = True


# --- Playwright -------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--disable-quic",
        ],
    }
