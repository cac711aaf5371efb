"""Importing the organisation tree: rows → a plan → nodes inserted level by level."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qcdc.validators import field_problems
from units.importing.common import PREVIEW_ROWS, WRITE_BATCH, ImportConflict, load_by_code
from units.importing.tables import Column, FieldChange, ImportResult, PreviewRow, RowError, Table, cell_date
from units.models import OrgNode
from units.paths import MAX_DEPTH

ORG_IMPORT_COLUMNS: tuple[Column, ...] = (
    Column(
        "code", gettext_lazy("Mã"), ("mã", "mã đơn vị"), required=True, help=gettext_lazy("Mã đã có thì cập nhật tên.")
    ),
    Column("name", gettext_lazy("Tên"), ("tên", "tên đơn vị"), required=True),
    Column(
        "parent_code",
        gettext_lazy("Mã cấp trên"),
        ("mã cấp trên",),
        required=True,
        help=gettext_lazy("Để trống cho nút gốc. Cấp trên có thể nằm ở dòng sau."),
    ),
    Column(
        "valid_from",
        gettext_lazy("Hiệu lực từ"),
        ("hiệu lực từ", "ngày hiệu lực", "valid_from"),
        help=gettext_lazy(
            "Không bắt buộc. Nút mới: hoạt động từ ngày này. Nút đã có mà đổi cấp trên: chuyển từ ngày này "
            "(báo cáo các kỳ trước vẫn theo cấp trên cũ)."
        ),
    ),
)
# A path is one fixed-width segment (plus a dot) per level and must fit in 255 characters.


@dataclass
class PlannedNode:
    row: int
    code: str
    name: str
    parent_code: str
    node: OrgNode | None = None  # the node already in the tree, None for a new one
    depth: int = 0
    changes: tuple[FieldChange, ...] = ()
    valid_from: datetime.date | None = None
    move: bool = False  # an existing node that changes parent from ``valid_from``


@dataclass
class OrgImportPlan:
    creates: list[PlannedNode] = field(default_factory=list)
    updates: list[PlannedNode] = field(default_factory=list)
    unchanged: list[PlannedNode] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    existing: dict[str, OrgNode] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def preview(self, limit: int = PREVIEW_ROWS) -> list[PreviewRow]:
        actions = [("create", self.creates), ("update", self.updates), ("unchanged", self.unchanged)]
        rows = [PreviewRow(p.row, p.code, p.name, action, p.changes) for action, ps in actions for p in ps]
        return sorted(rows, key=lambda r: r.row)[:limit]


def plan_org_import(*, table: Table) -> OrgImportPlan:
    """Check the rows: existing codes are renamed, new ones placed under their parent.

    A parent may come later in the file than its children; new nodes are ordered by
    depth, and a chain of parents that loops back is reported on every row in the loop.
    """
    plan = OrgImportPlan(errors=list(table.errors))
    if not table.header_ok:
        return plan
    file_codes = {r.text("code") for r in table.rows}
    plan.existing = existing = load_by_code(
        OrgNode.objects.select_related("parent"), file_codes | {r.text("parent_code") for r in table.rows}
    )
    new: dict[str, PlannedNode] = {}
    first_row: dict[str, int] = {}
    for row in table.readable_rows():
        planned = PlannedNode(row.number, row.text("code"), row.text("name"), row.text("parent_code"))
        problems = _row_problems(planned, first_row)
        try:
            planned.valid_from = cell_date(row.values.get("valid_from"))
            bad_date = False
        except ValueError:
            bad_date = True
            problems.append(
                _("Ngày hiệu lực «%(value)s» không hợp lệ; hãy ghi dd/mm/yyyy hoặc YYYY-MM-DD.")
                % {"value": row.text("valid_from")}
            )
        node = existing.get(planned.code)
        if node is not None:
            if planned.parent_code != (node.parent.code if node.parent else ""):
                planned.move = True
                if not bad_date:
                    problems += _move_problems(planned, node, existing, table, file_codes)
        elif planned.parent_code and planned.parent_code not in existing and planned.parent_code not in file_codes:
            problems.append(_("Không có nút cấp trên mã «%(code)s».") % {"code": planned.parent_code})
        elif (parent := existing.get(planned.parent_code)) is not None and parent.has_ended(
            planned.valid_from or timezone.localdate()
        ):
            problems.append(parent.ended_message())
        plan.errors += [RowError(row.number, message) for message in problems]
        if problems:
            continue
        if node is None:
            new[planned.code] = planned
        elif planned.name != node.name or planned.move:
            planned.node = node
            changes = []
            if planned.name != node.name:
                changes.append(FieldChange(gettext_lazy("Tên"), node.name, planned.name))
            if planned.move:
                assert planned.valid_from is not None
                old_parent = node.parent.code if node.parent else ""
                new_parent = f"{planned.parent_code} ({planned.valid_from:%d/%m/%Y})"
                changes.append(FieldChange(gettext_lazy("Cấp trên (từ ngày)"), old_parent, new_parent))
            planned.changes = tuple(changes)
            plan.updates.append(planned)
        else:
            planned.node = node
            plan.unchanged.append(planned)
    plan.errors += _place(new, existing)
    bad_rows = {e.row for e in plan.errors}
    plan.creates = sorted((p for p in new.values() if p.row not in bad_rows), key=lambda p: p.row)
    plan.errors.sort(key=lambda e: e.row)
    return plan


@transaction.atomic
def org_import(*, plan: OrgImportPlan) -> ImportResult:
    """Rename existing nodes and insert new ones, parents before children.

    Each level is one ``bulk_create`` (with placeholder paths, since a path holds the
    node's own id) and one ``bulk_update`` of the real paths.
    """
    if plan.errors:
        raise ValueError("a plan with errors cannot be imported")
    renamed = []
    for planned in plan.updates:
        assert planned.node is not None
        planned.node.name = planned.name
        renamed.append(planned.node)
    OrgNode.objects.bulk_update(renamed, ["name"], batch_size=WRITE_BATCH)
    moves = [p for p in plan.updates if p.move]
    known = dict(plan.existing)
    levels: dict[int, list[PlannedNode]] = defaultdict(list)
    for planned in plan.creates:
        levels[planned.depth].append(planned)
    try:
        for depth in sorted(levels):
            nodes = [
                OrgNode(
                    code=p.code,
                    name=p.name,
                    parent=known[p.parent_code] if p.parent_code else None,
                    path=f"new-{p.code}",
                    depth=depth,
                    started_on=p.valid_from,
                )
                for p in levels[depth]
            ]
            OrgNode.objects.bulk_create(nodes, batch_size=WRITE_BATCH)
            for node in nodes:
                node.path = OrgNode.path_for(parent_path=node.parent.path if node.parent else "", pk=node.pk)
                known[node.code] = node
            OrgNode.objects.bulk_update(nodes, ["path"], batch_size=WRITE_BATCH)
    except IntegrityError as exc:
        raise ImportConflict from exc
    from units.regrouping import node_move

    for planned in moves:
        assert planned.node is not None and planned.valid_from is not None
        parent = known.get(planned.parent_code) or OrgNode.objects.get(code=planned.parent_code)
        try:
            node_move(node=planned.node, new_parent=parent, effective_on=planned.valid_from, by=None)
        except ValidationError as exc:  # the tree or a close changed since the preview
            raise ImportConflict from exc
    return ImportResult(created=len(plan.creates), updated=len(plan.updates))


def _move_problems(
    planned: PlannedNode, node: OrgNode, existing: dict[str, OrgNode], table: Table, file_codes: set[str]
) -> list[str]:
    """What stops an existing node from moving under the parent the file names."""
    from units.regrouping import check_move

    if not planned.parent_code:
        return [_("Không thể biến một nút đã có thành nút gốc.")]
    if planned.valid_from is None:
        return [_("Đổi cấp trên cần ngày hiệu lực (cột «Hiệu lực từ»), để báo cáo các kỳ trước giữ cấp trên cũ.")]
    if (parent := existing.get(planned.parent_code)) is not None and parent.has_ended(planned.valid_from):
        return [parent.ended_message()]
    parents = {r.text("code"): r.text("parent_code") for r in table.rows}
    code, seen = planned.parent_code, set()
    while code not in existing:  # a parent created by this file: find its nearest existing ancestor
        if code in seen or code not in file_codes:
            return [_("Không có nút cấp trên mã «%(code)s».") % {"code": planned.parent_code}]
        seen.add(code)
        code = parents.get(code, "")
    try:
        check_move(node, existing[code].path, planned.valid_from)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def _row_problems(planned: PlannedNode, first_row: dict[str, int]) -> list[str]:
    problems = []
    if not planned.code:
        problems.append(_("Thiếu mã."))
    elif len(planned.code) > 32:
        problems.append(_("Mã dài quá %(n)s ký tự.") % {"n": 32})
    elif planned.code in first_row:
        problems.append(
            _("Mã «%(code)s» trùng với dòng %(row)s.") % {"code": planned.code, "row": first_row[planned.code]}
        )
    else:
        first_row[planned.code] = planned.row
    if not planned.name:
        problems.append(_("Thiếu tên."))
    elif len(planned.name) > 255:
        problems.append(_("Tên dài quá %(n)s ký tự.") % {"n": 255})
    if planned.code and planned.parent_code == planned.code:
        problems.append(_("Một nút không thể là cấp trên của chính nó."))
    problems += field_problems(OrgNode, {"code": planned.code, "name": planned.name})
    return problems


def _place(new: dict[str, PlannedNode], existing: dict[str, OrgNode]) -> list[RowError]:
    """Give each new node its depth by walking up to a root or an existing node.

    Walks are iterative (a file can hold a very long chain) and remember what they
    learnt, so every node is visited a bounded number of times.
    """
    depth: dict[str, int] = {}
    blocked: set[str] = set()  # in a loop, or under a row that has its own error
    errors: list[RowError] = []
    for start in new:
        chain: list[str] = []
        code = start
        base: int | None
        while True:
            if code in depth:
                base = depth[code]
                break
            planned = new.get(code)
            if planned is None or code in blocked:
                node = None if code in blocked else existing.get(code)
                base = node.depth if node is not None else None
                break
            if code in chain:
                loop = chain[chain.index(code) :]
                text = " → ".join([*loop, code])
                errors += [RowError(new[c].row, _("Vòng lặp cấp trên: %(chain)s.") % {"chain": text}) for c in loop]
                blocked.update(loop)
                base = None
                break
            chain.append(code)
            if not planned.parent_code:
                base = -1
                break
            code = planned.parent_code
        for offset, code_below in enumerate(reversed(chain), start=1):
            if base is None:
                blocked.add(code_below)
                continue
            depth[code_below] = new[code_below].depth = base + offset
            if base + offset > MAX_DEPTH:
                errors.append(
                    RowError(
                        new[code_below].row,
                        _("Cây quá sâu: tối đa %(n)s cấp dưới nút gốc.") % {"n": MAX_DEPTH},
                    )
                )
    return errors
