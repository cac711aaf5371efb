"""Demo data across the apps: build and wipe in the order the foreign keys need."""

from __future__ import annotations

from django.db import transaction

from conferences import demo as records_demo
from conferences.followup.demo import build_items
from reports.models import ReportRun
from units import demo as units_demo


@transaction.atomic
def reset() -> None:
    """Delete report runs, records, units, nodes and non-superuser accounts (demo data only!)."""
    ReportRun.objects.all().delete()
    records_demo.reset()
    units_demo.reset()


def build(*, units: int, first_year: int, last_year: int, seed: int) -> tuple[units_demo.DemoResult, int]:
    """The province, its units and accounts, records for every year and follow-up items on
    the last two years' conferences and dialogues; returns the units' and records' counts."""
    result = units_demo.build(units=units, first_year=first_year, last_year=last_year, seed=seed)
    records = records_demo.build_records(first_year=first_year, last_year=last_year, seed=seed)
    build_items(years=range(max(first_year, last_year - 1), last_year + 1))
    return result, records


def build_reports(*, first_year: int, last_year: int) -> int:
    """Ask for the report of every year for each node a demo staff member or leader sits
    on, so that every page a persona reaches has figures; returns how many were asked for.
    Without a broker they are built here, in-process."""
    from reports import services
    from units.models import OrgNode, Role

    nodes = OrgNode.objects.filter(roles__kind__in=[Role.Kind.STAFF, Role.Kind.LEADER]).distinct().order_by("path")
    asked = 0
    for node in nodes:
        for year in range(first_year, last_year + 1):
            services.report_request(node=node, year=year, by_category=True, by=None)
            asked += 1
    return asked
