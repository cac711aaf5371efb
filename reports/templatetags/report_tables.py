"""Filters to read a stored report payload in templates."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from reports import exports

register = template.Library()


@register.filter
def dict_get(mapping: dict[str, Any], key: str) -> Any:
    """``mapping|dict_get:key`` for a key held in a variable."""
    return mapping.get(key, {}) if isinstance(mapping, dict) else {}


@register.filter
def cell(cells: dict[str, Any], indicator: str) -> dict[str, Any]:
    """``row.cells|cell:"worker_conference"``: templates cannot index by a variable."""
    return cells.get(indicator, {})


register.filter("indicator_labels", exports.indicator_labels)


@register.filter
def indicator_label(code: str, indicators: list[dict[str, str]]) -> str:
    """One indicator's label (``indicator_labels`` is for a list of codes)."""
    return exports.indicator_labels([code], indicators)


@register.simple_tag
def explain_url(
    source: dict[str, Any], row: dict[str, Any] | None, indicator: str, figure: str, category: str = ""
) -> str:
    """The link from a figure to the units behind it.

    ``source`` addresses the report (a closed version, or a node, year and period live);
    a roll-up row read from a child's closed version links to that version's total; a
    category narrows the list to that category's units.
    """
    params: dict[str, Any] = dict(source)
    if row is not None and row.get("close_id") and row.get("close_id") != source.get("close"):
        params = {"close": row["close_id"]}
    elif row is not None:
        params["row"] = row["node_id"]
    params |= {"indicator": indicator, "figure": figure}
    if category:
        params["category"] = category
    return f"{reverse('reports:explain')}?{urlencode(params)}"


@register.filter
def subtract(value: int, other: int) -> int:
    return int(value or 0) - int(other or 0)


@register.filter
def figure_label(figure: str) -> str:
    from reports.explain import FIGURES

    return str(FIGURES.get(figure, figure))


@register.simple_tag
def followup_lines(payload: dict[str, Any]) -> dict[str, Any] | None:
    """``{% followup_lines payload as followup %}``: the follow-up table's lines (None for
    payloads built before follow-up figures existed)."""
    return exports.followup_context(payload)["followup"]


@register.simple_tag
def explain_followup_url(source: dict[str, Any], row: dict[str, Any] | None, indicator: str, figure: str) -> str:
    """The link from a follow-up figure to the items behind it (addressed like ``explain_url``)."""
    url = explain_url(source, row, indicator, figure)
    return url.replace(reverse("reports:explain"), reverse("reports:explain_followup"), 1)
