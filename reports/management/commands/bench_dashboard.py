from __future__ import annotations

import os
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports import demo, tasks
from reports.management.commands._timing import largest_district, time_page
from reports.models import ReportRun
from units.models import OrgNode, Unit


class Command(BaseCommand):
    help = "Time the dashboard view on a small and a large dataset and print the ratio (target ≤ 1.5)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--small", type=int, default=2_000)
        parser.add_argument("--large", type=int, default=200_000)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--requests", type=int, default=30, help="timed requests per size (median printed)")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        results = {}
        for size in (options["small"], options["large"]):
            results[size] = self._measure(size, options)
        small, large = results[options["small"]], results[options["large"]]
        self.stdout.write(
            f"ratio {options['large']:,} / {options['small']:,} units: {large / small:.2f}  (target ≤ 1.5)"
        )

    def _measure(self, size: int, options: dict[str, Any]) -> float:
        last = timezone.localdate().year - 1
        first = last - options["years"] + 1
        if Unit.objects.count() != size:
            started = time.perf_counter()
            demo.reset()
            demo.build(units=size, first_year=first, last_year=last, seed=options["seed"])
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            self.stdout.write(f"seeded {size:,} units in {time.perf_counter() - started:.1f} s")
        root = OrgNode.objects.get(parent__isnull=True, code="VGCL")
        for year in (last - 1, last):
            if not ReportRun.objects.filter(node=root, year=year, status="done").exists():
                run = ReportRun.objects.create(node=root, year=year, by_category=True)
                started = time.perf_counter()
                tasks.build_report_run.apply(kwargs={"job_id": run.pk})
                self.stdout.write(f"report of the root for {year} built in {time.perf_counter() - started:.1f} s")
        client = Client(HTTP_HOST="localhost")
        client.force_login(get_user_model().objects.get(username="quantri"))
        district = largest_district()
        medians = {}
        for label, node in (("root", root), (f"district {district.code}", district)):
            url = reverse("reports:dashboard") + f"?node={node.pk}&year={last}"
            page = time_page(client, url, options["requests"])
            medians[label] = page.median
            self.stdout.write(
                f"dashboard of the {label} at {size:,} units: median {medians[label] * 1000:.1f} ms, p95 "
                f"{sorted(page.times)[int(len(page.times) * 0.95) - 1] * 1000:.1f} ms, {page.queries} queries; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
        return medians["root"]
