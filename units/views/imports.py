"""Browser imports of the tree and of units: upload → preview → confirm.

The uploaded file is kept on the server between the two steps; the page only carries
its token. The confirmation reads and checks the file again before writing.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from units import importing
from units.forms import ImportForm
from units.permissions import can_import_org, can_manage_units, require

MAX_ERRORS_SHOWN = 1000


@require(can_manage_units)
def import_units(request: HttpRequest) -> HttpResponse:
    return _import(request, importing.UNITS)


@require(can_import_org)
def import_org(request: HttpRequest) -> HttpResponse:
    return _import(request, importing.ORG)


def _import(request: HttpRequest, kind: importing.ImportKind) -> HttpResponse:
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _confirm(request, kind)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = importing.upload_read(form.cleaned_data["file"])
            plan = kind.plan_file(upload=upload, by=request.user)
        except importing.ImportFileError as exc:
            form.add_error("file", exc.message)
        else:
            # Only a file that can be imported is kept for the confirmation.
            token = importing.stash_upload(upload) if plan.ok else ""
            return _preview(request, kind, plan, token)
    return render(request, "units/import.html", {"form": form, "kind": kind})


def _confirm(request: HttpRequest, kind: importing.ImportKind) -> HttpResponse:
    token = request.POST.get("token", "")
    try:
        plan = kind.plan_file(upload=importing.stash_claim(token), by=request.user)
        if not plan.ok:
            return _preview(request, kind, plan, token="")
        if isinstance(plan, importing.UnitImportPlan):
            plan.create_accounts = request.POST.get("create_accounts") == "on"
        result = kind.apply(plan=plan, by=request.user)
    except importing.ImportFileError as exc:
        messages.error(request, exc.message)
        return redirect(kind.url_name)
    except importing.ImportConflict:
        messages.error(
            request,
            _("Dữ liệu vừa được người khác thay đổi nên chưa nhập gì. Hãy tải tệp lên lại để xem trước bản mới."),
        )
        return redirect(kind.url_name)
    messages.success(request, kind.done_message % {"created": result.created, "updated": result.updated})
    if result.accounts:
        messages.success(
            request,
            _("Đã tạo %(n)s tài khoản chủ tịch CĐCS; gửi lời mời ở trang Chủ tịch CĐCS.") % {"n": result.accounts},
        )
    return redirect("units:unit_list")


def _preview(
    request: HttpRequest,
    kind: importing.ImportKind,
    plan: importing.UnitImportPlan | importing.OrgImportPlan,
    token: str,
) -> HttpResponse:
    return render(
        request,
        "units/import_preview.html",
        {
            "kind": kind,
            "plan": plan,
            "token": token,
            "rows": plan.preview(),
            "total_rows": len(plan.creates) + len(plan.updates) + len(plan.unchanged),
            "errors": plan.errors[:MAX_ERRORS_SHOWN],
            "hidden_errors": max(0, len(plan.errors) - MAX_ERRORS_SHOWN),
        },
    )
