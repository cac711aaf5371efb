"""Exact figures on a small hand-built tree, counted in SQL, checked against the rules."""

import datetime

import pytest

from conferences.models import ObligationRule
from conferences.quality import meets_quality, quality_checks
from reports import compute
from tests.factories import RecordFactory, UnitFactory
from tests.reports.conftest import full_contents, good, minutes
from units.models import Category

pytestmark = pytest.mark.django_db
D = datetime.date


def cells(row):
    return {k: (c.expected, c.done, c.on_time, c.quality) for k, c in row.cells.items() if c.expected}


def test_it_counts_a_district_exactly(tree, world):
    report = compute.build(world.district_x, 2025)
    assert report.rows == []  # a district has no child nodes: the total is the whole story
    assert cells(report.total) == {
        # expected: A, founded mid-year, returned-only, wrong-year (dissolved and "other" excluded)
        "worker_conference": (4, 1, 1, 1),
        "dialogue_periodic": (4, 1, 1, 1),
        "cbccvc_conference": (1, 1, 0, 0),  # B: late, and no minutes
        "qcdc_regulation": (5, 1, 1, 1),
        "inspection_board": (1, 1, 1, 1),
    }


def test_it_rolls_children_up_to_the_province(tree, world):
    report = compute.build(world.province, 2025)
    assert [r.code for r in report.rows] == ["X", "Y"]
    x, y = report.rows
    assert cells(y) == {
        "worker_conference": (1, 1, 1, 1),
        "dialogue_periodic": (1, 0, 0, 0),
        "qcdc_regulation": (1, 0, 0, 0),
    }
    assert cells(report.total)["worker_conference"] == (5, 2, 2, 2)
    for indicator in compute.INDICATORS:
        assert report.total.cells[indicator].expected == x.cells[indicator].expected + y.cells[indicator].expected
        assert report.total.cells[indicator].done == x.cells[indicator].done + y.cells[indicator].done


def test_it_rates_with_one_decimal_half_up_and_a_dash_for_nothing_expected():
    assert compute.percent(3, 16) == 18.8
    assert compute.percent(2, 3) == 66.7
    assert compute.percent(1, 8) == 12.5
    assert compute.percent(0, 0) is None
    assert compute.Cell(expected=0).rate is None


def test_it_lists_the_missing_units_with_what_they_lack(tree, world):
    missing = {m.code: m.missing for m in compute.non_compliant(world.district_x, 2025)}
    lacking_all = ["worker_conference", "dialogue_periodic", "qcdc_regulation"]
    assert missing == {"B001": ["qcdc_regulation"], "E1": lacking_all, "F1": lacking_all, "G1": lacking_all}


def test_it_counts_by_category_on_demand(tree, world):
    report = compute.build(world.province, 2025, by_category=True)
    private = report.by_category[Category.PRIVATE_ENTERPRISE]
    assert (private["worker_conference"].expected, private["worker_conference"].done) == (5, 2)
    assert report.by_category[Category.PUBLIC_SERVICE_UNIT]["cbccvc_conference"].done == 1


def test_it_follows_the_rules_as_edited_by_an_administrator(tree, world):
    rule = ObligationRule.objects.get(year=2025, indicator="worker_conference")
    rule.min_employees = 200  # the factory's units have 120 employees: now exempt
    rule.save()
    assert compute.build(world.district_x, 2025).total.cells["worker_conference"].expected == 0
    ObligationRule.objects.filter(year=2025, indicator="cbccvc_conference").update(deadline=D(2025, 4, 30))
    assert compute.build(world.district_x, 2025).total.cells["cbccvc_conference"].on_time == 1


def test_it_uses_a_constant_number_of_queries(tree, world, django_assert_num_queries):
    # the facts' GROUP BY + the rules (2) + their build stamp + the children + one "what
    # changed since?" statement (the last transfer, move and category change)
    with django_assert_num_queries(6) as small:
        compute.build(world.province, 2025)
    for n in range(30):
        unit = UnitFactory(node=world.district_y if n % 2 else world.district_x)
        good(RecordFactory(unit=unit, kind="worker_conference", held_on=D(2025, 3, 1), status="accepted"))
    with django_assert_num_queries(len(small.captured_queries)):
        compute.build(world.province, 2025)


@pytest.mark.parametrize(
    "invited, attended, contents, has_minutes, resolution",
    [
        (3, 2, True, True, True),
        (300, 199, True, True, True),
        (100, 80, False, True, True),
        (100, 80, True, False, True),
        (100, 80, True, True, False),
        (100, 80, True, True, None),
        (0, 0, True, True, True),
    ],
)
def test_it_agrees_with_the_record_page_on_quality(world, invited, attended, contents, has_minutes, resolution):
    record = RecordFactory(
        unit=world.unit_a, held_on=D(2025, 3, 1), status="accepted",
        invited=invited, attended=attended, resolution_adopted=resolution,
    )  # fmt: skip
    if contents:
        full_contents(record)
    if has_minutes:
        minutes(record)
    rule = ObligationRule.objects.get(year=2025, indicator="worker_conference")
    expected = meets_quality(quality_checks(record, rule))
    counted = compute.build(world.district_x, 2025).total.cells["worker_conference"].quality
    assert counted == int(expected)


def test_it_turns_the_report_into_the_documented_json(tree, world):
    payload = compute.to_payload(
        compute.build(world.province, 2025), compute.non_compliant(world.province, 2025),
        built_at=datetime.datetime(2026, 1, 5, 3, 0, tzinfo=datetime.UTC),
    )  # fmt: skip
    exported = compute.json_export(payload)
    assert exported["org"] == "P" and exported["year"] == 2025
    assert set(exported) == {
        "org", "year", "period", "status", "version", "rows", "by_category", "quality_failures", "missing",
        "missing_total", "followup_as_of",
    }  # fmt: skip
    assert exported["period"] == "year" and exported["status"] == "provisional" and exported["version"] is None
    # "assessed": the quality rate's denominator (units done whose quality could be judged).
    figures = {"expected", "done", "on_time", "quality", "assessed", "rate", "on_time_rate", "quality_rate"}
    # Follow-up figures are added by reports.followup (None in a payload built without them).
    fields = {"org_code", "indicator", "status", "version", "followup", "followup_on_time_rate"} | figures
    assert all(set(r) == fields for r in exported["rows"])
    by_key = {(r["org_code"], r["indicator"]): r for r in exported["rows"]}
    assert by_key[("P", "worker_conference")] == {
        "org_code": "P", "indicator": "worker_conference", "expected": 5, "done": 2, "on_time": 2, "quality": 2,
        "assessed": 2, "rate": 40.0, "on_time_rate": 40.0, "quality_rate": 100.0, "status": "provisional",
        "version": None, "followup": None, "followup_on_time_rate": None,
    }  # fmt: skip
    assert by_key[("Y", "cbccvc_conference")]["rate"] is None
    assert len(exported["rows"]) == 3 * len(compute.INDICATORS)
    assert exported["by_category"] is None  # the report was built without the breakdown
    assert exported["missing_total"] == len(exported["missing"]) == len(payload["missing"]) > 0
    assert set(exported["missing"][0]) == {"code", "name", "node", "missing"}


def test_the_json_carries_the_category_breakdown_when_the_report_has_it(tree, world):
    report = compute.build(world.province, 2025, by_category=True)
    exported = compute.json_export(compute.to_payload(report, [], built_at=datetime.datetime.now(datetime.UTC)))
    private = {r["indicator"]: r for r in exported["by_category"] if r["category"] == "private_enterprise"}
    cell = report.by_category["private_enterprise"]["worker_conference"]
    assert (private["worker_conference"]["expected"], private["worker_conference"]["quality"]) == (
        cell.expected,
        cell.quality,
    )


def test_it_counts_which_quality_checks_fail(tree, world):
    failures = compute.quality_failures(world.district_x, 2025)
    assert failures["cbccvc_conference"] == {"contents": 1, "minutes": 1}
    assert "worker_conference" not in failures
