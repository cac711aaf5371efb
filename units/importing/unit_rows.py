"""Importing units: rows → a plan (creates, updates, errors) → one bulk write."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from qcdc.validators import field_problems
from units import categories
from units.chairs import ChairAccountsPlan, plan_chair_accounts
from units.importing.common import (
    IN_CHUNK,
    PREVIEW_ROWS,
    WRITE_BATCH,
    ImportConflict,
    history_user,
    load_by_code,
    path_checker,
)
from units.importing.tables import (
    FieldChange,
    ImportResult,
    PreviewRow,
    RowError,
    SheetRow,
    Table,
    cell_count,
    cell_date,
    read_count,
)
from units.importing.unit_columns import COUNTS, DATES, LABELS, TEXT_LIMITS
from units.models import Category, OrgNode, Unit, UnitTransfer
from units.periods import work_year_refusals
from units.signals import announce

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

CHANGE_REASON = "import"


@dataclass
class PlannedUnit:
    row: int
    unit: Unit
    version: int = 0  # the version read while planning; the write refuses if it moved
    changes: tuple[FieldChange, ...] = ()


@dataclass
class UnitImportPlan:
    creates: list[PlannedUnit] = field(default_factory=list)
    updates: list[PlannedUnit] = field(default_factory=list)
    unchanged: list[PlannedUnit] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    changed_fields: set[str] = field(default_factory=set)
    # Units whose federation changes: a transfer from today, with the node they leave. No
    # closed period can end on or after today, so no close is in the way.
    moves: list[tuple[PlannedUnit, OrgNode]] = field(default_factory=list)
    # Units whose category changes, from the row's ``category_effective_on`` (or today),
    # checked by ``units.categories``; keyed by row number.
    category_changes: list[categories.Change] = field(default_factory=list)
    # Chair accounts the import creates (unless the importer unticks it).
    accounts: ChairAccountsPlan = field(default_factory=ChairAccountsPlan)
    create_accounts: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors

    def preview(self, limit: int = PREVIEW_ROWS) -> list[PreviewRow]:
        actions = [("create", self.creates), ("update", self.updates), ("unchanged", self.unchanged)]
        rows = [PreviewRow(p.row, p.unit.code, p.unit.name, action, p.changes) for action, ps in actions for p in ps]
        return sorted(rows, key=lambda r: r.row)[:limit]


def plan_units_import(*, table: Table, by: AbstractBaseUser | AnonymousUser | None) -> UnitImportPlan:
    """Check every row against the database and ``by``'s subtree; write nothing.

    A fixed number of queries whatever the size of the file: the scope, the federations, the
    units already there, the chairs' roles and accounts (each IN-list cut in chunks of
    5,000), and the records a new work-year month would move into or out of a closed
    period (``units.periods.work_year_refusals``: every such row is named).
    """
    plan = UnitImportPlan(errors=list(table.errors))
    if not table.header_ok:
        return plan  # without the right header the rows cannot be read
    allowed = path_checker(by)
    nodes = load_by_code(OrgNode.objects.all(), (r.text("federation_code") for r in table.rows))
    existing = load_by_code(Unit.objects.select_related("node"), (r.text("code") for r in table.rows))
    categories_by_name = _category_lookup()
    today = timezone.localdate()
    first_row: dict[str, int] = {}
    new_months: dict[int, PlannedUnit] = {}  # units whose work year would start in another month
    for row in table.readable_rows():
        problems: list[str] = []
        values = _parse(
            row, table.columns, nodes=nodes, categories=categories_by_name, allowed=allowed, problems=problems
        )
        code = values["code"]
        if code in first_row:
            problems.append(_("Mã đơn vị «%(code)s» trùng với dòng %(row)s.") % {"code": code, "row": first_row[code]})
        elif code:
            first_row[code] = row.number
        unit = existing.get(code)
        if unit is not None and not allowed(unit.node.path):
            # Not "outside your scope": nothing about the unit that holds the code.
            problems.append(_("Mã đơn vị «%(code)s» không dùng được; hãy chọn mã khác.") % {"code": code})
        old_node = unit.node if unit is not None else None
        old_month = unit.work_year_start_month if unit is not None else None
        day = _effective_day(row, table.columns, problems)
        recategorised = None
        if not problems and unit is not None and values["category"] != unit.category:
            # Read before the merge changes the unit: the change starts from it as stored.
            recategorised = categories.Change.of(unit, values["category"], day or today, key=row.number)
        planned = None if problems else _merge(row.number, unit, values)
        if planned is not None:
            problems += _consistency(planned.unit)
        if problems or planned is None:
            plan.errors += [RowError(row.number, message) for message in problems]
            continue
        if unit is None:
            plan.creates.append(planned)
        elif planned.changes:
            plan.updates.append(planned)
            plan.changed_fields.update(name for name in values if name != "code")
            if old_node is not None and planned.unit.node_id != old_node.pk:
                plan.moves.append((planned, old_node))
            if planned.unit.work_year_start_month != old_month:
                new_months[planned.unit.pk] = planned
            if recategorised is not None:
                plan.category_changes.append(recategorised)
                shown = FieldChange(LABELS["category_effective_on"], None, recategorised.effective_on)
                planned.changes = (*planned.changes, shown)
        else:
            plan.unchanged.append(planned)
    refused = work_year_refusals({pk: p.unit.work_year_start_month for pk, p in new_months.items()})
    plan.errors += [RowError(new_months[pk].row, why) for pk, why in refused.items()]
    # The rules of a category change, for every changing row at once (one query per rule).
    refused = categories.change_problems(plan.category_changes)
    plan.errors += [RowError(number, message) for number, message in refused.items()]
    plan.errors.sort(key=lambda e: e.row)
    if plan.ok:
        plan.accounts = plan_chair_accounts(p.unit for p in [*plan.creates, *plan.updates, *plan.unchanged])
    return plan


@transaction.atomic
def units_import(*, plan: UnitImportPlan, by: AbstractBaseUser | AnonymousUser | None) -> ImportResult:
    """Write a checked plan in bulk, with one history row per unit created or changed.

    Raises ``ImportConflict`` (and writes nothing) when a unit was saved or a code was
    taken since the plan was made: an edit in the browser must not be overwritten.
    """
    if plan.errors:
        raise ValueError("a plan with errors cannot be imported")
    user = history_user(by)
    _check_versions(plan.updates)
    placed = {p.unit.node_id for p in plan.creates} | {p.unit.node_id for p, _old in plan.moves}
    if OrgNode.objects.filter(pk__in=placed, ended_on__lte=timezone.localdate()).exists():
        raise ImportConflict  # a node was merged away since the plan was checked
    now = timezone.now()
    for planned in plan.updates:
        planned.unit.version = planned.version + 1
        planned.unit.updated_at = now
    try:
        if plan.creates:
            bulk_create_with_history(
                [p.unit for p in plan.creates],
                Unit,
                batch_size=WRITE_BATCH,
                default_user=user,
                default_change_reason=CHANGE_REASON,
            )
        if plan.updates:
            bulk_update_with_history(
                [p.unit for p in plan.updates],
                Unit,
                fields=sorted(plan.changed_fields | {"version", "updated_at"}),
                batch_size=WRITE_BATCH,
                default_user=user,
                default_change_reason=CHANGE_REASON,
            )
    except IntegrityError as exc:
        raise ImportConflict from exc
    UnitTransfer.objects.bulk_create(
        (
            UnitTransfer(
                unit=planned.unit,
                from_node=old,
                to_node=planned.unit.node,
                effective_on=timezone.localdate(),
                created_by=user,
            )
            for planned, old in plan.moves
        ),
        batch_size=WRITE_BATCH,
    )
    categories.record_changes(plan.category_changes, by=by)
    # Bulk writes send no post_save: announce the imported units, a chunk of ids at a time,
    # the updated ones with the fields the import changed.
    for planned, fields in ((plan.creates, None), (plan.updates, plan.changed_fields)):
        ids = sorted(p.unit.pk for p in planned)
        for start in range(0, len(ids), IN_CHUNK):
            announce(Unit.objects.filter(pk__in=ids[start : start + IN_CHUNK]), fields=fields)
    from units.onboarding import chair_accounts_create

    accounts = chair_accounts_create(plan=plan.accounts, by=by) if plan.create_accounts else 0
    return ImportResult(created=len(plan.creates), updated=len(plan.updates), accounts=accounts)


def _check_versions(updates: list[PlannedUnit]) -> None:
    read = {p.unit.pk: p.version for p in updates}
    ids = sorted(read)
    current: dict[int, int] = {}
    for start in range(0, len(ids), IN_CHUNK):
        rows = Unit.objects.select_for_update().filter(pk__in=ids[start : start + IN_CHUNK])
        current.update(rows.values_list("pk", "version"))
    if current != read:
        raise ImportConflict


def _category_lookup() -> dict[str, str]:
    """Machine values and the Vietnamese labels (the msgids, whatever the active language)."""
    lookup = {value: value for value in Category.values}
    with translation.override(None):
        lookup.update({str(label).lower(): value for value, label in Category.choices})
    return lookup


def _parse(
    row: SheetRow,
    columns: tuple[str, ...],
    *,
    nodes: dict[str, OrgNode],
    categories: dict[str, str],
    allowed: Callable[[str], bool],
    problems: list[str],
) -> dict[str, Any]:
    """The row's values under model field names, for the columns the file has."""
    values: dict[str, Any] = {}
    for name in ("code", "name", "chair_name", "chair_email", "chair_phone", "address"):
        if name in columns:
            values[name] = text = row.text(name)
            if len(text) > TEXT_LIMITS[name]:
                problems.append(_("%(label)s dài quá %(n)s ký tự.") % {"label": LABELS[name], "n": TEXT_LIMITS[name]})
    if not values["code"]:
        problems.append(_("Thiếu mã đơn vị."))
    if not values["name"]:
        problems.append(_("Thiếu tên đơn vị."))
    if values.get("chair_email"):
        try:
            validate_email(values["chair_email"])
        except ValidationError:
            problems.append(_("Email chủ tịch «%(value)s» không hợp lệ.") % {"value": values["chair_email"]})
    if values.get("chair_phone") and not re.fullmatch(r"\+?[0-9 .()-]{8,20}", values["chair_phone"]):
        problems.append(_("Điện thoại chủ tịch «%(value)s» không hợp lệ.") % {"value": values["chair_phone"]})

    category = row.text("category")
    values["category"] = categories.get(category.lower())
    if not category:
        problems.append(_("Thiếu loại hình."))
    elif values["category"] is None:
        problems.append(_("Loại hình «%(value)s» không hợp lệ.") % {"value": category})

    federation = row.text("federation_code")
    values["node"] = node = nodes.get(federation)
    if not federation:
        problems.append(_("Thiếu mã công đoàn cấp trên."))
    elif node is None:
        problems.append(_("Không có công đoàn cấp trên mã «%(code)s».") % {"code": federation})
    elif not allowed(node.path):
        problems.append(_("Công đoàn cấp trên «%(code)s» ngoài phạm vi bạn quản lý.") % {"code": federation})
    elif node.has_ended(timezone.localdate()):
        problems.append(node.ended_message())

    for name in COUNTS:
        if name in columns:
            values[name] = read_count(row, name, label=LABELS[name], problems=problems)
    for name in DATES:
        if name in columns:
            try:
                values[name] = cell_date(row.values[name])
            except ValueError:
                problems.append(
                    _("%(label)s «%(value)s» không hợp lệ; hãy ghi dd/mm/yyyy hoặc YYYY-MM-DD.")
                    % {"label": LABELS[name], "value": row.text(name)}
                )
    if "work_year_start_month" in columns:
        values["work_year_start_month"] = month = _month(row)
        if month is None:
            problems.append(
                _("%(label)s phải là số từ 1 đến 12 (đang là «%(value)s»).")
                % {"label": LABELS["work_year_start_month"], "value": row.text("work_year_start_month")}
            )
    # The model's own validators: one line of text, dates in range (as in the form).
    checked = ("code", "name", "chair_name", "address", *DATES)
    problems += field_problems(Unit, {name: values[name] for name in checked if name in values})
    return values


def _effective_day(row: SheetRow, columns: tuple[str, ...], problems: list[str]) -> datetime.date | None:
    """The day a changed category applies from (None: blank, or no such column)."""
    if "category_effective_on" not in columns:
        return None
    try:
        return cell_date(row.values["category_effective_on"])
    except ValueError:
        problems.append(
            _("%(label)s «%(value)s» không hợp lệ; hãy ghi dd/mm/yyyy hoặc YYYY-MM-DD.")
            % {"label": LABELS["category_effective_on"], "value": row.text("category_effective_on")}
        )
        return None


def _month(row: SheetRow) -> int | None:
    """The work year's first month (1 when blank), None when not a month."""
    if not row.text("work_year_start_month"):
        return 1
    try:
        month = cell_count(row.values["work_year_start_month"])
    except ValueError:
        return None
    return month if 1 <= month <= 12 else None


def _merge(number: int, unit: Unit | None, values: dict[str, Any]) -> PlannedUnit:
    """A new unit with defaults, or the existing one with the file's values and what changed."""
    if unit is None:
        return PlannedUnit(number, Unit(**values))
    changes: list[FieldChange] = []
    for name, new in values.items():
        old = getattr(unit, name)
        if old != new:
            changes.append(FieldChange(LABELS[name], _shown(old), _shown(new)))
            setattr(unit, name, new)
    return PlannedUnit(number, unit, unit.version, tuple(changes))


def _shown(value: Any) -> Any:
    if isinstance(value, OrgNode):
        return value.code
    if value in Category.values:
        return Category(value).label
    return None if value == "" else value


def _consistency(unit: Unit) -> list[str]:
    """Rules across fields, on the values the unit will have after the import."""
    problems = []
    if unit.union_members > unit.employees:
        problems.append(
            _("Số đoàn viên (%(members)s) lớn hơn số lao động (%(employees)s).")
            % {"members": unit.union_members, "employees": unit.employees}
        )
    if unit.established_on and unit.dissolved_on and unit.dissolved_on < unit.established_on:
        problems.append(_("Ngày giải thể trước ngày thành lập."))
    return problems
