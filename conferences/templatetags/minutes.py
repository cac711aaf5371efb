"""The minutes panel of a record page, rendered where the page includes it."""

from __future__ import annotations

from typing import Any

from django import template

from conferences.minutes.selectors import minutes_panel

register = template.Library()


@register.inclusion_tag("conferences/_minutes_panel.html", takes_context=True)
def minutes_reading(context: template.Context, record: Any, rule: Any) -> dict[str, Any]:
    """What the record's files say against what was typed, and its formalism signals."""
    panel = minutes_panel(record=record, rule=rule, user=context["request"].user)
    return {"record": record, "panel": panel, "csrf_token": context.get("csrf_token")}
