"""The back office in the app: people and their roles, and the audit log, for the staff
and administrators of a subtree (rules and deadlines live with their apps)."""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from units import services
from units.audit import audit_visible_to
from units.filters import ListFilterSet, query_without_page
from units.forms import RoleGrantForm
from units.models import AuditLog, OrgNode, Role, Unit, _path_prefix_q
from units.permissions import can_manage_units, require, scope_for

PAGE_SIZE = 50


def roles_managed_by(request: HttpRequest) -> QuerySet[Role]:
    """Roles on nodes and units of the user's staff subtrees (every role for admins)."""
    scope = scope_for(request.user)
    roles = Role.objects.select_related("user", "node", "unit__node").order_by("user__username", "kind", "pk")
    if scope.is_admin:
        return roles
    return roles.filter(
        _path_prefix_q("node__path", scope.staff_paths) | _path_prefix_q("unit__node__path", scope.staff_paths)
    )


class RoleFilter(ListFilterSet):
    q = django_filters.CharFilter(label=gettext_lazy("Tìm theo tên, email"), method="search")
    kind = django_filters.ChoiceFilter(label=gettext_lazy("Vai trò"), choices=Role.Kind.choices)

    class Meta:
        model = Role
        fields = ["q", "kind"]

    def search(self, queryset: QuerySet[Role], name: str, value: str) -> QuerySet[Role]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(user__username__icontains=value)
            | Q(user__email__icontains=value)
            | Q(user__first_name__icontains=value)
            | Q(user__last_name__icontains=value)
        )


class AuditFilter(ListFilterSet):
    action = django_filters.ChoiceFilter(label=gettext_lazy("Thao tác"), choices=AuditLog.Action.choices)

    class Meta:
        model = AuditLog
        fields = ["action"]


@require(can_manage_units)
def backoffice_home(request: HttpRequest) -> HttpResponse:
    return render(request, "units/backoffice/home.html", {"is_admin": scope_for(request.user).is_admin})


def _grant_form(request: HttpRequest) -> RoleGrantForm:
    return RoleGrantForm(
        request.POST or None,
        nodes=OrgNode.objects.managed_by(request.user),
        units=Unit.objects.managed_by(request.user),
        is_admin=scope_for(request.user).is_admin,
    )


@require(can_manage_units)
def people(request: HttpRequest) -> HttpResponse:
    """Everyone holding a role in the user's subtrees, with a form to grant one more."""
    form = _grant_form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        role = services.role_invite(
            by=request.user,
            email=data["email"],
            full_name=data["full_name"] or data["email"],
            kind=data["kind"],
            node=data["node"],
            unit=data["unit"],
        )
        if role is None:
            messages.success(
                request, _("Tài khoản này đã có: đã gửi lời mời; vai trò có hiệu lực khi người đó nhận lời.")
            )
        else:
            messages.success(request, _("Đã giao vai trò: %(role)s.") % {"role": role})
        return redirect("units:people")
    filterset = RoleFilter(request.GET or None, queryset=roles_managed_by(request), request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "units/backoffice/people.html",
        {"form": form, "filter": filterset, "page": page, "query": query_without_page(request)},
    )


@require(can_manage_units)
@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(roles_managed_by(request), pk=pk)
    try:
        services.role_revoke(by=request.user, role=role)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Đã thu hồi vai trò: %(role)s.") % {"role": role})
    return redirect("units:people")


@require(can_manage_units)
def audit_log(request: HttpRequest) -> HttpResponse:
    filterset = AuditFilter(request.GET or None, queryset=audit_visible_to(request.user), request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "units/backoffice/audit.html",
        {"filter": filterset, "page": page, "query": query_without_page(request)},
    )
