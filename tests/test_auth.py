"""Sign-in, sign-out, password pages, throttling and the login requirement."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_it_redirects_anonymous_visitors_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_login_page_in_vietnamese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html
    assert "Quên mật khẩu?" in html


def test_it_signs_a_user_in_and_shows_the_home_page(client):
    UserFactory(username="hoa")
    response = client.post(reverse("login"), {"username": "hoa", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Xin chào" in response.content.decode()


def test_it_says_what_is_wrong_in_vietnamese_on_a_bad_password(client):
    UserFactory(username="hoa")
    response = client.post(reverse("login"), {"username": "hoa", "password": "wrong"})
    assert response.status_code == 200
    assert "Vui lòng điền vào" in response.content.decode()


def test_it_locks_out_after_five_failed_logins(client):
    UserFactory(username="hoa")
    for _ in range(5):
        client.post(reverse("login"), {"username": "hoa", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "hoa", "password": PASSWORD})
    assert response.status_code == 429
    assert "Tạm khóa đăng nhập" in response.content.decode()


def test_it_signs_out_with_a_post(client):
    client.force_login(UserFactory())
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_it_changes_the_password_and_rejects_weak_ones(client):
    user = UserFactory(username="hoa")
    client.force_login(user)
    weak = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200
    assert "Mật khẩu này quá ngắn" in weak.content.decode() or "quá phổ biến" in weak.content.decode()
    good = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Sóng-biển-2026!", "new_password2": "Sóng-biển-2026!"},
    )
    assert good.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Sóng-biển-2026!")


def test_it_rejects_short_common_and_numeric_passwords():
    for weak in ("abc123", "password123", "12345678901"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_it_sends_a_password_reset_link_in_vietnamese(client, django_capture_on_commit_callbacks):
    UserFactory(username="hoa", email="hoa@example.vn")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "hoa@example.vn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "đặt mật khẩu" in mail.outbox[0].subject
    assert "/accounts/reset/" in mail.outbox[0].body


def test_it_switches_the_language_to_english(client):
    client.force_login(UserFactory())
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert '<html lang="en">' in response.content.decode()
    assert "Sign out" in response.content.decode()


def test_it_lets_anonymous_visitors_switch_language_on_the_login_page(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True)
    assert response.status_code == 200
    assert "Forgot your password?" in response.content.decode()


def test_it_shows_the_version_in_the_footer(client):
    import qcdc

    client.force_login(UserFactory())
    assert f"Phiên bản {qcdc.__version__}" in client.get(reverse("home")).content.decode()


def test_it_stays_vietnamese_for_an_english_browser_until_the_user_switches(client):
    response = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="vi">' in response.content.decode()
    assert "Tên đăng nhập" in response.content.decode()


def test_it_sends_a_content_security_policy_without_inline_scripts(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy


def test_it_has_no_inline_script_in_the_pages(client):
    client.force_login(UserFactory())
    html = client.get(reverse("home")).content.decode()
    assert "<script>" not in html and " onclick=" not in html and " onchange=" not in html
