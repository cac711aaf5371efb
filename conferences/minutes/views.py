"""Pages of the minutes reading: the record's panel (polled while reading), signals, search."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from conferences.minutes import selectors, services
from conferences.minutes.formalism import signals_of
from conferences.minutes.forms import MinutesSearchForm, SignalFilterForm
from conferences.minutes.models import MinutesReading
from conferences.models import Record
from conferences.selectors import record_with_checks
from units.models import OrgNode
from units.permissions import can_read_tree, require

PAGE_SIZE = 50


@require_GET
def minutes_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The record's minutes panel alone: the record page polls it while a file is being read."""
    record = get_object_or_404(Record.objects.visible_to(request.user).select_related("unit__node"), pk=pk)
    rule, _checks = record_with_checks(record)
    panel = selectors.minutes_panel(record=record, rule=rule, user=request.user)
    return render(request, "conferences/_minutes_panel.html", {"record": record, "panel": panel})


@require_POST
def reading_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Read again a file whose reading failed (its unit's chair or staff above it)."""
    records = Record.objects.visible_to(request.user)
    reading = get_object_or_404(MinutesReading.objects.filter(attachment__record__in=records), pk=pk)
    services.reading_retry(reading=reading, by=request.user)
    messages.success(request, _("Đã đưa tệp vào hàng đợi đọc lại."))
    return redirect(f"{reverse('conferences:record_detail', args=[reading.attachment.record_id])}#minutes-reading")


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
@require(can_read_tree)
def signal_list(request: HttpRequest) -> HttpResponse:
    """Dấu hiệu hình thức: records of the user's subtree with a signal, filterable."""
    query = request.GET.copy()
    # This year unless another (or "all") is chosen: the list stays as small as the work at hand.
    query.setdefault("year", str(timezone.localdate().year))
    form = SignalFilterForm(query, nodes=OrgNode.objects.visible_to(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    records = selectors.signal_records(user=request.user, filters=filters)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    for record in page:
        record.signals = [selectors.SignalView(code) for code in signals_of(record)]
    return render(
        request,
        "conferences/signal_list.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


@require_GET
@require(can_read_tree)
def minutes_search(request: HttpRequest) -> HttpResponse:
    """Search the read minutes of the user's subtree by words, listing the matching units."""
    form = MinutesSearchForm(request.GET or None, nodes=OrgNode.objects.visible_to(request.user))
    page = None
    if form.is_valid():
        query = form.cleaned_data["q"]
        readings = selectors.search_readings(user=request.user, query=query, filters=form.cleaned_data)
        page = Paginator(readings, PAGE_SIZE).get_page(request.GET.get("page"))
        for reading in page:
            reading.snippet = selectors.snippet(reading.text, query)
    return render(
        request,
        "conferences/minutes_search.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )
