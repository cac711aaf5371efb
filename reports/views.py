"""Report runs: request one, watch it build, read it, download it as it was built."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from reports import services
from reports.forms import RunForm
from reports.models import ReportRun
from units.models import OrgNode
from units.permissions import can_read_tree, require


def _visible_runs(request: HttpRequest) -> QuerySet[ReportRun]:
    return ReportRun.objects.filter(node__in=OrgNode.objects.visible_to(request.user))


def _visible_run_or_404(request: HttpRequest, pk: int) -> ReportRun:
    return get_object_or_404(_visible_runs(request).select_related("node", "requested_by"), pk=pk)


@require(can_read_tree)
def run_list(request: HttpRequest) -> HttpResponse:
    nodes = OrgNode.objects.visible_to(request.user)
    form = RunForm(nodes=nodes, initial={"node": nodes.order_by("depth", "code").first()})
    runs = _visible_runs(request).select_related("node", "requested_by")
    page = Paginator(runs, 30).get_page(request.GET.get("page"))
    return render(request, "reports/run_list.html", {"form": form, "page": page})


@require(can_read_tree)
@require_POST
def run_create(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST, nodes=OrgNode.objects.visible_to(request.user))
    if not form.is_valid():
        runs = _visible_runs(request).select_related("node", "requested_by")
        page = Paginator(runs, 30).get_page(1)
        return render(request, "reports/run_list.html", {"form": form, "page": page}, status=400)
    run, _created = services.report_request(
        node=form.cleaned_data["node"],
        year=form.cleaned_data["year"],
        by_category=form.cleaned_data["by_category"],
        by=request.user,
    )
    return redirect(run)


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _visible_run_or_404(request, pk)
    return render(request, "reports/run_detail.html", {"run": run, "payload": run.result})


def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment htmx polls; once the run ends it tells the page to reload."""
    run = _visible_run_or_404(request, pk)
    response = render(request, "reports/_run_status.html", {"run": run})
    if not run.is_active:
        response["HX-Refresh"] = "true"
    return response


def run_download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    run = _visible_run_or_404(request, pk)
    if run.status != ReportRun.Status.DONE:
        raise Http404
    stem = f"bao-cao-qcdc-{run.node.code}-{run.year}"
    if fmt == "json":
        from io import BytesIO

        return FileResponse(
            BytesIO(services.json_bytes(run)),
            as_attachment=True,
            filename=f"{stem}.json",
            content_type="application/json",
        )
    field = {"xlsx": run.xlsx, "pdf": run.pdf}.get(fmt)
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=f"{stem}.{fmt}")
