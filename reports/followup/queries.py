"""Which follow-up items a report counts, and in which bucket each falls.

**The items of a period** are those raised by the accepted conferences and dialogues held
in it (from 1 January to the period's last day), placed, like every other figure, under
the node that held their unit on the period's last day (read off the unit's report facts)
and counted under the indicator of the record's kind: conferences under their own,
every dialogue (periodic, on request, on an event) under the workplace dialogue.

**As of** the report's date, ``as_of``: the period's last day for a past period, today for
the running one. Each item falls in exactly one bucket, tested in this order:

- ``dropped``: dropped with a reason (the app keeps no date of dropping, so a drop counts
  whenever it was recorded);
- ``done_on_time``: done on or before ``as_of``, and by its due date (or with none);
- ``done_late``: done on or before ``as_of``, after its due date;
- ``overdue``: not done by ``as_of`` (still open, or done only later) and due before it;
- ``open``: the rest, still within its due date (or with none).

"Agreed" is every item; the rate done on time is ``done_on_time`` over agreed. A closed
version stores each item's bucket as of the period's last day (``FollowUpSnapshotRow``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.db.models import Case, CharField, Count, F, Min, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Collate
from django.utils import timezone

from conferences.facts.selectors import Scope, facts_in
from conferences.followup.models import FollowUpItem
from conferences.models import Fact, Record
from conferences.obligations import CONFERENCE_KINDS, DIALOGUE_KINDS, Indicator
from units.models import OrgNode
from units.periods import period_end

BUCKETS: tuple[str, ...] = ("done_on_time", "done_late", "overdue", "dropped")
OPEN = "open"
# The figures of a row, in the order the page and files show them.
FIGURES: tuple[str, ...] = ("agreed", *BUCKETS)
# What an explanation list holds, one line per item (the same columns from either source).
COLUMNS: tuple[str, ...] = (
    "item_ref",
    "unit_ref",
    "unit_code",
    "unit_name",
    "node_name",
    "item_indicator",
    "item_bucket",
    "item_text",
    "item_due",
    "item_done",
    "record_ref",
)


def as_of(year: int, period: str, today: datetime.date | None = None) -> datetime.date:
    """The date a report's follow-up figures are counted at: the period's last day, or
    today while the period runs."""
    return min(period_end(year, period), today or timezone.localdate())


def indicator_of_kind() -> Case:
    dialogue = Indicator.DIALOGUE_PERIODIC.value
    whens = [When(record__kind=kind, then=Value(str(kind))) for kind in CONFERENCE_KINDS]
    whens.append(When(record__kind__in=list(DIALOGUE_KINDS), then=Value(dialogue)))
    return Case(*whens, output_field=CharField())


def bucket(day: datetime.date) -> Case:
    """The item's bucket as of ``day`` (see the module's docstring)."""
    done_by = Q(state=FollowUpItem.State.DONE, done_on__lte=day)
    return Case(
        When(state=FollowUpItem.State.DROPPED, then=Value("dropped")),
        When(done_by & (Q(due_on__isnull=True) | Q(done_on__lte=F("due_on"))), then=Value("done_on_time")),
        When(done_by, then=Value("done_late")),
        When(due_on__lt=day, then=Value("overdue")),
        default=Value(OPEN),
        output_field=CharField(),
    )


def agreed_items() -> QuerySet[FollowUpItem]:
    """Items raised by accepted conferences and dialogues: what a unit is held to."""
    return FollowUpItem.objects.filter(
        record__status=Record.Status.ACCEPTED, record__kind__in=list(CONFERENCE_KINDS | DIALOGUE_KINDS)
    )


def items_in_period(year: int, period: str) -> QuerySet[FollowUpItem]:
    """Items raised by the accepted conferences and dialogues held in the period."""
    return agreed_items().filter(record__held_on__range=(datetime.date(year, 1, 1), period_end(year, period)))


def overdue_items(day: datetime.date) -> QuerySet[FollowUpItem]:
    """Every agreed item in the ``overdue`` bucket as of ``day``, whenever it was raised:
    what the weekly reminders chase."""
    return agreed_items().alias(f_bucket=bucket(day)).filter(f_bucket="overdue")


def placed(scope: Scope, day: datetime.date) -> QuerySet[FollowUpItem]:
    """The items of ``scope``'s period under its path (minus its excluded paths), annotated
    with ``f_indicator``, ``f_bucket`` and where the unit sat on the period's last day
    (``f_path``, ``f_node``, ``f_category``, from any of its fact rows: a unit sits in one
    place per period, whatever the indicator)."""
    facts = Fact.objects.filter(year=scope.year, period=scope.period).order_by()
    fact = facts.filter(unit_id=OuterRef("unit_id"))
    # Which units: one semi-join on the facts under the path (the path index serves it),
    # rather than the correlated look-up per item that the annotations below cost.
    under = facts.filter(node_path__startswith=scope.path) if scope.path else facts
    items = items_in_period(scope.year, scope.period).filter(unit_id__in=under.values("unit_id"))
    for path in scope.exclude_paths:
        items = items.exclude(unit_id__in=facts.filter(node_path__startswith=path).values("unit_id"))
    items = items.annotate(
        f_indicator=indicator_of_kind(),
        f_bucket=bucket(day),
        f_path=Subquery(fact.values("node_path")[:1]),
        f_node=Subquery(fact.values("node_id")[:1]),
        f_category=Subquery(fact.values("category")[:1]),
    )
    if scope.unit_ids is not None:
        items = items.filter(unit_id__in=scope.unit_ids)
    return items


def _bytewise(field: str) -> F | Collate:
    """``field`` compared byte by byte on PostgreSQL: MIN of values that are all equal
    needs no language's collation, and the database's (vi_VN, en_US) costs a root close
    half of its GROUP BY (359 → 177 ms at 200,000 units)."""
    return Collate(F(field), "C") if connection.vendor == "postgresql" else F(field)


def placed_rows(scope: Scope, day: datetime.date) -> tuple[str, tuple[Any, ...]]:
    """``placed`` as one SQL statement, for copying every item of a large scope (columns
    ``id, unit_id, f_indicator, f_node, f_path, f_category, f_bucket, text, due_on,
    done_on, record_id``): the period's items joined to one row per unit of ``scope``'s
    facts, made by one GROUP BY (a unit's rows in a period all hold the same place, so
    MIN reads it).

    ``placed`` looks the place up per item, in four index probes: at 200,000 units that
    is 1.7 million probes for 420,000 items, which an ``INSERT … SELECT`` (never run in
    parallel) spent most of a root close on."""
    items = (
        items_in_period(scope.year, scope.period)
        .annotate(f_indicator=indicator_of_kind(), f_bucket=bucket(day))
        .order_by()
        .values_list("id", "unit_id", "f_indicator", "f_bucket", "text", "due_on", "done_on", "record_id")
    )
    places = (
        facts_in(scope)
        .order_by()
        .values("unit_id")
        .annotate(p_node=Min("node_id"), p_path=Min(_bytewise("node_path")), p_category=Min(_bytewise("category")))
        .values_list("unit_id", "p_node", "p_path", "p_category")
    )
    items_sql, items_params = items.query.sql_with_params()
    places_sql, places_params = places.query.sql_with_params()
    sql = (
        "SELECT i.id, i.unit_id, i.f_indicator, p.p_node, p.p_path, p.p_category, i.f_bucket, "  # noqa: S608
        "i.text, i.due_on, i.done_on, i.record_id "
        f"FROM ({items_sql}) i JOIN ({places_sql}) p ON p.unit_id = i.unit_id"  # (ORM-made SQL)
    )
    return sql, (*items_params, *places_params)


def counts(scope: Scope, day: datetime.date, *, prefix_length: int) -> list[tuple[str, str, str, int]]:
    """``(group, indicator, bucket, items)`` grouped by the first ``prefix_length``
    characters of the node path (a child's path): one GROUP BY over ``placed_rows``, the
    items joined once to their units' places (a root's live report at 200,000 units
    probed the facts per item, 3.2-3.8 s)."""
    sql, params = placed_rows(scope, day)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT SUBSTR(placed.p_path, 1, %s), placed.f_indicator, placed.f_bucket, COUNT(*) "  # noqa: S608
            f"FROM ({sql}) placed GROUP BY 1, 2, 3",  # (ORM-made SQL)
            (prefix_length, *params),
        )
        return [(group, indicator, bucket, n) for group, indicator, bucket, n in cursor.fetchall()]


def listed(scope: Scope, day: datetime.date, *, indicator: str, figure: str) -> QuerySet[Any]:
    """The items behind a live figure, as ``COLUMNS``."""
    items = placed(scope, day).filter(f_indicator=indicator)
    if figure != "agreed":
        items = items.filter(f_bucket=figure)
    node_name = OrgNode.objects.filter(pk=OuterRef("f_node")).values("name")[:1]
    return items.annotate(
        item_ref=F("pk"),
        unit_ref=F("unit_id"),
        unit_code=F("unit__code"),
        unit_name=F("unit__name"),
        node_name=Subquery(node_name),
        item_indicator=F("f_indicator"),
        item_bucket=F("f_bucket"),
        item_text=F("text"),
        item_due=F("due_on"),
        item_done=F("done_on"),
        record_ref=F("record_id"),
    ).values(*COLUMNS)


def snapshot_listed(rows: QuerySet[Any], *, figure: str) -> QuerySet[Any]:
    """The snapshot rows behind a closed figure, as ``COLUMNS``."""
    if figure != "agreed":
        rows = rows.filter(bucket=figure)
    return rows.annotate(
        item_ref=F("item_id"),
        unit_ref=F("unit_id"),
        unit_code=F("unit__code"),
        unit_name=F("unit__name"),
        node_name=F("node__name"),
        item_indicator=F("indicator"),
        item_bucket=F("bucket"),
        item_text=F("text"),
        item_due=F("due_on"),
        item_done=F("done_on"),
        record_ref=F("record_id"),
    ).values(*COLUMNS)


def overdue_in_period(year: int, period: str, day: datetime.date | None = None) -> QuerySet[FollowUpItem]:
    """The period's items in the ``overdue`` bucket as of ``day`` (the report's date by
    default), whatever node their unit sits under: the grid's "việc quá hạn"."""
    day = day or as_of(year, period)
    return items_in_period(year, period).alias(f_bucket=bucket(day)).filter(f_bucket="overdue")


def overdue_by_unit(unit_ids: list[int], year: int, period: str) -> dict[int, int]:
    """``{unit_id: overdue items}`` of these units in the period (one query)."""
    rows = (
        overdue_in_period(year, period)
        .filter(unit_id__in=unit_ids)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    return dict(rows)
