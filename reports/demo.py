"""Demo data across the apps: build and wipe in the order the foreign keys need."""

from __future__ import annotations

import time
from collections.abc import Callable

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


def build(
    *, units: int, first_year: int, last_year: int, seed: int, say: Callable[[str], object] | None = None
) -> tuple[units_demo.DemoResult, int]:
    """The province, its units and accounts, records for every year, follow-up items on
    the last two years' conferences and dialogues, and the facts of the years to build;
    returns the units' and records' counts. Each phase is told to ``say`` with its time."""
    tell = say or (lambda line: None)
    started = time.perf_counter()

    def phase(line: str) -> None:
        nonlocal started
        tell(f"{line} ({time.perf_counter() - started:.1f} s)")
        started = time.perf_counter()

    result = units_demo.build(units=units, first_year=first_year, last_year=last_year, seed=seed)
    phase(f"đơn vị: {result.nodes:,} nút tổ chức, {result.units:,} đơn vị")
    records = records_demo.build_records(first_year=first_year, last_year=last_year, seed=seed)
    phase(f"hồ sơ: {records:,} hồ sơ {first_year}–{last_year}")
    items = build_items(years=range(max(first_year, last_year - 1), last_year + 1))
    phase(f"việc cần theo dõi: {items:,}")
    facts = records_demo.build_facts()
    built = ", ".join(f"{year}: {rows:,}" for year, rows in facts.items()) or "không năm nào"
    phase(f"số liệu tổng hợp: {len(facts)} năm, {sum(facts.values()):,} dòng ({built})")
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
