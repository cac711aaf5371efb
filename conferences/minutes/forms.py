"""Filters of the signals list and the minutes search."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferences.minutes.formalism import SIGNAL_LABELS
from conferences.obligations import MEETING_KINDS, Kind


def _years() -> list[tuple[str, str]]:
    this_year = timezone.localdate().year
    return [("", _("Tất cả"))] + [(str(y), str(y)) for y in range(this_year, this_year - 8, -1)]


class _NodeFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Năm"), required=False, coerce=int, empty_value=None, choices=_years)
    node = forms.ModelChoiceField(label=_("Công đoàn cấp trên"), required=False, queryset=None, empty_label=_("Tất cả"))

    def __init__(self, *args: Any, nodes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-control" if name == "q" else "form-select")


class SignalFilterForm(_NodeFilterForm):
    signal = forms.ChoiceField(label=_("Dấu hiệu"), required=False, choices=[("", _("Tất cả")), *SIGNAL_LABELS.items()])
    kind = forms.ChoiceField(
        label=_("Loại"),
        required=False,
        choices=[("", _("Tất cả")), *(c for c in Kind.choices if c[0] in MEETING_KINDS)],
    )


class MinutesSearchForm(_NodeFilterForm):
    q = forms.CharField(
        label=_("Tìm trong biên bản"),
        min_length=2,
        max_length=100,
        error_messages={
            "required": _("Hãy nhập từ cần tìm."),
            "min_length": _("Hãy nhập ít nhất 2 ký tự."),
            "max_length": _("Cụm từ tìm kiếm dài tối đa 100 ký tự."),
        },
        widget=forms.TextInput(attrs={"placeholder": _("ví dụ: tăng ca, nhà ở"), "type": "search"}),
    )
