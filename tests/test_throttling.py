"""Sign-in and password-reset throttling: per username, per client and per pair; the
client's address read from the proxy's header only when a proxy is trusted."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = reverse("login")
RESET = reverse("password_reset")


def sign_in(client, username: str, password: str, **headers):
    return client.post(LOGIN, {"username": username, "password": password}, **headers)


def test_it_locks_a_username_after_five_failures_from_different_addresses(client):
    UserFactory(username="hoa")
    for n in range(5):
        sign_in(client, "hoa", "wrong", REMOTE_ADDR=f"203.0.113.{n}")
    assert sign_in(client, "hoa", PASSWORD, REMOTE_ADDR="198.51.100.9").status_code == 429


def test_it_locks_an_address_after_five_failures_on_different_usernames(client):
    UserFactory(username="lan")
    for n in range(5):
        sign_in(client, f"nguoi{n}", "wrong", REMOTE_ADDR="203.0.113.7")
    assert sign_in(client, "lan", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert sign_in(client, "lan", PASSWORD, REMOTE_ADDR="198.51.100.9").status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_header_changes_nothing(client):
    for n in range(5):
        sign_in(client, f"nguoi{n}", "wrong", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    UserFactory(username="lan")
    locked = sign_in(client, "lan", PASSWORD, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert locked.status_code == 429


def test_behind_a_trusted_proxy_one_attacker_does_not_lock_out_everyone(client, settings):
    """Every request comes from the proxy (10.0.0.2); the proxy appends the client's address."""
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="lan")
    for n in range(5):
        sign_in(client, f"nguoi{n}", "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.7")
    attacker = sign_in(client, "lan", PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    colleague = sign_in(client, "lan", PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert (attacker.status_code, colleague.status_code) == (429, 302)


def test_a_reset_request_does_the_same_work_for_a_known_and_an_unknown_address(
    client, django_capture_on_commit_callbacks
):
    UserFactory(username="hoa", email="hoa@example.vn")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        with CaptureQueriesContext(connection) as known_queries:
            known = client.post(RESET, {"email": "hoa@example.vn"})
        with CaptureQueriesContext(connection) as unknown_queries:
            unknown = client.post(RESET, {"email": "khong-co@example.vn"})
    # Same answer, same work (no lookup at all), nothing sent from inside the request.
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(known_queries) == len(unknown_queries) == 0
    assert mail.outbox == [] and len(queued) == 2
    for callback in queued:
        callback()
    assert [m.to for m in mail.outbox] == [["hoa@example.vn"]]


def test_it_throttles_reset_requests_per_address(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        answers = [
            client.post(RESET, {"email": "hoa@example.vn"}, REMOTE_ADDR=f"203.0.113.{n}").status_code for n in range(4)
        ]
    assert answers == [302, 302, 302, 429]


def test_it_throttles_reset_requests_per_client(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        answers = [client.post(RESET, {"email": f"nguoi{n}@example.vn"}).status_code for n in range(11)]
    assert answers == [302] * 10 + [429]
    assert "quá nhiều yêu cầu" in client.post(RESET, {"email": "x@example.vn"}).content.decode()
