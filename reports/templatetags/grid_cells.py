"""The grid's body rows, written in Python.

A page of the grid has 50 to 500 rows of four to nine cells; written with template tags,
each cell cost a dozen variable lookups and tag evaluations, and the page's body took
~28 ms of a ~100 ms request at 200,000 units on the loaded 2-core machine (``format_html``
per cell still took ~14 ms). Here each row is one string with every value escaped by
``html.escape`` (the same five characters as Django's ``escape``): a few milliseconds.
"""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.grid.types import GridCell, GridPage, GridRow, State

register = template.Library()


def _e(value: object) -> str:
    return escape(str(value))


def _cell(row: GridRow, cell: GridCell, reason_word: str) -> str:
    words = f'<a href="{_e(cell.href)}">{_e(cell.label)}</a>' if cell.href else _e(cell.label)
    held = f'<span class="d-block">{_e(cell.held_on_text)}</span>' if cell.held_on else ""
    if cell.state == State.RETURNED and cell.return_reason:
        reason_id = _e(f"reason-{row.unit_id}-{cell.indicator}")
        detail = (
            f'<span class="grid-reason-anchor" tabindex="0" aria-describedby="{reason_id}">{reason_word}'
            f'<span class="grid-reason" role="tooltip" id="{reason_id}">{_e(cell.return_reason)}</span></span>'
        )
    elif cell.note:
        detail = f'<span class="d-block text-body-secondary">{_e(cell.note)}</span>'
    else:
        detail = ""
    late = " grid-late" if cell.late_or_poor else ""
    state = _e(cell.state)
    return (
        f'<td class="grid-cell grid-{state}{late}" data-indicator="{_e(cell.indicator)}" data-state="{state}">'
        f"{words}{held}{detail}</td>"
    )


def _row(row: GridRow, reason_word: str) -> str:
    overdue = (
        f'<a class="text-danger fw-semibold" href="{_e(row.year_href)}#overdue-items">{row.overdue:d}</a>'
        if row.overdue
        else "0"
    )
    cells = "".join(_cell(row, cell, reason_word) for cell in row.cells)
    code = _e(row.code)
    return (
        f'<tr data-unit="{code}"><td><a href="{_e(row.href)}">{code}</a></td>'
        f'<td>{_e(row.name)}<div class="text-muted">{_e(row.category_label)}</div></td>'
        f'<td>{_e(row.node_name)}</td><td class="text-end" data-overdue="{row.overdue:d}">{overdue}</td>{cells}</tr>\n'
    )


@register.simple_tag
def grid_body_rows(page: GridPage) -> SafeString:
    """The ``<tr>`` of every row of ``page`` (its links set by ``reports.views.grid.with_links``)."""
    reason_word = _e(_("Lý do"))
    return mark_safe("".join(_row(row, reason_word) for row in page.rows))  # noqa: S308  (every value escaped above)
