from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils import timezone

from conferences.models import ObligationRule
from conferences.obligations import STANDING_KINDS
from conferences.rules import rules_for_year
from reports import compute, demo
from units.models import OrgNode, Unit
from units.paths import child_path_length
from units.periods import trend_years

# The same figures as reports.compute, written by hand: one statement per indicator.
RAW_SQL = """
SELECT substr(n.path, 1, %(prefix)s) AS grp,
       COUNT(*) AS expected,
       SUM(CASE WHEN d.done THEN 1 ELSE 0 END) AS done,
       SUM(CASE WHEN d.done AND d.in_time THEN 1 ELSE 0 END) AS on_time,
       SUM(CASE WHEN d.done AND d.good THEN 1 ELSE 0 END) AS quality
FROM units_unit u
JOIN units_orgnode n ON n.id = u.node_id
CROSS JOIN LATERAL (
  SELECT EXISTS (SELECT 1 FROM conferences_record r WHERE r.unit_id = u.id AND {record}) AS done,
         EXISTS (SELECT 1 FROM conferences_record r WHERE r.unit_id = u.id AND {record} AND {in_time}) AS in_time,
         EXISTS (SELECT 1 FROM conferences_record r WHERE r.unit_id = u.id AND {record} AND {good}) AS good
) d
WHERE n.path LIKE %(path)s
  AND u.category IN %(categories)s
  AND (u.established_on IS NULL OR u.established_on <= %(year_end)s)
  AND (u.dissolved_on IS NULL OR u.dissolved_on >= %(year_start)s)
  {size}
GROUP BY 1
"""


def _raw_sql(rule: ObligationRule, year: int) -> str:
    if rule.kind in STANDING_KINDS:
        # Issued or elected in the (work) year or, within the rule's term, before it.
        record = "r.kind = %(kind)s AND r.status = 'accepted' AND r.year <= %(year)s"
        if rule.term_years is not None:
            record += " AND r.year > %(year)s - %(term)s"
    else:
        record = "r.kind = %(kind)s AND r.status = 'accepted' AND r.year = %(year)s"
    in_time = "r.held_on <= %(deadline)s" if rule.deadline else "TRUE"
    good = ["TRUE"]
    if rule.kind in ("cbccvc_conference", "worker_conference") and rule.quorum_percent is not None:
        good.append("r.invited > 0 AND r.attended * 20000 >= r.invited * %(quorum)s")
    if rule.requires_resolution:
        good.append("r.resolution_adopted")
    if rule.kind not in STANDING_KINDS:
        good.append(
            "EXISTS (SELECT 1 FROM conferences_attachment a WHERE a.record_id = r.id AND a.purpose = 'minutes')"
        )
    if [c for c in rule.contents.all() if c.is_active]:
        good.append(
            "(SELECT COUNT(*) FROM conferences_record_contents rc WHERE rc.record_id = r.id "
            "AND rc.contentitem_id IN %(contents)s) = %(n_contents)s"
        )
    size = "AND u.employees >= %(min_employees)s" if rule.min_employees is not None else ""
    return RAW_SQL.format(record=record, in_time=in_time, good=" AND ".join(good), size=size)


# The least any correct report must read: the year's accepted records, joined to their
# units and nodes, counted per child node and kind. Every figure is printed as a multiple.
FLOOR_SQL = """
SELECT substr(n.path, 1, %(prefix)s) AS grp, r.kind, COUNT(*)
FROM conferences_record r
JOIN units_unit u ON u.id = r.unit_id
JOIN units_orgnode n ON n.id = u.node_id
WHERE r.year = %(year)s AND r.status = 'accepted' AND n.path LIKE %(path)s
GROUP BY 1, 2
"""


def floor_query(node: OrgNode, year: int) -> int:
    params = {"prefix": child_path_length(node.path), "year": year, "path": node.path + "%"}
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, params)
        return len(cursor.fetchall())


def timed(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The median seconds of ``repeat`` runs of ``work`` and its last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


# Printed by the child at its end: the high-water mark of its own memory since exec (kB).
# The kernel's ru_maxrss of a child also counts the pages of the parent it was forked
# from (here, the benchmark's own hundreds of megabytes), so it is only a fallback.
_PEAK = (
    "import pathlib; print(next(l.split()[1] for l in pathlib.Path('/proc/self/status')"
    ".read_text().splitlines() if l.startswith('VmHWM')))"
)


def peak_memory_of_run(node: OrgNode, year: int) -> tuple[float, float]:
    """A whole report run of ``node`` (figures, missing list, XLSX, PDF) in a fresh
    process: its wall seconds and peak resident memory in MB."""
    import resource

    from reports.models import ReportRun

    # A run left queued by an interrupted benchmark would hold the parameters.
    ReportRun.objects.filter(node=node, year=year, status__in=ReportRun.ACTIVE).delete()
    run = ReportRun.objects.create(node=node, year=year)
    code = (
        "import django; django.setup(); from qcdc import jobs; from reports import services; "
        f"from reports.models import ReportRun; services.report_build(jobs.claim(ReportRun, {run.pk}, 'bench'))"
    )
    if Path("/proc/self/status").exists():
        code += f"; {_PEAK}"
    started = time.perf_counter()
    child = subprocess.run(  # noqa: S603  (this interpreter, a fixed snippet)
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "qcdc.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"the report run failed: {child.stderr[-2000:]}")
    printed = child.stdout.split()
    peak_kb = int(printed[-1]) if printed else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kb / 1024


def _render_file(close_id: int, kind: str) -> float:
    """In a worker process: make one file of a close, as its task does; the seconds."""
    from reports import closing

    started = time.perf_counter()
    closing.close_files(close_id=close_id, kinds=[kind])
    return time.perf_counter() - started


def files_at_once(close_id: int) -> tuple[float, str]:
    """Make a close's files as the close sends them, one task per file, in two processes
    at once (a worker's two, compose's default): the wall seconds, and each file's."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from django.db import connections

    from reports.closing import CLOSE_FILES

    connections.close_all()  # each process opens its own
    started = time.perf_counter()
    with ProcessPoolExecutor(len(CLOSE_FILES), mp_context=multiprocessing.get_context("fork")) as pool:
        seconds = list(pool.map(_render_file, [close_id] * len(CLOSE_FILES), CLOSE_FILES))
    elapsed = time.perf_counter() - started
    return elapsed, ", ".join(f"{kind} {t:.1f} s" for kind, t in zip(CLOSE_FILES, seconds, strict=True))


def raw_report(node: OrgNode, year: int) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    """Run the hand-written SQL: {(group path, indicator): (expected, done, on time, quality)}."""
    import datetime

    out: dict[tuple[str, str], tuple[int, int, int, int]] = {}
    for indicator, rule in rules_for_year(year).items():
        contents = tuple(c.pk for c in rule.contents.all() if c.is_active)
        params = {
            "prefix": child_path_length(node.path),
            "path": node.path + "%",
            "categories": tuple(rule.categories),
            "year": year,
            "year_start": datetime.date(year, 1, 1),
            "year_end": datetime.date(year, 12, 31),
            "kind": rule.kind,
            "deadline": rule.deadline,
            "quorum": 2 * int((rule.quorum_percent or 0) * 100) - 1,
            "contents": contents or (0,),
            "n_contents": len(contents),
            "min_employees": rule.min_employees,
            "term": rule.term_years,
        }
        with connection.cursor() as cursor:
            cursor.execute(_raw_sql(rule, year), params)
            for grp, expected, done, on_time, quality in cursor.fetchall():
                out[(grp, indicator)] = (expected, done or 0, on_time or 0, quality or 0)
    return out


class Command(BaseCommand):
    help = "Time the report for the root node against hand-written SQL computing the same figures."

    def add_arguments(self, parser: CommandParser) -> None:
        this_year = timezone.localdate().year
        parser.add_argument("--units", type=int, default=200_000)
        parser.add_argument("--years", type=int, default=5, help="years of records up to last year")
        parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (the median is printed)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--year", type=int, default=this_year - 1, help="the report's year")
        parser.add_argument("--no-close", action="store_true", help="skip timing the close of the root")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            self.stderr.write("Lưu ý: nên đo trên PostgreSQL (DATABASE_URL); đang dùng " + connection.vendor)
        last = timezone.localdate().year - 1
        first = last - options["years"] + 1
        if Unit.objects.count() != options["units"]:
            started = time.perf_counter()
            demo.reset()
            _result, records = demo.build(
                units=options["units"], first_year=first, last_year=last, seed=options["seed"], say=self._phase
            )
            self.stdout.write(
                f"seeded {options['units']:,} units and {records:,} records ({first}–{last}) "
                f"in {time.perf_counter() - started:.1f} s"
            )
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("VACUUM ANALYZE")  # as autovacuum would: index-only scans need it
        root = OrgNode.objects.filter(parent__isnull=True).order_by("pk").first()
        assert root is not None
        year = options["year"]

        orm_times, raw_times = [], []
        report = raw = None
        for _ in range(options["repeat"]):
            started = time.perf_counter()
            report = compute.build(root, year)
            orm_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            raw = raw_report(root, year)
            raw_times.append(time.perf_counter() - started)
        assert report is not None and raw is not None
        orm_median, raw_median = statistics.median(orm_times), statistics.median(raw_times)

        totals_raw: dict[str, list[int]] = {}
        for (_grp, indicator), figures in raw.items():
            acc = totals_raw.setdefault(indicator, [0, 0, 0, 0])
            for i, value in enumerate(figures):
                acc[i] += value
        totals_orm = {
            i: [c.expected, c.done, c.on_time, c.quality] for i, c in report.total.cells.items() if c.expected
        }
        agree = totals_raw == totals_orm
        self.stdout.write(f"database: {connection.vendor}, units: {Unit.objects.count():,}, report year {year}")
        self.stdout.write(f"report (reports.compute.build, root): median {orm_median * 1000:.0f} ms of {orm_times}")
        self.stdout.write(f"hand-written SQL, same figures:      median {raw_median * 1000:.0f} ms")
        self.stdout.write(f"ratio report / raw SQL: {orm_median / raw_median:.2f}  (target ≤ 2.0)")
        self.stdout.write(f"figures agree: {'yes' if agree else 'NO'}")
        for indicator, (expected, done, on_time, quality) in totals_orm.items():
            self.stdout.write(
                f"  {indicator:<18} expected {expected:>7,}  done {done:>7,}  on time {on_time:>7,}  "
                f"quality {quality:>7,}  rate {compute.percent(done, expected)}%"
            )
        if not agree:
            self.stderr.write(f"raw SQL totals: {totals_raw}")
            raise SystemExit(1)
        self._bench_against_floor(root, year, options["repeat"], orm_median)
        if not options["no_close"]:
            # Twice: the second close is version 2 and also computes the difference.
            self._bench_close(root, year, totals_orm)
            self._bench_close(root, year, totals_orm)

    def _phase(self, line: str) -> None:
        self.stdout.write(f"  seeded {line}")

    def _bench_against_floor(self, root: OrgNode, year: int, repeat: int, report_median: float) -> None:
        """Time the floor, then each figure of the issue as a multiple of it."""
        from reports import dashboard, grid
        from units.periods import Period

        self.floor, _groups = timed(repeat, lambda: floor_query(root, year))
        self.stdout.write(
            f"floor (one GROUP BY over the year's accepted records, units, nodes): {self.floor * 1000:.0f} ms"
        )
        self._multiple("root report (compute.build)", report_median, 2)
        by_cat, _r = timed(repeat, lambda: compute.build(root, year, by_category=True))
        self._multiple("root report with categories", by_cat, 2)
        missing, listed = timed(repeat, lambda: compute.non_compliant(root, year))
        self._multiple(f"missing list ({len(listed):,} units, tuples)", missing, None)
        first_page = grid.GridQuery(node=root, year=year, period=Period.YEAR)
        # As the page asks for it: counted up to COUNT_INLINE_UP_TO, the exact count apart.
        took, _page = timed(
            repeat,
            lambda: grid.grid_page(first_page, per_page=grid.PAGE_SIZES[0], count_up_to=grid.COUNT_INLINE_UP_TO),
        )
        self._multiple("grid first page (reports.grid.grid_page, 50 units)", took, None, absolute_ms=100)
        counted, _n = timed(repeat, lambda: grid.grid_count(first_page))
        self._multiple("  its exact count (the page's second request)", counted, None)
        board, _p = timed(repeat, lambda: dashboard.latest_payloads(root, trend_years(year)))
        self._multiple("dashboard figures (5 years, root)", board, None, absolute_ms=100)
        elapsed, peak = peak_memory_of_run(root, year)
        self._multiple(
            f"whole report run (figures, missing list, XLSX, PDF), peak {peak:.0f} MB (target < 200)", elapsed, None
        )

    def _multiple(self, label: str, seconds: float, target: float | None, absolute_ms: float | None = None) -> None:
        goal = f"  (target ≤ {target}×)" if target else f"  (target < {absolute_ms:.0f} ms)" if absolute_ms else ""
        self.stdout.write(f"{label}: {seconds * 1000:.0f} ms = {seconds / self.floor:.1f}× floor{goal}")

    def _bench_close(self, root: OrgNode, year: int, live: dict[str, list[int]]) -> None:
        """Close the root's year as the job does (snapshot, figures, diff, files), then read
        the closed page and an explanation list, counting queries."""
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.db.models import Count, Max
        from django.test import RequestFactory
        from django.test.utils import CaptureQueriesContext, override_settings
        from django.urls import reverse

        from reports import closing
        from reports.models import SnapshotRow
        from reports.views import periods
        from units.periods import Period, PeriodClose

        PeriodClose.objects.filter(node=root, year=year, period=Period.YEAR, status=PeriodClose.Status.CLOSED).update(
            status=PeriodClose.Status.REOPENED, reopen_reason="benchmark"
        )
        last = PeriodClose.objects.filter(node=root, year=year, period=Period.YEAR).aggregate(v=Max("version"))["v"]
        version = (last or 0) + 1
        close = PeriodClose.objects.create(node=root, year=year, period=Period.YEAR, version=version)
        from unittest import mock

        from qcdc import jobs
        from reports import tasks

        # The files follow in their own task; time them separately below.
        with mock.patch.object(tasks.render_close_files, "apply_async"):
            started = time.perf_counter()
            built = closing.close_build(jobs.claim(PeriodClose, close.pk, "bench_reports"))
            elapsed = time.perf_counter() - started
        assert built is not None
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in built.timings.items())
        # As one worker process makes them (one after the other), then as the close sends
        # them: one task per file, which a worker of two processes makes at once.
        started = time.perf_counter()
        closing.close_files(close_id=close.pk)
        one_worker = time.perf_counter() - started
        close.refresh_from_db()
        close.discard_files()
        close.save(update_fields=["xlsx", "pdf"])
        files_elapsed, each = files_at_once(close.pk)
        close.refresh_from_db()
        assert close.xlsx and close.pdf
        rows = SnapshotRow.objects.filter(close=close).aggregate(n=Count("pk"))["n"]
        closed = {
            i: [c["expected"], c["done"], c["on_time"], c["quality"]]
            for i, c in close.result["total"]["cells"].items()
            if c["expected"]
        }
        self.stdout.write(
            f"close of the root, {year} (snapshot, figures, diff): {elapsed:.1f} s "
            f"for {rows:,} snapshot rows, version {close.version}  (target < 60 s)"
        )
        self.stdout.write(
            f"  phases: {phases}; then its XLSX and PDF: {one_worker:.1f} s in one worker process, "
            f"{files_elapsed:.1f} s as two tasks at once ({each})"
        )
        self._multiple("  close", elapsed, 20)
        self._multiple("  close with its XLSX and PDF", elapsed + files_elapsed, 40)
        self.stdout.write(f"closed figures agree with the live report: {'yes' if closed == live else 'NO'}")

        admin, _created = get_user_model().objects.get_or_create(
            username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
        )
        factory = RequestFactory()
        # Pages render {% static %}; the benchmark has no collected manifest.
        plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        plain = {**settings.STORAGES, "staticfiles": plain_static}
        for label, view, url, kwargs in (
            ("closed report page", periods.close_detail, close.get_absolute_url(), {"pk": close.pk}),
            (
                "explain list (root, conferences done)",
                periods.explain_view,
                f"{reverse('reports:explain')}?close={close.pk}&indicator=worker_conference&figure=done",
                {},
            ),
        ):
            request = factory.get(url)
            request.user = admin
            with override_settings(STORAGES=plain):
                view(request, **kwargs)  # warm
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = view(request, **kwargs)
                    took = time.perf_counter() - started
            self.stdout.write(
                f"{label}: {took * 1000:.0f} ms, {len(queries.captured_queries)} queries, HTTP {response.status_code}"
            )
        admin.delete()
