"""Reads of units that are more than one filter."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from units.models import Unit


def category_counts(units: QuerySet[Unit]) -> dict[str, int]:
    """Units per category of a filtered list (one query)."""
    rows = units.order_by().values("category").annotate(n=Count("pk"))
    return {row["category"]: row["n"] for row in rows}
