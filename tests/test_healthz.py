import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.support import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import django, json
django.setup()
from django.test import Client

from tests.support import skip_or_fail
from django.test.utils import setup_test_environment
setup_test_environment()
import os
r = Client().get("/healthz", secure=True, HTTP_COOKIE=os.environ.get("PROBE_COOKIE", ""))
print(json.dumps({"status": r.status_code, "body": json.loads(r.content)}))
"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _probe(**env: str) -> dict:
    """Call /healthz in a fresh process whose settings come from ``env``."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "qcdc.settings", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_it_answers_200_with_json_when_the_database_answers(client: Client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert "version" in body


def test_it_is_public_and_not_cached(db, client: Client):
    response = client.get("/healthz")
    assert response.status_code == 200  # no redirect to the login page
    assert "no-cache" in response["Cache-Control"]


def test_it_checks_the_real_broker_when_one_is_configured():
    if not os.environ.get("CELERY_BROKER_URL"):
        skip_or_fail("no broker configured")
    result = _probe()
    assert result["status"] == 200, result
    assert result["body"]["broker"] == "ok"


def test_it_answers_503_when_the_database_is_unreachable():
    result = _probe(DATABASE_URL=f"postgres://nobody@127.0.0.1:{_closed_port()}/nothing", CELERY_BROKER_URL="")
    assert result["status"] == 503
    assert result["body"] == {**result["body"], "status": "error", "database": "error"}


def test_it_answers_503_not_500_when_the_database_is_down_and_the_request_has_a_session_cookie():
    """Sessions, authentication and axes would read the database first and raise."""
    result = _probe(
        DATABASE_URL=f"postgres://nobody@127.0.0.1:{_closed_port()}/nothing",
        CELERY_BROKER_URL="",
        PROBE_COOKIE="sessionid=0123456789abcdefghijklmnopqrstuv; csrftoken=abc",
    )
    assert result["status"] == 503
    assert result["body"]["database"] == "error"


def test_it_answers_503_when_the_configured_broker_is_unreachable(tmp_path):
    result = _probe(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", CELERY_BROKER_URL=f"redis://127.0.0.1:{_closed_port()}/0"
    )
    assert result["status"] == 503
    assert result["body"]["database"] == "ok"
    assert result["body"]["broker"] == "error"
