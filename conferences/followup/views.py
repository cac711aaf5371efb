"""Follow-up items on the record page: add, remove, report an outcome, download evidence."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from conferences import permissions
from conferences.followup import services
from conferences.followup.forms import ItemForm, OutcomeForm
from conferences.followup.models import FollowUpItem
from conferences.models import Record
from conferences.services import StaleEdit
from qcdc.downloads import scoped_download


def _visible_item_or_404(request: HttpRequest, pk: int) -> FollowUpItem:
    return get_object_or_404(
        FollowUpItem.objects.visible_to(request.user).select_related("record__unit__node", "unit__node"), pk=pk
    )


def _errors(request: HttpRequest, form: ItemForm | OutcomeForm) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(Record.objects.visible_to(request.user).select_related("unit__node"), pk=pk)
    if not permissions.can_edit(request.user, record):
        raise PermissionDenied
    form = ItemForm(request.POST)
    if form.is_valid():
        try:
            services.item_add(record=record, by=request.user, data=form.item_data)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("Đã thêm việc cần theo dõi."))
    else:
        _errors(request, form)
    return redirect(f"{record.get_absolute_url()}#items")


@require_POST
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = _visible_item_or_404(request, pk)
    services.item_remove(item=item, by=request.user)
    messages.success(request, _("Đã xóa việc."))
    return redirect(f"{item.record.get_absolute_url()}#items")


@require_POST
def item_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Report an item's outcome, from the record that raised it or from a later one."""
    item = _visible_item_or_404(request, pk)
    if not services.can_report_outcome(request.user, item):
        raise PermissionDenied
    form = OutcomeForm(request.POST, request.FILES, prefix=f"item{item.pk}")
    back = item.record
    if form.is_valid():
        followed_in = None
        if form.cleaned_data["followed_in"]:
            followed_in = get_object_or_404(
                Record.objects.visible_to(request.user), pk=form.cleaned_data["followed_in"], unit_id=item.unit_id
            )
            back = followed_in
        try:
            services.item_report(
                item=item,
                by=request.user,
                version=form.cleaned_data["version"],
                state=form.cleaned_data["state"],
                done_on=form.cleaned_data["done_on"],
                drop_reason=form.cleaned_data["drop_reason"],
                evidence_note=form.cleaned_data["evidence_note"],
                evidence=form.cleaned_data["evidence"],
                followed_in=followed_in,
            )
        except StaleEdit:
            messages.error(request, _("Người khác vừa cập nhật việc này; hãy xem lại rồi báo cáo lại."))
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("Đã cập nhật kết quả thực hiện."))
    else:
        _errors(request, form)
    return redirect(f"{back.get_absolute_url()}#item-{item.pk}")


@require_GET
def item_evidence(request: HttpRequest, pk: int) -> FileResponse:
    return scoped_download(
        FollowUpItem.objects.visible_to(request.user),
        pk,
        file_field="evidence",
        name_field="evidence_name",
        type_field="evidence_type",
    )
