"""The missing list is streamed: the same units, in order, whichever way it is read."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conferences.models import Fact
from reports import closing, compute
from reports.missing import MissingList, lacking_most_key
from units.periods import Period, PeriodClose

pytestmark = pytest.mark.django_db


def from_facts(node_path: str) -> list[tuple[str, str, list[str]]]:
    """(node name, code, indicators) of every unit missing an event, from the fact rows."""
    lacking: dict[int, set[str]] = {}
    for unit_id, indicator in Fact.objects.filter(
        year=2025, period=Period.YEAR, expected=True, done=False, node_path__startswith=node_path
    ).values_list("unit_id", "indicator"):
        lacking.setdefault(unit_id, set()).add(indicator)
    from units.models import Unit

    units = Unit.objects.filter(pk__in=lacking).select_related("node")
    return sorted((u.node.name, u.code, [i for i in compute.INDICATORS if i in lacking[u.pk]]) for u in units)


def test_it_lists_each_unit_missing_an_event_once_in_node_and_code_order(tree, world):
    listed = [(m["node"], m["code"], m["missing"]) for m in compute.missing_list(world.province, 2025)]
    assert listed == from_facts(world.province.path)
    assert len(listed) >= 4


def test_it_counts_cuts_and_ranks_the_same_before_and_after_a_full_pass(tree, world):
    fresh = compute.missing_list(world.province, 2025)
    before = (len(fresh), fresh[:2], fresh[1], fresh.lacking_most(3))
    passed = compute.missing_list(world.province, 2025)
    everything = list(passed)
    with CaptureQueriesContext(connection) as queries:
        after = (len(passed), passed[:2], passed[1], passed.lacking_most(3))
    assert len(queries.captured_queries) == 0  # the full pass kept them
    assert before == after
    assert after == (len(everything), everything[:2], everything[1], sorted(everything, key=lacking_most_key)[:3])


def test_it_merges_live_units_and_a_closed_childs_snapshot_in_order(tree, world):
    real = transaction.on_commit
    transaction.on_commit = lambda func, using=None, robust=False: func()
    try:
        closed, _new = closing.close_request(node=world.district_y, year=2025, period=Period.YEAR, by=world.admin)
    finally:
        transaction.on_commit = real
    closed.refresh_from_db()
    assert closed.status == PeriodClose.Status.CLOSED
    live = compute.missing_list(world.province, 2025, exclude_paths=[world.district_y.path])
    merged = MissingList(scope=live.scope, closes=[closed])
    listed = [(m["node"], m["code"], m["missing"]) for m in merged]
    assert listed == from_facts(world.province.path)
    assert len(merged) == len(listed)
    assert [m["code"] for m in MissingList(closes=[closed])] == [
        code for _node, code, _missing in from_facts(world.district_y.path)
    ]
