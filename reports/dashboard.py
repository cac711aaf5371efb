"""The leaders' dashboard, read from the figures the report jobs stored.

Nothing here scans units or records: each page reads the latest finished run of the
node for the years it shows (two queries), so its cost does not grow with the data.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils import timezone

from conferences.quality import CHECK_FAILURES
from conferences.rules import rules_for_year
from reports.models import ReportRun
from units.models import OrgNode
from units.periods import Period

TREND_YEARS = 5
LAGGARDS = 5
OVERDUE_UNITS = 10


def latest_payloads(node: OrgNode, years: list[int]) -> dict[int, dict[str, Any]]:
    """The newest finished run's payload per year (two queries, whatever the history)."""
    latest = (
        ReportRun.objects.filter(node=node, year__in=years, period=Period.YEAR, status=ReportRun.Status.DONE)
        .values("year")
        .annotate(last=Max("pk"))
        .values_list("last", flat=True)
    )
    runs = ReportRun.objects.filter(pk__in=list(latest)).only("pk", "year", "result", "finished_at")
    return {run.year: {**run.result, "run_id": run.pk, "finished_at": run.finished_at} for run in runs if run.result}


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


def overdue_units(payload: dict[str, Any], year: int, today: datetime.date) -> list[dict[str, Any]]:
    """Units missing obligations whose deadline has passed, longest overdue first."""
    deadlines = {code: rule.deadline for code, rule in rules_for_year(year).items()}
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


def years_to_show(year: int) -> list[int]:
    return list(range(year - TREND_YEARS + 1, year + 1))


def default_year() -> int:
    return timezone.localdate().year
