"""Reads of follow-up items: a record's own, those carried into it, a unit's overdue ones."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from conferences.followup.models import FollowUpItem, FollowUpItemQuerySet
from conferences.models import CONFERENCE_KINDS, DIALOGUE_KINDS, Record
from units.models import Unit

FOLLOWING_KINDS = CONFERENCE_KINDS | DIALOGUE_KINDS


def record_items(record: Record) -> FollowUpItemQuerySet:
    return FollowUpItem.objects.filter(record=record).select_related("followed_in")


def carried_items(record: Record) -> FollowUpItemQuerySet:
    """Items of the unit's earlier conferences and dialogues that this record should follow up:
    those still open, and those whose outcome was reported here."""
    if record.kind not in FOLLOWING_KINDS:
        return FollowUpItem.objects.none()
    earlier = Q(record__held_on__lt=record.held_on) | Q(record__held_on=record.held_on, record_id__lt=record.pk)
    return (
        FollowUpItem.objects.filter(unit_id=record.unit_id)
        .filter(earlier)
        .filter(Q(state=FollowUpItem.State.OPEN) | Q(followed_in=record))
        .select_related("record")
        .order_by("due_on", "pk")
    )


def overdue_items(unit: Unit) -> FollowUpItemQuerySet:
    """The unit's open items past their due date, oldest due first."""
    return (
        FollowUpItem.objects.filter(unit=unit)
        .overdue(timezone.localdate())
        .select_related("record")
        .order_by("due_on", "pk")
    )


def open_items(unit: Unit) -> FollowUpItemQuerySet:
    """The unit's items still open, due first: what its next conference or dialogue follows up."""
    return FollowUpItem.objects.filter(unit=unit).open().select_related("record").order_by("due_on", "pk")
