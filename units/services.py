"""Every write to the tree, the units and the roles goes through here."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from qcdc import jobs
from units import categories
from units.audit import audit_record
from units.models import AuditLog, ChairInvitation, OrgLevel, OrgNode, Role, Unit, UnitTransfer
from units.permissions import can_manage_node, forget_scope, scope_for
from units.signals import announce, announced_once, changed_fields

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

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
    "work_year_start_month",
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
@announced_once()
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
@announced_once()
def unit_update(
    *,
    unit: Unit,
    by: AbstractBaseUser | AnonymousUser | None,
    version: int,
    category_effective_on: datetime.date | None = None,
    **fields: Any,
) -> Unit:
    """Save changes unless someone else saved the unit since ``version`` was read.

    The check and the write are one UPDATE … WHERE version = %s, so two editors who
    opened the same version cannot both win: the second gets ``StaleEdit``. A new
    category applies from ``category_effective_on`` (today when not given), under the
    rules of ``units.categories``: earlier periods keep the old one.
    """
    from units.regrouping import check_transfer

    old_node = unit.node
    before = {f.attname: getattr(unit, f.attname) for f in Unit._meta.concrete_fields}
    today = timezone.localdate()
    recategorised = None
    if "category" in fields and fields["category"] != unit.category:
        recategorised = categories.Change.of(unit, fields["category"], category_effective_on or today)
        categories.check_change(recategorised)
    for name, value in fields.items():
        if name not in UNIT_EDITABLE_FIELDS:
            raise ValueError(name)
        setattr(unit, name, value)
    if by is not None and not can_manage_node(by, unit.node):
        raise PermissionDenied
    unit.full_clean()
    moved = unit.node_id != old_node.pk
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
    if recategorised is not None:
        categories.record_changes([recategorised], by=by)
    unit.refresh_from_db()
    # .update() skips signals, so write the history row ourselves and announce what changed
    # (the save below changes only the stamp, so it announces nothing).
    _set_history_user(unit, by)
    unit.save(update_fields=["updated_at"])
    changed = changed_fields(unit, before) - {"version", "updated_at"}
    if changed:
        # A new node is a transfer from today, a new category applies from its day: earlier
        # placements and categories stand. Any other change may alter every year.
        since = None
        if changed <= {"node", "category"}:
            since = min(
                ([today] if "node" in changed else [])
                + ([recategorised.effective_on] if recategorised is not None else [])
            )
        announce(Unit.objects.filter(pk=unit.pk), since=since, fields=changed)
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


def can_grant(user: AbstractBaseUser | AnonymousUser, *, kind: str, node: OrgNode | None, unit: Unit | None) -> bool:
    """Staff hand out roles inside their subtrees; only administrators make administrators."""
    if kind == Role.Kind.ADMIN:
        return scope_for(user).is_admin
    if kind == Role.Kind.CHAIR:
        return unit is not None and can_manage_node(user, unit.node)
    return node is not None and can_manage_node(user, node)


def role_facts(role: Role) -> dict[str, Any]:
    return {
        "user": role.user.get_username(),
        "kind": role.kind,
        "node": role.node.code if role.node else None,
        "unit": role.unit.code if role.unit else None,
    }


@transaction.atomic
def role_grant_by(
    *,
    by: AbstractBaseUser | AnonymousUser,
    user: User,
    kind: str,
    node: OrgNode | None = None,
    unit: Unit | None = None,
) -> Role:
    """Give ``user`` a role, as ``by`` may (403 otherwise), with an entry in the audit log."""
    if not can_grant(by, kind=kind, node=node, unit=unit):
        raise PermissionDenied
    role = Role.objects.filter(user=user, kind=kind, node=node, unit=unit).first()
    if role is not None:
        return role
    role = Role(user=user, kind=kind, node=node, unit=unit)
    role.full_clean()
    role.save()
    audit_record(
        by=by,
        action=AuditLog.Action.ROLE_GRANTED,
        target=role,
        before=None,
        after=role_facts(role),
        node=node or (unit.node if unit else None),
    )
    forget_scope(user)
    return role


@transaction.atomic
def role_revoke(*, by: AbstractBaseUser | AnonymousUser, role: Role) -> None:
    """Take a role away, as ``by`` may; nobody revokes their own (ask the level above)."""
    if not can_grant(by, kind=role.kind, node=role.node, unit=role.unit):
        raise PermissionDenied
    if role.user_id == by.pk:
        raise ValidationError(_("Không thể tự thu hồi vai trò của chính mình; hãy nhờ cấp trên."))
    audit_record(
        by=by,
        action=AuditLog.Action.ROLE_REVOKED,
        target=role,
        before=role_facts(role),
        after=None,
        node=role.node or (role.unit.node if role.unit else None),
    )
    role.delete()
    forget_scope(role.user)


@transaction.atomic
def account_for(*, email: str, full_name: str) -> tuple[User, bool]:
    """The account with this e-mail, or a new one without a usable password (True)."""
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email).lower()
    user = user_model.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    first, _sep, last = full_name.strip().rpartition(" ")
    user = user_model(username=_free_username(email), email=email, first_name=first, last_name=last or full_name)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user, True


@transaction.atomic
def role_invite(
    *,
    by: AbstractBaseUser | AnonymousUser,
    email: str,
    full_name: str,
    kind: str,
    node: OrgNode | None = None,
    unit: Unit | None = None,
) -> Role | None:
    """Grant a role to the owner of ``email``, creating the account and e-mailing a
    set-password link (after commit) when there is none yet.

    A chair role goes through ``chair_invite``: an existing account only gets it when it
    accepts, and then None is returned (the invitation is on its way)."""
    if not can_grant(by, kind=kind, node=node, unit=unit):
        raise PermissionDenied
    if kind == Role.Kind.CHAIR and unit is not None:
        user = chair_invite(unit=unit, email=email, full_name=full_name, by=by)
        return Role.objects.filter(user=user, kind=kind, unit=unit).first()
    user, created = account_for(email=email, full_name=full_name)
    role = role_grant_by(by=by, user=user, kind=kind, node=node, unit=unit)
    if created:
        from units.tasks import send_account_invitation

        jobs.dispatch(send_account_invitation, user_id=user.pk, role_id=role.pk)
    return role


@transaction.atomic
def chair_invite(*, unit: Unit, email: str, full_name: str, by: AbstractBaseUser | AnonymousUser) -> User:
    """Invite the unit's chair by e-mail; the mail goes out after commit.

    A new address gets an account with no usable password and the chair role: following
    the set-password link is the chair's acceptance. An address that already has an
    account gets an invitation to accept instead, and no role until it is accepted.
    """
    if not can_manage_node(by, unit.node):
        raise PermissionDenied
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email).lower()
    user = user_model.objects.filter(email__iexact=email).first()
    if user is None:
        user, _created = account_for(email=email, full_name=full_name)
        role_grant_by(by=by, user=user, kind=Role.Kind.CHAIR, unit=unit)
        from units.tasks import send_invitation

        jobs.dispatch(send_invitation, user_id=user.pk, unit_id=unit.pk)
        return user
    if Role.objects.filter(user=user, kind=Role.Kind.CHAIR, unit=unit).exists():
        return user
    invitation, _new = ChairInvitation.objects.get_or_create(
        user=user, unit=unit, accepted_at=None, defaults={"invited_by": by if by.is_authenticated else None}
    )
    from units.tasks import send_invitation_to_accept

    jobs.dispatch(send_invitation_to_accept, invitation_id=invitation.pk)
    return user


def _free_username(email: str) -> str:
    """The address as the username, or with "-2", "-3" … when another account already
    goes by it (its username is not necessarily its e-mail)."""
    user_model = get_user_model()
    candidate, n = email, 1
    while user_model.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{email}-{n}"
    return candidate


@transaction.atomic
def invitation_accept(*, invitation: ChairInvitation, by: AbstractBaseUser | AnonymousUser) -> Role:
    """The invited account takes the chair role; nobody else can accept for it."""
    current = ChairInvitation.objects.select_for_update().get(pk=invitation.pk)
    if current.user_id != by.pk or current.accepted_at is not None:
        raise PermissionDenied
    current.accepted_at = timezone.now()
    current.save(update_fields=["accepted_at"])
    return role_grant(user=current.user, kind=Role.Kind.CHAIR, unit=current.unit)
