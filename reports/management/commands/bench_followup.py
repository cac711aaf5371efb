from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conferences.facts.selectors import Scope
from conferences.followup.demo import build_items
from reports import compute, demo, services
from reports.followup import figures, queries
from units.models import OrgNode, Unit
from units.paths import child_path_length
from units.periods import Period, PeriodClose


class Command(BaseCommand):
    help = (
        "Time the follow-up figures of the root's report, the grid sorted by overdue items and a close's "
        "follow-up snapshot, on demo data with follow-up items on last year's accepted conferences and dialogues."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, default=20_000)
        parser.add_argument("--items", type=int, default=2, help="items per accepted conference or dialogue")
        parser.add_argument("--repeat", type=int, default=3, help="timed runs per case (median printed)")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        last = timezone.localdate().year - 1
        if Unit.objects.count() != options["units"]:
            started = time.perf_counter()
            demo.reset()
            demo.build(units=options["units"], first_year=last - 1, last_year=last, seed=options["seed"])
            self.stdout.write(f"seeded {options['units']:,} units in {time.perf_counter() - started:.1f} s")
        if not queries.items_in_period(last, Period.YEAR).exists():
            started = time.perf_counter()
            made = build_items(years=range(last, last + 1), per_record=options["items"])
            self.stdout.write(f"added {made:,} follow-up items in {time.perf_counter() - started:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        root = OrgNode.objects.get(parent__isnull=True, code="VGCL")
        tree = compute.tree_for(last, Period.YEAR)
        scope = Scope(last, Period.YEAR, tree.path_of(root))
        day = queries.as_of(last, Period.YEAR)
        length = child_path_length(tree.path_of(root))
        items = queries.items_in_period(last, Period.YEAR).count()
        self._time(
            f"follow-up GROUP BY of the root ({items:,} items)",
            lambda: queries.counts(scope, day, prefix_length=length),
            options["repeat"],
        )
        self._time(
            "the root's whole report payload",
            lambda: services.report_payload(root, last, Period.YEAR, by_category=False),
            options["repeat"],
        )
        client = Client(HTTP_HOST="localhost")
        client.force_login(get_user_model().objects.get(username="quantri"))
        url = reverse("reports:grid") + f"?node={root.pk}&year={last}&period=year&sort=overdue"
        self._time(
            "grid of the root sorted by overdue items (first 50)",
            lambda: client.get(url, secure=True),
            options["repeat"],
        )
        self._time(
            "follow-up snapshot of a root close (rolled back)", lambda: self._snapshot(root, last), options["repeat"]
        )

    def _time(self, label: str, run: Callable[[], Any], repeat: int) -> None:
        run()
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as captured:
            run()
        self.stdout.write(f"{label}: median {statistics.median(times) * 1000:.0f} ms, {len(captured)} queries")

    def _snapshot(self, root: OrgNode, year: int) -> None:
        with transaction.atomic():
            close = PeriodClose.objects.create(node=root, year=year, period=Period.YEAR, version=999)
            figures.write_snapshot(close, compute.tree_for(year, Period.YEAR), [])
            transaction.set_rollback(True)
