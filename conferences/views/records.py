"""A unit's year and records: filing, editing and the workflow. Every lookup starts from the user's scope."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from conferences import permissions, selectors, services
from conferences.forms import AttachmentForm, ReasonForm, RecordForm
from conferences.models import Attachment, AuditEntry, Record
from conferences.obligations import Kind
from qcdc.years import year_param
from units.models import Unit

STALE_MESSAGE = _(
    "Người khác đã thay đổi hồ sơ này sau khi bạn mở trang. Thay đổi của bạn chưa được lưu: "
    "hãy xem bản mới nhất rồi sửa lại."
)


def _visible_unit_or_404(request: HttpRequest, unit_pk: int) -> Unit:
    return get_object_or_404(Unit.objects.visible_to(request.user).select_related("node"), pk=unit_pk)


def _visible_record_or_404(request: HttpRequest, pk: int) -> Record:
    return get_object_or_404(Record.objects.visible_to(request.user).select_related("unit__node"), pk=pk)


def unit_year(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """The chair's "this year": each obligation, its deadline, its state, one tap to start."""
    unit = _visible_unit_or_404(request, unit_pk)
    year = year_param(request)
    return render(
        request,
        "conferences/unit_year.html",
        {
            "unit": unit,
            "year": year,
            "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
            "obligations": selectors.unit_year(unit, year),
            "can_file": permissions.can_file_for(request.user, unit),
            "other_kinds": [Kind.DIALOGUE_ON_REQUEST, Kind.DIALOGUE_EVENT],
            "kind_labels": dict(Kind.choices),
        },
    )


def unit_obligations(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """This year's obligations and their state: a fragment for the unit page."""
    unit = _visible_unit_or_404(request, unit_pk)
    year = timezone.localdate().year
    return render(
        request,
        "conferences/_unit_obligations.html",
        {"unit": unit, "year": year, "obligations": selectors.unit_year(unit, year)},
    )


def unit_records(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """The unit's history of records: a fragment for the unit page."""
    unit = _visible_unit_or_404(request, unit_pk)
    return render(
        request,
        "conferences/_unit_records.html",
        {"unit": unit, "records": selectors.unit_records(unit)[:100]},
    )


def record_create(request: HttpRequest, unit_pk: int, kind: str) -> HttpResponse:
    unit = _visible_unit_or_404(request, unit_pk)
    if kind not in Kind.values:
        raise Http404
    if not permissions.can_file_for(request.user, unit):
        raise PermissionDenied
    form = RecordForm(request.POST or None, request.FILES or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_create(
                unit=unit,
                kind=kind,
                by=request.user,
                data=form.record_data,
                contents=form.chosen_contents,
                minutes=form.cleaned_data.get("files"),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if form.cleaned_data.get("files"):
                messages.success(request, _("Đã lưu bản nháp cùng biên bản. Kiểm tra lại rồi bấm “Nộp”."))
            else:
                messages.success(request, _("Đã lưu bản nháp. Hãy đính kèm biên bản rồi bấm “Nộp”."))
            return redirect(record)
    return render(request, "conferences/record_form.html", {"form": form, "unit": unit, "kind_label": Kind(kind).label})


def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _visible_record_or_404(request, pk)
    rule, checks = selectors.record_with_checks(record)
    attachments = list(record.attachments.all())
    user = request.user
    return render(
        request,
        "conferences/record_detail.html",
        {
            "record": record,
            "rule": rule,
            "checks": checks,
            "attachments": attachments,
            "has_minutes": any(a.purpose == Attachment.Purpose.MINUTES for a in attachments),
            "minutes_required": rule is not None and rule.requires_minutes,
            "audit": record.audit.select_related("by")[:200],
            "contents": record.contents.all(),
            "can_edit": permissions.can_edit(user, record),
            "frozen": services.frozen_message(record) if permissions.is_frozen(record) else "",
            "can_submit": permissions.can_submit(user, record),
            "can_review": permissions.can_review(user, record),
            "can_accept_directly": permissions.can_accept_directly(user, record),
            "can_reopen": permissions.can_reopen(user, record),
            "can_delete": permissions.can_delete(user, record),
            "attachment_form": AttachmentForm(),
            "reason_form": ReasonForm(),
            "action_labels": dict(AuditEntry.Action.choices),
            "queue": _queue_param(request),
        },
    )


def _queue_param(request: HttpRequest) -> str:
    """``queue=<the queue's filters>`` when the record was opened from the review queue."""
    return urlencode({"queue": request.GET["queue"]}) if "queue" in request.GET else ""


def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = _visible_record_or_404(request, pk)
    if not permissions.can_edit(request.user, record):
        raise PermissionDenied
    form = RecordForm(request.POST or None, instance=record, kind=record.kind)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_update(
                record=record,
                by=request.user,
                version=form.cleaned_data.get("version") or 0,
                data=form.record_data,
                contents=form.chosen_contents,
            )
        except services.StaleEdit:
            form.add_error(None, STALE_MESSAGE)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(record)
    return render(
        request,
        "conferences/record_form.html",
        {"form": form, "unit": record.unit, "record": record, "kind_label": record.get_kind_display()},
    )


def _transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    record = _visible_record_or_404(request, pk)
    reason_form = ReasonForm(request.POST)
    try:
        if action == "submit":
            unconfirmed = request.POST.get("without_minutes") != "1"
            if unconfirmed and permissions.can_submit(request.user, record) and not selectors.has_minutes(record):
                # The page asks first; a submission that skipped that step is not taken.
                messages.warning(request, _("Hồ sơ chưa có biên bản: hãy xác nhận trước khi nộp."))
                return redirect(record)
            services.record_submit(record=record, by=request.user)
            messages.success(request, _("Đã nộp hồ sơ cho công đoàn cấp trên."))
        elif action == "accept":
            services.record_accept(record=record, by=request.user)
            messages.success(request, _("Đã duyệt hồ sơ."))
        elif action in ("return", "reopen"):
            if not reason_form.is_valid():
                messages.error(request, _("Hãy ghi rõ lý do."))
                return redirect(record)
            reason = reason_form.cleaned_data["reason"]
            if action == "return":
                services.record_return(record=record, by=request.user, reason=reason)
                messages.success(request, _("Đã trả lại hồ sơ cho chủ tịch CĐCS."))
            else:
                services.record_reopen(record=record, by=request.user, reason=reason)
                messages.success(request, _("Đã mở lại hồ sơ."))
        elif action == "delete":
            unit = record.unit
            services.record_delete_draft(record=record, by=request.user)
            messages.success(request, _("Đã xóa bản nháp."))
            return redirect("conferences:unit_year", unit_pk=unit.pk)
        else:
            raise Http404
    except services.MinutesRequired:
        messages.error(
            request,
            _("Quy định năm %(year)s yêu cầu biên bản: hãy đính kèm biên bản trước khi nộp.") % {"year": record.year},
        )
    except services.TransitionNotAllowed:
        messages.error(
            request,
            _("Hồ sơ đã đổi trạng thái (%(status)s); thao tác không thực hiện được.")
            % {"status": Record.objects.get(pk=record.pk).get_status_display()},
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    if queue := _queue_param(request):
        return redirect(f"{record.get_absolute_url()}?{queue}")
    return redirect(record)


@require_POST
def record_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "submit")


@require_POST
def record_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "accept")


@require_POST
def record_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "return")


@require_POST
def record_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "reopen")


@require_POST
def record_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "delete")
