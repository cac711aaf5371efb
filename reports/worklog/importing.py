"""Importing a work log from CSV or XLSX: all rows or none, with row numbers.

The plumbing of the other imports (``units.importing``): the file is read into numbered
rows, every row is checked without writing, and the whole file is written in one
transaction only when no row has an error. Queries do not grow with the file: the
scope, the nodes and units named (per 5,000 codes), and the closes that hold days.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conferences.importing import choice_lookup
from qcdc.validators import field_problems
from reports.worklog.models import WorkKind, WorkLogEntry
from units.audit import audit_record
from units.importing.common import WRITE_BATCH, history_user, load_by_code, path_checker
from units.importing.tables import Column, RowError, SheetRow, cell_date, read_count, read_table
from units.importing.uploads import MAX_UPLOAD_ROWS, Upload
from units.models import AuditLog, OrgNode, Unit
from units.periods import PeriodClose, periods_covering

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

WORKLOG_COLUMNS: tuple[Column, ...] = (
    Column("node_code", gettext_lazy("Mã cấp công đoàn"), ("mã cấp công đoàn",), required=True),
    Column("kind", gettext_lazy("Loại hoạt động"), ("loại hoạt động", "loại"), required=True),
    Column("date", gettext_lazy("Ngày"), ("ngày",), required=True),
    Column("title", gettext_lazy("Tên, trích yếu"), ("tên, trích yếu", "tên"), required=True),
    Column("reference", gettext_lazy("Số văn bản"), ("số văn bản",)),
    Column("participants", gettext_lazy("Số người tham gia"), ("số người tham gia",)),
    Column("unit_codes", gettext_lazy("Mã đơn vị"), ("mã đơn vị",), help=gettext_lazy("Cách nhau bởi dấu «;».")),
    Column("findings", gettext_lazy("Kết quả, phát hiện"), ("kết quả, phát hiện",)),
    Column("follow_up", gettext_lazy("Kiến nghị, theo dõi sau"), ("kiến nghị, theo dõi sau",)),
    Column("collectives", gettext_lazy("Số tập thể được khen"), ("số tập thể được khen",)),
    Column("individuals", gettext_lazy("Số cá nhân được khen"), ("số cá nhân được khen",)),
    Column("notes", gettext_lazy("Ghi chú"), ("ghi chú",)),
)
WORKLOG_EXAMPLE = (
    "node_code,kind,date,title,reference,participants,unit_codes,findings,follow_up,collectives,individuals,notes\n"
    "X,training,12/04/2024,Tập huấn QCDC cho chủ tịch CĐCS,,85,,,,,,\n"
    "X,inspection,2024-09-20,Kiểm tra việc tổ chức Hội nghị NLĐ,,,A001;A002,Hội nghị còn hình thức,Tổ chức lại,,,\n"
)
COUNTS = ("participants", "collectives", "individuals")
TEXTS = ("reference", "findings", "follow_up", "notes")


@dataclass
class WorkLogPlan:
    entries: list[tuple[int, WorkLogEntry, list[Unit]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def plan_worklog_upload(*, upload: Upload, by: AbstractBaseUser | AnonymousUser) -> WorkLogPlan:
    """Read an uploaded file and check every row; write nothing."""
    table = read_table(data=upload.data, suffix=upload.suffix, columns=WORKLOG_COLUMNS, max_rows=MAX_UPLOAD_ROWS)
    plan = WorkLogPlan(errors=list(table.errors))
    if not table.header_ok:
        return plan
    allowed = path_checker(by)
    nodes = load_by_code(OrgNode.objects.all(), (r.text("node_code") for r in table.rows))
    units = load_by_code(
        Unit.objects.select_related("node"),
        (code for r in table.rows for code in _codes(r)),
    )
    holding = list(
        PeriodClose.objects.filter(status__in=PeriodClose.HOLDING).values_list("node__path", "year", "period")
    )
    kinds = choice_lookup(WorkKind)
    for row in table.readable_rows():
        problems: list[str] = []
        entry = _parse(row, nodes=nodes, kinds=kinds, allowed=allowed, problems=problems)
        row_units = _units(row, entry.node if entry else None, units, problems)
        if entry is not None and _held(entry, holding):
            problems.append(_("Kỳ báo cáo chứa ngày %(date)s đã chốt số liệu.") % {"date": f"{entry.held_on:%d/%m/%Y}"})
        if entry is None or problems:
            plan.errors += [RowError(row.number, message) for message in problems]
            continue
        plan.entries.append((row.number, entry, row_units))
    plan.errors.sort(key=lambda e: e.row)
    return plan


@transaction.atomic
def worklog_import(*, plan: WorkLogPlan, by: AbstractBaseUser | AnonymousUser, file_name: str) -> int:
    """Write a plan without errors in bulk, with one audit entry per node naming the file."""
    if plan.errors:
        raise ValueError("a plan with errors cannot be imported")
    user = history_user(by)
    entries = [entry for _row, entry, _units in plan.entries]
    for entry in entries:
        entry.created_by = user
    WorkLogEntry.objects.bulk_create(entries, batch_size=WRITE_BATCH)
    through = WorkLogEntry.units.through
    through.objects.bulk_create(
        [through(worklogentry_id=entry.pk, unit_id=unit.pk) for _row, entry, units in plan.entries for unit in units],
        batch_size=WRITE_BATCH,
    )
    per_node: dict[int, tuple[OrgNode, int]] = {}
    for entry in entries:
        node, count = per_node.get(entry.node_id, (entry.node, 0))
        per_node[entry.node_id] = (node, count + 1)
    for node, count in per_node.values():
        audit_record(
            by=by,
            action=AuditLog.Action.WORK_IMPORTED,
            target=node,
            before=None,
            after={"file": file_name, "entries": count},
            node=node,
        )
    return len(entries)


def _codes(row: SheetRow) -> list[str]:
    return [code.strip() for code in row.text("unit_codes").split(";") if code.strip()]


def _held(entry: WorkLogEntry, holding: list[tuple[str, int, str]]) -> bool:
    periods = periods_covering(entry.held_on)
    return any(
        entry.node.path.startswith(path) and year == entry.held_on.year and period in periods
        for path, year, period in holding
    )


def _units(row: SheetRow, node: OrgNode | None, units: dict[str, Unit], problems: list[str]) -> list[Unit]:
    found = []
    for code in _codes(row):
        unit = units.get(code)
        if unit is None or node is None or not unit.node.path.startswith(node.path):
            problems.append(_("Không có đơn vị mã «%(code)s» thuộc cấp công đoàn này.") % {"code": code})
        else:
            found.append(unit)
    return found


def _parse(
    row: SheetRow, *, nodes: dict[str, OrgNode], kinds: dict[str, str], allowed: object, problems: list[str]
) -> WorkLogEntry | None:
    code = row.text("node_code")
    node = nodes.get(code)
    if not code:
        problems.append(_("Thiếu mã cấp công đoàn."))
    elif node is None or not allowed(node.path):  # type: ignore[operator]
        problems.append(_("Không có cấp công đoàn mã «%(code)s» trong phạm vi bạn quản lý.") % {"code": code})
        node = None
    kind_text = row.text("kind")
    kind = kinds.get(kind_text.lower())
    if kind is None:
        problems.append(_("Loại hoạt động «%(value)s» không hợp lệ.") % {"value": kind_text})
    held_on: datetime.date | None = None
    try:
        held_on = cell_date(row.values["date"])
    except ValueError:
        problems.append(
            _("Ngày «%(value)s» không hợp lệ; hãy ghi dd/mm/yyyy hoặc YYYY-MM-DD.") % {"value": row.text("date")}
        )
    else:
        if held_on is None:
            problems.append(_("Thiếu ngày."))
        else:
            problems += field_problems(WorkLogEntry, {"held_on": held_on})
    title = row.text("title")
    if not title:
        problems.append(_("Thiếu tên, trích yếu."))
    problems += field_problems(WorkLogEntry, {"title": title, "reference": row.text("reference")})
    labels = {c.name: c.label for c in WORKLOG_COLUMNS}
    counts = {
        name: read_count(row, name, label=labels[name], problems=problems) if row.text(name) else None
        for name in COUNTS
    }
    if problems or node is None or kind is None or held_on is None:
        return None
    return WorkLogEntry(
        node=node,
        kind=kind,
        held_on=held_on,
        year=held_on.year,  # bulk_create skips save(), which sets it
        title=title[:255],
        **{name: row.text(name) for name in TEXTS},
        **counts,
    )
