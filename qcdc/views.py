"""Project-level views: the home page and the health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

import qcdc
from units.permissions import scope_for


def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if len(scope.chair_unit_ids) == 1 and not scope.sees_tree:
        # A chair's day starts from their unit's obligations for this year.
        return redirect("conferences:unit_year", unit_pk=scope.chair_unit_ids[0])
    return render(request, "home.html", {"scope": scope, "roles": request.user.roles.select_related("node", "unit")})


def _database_ok() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _broker_ok() -> bool:
    from qcdc.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001 - any failure to reach the broker means "down"
        return False


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database (and the broker, when one is configured) answers; else 503."""
    checks = {"database": "ok" if _database_ok() else "error"}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = "ok" if _broker_ok() else "error"
    else:
        checks["broker"] = "in-process"
    healthy = "error" not in checks.values()
    body = {"status": "ok" if healthy else "error", "version": qcdc.__version__, **checks}
    return JsonResponse(body, status=200 if healthy else 503)


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, with the e-mailed link on ``SITE_URL`` rather than the request's Host."""

    @property
    def extra_email_context(self) -> dict[str, str]:  # type: ignore[override]
        return {"site_url": settings.SITE_URL.rstrip("/")}
