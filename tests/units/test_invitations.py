"""Inviting a chair: a new address gets an account; an existing account must accept
before it holds the role; an address that is another account's username is no 500."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory
from units.models import ChairInvitation, Role

pytestmark = pytest.mark.django_db


def invite(client, unit, email: str, name: str = "Lê Văn Bình"):
    return client.post(reverse("units:unit_invite_chair", args=[unit.pk]), {"full_name": name, "email": email})


def test_an_existing_account_gets_no_role_until_it_accepts(client_as, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client_as(world.staff_x), world.unit_b, world.chair_c.email.upper())
    assert response.status_code == 302
    assert not Role.objects.filter(user=world.chair_c, unit=world.unit_b).exists()
    invitation = ChairInvitation.objects.get(user=world.chair_c, unit=world.unit_b)
    assert [m.to for m in mail.outbox] == [[world.chair_c.email]]
    assert invitation.get_absolute_url() in mail.outbox[0].body
    # Until it accepts, the account cannot see the unit.
    chair = client_as(world.chair_c)
    assert chair.get(reverse("conferences:unit_year", args=[world.unit_b.pk])).status_code == 404

    page = chair.get(invitation.get_absolute_url())
    assert page.status_code == 200 and "Trường THCS Beta" in page.content.decode()
    accepted = chair.post(invitation.get_absolute_url())
    assert accepted.status_code == 302
    assert Role.objects.filter(user=world.chair_c, unit=world.unit_b, kind=Role.Kind.CHAIR).exists()
    assert chair.get(reverse("conferences:unit_year", args=[world.unit_b.pk])).status_code == 200


@pytest.mark.parametrize("persona", ["chair_a", "staff_x", "admin"])
def test_nobody_else_can_see_or_accept_the_invitation(client_as, world, persona):
    invitation = ChairInvitation.objects.create(user=world.chair_c, unit=world.unit_b, invited_by=world.staff_x)
    client = client_as(getattr(world, persona))
    assert client.get(invitation.get_absolute_url()).status_code == 404
    assert client.post(invitation.get_absolute_url()).status_code == 404
    assert not Role.objects.filter(user=world.chair_c, unit=world.unit_b).exists()


def test_an_invitation_is_accepted_once(client_as, world):
    invitation = ChairInvitation.objects.create(user=world.chair_c, unit=world.unit_b, invited_by=world.staff_x)
    chair = client_as(world.chair_c)
    chair.post(invitation.get_absolute_url())
    assert chair.post(invitation.get_absolute_url()).status_code == 404
    assert Role.objects.filter(user=world.chair_c, unit=world.unit_b).count() == 1


def test_an_anonymous_visitor_is_sent_to_sign_in_first(client, world):
    invitation = ChairInvitation.objects.create(user=world.chair_c, unit=world.unit_b, invited_by=world.staff_x)
    response = client.get(invitation.get_absolute_url())
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_an_address_that_is_another_accounts_username_gets_a_new_account(
    client_as, world, django_capture_on_commit_callbacks
):
    other = UserFactory(username="binh@example.vn", email="someone.else@example.vn")
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client_as(world.staff_x), world.unit_b, "binh@example.vn")
    assert response.status_code == 302
    role = Role.objects.get(unit=world.unit_b, kind=Role.Kind.CHAIR)
    assert role.user != other and role.user.email == "binh@example.vn"
    assert role.user.username == "binh@example.vn-2"
    assert "binh@example.vn-2" in mail.outbox[0].body
    other.refresh_from_db()
    assert not other.roles.exists()


def test_the_home_page_lists_open_invitations_even_for_a_chair_of_one_unit(client_as, world):
    invitation = ChairInvitation.objects.create(user=world.chair_c, unit=world.unit_b, invited_by=world.staff_x)
    response = client_as(world.chair_c).get(reverse("home"))
    assert response.status_code == 200
    assert f'href="{invitation.get_absolute_url()}"' in response.content.decode()
    invitation.accepted_at = invitation.created_at
    invitation.save()
    assert client_as(world.chair_c).get(reverse("home")).status_code == 302
