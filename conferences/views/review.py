"""The officers' review queue."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from conferences import selectors
from conferences.filters import QueueFilter
from units.filters import query_without_page
from units.permissions import can_manage_units, require


@require(can_manage_units)
def review_queue(request: HttpRequest) -> HttpResponse:
    filterset = QueueFilter(request.GET, queryset=selectors.review_queue(user=request.user), request=request)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = query_without_page(request)
    context = {
        "filter": filterset,
        "page": page,
        "rows": selectors.review_rows(list(page)),
        "query": query,
        # The filters travel with each record so that, once reviewed, "next" keeps them.
        "queue": urlencode({"queue": query}),
    }
    return render(request, "conferences/review_queue.html", context)


@require(can_manage_units)
def review_next(request: HttpRequest) -> HttpResponse:
    """The next record of the queue, with the filters the reviewer was using."""
    filterset = QueueFilter(request.GET, queryset=selectors.review_queue(user=request.user), request=request)
    try:
        after = int(request.GET.get("after") or 0)
    except ValueError:
        after = 0
    record = filterset.qs.exclude(pk=after).first()
    query = request.GET.copy()
    query.pop("after", None)
    if record is None:
        messages.info(request, _("Đã hết hồ sơ trong hàng đợi với bộ lọc này."))
        return redirect(f"{reverse('conferences:review_queue')}?{query.urlencode()}")
    return redirect(f"{record.get_absolute_url()}?{urlencode({'queue': query.urlencode()})}")
