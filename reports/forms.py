from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.services import MAX_YEAR, MIN_YEAR
from units.models import OrgNode
from units.periods import Period


def node_label(node: OrgNode) -> str:
    """Indented by depth; a node merged away or ended says so, since it is offered for the
    years it still existed."""
    label = ("· " * node.depth) + f"{node.name} ({node.code})"
    if node.ended_on is not None:
        label += " – " + str(_("ngừng từ %(day)s")) % {"day": node.ended_on.strftime("%d/%m/%Y")}
    return label


class RunForm(forms.Form):
    node = forms.ModelChoiceField(label=_("Cấp công đoàn lập báo cáo"), queryset=OrgNode.objects.none())
    year = forms.TypedChoiceField(label=_("Năm"), coerce=int, choices=[])
    period = forms.TypedChoiceField(
        label=_("Kỳ báo cáo"), choices=Period.choices, initial=Period.YEAR, required=False, empty_value=Period.YEAR
    )
    by_category = forms.BooleanField(label=_("Chia theo loại hình"), required=False)

    def __init__(self, *args: Any, nodes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
        self.fields["node"].label_from_instance = node_label
        self.fields["node"].empty_label = None  # a report is always of some node
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, y) for y in range(this_year, this_year - 6, -1)]
        self.fields["year"].initial = this_year


class PeriodForm(forms.Form):
    """A reporting period: the year and the half-year or the full year."""

    year = forms.IntegerField(label=_("Năm"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    period = forms.ChoiceField(label=_("Kỳ báo cáo"), choices=Period.choices)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do mở lại"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": _("Hãy ghi rõ lý do mở lại.")},
    )
