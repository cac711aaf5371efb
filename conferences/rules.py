"""Reading and seeding the per-year obligation rules."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from conferences import defaults
from conferences.models import ContentItem, ObligationRule
from units.audit import audit_record
from units.categories import category_on
from units.models import AuditLog, Unit
from units.periods import Period, PeriodClose, period_end
from units.permissions import scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def seed_contents(*, content_model: Any = ContentItem) -> None:
    """Create the default checklist lines that do not exist yet (never overwrites edits)."""
    # The first data migration's historical model predates the keywords.
    has_keywords = any(f.name == "keywords" for f in content_model._meta.get_fields())
    for kind, items in defaults.CONTENTS.items():
        for order, (code, label) in enumerate(items, start=1):
            values: dict[str, Any] = {"label": label, "order": order}
            if has_keywords:
                values["keywords"] = "\n".join(defaults.KEYWORDS.get(code, []))
            content_model.objects.get_or_create(kind=kind, code=code, defaults=values)


def default_values(*, year: int, spec: defaults.RuleDefaults) -> dict[str, Any]:
    """A default rule's field values for ``year`` (deadline dated in that year)."""
    month_day = spec["deadline"]
    return {
        "categories": spec["categories"],
        "deadline": datetime.date(year, *month_day) if month_day else None,
        "quorum_percent": Decimal(spec["quorum_percent"]) if spec["quorum_percent"] else None,
        "requires_resolution": spec["requires_resolution"],
        "requires_minutes": spec["requires_minutes"],
        "min_per_year": spec["min_per_year"],
        "term_years": spec["term_years"],
        "legal_basis": spec["legal_basis"],
    }


def seed_rules(*, year: int, content_model: Any = ContentItem, rule_model: Any = ObligationRule) -> int:
    """Create the default rules of ``year`` that are missing; return how many were made.

    Takes the model classes so the data migration can pass its historical models.
    """
    seed_contents(content_model=content_model)
    created = 0
    for spec in defaults.default_rules(year):
        values = default_values(year=year, spec=spec)
        # A data migration's historical model may predate some fields: fill those it has.
        fields = {f.name for f in rule_model._meta.get_fields()}
        rule, was_created = rule_model.objects.get_or_create(
            year=year,
            indicator=spec["indicator"],
            defaults={k: v for k, v in values.items() if k in fields},
        )
        if was_created:
            created += 1
            rule.contents.set(content_model.objects.filter(kind=spec["indicator"], is_active=True))
    return created


# The terms that are plain values (``contents`` is a many-to-many set, kept by its codes).
VALUE_TERMS = tuple(name for name in ObligationRule.TERMS if name != "contents")


def rule_facts(rule: ObligationRule) -> dict[str, Any]:
    """What the audit log keeps of a rule, before and after an edit."""
    return {
        **{name: getattr(rule, name) for name in VALUE_TERMS},
        "contents": sorted(rule.contents.values_list("code", flat=True)),
    }


def _admins_only(by: AbstractBaseUser | AnonymousUser | None) -> None:
    """Rules and their checklists are the law as read for the whole country: only
    administrators change them. A change to a closed year's rule (or to a checklist line
    its rule uses) is allowed and audited; the closed versions keep their figures (a close
    is a snapshot), and the live figures and record pages of that year follow the change."""
    if by is None or not scope_for(by).is_admin:
        raise PermissionDenied


@transaction.atomic
def rule_create(
    *, by: AbstractBaseUser | AnonymousUser, data: dict[str, Any], contents: list[ContentItem]
) -> ObligationRule:
    """Add a year's rule for an indicator (administrators only), in the audit log."""
    _admins_only(by)
    rule = ObligationRule(**{name: data[name] for name in (*ObligationRule.KEY, *VALUE_TERMS) if name in data})
    rule.full_clean()
    rule.save()
    rule.contents.set(contents)
    audit_record(by=by, action=AuditLog.Action.RULE_EDITED, target=rule, before=None, after=rule_facts(rule))
    return rule


@transaction.atomic
def rule_update(
    *, rule: ObligationRule, by: AbstractBaseUser | AnonymousUser, data: dict[str, Any], contents: list[ContentItem]
) -> ObligationRule:
    """Edit one year's rule (administrators only), with before and after in the audit log."""
    _admins_only(by)
    current = ObligationRule.objects.select_for_update().get(pk=rule.pk)
    before = rule_facts(current)
    for name in VALUE_TERMS:
        if name in data:
            setattr(current, name, data[name])
    current.full_clean()
    current.save()
    current.contents.set(contents)
    after = rule_facts(current)
    if after != before:
        audit_record(by=by, action=AuditLog.Action.RULE_EDITED, target=current, before=before, after=after)
    return current


@transaction.atomic
def rules_copy_year(*, from_year: int, to_year: int, by: AbstractBaseUser | AnonymousUser) -> int:
    """Copy a year's rules (deadlines shifted by the year difference) where the target has
    none, forward or back (administrators only); each new rule is an entry in the audit log."""
    _admins_only(by)
    created = 0
    for rule in ObligationRule.objects.filter(year=from_year).prefetch_related("contents"):
        if ObligationRule.objects.filter(year=to_year, indicator=rule.indicator).exists():
            continue
        deadline = rule.deadline
        if deadline is not None:
            deadline = _shift_year(deadline, to_year - from_year)
        terms = {name: getattr(rule, name) for name in VALUE_TERMS} | {
            "categories": list(rule.categories),
            "deadline": deadline,
        }
        copy = ObligationRule.objects.create(year=to_year, indicator=rule.indicator, **terms)
        copy.contents.set(rule.contents.all())
        audit_record(
            by=by,
            action=AuditLog.Action.RULES_COPIED,
            target=copy,
            before={"year": from_year},
            after={"year": to_year, **rule_facts(copy)},
        )
        created += 1
    return created


def _shift_year(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def closed_years_note(years: list[int] | set[int]) -> str:
    """What a change to these years' rules does to their closed figures ("" when none of
    them has a closed version), for the page that made it."""
    closed = PeriodClose.objects.filter(year__in=list(years), status=PeriodClose.Status.CLOSED)
    found = sorted(set(closed.values_list("year", flat=True)))
    if not found:
        return ""
    return _(
        "Năm %(years)s đã có số liệu chốt: số liệu đã chốt giữ nguyên; số liệu chưa chốt và trang hồ sơ "
        "của năm này tính theo quy định mới, và lần chốt sau khi mở lại cũng vậy."
    ) % {"years": ", ".join(str(y) for y in found)}


CONTENT_TERMS = ("kind", "code", "label", "order", "keywords", "is_active")


def content_facts(item: ContentItem) -> dict[str, Any]:
    """What the audit log keeps of a checklist line, before and after an edit."""
    return {name: getattr(item, name) for name in CONTENT_TERMS}


@transaction.atomic
def content_item_save(*, item: ContentItem, by: AbstractBaseUser | AnonymousUser, data: dict[str, Any]) -> ContentItem:
    """Add or edit a checklist line (administrators only), in the audit log. Switching a
    line off takes it out of the required contents of every year whose rule lists it,
    closed years included (their closed figures stay: see ``_admins_only``)."""
    _admins_only(by)
    if item.pk:
        item = ContentItem.objects.select_for_update().get(pk=item.pk)
    before = content_facts(item) if item.pk else None
    for name in CONTENT_TERMS:
        if name in data:
            setattr(item, name, data[name])
    item.full_clean()
    item.save()
    after = content_facts(item)
    if after != before:
        audit_record(by=by, action=AuditLog.Action.RULE_EDITED, target=item, before=before, after=after)
    return item


def rules_for_year(year: int) -> dict[str, ObligationRule]:
    """The year's rules by indicator, with their checklists (two queries)."""
    rules = ObligationRule.objects.filter(year=year).prefetch_related("contents")
    return {rule.indicator: rule for rule in rules}


def rules_for_unit(unit: Unit, year: int, rules: dict[str, ObligationRule] | None = None) -> list[ObligationRule]:
    """The rules that bind ``unit`` in ``year`` (none when it was not active that year), by
    the category it had at the end of that year."""
    if not unit.is_active_in_year(year):
        return []
    rules = rules if rules is not None else rules_for_year(year)
    category = category_on(unit, period_end(year, Period.YEAR))
    return [rule for rule in rules.values() if rule.applies_to(unit, category)]
