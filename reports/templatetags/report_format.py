"""Vietnamese number formats for report templates: ``{{ cell.rate|format_rate }}``."""

from __future__ import annotations

from django import template

from reports import exports

register = template.Library()


@register.filter
def format_rate(rate: float | str | None) -> str:
    """``71.4`` → ``"71,4%"``; ``None`` (nothing expected) → ``"—"``.

    A missing cell reaches a filter as ``""`` (``string_if_invalid``): shown as "—" too.
    """
    return exports.format_rate(None if rate is None or rate == "" else float(rate))


@register.filter
def format_count(number: int | str | None) -> str:
    """``12345`` → ``"12.345"``; a missing figure stays empty."""
    return exports.format_count(number) if isinstance(number, int) else ""


@register.filter
def status_label(row: dict) -> str:
    """For the PDF (always Vietnamese): "Đã chốt (lần 2)" or "Chưa chốt"."""
    return exports.status_label(row)


@register.filter
def iso_date(value: str | None) -> str:
    """``"2025-12-31"`` (as stored in a payload) → ``"31/12/2025"``."""
    if not value:
        return ""
    year, month, day = str(value).split("-")
    return f"{day}/{month}/{year}"
