"""A page's rows and cells: one query for the page's facts, one for its records, one for
its follow-up items, whatever the number of rows."""

from __future__ import annotations

from itertools import product
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from conferences.facts import selectors as fact_selectors
from conferences.facts.build import window_q
from conferences.models import ObligationRule, Record
from reports.followup import queries as followup_queries
from reports.grid.types import GridCell, GridQuery, GridRow, State, Words
from reports.grid.units import ordered
from units.models import Unit
from units.periods import period_end


def _why_not(row: dict[str, Any], rule: ObligationRule, year: int, period: str, words: Words) -> str:
    """Why a rule does not bind a unit, in words (the SQL decided that it does not)."""
    if row["hist_category"] not in rule.categories:
        return _("Loại hình %(category)s không thuộc diện") % {
            "category": words.categories.get(row["hist_category"], row["hist_category"])
        }
    if rule.min_employees is not None and row["employees"] < rule.min_employees:
        return _("Dưới %(n)d lao động") % {"n": rule.min_employees}
    if row["established_on"] and row["established_on"] > period_end(year, period):
        return _("Thành lập ngày %(day)s") % {"day": row["established_on"].strftime("%d/%m/%Y")}
    if row["dissolved_on"]:
        return _("Ngừng hoạt động ngày %(day)s") % {"day": row["dissolved_on"].strftime("%d/%m/%Y")}
    return _("Không thuộc diện trong kỳ này")


def cells_of(
    rows: list[dict[str, Any]], query: GridQuery, rules: dict[str, ObligationRule], words: Words
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


# ``hist_category``: the category on the period's last day, which decided what the unit owed.
UNIT_FIELDS = ("pk", "code", "name", "hist_category", "employees", "established_on", "dissolved_on", "node_name")


def read_rows(
    units: QuerySet[Unit], query: GridQuery, rules: dict[str, ObligationRule], start: int, stop: int
) -> list[GridRow]:
    found = list(ordered(units, query, rules)[start:stop].values(*UNIT_FIELDS))
    return rows_of(found, query, rules)


def rows_of(found: list[dict[str, Any]], query: GridQuery, rules: dict[str, ObligationRule]) -> list[GridRow]:
    words = Words()
    cells = cells_of(found, query, rules, words)
    overdue = followup_queries.overdue_by_unit([row["pk"] for row in found], query.year, query.period)
    return [
        GridRow(
            unit_id=row["pk"],
            code=row["code"],
            name=row["name"],
            category=row["hist_category"],
            node_name=row["node_name"] or "",
            cells=[cells[(row["pk"], code)] for code in rules],
            overdue=overdue.get(row["pk"], 0),
            category_label=words.categories.get(row["hist_category"], row["hist_category"]),
        )
        for row in found
    ]
