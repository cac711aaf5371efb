"""Django admin pages whose rows are never deleted there.

A unit, a node, a rule, a checklist line, a follow-up item or an account carries history
that figures, closed versions and the audit log read; deleting it would change a closed
period's records or lose who did what, past every guard of the service layer. Each admin
below says why and what to do instead, in place of the delete button, the bulk
"delete selected" action and the delete page (which redirects back with that reason).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import Promise


class NeverDeleted(admin.ModelAdmin):
    """Offers no delete, single or bulk; ``deletion_refused`` says why and what instead."""

    deletion_refused: str | Promise = ""

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        self.message_user(request, self.deletion_refused, messages.ERROR)
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id]))
