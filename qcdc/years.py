"""The reporting years the app accepts, and the ``year`` parameter every year page reads."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

MIN_YEAR, MAX_YEAR = 2000, 2100


def year_param(request: HttpRequest, *, default: int | None = None) -> int:
    """The year a page is asked for (``?year=``, or a posted form's ``year``); ``default``
    (this year unless given) when it is missing, not a whole number, or outside
    ``MIN_YEAR``–``MAX_YEAR``: a bad link shows a sensible year rather than an error."""
    fallback = default if default is not None else timezone.localdate().year
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or "")
    except ValueError:
        return fallback
    return year if MIN_YEAR <= year <= MAX_YEAR else fallback
