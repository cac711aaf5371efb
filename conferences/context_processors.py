from __future__ import annotations

from django.http import HttpRequest

from conferences.selectors import queue_count
from units.permissions import scope_for


def review(request: HttpRequest) -> dict[str, int]:
    """How many records wait for the signed-in staff member: shown on the navigation bar."""
    if not scope_for(request.user).is_staff:
        return {}
    return {"review_count": queue_count(request.user)}
