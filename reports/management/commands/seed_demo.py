from __future__ import annotations

import re
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reports import demo as reports_demo
from units import demo
from units.models import Unit


def _years(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", value)
    if not match:
        raise CommandError("--years takes YYYY or YYYY-YYYY")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if last < first:
        raise CommandError("--years: the last year comes before the first")
    return first, last


class Command(BaseCommand):
    help = "Build a fictional province with units, records and demo accounts (bulk inserts, reproducible by --seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        this_year = timezone.localdate().year
        parser.add_argument("--units", type=int, default=60, help="number of units (default 60)")
        parser.add_argument("--years", default=f"{this_year - 4}-{this_year}", help="YYYY-YYYY the data spans")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
        parser.add_argument("--reset", action="store_true", help="delete existing units, nodes and accounts first")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing (but list the accounts) when units already exist"
        )
        parser.add_argument(
            "--with-reports",
            action="store_true",
            help="also build the reports of every year for the nodes of the demo staff and leaders",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        first, last = _years(options["years"])
        if options["units"] < 0:
            raise CommandError("--units must be positive")
        if Unit.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Dữ liệu mẫu đã có sẵn; giữ nguyên.")
                self._print_accounts()
                return
            if not options["reset"]:
                raise CommandError("Units already exist: add --reset to rebuild or --if-empty to keep them.")
            reports_demo.reset()
        started = time.perf_counter()
        result, records = reports_demo.build(
            units=options["units"], first_year=first, last_year=last, seed=options["seed"], say=self.stdout.write
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tạo {result.nodes} nút tổ chức, {result.units} đơn vị và {records} hồ sơ {first}–{last} "
                f"trong {time.perf_counter() - started:.1f} giây."
            )
        )
        if options["with_reports"]:
            started = time.perf_counter()
            runs = reports_demo.build_reports(first_year=first, last_year=last)
            self.stdout.write(
                self.style.SUCCESS(f"Đã lập {runs} báo cáo mẫu trong {time.perf_counter() - started:.1f} giây.")
            )
        self._print_accounts()

    def _print_accounts(self) -> None:
        from units.models import Role

        self.stdout.write(f"\nTài khoản dùng thử (mật khẩu: {demo.DEMO_PASSWORD}):")
        for role in Role.objects.select_related("user", "node", "unit").order_by("user__username"):
            target = role.unit or role.node or "toàn hệ thống"
            self.stdout.write(f"  {role.user.username:<16} {role.get_kind_display():<30} {target}")
