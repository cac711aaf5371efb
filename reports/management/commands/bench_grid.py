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

from reports import compute, demo
from reports.management.commands._timing import largest_district, time_page
from units.models import OrgNode, Unit


class Command(BaseCommand):
    help = "Time the per-unit grid's first page of the root node at a given size (20,000 units by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, default=20_000)
        parser.add_argument("--years", type=int, default=2)
        parser.add_argument("--requests", type=int, default=10, help="timed requests per case (median printed)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-exports", action="store_true", help="skip the XLSX and JSON of every unit")

    def handle(self, *args: Any, **options: Any) -> None:
        last = timezone.localdate().year - 1
        size = options["units"]
        if Unit.objects.count() != size:
            started = time.perf_counter()
            demo.reset()
            demo.build(units=size, first_year=last - options["years"] + 1, last_year=last, seed=options["seed"])
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")  # as autovacuum would: index-only scans need it
            self.stdout.write(f"seeded {size:,} units in {time.perf_counter() - started:.1f} s")
        root = OrgNode.objects.get(parent__isnull=True, code="VGCL")
        started = time.perf_counter()
        compute.build(root, last)
        report = time.perf_counter() - started
        self.stdout.write(f"report of the root ({size:,} units), {last}: {report * 1000:.0f} ms")
        client = Client(HTTP_HOST="localhost")
        client.force_login(get_user_model().objects.get(username="quantri"))
        base = reverse("reports:grid") + f"?node={root.pk}&year={last}"
        district = largest_district()  # its dashboard shows this grid too
        cases = {
            "first page (50)": base,
            "exact count (the page's htmx request)": base + "&part=count",
            f"first page of {district.code} (50)": reverse("reports:grid") + f"?node={district.pk}&year={last}",
            "first page (500)": base + "&per_page=500",
            "missing worker conference": base + "&indicator=worker_conference&state=not_done",
            "sorted by worker conference": base + "&sort=worker_conference",
            "search 'may'": base + "&q=may",
        }
        for label, url in cases.items():
            page = time_page(client, url, options["requests"])
            self.stdout.write(
                f"grid, {label}: median {page.median * 1000:.0f} ms, max {max(page.times) * 1000:.0f} ms, "
                f"{page.queries} queries; ratio to the report {page.median / report:.2f} (target ≤ 2); "
                f"load average {os.getloadavg()[0]:.1f}"
            )
        if options["no_exports"]:
            return
        for fmt in ("xlsx", "json"):
            started = time.perf_counter()
            response = client.get(f"{base}&format={fmt}", secure=True)
            size = sum(len(chunk) for chunk in response.streaming_content)
            self.stdout.write(
                f"grid export of all {size and Unit.objects.count():,} units as {fmt.upper()}: "
                f"{time.perf_counter() - started:.1f} s, {size:,} bytes"
            )
