"""Adding an item to a record; reporting what became of it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from conferences.followup.models import FollowUpItem
from units.forms import DateInput


class ItemForm(forms.ModelForm):
    class Meta:
        model = FollowUpItem
        fields = ["item_type", "text", "answer", "responsible", "due_on"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "answer": forms.Textarea(attrs={"rows": 2}),
            "due_on": DateInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "item")
        super().__init__(*args, **kwargs)

    @property
    def item_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class OutcomeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    followed_in = forms.IntegerField(widget=forms.HiddenInput, required=False)
    state = forms.ChoiceField(label=_("Tình trạng"), choices=FollowUpItem.State.choices)
    done_on = forms.DateField(label=_("Ngày hoàn thành"), required=False, widget=DateInput())
    drop_reason = forms.CharField(
        label=_("Lý do không thực hiện"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_note = forms.CharField(label=_("Minh chứng"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(label=_("Tệp minh chứng"), required=False, help_text=_("PDF, ảnh JPEG/PNG hoặc DOCX."))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("state") == FollowUpItem.State.DONE and not data.get("done_on"):
            self.add_error("done_on", _("Việc đã xong cần có ngày hoàn thành."))
        if data.get("state") == FollowUpItem.State.DROPPED and not (data.get("drop_reason") or "").strip():
            self.add_error("drop_reason", _("Hãy ghi lý do không thực hiện."))
        return data
