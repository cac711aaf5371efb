"""The work log's entry form: units are named by code, within the chosen node's subtree."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.worklog.models import WorkLogEntry
from units.forms import DateInput
from units.models import OrgNode, Unit


class WorkLogEntryForm(forms.ModelForm):
    unit_codes = forms.CharField(
        label=_("Mã đơn vị liên quan"),
        required=False,
        help_text=_("Đơn vị được giám sát, kiểm tra, dự hội nghị điểm: mã cách nhau bởi dấu «;»."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = WorkLogEntry
        fields = [
            "node",
            "kind",
            "held_on",
            "title",
            "reference",
            "participants",
            "findings",
            "follow_up",
            "collectives",
            "individuals",
            "notes",
        ]
        widgets = {
            "held_on": DateInput(),
            "findings": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, nodes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
        self.units: list[Unit] = []
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["unit_codes"].initial = "; ".join(self.instance.units.values_list("code", flat=True))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        node: OrgNode | None = cleaned.get("node")
        codes = [c.strip() for c in (cleaned.get("unit_codes") or "").split(";") if c.strip()]
        if node is not None and codes:
            found = {u.code: u for u in Unit.objects.under(node).filter(code__in=codes)}
            unknown = [c for c in codes if c not in found]
            if unknown:
                self.add_error(
                    "unit_codes",
                    _("Không có đơn vị mã «%(codes)s» thuộc cấp công đoàn này.") % {"codes": "; ".join(unknown)},
                )
            self.units = list(found.values())
        return cleaned


class WorkLogFileForm(forms.Form):
    file = forms.FileField(label=_("Tệp đính kèm (PDF, JPEG, PNG, DOCX)"))


class WorkLogImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp CSV (UTF-8) hoặc XLSX"))
