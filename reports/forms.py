from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qcdc.years import MAX_YEAR, MIN_YEAR
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


class GridForm(forms.Form):
    """The grid's filters; a value that is not offered falls back to its default."""

    year = forms.IntegerField(label=_("Năm"), min_value=MIN_YEAR, max_value=MAX_YEAR, required=False)
    period = forms.ChoiceField(label=_("Kỳ báo cáo"), choices=Period.choices, required=False)
    indicator = forms.ChoiceField(label=_("Chỉ tiêu"), required=False)
    category = forms.ChoiceField(label=_("Loại hình"), required=False)
    state = forms.ChoiceField(label=_("Tình trạng"), required=False)
    q = forms.CharField(label=_("Tìm theo tên hoặc mã"), max_length=100, required=False)
    sort = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    per_page = forms.TypedChoiceField(label=_("Số dòng mỗi trang"), coerce=int, required=False, empty_value=50)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from conferences.obligations import Indicator
        from reports.grid import FILTERS, PAGE_SIZES
        from units.models import Category

        super().__init__(*args, **kwargs)
        everything = [("", _("Tất cả"))]
        self.fields["indicator"].choices = everything + list(Indicator.choices)
        self.fields["category"].choices = everything + list(Category.choices)
        self.fields["state"].choices = everything + list(FILTERS.items())
        self.fields["per_page"].choices = [(n, n) for n in PAGE_SIZES]
        for name in ("year", "period", "indicator", "category", "state", "per_page"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["year"].widget = forms.Select(
            choices=[(y, y) for y in range(timezone.localdate().year, timezone.localdate().year - 6, -1)],
            attrs={"class": "form-select form-select-sm"},
        )
        self.fields["q"].widget.attrs.update({"class": "form-control form-control-sm", "type": "search"})
        self.fields["year"].initial = timezone.localdate().year
        self.fields["period"].initial = Period.YEAR

    def value(self, name: str, default: Any) -> Any:
        """The cleaned value of a valid field, else ``default``."""
        if not self.is_bound:
            return default
        self.is_valid()
        cleaned = self.cleaned_data.get(name) if name not in self.errors else None
        return cleaned if cleaned not in (None, "") else default
