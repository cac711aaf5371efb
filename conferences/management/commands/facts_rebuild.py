from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from conferences.facts.maintain import rebuild_year, rule_years


class Command(BaseCommand):
    help = "Rebuild the report facts of a year (of every year with rules when --year is not given)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help="the year to rebuild")

    def handle(self, *args: Any, **options: Any) -> None:
        years = [options["year"]] if options["year"] else rule_years()
        for year in years:
            started = time.perf_counter()
            rows = rebuild_year(year)
            self.stdout.write(f"Năm {year}: {rows} dòng số liệu tổng hợp ({time.perf_counter() - started:.1f} s)")
