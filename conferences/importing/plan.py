"""Checking a file into a plan, without writing anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from conferences.importing.rows import (
    EVENT_IMPORT_COLUMNS,
    EventKey,
    _apply_history,
    _assessable,
    _consistency,
    _parse,
    _parse_contents,
    _parse_history,
    choice_lookup,
)
from conferences.models import ContentItem, Record
from conferences.obligations import STANDING_KINDS, Kind
from units.importing.common import IN_CHUNK, PREVIEW_ROWS, load_by_code, path_checker
from units.importing.tables import RowError, Table, read_table
from units.importing.uploads import MAX_UPLOAD_ROWS, Upload
from units.models import Unit
from units.periods import Event, frozen_events, frozen_reason_message

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class PlannedRecord:
    """A row that passed every check, as the record it would create (unsaved)."""

    row: int
    record: Record
    content_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class EventPreviewRow:
    row: int
    action: str  # "create" or "skip"
    record: Record


@dataclass
class EventImportPlan:
    """What importing a file would do: only a plan without errors may be written."""

    creates: list[PlannedRecord] = field(default_factory=list)
    skipped: list[PlannedRecord] = field(default_factory=list)  # already in the database
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def preview(self, limit: int = PREVIEW_ROWS) -> list[EventPreviewRow]:
        rows = [EventPreviewRow(p.row, "create", p.record) for p in self.creates]
        rows += [EventPreviewRow(p.row, "skip", p.record) for p in self.skipped]
        return sorted(rows, key=lambda r: r.row)[:limit]


def plan_events_upload(*, upload: Upload, by: AbstractBaseUser | AnonymousUser | None) -> EventImportPlan:
    """Read an uploaded file (at most ``MAX_UPLOAD_ROWS`` rows) and plan its import.

    Raises ``ImportFileError`` when the file is not a readable CSV or XLSX.
    """
    table = read_table(data=upload.data, suffix=upload.suffix, columns=EVENT_IMPORT_COLUMNS, max_rows=MAX_UPLOAD_ROWS)
    return plan_events_import(table=table, by=by)


def plan_events_import(*, table: Table, by: AbstractBaseUser | AnonymousUser | None) -> EventImportPlan:
    """Check every row against the database and ``by``'s subtree; write nothing.

    ``by`` None is an operator at the command line: every unit is allowed. The number of
    queries does not grow with the file: the scope, then per 5,000 codes the units and
    the records those units already have.
    """
    plan = EventImportPlan(errors=list(table.errors))
    if not table.header_ok:
        return plan  # without the right header the rows cannot be read
    allowed = path_checker(by)
    units = load_by_code(Unit.objects.select_related("node"), (r.text("unit_code") for r in table.rows))
    existing = _existing_events(u.pk for u in units.values())
    kinds = choice_lookup(Kind)
    statuses = choice_lookup(Record.Status)
    formats = choice_lookup(Record.Format)
    items = {(kind, code.lower()): pk for pk, kind, code in ContentItem.objects.values_list("pk", "kind", "code")}
    first_row: dict[EventKey, int] = {}
    for row in table.readable_rows():
        problems: list[str] = []
        record = _parse(row, units=units, kinds=kinds, statuses=statuses, allowed=allowed, problems=problems)
        history = _parse_history(row, formats=formats, problems=problems)
        content_ids = _parse_contents(row, kind=record.kind if record else None, items=items, problems=problems)
        if record is not None:
            _apply_history(record, history)
            record.quality_assessed = _assessable(history, content_ids)
            problems += _consistency(record)
        if record is None or problems:
            plan.errors += [RowError(row.number, message) for message in problems]
            continue
        key = (record.unit.pk, record.kind, record.held_on)
        if key in first_row:
            plan.errors.append(
                RowError(row.number, _("Trùng với dòng %(row)s (cùng đơn vị, loại và ngày).") % {"row": first_row[key]})
            )
            continue
        first_row[key] = row.number
        (plan.skipped if key in existing else plan.creates).append(PlannedRecord(row.number, record, content_ids))
    frozen = _frozen_rows(plan.creates)
    plan.errors += [RowError(p.row, frozen_reason_message(frozen[p.row])) for p in plan.creates if p.row in frozen]
    plan.creates = [p for p in plan.creates if p.row not in frozen]
    plan.errors.sort(key=lambda e: e.row)
    return plan


def _frozen_rows(creates: list[PlannedRecord]) -> dict[int, str]:
    """``{row: reason}`` for the planned records that a closed period holds or that predate
    their unit's transfer: the same rule as the record form, checked for all rows at once."""
    return frozen_events(  # type: ignore[return-value]
        Event(key=p.row, unit=p.record.unit, held_on=p.record.held_on, standing=p.record.kind in STANDING_KINDS)
        for p in creates
    )


def _existing_events(unit_ids: Iterable[int]) -> set[EventKey]:
    ids = sorted(set(unit_ids))
    found: set[EventKey] = set()
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        found.update(Record.objects.filter(unit_id__in=chunk).values_list("unit_id", "kind", "held_on"))
    return found
