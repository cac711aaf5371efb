"""Chairs on board: chair accounts made in bulk (by a units import or before an
invitation), bulk e-mail invitations as a job with its progress, printed letters with a
one-time code, and the code's redemption. Every write here runs in a transaction; mail
goes out with the chunk that records it."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.core.mail import get_connection, send_mass_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac

from qcdc import jobs
from qcdc.mail import email_subject
from units.audit import audit_records
from units.chairs import ChairAccountsPlan, account_for_login, plan_chair_accounts
from units.invitations import CODE_ATTEMPTS, Invitation, InvitationBatch
from units.models import AuditLog, ChairInvitation, Role, Unit
from units.services import invitation_link, role_facts

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

LETTER_VALID = datetime.timedelta(days=30)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper


@transaction.atomic
def chair_accounts_create(*, plan: ChairAccountsPlan, by: AbstractBaseUser | AnonymousUser | None = None) -> int:
    """Create the planned chair accounts (no usable password until the chair follows an
    invitation: that is their acceptance) with their chair roles, and invite the accounts
    that already exist to accept the role (knowing an address must not hand its account a
    unit); return how many accounts were made."""
    user_model = get_user_model()
    made = []
    for chair in plan.new.values():
        first, _sep, last = chair.full_name.strip().rpartition(" ")
        made.append(
            user_model(
                username=chair.key,
                email=chair.email,
                first_name=first[:150],
                last_name=(last or chair.full_name)[:150],
                password=make_password(None),
            )
        )
    user_model.objects.bulk_create(made, batch_size=1000)
    ids = dict(plan.existing)
    keys = [chair.key for chair in plan.new.values()]
    for start in range(0, len(keys), 5000):
        ids.update(user_model.objects.filter(username__in=keys[start : start + 5000]).values_list("username", "pk"))
    codes = sorted({code for code, _key in plan.roles} | {code for code, _user in plan.asked})
    units: dict[str, int] = {}
    for start in range(0, len(codes), 5000):
        units.update(Unit.objects.filter(code__in=codes[start : start + 5000]).values_list("code", "pk"))
    Role.objects.bulk_create(
        [Role(user_id=ids[key], kind=Role.Kind.CHAIR, unit_id=units[code]) for code, key in plan.roles],
        batch_size=1000,
        ignore_conflicts=True,
    )
    _audit_chair_roles(sorted(ids[key] for key in plan.new), by=by)
    invited_by = by if by is not None and by.is_authenticated else None
    # One open invitation per account and unit (a constraint): asking again adds nothing.
    ChairInvitation.objects.bulk_create(
        [ChairInvitation(user_id=user_id, unit_id=units[code], invited_by=invited_by) for code, user_id in plan.asked],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return len(made)


def _audit_chair_roles(user_ids: list[int], *, by: AbstractBaseUser | AnonymousUser | None) -> None:
    """One audit entry per chair role just granted to the new accounts, as ``role_grant_by``
    writes: a query per 5,000 accounts to read the roles back, and a bulk insert."""
    granted: list[Role] = []
    for start in range(0, len(user_ids), 5000):
        roles = Role.objects.filter(kind=Role.Kind.CHAIR, user_id__in=user_ids[start : start + 5000])
        granted += roles.select_related("user", "unit__node").order_by("pk")
    audit_records(
        by=by,
        action=AuditLog.Action.ROLE_GRANTED,
        changes=((role, None, role_facts(role), role.unit.node) for role in granted),
    )


@transaction.atomic
def invitations_request(*, unit_ids: list[int], by: AbstractBaseUser | AnonymousUser) -> InvitationBatch:
    """Queue the sending of invitations to the chairs of these units (only those ``by``
    manages); the job creates the missing accounts and mails each chair a link."""
    ids = sorted(Unit.objects.managed_by(by).filter(pk__in=unit_ids).values_list("pk", flat=True))
    batch = InvitationBatch.objects.create(unit_ids=ids, total=len(ids), created_by=by)
    jobs.enqueue(batch)
    return batch


BATCH_CHUNK = 100


def invitation_batch_run(batch: InvitationBatch) -> None:
    """Send a claimed batch's invitations a chunk of units at a time, each chunk in its
    own transaction with its progress, so a retry or redelivery resumes where the last
    attempt stopped (see ``qcdc.jobs.run``)."""
    while (done := batch.sent + batch.skipped) < batch.total:
        chunk = batch.unit_ids[done : done + BATCH_CHUNK]
        with transaction.atomic():
            batch = InvitationBatch.objects.select_for_update().get(pk=batch.pk)
            units = list(Unit.objects.filter(pk__in=chunk))
            chair_accounts_create(plan=plan_chair_accounts(units), by=batch.created_by)
            sent = _invite_chairs(units, by_id=batch.created_by_id)
            batch.sent += sent
            batch.skipped += len(chunk) - sent
            batch.save(update_fields=["sent", "skipped"])
        jobs.progress(batch, min(99, round(100 * (batch.sent + batch.skipped) / batch.total)))
    jobs.finish(batch)


def invitation_record(*, user: User, unit: Unit) -> Invitation:
    """Note an e-mail invitation with its expiry (the link's own: ``PASSWORD_RESET_TIMEOUT``)."""
    now = timezone.now()
    return Invitation.objects.create(
        user=user,
        unit=unit,
        channel=Invitation.Channel.EMAIL,
        sent_at=now,
        expires_at=now + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
    )


def _invite_chairs(units: list[Unit], *, by_id: int | None) -> int:
    """Mail each unit's chair accounts that have an e-mail a set-password link and record
    the invitations; return how many units were reached."""
    now = timezone.now()
    expires = now + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    by_unit = {u.pk: u for u in units}
    messages = []
    invitations = []
    reached: set[int] = set()
    roles = Role.objects.filter(kind=Role.Kind.CHAIR, unit_id__in=list(by_unit)).exclude(user__email="")
    with translation.override("vi"):
        for role in roles.select_related("user"):
            unit = by_unit[role.unit_id]
            context = {"user": role.user, "unit": unit, "link": invitation_link(user=role.user)}
            subject = email_subject("units/email/invitation_subject.txt", context)
            messages.append((subject, render_to_string("units/email/invitation.txt", context), None, [role.user.email]))
            invitations.append(
                Invitation(
                    user=role.user,
                    unit=unit,
                    channel=Invitation.Channel.EMAIL,
                    sent_at=now,
                    expires_at=expires,
                    created_by_id=by_id,
                )
            )
            reached.add(unit.pk)
        open_invitations = ChairInvitation.objects.filter(unit_id__in=list(by_unit), accepted_at__isnull=True)
        for invitation in open_invitations.exclude(user__email="").select_related("user", "unit", "invited_by"):
            link = settings.SITE_URL.rstrip("/") + invitation.get_absolute_url()
            context = {"invitation": invitation, "link": link}
            subject = email_subject("units/email/invitation_accept_subject.txt", context)
            body = render_to_string("units/email/invitation_accept.txt", context)
            messages.append((subject, body, None, [invitation.user.email]))
            reached.add(invitation.unit_id)
    Invitation.objects.bulk_create(invitations)
    if messages:
        send_mass_mail(messages, connection=get_connection())
    return len(reached)


@dataclass
class Letter:
    unit: Unit
    username: str
    full_name: str
    code: str
    expires_at: datetime.datetime


def letter_code_hash(code: str) -> str:
    """A keyed hash of a letter's code: fast to check, useless without the secret key."""
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return salted_hmac("units.letter-code", normalised).hexdigest()


@transaction.atomic
def letters_issue(*, unit_ids: list[int], by: AbstractBaseUser | AnonymousUser) -> tuple[list[Letter], int]:
    """A one-time code for the chair of each of these units (creating missing accounts),
    for printed letters; returns the letters and how many units get none.

    Only an account not activated yet (never signed in, no password) gets a code: a code
    sets the password, so on an account in use it would hand that account, and whatever
    else it may do, to whoever holds the letter."""
    units = list(Unit.objects.managed_by(by).filter(pk__in=unit_ids).order_by("code"))
    chair_accounts_create(plan=plan_chair_accounts(units), by=by)
    chairs: dict[int, Any] = {}
    roles = Role.objects.filter(kind=Role.Kind.CHAIR, unit__in=units, user__last_login__isnull=True)
    for role in roles.filter(user__password__startswith=UNUSABLE_PASSWORD_PREFIX).select_related("user").order_by("pk"):
        chairs.setdefault(role.unit_id, role.user)
    now = timezone.now()
    letters = []
    invitations = []
    for unit in units:
        user = chairs.get(unit.pk)
        if user is None:
            continue
        code = "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(3))
        letters.append(Letter(unit, user.get_username(), user.get_full_name(), code, now + LETTER_VALID))
        invitations.append(
            Invitation(
                user=user,
                unit=unit,
                channel=Invitation.Channel.LETTER,
                sent_at=now,
                expires_at=now + LETTER_VALID,
                code_hash=letter_code_hash(code),
                created_by=by if by.is_authenticated else None,
            )
        )
    Invitation.objects.bulk_create(invitations)
    return letters, len(units) - len(letters)


@transaction.atomic
def letter_code_redeem(*, login: str, code: str, password: str) -> User | None:
    """Set the password of the account a letter's code was issued to, and spend every
    code of that account; None (and one attempt counted) when the code does not match."""
    user = account_for_login(login)
    if user is None:
        return None
    live = Invitation.objects.select_for_update().filter(
        user=user,
        channel=Invitation.Channel.LETTER,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
        attempts__lt=CODE_ATTEMPTS,
    )
    wanted = letter_code_hash(code)
    if not any(constant_time_compare(i.code_hash, wanted) for i in live):
        live.update(attempts=F("attempts") + 1)
        return None
    live.update(used_at=timezone.now())
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
