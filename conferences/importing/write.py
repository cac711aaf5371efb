"""Writing a checked plan in one transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from conferences.facts.years import refresh_facts_for
from conferences.importing.plan import EventImportPlan, _frozen_rows
from conferences.models import AuditEntry, Record
from units.importing.common import WRITE_BATCH, ImportConflict, history_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class EventImportResult:
    created: int
    skipped: int


@transaction.atomic
def events_import(
    *, plan: EventImportPlan, by: AbstractBaseUser | AnonymousUser | None, file_name: str
) -> EventImportResult:
    """Create the plan's records in bulk, each with an "imported" audit entry naming the file and row.

    Records entered from old paperwork: ``on_paper``, created by ``by`` (None from the
    command line). Raises ``ImportConflict`` (and writes nothing) when a period holding
    one of them was closed since the plan was made. Records past "draft" carry the timestamps the workflow would have
    set, at the time of the import, when they enter the system; no e-mail is sent.
    """
    if plan.errors:
        raise ValueError("a plan with errors cannot be imported")
    if _frozen_rows(plan.creates):  # a period was closed since the plan was checked
        raise ImportConflict
    user = history_user(by)
    now = timezone.now()
    for planned in plan.creates:
        _stamp(planned.record, user=user, now=now)
    # The audit entries need the new primary keys: bulk_create sets them (PostgreSQL, SQLite ≥ 3.35).
    try:
        with transaction.atomic():
            Record.objects.bulk_create([p.record for p in plan.creates], batch_size=WRITE_BATCH)
    except IntegrityError as exc:  # the same events were accepted meanwhile (another import, a reviewer)
        raise ImportConflict from exc
    through = Record.contents.through
    through.objects.bulk_create(
        [through(record_id=p.record.pk, contentitem_id=pk) for p in plan.creates for pk in p.content_ids],
        batch_size=WRITE_BATCH,
    )
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                record=p.record,
                by=user,
                action=AuditEntry.Action.IMPORTED,
                changes={"file": file_name, "row": p.row},
            )
            for p in plan.creates
        ],
        batch_size=WRITE_BATCH,
    )
    refresh_facts_for([p.record for p in plan.creates])
    return EventImportResult(created=len(plan.creates), skipped=len(plan.skipped))


def _stamp(record: Record, *, user: AbstractBaseUser | None, now: datetime.datetime) -> None:
    """The importer and the workflow timestamps a record of this status would carry."""
    record.created_by = user
    if record.status != Record.Status.DRAFT:
        record.submitted_at = now
    if record.status in (Record.Status.RETURNED, Record.Status.ACCEPTED):
        record.reviewed_at = now
        record.reviewed_by = user
