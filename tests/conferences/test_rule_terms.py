"""A rule's terms are listed once (``ObligationRule.TERMS``): the form edits them, the
admin lists them, a copy to another year carries them and the audit log keeps them."""

import datetime

import pytest
from django.contrib import admin

from conferences.forms import RuleForm
from conferences.models import ObligationRule
from conferences.rules import VALUE_TERMS, rule_facts, rules_copy_year
from units.models import AuditLog

pytestmark = pytest.mark.django_db


def test_it_edits_lists_and_audits_the_same_terms():
    assert list(RuleForm.base_fields) == [*ObligationRule.KEY, *ObligationRule.TERMS]
    assert list(admin.site._registry[ObligationRule].list_display) == [*ObligationRule.KEY, *VALUE_TERMS]
    assert set(rule_facts(ObligationRule.objects.first())) == set(ObligationRule.TERMS)


def test_it_copies_every_term_of_a_rule_to_a_year_without_rules(world):
    source = ObligationRule.objects.filter(year=2025, deadline__isnull=False).first()
    source.min_per_year, source.term_years, source.requires_minutes = 3, 4, False
    source.legal_basis = "Điều thử nghiệm"
    source.save()
    assert rules_copy_year(from_year=2025, to_year=2099, by=world.admin) > 0
    copy = ObligationRule.objects.get(year=2099, indicator=source.indicator)
    expected = rule_facts(source) | {"deadline": source.deadline.replace(year=2099)}
    assert rule_facts(copy) == expected
    assert copy.deadline == datetime.date(2099, source.deadline.month, source.deadline.day)
    entry = AuditLog.objects.filter(action=AuditLog.Action.RULES_COPIED, target_id=str(copy.pk)).get()
    assert entry.after["legal_basis"] == "Điều thử nghiệm" and entry.after["term_years"] == 4
