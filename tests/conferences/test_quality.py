"""Quality checks come from the year's rule: change the rule, the verdict follows."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from conferences.models import Attachment, ContentItem, ObligationRule, Record
from conferences.obligations import Kind
from conferences.quality import Check, CheckResult, meets_quality, quality_checks
from conferences.selectors import record_with_checks
from tests.factories import RecordFactory, UnitFactory

pytestmark = pytest.mark.django_db

YEAR = 2025


def rule_for(kind: str, year: int = YEAR) -> ObligationRule:
    return ObligationRule.objects.get(year=year, indicator=kind)


def attach_minutes(record: Record, purpose: str = "minutes") -> Attachment:
    return Attachment.objects.create(
        record=record,
        purpose=purpose,
        file="minutes/x.pdf",
        original_name="x.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
    )


def complete_record(unit, kind: str = Kind.WORKER_CONFERENCE, **fields) -> Record:
    """A record that passes every check of its kind's default rule."""
    values = {"held_on": datetime.date(YEAR, 3, 10), "invited": 100, "attended": 80, "resolution_adopted": True}
    record = RecordFactory(unit=unit, kind=kind, **(values | fields))
    record.contents.set(ContentItem.objects.filter(kind=kind))
    attach_minutes(record)
    return record


def checks_of(record: Record) -> dict[str, CheckResult]:
    _rule, checks = record_with_checks(record)
    return {c.code: c for c in checks}


def verdicts(record: Record) -> dict[str, bool]:
    return {code: c.passed for code, c in checks_of(record).items()}


ALL_CONFERENCE_CHECKS = [Check.QUORUM, Check.CONTENTS, Check.MINUTES, Check.RESOLUTION, Check.ON_TIME]


# --- The seeded rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "unit_name"), [(Kind.WORKER_CONFERENCE, "unit_a"), (Kind.CBCCVC_CONFERENCE, "unit_b")]
)
def test_it_passes_a_complete_conference_on_every_check(world, kind, unit_name):
    record = complete_record(getattr(world, unit_name), kind)
    rule, checks = record_with_checks(record)
    assert rule == rule_for(kind)
    assert [c.code for c in checks] == ALL_CONFERENCE_CHECKS
    assert all(c.passed for c in checks)
    assert meets_quality(checks)
    details = {c.code: c.detail for c in checks}
    assert details[Check.QUORUM] == "80/100 được triệu tập (chưa có số lao động của đơn vị)"
    assert details[Check.CONTENTS] == "7/7"


def test_it_seeds_a_two_thirds_quorum_and_the_end_of_march_for_conferences(world):
    for kind in (Kind.WORKER_CONFERENCE, Kind.CBCCVC_CONFERENCE):
        rule = rule_for(kind)
        assert rule.quorum_percent == Decimal("66.67")
        assert rule.deadline == datetime.date(YEAR, 3, 31)
        assert rule.requires_resolution


# Two thirds is stored as 66.67 (two decimals). The check is attended*100 >= (q - 0.005)*invited,
# i.e. the attendance rate rounded half up to two decimals reaches q:
#   2/3         -> 200 >= 66.665*3 = 199.995                -> passes (66.666...% rounds to 66.67%)
#   6666/10000  -> 666 600 >= 666 650                        -> fails (66.66%)
#   13333/20000 -> 1 333 300 >= 66.665*20000 = 1 333 300     -> passes (66.665% rounds up)
#   13332/20000 -> 1 333 200 < 1 333 300                     -> fails (66.66%)
QUORUM_CASES = [
    (2, 3, True),
    (200, 300, True),
    (6667, 10000, True),
    (6666, 10000, False),
    (13333, 20000, True),
    (13332, 20000, False),
    (1, 3, False),
    (199, 300, False),
    (3, 3, True),
    (0, 100, False),
]


@pytest.mark.parametrize(
    ("kind", "unit_name"), [(Kind.WORKER_CONFERENCE, "unit_a"), (Kind.CBCCVC_CONFERENCE, "unit_b")]
)
@pytest.mark.parametrize(("attended", "invited", "passed"), QUORUM_CASES)
def test_it_requires_two_thirds_of_those_convened(world, kind, unit_name, attended, invited, passed):
    record = complete_record(getattr(world, unit_name), kind, invited=invited, attended=attended, format="delegate")
    quorum = checks_of(record)[Check.QUORUM]
    assert quorum.passed is passed
    assert quorum.detail == f"{attended}/{invited}"


@pytest.mark.parametrize(("invited", "attended"), [(None, None), (0, 0), (None, 10)])
def test_it_fails_the_quorum_when_attendance_is_unknown(world, invited, attended):
    record = complete_record(world.unit_a, invited=invited, attended=attended)
    quorum = checks_of(record)[Check.QUORUM]
    assert not quorum.passed
    assert quorum.detail == ""


def test_it_fails_contents_when_one_mandatory_item_is_missing(world):
    record = complete_record(world.unit_a)
    record.contents.remove(ContentItem.objects.get(kind=Kind.WORKER_CONFERENCE, code="safety"))
    contents = checks_of(record)[Check.CONTENTS]
    assert not contents.passed
    assert contents.detail == "6/7"
    assert not meets_quality(list(checks_of(record).values()))


def test_it_ignores_contents_of_another_kind(world):
    record = complete_record(world.unit_a)
    record.contents.set(ContentItem.objects.filter(kind=Kind.CBCCVC_CONFERENCE))
    contents = checks_of(record)[Check.CONTENTS]
    assert not contents.passed and contents.detail == "0/7"


@pytest.mark.parametrize(("purposes", "passed"), [(["minutes"], True), ([], False), (["resolution", "other"], False)])
def test_it_requires_minutes_among_the_attachments(world, purposes, passed):
    record = complete_record(world.unit_a)
    record.attachments.all().delete()
    for purpose in purposes:
        attach_minutes(record, purpose)
    assert verdicts(record)[Check.MINUTES] is passed


@pytest.mark.parametrize(("adopted", "passed"), [(True, True), (False, False), (None, False)])
def test_it_requires_an_adopted_resolution(world, adopted, passed):
    record = complete_record(world.unit_a, resolution_adopted=adopted)
    assert verdicts(record)[Check.RESOLUTION] is passed


@pytest.mark.parametrize(
    ("held_on", "on_time"),
    [
        (datetime.date(YEAR, 1, 2), True),
        (datetime.date(YEAR, 3, 31), True),
        (datetime.date(YEAR, 4, 1), False),
        (datetime.date(YEAR, 11, 20), False),
    ],
)
def test_it_checks_the_conference_was_held_by_the_deadline(world, held_on, on_time):
    record = complete_record(world.unit_a, held_on=held_on)
    assert verdicts(record)[Check.ON_TIME] is on_time


def test_it_uses_the_rule_of_the_year_the_record_was_held(world):
    rule = rule_for(Kind.WORKER_CONFERENCE, 2026)
    rule.deadline = datetime.date(2026, 6, 30)
    rule.save()
    late_in_2025 = complete_record(world.unit_a, held_on=datetime.date(YEAR, 5, 1))
    fine_in_2026 = complete_record(world.unit_a, held_on=datetime.date(2026, 5, 1))
    assert verdicts(late_in_2025)[Check.ON_TIME] is False
    assert verdicts(fine_in_2026)[Check.ON_TIME] is True


def test_it_judges_quality_without_the_deadline(world):
    late = complete_record(world.unit_a, held_on=datetime.date(YEAR, 6, 15))
    _rule, checks = record_with_checks(late)
    assert {c.code: c.passed for c in checks}[Check.ON_TIME] is False
    assert meets_quality(checks)


@pytest.mark.parametrize("failing", [Check.QUORUM, Check.CONTENTS, Check.MINUTES, Check.RESOLUTION])
def test_it_fails_quality_on_any_substantive_check(failing):
    checks = [CheckResult(code, code != failing) for code in ALL_CONFERENCE_CHECKS]
    assert not meets_quality(checks)


def test_it_meets_quality_with_no_checks_at_all():
    assert meets_quality([])


# --- Dialogues and standing facts ---------------------------------------------------------


def dialogue(unit, **fields) -> Record:
    values = {
        "held_on": datetime.date(YEAR, 9, 15),
        "invited": None,
        "attended": None,
        "resolution_adopted": None,
        "format": "",
        "employer_reps": 3,
        "worker_reps": 5,
    }
    record = RecordFactory(unit=unit, kind=Kind.DIALOGUE_PERIODIC, **(values | fields))
    record.contents.set(ContentItem.objects.filter(kind=Kind.DIALOGUE_PERIODIC))
    attach_minutes(record)
    return record


def test_it_checks_a_periodic_dialogue_for_contents_minutes_and_the_year_end(world):
    record = dialogue(world.unit_a, held_on=datetime.date(YEAR, 12, 31))
    rule, checks = record_with_checks(record)
    assert rule.deadline == datetime.date(YEAR, 12, 31)
    assert [c.code for c in checks] == [Check.CONTENTS, Check.MINUTES, Check.ON_TIME]
    assert all(c.passed for c in checks)
    assert {c.code: c.detail for c in checks}[Check.CONTENTS] == "5/5"


def test_it_lists_what_a_periodic_dialogue_lacks(world):
    record = dialogue(world.unit_a)
    record.contents.remove(ContentItem.objects.get(kind=Kind.DIALOGUE_PERIODIC, code="conditions"))
    record.attachments.all().delete()
    assert verdicts(record) == {Check.CONTENTS: False, Check.MINUTES: False, Check.ON_TIME: True}
    assert checks_of(record)[Check.CONTENTS].detail == "4/5"


def test_it_has_no_checks_for_the_qcdc_regulation_and_none_fail(world):
    record = RecordFactory(
        unit=world.unit_a,
        kind=Kind.QCDC_REGULATION,
        held_on=datetime.date(YEAR, 2, 1),
        invited=None,
        attended=None,
        resolution_adopted=None,
        format="",
    )
    rule, checks = record_with_checks(record)
    assert rule == rule_for(Kind.QCDC_REGULATION)
    assert checks == []
    assert meets_quality(checks)


def test_it_has_no_checks_for_a_kind_without_a_rule(world):
    record = RecordFactory(unit=world.unit_a, kind=Kind.DIALOGUE_ON_REQUEST, invited=None, attended=None)
    assert record_with_checks(record) == (None, [])


def test_it_has_no_checks_when_the_rule_does_not_apply_to_the_category(world):
    # Unit B is a public school: the worker conference rule binds employers only.
    record = complete_record(world.unit_b, Kind.WORKER_CONFERENCE, attended=1)
    assert record_with_checks(record) == (None, [])


def test_it_has_no_checks_for_a_unit_below_the_rules_headcount(world):
    rule = rule_for(Kind.WORKER_CONFERENCE)
    rule.min_employees = 10
    rule.save()
    small = UnitFactory(node=world.district_x, employees=9)
    record = complete_record(small, attended=1)
    assert record_with_checks(record) == (None, [])
    assert verdicts(complete_record(world.unit_a, attended=1))[Check.QUORUM] is False


def test_it_has_no_checks_without_a_rule_when_called_directly(world):
    assert quality_checks(complete_record(world.unit_a, attended=1), None) == []


# --- Administrators change the rules, not the code ----------------------------------------


def test_it_follows_an_edited_quorum(world):
    record = complete_record(world.unit_a, invited=100, attended=60)
    assert verdicts(record)[Check.QUORUM] is False
    rule = rule_for(Kind.WORKER_CONFERENCE)
    rule.quorum_percent = Decimal("50")
    rule.save()
    assert verdicts(record)[Check.QUORUM] is True
    record.attended = 50
    record.save()
    assert verdicts(record)[Check.QUORUM] is True
    record.attended = 49
    record.save()
    assert verdicts(record)[Check.QUORUM] is False


def test_it_drops_the_quorum_check_when_the_rule_has_none(world):
    record = complete_record(world.unit_a, attended=1)
    rule = rule_for(Kind.WORKER_CONFERENCE)
    rule.quorum_percent = None
    rule.save()
    assert Check.QUORUM not in verdicts(record)


def test_it_follows_a_content_item_removed_from_the_rule(world):
    safety = ContentItem.objects.get(kind=Kind.WORKER_CONFERENCE, code="safety")
    record = complete_record(world.unit_a)
    record.contents.remove(safety)
    assert verdicts(record)[Check.CONTENTS] is False
    rule_for(Kind.WORKER_CONFERENCE).contents.remove(safety)
    contents = checks_of(record)[Check.CONTENTS]
    assert contents.passed and contents.detail == "6/6"


def test_it_follows_a_content_item_added_to_the_rule(world):
    record = complete_record(world.unit_a)
    extra = ContentItem.objects.create(kind=Kind.WORKER_CONFERENCE, code="housing", label="Nhà ở cho người lao động")
    rule_for(Kind.WORKER_CONFERENCE).contents.add(extra)
    assert checks_of(record)[Check.CONTENTS].detail == "7/8"
    record.contents.add(extra)
    assert verdicts(record)[Check.CONTENTS] is True


def test_it_stops_requiring_a_deactivated_content_item(world):
    safety = ContentItem.objects.get(kind=Kind.WORKER_CONFERENCE, code="safety")
    record = complete_record(world.unit_a)
    record.contents.remove(safety)
    safety.is_active = False
    safety.save()
    assert checks_of(record)[Check.CONTENTS].detail == "6/6"


def test_it_drops_the_contents_check_when_the_rule_lists_none(world):
    record = complete_record(world.unit_a)
    record.contents.clear()
    rule_for(Kind.WORKER_CONFERENCE).contents.clear()
    assert Check.CONTENTS not in verdicts(record)


def test_it_follows_an_edited_deadline_and_resolution_requirement(world):
    record = complete_record(world.unit_a, held_on=datetime.date(YEAR, 4, 20), resolution_adopted=False)
    assert verdicts(record)[Check.ON_TIME] is False
    assert verdicts(record)[Check.RESOLUTION] is False
    rule = rule_for(Kind.WORKER_CONFERENCE)
    rule.deadline = datetime.date(YEAR, 4, 30)
    rule.requires_resolution = False
    rule.save()
    assert verdicts(record)[Check.ON_TIME] is True
    assert Check.RESOLUTION not in verdicts(record)
    rule.deadline = None
    rule.save()
    assert Check.ON_TIME not in verdicts(record)


def test_it_follows_a_category_added_to_the_rule(world):
    record = complete_record(world.unit_b, Kind.WORKER_CONFERENCE)
    assert record_with_checks(record) == (None, [])
    rule = rule_for(Kind.WORKER_CONFERENCE)
    rule.categories = [*rule.categories, world.unit_b.category]
    rule.save()
    assert record_with_checks(record)[0] == rule


# --- The record page ----------------------------------------------------------------------


def check_items(html: str) -> dict[str, str]:
    """``data-check`` → ``data-passed`` of each check shown on the record page."""
    return dict(re.findall(r'data-check="([a-z_]+)"\s+data-passed="(true|false)"', html))


def test_it_shows_the_checks_on_the_record_page(client_as, world):
    record = complete_record(world.unit_a, invited=100, attended=10, held_on=datetime.date(YEAR, 4, 2))
    response = client_as(world.chair_a).get(reverse("conferences:record_detail", args=[record.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-check="quorum"' in html
    assert check_items(html) == {
        "quorum": "false",
        "contents": "true",
        "minutes": "true",
        "resolution": "true",
        "on_time": "false",
    }
    assert "10/100" in html


def test_it_shows_no_checks_where_no_rule_applies(client_as, world):
    record = RecordFactory(unit=world.unit_a, kind=Kind.DIALOGUE_EVENT, invited=None, attended=None)
    html = client_as(world.chair_a).get(reverse("conferences:record_detail", args=[record.pk])).content.decode()
    assert check_items(html) == {}
    assert "Không có quy định nào áp dụng" in html
