"""Report runs: request one, watch it build, read it, download it as it was built."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from conferences.facts.maintain import rules_by_year
from qcdc import jobs
from qcdc.years import year_param
from reports import dashboard, services
from reports.filters import RunFilter
from reports.forms import RunForm
from reports.models import ReportRun
from reports.permissions import can_request_report
from reports.reminders import reminder_reach
from units.filters import query_without_page
from units.models import OrgNode, Unit
from units.periods import trend_years
from units.permissions import can_manage_units, can_read_tree, require


def _visible_runs(request: HttpRequest) -> QuerySet[ReportRun]:
    return ReportRun.objects.filter(node__in=OrgNode.objects.visible_to(request.user))


def visible_run_or_404(request: HttpRequest, pk: int) -> ReportRun:
    return get_object_or_404(_visible_runs(request).select_related("node", "requested_by"), pk=pk)


def report_url(node: OrgNode, year: int, period: str) -> str:
    """The latest finished report of a node's period, else the list of its reports (one query)."""
    run = (
        ReportRun.objects.filter(node=node, year=year, period=period, status=ReportRun.Status.DONE)
        .order_by("-created_at")
        .only("pk")
        .first()
    )
    if run is not None:
        return run.get_absolute_url()
    return f"{reverse('reports:run_list')}?{urlencode({'node': node.pk, 'year': year, 'period': period})}"


@require(can_read_tree)
def run_list(request: HttpRequest) -> HttpResponse:
    nodes = OrgNode.objects.visible_to(request.user)
    form = RunForm(nodes=nodes, initial={"node": nodes.order_by("depth", "code").first()})
    filterset = RunFilter(
        request.GET or None, queryset=_visible_runs(request).select_related("node", "requested_by"), request=request
    )
    page = Paginator(filterset.qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/run_list.html",
        {"form": form, "filter": filterset, "page": page, "query": query_without_page(request)},
    )


@require(can_request_report)
@require_POST
def run_create(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST, nodes=OrgNode.objects.visible_to(request.user))
    if not form.is_valid():
        filterset = RunFilter(
            None, queryset=_visible_runs(request).select_related("node", "requested_by"), request=request
        )
        page = Paginator(filterset.qs, 30).get_page(1)
        return render(
            request, "reports/run_list.html", {"form": form, "filter": filterset, "page": page, "query": ""}, status=400
        )
    run, _created = services.report_request(
        node=form.cleaned_data["node"],
        year=form.cleaned_data["year"],
        by_category=form.cleaned_data["by_category"],
        period=form.cleaned_data["period"],
        by=request.user,
    )
    return redirect(run)


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = visible_run_or_404(request, pk)
    payload = run.result
    own_close = (payload or {}).get("close")
    source = {"close": own_close["id"]} if own_close else {"node": run.node_id, "year": run.year, "period": run.period}
    from reports.views.jobs import status_context

    context = {
        "run": run,
        "payload": payload,
        "explain_source": source,
        # Older payloads carry only the (possibly cut) list; newer ones its full length too.
        "missing_total": payload.get("missing_total", len(payload["missing"])) if payload else 0,
        **status_context(request, run, "run"),
    }
    if payload and not payload["rows"]:
        # A node whose children are units: its report would be a lone total row.
        from reports.views.grid import grid_preview

        context |= grid_preview(run.node, run.year, run.period)
    return render(request, "reports/run_detail.html", context)


def node_from_request(request: HttpRequest) -> OrgNode:
    """The node asked for (404 outside the user's subtree), else the user's top node."""
    visible = OrgNode.objects.visible_to(request.user)
    if node_id := request.GET.get("node") or request.POST.get("node"):
        try:
            return get_object_or_404(visible, pk=int(node_id))
        except ValueError as exc:
            raise Http404 from exc
    node = visible.order_by("depth", "path").first()
    if node is None:
        raise Http404
    return node


@require(can_read_tree)
def dashboard_view(request: HttpRequest) -> HttpResponse:
    node = node_from_request(request)
    year = year_param(request, default=dashboard.default_year())
    years = trend_years(year)
    # Read once for the figures, the grid and the deadlines of the overdue units.
    rules = rules_by_year(years)
    payloads = dashboard.latest_payloads(node, years, rules=rules)
    # The figures are live; only the year shown needs a run, for its list of missing units.
    requested, building = dashboard.payloads_requested(node, [year], payloads)
    if requested > len(building):
        # Some were built just now, in-process (no broker): read them.
        payloads = dashboard.latest_payloads(node, years, rules=rules)
    payload = payloads.get(year)
    indicator = request.GET.get("indicator") or "worker_conference"
    context: dict[str, Any] = {
        "node": node,
        "year": year,
        "years": list(range(dashboard.default_year(), dashboard.default_year() - 6, -1)),
        "breadcrumb": OrgNode.objects.visible_to(request.user).filter(pk__in=node.ancestor_ids).order_by("depth"),
        "payload": payload,
        "indicator": indicator,
        "can_remind": can_manage_units(request.user),
        "building": building,
        "building_status_url": reverse("reports:run_status", args=[building[0].pk]) if building else "",
    }
    if not OrgNode.objects.filter(parent=node).exists():
        # A district's dashboard: its children are units, so it shows them one by one.
        from reports.views.grid import grid_preview

        context |= grid_preview(node, year, rules=rules.get(year, {}))
    if payload:
        if indicator not in payload["total"]["cells"]:
            indicator = context["indicator"] = payload["indicators"][0]["code"]
        children = dashboard.child_rates(payload, indicator)
        overdue = dashboard.overdue_units(payload, year, timezone.localdate(), rules=rules.get(year, {}))
        own_close = payload.get("close")
        context |= {
            "explain_source": {"close": own_close["id"]}
            if own_close
            else {"node": node.pk, "year": year, "period": payload.get("period", "year")},
            "kpis": dashboard.kpis(payload, payloads.get(year - 1)),
            "children": children,
            "laggards": list(reversed(children))[: dashboard.LAGGARDS],
            "overdue": overdue[: dashboard.OVERDUE_UNITS],
            "remind_reach": reminder_reach(
                user=request.user, unit_ids=[u["unit_id"] for u in overdue[: dashboard.OVERDUE_UNITS]]
            )
            if context["can_remind"] and overdue
            else (0, 0),
            "overdue_total": len(overdue),
            "missing_total": payload.get("missing_total", len(payload["missing"])),
            "top_failure": dashboard.top_failure(payload),
            "indicator_label": next(i["label"] for i in payload["indicators"] if i["code"] == indicator),
            "chart_data": {
                "indicator": indicator,
                "average": payload["total"]["cells"][indicator]["rate"],
                "children": [
                    {"label": c["name"], "rate": c["rate"], "url": _drill_url(c["node_id"], year, indicator)}
                    for c in children
                ],
                "years": years,
                "trend": dashboard.trend(payloads, years),
                "labels": {i["code"]: i["label"] for i in payload["indicators"]},
            },
        }
    return render(request, "reports/dashboard.html", context)


def _drill_url(node_id: int | None, year: int, indicator: str) -> str | None:
    if node_id is None:
        return None
    return f"{reverse('reports:dashboard')}?{urlencode({'node': node_id, 'year': year, 'indicator': indicator})}"


@require(can_manage_units)
@require_POST
def dashboard_remind(request: HttpRequest) -> HttpResponse:
    """Remind now the chairs of the overdue units the dashboard shows (a Celery job)."""
    node = node_from_request(request)
    year = year_param(request, default=dashboard.default_year())
    payload = dashboard.latest_payloads(node, [year]).get(year)
    overdue = dashboard.overdue_units(payload, year, timezone.localdate()) if payload else []
    # Only units the user manages: a leader's view may list more than staff may act on.
    unit_ids = list(
        Unit.objects.managed_by(request.user)
        .filter(pk__in=[u["unit_id"] for u in overdue[: dashboard.OVERDUE_UNITS]])
        .values_list("pk", flat=True)
    )
    if not unit_ids:
        messages.info(request, _("Không có đơn vị quá hạn nào để nhắc."))
    else:
        from reports.tasks import remind_units

        jobs.dispatch(remind_units, unit_ids=unit_ids, year=year)
        messages.success(
            request,
            ngettext(
                "Đang gửi nhắc việc tới chủ tịch của %(n)d đơn vị.",
                "Đang gửi nhắc việc tới chủ tịch của %(n)d đơn vị.",
                len(unit_ids),
            )
            % {"n": len(unit_ids)},
        )
    return redirect(_drill_url(node.pk, year, request.POST.get("indicator") or "worker_conference") or "/")
