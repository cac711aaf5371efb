from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from conferences.models import CONFERENCE_KINDS, ContentItem, Kind, Record
from qcdc.validators import validate_event_day
from units.forms import DateInput

FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        CONFERENCE_KINDS,
        (
            "held_on",
            "format",
            "place",
            "convened_by",
            "invited",
            "attended",
            "contents",
            "resolution_adopted",
            "resolution_text",
            "notes",
        ),
    ),
    Kind.DIALOGUE_PERIODIC: (
        "held_on",
        "place",
        "employer_reps",
        "employer_rep_names",
        "worker_reps",
        "worker_rep_names",
        "contents",
        "topics",
        "agreements",
        "follow_up",
        "notes",
    ),
    **dict.fromkeys(
        (Kind.DIALOGUE_ON_REQUEST, Kind.DIALOGUE_EVENT),
        (
            "held_on",
            "trigger",
            "place",
            "employer_reps",
            "employer_rep_names",
            "worker_reps",
            "worker_rep_names",
            "topics",
            "agreements",
            "follow_up",
            "notes",
        ),
    ),
    Kind.QCDC_REGULATION: ("held_on", "notes"),
    Kind.INSPECTION_BOARD: ("held_on", "members", "member_names", "notes"),
}

HELD_ON_LABELS = {
    Kind.QCDC_REGULATION: _("Ngày ban hành / cập nhật quy chế"),
    Kind.INSPECTION_BOARD: _("Ngày bầu / thành lập ban"),
}


class RecordForm(forms.ModelForm):
    """The fields of one kind of record; the rest of the model stays untouched."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Record
        fields = sorted({f for fields in FIELDS_BY_KIND.values() for f in fields})
        widgets = {
            "held_on": DateInput(),
            "contents": forms.CheckboxSelectMultiple,
            "resolution_adopted": forms.NullBooleanSelect,
            "notes": forms.Textarea(attrs={"rows": 2}),
            "resolution_text": forms.Textarea(attrs={"rows": 3}),
            "employer_rep_names": forms.Textarea(attrs={"rows": 2}),
            "worker_rep_names": forms.Textarea(attrs={"rows": 2}),
            "member_names": forms.Textarea(attrs={"rows": 2}),
            "topics": forms.Textarea(attrs={"rows": 3}),
            "agreements": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        wanted = FIELDS_BY_KIND[kind]
        for name in list(self.fields):
            if name not in wanted and name != "version":
                del self.fields[name]
        if "contents" in self.fields:
            self.fields["contents"].queryset = ContentItem.objects.filter(kind=kind, is_active=True)
            self.fields["contents"].label = _("Nội dung đã thảo luận (đánh dấu các mục có trong biên bản)")
        if "format" in self.fields:
            self.fields["format"].required = True
            self.fields["format"].choices = Record.Format.choices
        if kind in HELD_ON_LABELS:
            self.fields["held_on"].label = HELD_ON_LABELS[kind]
        for name in ("invited", "attended"):
            if name in self.fields:
                self.fields[name].required = True
                self.fields[name].help_text = _("Với hội nghị đại biểu: số đại biểu được bầu / có mặt.")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean_held_on(self) -> Any:
        held_on = self.cleaned_data["held_on"]
        if held_on:
            validate_event_day(held_on)  # the model's rule; the service checks it again
        return held_on

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        invited, attended = cleaned.get("invited"), cleaned.get("attended")
        if invited is not None and attended is not None and attended > invited:
            self.add_error("attended", _("Số tham dự không thể lớn hơn số được triệu tập."))
        return cleaned

    def _post_clean(self) -> None:
        # The unit and kind are set by the service; validate only what the form shows.
        pass

    @property
    def record_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "contents")}

    @property
    def chosen_contents(self) -> list[ContentItem] | None:
        if "contents" not in self.fields:
            return None
        return list(self.cleaned_data.get("contents") or [])


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Hãy ghi rõ lý do.")},
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp"),
        help_text=_("PDF, ảnh JPEG/PNG (chụp bằng điện thoại) hoặc DOCX."),
        error_messages={"required": _("Hãy chọn tệp để tải lên."), "empty": _("Tệp rỗng: hãy chọn lại tệp.")},
    )
    purpose = forms.ChoiceField(label=_("Loại tài liệu"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from conferences.models import Attachment

        self.fields["purpose"].choices = Attachment.Purpose.choices


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), required=False, choices=[("", _("Tất cả")), *Kind.choices])
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Chờ duyệt"))] + [c for c in Record.Status.choices if c[0] != Record.Status.SUBMITTED],
    )
    node = forms.ModelChoiceField(label=_("Công đoàn cấp trên"), required=False, queryset=None)

    def __init__(self, *args: Any, nodes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
