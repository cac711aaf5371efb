"""Weekly reminders: chairs hear what their unit still owes and which of its agreed items
are overdue; staff get a digest of both."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.mail import get_connection, send_mass_mail
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from conferences.rules import rules_for_year
from qcdc.mail import email_subject
from reports import compute
from reports.followup.queries import overdue_items
from units.models import OrgNode, Role, Unit
from units.obligations import Indicator
from units.paths import ancestry

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

DUE_SOON = datetime.timedelta(days=30)


def _due_indicators(year: int, today: datetime.date) -> set[str]:
    """Indicators overdue or due within a month (standing ones are always due)."""
    return {
        indicator
        for indicator, rule in rules_for_year(year).items()
        if rule.deadline is None or rule.deadline - today <= DUE_SOON
    }


def send_weekly_reminders(*, nodes: list[OrgNode] | None = None) -> dict[str, int]:
    """Mail each chair whose unit misses a due obligation, and each node's staff a digest.

    Counting reuses the report's SQL (one query per indicator and node); e-mails go out
    in one SMTP connection.
    """
    today = timezone.localdate()
    year = today.year
    due = _due_indicators(year, today)
    with translation.override(settings.LANGUAGE_CODE):
        labels = {i.value: str(i.label) for i in Indicator}
    leaf_nodes = nodes if nodes is not None else list(OrgNode.objects.filter(units__isnull=False).distinct())
    chair_messages = []
    digests = []
    for node in leaf_nodes:
        missing = [m for m in compute.non_compliant(node, year) if set(m.missing) & due]
        overdue = overdue_by_unit(today, node=node)
        missing = with_overdue_units(missing, overdue)
        if not missing:
            continue
        messages, unreachable = _chair_messages(missing, year=year, labels=labels, only=due, overdue=overdue)
        chair_messages += messages
        with translation.override(settings.LANGUAGE_CODE):
            staff = sorted(
                set(
                    Role.objects.filter(kind=Role.Kind.STAFF, node=node)
                    .exclude(user__email="")
                    .values_list("user__email", flat=True)
                )
            )
            if staff:
                lines = [
                    (m.code, m.name, "; ".join(labels[i] for i in m.missing if i in due))
                    for m in missing
                    if set(m.missing) & due
                ]
                context = {
                    "node": node,
                    "missing": missing,
                    "lines": lines,
                    "year": year,
                    "unreachable": [m for m in missing if m.unit_id in unreachable],
                    "overdue": [(m.code, m.name, overdue[m.unit_id]) for m in missing if m.unit_id in overdue],
                    "chairs_url": f"{settings.SITE_URL}{reverse('units:chair_list')}",
                }
                subject = email_subject("reports/email/digest_subject.txt", context)
                body = render_to_string("reports/email/digest.txt", context)
                digests.append((subject, body, None, staff))
    closes = close_reminders(today)
    outgoing = chair_messages + digests + closes
    sent = send_mass_mail(outgoing, connection=get_connection()) if outgoing else 0
    return {"chairs": len(chair_messages), "digests": len(digests), "closes": len(closes), "sent": sent}


def nodes_past_deadline(today: datetime.date) -> list[tuple[OrgNode, int, str, datetime.date]]:
    """Nodes holding units (and the nodes above them) that have not closed last year or
    this half-year although its deadline has passed. A few queries, whatever the tree."""
    from units.periods import Period, PeriodClose, deadlines_for

    holding_paths = set(OrgNode.objects.filter(units__isnull=False).values_list("path", flat=True).distinct())
    ids = ancestry(*holding_paths)
    nodes = list(OrgNode.objects.filter(pk__in=ids).order_by("path"))
    late = []
    for year, period in ((today.year - 1, Period.YEAR), (today.year, Period.HALF)):
        deadlines = deadlines_for(nodes, year, period)
        closed = set(
            PeriodClose.objects.filter(year=year, period=period, status=PeriodClose.Status.CLOSED).values_list(
                "node_id", flat=True
            )
        )
        late += [(n, year, period, deadlines[n.pk]) for n in nodes if n.pk not in closed and today > deadlines[n.pk]]
    return late


def close_reminders(today: datetime.date) -> list[tuple[str, str, None, list[str]]]:
    """A mail to the staff of each node past its deadline for closing a period."""

    from units.periods import Period

    late = nodes_past_deadline(today)
    staff: dict[int, set[str]] = defaultdict(set)
    for node_id, email in (
        Role.objects.filter(kind=Role.Kind.STAFF, node_id__in=[n.pk for n, *_rest in late])
        .exclude(user__email="")
        .values_list("node_id", "user__email")
    ):
        staff[node_id].add(email)
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for node, year, period, deadline in late:
            if not staff[node.pk]:
                continue
            url = f"{settings.SITE_URL}{reverse('reports:periods')}?node={node.pk}&year={year}&period={period}"
            context = {
                "node": node,
                "year": year,
                "period_label": Period(period).label,
                "deadline": deadline,
                "url": url,
            }
            subject = email_subject("reports/email/close_reminder_subject.txt", context)
            body = render_to_string("reports/email/close_reminder.txt", context)
            messages.append((subject, body, None, sorted(staff[node.pk])))
    return messages


def remind_chairs(*, unit_ids: list[int], year: int) -> int:
    """Mail the chairs of these units what they still lack in ``year``; return how many mails."""
    with translation.override(settings.LANGUAGE_CODE):
        labels = {i.value: str(i.label) for i in Indicator}
    overdue = overdue_by_unit(timezone.localdate(), unit_ids=unit_ids)
    missing = with_overdue_units(compute.non_compliant(None, year, only=unit_ids), overdue)
    messages, _unreachable = _chair_messages(missing, year=year, labels=labels, only=set(labels), overdue=overdue)
    return send_mass_mail(messages, connection=get_connection()) if messages else 0


def reminder_reach(*, user: AbstractBaseUser | AnonymousUser, unit_ids: list[int]) -> tuple[int, int]:
    """(units the user may remind, of which with a chair address): one e-mail goes to each
    unit with an address, so the second figure is how many e-mails a reminder sends."""
    figures = (
        Unit.objects.managed_by(user)
        .filter(pk__in=unit_ids)
        .aggregate(
            units=Count("pk", distinct=True),
            reachable=Count(
                "pk",
                distinct=True,
                filter=~Q(chair_email="") | Q(roles__kind=Role.Kind.CHAIR, roles__user__email__gt=""),
            ),
        )
    )
    return figures["units"], figures["reachable"]


def overdue_by_unit(
    today: datetime.date, *, node: OrgNode | None = None, unit_ids: list[int] | None = None
) -> dict[int, list[dict[str, Any]]]:
    """The agreed items overdue today of the units directly under ``node`` (or of
    ``unit_ids``), per unit, oldest due first (one query)."""
    items = overdue_items(today).order_by("unit_id", "due_on", "pk")
    items = items.filter(unit__node=node) if node is not None else items.filter(unit_id__in=unit_ids or [])
    by_unit: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in items.values("unit_id", "text", "due_on", "record__held_on"):
        by_unit[item["unit_id"]].append(item)
    return dict(by_unit)


def with_overdue_units(missing: list[compute.Missing], overdue: dict[int, Any]) -> list[compute.Missing]:
    """``missing`` plus the units that owe nothing but have overdue items (one query)."""
    listed = {m.unit_id for m in missing}
    extra = compute.missing_details({unit_id: set() for unit_id in overdue if unit_id not in listed})
    return sorted(missing + extra, key=lambda m: (m.node_name, m.code))


def _chair_messages(
    missing: list[compute.Missing],
    *,
    year: int,
    labels: dict[str, str],
    only: set[str],
    overdue: dict[int, list[dict[str, Any]]],
) -> tuple[list[tuple[str, str, None, list[str]]], set[int]]:
    """The reminders to chairs who can sign in and act on them, and the units whose chair
    cannot (no account, or one without a password yet): those go in the staff's digest."""
    chair_emails = _chair_emails([m.unit_id for m in missing])
    messages = []
    unreachable = set()
    with translation.override(settings.LANGUAGE_CODE):
        for unit in missing:
            recipients = sorted(chair_emails.get(unit.unit_id, set()))
            items = [labels[i] for i in unit.missing if i in only]
            late = overdue.get(unit.unit_id, [])
            if not items and not late:
                continue
            if not recipients:
                unreachable.add(unit.unit_id)
                continue
            context = {"unit": unit, "items": items, "overdue": late, "year": year, "site_url": settings.SITE_URL}
            subject = email_subject("reports/email/reminder_subject.txt", context)
            body = render_to_string("reports/email/reminder.txt", context)
            messages.append((subject, body, None, recipients))
    return messages, unreachable


def _chair_emails(unit_ids: list[int]) -> dict[int, set[str]]:
    emails: dict[int, set[str]] = defaultdict(set)
    for unit_id, email in (
        Role.objects.filter(kind=Role.Kind.CHAIR, unit_id__in=unit_ids, user__is_active=True)
        .exclude(user__email="")
        .exclude(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .values_list("unit_id", "user__email")
    ):
        emails[unit_id].add(email)
    return emails
