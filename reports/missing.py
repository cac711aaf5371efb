"""The units still missing an event, streamed rather than held.

A root report at 200,000 units lists over 100,000 of them: as dicts in a list that is
hundreds of megabytes. ``MissingList`` is a query, not a list: each pass streams tuples
from a server-side cursor (live facts, closed snapshots, or both merged in order) and
yields one dict per unit. The first full pass (the XLSX writes every unit) also keeps
what the other readers need, so a report run reads the list once: the count, the first
units in order (the PDF's capped list) and the units lacking the most (the stored
payload).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby, islice
from operator import itemgetter
from typing import Any, overload

from django.db.models import Count, QuerySet

from conferences.facts import selectors as fact_selectors
from conferences.facts.selectors import Scope
from conferences.obligations import INDICATORS
from reports.models import SnapshotRow
from units.periods import PeriodClose

# How many units in order, and how many lacking the most, a full pass keeps.
KEPT = 1000


def _units(rows: Iterable[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    """One dict per unit from its consecutive rows (``MISSING_ROW_COLUMNS``)."""
    for _unit_id, group in groupby(rows, key=itemgetter(0)):
        first, *others = group
        lacking = {first[1], *(row[1] for row in others)}
        unit_id, _indicator, code, name, node, chair_name, chair_email, chair_phone = first
        yield {
            "unit_id": unit_id,
            "code": code,
            "name": name,
            "node": node,
            "missing": [i for i in INDICATORS if i in lacking],
            "chair_name": chair_name,
            "chair_email": chair_email,
            "chair_phone": chair_phone,
        }


def _order(unit: dict[str, Any]) -> tuple[str, str]:
    return unit["node"], unit["code"]


def lacking_most_key(unit: dict[str, Any]) -> tuple[int, str, str]:
    """Most obligations missing first, then by node and code."""
    return -len(unit["missing"]), unit["node"], unit["code"]


# A row of the missing list: a unit × indicator not met, with the unit's code, name,
# current node's name and chair; both the facts and the snapshot rows have these columns.
ROW_COLUMNS: tuple[str, ...] = (
    "unit_id",
    "indicator",
    "unit__code",
    "unit__name",
    "unit__node__name",
    "unit__chair_name",
    "unit__chair_email",
    "unit__chair_phone",
)
ROW_ORDER: tuple[str, ...] = ("unit__node__name", "unit__code", "unit_id", "indicator")


def _streamed(rows: QuerySet[Any]) -> Iterator[dict[str, Any]]:
    """The units of ``rows`` in order, from a server-side cursor, a chunk at a time."""
    return _units(rows.order_by(*ROW_ORDER).values_list(*ROW_COLUMNS).iterator(chunk_size=2000))


def _lacking_most(rows: QuerySet[Any], limit: int) -> list[dict[str, Any]]:
    """The ``limit`` units of ``rows`` missing the most: chosen by a GROUP BY, then read."""
    per_unit = rows.order_by().values("unit_id").annotate(n=Count("pk"))
    chosen = per_unit.order_by("-n", "unit__node__name", "unit__code", "unit_id").values_list("unit_id", flat=True)
    return list(_streamed(rows.filter(unit_id__in=list(chosen[:limit]))))


class MissingList:
    """The units of ``scope``'s facts (and of the ``closes``' snapshots) that miss an event,
    ordered by node name and code: iterable again and again, ``len`` and ``[:n]`` work,
    and nothing but the units already yielded in a pass is ever held."""

    def __init__(self, *, scope: Scope | None = None, closes: Sequence[PeriodClose] = ()) -> None:
        self.scope = scope
        self.close_ids = sorted(c.pk for c in closes)
        self._count: int | None = None
        self._head: list[dict[str, Any]] | None = None
        self._lacking_most: list[dict[str, Any]] | None = None

    def _sources(self) -> list[QuerySet[Any]]:
        """The rows of each source: the live facts, the closed snapshots."""
        sources: list[QuerySet[Any]] = []
        if self.scope is not None:
            sources.append(fact_selectors.missing_facts(self.scope))
        if self.close_ids:
            sources.append(SnapshotRow.objects.filter(close_id__in=self.close_ids, done=False))
        return sources

    def _stream(self) -> Iterator[dict[str, Any]]:
        return heapq.merge(*(_streamed(rows) for rows in self._sources()), key=_order)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        count = 0
        head: list[dict[str, Any]] = []
        # The stream is in (node, code) order, so the first ``KEPT`` units of each number
        # of missing events hold the ``KEPT`` lacking the most.
        by_lacking: dict[int, list[dict[str, Any]]] = {}
        for unit in self._stream():
            if count < KEPT:
                head.append(unit)
            same = by_lacking.setdefault(len(unit["missing"]), [])
            if len(same) < KEPT:
                same.append(unit)
            count += 1
            yield unit
        self._count, self._head = count, head
        self._lacking_most = [u for n in sorted(by_lacking, reverse=True) for u in by_lacking[n]][:KEPT]

    def __len__(self) -> int:
        if self._count is None:
            self._count = sum(rows.values("unit_id").distinct().count() for rows in self._sources())
        return self._count

    def __bool__(self) -> bool:
        return len(self) > 0

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        """The first units (``[:n]``, ``[i]``); a pass stops as soon as it has them."""
        if isinstance(index, int):
            return self[index : index + 1][0]
        if index.step not in (None, 1) or (index.start or 0) < 0 or index.stop is None or index.stop < 0:
            raise IndexError(index)
        if self._head is not None and (index.stop <= KEPT or len(self._head) < KEPT):
            return self._head[index]
        return list(islice(self._stream(), index.start or 0, index.stop))

    def lacking_most(self, limit: int) -> list[dict[str, Any]]:
        """The ``limit`` units missing the most events (then by node and code): kept by a
        full pass, else chosen in the database."""
        if self._lacking_most is not None and limit <= KEPT:
            return self._lacking_most[:limit]
        chosen = (unit for rows in self._sources() for unit in _lacking_most(rows, limit))
        return heapq.nsmallest(limit, chosen, key=lacking_most_key)
