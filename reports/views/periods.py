"""Closing periods: where each node stands, close, reopen, read a closed version and its
differences, and the units behind any figure ("explain this number")."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from conferences import selectors as record_selectors
from conferences.models import Record
from qcdc.downloads import XLSX, file_response
from qcdc.years import MAX_YEAR, MIN_YEAR
from reports import closing, compute, explain
from reports.filters import ExplainFilterForm, period_picker
from reports.forms import PeriodForm, ReopenForm
from reports.views.runs import node_from_request, report_url
from units import periods
from units.filters import query_without_page
from units.models import Category, OrgNode
from units.periods import PeriodClose
from units.permissions import can_read_tree, require

EXPLAIN_PAGE = 100


def visible_close_or_404(request: HttpRequest, pk: int, closes: QuerySet[PeriodClose] | None = None) -> PeriodClose:
    """A close the user may read: its node is in their subtree now, or was on the period's
    last day (a node moved away since still answers to its old province for that period)."""
    close = get_object_or_404(
        (closes if closes is not None else PeriodClose.objects.all()).select_related("node"), pk=pk
    )
    if not closing.can_read(request.user, close):
        raise Http404
    return close


def _year_and_period(request: HttpRequest) -> tuple[int, str]:
    form = PeriodForm(request.GET or request.POST)
    if form.is_valid():
        return form.cleaned_data["year"], form.cleaned_data["period"]
    return timezone.localdate().year, periods.Period.YEAR


@require(can_read_tree)
def period_overview(request: HttpRequest) -> HttpResponse:
    """A node's own close for a period, and where each child stands against its deadline."""
    node = node_from_request(request)
    year, period = _year_and_period(request)
    # The children on the period's last day: a node merged away since still answers for it.
    children = [child for child, _path in compute.tree_for(year, period).children(node)]
    latest = closing.current_closes([node, *children], year, period)
    deadlines = periods.deadlines_for([node, *children], year, period)
    today = timezone.localdate()

    def line(n: OrgNode) -> dict[str, Any]:
        close = latest.get(n.pk)
        closed = close is not None and close.status == PeriodClose.Status.CLOSED
        return {
            "node": n,
            "close": close,
            "deadline": deadlines[n.pk],
            "overdue": not closed and today > deadlines[n.pk],
        }

    own = line(node)
    own_close = own["close"]
    can_close = (
        closing.can_close(request.user, node)
        and periods.period_end(year, period) < timezone.localdate()
        and (own_close is None or own_close.status in (PeriodClose.Status.REOPENED, PeriodClose.Status.FAILED))
    )
    context = {
        "node": node,
        "year": year,
        "period": period,
        "period_label": periods.Period(period).label,
        "form": period_picker(PeriodForm(initial={"year": year, "period": period}), node=node),
        "own": own,
        "children": [line(c) for c in children],
        "can_close": can_close,
        "pending": _pending(node, year, period) if can_close else None,
        "period_open": periods.period_end(year, period) >= timezone.localdate(),
        "breadcrumb": OrgNode.objects.visible_to(request.user).filter(pk__in=node.ancestor_ids).order_by("depth"),
    }
    return render(request, "reports/periods.html", context)


@require(can_read_tree)
@require_POST
def close_create(request: HttpRequest) -> HttpResponse:
    node = node_from_request(request)
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Năm hoặc kỳ báo cáo không hợp lệ."))
        return redirect(f"{reverse('reports:periods')}?node={node.pk}")
    year, period = form.cleaned_data["year"], form.cleaned_data["period"]
    waiting = _pending(node, year, period).counts[Record.Status.SUBMITTED]
    if waiting and request.POST.get("ack_pending") != "1":
        messages.error(
            request,
            ngettext(
                "%(n)d hồ sơ đang chờ duyệt: hãy duyệt, hoặc xác nhận rằng hồ sơ này được tính là chưa thực hiện.",
                "%(n)d hồ sơ đang chờ duyệt: hãy duyệt, hoặc xác nhận rằng các hồ sơ này được tính là chưa thực hiện.",
                waiting,
            )
            % {"n": waiting},
        )
        return redirect(_overview_url(node.pk, year, period))
    try:
        close, _created = closing.close_request(
            node=node, year=form.cleaned_data["year"], period=form.cleaned_data["period"], by=request.user
        )
    except closing.AlreadyClosed:
        messages.warning(request, _("Kỳ báo cáo này đã được chốt; chỉ cấp trên mới mở lại được."))
        return redirect(_overview_url(node.pk, form.cleaned_data["year"], form.cleaned_data["period"]))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_overview_url(node.pk, form.cleaned_data["year"], form.cleaned_data["period"]))
    return redirect(close)


def _pending(node: OrgNode, year: int, period: str) -> record_selectors.Pending:
    return record_selectors.pending_under(
        node_path=node.path, start=datetime.date(year, 1, 1), end=periods.period_end(year, period)
    )


def _overview_url(node_id: int, year: int, period: str) -> str:
    return f"{reverse('reports:periods')}?node={node_id}&year={year}&period={period}"


@require(can_read_tree)
def close_detail(request: HttpRequest, pk: int) -> HttpResponse:
    close = visible_close_or_404(request, pk, PeriodClose.objects.select_related("closed_by", "reopened_by"))
    versions = (
        PeriodClose.objects.filter(node=close.node, year=close.year, period=close.period)
        .select_related("closed_by", "reopened_by")
        .defer("result")
        .order_by("-version")
    )
    from reports.views.jobs import status_context

    context = {
        **status_context(request, close, "close"),
        "close": close,
        "can_regenerate": close.result is not None and closing.can_close(request.user, close.node),
        "payload": close.result,
        "versions": versions,
        "explain_source": {"close": close.pk},
        "can_reopen": close.status == PeriodClose.Status.CLOSED and closing.can_reopen(request.user, close),
        "held_above": closing.held_above(close) if close.status == PeriodClose.Status.CLOSED else None,
        "reopen_form": ReopenForm(),
        "pending": _pending(close.node, close.year, close.period)
        if close.status == PeriodClose.Status.CLOSED
        else None,
        "overview_url": _overview_url(close.node_id, close.year, close.period),
    }
    return render(request, "reports/close_detail.html", context)


@require(can_read_tree)
@require_POST
def close_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    close = visible_close_or_404(request, pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hãy ghi rõ lý do mở lại."))
        return redirect(close)
    try:
        closing.close_reopen(close=close, by=request.user, reason=form.cleaned_data["reason"])
    except closing.NotClosed:
        messages.warning(request, _("Phiên bản này không còn ở trạng thái đã chốt."))
        return redirect(close)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(close)
    messages.success(
        request,
        _("Đã mở lại kỳ báo cáo của %(node)s. Đơn vị có thể sửa hồ sơ rồi chốt lại.") % {"node": close.node.name},
    )
    return redirect(close)


@require(can_read_tree)
@require_POST
def close_regenerate_files(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a closed version's XLSX and PDF again; its figures stay as they were."""
    close = visible_close_or_404(request, pk)
    try:
        closing.close_files_regenerate(close=close, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(close)
    messages.success(request, _("Đang tạo lại tệp XLSX và PDF của phiên bản này."))
    return redirect(close)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError as exc:
        raise Http404 from exc


@require(can_read_tree)
def explain_view(request: HttpRequest) -> HttpResponse:
    """The units behind one figure, from a closed version's snapshot or from live data."""
    indicator = request.GET.get("indicator", "")
    figure = request.GET.get("figure", "")
    if indicator not in compute.INDICATORS or figure not in explain.FIGURES:
        raise Http404
    category = request.GET.get("category") or None
    if category is not None and category not in Category.values:
        raise Http404
    address = explain.Address(indicator=indicator, figure=figure, row=_int(request.GET.get("row")), category=category)
    close = None
    if close_id := _int(request.GET.get("close")):
        close = visible_close_or_404(request, close_id, PeriodClose.objects.exclude(result__isnull=True))
        node, year, period = close.node, close.year, close.period
        units = explain.from_snapshot(close, address)
    else:
        node = node_from_request(request)
        year, period = _year_and_period(request)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise Http404
        units = explain.live(node, year, period, address)
    row_name = node.name
    if address.row is not None and address.row != node.pk:
        # A child of the report's node on the period's last day: it may have moved out of
        # the user's subtree since, and still be the row of this (past) report.
        children = {n.pk: n.name for n, _path in compute.tree_for(year, period).children(node)}
        if address.row not in children:
            raise Http404
        row_name = children[address.row]
    if request.GET.get("format") == "xlsx":
        from reports.exports import explain_xlsx_bytes

        stem = f"giai-trinh-{node.code}-{year}-{indicator}-{figure}"
        body = explain_xlsx_bytes(units.iterator(chunk_size=5000), title=f"{row_name} – {year}")
        return file_response(body, filename=f"{stem}.xlsx", content_type=XLSX)
    page = Paginator(units, EXPLAIN_PAGE).get_page(request.GET.get("page"))
    held_on = dict(
        Record.objects.filter(pk__in=[u["record_id"] for u in page if u["record_id"]]).values_list("pk", "held_on")
    )
    hidden = {k: v for k, v in request.GET.items() if k not in ("figure", "category", "page", "format")}
    context = {
        "filter_form": ExplainFilterForm(request.GET, hidden=hidden),
        "back_url": close.get_absolute_url() if close else report_url(node, year, period),
        "node": node,
        "row_name": row_name,
        "year": year,
        "period_label": periods.Period(period).label,
        "close": close,
        "indicator_label": dict(compute.Indicator.choices)[indicator],
        "figure_label": explain.FIGURES[figure],
        "category_label": Category(category).label if category else "",
        "figure": figure,
        "page": page,
        "rows": [{**u, "held_on": held_on.get(u["record_id"])} for u in page],
        "query": query_without_page(request),
    }
    return render(request, "reports/explain.html", context)
