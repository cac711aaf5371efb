"""Project-level views: the home page, the health check and the password reset request."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordResetForm
from django.db import DatabaseError, connections, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

import qcdc
from qcdc.clientip import client_ip
from qcdc.throttle import allow
from units.models import ChairInvitation
from units.permissions import scope_for
from units.tasks import send_password_reset

RESET_WINDOW_SECONDS = 60 * 60


def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    invitations = list(
        ChairInvitation.objects.filter(user=request.user, accepted_at__isnull=True).select_related("unit")
    )
    if len(scope.chair_unit_ids) == 1 and not scope.sees_tree and not invitations:
        # A chair's day starts from their unit's obligations for this year.
        return redirect("conferences:unit_year", unit_pk=scope.chair_unit_ids[0])
    roles = request.user.roles.select_related("node", "unit")
    return render(request, "home.html", {"scope": scope, "roles": roles, "invitations": invitations})


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


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, answered at once and the same way for every address.

    The lookup and the mail happen in a Celery task after the response is decided, so
    the time taken does not tell whether an address has an account; requests are
    counted per address asked for and per client (``qcdc.clientip``).
    """

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = form.cleaned_data["email"].strip().lower()
        # Both counters move on every request, whichever limit is reached first.
        per_email = allow(
            "reset-email", email, limit=settings.PASSWORD_RESET_LIMIT_PER_EMAIL, window_seconds=RESET_WINDOW_SECONDS
        )
        per_client = allow(
            "reset-client",
            client_ip(self.request),
            limit=settings.PASSWORD_RESET_LIMIT_PER_CLIENT,
            window_seconds=RESET_WINDOW_SECONDS,
        )
        if not (per_email and per_client):
            form.add_error(None, _("Đã có quá nhiều yêu cầu đặt lại mật khẩu. Hãy thử lại sau một giờ."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        transaction.on_commit(lambda: send_password_reset.delay(email=email))
        return HttpResponseRedirect(self.get_success_url())
