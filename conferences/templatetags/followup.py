"""Follow-up items on the record page and the chair's overdue list, where pages include them."""

from __future__ import annotations

from typing import Any

from django import template

from conferences import permissions
from conferences.followup import selectors
from conferences.followup.forms import ItemForm, OutcomeForm

register = template.Library()


def _with_forms(items: Any, can_report: bool, followed_in: Any = None) -> list[Any]:
    rows = list(items)
    for item in rows:
        item.can_report = can_report
        if can_report:
            item.outcome_form = OutcomeForm(
                initial={
                    "version": item.version,
                    "state": item.state,
                    "done_on": item.done_on,
                    "drop_reason": item.drop_reason,
                    "evidence_note": item.evidence_note,
                    "followed_in": followed_in.pk if followed_in is not None else None,
                },
                prefix=f"item{item.pk}",
            )
    return rows


@register.inclusion_tag("conferences/_followup_panel.html", takes_context=True)
def followup_items(context: template.Context, record: Any) -> dict[str, Any]:
    """The record's own items, and the unit's earlier open ones it should report on."""
    user = context["request"].user
    can_edit = permissions.can_edit(user, record)
    # Every item listed here belongs to the record's unit: one permission answer for all.
    can_report = permissions.can_file_for(user, record.unit)
    return {
        "record": record,
        "items": _with_forms(selectors.record_items(record), can_report),
        "carried": _with_forms(selectors.carried_items(record), can_report, followed_in=record),
        "can_edit": can_edit,
        "item_form": ItemForm() if can_edit else None,
        "follows": record.kind in selectors.FOLLOWING_KINDS,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("conferences/_overdue_panel.html")
def overdue_items(unit: Any) -> dict[str, Any]:
    return {"items": list(selectors.overdue_items(unit))}


@register.inclusion_tag("conferences/_open_items_notice.html")
def open_items_notice(unit: Any, kind: str) -> dict[str, Any]:
    """On a new conference's or dialogue's form: the unit's items still open, whose outcome
    the record's page will ask for once it is saved."""
    if kind not in selectors.FOLLOWING_KINDS:
        return {"items": []}
    return {"items": list(selectors.open_items(unit))}
