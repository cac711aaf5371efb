"""The leaders' dashboard: live figures read off the per-node sums of the report facts.

Nothing here scans units or records: the figures of every year shown come from the
facts' per-node × category sums in one GROUP BY, closed children and a closed node
from their closed versions, so a first visit has figures without any stored report run
and the page's cost does not grow with the data. The list of units still missing
something is the latest finished run's (its payload keeps the 500 lacking most); the
first visit of a node asks for the runs of the years shown that have figures but no run
yet (``payloads_requested``): without a broker they are built in-process before the page
renders; with one, the page says the list is being computed and reloads when it is.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Sum
from django.db.models.functions import Left
from django.utils import timezone

from conferences.facts.build import FAILURE_COLUMNS
from conferences.facts.maintain import rules_by_year
from conferences.facts.preparing import ensure_current_years
from conferences.models import FactCube, ObligationRule
from conferences.quality import CHECK_FAILURES
from conferences.rules import rules_for_year
from reports import compute
from reports.models import ReportRun
from units.history import trees_as_of
from units.models import OrgNode
from units.paths import child_path_length
from units.periods import Period, PeriodClose, period_end

LAGGARDS = 5
OVERDUE_UNITS = 10


def latest_payloads(
    node: OrgNode, years: list[int], *, rules: dict[int, dict[str, ObligationRule]] | None = None
) -> dict[int, dict[str, Any]]:
    """The live payload of ``node`` per year with something expected: a closed year is its
    closed figures, otherwise the facts' sums with each closed child from its closed
    version (marked closed, the rest provisional). A constant number of queries.
    ``rules``: the years' rules (``rules_by_year``) when the caller has them."""
    rules = rules if rules is not None else rules_by_year(years)
    ensure_current_years({year: rules.get(year, {}) for year in years})
    trees = trees_as_of([period_end(y, Period.YEAR) for y in years])
    closes = {
        (c.node_id, c.year): c
        for c in PeriodClose.objects.filter(year__in=years, period=Period.YEAR, status=PeriodClose.Status.CLOSED)
        .filter(node__path__startswith=node.path)
        .select_related("node")
    }
    runs = _latest_runs(node, years)
    sums = _sums_by_child(node, years, trees)
    payloads: dict[int, dict[str, Any]] = {}
    for year in years:
        own = closes.get((node.pk, year))
        if own is not None and own.result:
            payloads[year] = {**own.result, "run_id": None, "finished_at": own.closed_at}
            continue
        tree = trees[period_end(year, Period.YEAR)]
        closed = {n.pk: closes[(n.pk, year)] for n, _path in tree.children(node) if (n.pk, year) in closes}
        closed_paths = {path for n, path in tree.children(node) if n.pk in closed}
        by_child = [(g, i, c) for g, i, c, _f in sums.get(year, []) if g not in closed_paths]
        failures: dict[str, dict[str, int]] = defaultdict(dict)
        for group, indicator, _cell, failed in sums.get(year, []):
            if group in closed_paths:
                continue
            for check, n in failed.items():
                failures[indicator][check] = failures[indicator].get(check, 0) + n
        report = compute.assemble(node, year, Period.YEAR, by_child, None, tree=tree)
        if not any(c.expected for c in report.total.cells.values()) and not closed:
            continue
        run = runs.get(year)
        missing = run.result.get("missing", []) if run else []
        from reports.closing import roll_up

        payload = roll_up(report, [], {i: f for i, f in failures.items() if f}, closed)
        payloads[year] = payload | {
            "missing": missing,
            "missing_total": run.result.get("missing_total", len(missing)) if run else 0,
            "run_id": run.pk if run else None,
            "finished_at": run.finished_at if run else None,
        }
    return payloads


def _latest_runs(node: OrgNode, years: list[int]) -> dict[int, ReportRun]:
    """The newest finished run per year, for its list of missing units (one query)."""
    latest = (
        ReportRun.objects.filter(node=node, year__in=years, period=Period.YEAR, status=ReportRun.Status.DONE)
        .values("year")
        .annotate(last=Max("pk"))
        .values("last")
    )
    runs = ReportRun.objects.filter(pk__in=latest).only("pk", "year", "result", "finished_at")
    return {run.year: run for run in runs if run.result}


def _sums_by_child(
    node: OrgNode, years: list[int], trees: dict[datetime.date, Any]
) -> dict[int, list[tuple[str, str, compute.Cell, dict[str, int]]]]:
    """Per year, ``(child path, indicator, cell, failing checks)`` from the per-node sums:
    one GROUP BY for all the years (the node's path is the same on each year's last day
    unless it moved since, which the tree answers)."""
    found: dict[int, list[tuple[str, str, compute.Cell, dict[str, int]]]] = {}
    by_path: dict[str, list[int]] = defaultdict(list)
    for year in years:
        by_path[trees[period_end(year, Period.YEAR)].path_of(node)].append(year)
    for path, path_years in by_path.items():
        rows = (
            FactCube.objects.filter(year__in=path_years, period=Period.YEAR, node_path__startswith=path)
            .order_by()
            .annotate(group=Left("node_path", child_path_length(path)))
            .values("year", "group", "indicator")
            .annotate(
                n=Sum("expected"),
                done_n=Sum("done"),
                on_time_n=Sum("on_time"),
                quality_n=Sum("quality"),
                assessed_n=Sum("assessed"),
                **{f"f_{code}": Sum(column) for code, column in FAILURE_COLUMNS.items()},
            )
        )
        for r in rows:
            failed = {code: r[f"f_{code}"] for code in FAILURE_COLUMNS if r[f"f_{code}"]}
            cell = compute.Cell(r["n"], r["done_n"], r["on_time_n"], r["quality_n"], r["assessed_n"])
            found.setdefault(r["year"], []).append((r["group"], r["indicator"], cell, failed))
    return found


def payloads_requested(
    node: OrgNode, years: list[int], payloads: dict[int, dict[str, Any]]
) -> tuple[int, list[ReportRun]]:
    """Ask for the report of each year shown that has live figures but no finished run of
    ``node`` (for its list of missing units; de-duplicated by ``report_request``); return
    how many were asked for and the runs still being built. A closed year needs none: its
    closed version has the list. Costs nothing once every year shown has its run."""
    from reports import services

    wanted = [
        year
        for year in years
        if year in payloads
        and payloads[year].get("run_id") is None
        and payloads[year].get("total", {}).get("status") != "closed"
    ]
    if not wanted:
        return 0, []
    runs = [
        services.report_request(node=node, year=year, by_category=True, by=None)[0]
        for year in sorted(wanted, reverse=True)
    ]
    return len(runs), list(ReportRun.objects.filter(pk__in=[r.pk for r in runs], status__in=ReportRun.ACTIVE))


@dataclass
class Kpi:
    code: str
    label: str
    rate: float | None
    on_time_rate: float | None
    quality_rate: float | None
    done: int
    expected: int
    previous: float | None

    @property
    def change(self) -> float | None:
        if self.rate is None or self.previous is None:
            return None
        return round(self.rate - self.previous, 1)


def kpis(payload: dict[str, Any], previous: dict[str, Any] | None) -> list[Kpi]:
    out = []
    for indicator in payload["indicators"]:
        cell = payload["total"]["cells"][indicator["code"]]
        before = previous["total"]["cells"][indicator["code"]]["rate"] if previous else None
        out.append(
            Kpi(
                code=indicator["code"],
                label=indicator["label"],
                rate=cell["rate"],
                on_time_rate=cell["on_time_rate"],
                quality_rate=cell["quality_rate"],
                done=cell["done"],
                expected=cell["expected"],
                previous=before,
            )
        )
    return out


def child_rates(payload: dict[str, Any], indicator: str) -> list[dict[str, Any]]:
    """Child rows with something expected, best rate first (the bar chart and the laggards)."""
    rows = [
        {
            "node_id": row.get("node_id"),
            "code": row["org_code"],
            "name": row["org_name"],
            "rate": row["cells"][indicator]["rate"],
            "done": row["cells"][indicator]["done"],
            "expected": row["cells"][indicator]["expected"],
            "row": row,
        }
        for row in payload["rows"]
        if row["cells"][indicator]["expected"]
    ]
    return sorted(rows, key=lambda r: (-(r["rate"] or 0), r["name"]))


def trend(payloads: dict[int, dict[str, Any]], years: list[int]) -> dict[str, list[float | None]]:
    series: dict[str, list[float | None]] = {}
    for year in years:
        payload = payloads.get(year)
        for indicator in payload["indicators"] if payload else []:
            series.setdefault(indicator["code"], [None] * len(years))
        for code in series:
            value = payload["total"]["cells"][code]["rate"] if payload else None
            series[code][years.index(year)] = value
    return series


def overdue_units(
    payload: dict[str, Any], year: int, today: datetime.date, *, rules: dict[str, ObligationRule] | None = None
) -> list[dict[str, Any]]:
    """Units missing obligations whose deadline has passed, longest overdue first
    (``rules``: the year's, when the caller has read them)."""
    year_rules = rules if rules is not None else rules_for_year(year)
    deadlines = {code: rule.deadline for code, rule in year_rules.items()}
    units = []
    for unit in payload["missing"]:
        passed = [deadlines[c] for c in unit["missing"] if deadlines.get(c) and deadlines[c] < today]
        if passed:
            units.append({**unit, "days": (today - min(passed)).days, "count": len(unit["missing"])})
    units.sort(key=lambda u: (-u["days"], -u["count"], u["code"]))
    return units


def top_failure(payload: dict[str, Any]) -> tuple[str, int] | None:
    """The quality check that fails most often across indicators, with its count."""
    counter: Counter[str] = Counter()
    for checks in (payload.get("quality_failures") or {}).values():
        counter.update(checks)
    if not counter:
        return None
    code, n = counter.most_common(1)[0]
    return str(CHECK_FAILURES.get(code, code)), n


def default_year() -> int:
    return timezone.localdate().year
