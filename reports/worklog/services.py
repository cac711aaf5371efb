"""Writes to the work log: each in one transaction with its audit entry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from conferences.uploads import check_upload, removed_unless_written, store_checked
from reports.worklog.models import WorkLogAttachment, WorkLogEntry
from units.audit import audit_record
from units.models import AuditLog, OrgNode, Unit
from units.periods import PeriodClose, frozen_q
from units.permissions import can_manage_node

if TYPE_CHECKING:
    import datetime

    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.core.files.uploadedfile import UploadedFile

    Actor = AbstractBaseUser | AnonymousUser

ENTRY_FIELDS = (
    "node",
    "kind",
    "held_on",
    "title",
    "reference",
    "participants",
    "findings",
    "follow_up",
    "collectives",
    "individuals",
    "notes",
)


class StaleEntry(Exception):
    """Someone saved the entry after the editor opened it."""


def is_frozen(node: OrgNode, held_on: datetime.date) -> bool:
    """A closed (or closing) period of the node or a node above it holds this day."""
    return PeriodClose.objects.filter(
        frozen_q({node.path}, held_on, standing=False), status__in=PeriodClose.HOLDING
    ).exists()


def can_write(user: Actor, node: OrgNode, held_on: datetime.date) -> bool:
    """Staff of the node's subtree (or above), while no close holds the day."""
    return can_manage_node(user, node) and not is_frozen(node, held_on)


def entry_facts(entry: WorkLogEntry) -> dict[str, Any]:
    return {
        **{name: getattr(entry, name) for name in ENTRY_FIELDS},
        "units": sorted(entry.units.values_list("code", flat=True)),
    }


@transaction.atomic
def worklog_create(*, by: Actor, data: dict[str, Any], units: list[Unit]) -> WorkLogEntry:
    """Record one activity of a node the user manages, in an open period."""
    entry = WorkLogEntry(**{name: data.get(name) for name in ENTRY_FIELDS if name in data})
    _fill_blanks(entry)
    if not can_write(by, entry.node, entry.held_on):
        raise PermissionDenied
    entry.created_by = by if by.is_authenticated else None  # type: ignore[assignment]
    entry.full_clean()
    entry.save()
    entry.units.set(units)
    audit_record(
        by=by, action=AuditLog.Action.WORK_LOGGED, target=entry, before=None, after=entry_facts(entry), node=entry.node
    )
    return entry


@transaction.atomic
def worklog_update(
    *, entry: WorkLogEntry, by: Actor, data: dict[str, Any], units: list[Unit], version: int | None
) -> WorkLogEntry:
    """Edit an entry; refused when another edit came first or a close holds the old or new day."""
    current = WorkLogEntry.objects.select_for_update().select_related("node").get(pk=entry.pk)
    if version is not None and current.version != version:
        raise StaleEntry
    if not can_write(by, current.node, current.held_on):
        raise PermissionDenied
    before = entry_facts(current)
    for name in ENTRY_FIELDS:
        if name in data:
            setattr(current, name, data[name])
    _fill_blanks(current)
    if not can_write(by, current.node, current.held_on):
        raise PermissionDenied
    current.full_clean()
    current.version = F("version") + 1  # type: ignore[assignment]
    current.save()
    current.refresh_from_db()
    current.units.set(units)
    after = entry_facts(current)
    audit_record(
        by=by, action=AuditLog.Action.WORK_EDITED, target=current, before=before, after=after, node=current.node
    )
    return current


def worklog_attach(*, entry: WorkLogEntry, by: Actor, upload: UploadedFile) -> WorkLogAttachment:
    """Check the file as the minutes are checked (content, size), then store it."""
    if not can_write(by, entry.node, entry.held_on):
        raise PermissionDenied
    checked = check_upload(upload)
    attachment = WorkLogAttachment(entry=entry, uploaded_by=by if by.is_authenticated else None)
    with removed_unless_written(attachment.file.storage, store_checked(attachment, upload, checked)):
        current = WorkLogEntry.objects.select_for_update().select_related("node").get(pk=entry.pk)
        if not can_write(by, current.node, current.held_on):
            raise PermissionDenied
        attachment.save()
        WorkLogEntry.objects.filter(pk=current.pk).update(version=F("version") + 1, updated_at=timezone.now())
        audit_record(
            by=by,
            action=AuditLog.Action.WORK_FILE_ADDED,
            target=current,
            before=None,
            after={"file": checked.original_name, "sha256": checked.sha256},
            node=current.node,
        )
    return attachment


def _fill_blanks(entry: WorkLogEntry) -> None:
    for name in ("reference", "findings", "follow_up", "notes"):
        if getattr(entry, name) is None:
            setattr(entry, name, "")
