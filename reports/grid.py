"""The per-unit grid: one row per unit under a node, one cell per indicator of the year.

This module is the grid's only data source: the page, the exports and the JSON's
``"units"`` list all read ``grid_page``/``grid_rows``. Cells, filters and sorts read the
report facts (``conferences.facts.selectors``), so a unit counted as done in a report's
figure is done in its cell; records are read only for what facts do not hold (a draft,
a return). A page costs a fixed number of queries whatever the number of units: the
count, the page of units, one for the page's facts and one for its records. The page
counts its units only up to ``COUNT_INLINE_UP_TO`` (a count reads every unit under the
node: 200,000 index entries at a province's root); past that it says "more than", reads
one row beyond the page to know whether there is a next one, and the exact count is
asked for separately (``grid_count``), so the rows do not wait for it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import product
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conferences.facts import selectors as fact_selectors
from conferences.facts.build import window_q
from conferences.facts.preparing import ensure_current
from conferences.models import ObligationRule, Record
from conferences.obligations import Indicator
from conferences.rules import rules_for_year
from reports import compute
from reports.followup import queries as followup_queries
from units.models import Category, OrgNode, Unit
from units.periods import Period, period_end, tree_for

PAGE_SIZES = (50, 100, 500)
EXPORT_CHUNK = 2000
# A page counts its units itself up to this many (a district's, in a few milliseconds).
COUNT_INLINE_UP_TO = 10_000


class State:
    """What a cell says. ``done`` is refined by ``on_time`` and ``good`` in the cell."""

    DONE = "done"
    SUBMITTED = "submitted"
    DRAFT = "draft"
    RETURNED = "returned"
    MISSING = "missing"
    NOT_EXPECTED = "not_expected"


STATE_LABELS: dict[str, Any] = {
    State.DONE: gettext_lazy("Đã thực hiện"),
    State.SUBMITTED: gettext_lazy("Đã nộp, chờ duyệt"),
    State.DRAFT: gettext_lazy("Bản nháp"),
    State.RETURNED: gettext_lazy("Bị trả lại"),
    State.MISSING: gettext_lazy("Chưa có hồ sơ"),
    State.NOT_EXPECTED: gettext_lazy("Không phải thực hiện"),
}

# Filters on a cell's state: the states above plus the report's own figures.
FILTERS: dict[str, Any] = {
    "not_done": gettext_lazy("Chưa thực hiện (chưa được duyệt)"),
    "done": gettext_lazy("Đã thực hiện"),
    "late": gettext_lazy("Thực hiện trễ hạn"),
    "poor": gettext_lazy("Chưa đạt chất lượng"),
    State.SUBMITTED: STATE_LABELS[State.SUBMITTED],
    State.DRAFT: STATE_LABELS[State.DRAFT],
    State.RETURNED: STATE_LABELS[State.RETURNED],
    State.MISSING: STATE_LABELS[State.MISSING],
    State.NOT_EXPECTED: STATE_LABELS[State.NOT_EXPECTED],
    # Not a cell's state: the unit's follow-up items (reports.followup), whatever the column.
    "overdue_items": gettext_lazy("Có việc quá hạn"),
}
SORTS = ("code", "-code", "name", "-name", "node", "-node", "overdue", "-overdue")


@dataclass(frozen=True)
class GridQuery:
    """What the grid shows: the node and period, the columns (``indicator`` empty for all),
    and the filters; ``state`` applies to ``indicator``, or to any column without one."""

    node: OrgNode
    year: int
    period: str = Period.YEAR
    indicator: str = ""
    category: str = ""
    state: str = ""
    search: str = ""
    sort: str = "code"


@dataclass
class GridCell:
    indicator: str
    state: str
    expected: bool
    done: bool = False
    on_time: bool | None = None
    good: bool | None = None
    assessed: bool = True
    record_id: int | None = None
    record_status: str | None = None
    held_on: datetime.date | None = None
    return_reason: str = ""
    why_not: str = ""
    # The state and its detail in words (on time or late and the quality, why returned
    # or exempt), in the active language: set by ``_cells``, which translates them once a page.
    label: str = ""
    note: str = ""
    # Where the cell leads (the record, or the unit's year page): set by the page's view.
    href: str = ""

    @property
    def late_or_poor(self) -> bool:
        """Done, but late or short of the quality checks (shown in amber)."""
        return self.state == State.DONE and not (self.on_time and self.good)

    @property
    def held_on_text(self) -> str:
        return self.held_on.strftime("%d/%m/%Y") if self.held_on else ""


class _Words:
    """What cells say, translated once for a page instead of once a cell."""

    def __init__(self) -> None:
        self.states = {state: str(label) for state, label in STATE_LABELS.items()}
        self.timing = {True: _("Đúng hạn"), False: _("Trễ hạn")}
        self.quality = {True: _("đạt chất lượng"), False: _("chưa đạt chất lượng")}
        self.unassessed = _("chất lượng chưa đánh giá")
        self.categories = {value: str(label) for value, label in Category.choices}

    def note(self, cell: GridCell) -> str:
        if cell.state == State.DONE:
            quality = self.quality[bool(cell.good)] if cell.assessed else self.unassessed
            return f"{self.timing[bool(cell.on_time)]}; {quality}"
        if cell.state == State.RETURNED:
            return _("Lý do: %(reason)s") % {"reason": cell.return_reason} if cell.return_reason else ""
        if cell.state == State.NOT_EXPECTED:
            return cell.why_not
        return ""

    def worded(self, cell: GridCell) -> GridCell:
        cell.label = self.states[cell.state]
        cell.note = self.note(cell)
        return cell


@dataclass
class GridRow:
    unit_id: int
    code: str
    name: str
    category: str
    node_name: str
    cells: list[GridCell] = field(default_factory=list)
    overdue: int = 0
    category_label: str = ""
    # The unit's page and its year page: set by the page's view.
    href: str = ""
    year_href: str = ""


@dataclass
class GridPage:
    """One page of rows. ``count`` is exact, or None when the filters keep more than
    ``more_than`` units and the page did not count them all (``has_more`` then says
    whether a next page exists)."""

    rows: list[GridRow]
    count: int | None
    indicators: list[tuple[str, str]]
    number: int
    per_page: int
    more_than: int = 0
    has_more: bool = False

    @property
    def num_pages(self) -> int | None:
        return None if self.count is None else max(1, -(-self.count // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        if self.count is None:
            return self.has_more
        return self.number < (self.num_pages or 1)

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)


def _rules(query: GridQuery, known: dict[str, ObligationRule] | None = None) -> dict[str, ObligationRule]:
    """The year's rules of the grid's columns: ``known`` (the year's rules, whose facts the
    caller already made current) or read here."""
    rules = known
    if rules is None:
        rules = rules_for_year(query.year)
        ensure_current(query.year, rules)
    codes = [query.indicator] if query.indicator else list(compute.INDICATORS)
    return {code: rules[code] for code in codes if code in rules}


def records_in_period(rule: ObligationRule, year: int, period: str) -> QuerySet[Record]:
    """Records of the rule's kind, whatever their status, that would count for the period
    once accepted: the window of ``compute``'s qualifying records (tested against it)."""
    return Record.objects.filter(window_q(rule, year, period))


def _state_q(rule: ObligationRule, query: GridQuery, state: str) -> Q:
    """Units whose cell for ``rule`` is in ``state``, as a filter on their facts."""
    fact = partial(fact_selectors.unit_fact, query.year, query.period, rule.indicator)
    if state == State.NOT_EXPECTED:
        return ~Q(fact(expected=True))
    if state in ("done", "late", "poor"):
        extra = {"done": {}, "late": {"on_time": False}, "poor": {"quality": False, "assessed": True}}[state]
        return Q(fact(expected=True, done=True, **extra))
    owing = Q(fact(expected=True, done=False))
    if state == "not_done":
        return owing
    records = records_in_period(rule, query.year, query.period)
    if state == State.MISSING:
        return owing & ~Q(Exists(records.filter(unit=OuterRef("pk"))))
    # The unit's latest record of the period is in that state.
    latest = records.filter(unit=OuterRef(OuterRef("pk"))).order_by("-held_on", "-pk").values("pk")[:1]
    return owing & Q(Exists(Record.objects.filter(pk=Subquery(latest), status=state)))


def filtered_units(query: GridQuery, rules: dict[str, ObligationRule]) -> QuerySet[Unit]:
    """The units of the grid, filtered; annotated with ``hist_node_id`` (their node on the
    period's last day, as in the report)."""
    units = tree_for(query.year, query.period).units_under(query.node).active_in_year(query.year)  # type: ignore[attr-defined]
    if query.category:
        units = units.filter(category=query.category)
    if query.search:
        units = units.filter(Q(code__icontains=query.search) | Q(name__icontains=query.search))
    if query.state == "overdue_items":
        overdue = followup_queries.overdue_in_period(query.year, query.period)
        units = units.filter(Exists(overdue.filter(unit_id=OuterRef("pk"))))
    elif query.state in FILTERS and rules:
        matches = Q(pk__in=[])
        for rule in rules.values():
            matches |= _state_q(rule, query, query.state)
        units = units.filter(matches)
    return units


def _ordered(units: QuerySet[Unit], query: GridQuery, rules: dict[str, ObligationRule]) -> QuerySet[Unit]:
    """Sorted by code, name or node, or by an indicator's column: the units still owing it
    first, then the late, then the done, the units it does not bind last."""
    sort = query.sort
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key in rules:
        rank = fact_selectors.unit_fact_rank(query.year, query.period, key, descending=descending)
        return units.annotate(cell_rank=rank).order_by("cell_rank", "code")
    if key == "overdue":
        overdue = followup_queries.overdue_in_period(query.year, query.period).filter(unit_id=OuterRef("pk"))
        counted = overdue.order_by().values("unit_id").annotate(n=Count("pk")).values("n")
        units = units.annotate(overdue_n=Coalesce(Subquery(counted), 0))
        return units.order_by("overdue_n" if descending else "-overdue_n", "code")
    field_name = {"code": "code", "name": "name", "node": "node_name"}.get(key, "code")
    return units.order_by(f"-{field_name}" if descending else field_name, "code")


def _why_not(row: dict[str, Any], rule: ObligationRule, year: int, period: str, words: _Words) -> str:
    """Why a rule does not bind a unit, in words (the SQL decided that it does not)."""
    if row["category"] not in rule.categories:
        return _("Loại hình %(category)s không thuộc diện") % {
            "category": words.categories.get(row["category"], row["category"])
        }
    if rule.min_employees is not None and row["employees"] < rule.min_employees:
        return _("Dưới %(n)d lao động") % {"n": rule.min_employees}
    if row["established_on"] and row["established_on"] > period_end(year, period):
        return _("Thành lập ngày %(day)s") % {"day": row["established_on"].strftime("%d/%m/%Y")}
    if row["dissolved_on"]:
        return _("Ngừng hoạt động ngày %(day)s") % {"day": row["dissolved_on"].strftime("%d/%m/%Y")}
    return _("Không thuộc diện trong kỳ này")


def _cells(
    rows: list[dict[str, Any]], query: GridQuery, rules: dict[str, ObligationRule], words: _Words
) -> dict[tuple[int, str], GridCell]:
    """The cells of the given units: one query for their facts, one for their records."""
    ids = [row["pk"] for row in rows]
    by_id = {row["pk"]: row for row in rows}
    facts = fact_selectors.unit_cells(ids, query.year, query.period, rules)
    window = Q(pk__in=[])
    for rule in rules.values():
        window |= window_q(rule, query.year, query.period)
    records: dict[int, dict[str, Any]] = {}
    latest: dict[tuple[int, str], dict[str, Any]] = {}
    fields = ("pk", "unit_id", "kind", "status", "held_on", "return_reason")
    # One plain OR of (kind, year) windows on the page's units: the unit-kind-year index serves it.
    found = Record.objects.filter(window, unit_id__in=ids).order_by("unit_id", "kind", "-held_on", "-pk")
    for record in found.values(*fields):
        records[record["pk"]] = record
        latest.setdefault((record["unit_id"], record["kind"]), record)
    cells: dict[tuple[int, str], GridCell] = {}
    for unit_id, (code, rule) in product(ids, rules.items()):
        fact = facts.get((unit_id, code), fact_selectors.NO_FACT)
        if not fact["expected"]:
            why = _why_not(by_id[unit_id], rule, query.year, query.period, words)
            cell = GridCell(code, State.NOT_EXPECTED, expected=False, done=fact["done"], why_not=why)
        elif fact["done"]:
            cell = GridCell(
                code,
                State.DONE,
                expected=True,
                done=True,
                on_time=fact["on_time"],
                good=fact["quality"],
                assessed=fact["assessed"],
                record_id=fact["record_id"],
                record_status=Record.Status.ACCEPTED,
                held_on=records.get(fact["record_id"], {}).get("held_on"),
            )
        elif (last := latest.get((unit_id, rule.kind))) is None:
            cell = GridCell(code, State.MISSING, expected=True)
        else:
            cell = GridCell(
                code,
                last["status"],
                expected=True,
                record_id=last["pk"],
                record_status=last["status"],
                held_on=last["held_on"],
                return_reason=last["return_reason"] if last["status"] == Record.Status.RETURNED else "",
            )
        cells[(unit_id, code)] = words.worded(cell)
    return cells


UNIT_FIELDS = ("pk", "code", "name", "category", "employees", "established_on", "dissolved_on", "node_name")


def _read_rows(
    units: QuerySet[Unit], query: GridQuery, rules: dict[str, ObligationRule], start: int, stop: int
) -> list[GridRow]:
    found = list(_ordered(units, query, rules)[start:stop].values(*UNIT_FIELDS))
    return _rows_of(found, query, rules)


def _rows_of(found: list[dict[str, Any]], query: GridQuery, rules: dict[str, ObligationRule]) -> list[GridRow]:
    words = _Words()
    cells = _cells(found, query, rules, words)
    overdue = followup_queries.overdue_by_unit([row["pk"] for row in found], query.year, query.period)
    return [
        GridRow(
            unit_id=row["pk"],
            code=row["code"],
            name=row["name"],
            category=row["category"],
            node_name=row["node_name"] or "",
            cells=[cells[(row["pk"], code)] for code in rules],
            overdue=overdue.get(row["pk"], 0),
            category_label=words.categories.get(row["category"], row["category"]),
        )
        for row in found
    ]


def _with_node_name(units: QuerySet[Unit]) -> QuerySet[Unit]:
    return units.annotate(node_name=Subquery(OrgNode.objects.filter(pk=OuterRef("hist_node_id")).values("name")[:1]))


def _indicators(rules: dict[str, ObligationRule]) -> list[tuple[str, str]]:
    return [(code, str(Indicator(code).label)) for code in rules]


def grid_page(
    query: GridQuery,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZES[0],
    count_up_to: int | None = None,
    rules: dict[str, ObligationRule] | None = None,
) -> GridPage:
    """One page of the grid with the number of units the filters keep: exact, or, with
    ``count_up_to``, counted only that far (``count`` None past it). ``rules``: the year's
    rules when the caller has read them and made their facts current."""
    rules = _rules(query, rules)
    units = filtered_units(query, rules)
    count: int | None
    if count_up_to is None:
        count = units.count()
    else:
        seen = units.order_by().values("pk")[: count_up_to + 1].count()
        count = seen if seen <= count_up_to else None
    if count is not None:
        number = max(1, min(page, max(1, -(-count // per_page))))
        start = (number - 1) * per_page
        rows = _read_rows(_with_node_name(units), query, rules, start, start + per_page) if count else []
        return GridPage(rows=rows, count=count, indicators=_indicators(rules), number=number, per_page=per_page)
    number = max(1, page)
    start = (number - 1) * per_page
    # One row more than the page: whether a next page exists, without counting.
    found = list(_ordered(_with_node_name(units), query, rules)[start : start + per_page + 1].values(*UNIT_FIELDS))
    if not found and number > 1:
        # Past the end of a long list: the exact count says where the last page is.
        return grid_page(query, page=page, per_page=per_page, rules=rules)
    return GridPage(
        rows=_rows_of(found[:per_page], query, rules),
        count=None,
        indicators=_indicators(rules),
        number=number,
        per_page=per_page,
        more_than=count_up_to or 0,
        has_more=len(found) > per_page,
    )


def grid_count(query: GridQuery, *, up_to: int | None = None) -> int:
    """How many units the filters keep (with ``up_to``: counted no further than one past it)."""
    units = filtered_units(query, _rules(query))
    if up_to is None:
        return units.count()
    return units.order_by().values("pk")[: up_to + 1].count()


def grid_rows(query: GridQuery) -> tuple[list[tuple[str, str]], Iterator[GridRow]]:
    """Every filtered row, in the grid's order, read a chunk at a time (for the exports)."""
    rules = _rules(query)
    units = _with_node_name(filtered_units(query, rules))

    def rows() -> Iterator[GridRow]:
        start = 0
        while True:
            chunk = _read_rows(units, query, rules, start, start + EXPORT_CHUNK)
            yield from chunk
            if len(chunk) < EXPORT_CHUNK:
                return
            start += EXPORT_CHUNK

    return _indicators(rules), rows()


def units_payload(query: GridQuery) -> list[dict[str, Any]]:
    """The JSON's ``"units"`` list: one object per unit × indicator whose rule names the
    unit's category (``expected`` false when it is exempt that period)."""
    rules = _rules(query)
    _columns, rows = grid_rows(query)
    out: list[dict[str, Any]] = []
    for row in rows:
        for cell in row.cells:
            if row.category not in rules[cell.indicator].categories:
                continue
            out.append(
                {
                    "unit_code": row.code,
                    "indicator": cell.indicator,
                    "expected": cell.expected,
                    "done": cell.done,
                    "on_time": cell.on_time if cell.done else None,
                    "record_status": cell.record_status,
                    "held_on": cell.held_on.isoformat() if cell.held_on else None,
                }
            )
    return out
