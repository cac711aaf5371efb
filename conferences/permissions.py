"""Who may do what to a record. Visibility itself is ``Record.objects.visible_to``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conferences.models import Record
from conferences.obligations import STANDING_KINDS
from units import periods
from units.permissions import can_manage_node, scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from units.models import Unit


def is_chair_of(user: AbstractBaseUser | AnonymousUser, unit: Unit) -> bool:
    return unit.pk in scope_for(user).chair_unit_ids


def can_file_for(user: AbstractBaseUser | AnonymousUser, unit: Unit) -> bool:
    """Chairs file for their unit; staff file on a unit's behalf (paper submissions)."""
    return is_chair_of(user, unit) or can_manage_node(user, unit.node)


def frozen_reason(record: Record) -> str | None:
    """Why nobody may change this record, or None: a closed reporting period holds its
    figures until the level above reopens it ("closed"), or it predates the unit's
    transfer to its current node ("transferred": it belongs to the old node's history,
    which its new node may read but not rewrite). Asked of the periods layer and cached
    on the record for its date, because templates ask several permission questions."""
    key = (record.unit.node.path, record.held_on, record.kind)
    cached = getattr(record, "_frozen", None)
    if cached is None or cached[0] != key:
        reason = None
        if periods.closed_for(record.unit, record.held_on, standing=record.kind in STANDING_KINDS):
            reason = "closed"
        elif periods.predates_transfer(record.unit_id, record.held_on):
            reason = "transferred"
        cached = (key, reason)
        record._frozen = cached  # type: ignore[attr-defined]
    return cached[1]


def is_frozen(record: Record) -> bool:
    return frozen_reason(record) is not None


def can_edit(user: AbstractBaseUser | AnonymousUser, record: Record) -> bool:
    editable = record.status in (Record.Status.DRAFT, Record.Status.RETURNED)
    return editable and can_file_for(user, record.unit) and not is_frozen(record)


def can_submit(user: AbstractBaseUser | AnonymousUser, record: Record) -> bool:
    return can_edit(user, record)


def can_reread(user: AbstractBaseUser | AnonymousUser, record: Record) -> bool:
    """Have a file whose reading failed read again: the unit's chair or staff above it (the
    reading is information beside the record, so neither its status nor a close holds it)."""
    return can_file_for(user, record.unit) or can_manage_node(user, record.unit.node)


def can_review(user: AbstractBaseUser | AnonymousUser, record: Record) -> bool:
    """Accept or return: staff of the unit's direct-superior node (or above)."""
    return (
        record.status == Record.Status.SUBMITTED and can_manage_node(user, record.unit.node) and not is_frozen(record)
    )


def can_accept_directly(user: AbstractBaseUser | AnonymousUser, record: Record) -> bool:
    """Staff entering a paper record may accept it without a separate submission."""
    return (
        record.status in (Record.Status.DRAFT, Record.Status.RETURNED)
        and can_manage_node(user, record.unit.node)
        and not is_frozen(record)
    )


def can_reopen(user: AbstractBaseUser | AnonymousUser, record: Record) -> bool:
    return record.status == Record.Status.ACCEPTED and can_manage_node(user, record.unit.node) and not is_frozen(record)


def can_delete(user: AbstractBaseUser | AnonymousUser, record: Record) -> bool:
    """Only drafts that were never submitted may be deleted."""
    return record.status == Record.Status.DRAFT and record.submitted_at is None and can_edit(user, record)
