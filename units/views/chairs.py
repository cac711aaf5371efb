"""The staff's "Chủ tịch CĐCS" page: each unit's chair and account, bulk invitations,
printed letters with a one-time code, and the chair's activation with that code."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from qcdc import jobs
from qcdc.downloads import PDF, file_response
from units import chairs, onboarding
from units.exports import chairs_workbook_response
from units.forms import ActivationForm, ChairFilterForm
from units.invitations import InvitationBatch
from units.models import OrgNode, Unit
from units.permissions import can_manage_units, require

PAGE_SIZE = 100


def _filtered(request: HttpRequest) -> tuple[ChairFilterForm, QuerySet[Unit]]:
    form = ChairFilterForm(request.GET or None, nodes=OrgNode.objects.managed_by(request.user))
    form.is_valid()
    data = form.cleaned_data if form.is_bound else {}
    node = data.get("node")
    units = chairs.chairs_filtered(
        user=request.user,
        state=data.get("state") or "",
        search=(data.get("q") or "").strip(),
        node_path=node.path if node else "",
    )
    return form, units


@require(can_manage_units)
def chair_list(request: HttpRequest) -> HttpResponse:
    form, units = _filtered(request)
    if request.GET.get("format") == "xlsx":
        rows = chairs.chair_rows(list(units.select_related("node")))
        return chairs_workbook_response(rows)
    page = Paginator(units.select_related("node"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    latest_batch = InvitationBatch.objects.filter(created_by=request.user).first()
    context = {
        "form": form,
        "page": page,
        "rows": chairs.chair_rows(list(page)),
        "query": query.urlencode(),
        "batch": latest_batch if latest_batch and latest_batch.is_active else None,
    }
    return render(request, "units/chairs.html", context)


def _selected(request: HttpRequest) -> list[int]:
    return [int(v) for v in request.POST.getlist("unit") if v.isdigit()]


@require(can_manage_units)
@require_POST
def chair_invite_bulk(request: HttpRequest) -> HttpResponse:
    """Send or resend invitations to the selected chairs: a Celery job with progress."""
    selected = _selected(request)
    if not selected:
        messages.info(request, _("Hãy chọn ít nhất một đơn vị."))
        return redirect("units:chair_list")
    batch = onboarding.invitations_request(unit_ids=selected, by=request.user)
    return redirect("units:chair_batch", pk=batch.pk)


def _own_batch_or_404(request: HttpRequest, pk: int) -> InvitationBatch:
    return get_object_or_404(InvitationBatch.objects.filter(created_by=request.user), pk=pk)


@require(can_manage_units)
def chair_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _own_batch_or_404(request, pk)
    status_url = reverse("units:chair_batch_status", args=[batch.pk])
    return render(request, "units/chair_batch.html", {"batch": batch, "job": batch, "status_url": status_url})


@require(can_manage_units)
def chair_batch_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment htmx polls; when the job ends it reloads the page."""
    batch = _own_batch_or_404(request, pk)
    return jobs.status_response(request, {"job": batch, "status_url": reverse("units:chair_batch_status", args=[pk])})


@require(can_manage_units)
@require_POST
def chair_letters(request: HttpRequest) -> HttpResponse:
    """Printed invitation letters for the selected chairs: one A4 page per unit, each with
    a new one-time code (the codes of earlier letters keep working until they expire)."""
    from weasyprint import HTML, URLFetcher

    selected = _selected(request)
    if not selected:
        messages.info(request, _("Hãy chọn ít nhất một đơn vị."))
        return redirect("units:chair_list")
    letters, without = onboarding.letters_issue(unit_ids=selected, by=request.user)
    if not letters:
        messages.warning(
            request,
            _(
                "Không có thư nào để in: các đơn vị đã chọn chưa có email hoặc điện thoại của chủ tịch, "
                "hoặc chủ tịch đã kích hoạt tài khoản."
            ),
        )
        return redirect("units:chair_list")
    if without:
        messages.warning(
            request,
            ngettext(
                "%(n)d đơn vị không có thư: chưa có thông tin chủ tịch, hoặc chủ tịch đã kích hoạt tài khoản.",
                "%(n)d đơn vị không có thư: chưa có thông tin chủ tịch, hoặc chủ tịch đã kích hoạt tài khoản.",
                without,
            )
            % {"n": without},
        )
    with translation.override("vi"):
        html = render(
            request,
            "units/chair_letters_pdf.html",
            {
                "letters": letters,
                "sign_in_url": settings.SITE_URL.rstrip("/") + reverse("login"),
                "activate_url": settings.SITE_URL.rstrip("/") + reverse("units:chair_activate"),
                "today": timezone.localdate(),
            },
        ).content.decode()
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=URLFetcher(allowed_protocols=("data",)))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return file_response(pdf.write_pdf(), filename=f"thu-moi-chu-tich-{stamp}.pdf", content_type=PDF)


@login_not_required
def chair_activate(request: HttpRequest) -> HttpResponse:
    """A chair reached by letter: username (or e-mail), the letter's code, a new password."""
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = onboarding.letter_code_redeem(
            login=form.cleaned_data["login"],
            code=form.cleaned_data["code"],
            password=form.cleaned_data["new_password1"],
        )
        if user is not None:
            login(request, user, backend="units.backends.UsernameOrEmailBackend")
            messages.success(request, _("Đã đặt mật khẩu. Chào mừng bạn đến với QCDC Tracker."))
            return redirect("home")
        form.add_error("code", _("Mã kích hoạt không đúng, đã dùng hoặc đã hết hạn."))
    return render(request, "units/chair_activate.html", {"form": form}, status=400 if form.errors else 200)
