"""Reporting periods (the half-year and the full year), their deadlines, and what a
closed period freezes.

A period is identified by ``(year, kind)``. Its figures count records held from 1
January up to the period's last day; the obligations themselves stay yearly.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import Max, Q

from units.obligations import Period, period_end

if TYPE_CHECKING:
    from units.models import OrgNode


# The deadline of the deepest level (the direct-superior unions); each level up gets a
# week more, so that it can check what its children sent.
BASE_DEADLINE = {Period.HALF: (0, 7, 15), Period.YEAR: (1, 1, 15)}  # (years after, month, day)
LEVEL_STEP = datetime.timedelta(days=7)


def periods_covering(held_on: datetime.date) -> list[str]:
    """The periods of ``held_on``'s year whose figures a record held that day counts in."""
    return [Period.YEAR, Period.HALF] if held_on <= period_end(held_on.year, Period.HALF) else [Period.YEAR]


def default_deadline(year: int, period: str, levels_above_deepest: int) -> datetime.date:
    years_after, month, day = BASE_DEADLINE[Period(period)]
    return datetime.date(year + years_after, month, day) + LEVEL_STEP * max(levels_above_deepest, 0)


def deepest_depth() -> int:
    from units.models import OrgNode

    return OrgNode.objects.aggregate(d=Max("depth"))["d"] or 0


def deadlines_for(nodes: list[OrgNode], year: int, period: str) -> dict[int, datetime.date]:
    """Each node's submission deadline: the one set for its level, else the default.
    Two queries, whatever the number of nodes."""
    from reports.models import PeriodDeadline

    set_for = dict(PeriodDeadline.objects.filter(year=year, period=period).values_list("depth", "due_on"))
    deepest = deepest_depth()
    return {n.pk: set_for.get(n.depth) or default_deadline(year, period, deepest - n.depth) for n in nodes}


def frozen_q(node_paths: set[str], held_on: datetime.date, *, standing: bool) -> Q:
    """Closes that freeze a record held on ``held_on`` by a unit whose node sat at one of
    ``node_paths`` (today, and on the period's last day): those of that node or any node
    above it, for the periods the record counts in. A standing fact (a regulation, a
    board) counts in every later year too."""
    periods = Q(year=held_on.year, period__in=periods_covering(held_on))
    if standing:
        periods |= Q(year__gt=held_on.year)
    from units.models import ancestry

    return periods & Q(node_id__in=ancestry(*node_paths))
