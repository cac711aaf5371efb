"""The grid's pages, its count, every row for the exports, and the JSON's units list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conferences.models import ObligationRule
from conferences.obligations import Indicator
from reports.grid.cells import UNIT_FIELDS, read_rows, rows_of
from reports.grid.types import EXPORT_CHUNK, PAGE_SIZES, GridPage, GridQuery, GridRow
from reports.grid.units import filtered_units, grid_rules, ordered, with_node_name


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
    rules = grid_rules(query, rules)
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
        rows = read_rows(with_node_name(units), query, rules, start, start + per_page) if count else []
        return GridPage(rows=rows, count=count, indicators=_indicators(rules), number=number, per_page=per_page)
    number = max(1, page)
    start = (number - 1) * per_page
    # One row more than the page: whether a next page exists, without counting.
    found = list(ordered(with_node_name(units), query, rules)[start : start + per_page + 1].values(*UNIT_FIELDS))
    if not found and number > 1:
        # Past the end of a long list: the exact count says where the last page is.
        return grid_page(query, page=page, per_page=per_page, rules=rules)
    return GridPage(
        rows=rows_of(found[:per_page], query, rules),
        count=None,
        indicators=_indicators(rules),
        number=number,
        per_page=per_page,
        more_than=count_up_to or 0,
        has_more=len(found) > per_page,
    )


def grid_count(query: GridQuery, *, up_to: int | None = None) -> int:
    """How many units the filters keep (with ``up_to``: counted no further than one past it)."""
    units = filtered_units(query, grid_rules(query))
    if up_to is None:
        return units.count()
    return units.order_by().values("pk")[: up_to + 1].count()


def grid_rows(query: GridQuery) -> tuple[list[tuple[str, str]], Iterator[GridRow]]:
    """Every filtered row, in the grid's order, read a chunk at a time (for the exports)."""
    rules = grid_rules(query)
    units = with_node_name(filtered_units(query, rules))

    def rows() -> Iterator[GridRow]:
        start = 0
        while True:
            chunk = read_rows(units, query, rules, start, start + EXPORT_CHUNK)
            yield from chunk
            if len(chunk) < EXPORT_CHUNK:
                return
            start += EXPORT_CHUNK

    return _indicators(rules), rows()


def units_payload(query: GridQuery) -> list[dict[str, Any]]:
    """The JSON's ``"units"`` list: one object per unit × indicator whose rule names the
    unit's category then (``expected`` false when it is exempt that period)."""
    rules = grid_rules(query)
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
