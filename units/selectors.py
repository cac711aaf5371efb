"""Reads of units that are more than one filter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q
from django.utils import timezone

from units.models import Unit, UnitQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def units_filtered(
    *, user: AbstractBaseUser | AnonymousUser, filters: dict[str, Any], with_category: bool = True
) -> UnitQuerySet:
    """The user's visible units narrowed by the list's filters (cleaned form data)."""
    qs = Unit.objects.visible_to(user)
    if node := filters.get("node"):
        qs = qs.under(node)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(tax_code__icontains=q))
    status = filters.get("status")
    today = timezone.localdate()
    if status == "active":
        qs = qs.filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=today))
    elif status == "inactive":
        qs = qs.filter(dissolved_on__lte=today)
    if with_category and (category := filters.get("category")):
        qs = qs.filter(category=category)
    return qs


def category_counts(*, user: AbstractBaseUser | AnonymousUser, filters: dict[str, Any]) -> dict[str, int]:
    """Units per category under every filter except the category itself (one query)."""
    rows = (
        units_filtered(user=user, filters=filters, with_category=False)
        .order_by()
        .values("category")
        .annotate(n=Count("pk"))
    )
    return {row["category"]: row["n"] for row in rows}
