"""Reads about grassroots chairs and their accounts: who would get an account, and the
state of each unit's chair account for the staff's "Chủ tịch CĐCS" page."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.invitations import Invitation
from units.models import ChairInvitation, Role, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

IN_CHUNK = 5000


class AccountState:
    NONE = "none"
    AWAITING = "awaiting"
    NOT_INVITED = "not_invited"
    INVITED = "invited"
    EXPIRED = "expired"
    ACTIVE = "active"


STATE_LABELS: dict[str, Any] = {
    AccountState.NONE: _("Chưa có tài khoản"),
    AccountState.AWAITING: _("Tài khoản đã có, chờ nhận vai trò"),
    AccountState.NOT_INVITED: _("Có tài khoản, chưa mời"),
    AccountState.INVITED: _("Đã mời, chưa đăng nhập"),
    AccountState.EXPIRED: _("Lời mời đã hết hạn"),
    AccountState.ACTIVE: _("Đã đăng nhập"),
}


def phone_username(phone: str) -> str:
    """The username of a chair reached only by phone: the number's digits."""
    return re.sub(r"\D", "", phone)


def account_key(email: str, phone: str) -> str:
    """Who a chair is: the e-mail address (lower case), else the phone number's digits."""
    return email.strip().lower() or phone_username(phone)


@dataclass
class NewChair:
    key: str
    email: str
    full_name: str


@dataclass
class ChairAccountsPlan:
    """Accounts to create (one per person, whatever the number of units they chair) with
    their chair roles, by unit code and person key; and the accounts that exist already,
    which are asked to accept the role rather than given it."""

    new: dict[str, NewChair] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)  # key → user id
    roles: list[tuple[str, str]] = field(default_factory=list)  # (unit code, key)
    asked: list[tuple[str, int]] = field(default_factory=list)  # (unit code, user id)

    @property
    def accounts(self) -> int:
        return len(self.new)


def plan_chair_accounts(units: Iterable[Unit]) -> ChairAccountsPlan:
    """For units with a chair e-mail or phone and no chair account yet: the accounts to
    create and the roles to grant, and the existing accounts (matched by e-mail, or by
    the phone username; never duplicated) to invite. Three queries (IN-lists cut in
    chunks)."""
    candidates = [u for u in units if account_key(u.chair_email, u.chair_phone)]
    saved = [u.pk for u in candidates if u.pk]
    with_chair: set[int] = set()
    for start in range(0, len(saved), IN_CHUNK):
        with_chair.update(
            Role.objects.filter(kind=Role.Kind.CHAIR, unit_id__in=saved[start : start + IN_CHUNK]).values_list(
                "unit_id", flat=True
            )
        )
    wanted = [u for u in candidates if u.pk not in with_chair]
    emails = sorted({u.chair_email.strip().lower() for u in wanted if u.chair_email.strip()})
    keys = sorted({account_key(u.chair_email, u.chair_phone) for u in wanted})
    plan = ChairAccountsPlan()
    users = get_user_model().objects.annotate(email_lower=Lower("email"))
    for start in range(0, len(emails), IN_CHUNK):
        for email, user_id in users.filter(email_lower__in=emails[start : start + IN_CHUNK]).values_list(
            "email_lower", "pk"
        ):
            plan.existing.setdefault(email, user_id)
    # A username equal to the key (a phone number, or an e-mail used as username) is the same person.
    for start in range(0, len(keys), IN_CHUNK):
        same_name = get_user_model().objects.filter(username__in=keys[start : start + IN_CHUNK])
        for username, user_id in same_name.values_list("username", "pk"):
            plan.existing.setdefault(username, user_id)
    for unit in wanted:
        key = account_key(unit.chair_email, unit.chair_phone)
        if key in plan.existing:
            plan.asked.append((unit.code, plan.existing[key]))
            continue
        if key not in plan.new:
            plan.new[key] = NewChair(key=key, email=unit.chair_email.strip().lower(), full_name=unit.chair_name)
        plan.roles.append((unit.code, key))
    return plan


def account_for_login(login: str) -> User | None:
    """The account a sign-in name means: its username, else its (unique) e-mail address."""
    user_model = get_user_model()
    login = login.strip()
    user = user_model.objects.filter(username=login).first()
    if user is None and "@" in login:
        matches = list(user_model.objects.filter(email__iexact=login)[:2])
        user = matches[0] if len(matches) == 1 else None
    return user


# The staff's page --------------------------------------------------------------------------


def _state_q(state: str, now: datetime.datetime) -> Q:
    chair = Role.objects.filter(kind=Role.Kind.CHAIR, unit=OuterRef("pk"))
    signed_in = chair.filter(user__last_login__isnull=False)
    invited = Invitation.objects.filter(unit=OuterRef("pk"))
    live = invited.filter(used_at__isnull=True, expires_at__gt=now)
    asked = ChairInvitation.objects.filter(unit=OuterRef("pk"), accepted_at__isnull=True)
    return {
        AccountState.NONE: ~Q(Exists(chair)) & ~Q(Exists(asked)),
        AccountState.AWAITING: ~Q(Exists(chair)) & Q(Exists(asked)),
        AccountState.ACTIVE: Q(Exists(signed_in)),
        AccountState.INVITED: Q(Exists(chair)) & ~Q(Exists(signed_in)) & Q(Exists(live)),
        AccountState.EXPIRED: Q(Exists(chair)) & ~Q(Exists(signed_in)) & ~Q(Exists(live)) & Q(Exists(invited)),
        AccountState.NOT_INVITED: Q(Exists(chair)) & ~Q(Exists(signed_in)) & ~Q(Exists(invited)),
    }[state]


def chairs_filtered(
    *, user: AbstractBaseUser | AnonymousUser, state: str = "", search: str = "", node_path: str = ""
) -> QuerySet[Unit]:
    """The units the user manages, active today, narrowed by the page's filters."""
    units = Unit.objects.managed_by(user).active_on(timezone.localdate())
    if node_path:
        units = units.filter(node__path__startswith=node_path)
    if search:
        units = units.filter(
            Q(code__icontains=search)
            | Q(name__icontains=search)
            | Q(chair_name__icontains=search)
            | Q(chair_email__icontains=search)
        )
    if state in STATE_LABELS:
        units = units.filter(_state_q(state, timezone.now()))
    return units.order_by("code")


@dataclass
class ChairRow:
    unit: Unit
    state: str
    username: str = ""
    last_login: datetime.datetime | None = None
    invited_at: datetime.datetime | None = None
    expires_at: datetime.datetime | None = None

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def chair_rows(units: list[Unit]) -> list[ChairRow]:
    """Each unit's chair account state: three queries for any number of units."""
    ids = [u.pk for u in units]
    chairs: dict[int, Any] = {}
    for role in Role.objects.filter(kind=Role.Kind.CHAIR, unit_id__in=ids).select_related("user").order_by("pk"):
        current = chairs.get(role.unit_id)
        # A unit with two chair accounts shows the one that signed in most recently.
        if current is None or (role.user.last_login or _EPOCH) > (current.last_login or _EPOCH):
            chairs[role.unit_id] = role.user
    latest: dict[int, Invitation] = {}
    for invitation in Invitation.objects.filter(unit_id__in=ids).order_by("unit_id", "-sent_at", "-pk"):
        latest.setdefault(invitation.unit_id, invitation)
    asked = dict(
        ChairInvitation.objects.filter(unit_id__in=ids, accepted_at__isnull=True).values_list(
            "unit_id", "user__username"
        )
    )
    now = timezone.now()
    rows = []
    for unit in units:
        user = chairs.get(unit.pk)
        invitation = latest.get(unit.pk)
        if user is None and unit.pk in asked:
            rows.append(ChairRow(unit, AccountState.AWAITING, username=asked[unit.pk]))
            continue
        if user is None:
            rows.append(ChairRow(unit, AccountState.NONE))
            continue
        if user.last_login:
            state = AccountState.ACTIVE
        elif invitation is None:
            state = AccountState.NOT_INVITED
        elif invitation.used_at is None and invitation.expires_at > now:
            state = AccountState.INVITED
        else:
            state = AccountState.EXPIRED
        rows.append(
            ChairRow(
                unit,
                state,
                username=user.get_username(),
                last_login=user.last_login,
                invited_at=invitation.sent_at if invitation else None,
                expires_at=invitation.expires_at if invitation else None,
            )
        )
    return rows


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
