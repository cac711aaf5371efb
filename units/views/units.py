"""Units screens for staff and leaders; chairs see only their own unit's page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from units import services
from units.exports import units_workbook_response
from units.filters import UnitFilter, query_without_page
from units.forms import DeactivateForm, InviteChairForm, UnitForm
from units.models import Category, OrgNode, Unit
from units.permissions import can_edit_unit, can_manage_units, can_read_tree, require
from units.selectors import category_counts

PAGE_SIZE = 50


def _get_visible_unit_or_404(request: HttpRequest, pk: int) -> Unit:
    return get_object_or_404(Unit.objects.visible_to(request.user).select_related("node"), pk=pk)


def _get_managed_unit_or_404(request: HttpRequest, pk: int) -> Unit:
    return get_object_or_404(Unit.objects.managed_by(request.user).select_related("node"), pk=pk)


SORTS = {
    "code": "code",
    "-code": "-code",
    "name": "name",
    "-name": "-name",
    "category": "category",
    "employees": "employees",
    "-employees": "-employees",
    "node": "node__name",
}


def _unit_filter(request: HttpRequest, *, sort: str = "") -> UnitFilter:
    hidden = {"sort": sort} if sort else None
    return UnitFilter(
        request.GET or None, queryset=Unit.objects.visible_to(request.user), request=request, hidden=hidden
    )


@require(can_read_tree)
def unit_list(request: HttpRequest) -> HttpResponse:
    current_sort = request.GET.get("sort", "") if request.GET.get("sort", "") in SORTS else "code"
    filterset = _unit_filter(request, sort=current_sort)
    units = filterset.qs.select_related("node").order_by(SORTS[current_sort], "pk")
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    # The counts per category follow every filter but the category itself.
    without_category = request.GET.copy()
    without_category.pop("category", None)
    counts = category_counts(
        UnitFilter(without_category, queryset=Unit.objects.visible_to(request.user), request=request).qs
    )
    query = query_without_page(request)
    sort_query = request.GET.copy()
    sort_query.pop("page", None)
    sort_query.pop("sort", None)
    return render(
        request,
        "units/unit_list.html",
        {
            "filter": filterset,
            "page": page,
            "category_counts": [(value, label, counts.get(value, 0)) for value, label in Category.choices],
            "total": sum(counts.values()),
            "query": query,
            "sort_query": sort_query.urlencode(),
            "current_sort": current_sort,
            "can_manage": can_manage_units(request.user),
            "today": timezone.localdate(),
        },
    )


@require(can_read_tree)
def unit_export(request: HttpRequest) -> HttpResponse:
    units = _unit_filter(request).qs.select_related("node").order_by("code")
    return units_workbook_response(units.iterator(chunk_size=2000))


def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _get_visible_unit_or_404(request, pk)
    year = timezone.localdate().year
    changes = unit.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "units/unit_detail.html",
        {
            "unit": unit,
            "ancestors": unit.node.ancestors(),
            "year": year,
            "changes": changes,
            "can_edit": can_edit_unit(request.user, unit),
            "chairs": unit.roles.filter(kind="chair").select_related("user"),
            "deactivate_form": DeactivateForm(initial={"dissolved_on": timezone.localdate()}),
            "invite_form": InviteChairForm(initial={"full_name": unit.chair_name, "email": unit.chair_email}),
        },
    )


@require(can_manage_units)
def unit_create(request: HttpRequest) -> HttpResponse:
    nodes = OrgNode.objects.managed_by(request.user)
    form = UnitForm(request.POST or None, nodes=nodes)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            unit = services.unit_create(by=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Đã thêm đơn vị %(name)s.") % {"name": unit.name})
            return redirect(unit)
    return render(request, "units/unit_form.html", {"form": form, "unit": None})


@require(can_manage_units)
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _get_managed_unit_or_404(request, pk)
    nodes = OrgNode.objects.managed_by(request.user)
    form = UnitForm(request.POST or None, instance=unit, nodes=nodes)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        version = form.cleaned_data.get("version") or 0
        try:
            unit = services.unit_update(unit=Unit.objects.get(pk=unit.pk), by=request.user, version=version, **data)
        except services.StaleEdit:
            form.add_error(
                None,
                _(
                    "Người khác đã sửa đơn vị này sau khi bạn mở trang. Thay đổi của bạn chưa được lưu: "
                    "hãy mở lại trang để xem bản mới nhất rồi sửa lại."
                ),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(unit)
    return render(request, "units/unit_form.html", {"form": form, "unit": unit})


@require(can_manage_units)
@require_POST
def unit_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _get_managed_unit_or_404(request, pk)
    form = DeactivateForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join([_("Ngày ngừng hoạt động không hợp lệ (dd/mm/yyyy)."), *_problems(form)]))
        return redirect(unit)
    try:
        services.unit_deactivate(unit=unit, by=request.user, on=form.cleaned_data["dissolved_on"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đơn vị đã được đánh dấu ngừng hoạt động. Dữ liệu cũ vẫn được giữ."))
    return redirect(unit)


@require(can_manage_units)
@require_POST
def unit_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _get_managed_unit_or_404(request, pk)
    services.unit_reactivate(unit=unit, by=request.user)
    messages.success(request, _("Đơn vị hoạt động trở lại."))
    return redirect(unit)


@require(can_manage_units)
@require_POST
def unit_invite_chair(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _get_managed_unit_or_404(request, pk)
    form = InviteChairForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join([_("Hãy nhập họ tên và một địa chỉ email hợp lệ."), *_problems(form)]))
        return redirect(unit)
    user = services.chair_invite(
        unit=unit,
        email=form.cleaned_data["email"],
        full_name=form.cleaned_data["full_name"],
        by=request.user,
    )
    if unit.chair_invitations.filter(user=user, accepted_at__isnull=True).exists():
        messages.success(
            request,
            _("%(email)s đã có tài khoản: đã gửi lời mời, vai trò chủ tịch có hiệu lực khi tài khoản đó nhận lời.")
            % {"email": user.email},
        )
    else:
        messages.success(request, _("Đã gửi lời mời đến %(email)s.") % {"email": user.email})
    return redirect(unit)


def _problems(form: forms.Form) -> list[str]:
    """What a form said about each field, for a one-line message after a redirect."""
    return [str(message) for errors in form.errors.values() for message in errors]
