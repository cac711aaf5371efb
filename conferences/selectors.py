"""Reads of records that are more than one filter."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferences.facts.build import window_q
from conferences.models import Attachment, ObligationRule, Record, RecordQuerySet
from conferences.quality import CHECK_FAILURES, CheckResult, quality_checks
from conferences.rules import rules_for_unit, rules_for_year
from units.models import Unit
from units.periods import work_deadline

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.utils.functional import Promise

# Which record to show for an obligation when a unit has several: the most advanced.
_STATUS_RANK = {
    Record.Status.ACCEPTED: 4,
    Record.Status.SUBMITTED: 3,
    Record.Status.RETURNED: 2,
    Record.Status.DRAFT: 1,
}


class ObligationState:
    MISSING = "missing"
    OVERDUE = "overdue"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    LATE = "late"  # accepted, but held after the deadline


STATE_LABELS: dict[str, Promise] = {
    ObligationState.MISSING: _("Chưa có"),
    ObligationState.OVERDUE: _("Quá hạn, chưa có"),
    ObligationState.DRAFT: _("Bản nháp"),
    ObligationState.SUBMITTED: _("Đã nộp, chờ duyệt"),
    ObligationState.RETURNED: _("Bị trả lại"),
    ObligationState.ACCEPTED: _("Đã duyệt"),
    ObligationState.LATE: _("Đã duyệt, trễ hạn"),
}
STATE_STYLES = {
    ObligationState.MISSING: "secondary",
    ObligationState.OVERDUE: "danger",
    ObligationState.DRAFT: "info",
    ObligationState.SUBMITTED: "primary",
    ObligationState.RETURNED: "warning",
    ObligationState.ACCEPTED: "success",
    ObligationState.LATE: "success",
}


@dataclass
class Obligation:
    rule: ObligationRule
    state: str
    record: Record | None

    @property
    def label(self) -> Promise:
        return STATE_LABELS[self.state]

    @property
    def style(self) -> str:
        return STATE_STYLES[self.state]


def _records_for_year(unit: Unit, rules: list[ObligationRule], year: int) -> RecordQuerySet:
    """The unit's records, whatever their status, that can count for ``year`` under
    ``rules``: of that (work) year, or standing facts within their term."""
    window = Q(pk__in=[])
    for rule in rules:
        window |= window_q(rule, year)
    return Record.objects.filter(unit=unit).filter(window)


def obligation_state(
    rule: ObligationRule, record: Record | None, today: datetime.date, deadline: datetime.date | None = None
) -> str:
    """``deadline``: the rule's, moved with the unit's work year (the rule's when None)."""
    deadline = deadline or rule.deadline
    if record is None:
        overdue = deadline is not None and today > deadline
        return ObligationState.OVERDUE if overdue else ObligationState.MISSING
    if record.status == Record.Status.ACCEPTED:
        late = deadline is not None and record.held_on > deadline
        return ObligationState.LATE if late else ObligationState.ACCEPTED
    return str(record.status)


def unit_year(unit: Unit, year: int) -> list[Obligation]:
    """Each obligation of ``unit`` in ``year`` with the record that answers it (three queries)."""
    rules = rules_for_unit(unit, year)
    best: dict[str, Record] = {}
    for record in _records_for_year(unit, rules, year).order_by("held_on", "pk"):
        current = best.get(record.kind)
        if current is None or _STATUS_RANK[record.status] >= _STATUS_RANK[current.status]:
            best[record.kind] = record
    today = timezone.localdate()
    month = unit.work_year_start_month
    return [
        Obligation(
            rule=rule,
            state=obligation_state(
                rule, best.get(rule.kind), today, work_deadline(rule.deadline, month) if rule.deadline else None
            ),
            record=best.get(rule.kind),
        )
        for rule in sorted(rules, key=lambda r: (r.deadline is None, r.deadline or datetime.date.max))
    ]


def record_with_checks(record: Record) -> tuple[ObligationRule | None, list[CheckResult]]:
    """The rule that governs ``record`` and its quality checks."""
    indicator_rules = rules_for_year(record.year)
    rule = indicator_rules.get(record.kind)
    if rule is not None and not rule.applies_to(record.unit):
        rule = None
    return rule, quality_checks(record, rule)


def review_queue(*, user: AbstractBaseUser | AnonymousUser) -> RecordQuerySet:
    """Records in the staff member's subtree, oldest submission first (the queue filters them)."""
    return Record.objects.managed_by(user).select_related("unit__node").order_by("submitted_at", "pk")


@dataclass
class QueueRow:
    record: Record
    minutes: int
    failed: list[str]


def review_rows(records: list[Record]) -> list[QueueRow]:
    """A page of the queue with each record's minutes files and the quality checks it
    fails: a fixed number of queries (files, contents, the page's years' rules)."""
    prefetch_related_objects(
        records,
        Prefetch("attachments", queryset=Attachment.objects.only("pk", "record_id", "purpose")),
        "contents",
    )
    rules: dict[tuple[int, str], ObligationRule] = {}
    for year in sorted({r.year for r in records}):
        rules |= {(year, indicator): rule for indicator, rule in rules_for_year(year).items()}
    rows = []
    for record in records:
        checks = quality_checks(record, rules.get((record.year, record.kind)))
        minutes = sum(a.purpose == Attachment.Purpose.MINUTES for a in record.attachments.all())
        failed = [str(CHECK_FAILURES[c.code]) for c in checks if not c.passed]
        rows.append(QueueRow(record, minutes, failed))
    return rows


QUEUE_COUNT_CAP = 100


def queue_count(user: AbstractBaseUser | AnonymousUser) -> int:
    """Records waiting for the user, counted up to QUEUE_COUNT_CAP.

    The badge is on every page: counting stops at the cap ("99+") so its cost does not
    grow with a province's backlog.
    """
    waiting = Record.objects.managed_by(user).filter(status=Record.Status.SUBMITTED)
    return waiting.order_by().values("pk")[:QUEUE_COUNT_CAP].count()


def unit_records(unit: Unit) -> RecordQuerySet:
    return (
        Record.objects.filter(unit=unit)
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.only("pk", "record_id", "purpose")))
        .order_by("-held_on", "-pk")
    )


def minutes_required(record: Record) -> bool:
    """Whether the year's rule that binds the record's unit refuses it without minutes."""
    rule = ObligationRule.objects.filter(year=record.year, indicator=record.kind, requires_minutes=True).first()
    return rule is not None and rule.applies_to(record.unit)


def has_minutes(record: Record) -> bool:
    return record.attachments.filter(purpose=Attachment.Purpose.MINUTES).exists()


PENDING_STATUSES = (Record.Status.SUBMITTED, Record.Status.RETURNED, Record.Status.DRAFT)
PENDING_LISTED = 200


@dataclass(frozen=True)
class Pending:
    """The records of a period under a node: how many a close freezes, and those not accepted."""

    records: int
    counts: dict[str, int]
    awaiting_review: list[Record]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def pending_under(*, node_path: str, start: datetime.date, end: datetime.date) -> Pending:
    """Records held in [start, end] by units under the node: how many there are, how many
    are drafts, returned or awaiting review (one query), and the first ones awaiting review
    (one query). The checklist before a close and the list on a closed version read it."""
    records = Record.objects.filter(unit__node__path__startswith=node_path, held_on__range=(start, end))
    figures = records.aggregate(
        records=Count("pk"), **{status: Count("pk", filter=Q(status=status)) for status in PENDING_STATUSES}
    )
    waiting = list(
        records.filter(status=Record.Status.SUBMITTED)
        .select_related("unit")
        .order_by("submitted_at", "pk")[:PENDING_LISTED]
    )
    return Pending(
        records=figures.pop("records"),
        counts={status: figures[status] for status in PENDING_STATUSES},
        awaiting_review=waiting,
    )
