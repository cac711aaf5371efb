"""The work log's pages: a node's activities, read by its staff and leaders, written by staff."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qcdc.downloads import scoped_download
from qcdc.years import year_param
from reports.worklog import services
from reports.worklog.forms import WorkLogEntryForm, WorkLogFileForm, WorkLogImportForm
from reports.worklog.importing import WORKLOG_COLUMNS, WORKLOG_EXAMPLE, plan_worklog_upload, worklog_import
from reports.worklog.models import WorkKind, WorkLogAttachment, WorkLogEntry
from units.importing.errors import ImportFileError
from units.importing.uploads import upload_read
from units.models import OrgNode
from units.permissions import can_manage_units, can_read_tree, require


def entries_visible_to(request: HttpRequest) -> QuerySet[WorkLogEntry]:
    """The one access helper: entries of the nodes the user sees (staff, leaders, admins)."""
    return WorkLogEntry.objects.filter(node__in=OrgNode.objects.visible_to(request.user)).select_related("node")


@require(can_read_tree)
def worklog_list(request: HttpRequest) -> HttpResponse:
    year = year_param(request)
    kind = request.GET.get("kind", "")
    entries = entries_visible_to(request).filter(year=year)
    if kind in WorkKind.values:
        entries = entries.filter(kind=kind)
    entries = entries.annotate(unit_count=Count("units", distinct=True), file_count=Count("attachments", distinct=True))
    page = Paginator(entries.order_by("-held_on", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/worklog/list.html",
        {
            "page": page,
            "year": year,
            "kind": kind,
            "kinds": WorkKind.choices,
            "can_write": can_manage_units(request.user),
        },
    )


@require(can_manage_units)
def worklog_create(request: HttpRequest) -> HttpResponse:
    form = WorkLogEntryForm(request.POST or None, nodes=OrgNode.objects.managed_by(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.worklog_create(by=request.user, data=form.cleaned_data, units=form.units)
        except PermissionDenied:
            form.add_error("held_on", _("Kỳ báo cáo chứa ngày này đã chốt số liệu: không thể ghi thêm."))
        else:
            messages.success(request, _("Đã ghi hoạt động."))
            return redirect(entry)
    return render(request, "reports/worklog/form.html", {"form": form})


def worklog_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(entries_visible_to(request), pk=pk)
    return render(
        request,
        "reports/worklog/detail.html",
        {
            "entry": entry,
            "units": entry.units.order_by("code"),
            "files": entry.attachments.all(),
            "can_write": services.can_write(request.user, entry.node, entry.held_on),
            "frozen": services.is_frozen(entry.node, entry.held_on),
            "file_form": WorkLogFileForm(),
        },
    )


def worklog_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(entries_visible_to(request), pk=pk)
    if not services.can_write(request.user, entry.node, entry.held_on):
        raise PermissionDenied
    form = WorkLogEntryForm(request.POST or None, instance=entry, nodes=OrgNode.objects.managed_by(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.worklog_update(
                entry=entry,
                by=request.user,
                data=form.cleaned_data,
                units=form.units,
                version=form.cleaned_data["version"],
            )
        except services.StaleEntry:
            form.add_error(None, _("Người khác vừa sửa hoạt động này; hãy tải lại trang rồi sửa lại."))
        except PermissionDenied:
            form.add_error("held_on", _("Kỳ báo cáo chứa ngày này đã chốt số liệu: không thể ghi thêm."))
        else:
            messages.success(request, _("Đã lưu hoạt động."))
            return redirect(entry)
    return render(request, "reports/worklog/form.html", {"form": form, "entry": entry})


@require_POST
def worklog_attach(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(entries_visible_to(request), pk=pk)
    if not services.can_write(request.user, entry.node, entry.held_on):
        raise PermissionDenied
    form = WorkLogFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.worklog_attach(entry=entry, by=request.user, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã đính kèm tệp."))
    else:
        messages.error(request, _("Hãy chọn một tệp."))
    return redirect(entry)


def worklog_file(request: HttpRequest, pk: int) -> FileResponse:
    return scoped_download(WorkLogAttachment.objects.filter(entry__in=entries_visible_to(request)), pk)


@require(can_manage_units)
def worklog_import_view(request: HttpRequest) -> HttpResponse:
    form = WorkLogImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            plan = plan_worklog_upload(upload=upload_read(file), by=request.user)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            if plan.ok:
                created = worklog_import(plan=plan, by=request.user, file_name=file.name)
                messages.success(request, _("Đã nhập %(n)d hoạt động.") % {"n": created})
                return redirect("reports:worklog_list")
            errors = plan.errors
    return render(
        request,
        "reports/worklog/import.html",
        {"form": form, "errors": errors, "columns": WORKLOG_COLUMNS, "example": WORKLOG_EXAMPLE},
    )
