"""Chairs on board: accounts from a units import, the "Chủ tịch CĐCS" page, bulk
invitations, printed letters with a one-time code, sign-in by e-mail, SITE_URL."""

import io
import re
import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.checks import Error
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import PASSWORD, UnitFactory, UserFactory, grant
from tests.support import skip_or_fail
from units import onboarding
from units.chairs import AccountState, chair_rows
from units.checks import site_url_check
from units.invitations import Invitation, InvitationBatch
from units.models import ChairInvitation, Role, Unit

pytestmark = pytest.mark.django_db
User = get_user_model()
HEADER = "code,name,category,federation_code,chair_name,chair_email,chair_phone"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://qcdc.example.vn"


@pytest.fixture(autouse=True)
def _jobs_at_once(monkeypatch):
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


def import_file(tmp_path, rows, *extra):
    path = tmp_path / "units.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_units", str(path), *extra, stdout=out)
    return out.getvalue()


ROWS = [
    "N1,Công ty Một,private_enterprise,X,Lê Văn Nam,Nam@Example.vn,",
    "N2,Công ty Hai,private_enterprise,X,Lê Văn Nam,nam@example.vn,",  # the same person chairs two units
    "N3,Công ty Ba,private_enterprise,X,Phạm Thị Hoa,,0912 345 678",
    "N4,Công ty Bốn,private_enterprise,X,,,",
    "N5,Công ty Năm,private_enterprise,X,Trần Hà,chair_a@example.vn,",  # an account that exists
]


def test_the_import_command_creates_one_account_per_chair(tmp_path, world):
    out = import_file(tmp_path, ROWS)
    assert "2 tài khoản chủ tịch CĐCS mới" in out
    nam = User.objects.get(email="nam@example.vn")
    assert nam.username == "nam@example.vn" and not nam.has_usable_password()
    assert set(Role.objects.filter(user=nam).values_list("unit__code", flat=True)) == {"N1", "N2"}
    assert Role.objects.get(user__username="0912345678").unit.code == "N3"
    # An account that exists already is asked to accept, not given the unit.
    assert not Role.objects.filter(user=world.chair_a, unit__code="N5").exists()
    assert ChairInvitation.objects.filter(user=world.chair_a, unit__code="N5", accepted_at__isnull=True).exists()
    assert not Role.objects.filter(unit__code="N4").exists()
    # Importing again creates nothing more.
    assert "0 tài khoản chủ tịch CĐCS mới" in import_file(tmp_path, ROWS)
    assert User.objects.filter(email__iexact="nam@example.vn").count() == 1


def test_the_import_command_can_leave_accounts_out(tmp_path, world):
    import_file(tmp_path, ROWS, "--no-accounts")
    assert not Role.objects.filter(unit__code__in=["N1", "N2", "N3", "N5"]).exists()


def test_the_browser_import_says_how_many_accounts_and_obeys_the_checkbox(client_as, world):
    client = client_as(world.staff_x)
    url = reverse("units:import_units")
    upload = SimpleUploadedFile("u.csv", (HEADER + "\n" + "\n".join(ROWS) + "\n").encode(), content_type="text/csv")
    page = client.post(url, {"step": "preview", "file": upload})
    body = page.content.decode()
    assert "2 tài khoản mới, 3 đơn vị được gắn chủ tịch; 1 tài khoản đã có được mời nhận vai trò" in body
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    client.post(url, {"step": "confirm", "token": token, "create_accounts": "on"})
    assert User.objects.filter(email="nam@example.vn").exists()
    assert Role.objects.filter(unit__code="N3", kind="chair").exists()


def test_the_browser_import_without_the_checkbox_creates_no_account(client_as, world):
    client = client_as(world.staff_x)
    url = reverse("units:import_units")
    upload = SimpleUploadedFile("u.csv", (HEADER + "\n" + "\n".join(ROWS) + "\n").encode(), content_type="text/csv")
    body = client.post(url, {"step": "preview", "file": upload}).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    client.post(url, {"step": "confirm", "token": token})
    assert Unit.objects.filter(code="N1").exists() and not User.objects.filter(email="nam@example.vn").exists()


def test_an_invalid_chair_phone_is_a_row_error(tmp_path, world):
    with pytest.raises(Exception, match="lỗi"):
        import_file(tmp_path, ["N1,Công ty Một,private_enterprise,X,Lê Nam,,gọi tôi"])


# The page ---------------------------------------------------------------------------------

CHAIRS = reverse("units:chair_list")


def test_the_page_sends_anonymous_visitors_to_login(client):
    response = client.get(CHAIRS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["chair_a", "leader_p"])
def test_the_page_is_refused_to_chairs_and_read_only_leaders(client_as, world, persona):
    assert client_as(getattr(world, persona)).get(CHAIRS).status_code == 403
    client = client_as(getattr(world, persona))
    for name in ("units:chair_invite_bulk", "units:chair_letters"):
        assert client.post(reverse(name), {"unit": [world.unit_a.pk]}).status_code == 403
    batch = onboarding.invitations_request(unit_ids=[world.unit_a.pk], by=world.staff_x)
    for name in ("units:chair_batch", "units:chair_batch_status"):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 403
    assert not Invitation.objects.filter(channel="letter").exists()


def test_the_page_lists_only_the_own_districts_units_with_their_states(client_as, world):
    body = client_as(world.staff_x).get(CHAIRS).content.decode()
    assert 'data-unit="A001" data-state="active"' not in body  # chair_a never signed in
    assert 'data-unit="A001" data-state="not_invited"' in body
    assert 'data-unit="B001" data-state="none"' in body
    assert "C001" not in body


def test_the_page_filters_on_a_state(client_as, world):
    world.chair_a.last_login = "2026-01-02T08:00:00+07:00"
    world.chair_a.save()
    body = client_as(world.staff_x).get(CHAIRS + "?state=active").content.decode()
    assert 'data-unit="A001" data-state="active"' in body and "B001" not in body
    body = client_as(world.staff_x).get(CHAIRS + "?state=none").content.decode()
    assert "B001" in body and "A001" not in body


def test_the_page_costs_the_same_queries_whatever_the_number_of_units(client_as, world):
    client = client_as(world.staff_x)
    with CaptureQueriesContext(connection) as small:
        client.get(CHAIRS)
    for n in range(15):
        unit = UnitFactory(node=world.district_x)
        grant(UserFactory(username=f"c{n}"), Role.Kind.CHAIR, unit=unit)
    with CaptureQueriesContext(connection) as large:
        client.get(CHAIRS)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_page_exports_its_list(client_as, world):
    response = client_as(world.staff_x).get(CHAIRS + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "Mã đơn vị" and sheet["H1"].value == "Tình trạng tài khoản"
    assert {sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)} == {"A001", "B001"}


# Invitations ------------------------------------------------------------------------------


def test_bulk_invitations_mail_a_one_time_link_on_the_site_address(client_as, world):
    response = client_as(world.staff_x).post(
        reverse("units:chair_invite_bulk"), {"unit": [world.unit_a.pk, world.unit_b.pk, world.unit_c.pk]}
    )
    batch = InvitationBatch.objects.get()
    assert response["Location"] == reverse("units:chair_batch", args=[batch.pk])
    assert (batch.status, batch.total, batch.sent, batch.skipped) == ("done", 2, 2, 0)  # C is not X's
    recipients = sorted(a for m in mail.outbox for a in m.to)
    assert recipients == sorted([world.chair_a.email, world.unit_b.chair_email])
    assert all("https://qcdc.example.vn/accounts/reset/" in m.body for m in mail.outbox)
    # B's chair had no account: the job made one.
    assert User.objects.get(email=world.unit_b.chair_email).roles.get().unit == world.unit_b
    rows = {r.unit.code: r.state for r in chair_rows([world.unit_a, world.unit_b])}
    assert rows == {"A001": AccountState.INVITED, "B001": AccountState.INVITED}
    page = client_as(world.staff_x).get(reverse("units:chair_batch", args=[batch.pk])).content.decode()
    assert "Đã gửi email cho 2 đơn vị" in page


def test_an_invitation_link_sets_a_password_once(client, world):
    onboarding.invitations_request(unit_ids=[world.unit_b.pk], by=world.staff_x)
    link = re.search(r"https://qcdc\.example\.vn(\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": "Mật-khẩu-mới-2026", "new_password2": "Mật-khẩu-mới-2026"})
    assert done.status_code == 302
    signed_in = client.post(reverse("login"), {"username": world.unit_b.chair_email, "password": "Mật-khẩu-mới-2026"})
    assert signed_in.status_code == 302
    client.logout()
    again = client.get(link, follow=True)
    assert "không còn hiệu lực" in again.content.decode() or again.context["validlink"] is False


def test_another_staff_members_batch_is_hidden(client_as, world):
    batch = onboarding.invitations_request(unit_ids=[world.unit_a.pk], by=world.staff_x)
    assert client_as(world.staff_y).get(reverse("units:chair_batch", args=[batch.pk])).status_code == 404


def test_letters_are_one_a4_page_per_unit(client_as, world, tmp_path):
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        skip_or_fail("pdftotext is not installed")
    extra = UnitFactory(code="L001", node=world.district_x)
    response = client_as(world.staff_x).post(
        reverse("units:chair_letters"), {"unit": [world.unit_a.pk, world.unit_b.pk, world.unit_c.pk, extra.pk]}
    )
    path = tmp_path / "letters.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+2\b", info)  # B and L001; A's chair already signs in, C is another district's
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts", info)
    second = subprocess.run(["pdftotext", "-f", "1", "-l", "1", path, "-"], capture_output=True, text=True).stdout
    assert world.unit_b.name in second and world.unit_b.chair_email in second
    assert "https://qcdc.example.vn/units/activate/" in second
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", second).group(0)
    user = User.objects.get(email=world.unit_b.chair_email)
    assert onboarding.letter_code_redeem(login=user.username, code=code, password="Hoa-sen-2026!") == user


def test_no_letter_goes_to_an_account_already_in_use(client_as, world):
    # A code sets the password: on chair_a's working account it would hand it over.
    response = client_as(world.staff_x).post(reverse("units:chair_letters"), {"unit": [world.unit_a.pk]}, follow=True)
    assert "Không có thư nào để in" in response.content.decode()
    assert not Invitation.objects.filter(channel="letter").exists()


def test_letters_carry_a_code_that_works_once(client_as, client, world):
    letters, without = onboarding.letters_issue(unit_ids=[world.unit_b.pk], by=world.staff_x)
    assert without == 0 and letters[0].username == world.unit_b.chair_email
    client.logout()
    url = reverse("units:chair_activate")
    wrong = {
        "login": letters[0].username,
        "code": "AAAA-BBBB-CCCC",
        "new_password1": "Hoa-sen-2026!",
        "new_password2": "Hoa-sen-2026!",
    }
    assert client.post(url, wrong).status_code == 400
    right = {**wrong, "code": letters[0].code.lower()}
    assert client.post(url, right).status_code == 302
    assert client.get(reverse("home")).status_code in (200, 302)
    client.logout()
    assert client.post(url, {**right, "new_password1": "Khác-2026!", "new_password2": "Khác-2026!"}).status_code == 400


def test_a_code_stops_working_after_five_wrong_tries(world):
    letters, _without = onboarding.letters_issue(unit_ids=[world.unit_b.pk], by=world.staff_x)
    for _n in range(5):
        assert onboarding.letter_code_redeem(login=letters[0].username, code="WRONG", password="x") is None
    assert onboarding.letter_code_redeem(login=letters[0].username, code=letters[0].code, password="Hoa-2026!") is None


def test_staff_of_another_district_cannot_write_letters_for_its_units(world):
    letters, _without = onboarding.letters_issue(unit_ids=[world.unit_a.pk], by=world.staff_y)
    assert letters == []


# Sign-in and the site address -----------------------------------------------------------------


def test_it_signs_in_with_the_email_address(client, world):
    response = client.post(reverse("login"), {"username": world.staff_x.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == world.staff_x


def test_the_password_reset_mail_links_to_the_site_address(client, world):
    client.post(reverse("password_reset"), {"email": world.staff_x.email}, HTTP_HOST="localhost")
    body = mail.outbox[0].body
    assert "https://qcdc.example.vn/accounts/reset/" in body and "localhost" not in body


def test_the_deploy_check_wants_a_public_https_site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert [type(m) for m in site_url_check()] == [Error]
    settings.SITE_URL = "https://qcdc.example.vn"
    assert site_url_check() == []


def test_staff_of_another_district_invite_nobody_there(client_as, world):
    client_as(world.staff_y).post(reverse("units:chair_invite_bulk"), {"unit": [world.unit_a.pk, world.unit_b.pk]})
    batch = InvitationBatch.objects.get()
    assert (batch.total, batch.sent) == (0, 0) and mail.outbox == []
    assert not Invitation.objects.exists()


def test_a_unit_whose_chair_must_accept_says_so_and_filters_apart(client_as, tmp_path, world):
    import_file(tmp_path, ROWS)
    body = client_as(world.staff_x).get(CHAIRS + "?state=awaiting").content.decode()
    assert 'data-unit="N5" data-state="awaiting"' in body and "chair_a" in body
    assert "N4" not in body
    assert 'data-unit="N4"' in client_as(world.staff_x).get(CHAIRS + "?state=none").content.decode()


def test_bulk_invitations_ask_an_existing_account_to_accept(tmp_path, world):
    import_file(tmp_path, ROWS)
    invitation = ChairInvitation.objects.get(unit__code="N5")
    batch = onboarding.invitations_request(unit_ids=[invitation.unit_id], by=world.staff_x)
    batch.refresh_from_db()
    assert batch.sent == 1 and [m.to for m in mail.outbox] == [[world.chair_a.email]]
    assert f"https://qcdc.example.vn{invitation.get_absolute_url()}" in mail.outbox[0].body
    assert not Role.objects.filter(user=world.chair_a, unit=invitation.unit).exists()
