"""Historical records imported from a file: upload, preview, confirm."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from conferences import importing
from conferences.models import Kind, Record
from units.forms import ImportForm
from units.importing import ImportConflict, ImportFileError, stash_claim, stash_upload, upload_read
from units.permissions import can_manage_units, require

IMPORT_ERRORS_SHOWN = 1000


@require(can_manage_units)
def import_events(request: HttpRequest) -> HttpResponse:
    """Historical records from a file: upload → preview → confirm, for units in the user's subtree.

    Only the token of the uploaded file travels between the steps; the confirmation
    reads and checks the file again, because records may have been filed meanwhile.
    """
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _import_events_confirm(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            upload = upload_read(file)
            plan = importing.plan_events_upload(upload=upload, by=request.user)
        except ImportFileError as exc:
            form.add_error("file", exc.message)
        else:
            # Only a file that can be imported is kept for the confirmation.
            token = stash_upload(upload) if plan.ok else ""
            return _import_events_preview(request, plan, token=token, file_name=file.name)
    return render(
        request,
        "conferences/import.html",
        {
            "form": form,
            "columns": importing.EVENT_IMPORT_COLUMNS,
            "example": importing.EVENT_IMPORT_EXAMPLE,
            "kinds": Kind.choices,
            "statuses": Record.Status.choices,
        },
    )


def _import_events_confirm(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    file_name = request.POST.get("file_name", "")[:255]  # only recorded in the audit entries
    try:
        plan = importing.plan_events_upload(upload=stash_claim(token), by=request.user)
        if not plan.ok:
            return _import_events_preview(request, plan, token="", file_name=file_name)
        result = importing.events_import(plan=plan, by=request.user, file_name=file_name)
    except ImportFileError as exc:
        messages.error(request, exc.message)
        return redirect("conferences:import_events")
    except ImportConflict:
        messages.error(
            request,
            _("Dữ liệu vừa được người khác thay đổi nên chưa nhập gì. Hãy tải tệp lên lại để xem trước bản mới."),
        )
        return redirect("conferences:import_events")
    messages.success(
        request,
        _("Đã nhập %(created)s hồ sơ; %(skipped)s hồ sơ đã có.")
        % {"created": result.created, "skipped": result.skipped},
    )
    return redirect("conferences:review_queue")


def _import_events_preview(
    request: HttpRequest, plan: importing.EventImportPlan, *, token: str, file_name: str
) -> HttpResponse:
    return render(
        request,
        "conferences/import_preview.html",
        {
            "plan": plan,
            "token": token,
            "file_name": file_name,
            "rows": plan.preview(),
            "total_rows": len(plan.creates) + len(plan.skipped),
            "errors": plan.errors[:IMPORT_ERRORS_SHOWN],
            "hidden_errors": max(0, len(plan.errors) - IMPORT_ERRORS_SHOWN),
        },
    )
