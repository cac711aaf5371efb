"""The per-unit grid of a node: the page and its exports (XLSX, PDF, JSON)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from conferences.models import ObligationRule
from conferences.obligations import Indicator
from qcdc.downloads import JSON, PDF, XLSX, file_response
from reports import dashboard, grid
from reports.forms import GridForm
from reports.views.runs import node_from_request
from units.models import Category, OrgNode
from units.periods import Period
from units.permissions import can_read_tree, require

PDF_MAX_ROWS = 2000


def grid_query(request: HttpRequest, node: OrgNode) -> tuple[grid.GridQuery, GridForm]:
    """The grid's query from the request's filters (a bad value falls back to its default)."""
    form = GridForm(request.GET or None)
    indicator = form.value("indicator", "")
    sort = form.value("sort", "code")
    if sort.lstrip("-") not in (*[s.lstrip("-") for s in grid.SORTS], *Indicator.values):
        sort = "code"
    query = grid.GridQuery(
        node=node,
        year=form.value("year", dashboard.default_year()),
        period=form.value("period", Period.YEAR),
        indicator=indicator,
        category=form.value("category", ""),
        state=form.value("state", ""),
        search=form.value("q", "").strip(),
        sort=sort,
    )
    # The filters show what the page counts: a missing or refused value shows its default
    # (an unbound select would show its first choice, "6 tháng đầu năm", over a year's figures).
    shown = request.GET.copy()
    shown["per_page"] = form.value("per_page", grid.PAGE_SIZES[0])
    for name in ("year", "period", "indicator", "category", "state", "sort"):
        shown[name] = getattr(query, name)
    return query, GridForm(shown)


def _page_number(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("page") or 1)
    except ValueError:
        return 1


def with_links(page: grid.GridPage, year: int) -> grid.GridPage:
    """Set where each row and cell of ``page`` leads: three URLs reversed per page and
    filled in per row, rather than hundreds reversed by the template."""
    marker = 987654321
    unit_url, year_url, record_url = (
        reverse(name, args=[marker]).replace(str(marker), "{}")
        for name in ("units:unit_detail", "conferences:unit_year", "conferences:record_detail")
    )
    year_query = f"?year={year}"
    for row in page.rows:
        row.href = unit_url.format(row.unit_id)
        row.year_href = year_url.format(row.unit_id) + year_query
        for cell in row.cells:
            if cell.record_id:
                cell.href = record_url.format(cell.record_id)
            elif cell.state == grid.State.MISSING:
                cell.href = row.year_href
    return page


def grid_context(request: HttpRequest, node: OrgNode, query: grid.GridQuery, per_page: int) -> dict[str, Any]:
    """What the grid's template needs: shared by the grid page, the dashboard and the report."""
    page = grid.grid_page(query, page=_page_number(request), per_page=per_page, count_up_to=grid.COUNT_INLINE_UP_TO)
    params = request.GET.copy()
    params.pop("page", None)
    params["node"] = str(node.pk)
    sorting = params.copy()
    sorting.pop("sort", None)
    return {
        "grid": with_links(page, query.year),
        "grid_query": query,
        "grid_params": params.urlencode(),
        "grid_sort_params": sorting.urlencode(),
        "grid_period_label": Period(query.period).label,
    }


def grid_preview(
    node: OrgNode, year: int, period: str = Period.YEAR, *, rules: dict[str, ObligationRule] | None = None
) -> dict[str, Any]:
    """The grid's first page for a page that shows it in place of a lone total row (the
    dashboard and the report of a node whose children are units); its links lead to the
    grid page itself. ``rules``: the year's, when the page has read them already."""
    query = grid.GridQuery(node=node, year=year, period=period)
    params = QueryDict(mutable=True)
    params.update({"node": str(node.pk), "year": str(year), "period": period})
    page = grid.grid_page(query, per_page=grid.PAGE_SIZES[0], count_up_to=grid.COUNT_INLINE_UP_TO, rules=rules)
    return {
        "grid": with_links(page, year),
        "grid_query": query,
        "grid_params": params.urlencode(),
        "grid_sort_params": params.urlencode(),
        "grid_url": reverse("reports:grid"),
    }


def _count_fragment(request: HttpRequest, query: grid.GridQuery, per_page: int) -> HttpResponse:
    """The exact number of units the filters keep, for a page that could not wait for it:
    the count line and the pager's page number (swapped in by htmx)."""
    count = grid.grid_count(query)
    num_pages = max(1, -(-count // per_page))
    number = max(1, min(_page_number(request), num_pages))
    first = (number - 1) * per_page + 1 if count else 0
    context = {"n": count, "first": first, "last": min(number * per_page, count), "number": number}
    return render(request, "reports/_grid_count.html", context | {"num_pages": num_pages})


@require(can_read_tree)
def grid_view(request: HttpRequest) -> HttpResponse:
    node = node_from_request(request)
    query, form = grid_query(request, node)
    fmt = request.GET.get("format")
    if fmt == "pdf" and (count := grid.grid_count(query)) > PDF_MAX_ROWS:
        # A printable file of tens of thousands of rows would take minutes to lay out.
        messages.error(
            request,
            _("PDF in được tối đa %(max)s đơn vị (đang lọc %(n)s): hãy lọc bớt, hoặc tải XLSX.")
            % {"max": PDF_MAX_ROWS, "n": count},
        )
        params = request.GET.copy()
        params.pop("format")
        return redirect(f"{reverse('reports:grid')}?{params.urlencode()}")
    if fmt in ("xlsx", "pdf", "json"):
        return _export(node, query, fmt)
    per_page = form.value("per_page", grid.PAGE_SIZES[0])
    if request.GET.get("part") == "count":
        return _count_fragment(request, query, per_page)
    context = {"node": node, "form": form, **grid_context(request, node, query, per_page)}
    return render(request, "reports/grid.html", context)


def _export(node: OrgNode, query: grid.GridQuery, fmt: str) -> FileResponse:
    with translation.override("vi"):
        return _export_file(node, query, fmt)


def _export_file(node: OrgNode, query: grid.GridQuery, fmt: str) -> FileResponse:
    from reports.grid.files import grid_pdf_bytes, grid_xlsx_bytes

    stem = f"bang-theo-doi-{node.code}-{query.year}-{query.period}"
    if fmt == "json":
        body = json.dumps(
            {"org": node.code, "year": query.year, "period": query.period, "units": grid.units_payload(query)},
            ensure_ascii=False,
            indent=2,
        ).encode()
        return file_response(body, filename=f"{stem}.json", content_type=JSON)
    title = _title(node, query)
    indicators, rows = grid.grid_rows(query)
    make, content_type = (grid_xlsx_bytes, XLSX) if fmt == "xlsx" else (grid_pdf_bytes, PDF)
    return file_response(make(title, indicators, rows), filename=f"{stem}.{fmt}", content_type=content_type)


def _title(node: OrgNode, query: grid.GridQuery) -> str:
    """The files' heading, Vietnamese like the reports', with the filters applied."""
    when = "6 tháng đầu năm" if query.period == Period.HALF else "năm"
    parts = [f"Bảng theo dõi thực hiện QCDC {when} {query.year} – {node.name}"]
    if query.indicator:
        parts.append(str(Indicator(query.indicator).label))
    if query.category:
        parts.append(str(Category(query.category).label))
    if query.state:
        parts.append(str(grid.FILTERS[query.state]))
    if query.search:
        parts.append(f"“{query.search}”")
    return " · ".join(parts)
