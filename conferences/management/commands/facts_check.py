from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from conferences.facts.check import check_year, repair, unit_codes, years_to_check
from conferences.facts.maintain import rebuild_year
from conferences.facts.years import missing_years

SHOWN_UNITS = 50


class Command(BaseCommand):
    help = (
        "Prove the report facts of the built years equal a recomputation from the records, row for "
        "row; name the divergent units and the years that should be built but are not, repair (build) "
        "them with --repair. Exits non-zero when anything diverged or is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help="only this year")
        parser.add_argument(
            "--repair", action="store_true", help="rewrite the facts of the divergent units, build the missing years"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        years = [options["year"]] if options["year"] else years_to_check()
        diverged = False
        for year in missing_years():
            if options["year"] and year != options["year"]:
                continue
            diverged = True
            self.stdout.write(f"Năm {year}: cần có số liệu tổng hợp (có hồ sơ hoặc đang báo cáo) nhưng chưa dựng")
            if options["repair"]:
                rows = rebuild_year(year)
                self.stdout.write(f"Năm {year}: đã dựng ({rows} dòng)")
            years = [y for y in years if y != year]  # nothing to prove: not built, or built just now
        for year in years:
            started = time.perf_counter()
            divergence = check_year(year)
            elapsed = time.perf_counter() - started
            if not divergence:
                self.stdout.write(f"Năm {year}: khớp ({elapsed:.1f} s)")
                continue
            diverged = True
            ids = divergence.unit_ids
            codes = unit_codes(ids[:SHOWN_UNITS])
            more = f" và {len(ids) - SHOWN_UNITS} đơn vị khác" if len(ids) > SHOWN_UNITS else ""
            self.stdout.write(
                f"Năm {year}: {len(divergence.stale)} dòng thừa hoặc sai, {len(divergence.missing)} dòng thiếu, "
                f"{divergence.cube} dòng tổng theo nút lệch; {len(ids)} đơn vị lệch: {', '.join(codes)}{more}"
            )
            if options["repair"]:
                repair(divergence)
                remaining = check_year(year)
                self.stdout.write(f"Năm {year}: đã sửa" if not remaining else f"Năm {year}: vẫn còn lệch sau khi sửa")
        if diverged:
            raise CommandError("Số liệu tổng hợp lệch so với hồ sơ" + (" (đã sửa)." if options["repair"] else "."))
