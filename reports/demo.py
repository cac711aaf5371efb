"""Demo data across the apps: build and wipe in the order the foreign keys need."""

from __future__ import annotations

from django.db import transaction

from conferences import demo as records_demo
from reports.models import ReportRun
from units import demo as units_demo


@transaction.atomic
def reset() -> None:
    """Delete report runs, records, units, nodes and non-superuser accounts (demo data only!)."""
    ReportRun.objects.all().delete()
    records_demo.reset()
    units_demo.reset()


def build(*, units: int, first_year: int, last_year: int, seed: int) -> tuple[units_demo.DemoResult, int]:
    """The province, its units and accounts, and records for every year; returns both counts."""
    result = units_demo.build(units=units, first_year=first_year, last_year=last_year, seed=seed)
    records = records_demo.build_records(first_year=first_year, last_year=last_year, seed=seed)
    return result, records
