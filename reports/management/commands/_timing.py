"""What the page benchmarks share: the node to time beside the root, and timing a page."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from units.models import OrgNode


def largest_district() -> OrgNode:
    """The district-level node with the most units: its pages show them one by one."""
    district = OrgNode.objects.filter(units__isnull=False).annotate(n=Count("units")).order_by("-n", "pk").first()
    assert district is not None
    return district


@dataclass(frozen=True)
class PageTimes:
    times: list[float]
    queries: int

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def time_page(client: Client, url: str, requests: int) -> PageTimes:
    """``url`` asked once to warm up, ``requests`` times timed, and once more to count its queries."""
    assert client.get(url, secure=True).status_code == 200
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url, secure=True)
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, secure=True)
    return PageTimes(times=times, queries=len(queries.captured_queries))
