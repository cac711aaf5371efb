"""A record's attachments: upload, download, removal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from conferences import permissions, services
from conferences.forms import AttachmentForm
from conferences.models import Attachment, Record
from conferences.views.records import _visible_record_or_404


@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    record = _visible_record_or_404(request, pk)
    if not permissions.can_edit(request.user, record):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                record=record, by=request.user, upload=form.cleaned_data["file"], purpose=form.cleaned_data["purpose"]
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, _("Đã đính kèm “%(name)s”.") % {"name": attachment.original_name})
            return redirect(record)
    for error in form.errors.get("file", []) + form.errors.get("purpose", []):
        messages.error(request, error)
    return redirect(record)


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(Attachment.objects.filter(record__in=Record.objects.visible_to(request.user)), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=attachment.content_type not in ("application/pdf", "image/jpeg", "image/png"),
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(
        Attachment.objects.filter(record__in=Record.objects.visible_to(request.user)).select_related("record"), pk=pk
    )
    record = attachment.record
    services.attachment_remove(attachment=attachment, by=request.user)
    messages.success(request, _("Đã gỡ tệp."))
    return redirect(record)
