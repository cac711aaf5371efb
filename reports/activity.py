"""What was held in a period under a node: records by kind and the node's work log by kind.

Counts, not rates: the number of accepted records held in the period by units under the
node (grouped by the node that held them on the period's last day, like the reports),
the distinct units among them and their attendance; and the same for the work log of
the node and the nodes below it. Four queries, whatever the size of the subtree.
"""

from __future__ import annotations

import datetime
from typing import TypedDict

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from conferences.models import Record
from conferences.obligations import Kind
from reports import compute
from reports.worklog.models import WorkKind, WorkLogEntry
from units.models import OrgNode
from units.periods import Period, period_end


class Activity(TypedDict):
    held: int
    units: int
    attendees: int


def activity(node: OrgNode, year: int, period: str = Period.YEAR) -> dict[str, Activity]:
    """``{kind: {"held", "units", "attendees"}}`` for every record kind and work-log kind."""
    start, end = datetime.date(year, 1, 1), period_end(year, period)
    result: dict[str, Activity] = {k: {"held": 0, "units": 0, "attendees": 0} for k in [*Kind.values, *WorkKind.values]}
    units = compute.tree_for(year, period).units_under(node)
    records = Record.objects.accepted().filter(held_on__range=(start, end), unit_id__in=units.values("pk"))
    for row in records.values("kind").annotate(
        held=Count("pk"), unit_count=Count("unit_id", distinct=True), attendees=Coalesce(Sum("attended"), 0)
    ):
        result[row["kind"]] = {"held": row["held"], "units": row["unit_count"], "attendees": row["attendees"]}
    entries = WorkLogEntry.objects.filter(node__path__startswith=node.path, held_on__range=(start, end))
    for row in entries.values("kind").annotate(held=Count("pk"), attendees=Coalesce(Sum("participants"), 0)):
        result[row["kind"]]["held"] = row["held"]
        result[row["kind"]]["attendees"] = row["attendees"]
    for row in entries.values("kind").annotate(unit_count=Count("units", distinct=True)):
        result[row["kind"]]["units"] = row["unit_count"]
    return result
