"""Every write to records: one transaction each, audit row included, e-mail after commit."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from conferences import permissions
from conferences.minutes.services import reading_queue
from conferences.models import Attachment, AuditEntry, ContentItem, Record
from conferences.selectors import has_minutes, minutes_required
from conferences.uploads import check_upload, removed_unless_written, store_checked
from qcdc import jobs
from units.periods import frozen_reason_message

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from units.models import Unit

    Actor = AbstractBaseUser | AnonymousUser

RECORD_FIELDS = (
    "held_on",
    "place",
    "convened_by",
    "format",
    "headcount",
    "invited",
    "attended",
    "resolution_adopted",
    "resolution_text",
    "trigger",
    "employer_reps",
    "employer_rep_names",
    "worker_reps",
    "worker_rep_names",
    "topics",
    "agreements",
    "follow_up",
    "members",
    "member_names",
    "notes",
)


def _duplicate_accepted() -> ValidationError:
    return ValidationError(
        _("Đơn vị đã có hồ sơ cùng loại, cùng ngày được duyệt; hãy mở hồ sơ đó thay vì duyệt thêm bản này."),
        code="duplicate",
    )


class StaleEdit(Exception):
    """The record changed since the editor opened it."""


class TransitionNotAllowed(Exception):
    """The record is not in a state that allows this action (e.g. accepted twice)."""


class MinutesRequired(Exception):
    """The year's rule requires minutes and none is attached."""


def _audit(
    record: Record, by: Actor | None, action: str, *, reason: str = "", changes: dict[str, Any] | None = None
) -> None:
    AuditEntry.objects.create(
        record=record,
        by=by if by is not None and by.is_authenticated else None,
        action=action,
        reason=reason,
        changes=changes or {},
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Model):
        return str(value)
    return value


def frozen_message(record: Record) -> str:
    return frozen_reason_message(permissions.frozen_reason(record) or "closed")


def _locked(record: Record) -> Record:
    """Re-read the record under a row lock, so two transitions cannot interleave."""
    return Record.objects.select_for_update().select_related("unit__node").get(pk=record.pk)


def _transition_from(
    record: Record, by: Actor, statuses: tuple[str, ...], may: Callable[[Actor, Record], bool]
) -> Record:
    """Lock the record for a transition out of one of ``statuses`` that ``may`` allows ``by``."""
    current = _locked(record)
    if current.status not in statuses:
        raise TransitionNotAllowed
    if not may(by, current):
        raise PermissionDenied
    return current


@transaction.atomic
def record_create(
    *,
    unit: Unit,
    kind: str,
    by: Actor,
    data: dict[str, Any],
    contents: list[ContentItem] | None = None,
    minutes: list[UploadedFile] | None = None,
) -> Record:
    """Create a draft for ``unit``, with its minutes when given in the same step.

    Staff creating it mark it as entered from paper. A file that fails its check
    rolls the whole draft back, so the chair never finds half of what was sent.
    """
    if not permissions.can_file_for(by, unit):
        raise PermissionDenied
    record = Record(unit=unit, kind=kind, created_by=by, on_paper=not permissions.is_chair_of(by, unit))
    for name in RECORD_FIELDS:
        if name in data:
            setattr(record, name, data[name])
    record.full_clean()
    if permissions.is_frozen(record):
        raise ValidationError({"held_on": frozen_message(record)})
    record.save()
    if contents:
        record.contents.set(contents)
    _audit(record, by, AuditEntry.Action.CREATED)
    stored: list[str] = []
    try:
        for upload in minutes or []:
            attachment = attachment_add(record=record, by=by, upload=upload, purpose=Attachment.Purpose.MINUTES)
            stored.append(attachment.file.name)
    except BaseException:
        from django.core.files.storage import default_storage

        for name in stored:  # random names: no other attachment shares them
            default_storage.delete(name)
        raise
    record.refresh_from_db()
    return record


@transaction.atomic
def record_update(
    *, record: Record, by: Actor, version: int, data: dict[str, Any], contents: list[ContentItem] | None = None
) -> Record:
    """Save an edit unless the record changed since ``version`` was read (then StaleEdit).
    An edit of imported history whose quality was not assessed makes it assessed."""
    current = _locked(record)
    if current.version != version:
        raise StaleEdit
    if not permissions.can_edit(by, current):
        raise PermissionDenied
    changes: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        if name in data and getattr(current, name) != data[name]:
            changes[name] = [_jsonable(getattr(current, name)), _jsonable(data[name])]
            setattr(current, name, data[name])
    if contents is not None:
        before = set(current.contents.values_list("pk", flat=True))
        after = {c.pk for c in contents}
        if before != after:
            labels = dict(ContentItem.objects.filter(pk__in=before | after).values_list("pk", "label"))
            changes["contents"] = [sorted(labels[p] for p in before), sorted(labels[p] for p in after)]
            current.contents.set(contents)
    if changes and not current.quality_assessed:
        # Imported history completed in the form: from now on its quality is judged.
        changes["quality_assessed"] = [False, True]
        current.quality_assessed = True
    current.full_clean()
    if "held_on" in changes and permissions.is_frozen(current):
        raise ValidationError({"held_on": frozen_message(current)})
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    if changes:
        _audit(current, by, AuditEntry.Action.EDITED, changes=changes)
    return current


@transaction.atomic
def record_delete_draft(*, record: Record, by: Actor) -> None:
    current = _locked(record)
    if not permissions.can_delete(by, current):
        raise PermissionDenied
    files = [a.file.name for a in current.attachments.all()]
    current.delete()
    transaction.on_commit(lambda: _delete_files(files))


def _delete_files(names: list[str]) -> None:
    """Delete stored files no attachment points to any more (demo data shares one file)."""
    from django.core.files.storage import default_storage

    still_used = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
    for name in names:
        if name not in still_used:
            default_storage.delete(name)


@transaction.atomic
def record_submit(*, record: Record, by: Actor) -> Record:
    """Send a draft or returned record to the direct-superior union for review."""
    current = _transition_from(record, by, (Record.Status.DRAFT, Record.Status.RETURNED), permissions.can_submit)
    if not has_minutes(current) and minutes_required(current):
        raise MinutesRequired
    current.status = Record.Status.SUBMITTED
    current.submitted_at = timezone.now()
    current.version = F("version") + 1
    current.save(update_fields=["status", "submitted_at", "version", "updated_at"])
    _audit(current, by, AuditEntry.Action.SUBMITTED)
    from conferences.tasks import notify_submitted

    jobs.dispatch(notify_submitted, record_id=current.pk)
    current.refresh_from_db()
    return current


@transaction.atomic
def record_accept(*, record: Record, by: Actor) -> Record:
    """Accept a submitted record (or, for staff entering paper records, a draft)."""
    current = _locked(record)
    if current.status == Record.Status.SUBMITTED:
        allowed = permissions.can_review(by, current)
    elif current.status in (Record.Status.DRAFT, Record.Status.RETURNED):
        allowed = permissions.can_accept_directly(by, current)
    else:
        raise TransitionNotAllowed
    if not allowed:
        raise PermissionDenied
    twin = Record.objects.accepted().filter(unit=current.unit_id, kind=current.kind, held_on=current.held_on)
    if twin.exclude(pk=current.pk).exists():
        raise _duplicate_accepted()
    current.status = Record.Status.ACCEPTED
    current.reviewed_at = timezone.now()
    current.reviewed_by = by
    current.return_reason = ""
    current.version = F("version") + 1
    try:
        with transaction.atomic():
            current.save(
                update_fields=["status", "reviewed_at", "reviewed_by", "return_reason", "version", "updated_at"]
            )
    except IntegrityError as exc:  # a twin accepted by someone else at the same moment
        raise _duplicate_accepted() from exc
    _audit(current, by, AuditEntry.Action.ACCEPTED)
    current.refresh_from_db()
    return current


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Hãy ghi rõ lý do.")})
    return reason


def _send_back(current: Record, by: Actor, *, reason: str, action: str, review: bool) -> Record:
    """Put a record back in the chair's hands with a reason: audit now, e-mail after commit."""
    current.status = Record.Status.RETURNED
    current.return_reason = reason
    current.version = F("version") + 1
    fields = ["status", "return_reason", "version", "updated_at"]
    if review:
        current.reviewed_at = timezone.now()
        current.reviewed_by = by
        fields += ["reviewed_at", "reviewed_by"]
    current.save(update_fields=fields)
    _audit(current, by, action, reason=reason)
    from conferences.tasks import notify_returned

    jobs.dispatch(notify_returned, record_id=current.pk)
    current.refresh_from_db()
    return current


@transaction.atomic
def record_return(*, record: Record, by: Actor, reason: str) -> Record:
    """Send a submitted record back to the chair with what to fix."""
    reason = _require_reason(reason)
    current = _transition_from(record, by, (Record.Status.SUBMITTED,), permissions.can_review)
    return _send_back(current, by, reason=reason, action=AuditEntry.Action.RETURNED, review=True)


@transaction.atomic
def record_reopen(*, record: Record, by: Actor, reason: str) -> Record:
    """Unlock an accepted record (staff only); it goes back to the chair as returned."""
    reason = _require_reason(reason)
    current = _transition_from(record, by, (Record.Status.ACCEPTED,), permissions.can_reopen)
    return _send_back(current, by, reason=reason, action=AuditEntry.Action.REOPENED, review=False)


def attachment_add(*, record: Record, by: Actor, upload: UploadedFile, purpose: str) -> Attachment:
    """Check the file by content and size, then store it under a random name.

    The check runs before anything touches the disk; if the database write fails
    after the file was stored, the file is removed again.
    """
    if not permissions.can_edit(by, record):
        raise PermissionDenied
    checked = check_upload(upload)
    attachment = Attachment(record=record, purpose=purpose, uploaded_by=by if by.is_authenticated else None)
    with removed_unless_written(attachment.file.storage, store_checked(attachment, upload, checked)):
        current = _locked(record)
        if not permissions.can_edit(by, current):
            raise PermissionDenied
        attachment.save()
        Record.objects.filter(pk=current.pk).update(version=F("version") + 1, updated_at=timezone.now())
        _audit(current, by, AuditEntry.Action.FILE_ADDED, changes={"file": checked.original_name, "purpose": purpose})
        reading_queue(attachment=attachment)
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by: Actor) -> None:
    current = _locked(attachment.record)
    if not permissions.can_edit(by, current):
        raise PermissionDenied
    name = attachment.file.name
    original = attachment.original_name
    attachment.delete()
    Record.objects.filter(pk=current.pk).update(version=F("version") + 1, updated_at=timezone.now())
    _audit(current, by, AuditEntry.Action.FILE_REMOVED, changes={"file": original})
    transaction.on_commit(lambda: _delete_files([name]))
