from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from conferences.facts.maintain import rebuild_year
from conferences.facts.years import forget_unneeded, years_to_build


class Command(BaseCommand):
    help = (
        "Rebuild the report facts of a year (of every year to build when --year is not given: "
        "with records, being reported on, or built already)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help="the year to rebuild (built if it was not)")
        parser.add_argument(
            "--forget-unneeded",
            action="store_true",
            help="first drop the facts of built years without records that are not being reported on",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["forget_unneeded"]:
            dropped = ", ".join(str(year) for year in forget_unneeded()) or "không có"
            self.stdout.write(f"Bỏ số liệu tổng hợp của các năm không cần: {dropped}")
        years = [options["year"]] if options["year"] else years_to_build()
        for year in years:
            started = time.perf_counter()
            rows = rebuild_year(year)
            self.stdout.write(f"Năm {year}: {rows} dòng số liệu tổng hợp ({time.perf_counter() - started:.1f} s)")
