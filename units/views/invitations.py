"""An existing account accepts the chair role it was invited to."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from units import services
from units.models import ChairInvitation


def invitation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Only the invited account sees its open invitation; anyone else gets a 404."""
    invitation = get_object_or_404(
        ChairInvitation.objects.select_related("unit__node").filter(user=request.user, accepted_at__isnull=True), pk=pk
    )
    if request.method == "POST":
        services.invitation_accept(invitation=invitation, by=request.user)
        messages.success(request, _("Bạn đã nhận vai trò Chủ tịch CĐCS của %(unit)s.") % {"unit": invitation.unit.name})
        return redirect("conferences:unit_year", unit_pk=invitation.unit_id)
    return render(request, "units/invitation_accept.html", {"invitation": invitation})
