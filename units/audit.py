"""One audit log for privileged actions: role grants and revocations, rule edits, deadlines,
units' category changes.

Every such write calls ``audit_record`` inside its own transaction, so the entry exists
exactly when the change does. Reading is scoped like everything else: staff read the
entries of their subtrees, administrators everything.
"""

from __future__ import annotations

import datetime
import decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Model, Q, QuerySet

from units.models import AuditLog, OrgNode, _path_prefix_q
from units.permissions import scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def jsonable(value: Any) -> Any:
    """A value as the JSON columns keep it: dates ISO, decimals as text, models by name."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def audit_record(
    *,
    by: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target: Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    node: OrgNode | None = None,
) -> AuditLog:
    """Write one entry; must run inside the transaction of the change it records."""
    entry = audit_entry(by=by, action=action, target=target, before=before, after=after, node=node)
    entry.save()
    return entry


def audit_entry(
    *,
    by: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target: Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    node: OrgNode | None = None,
) -> AuditLog:
    """An entry not saved yet, for a bulk insert (an import); the same rule applies: it is
    saved inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit entries must be written inside the transaction of the change they record")
    return AuditLog(
        by=by if by is not None and by.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk or ""),
        target_repr=str(target)[:255],
        node=node,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )


def audit_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[AuditLog]:
    """Entries of the subtrees the user is staff of (all for administrators)."""
    scope = scope_for(user)
    entries = AuditLog.objects.select_related("by", "node")
    if scope.is_admin:
        return entries
    return entries.filter(_path_prefix_q("node__path", scope.staff_paths) & Q(node__isnull=False))
