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
from units.forms import DeactivateForm, InviteChairForm, UnitFilterForm, UnitForm
from units.models import Category, OrgNode, Unit
from units.permissions import can_edit_unit, can_manage_units, can_read_tree, require
from units.selectors import category_counts, units_filtered

PAGE_SIZE = 50


def _get_visible_unit_or_404(request: HttpRequest, pk: int) -> Unit:
    return get_object_or_404(Unit.objects.visible_to(request.user).select_related("node"), pk=pk)


def _get_managed_unit_or_404(request: HttpRequest, pk: int) -> Unit:
    return get_object_or_404(Unit.objects.managed_by(request.user).select_related("node"), pk=pk)


def _filter_form(request: HttpRequest) -> UnitFilterForm:
    form = UnitFilterForm(request.GET or None, nodes=OrgNode.objects.visible_to(request.user))
    form.is_valid()
    return form


@require(can_read_tree)
def unit_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    filters = form.cleaned_data if form.is_bound else {}
    sort = UnitFilterForm.SORTS.get(filters.get("sort") or "code", "code")
    units = units_filtered(user=request.user, filters=filters).select_related("node").order_by(sort, "pk")
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = category_counts(user=request.user, filters=filters)
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return render(
        request,
        "units/unit_list.html",
        {
            "form": form,
            "page": page,
            "category_counts": [(value, label, counts.get(value, 0)) for value, label in Category.choices],
            "total": sum(counts.values()),
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "current_sort": filters.get("sort") or "code",
            "can_manage": can_manage_units(request.user),
            "today": timezone.localdate(),
        },
    )


@require(can_read_tree)
def unit_export(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    filters = form.cleaned_data if form.is_bound else {}
    units = units_filtered(user=request.user, filters=filters).select_related("node").order_by("code")
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
