"""Filter bars of the report lists (the shared layout of ``units.filters``)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.explain import FIGURES
from reports.forms import PeriodForm, node_label
from reports.models import ReportRun
from units.filters import ListFilterSet, filter_bar
from units.models import Category, OrgNode
from units.periods import Period


def _visible_nodes(request: HttpRequest | None) -> QuerySet[OrgNode]:
    if request is None:
        return OrgNode.objects.none()
    return OrgNode.objects.visible_to(request.user)


def _recent_years() -> list[tuple[int, int]]:
    this_year = timezone.localdate().year
    return [(y, y) for y in range(this_year, this_year - 6, -1)]


class RunFilter(ListFilterSet):
    node = django_filters.ModelChoiceFilter(label=_("Cấp công đoàn"), queryset=_visible_nodes)
    year = django_filters.TypedChoiceFilter(label=_("Năm"), choices=_recent_years, coerce=int)
    period = django_filters.ChoiceFilter(label=_("Kỳ báo cáo"), choices=Period.choices)
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), choices=ReportRun.Status.choices)

    class Meta:
        model = ReportRun
        fields = ["node", "year", "period", "status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form.fields["node"].label_from_instance = node_label


class ExplainFilterForm(forms.Form):
    """Which figure of the indicator, and which category: the explanation list's filter bar.

    The list is the figure itself (its length is the number on the report), so the bar
    moves between figures rather than narrowing one."""

    figure = forms.ChoiceField(label=_("Con số"), choices=list(FIGURES.items()))
    category = forms.ChoiceField(label=_("Loại hình"), choices=[("", _("Tất cả")), *Category.choices], required=False)

    def __init__(self, *args: Any, hidden: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = filter_bar(self, submit=_("Xem"), hidden=hidden, form_id="explain-filter")


def period_picker(form: PeriodForm, *, node: OrgNode) -> PeriodForm:
    """The closing overview's year and period, in the filter bar's layout."""
    form.helper = filter_bar(form, submit=_("Xem"), hidden={"node": node.pk}, form_id="period-picker")
    return form
