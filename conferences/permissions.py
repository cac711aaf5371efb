"""Who may do what to a record. Visibility itself is ``Record.objects.visible_to``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conferences.models import Record
from units.permissions import can_manage_node, scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from units.models import Unit


def is_chair_of(user: AbstractBaseUser | AnonymousUser, unit: Unit) -> bool:
    return unit.pk in scope_for(user).chair_unit_ids


def can_file_for(user: AbstractBaseUser | AnonymousUser, unit: Unit) -> bool:
    """Chairs file for their unit; staff file on a unit's behalf (paper submissions)."""
    return is_chair_of(user, unit) or can_manage_node(user, unit.node)


def is_frozen(record: Record) -> bool:
    """A closed reporting period holds this record's figures: nobody changes it until the
    level above reopens the period."""
    from reports.closing import is_frozen as frozen

    return frozen(record)


def can_edit(user: AbstractBaseUser | AnonymousUser, record: Record) -> bool:
    editable = record.status in (Record.Status.DRAFT, Record.Status.RETURNED)
    return editable and can_file_for(user, record.unit) and not is_frozen(record)


def can_submit(user: AbstractBaseUser | AnonymousUser, record: Record) -> bool:
    return can_edit(user, record)


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
