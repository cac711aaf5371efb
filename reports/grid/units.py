"""Which units the grid shows and in what order: filters and sorts read the report facts."""

from __future__ import annotations

from functools import partial

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from conferences.facts import selectors as fact_selectors
from conferences.facts.build import window_q
from conferences.facts.preparing import ensure_current
from conferences.models import ObligationRule, Record
from conferences.rules import rules_for_year
from reports import compute
from reports.followup import queries as followup_queries
from reports.grid.types import FILTERS, GridQuery, State
from units.models import OrgNode, Unit
from units.periods import tree_for


def grid_rules(query: GridQuery, known: dict[str, ObligationRule] | None = None) -> dict[str, ObligationRule]:
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
    """The units of the grid, filtered; annotated with ``hist_node_id`` and ``hist_category``
    (their node and category on the period's last day, as in the report)."""
    units = tree_for(query.year, query.period).units_under(query.node).active_in_year(query.year)  # type: ignore[attr-defined]
    if query.category:
        units = units.filter(hist_category=query.category)
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


def ordered(units: QuerySet[Unit], query: GridQuery, rules: dict[str, ObligationRule]) -> QuerySet[Unit]:
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


def with_node_name(units: QuerySet[Unit]) -> QuerySet[Unit]:
    return units.annotate(node_name=Subquery(OrgNode.objects.filter(pk=OuterRef("hist_node_id")).values("name")[:1]))
