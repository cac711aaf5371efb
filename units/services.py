"""Every write to the tree, the units and the roles goes through here."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from units.invitations import CODE_ATTEMPTS, Invitation, InvitationBatch
from units.models import OrgLevel, OrgNode, Role, Unit, UnitTransfer
from units.permissions import can_manage_node, forget_scope

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

    from units.chairs import ChairAccountsPlan

UNIT_EDITABLE_FIELDS = (
    "code",
    "name",
    "category",
    "node",
    "tax_code",
    "address",
    "employees",
    "union_members",
    "established_on",
    "dissolved_on",
    "union_name",
    "chair_name",
    "chair_email",
    "chair_phone",
)


class StaleEdit(Exception):
    """Someone else saved the record after the editor opened it."""


def _set_history_user(instance: Unit, by: AbstractBaseUser | AnonymousUser | None) -> None:
    if by is not None and by.is_authenticated:
        instance._history_user = by  # type: ignore[attr-defined]


@transaction.atomic
def node_create(*, code: str, name: str, parent: OrgNode | None) -> OrgNode:
    """Create a node under ``parent`` (or a root) with its path and depth."""
    node = OrgNode(code=code, name=name, parent=parent)
    node.full_clean(exclude=["path"])
    node.save()
    return node


@transaction.atomic
def level_name_set(*, depth: int, name: str) -> OrgLevel:
    level, _created = OrgLevel.objects.update_or_create(depth=depth, defaults={"name": name})
    return level


@transaction.atomic
def unit_create(*, by: AbstractBaseUser | AnonymousUser | None, **fields: Any) -> Unit:
    """Create a unit; staff may only create under a node in their subtree."""
    unit = Unit(**{k: v for k, v in fields.items() if k in UNIT_EDITABLE_FIELDS})
    if by is not None and not can_manage_node(by, unit.node):
        raise PermissionDenied
    unit.full_clean()
    _set_history_user(unit, by)
    unit.save()
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, by: AbstractBaseUser | AnonymousUser | None, version: int, **fields: Any) -> Unit:
    """Save changes unless someone else saved the unit since ``version`` was read.

    The check and the write are one UPDATE … WHERE version = %s, so two editors who
    opened the same version cannot both win: the second gets ``StaleEdit``.
    """
    from units.regrouping import check_transfer

    old_node = unit.node
    for name, value in fields.items():
        if name not in UNIT_EDITABLE_FIELDS:
            raise ValueError(name)
        setattr(unit, name, value)
    if by is not None and not can_manage_node(by, unit.node):
        raise PermissionDenied
    unit.full_clean()
    moved = unit.node_id != old_node.pk
    today = timezone.localdate()
    if moved:
        # Changing the node is a transfer from today: earlier reports keep the old node.
        check_transfer(unit, old_node, unit.node, today)
    changed = Unit.objects.filter(pk=unit.pk, version=version).update(
        version=F("version") + 1, **{name: getattr(unit, name) for name in UNIT_EDITABLE_FIELDS}
    )
    if not changed:
        raise StaleEdit
    if moved:
        UnitTransfer.objects.create(
            unit=unit,
            from_node=old_node,
            to_node=unit.node,
            effective_on=today,
            created_by=by if by is not None and by.is_authenticated else None,
        )
    unit.refresh_from_db()
    # .update() skips signals, so write the history row ourselves.
    _set_history_user(unit, by)
    unit.save(update_fields=["updated_at"])
    return unit


@transaction.atomic
def unit_deactivate(*, unit: Unit, by: AbstractBaseUser | AnonymousUser | None, on: datetime.date) -> Unit:
    """Mark a unit dissolved on ``on``. Units are never deleted: their history counts."""
    if unit.established_on and on < unit.established_on:
        raise ValidationError({"dissolved_on": _("Ngày ngừng hoạt động phải sau ngày thành lập.")})
    return unit_update(unit=unit, by=by, version=unit.version, dissolved_on=on)


@transaction.atomic
def unit_reactivate(*, unit: Unit, by: AbstractBaseUser | AnonymousUser | None) -> Unit:
    return unit_update(unit=unit, by=by, version=unit.version, dissolved_on=None)


@transaction.atomic
def role_grant(*, user: User, kind: str, node: OrgNode | None = None, unit: Unit | None = None) -> Role:
    role, _created = Role.objects.get_or_create(user=user, kind=kind, node=node, unit=unit)
    forget_scope(user)
    return role


def invitation_link(*, user: User) -> str:
    """The set-password link of an invitation (Django's password-reset token): one use,
    expires after ``PASSWORD_RESET_TIMEOUT``; on the configured site address."""
    from django.conf import settings
    from django.urls import reverse

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL.rstrip("/") + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


@transaction.atomic
def chair_invite(*, unit: Unit, email: str, full_name: str, by: AbstractBaseUser | AnonymousUser) -> User:
    """Create (or reuse) the chair's account, give it the chair role, e-mail a link.

    The account has no usable password until the chair follows the link. The e-mail
    goes out after commit so a rolled-back invitation sends nothing.
    """
    if not can_manage_node(by, unit.node):
        raise PermissionDenied
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email).lower()
    user = user_model.objects.filter(email__iexact=email).first()
    if user is None:
        first, _sep, last = full_name.strip().rpartition(" ")
        user = user_model(username=email, email=email, first_name=first, last_name=last or full_name)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    role_grant(user=user, kind=Role.Kind.CHAIR, unit=unit)
    from units.tasks import send_invitation

    transaction.on_commit(lambda: send_invitation.delay(user_id=user.pk, unit_id=unit.pk))
    return user


# Chair accounts ------------------------------------------------------------------------------

LETTER_VALID = datetime.timedelta(days=30)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper


@transaction.atomic
def chair_accounts_create(*, plan: ChairAccountsPlan) -> int:
    """Create the planned chair accounts (no usable password until the chair accepts an
    invitation) and grant the chair roles; return how many accounts were made."""
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
    codes = sorted({code for code, _key in plan.roles})
    units: dict[str, int] = {}
    for start in range(0, len(codes), 5000):
        units.update(Unit.objects.filter(code__in=codes[start : start + 5000]).values_list("code", "pk"))
    Role.objects.bulk_create(
        [Role(user_id=ids[key], kind=Role.Kind.CHAIR, unit_id=units[code]) for code, key in plan.roles],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return len(made)


@transaction.atomic
def invitations_request(*, unit_ids: list[int], by: AbstractBaseUser | AnonymousUser) -> InvitationBatch:
    """Queue the sending of invitations to the chairs of these units (only those ``by``
    manages); the job creates the missing accounts and mails each chair a link."""
    ids = sorted(Unit.objects.managed_by(by).filter(pk__in=unit_ids).values_list("pk", flat=True))
    batch = InvitationBatch.objects.create(unit_ids=ids, total=len(ids), created_by=by)
    from units.tasks import send_invitation_batch

    transaction.on_commit(lambda: send_invitation_batch.delay(batch_id=batch.pk))
    return batch


BATCH_CHUNK = 100


def invitation_batch_run(*, batch_id: int) -> InvitationBatch:
    """Send a batch's invitations a chunk of units at a time, each chunk in its own
    transaction with its progress, so a redelivered job resumes where the last one died."""
    from units.chairs import plan_chair_accounts

    batch = InvitationBatch.objects.get(pk=batch_id)
    if not batch.is_active:
        return batch
    InvitationBatch.objects.filter(pk=batch.pk).update(status=InvitationBatch.Status.RUNNING)
    while (done := batch.sent + batch.skipped) < batch.total:
        chunk = batch.unit_ids[done : done + BATCH_CHUNK]
        with transaction.atomic():
            batch = InvitationBatch.objects.select_for_update().get(pk=batch.pk)
            units = list(Unit.objects.filter(pk__in=chunk))
            chair_accounts_create(plan=plan_chair_accounts(units))
            sent = _invite_chairs(units, by_id=batch.created_by_id)
            batch.sent += sent
            batch.skipped += len(chunk) - sent
            batch.save(update_fields=["sent", "skipped"])
    batch.status = InvitationBatch.Status.DONE
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    return batch


def invitation_batch_fail(*, batch_id: int, error: str) -> None:
    InvitationBatch.objects.filter(pk=batch_id).update(
        status=InvitationBatch.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def invitation_record(*, user: User, unit: Unit) -> Invitation:
    """Note an e-mail invitation with its expiry (the link's own: ``PASSWORD_RESET_TIMEOUT``)."""
    from django.conf import settings

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
    from django.conf import settings
    from django.core.mail import get_connection, send_mass_mail
    from django.template.loader import render_to_string
    from django.utils import translation

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
            subject = render_to_string("units/email/invitation_subject.txt", context).strip()
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
    for printed letters; returns the letters and how many units have no chair to write to."""
    from units.chairs import plan_chair_accounts

    units = list(Unit.objects.managed_by(by).filter(pk__in=unit_ids).order_by("code"))
    chair_accounts_create(plan=plan_chair_accounts(units))
    chairs: dict[int, Any] = {}
    for role in Role.objects.filter(kind=Role.Kind.CHAIR, unit__in=units).select_related("user").order_by("pk"):
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
    from units.chairs import account_for_login

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
