"""The follow-up items behind a figure of a report ("explain this number" for items)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from qcdc.years import MAX_YEAR, MIN_YEAR
from reports import compute
from reports.filters import filter_bar
from reports.followup import figures
from reports.followup.files import FOLLOWUP_INDICATORS
from reports.views.periods import EXPLAIN_PAGE, _int, _year_and_period, visible_close_or_404
from reports.views.runs import node_from_request, report_url
from units import periods
from units.filters import query_without_page
from units.periods import PeriodClose
from units.permissions import can_read_tree, require

FIGURE_LABELS: dict[str, Any] = {
    "agreed": _("Việc đã thống nhất"),
    "done_on_time": _("Việc xong đúng hạn"),
    "done_late": _("Việc xong trễ hạn"),
    "overdue": _("Việc quá hạn"),
    "dropped": _("Việc không thực hiện"),
}
BUCKET_LABELS: dict[str, Any] = {
    "done_on_time": _("Xong đúng hạn"),
    "done_late": _("Xong trễ hạn"),
    "overdue": _("Quá hạn"),
    "dropped": _("Không thực hiện"),
    "open": _("Đang thực hiện, chưa đến hạn"),
}


class FollowUpFilterForm(forms.Form):
    """Moves between the figures of one indicator and row: each list is one figure."""

    figure = forms.ChoiceField(label=_("Con số"), choices=list(FIGURE_LABELS.items()))

    def __init__(self, *args: Any, hidden: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = filter_bar(self, submit=_("Xem"), hidden=hidden, form_id="explain-filter")


@require(can_read_tree)
def explain_followup(request: HttpRequest) -> HttpResponse:
    """The items behind one follow-up figure, from a closed version or from live data."""
    indicator = request.GET.get("indicator", "")
    figure = request.GET.get("figure", "")
    if indicator not in FOLLOWUP_INDICATORS or figure not in FIGURE_LABELS:
        raise Http404
    row = _int(request.GET.get("row"))
    close = None
    if close_id := _int(request.GET.get("close")):
        close = visible_close_or_404(request, close_id, PeriodClose.objects.exclude(result__isnull=True))
        node, year, period = close.node, close.year, close.period
        items = figures.from_snapshot(close, indicator=indicator, figure=figure, row=row)
    else:
        node = node_from_request(request)
        year, period = _year_and_period(request)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise Http404
        items = figures.live(node, year, period, indicator=indicator, figure=figure, row=row)
    row_name = node.name
    if row is not None and row != node.pk:
        children = {n.pk: n.name for n, _path in compute.tree_for(year, period).children(node)}
        if row not in children:
            raise Http404
        row_name = children[row]
    if request.GET.get("format") == "xlsx":
        from reports.followup.files import items_xlsx_bytes

        stem = f"giai-trinh-viec-{node.code}-{year}-{indicator}-{figure}"
        body = items_xlsx_bytes(items.iterator(chunk_size=5000), title=f"{row_name} – {year}", labels=BUCKET_LABELS)
        return FileResponse(BytesIO(body), as_attachment=True, filename=f"{stem}.xlsx")
    page = Paginator(items, EXPLAIN_PAGE).get_page(request.GET.get("page"))
    hidden = {k: v for k, v in request.GET.items() if k not in ("figure", "page", "format")}
    context = {
        "filter_form": FollowUpFilterForm(request.GET, hidden=hidden),
        "back_url": close.get_absolute_url() if close else report_url(node, year, period),
        "node": node,
        "row_name": row_name,
        "year": year,
        "period_label": periods.Period(period).label,
        "close": close,
        "indicator_label": dict(compute.Indicator.choices)[indicator],
        "figure_label": FIGURE_LABELS[figure],
        "page": page,
        "rows": [{**item, "bucket_label": BUCKET_LABELS.get(item["item_bucket"], "")} for item in page],
        "query": query_without_page(request),
    }
    return render(request, "reports/explain_followup.html", context)
