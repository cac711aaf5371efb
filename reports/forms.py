from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import OrgNode


class RunForm(forms.Form):
    node = forms.ModelChoiceField(label=_("Đơn vị lập báo cáo"), queryset=OrgNode.objects.none())
    year = forms.TypedChoiceField(label=_("Năm"), coerce=int, choices=[])
    by_category = forms.BooleanField(label=_("Chia theo loại hình"), required=False)

    def __init__(self, *args: Any, nodes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
        self.fields["node"].label_from_instance = lambda n: ("· " * n.depth) + f"{n.name} ({n.code})"
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, y) for y in range(this_year, this_year - 6, -1)]
        self.fields["year"].initial = this_year
