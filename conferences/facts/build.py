"""The report's conditions, said once in SQL, and the fact rows built from them.

Which units a rule binds, which accepted records count for a year and period, and which
quality checks a record passes: the same conditions as ``conferences.quality`` (tests
keep the two in agreement), turned into one ``SELECT`` per year × period × indicator
whose rows are the facts.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import GreaterThanOrEqual

from conferences.models import Attachment, ObligationRule, Record
from conferences.obligations import CONFERENCE_KINDS, STANDING_KINDS
from conferences.quality import Check
from units.models import Unit
from units.periods import Period, period_end, work_deadline

# The order of the columns of a fact row, as the INSERT … SELECT writes them.
FACT_COLUMNS: tuple[str, ...] = (
    "unit_id",
    "year",
    "period",
    "indicator",
    "node_id",
    "node_path",
    "category",
    "expected",
    "done",
    "on_time",
    "quality",
    "assessed",
    "record_id",
    "quorum_failures",
    "contents_failures",
    "minutes_failures",
    "resolution_failures",
)
FAILURE_COLUMNS: dict[str, str] = {
    Check.QUORUM: "quorum_failures",
    Check.CONTENTS: "contents_failures",
    Check.MINUTES: "minutes_failures",
    Check.RESOLUTION: "resolution_failures",
}
PERIODS: tuple[str, ...] = (Period.HALF, Period.YEAR)


def window_q(rule: ObligationRule, year: int, period: str = Period.YEAR) -> Q:
    """Records of the rule's kind, whatever their status, that count for ``year`` up to the
    period's end once accepted (``conferences.quality.counts_for``): of that (work) year,
    or, for a standing record, of that year or one before within the rule's term; for the
    half-year, held by its last day."""
    if rule.kind in STANDING_KINDS:
        window = Q(kind=rule.kind, year__lte=year)
        if rule.term_years is not None:
            window &= Q(year__gt=year - rule.term_years)
    else:
        window = Q(kind=rule.kind, year=year)
    return window if period == Period.YEAR else window & Q(held_on__lte=period_end(year, period))


def qualifying_records(rule: ObligationRule, year: int, period: str = Period.YEAR) -> QuerySet[Record]:
    """Accepted records of the rule's kind that count for ``year`` up to the period's end."""
    return Record.objects.filter(window_q(rule, year, period), status=Record.Status.ACCEPTED)


def quorum_base() -> Coalesce:
    """``quality.quorum_base`` in SQL: a full assembly's headcount when recorded, else those
    convened; never NULL, so that a negated check (a failure) counts a record without numbers."""
    return Coalesce(
        Case(
            When(format=Record.Format.FULL, headcount__isnull=False, then=F("headcount")),
            default=F("invited"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def checked(records: QuerySet[Record], rule: ObligationRule) -> tuple[QuerySet[Record], dict[str, Q]]:
    """Annotate ``records`` with what the quality checks need; return each check's pass
    condition. The same checks as conferences.quality, said in SQL."""
    annotated = records
    checks: dict[str, Q] = {}
    if rule.kind in CONFERENCE_KINDS and rule.quorum_percent is not None:
        # attended·100 >= (quorum − 0.005)·invited, i.e. the rate rounded half up to the
        # rule's two decimals reaches it; in integers, times 200.
        annotated = annotated.annotate(attended_x20000=F("attended") * 20000, quorum_base=quorum_base())
        checks[Check.QUORUM] = Q(
            quorum_base__gt=0,
            attended__isnull=False,
            attended_x20000__gte=F("quorum_base") * (2 * int(rule.quorum_percent * 100) - 1),
        )
    required = [c.pk for c in rule.contents.all() if c.is_active]
    if required:
        covered = (
            Record.contents.through.objects.filter(record_id=OuterRef("pk"), contentitem_id__in=required)
            .order_by()
            .values("record_id")
            .annotate(n=Count("contentitem_id"))
            .values("n")
        )
        annotated = annotated.annotate(covered=Coalesce(Subquery(covered, output_field=IntegerField()), Value(0)))
        checks[Check.CONTENTS] = Q(covered=len(required))
    if rule.kind not in STANDING_KINDS:
        minutes = Attachment.objects.filter(record=OuterRef("pk"), purpose=Attachment.Purpose.MINUTES)
        annotated = annotated.annotate(has_minutes=Exists(minutes))
        checks[Check.MINUTES] = Q(has_minutes=True)
    if rule.requires_resolution:
        checks[Check.RESOLUTION] = Q(resolution_adopted=True)
    return annotated, checks


# The unit fields the facts read (here, in ``joined`` and through the tree: the category
# on a period's last day starts from the current one): a unit save that changes none of
# them leaves its facts as they are. A test compares this list with
# the unit columns the fact SQL reads.
UNIT_FIELDS_READ = frozenset(
    {"node", "category", "employees", "established_on", "dissolved_on", "work_year_start_month"}
)


def expected_q(rule: ObligationRule, year: int, period: str = Period.YEAR) -> Q:
    """Units active during the period whose category on its last day (``hist_category``,
    from ``TreeAsOf.units_under``) and size the rule binds."""
    q = Q(hist_category__in=rule.categories) & Q(
        Q(established_on__isnull=True) | Q(established_on__lte=period_end(year, period)),
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=datetime.date(year, 1, 1)),
    )
    if rule.min_employees is not None:
        q &= Q(employees__gte=rule.min_employees)
    return q


def unit_deadline(deadline: datetime.date) -> Case:
    """The deadline moved with each unit's work year (``units.periods.work_deadline``), as a
    CASE over the unit's first month: one value per month, computed here."""
    return Case(
        *(When(work_year_start_month=month, then=Value(work_deadline(deadline, month))) for month in range(2, 13)),
        default=Value(deadline),
        output_field=DateField(),
    )


def at_least(records: QuerySet[Record], needed: int) -> Exists | GreaterThanOrEqual:
    """True when ``records`` (correlated to one unit) number at least ``needed``."""
    if needed == 1:
        return Exists(records)
    counted = records.order_by().values("unit_id").annotate(n=Count("pk")).values("n")
    return GreaterThanOrEqual(Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)), needed)


def annotated_units(
    units: QuerySet[Unit], rule: ObligationRule, year: int, period: str = Period.YEAR, *, with_record: bool = False
) -> QuerySet[Unit]:
    """``units`` with ``held`` (any qualifying record), ``done`` (at least the rule's
    ``min_per_year``), ``in_time``, ``assessed`` and ``good`` (that many on time, whose
    quality can be judged, passing every check; each implies ``done``) and, when asked,
    ``record_id``: the earliest qualifying record, the one the unit is counted by. The
    conditions of ``quality.unit_standing``."""
    records = qualifying_records(rule, year, period).filter(unit=OuterRef("pk"))
    on_time = records
    if rule.deadline is not None:
        units = units.annotate(u_deadline=unit_deadline(rule.deadline))
        on_time = records.filter(held_on__lte=OuterRef("u_deadline"))
    annotated, checks = checked(records.filter(quality_assessed=True), rule)
    good = annotated.filter(*checks.values())
    needed = rule.min_per_year
    units = units.annotate(
        held=Exists(records),
        done=at_least(records, needed),
        in_time=at_least(on_time, needed),
        assessed=at_least(records.filter(quality_assessed=True), needed),
        good=at_least(good, needed),
    )
    if with_record:
        first = records.order_by("held_on", "pk").values("pk")[:1]
        units = units.annotate(record_id=Subquery(first, output_field=IntegerField()))
    return units


def fact_rows(units: QuerySet[Unit], rule: ObligationRule, year: int, period: str) -> QuerySet[Any]:
    """The fact rows of ``units`` (annotated by ``TreeAsOf.units_under`` with their place and
    category on the period's last day) for one rule: those it binds and those with a
    qualifying record, as tuples in ``FACT_COLUMNS`` order."""
    records = qualifying_records(rule, year, period).filter(unit=OuterRef("pk"), quality_assessed=True)
    annotated, checks = checked(records, rule)
    failures: dict[str, Any] = {}
    for code, column in FAILURE_COLUMNS.items():
        if code not in checks:
            # Typed: in a UNION ALL a bare NULL would be text on PostgreSQL.
            failures[f"f_{column}"] = Cast(Value(None), output_field=IntegerField())
            continue
        failing = annotated.filter(~checks[code]).order_by().values("unit_id").annotate(n=Count("pk")).values("n")
        failures[f"f_{column}"] = Coalesce(Subquery(failing, output_field=IntegerField()), Value(0))
    rows = annotated_units(units, rule, year, period, with_record=True).annotate(
        f_year=Value(year, output_field=IntegerField()),
        f_period=Value(period),
        f_indicator=Value(rule.indicator),
        f_expected=ExpressionWrapper(expected_q(rule, year, period), output_field=BooleanField()),
        f_on_time=ExpressionWrapper(Q(done=True, in_time=True), output_field=BooleanField()),
        f_quality=ExpressionWrapper(Q(done=True, good=True), output_field=BooleanField()),
        **failures,
    )
    return (
        rows.filter(Q(expected_q(rule, year, period)) | Q(held=True))
        .order_by()
        .values_list(
            "pk",
            "f_year",
            "f_period",
            "f_indicator",
            "hist_node_id",
            "hist_path",
            "hist_category",
            "f_expected",
            "done",
            "f_on_time",
            "f_quality",
            "assessed",
            "record_id",
            *(f"f_{c}" for c in FAILURE_COLUMNS.values()),
        )
    )
