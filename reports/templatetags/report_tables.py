"""Filters to read a stored report payload in templates."""

from __future__ import annotations

from typing import Any

from django import template

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
