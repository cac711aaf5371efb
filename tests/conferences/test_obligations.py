"""conferences.obligations is the one place for kinds, indicators, kind families and
category groups: what the record pages and the report SQL both read."""

from __future__ import annotations

import pytest
from django.utils import translation

from conferences.models import ContentItem, ObligationRule, Record
from conferences.obligations import (
    CONFERENCE_KINDS,
    DIALOGUE_KINDS,
    EMPLOYER_CATEGORIES,
    INDICATORS,
    MEETING_KINDS,
    POLITICAL_CATEGORIES,
    PUBLIC_CATEGORIES,
    STANDING_KINDS,
    Indicator,
    Kind,
    indicator_kind,
    indicator_labels,
    is_indicator,
)
from units.models import Category


def test_it_meets_each_indicator_with_the_records_of_the_kind_of_the_same_value():
    assert {code: indicator_kind(code) for code in INDICATORS} == {
        "cbccvc_conference": Kind.CBCCVC_CONFERENCE,
        "worker_conference": Kind.WORKER_CONFERENCE,
        "dialogue_periodic": Kind.DIALOGUE_PERIODIC,
        "qcdc_regulation": Kind.QCDC_REGULATION,
        "inspection_board": Kind.INSPECTION_BOARD,
    }
    with pytest.raises(ValueError):
        indicator_kind(Kind.DIALOGUE_ON_REQUEST)


def test_it_counts_dialogues_on_request_and_on_events_towards_no_rate():
    assert [k for k in Kind.values if not is_indicator(k)] == ["dialogue_on_request", "dialogue_event"]


def test_it_puts_every_kind_in_exactly_one_family():
    assert set(Kind) == CONFERENCE_KINDS | DIALOGUE_KINDS | STANDING_KINDS
    assert not CONFERENCE_KINDS & DIALOGUE_KINDS and not MEETING_KINDS & STANDING_KINDS
    assert MEETING_KINDS == CONFERENCE_KINDS | DIALOGUE_KINDS


def test_it_puts_every_category_but_other_in_exactly_one_group():
    groups = [set(PUBLIC_CATEGORIES), set(EMPLOYER_CATEGORIES), set(POLITICAL_CATEGORIES)]
    assert set().union(*groups) == set(Category) - {Category.OTHER}
    assert sum(len(g) for g in groups) == len(set().union(*groups))


def test_it_labels_the_indicators_in_report_order_in_the_active_language():
    assert list(indicator_labels()) == list(INDICATORS)
    assert indicator_labels()["dialogue_periodic"] == "Đối thoại định kỳ tại nơi làm việc"
    with translation.override("en"):
        assert indicator_labels()["dialogue_periodic"] == "Periodic workplace dialogue"


def test_the_models_take_their_choices_from_here():
    assert ObligationRule._meta.get_field("indicator").choices == Indicator.choices
    assert Record._meta.get_field("kind").choices == Kind.choices
    assert ContentItem._meta.get_field("kind").choices == Kind.choices
    assert ObligationRule(indicator="qcdc_regulation").kind == Kind.QCDC_REGULATION
