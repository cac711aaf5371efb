"""Importing historical records (conferences, dialogues …) from CSV or XLSX.

The same steps as the units import (``units.importing``): the file is read into
numbered rows, checked into a plan without writing anything, and the plan is written
in one transaction only when no row has an error. A row whose record is already in
the database (same unit, kind and date) is skipped, so importing a file twice is
harmless.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conferences.facts.maintain import refresh_facts_for
from conferences.models import CONFERENCE_KINDS, STANDING_KINDS, AuditEntry, ContentItem, Kind, Record
from qcdc.validators import field_problems
from units.importing.common import (
    IN_CHUNK,
    PREVIEW_ROWS,
    WRITE_BATCH,
    ImportConflict,
    history_user,
    load_by_code,
    path_checker,
)
from units.importing.tables import Column, RowError, SheetRow, Table, cell_count, cell_date, read_table
from units.importing.uploads import MAX_UPLOAD_ROWS, Upload
from units.models import Unit
from units.periods import Event, frozen_events, frozen_reason_message

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.db.models import TextChoices

EVENT_IMPORT_COLUMNS: tuple[Column, ...] = (
    Column("unit_code", gettext_lazy("Mã đơn vị"), ("mã đơn vị", "mã"), required=True),
    Column(
        "kind",
        gettext_lazy("Loại"),
        ("loại", "loại hồ sơ"),
        required=True,
        help=gettext_lazy("Mã loại (worker_conference …) hoặc tên tiếng Việt."),
    ),
    Column(
        "date",
        gettext_lazy("Ngày"),
        ("ngày", "ngày tổ chức"),
        required=True,
        help=gettext_lazy("Ngày tổ chức hoặc ban hành: dd/mm/yyyy hoặc YYYY-MM-DD."),
    ),
    Column("invited", gettext_lazy("Số được triệu tập"), ("số được triệu tập",), help=gettext_lazy("Có thể để trống.")),
    Column("attended", gettext_lazy("Số tham dự"), ("số tham dự",), help=gettext_lazy("Có thể để trống.")),
    Column(
        "status",
        gettext_lazy("Trạng thái"),
        ("trạng thái",),
        help=gettext_lazy("draft, submitted, returned, accepted hoặc tên tiếng Việt; trống là “Đã duyệt”."),
    ),
    # Optional history: without them an imported record's quality cannot be assessed.
    Column(
        "format",
        gettext_lazy("Hình thức"),
        ("hình thức",),
        help=gettext_lazy("full (toàn thể) hoặc delegate (đại biểu), hoặc tên tiếng Việt; có thể để trống."),
    ),
    Column(
        "headcount",
        gettext_lazy("Số lao động khi tổ chức"),
        ("số lao động khi tổ chức", "số lao động"),
        help=gettext_lazy("Có thể để trống."),
    ),
    Column(
        "contents",
        gettext_lazy("Nội dung"),
        ("nội dung", "nội dung đã thảo luận"),
        help=gettext_lazy("Mã các nội dung bắt buộc đã thảo luận, cách nhau bởi dấu «;»; có thể để trống."),
    ),
    Column(
        "resolution",
        gettext_lazy("Nghị quyết"),
        ("nghị quyết", "đã thông qua nghị quyết"),
        help=gettext_lazy("có / không; có thể để trống."),
    ),
    Column("notes", gettext_lazy("Ghi chú"), ("ghi chú",), help=gettext_lazy("Có thể để trống.")),
)
EVENT_IMPORT_EXAMPLE = (
    "unit_code,kind,date,invited,attended,status,format,headcount,contents,resolution,notes\n"
    "DV001,worker_conference,15/03/2023,250,231,accepted,full,260,business_report;safety;resolution,có,\n"
    "DV001,Đối thoại định kỳ,2023-09-20,,,,,,,,\n"
    "DV002,cbccvc_conference,10/01/2024,60,58,submitted,delegate,,,không,Biên bản giấy\n"
)
YES = frozenset({"có", "co", "x", "1", "yes", "true", "đã thông qua"})
NO = frozenset({"không", "khong", "0", "no", "false", "chưa thông qua"})
_LABELS = {c.name: c.label for c in EVENT_IMPORT_COLUMNS}

# (unit id, kind, date): what makes two rows, or a row and a record, the same event.
EventKey = tuple[int, str, datetime.date]


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


@dataclass(frozen=True)
class EventImportResult:
    created: int
    skipped: int


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
    if any(e.row == 1 for e in table.errors):
        return plan  # without the right header the rows cannot be read
    allowed = path_checker(by)
    units = load_by_code(Unit.objects.select_related("node"), (r.text("unit_code") for r in table.rows))
    existing = _existing_events(u.pk for u in units.values())
    kinds = choice_lookup(Kind)
    statuses = choice_lookup(Record.Status)
    formats = choice_lookup(Record.Format)
    items = {(kind, code.lower()): pk for pk, kind, code in ContentItem.objects.values_list("pk", "kind", "code")}
    first_row: dict[EventKey, int] = {}
    unreadable = {e.row for e in table.errors}  # its cells are shifted: more errors would be noise
    for row in table.rows:
        if row.number in unreadable:
            continue
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


def _existing_events(unit_ids: Iterable[int]) -> set[EventKey]:
    ids = sorted(set(unit_ids))
    found: set[EventKey] = set()
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        found.update(Record.objects.filter(unit_id__in=chunk).values_list("unit_id", "kind", "held_on"))
    return found


def choice_lookup(choices: type[TextChoices]) -> dict[str, str]:
    """Machine values and Vietnamese labels (the msgids, whatever the active language), lowercased."""
    lookup = {str(value): str(value) for value in choices.values}
    with translation.override(None):
        lookup.update({str(label).lower(): str(value) for value, label in choices.choices})
    return lookup


def _parse(
    row: SheetRow,
    *,
    units: dict[str, Unit],
    kinds: dict[str, str],
    statuses: dict[str, str],
    allowed: Callable[[str], bool],
    problems: list[str],
) -> Record | None:
    """The row as an unsaved record, or None with the reasons added to ``problems``."""
    code = row.text("unit_code")
    unit = units.get(code)
    if not code:
        problems.append(_("Thiếu mã đơn vị."))
    elif unit is None or not allowed(unit.node.path):
        # One answer for both: the import must not tell which codes exist elsewhere.
        problems.append(_("Không có đơn vị mã «%(code)s» trong phạm vi bạn quản lý.") % {"code": code})
        unit = None

    kind_text = row.text("kind")
    kind = kinds.get(kind_text.lower())
    if not kind_text:
        problems.append(_("Thiếu loại hồ sơ."))
    elif kind is None:
        problems.append(_("Loại hồ sơ «%(value)s» không hợp lệ.") % {"value": kind_text})

    held_on = None
    try:
        held_on = cell_date(row.values["date"])
    except ValueError:
        problems.append(
            _("%(label)s «%(value)s» không hợp lệ; hãy ghi dd/mm/yyyy hoặc YYYY-MM-DD.")
            % {"label": _LABELS["date"], "value": row.text("date")}
        )
    else:
        if held_on is None:
            problems.append(_("Thiếu ngày."))

    counts: dict[str, int | None] = {}
    for name in ("invited", "attended"):
        counts[name] = None
        if row.text(name):
            try:
                counts[name] = cell_count(row.values[name])
            except ValueError:
                problems.append(
                    _("%(label)s phải là số nguyên không âm (đang là «%(value)s»).")
                    % {"label": _LABELS[name], "value": row.text(name)}
                )

    status_text = row.text("status")
    status = statuses.get(status_text.lower()) if status_text else Record.Status.ACCEPTED
    if status is None:
        problems.append(_("Trạng thái «%(value)s» không hợp lệ.") % {"value": status_text})

    if problems or unit is None or kind is None or held_on is None or status is None:
        return None
    return Record(
        unit=unit,
        kind=kind,
        held_on=held_on,
        year=held_on.year,  # bulk_create skips Record.save(), which sets it
        format=Record.Format.FULL if kind in CONFERENCE_KINDS else "",
        invited=counts["invited"],
        attended=counts["attended"],
        status=status,
        on_paper=True,
    )


def _parse_history(row: SheetRow, *, formats: dict[str, str], problems: list[str]) -> dict[str, object]:
    """The optional columns that let an imported record's quality be assessed."""
    history: dict[str, object] = {"notes": row.text("notes")}
    format_text = row.text("format")
    if format_text:
        history["format"] = formats.get(format_text.lower())
        if history["format"] is None:
            problems.append(_("Hình thức «%(value)s» không hợp lệ.") % {"value": format_text})
    if row.text("headcount"):
        try:
            history["headcount"] = cell_count(row.values["headcount"])
        except ValueError:
            problems.append(
                _("%(label)s phải là số nguyên không âm (đang là «%(value)s»).")
                % {"label": _LABELS["headcount"], "value": row.text("headcount")}
            )
    resolution = row.text("resolution").lower()
    if resolution:
        if resolution in YES or resolution in NO:
            history["resolution_adopted"] = resolution in YES
        else:
            problems.append(
                _("Nghị quyết «%(value)s» không hợp lệ; hãy ghi «có» hoặc «không».") % {"value": row.text("resolution")}
            )
    return history


def _parse_contents(
    row: SheetRow, *, kind: str | None, items: dict[tuple[str, str], int], problems: list[str]
) -> tuple[int, ...]:
    """The checklist lines named by their codes, separated by ";"."""
    codes = [code.strip().lower() for code in row.text("contents").split(";") if code.strip()]
    if not codes or kind is None:
        return ()
    unknown = [code for code in codes if (kind, code) not in items]
    if unknown:
        problems.append(
            _("Nội dung «%(codes)s» không có trong danh mục của loại hồ sơ này.") % {"codes": "; ".join(unknown)}
        )
        return ()
    return tuple(dict.fromkeys(items[(kind, code)] for code in codes))


def _assessable(history: dict[str, object], content_ids: tuple[int, ...]) -> bool:
    """Whether a row carries what judges a record's quality (format, headcount, contents or
    resolution); without any, the record's quality is "not assessed", never failing."""
    return bool(content_ids) or any(history.get(k) is not None for k in ("format", "headcount", "resolution_adopted"))


def _apply_history(record: Record, history: dict[str, object]) -> None:
    for name, value in history.items():
        if value is not None:
            setattr(record, name, value)


def _consistency(record: Record) -> list[str]:
    """Rules across cells and against the unit: the numbers, and when the unit existed."""
    problems = []
    if record.invited is not None and record.attended is not None and record.attended > record.invited:
        problems.append(
            _("Số tham dự (%(attended)s) lớn hơn số được triệu tập (%(invited)s).")
            % {"attended": record.attended, "invited": record.invited}
        )
    held_on, unit = record.held_on, record.unit
    problems += field_problems(Record, {"held_on": held_on})
    if unit.established_on and held_on < unit.established_on:
        problems.append(
            _("Ngày %(date)s trước ngày thành lập đơn vị (%(established)s).")
            % {"date": f"{held_on:%d/%m/%Y}", "established": f"{unit.established_on:%d/%m/%Y}"}
        )
    if unit.dissolved_on and held_on > unit.dissolved_on:
        problems.append(
            _("Ngày %(date)s sau ngày giải thể đơn vị (%(dissolved)s).")
            % {"date": f"{held_on:%d/%m/%Y}", "dissolved": f"{unit.dissolved_on:%d/%m/%Y}"}
        )
    return problems


def _stamp(record: Record, *, user: AbstractBaseUser | None, now: datetime.datetime) -> None:
    """The importer and the workflow timestamps a record of this status would carry."""
    record.created_by = user
    if record.status != Record.Status.DRAFT:
        record.submitted_at = now
    if record.status in (Record.Status.RETURNED, Record.Status.ACCEPTED):
        record.reviewed_at = now
        record.reviewed_by = user
