"""What the grid is made of: the query, its cells, rows and pages, and the words cells say."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from units.models import Category, OrgNode
from units.periods import Period

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


class Words:
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
    category: str  # on the period's last day (``TreeAsOf.units_under``'s ``hist_category``)
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
