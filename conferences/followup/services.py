"""Writes of follow-up items: add with the record, report an outcome later; audited on the record."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from conferences import permissions
from conferences.followup.models import FollowUpItem, evidence_path
from conferences.models import AuditEntry, Record
from conferences.services import StaleEdit
from conferences.uploads import CheckedUpload, check_upload, removed_unless_written

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser

ITEM_FIELDS = ("item_type", "text", "answer", "responsible", "due_on")


def _audit(record: Record, by: Actor, changes: dict[str, Any]) -> None:
    AuditEntry.objects.create(
        record=record, by=by if by.is_authenticated else None, action=AuditEntry.Action.EDITED, changes=changes
    )


def can_report_outcome(user: Actor, item: FollowUpItem) -> bool:
    """The unit's chair or its staff report what became of an item, whatever the state of the
    record that raised it (an accepted conference's promises are followed the next year)."""
    return permissions.can_file_for(user, item.unit)


@transaction.atomic
def item_add(*, record: Record, by: Actor, data: dict[str, Any]) -> FollowUpItem:
    """Add a proposal, agreement or task to a record the user may edit."""
    current = Record.objects.select_for_update().select_related("unit__node").get(pk=record.pk)
    if not permissions.can_edit(by, current):
        raise PermissionDenied
    item = FollowUpItem(record=current, unit=current.unit, created_by=by if by.is_authenticated else None)
    for name in ITEM_FIELDS:
        if name in data:
            setattr(item, name, data[name])
    item.full_clean()
    item.save()
    Record.objects.filter(pk=current.pk).update(version=F("version") + 1, updated_at=timezone.now())
    _audit(current, by, {"follow_up_item": [None, item.text]})
    return item


@transaction.atomic
def item_remove(*, item: FollowUpItem, by: Actor) -> None:
    current = Record.objects.select_for_update().select_related("unit__node").get(pk=item.record_id)
    if not permissions.can_edit(by, current):
        raise PermissionDenied
    text = item.text
    item.delete()
    Record.objects.filter(pk=current.pk).update(version=F("version") + 1, updated_at=timezone.now())
    _audit(current, by, {"follow_up_item": [text, None]})


def item_report(
    *,
    item: FollowUpItem,
    by: Actor,
    version: int,
    state: str,
    done_on: datetime.date | None = None,
    drop_reason: str = "",
    evidence_note: str = "",
    evidence: UploadedFile | None = None,
    followed_in: Record | None = None,
) -> FollowUpItem:
    """Record what became of an item (done with its date, dropped with a reason, or still open).

    Refuses with StaleEdit when someone reported on it since ``version`` was read. An
    evidence file is checked like the minutes before it is stored, and removed again if
    the write fails. The audit row goes to the record that raised the item (and to the
    one where the outcome was reported).
    """
    if state == FollowUpItem.State.DONE and done_on is None:
        raise ValidationError({"done_on": _("Việc đã xong cần có ngày hoàn thành.")})
    if state == FollowUpItem.State.DROPPED and not drop_reason.strip():
        raise ValidationError({"drop_reason": _("Hãy ghi lý do không thực hiện.")})
    checked = check_upload(evidence) if evidence is not None else None
    stored = ""
    if checked is not None and evidence is not None:
        stored = item.evidence.storage.save(evidence_path(item, checked.original_name), evidence)
    with removed_unless_written(item.evidence.storage, stored):
        return _report(item, by, version, state, done_on, drop_reason, evidence_note, followed_in, stored, checked)


def _report(
    item: FollowUpItem,
    by: Actor,
    version: int,
    state: str,
    done_on: datetime.date | None,
    drop_reason: str,
    evidence_note: str,
    followed_in: Record | None,
    stored: str,
    checked: CheckedUpload | None,
) -> FollowUpItem:
    current = FollowUpItem.objects.select_for_update().select_related("unit__node", "record").get(pk=item.pk)
    if current.version != version:
        raise StaleEdit
    if not can_report_outcome(by, current):
        raise PermissionDenied
    if followed_in is not None and followed_in.unit_id != current.unit_id:
        raise PermissionDenied
    before = current.get_state_display()
    replaced = current.evidence.name if stored else ""
    current.state = state
    current.done_on = done_on if state == FollowUpItem.State.DONE else None
    current.drop_reason = drop_reason.strip() if state == FollowUpItem.State.DROPPED else ""
    current.evidence_note = evidence_note.strip()
    if followed_in is not None:
        current.followed_in = followed_in
    if stored and checked is not None:
        current.evidence.name = stored
        current.evidence_name = checked.original_name
        current.evidence_type = checked.content_type
    current.full_clean()
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    changes = {"follow_up_item": current.text, "state": [before, current.get_state_display()]}
    _audit(current.record, by, changes)
    if followed_in is not None and followed_in.pk != current.record_id:
        _audit(followed_in, by, changes)
    if replaced:
        storage = current.evidence.storage
        transaction.on_commit(lambda: storage.delete(replaced))
    return current
