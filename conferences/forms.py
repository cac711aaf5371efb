from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from conferences.models import ContentItem, ObligationRule, Record
from conferences.obligations import CONFERENCE_KINDS, Kind
from conferences.uploads import check_upload
from qcdc.validators import validate_event_day
from qcdc.years import MAX_YEAR, MIN_YEAR
from units.forms import DateInput
from units.models import Category

FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        CONFERENCE_KINDS,
        (
            "held_on",
            "place",
            "format",
            "convened_by",
            "headcount",
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

# What the file pickers offer: documents, and on a phone the camera as well (image/*).
MINUTES_ACCEPT = "application/pdf,image/jpeg,image/png,.docx,image/*"
# Fields shown side by side on a wide screen (stacked on a phone).
PAIRS = (("invited", "attended"), ("employer_reps", "worker_reps"))
# Headings of the parts of the form, in the order of the minutes.
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "meeting": (_("Thời gian, địa điểm"), ("held_on", "place", "format", "convened_by", "trigger")),
    "people": (
        _("Thành phần"),
        ("headcount", "invited", "attended", "employer_reps", "employer_rep_names", "worker_reps", "worker_rep_names"),
    ),
    "board": (_("Ban thanh tra nhân dân"), ("members", "member_names")),
    "content": (_("Nội dung"), ("contents", "topics", "agreements", "follow_up")),
    "resolution": (_("Nghị quyết"), ("resolution_adopted", "resolution_text")),
    "notes": (_("Ghi chú"), ("notes",)),
}

HELD_ON_LABELS = {
    Kind.QCDC_REGULATION: _("Ngày ban hành / cập nhật quy chế"),
    Kind.INSPECTION_BOARD: _("Ngày bầu / thành lập ban"),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MinutesField(forms.FileField):
    """Several files at once (the minutes, photos of its pages, the resolution)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MinutesField, self).clean(f, initial) for f in files]


class RecordForm(forms.ModelForm):
    """The fields of one kind of record in the order of its minutes; the rest of the model stays untouched.

    A new record takes its minutes in the same step (``files``), checked like any upload.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    files = MinutesField(
        label=_("Biên bản (có thể chọn nhiều tệp)"),
        required=False,
        help_text=_("PDF, ảnh JPEG/PNG (chụp bằng điện thoại) hoặc DOCX."),
        widget=MultipleFileInput(attrs={"accept": MINUTES_ACCEPT}),
    )

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
            if name not in wanted and name not in ("version", "files"):
                del self.fields[name]
        if self.instance.pk:
            # Files of an existing record are managed on its page.
            del self.fields["files"]
        self.order_fields(wanted)
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
        self.helper = self._helper(wanted)

    def _helper(self, wanted: tuple[str, ...]) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        paired = {name: pair for pair in PAIRS for name in pair if all(n in wanted for n in pair)}
        parts: list[Any] = []
        for slug, (legend, names) in SECTIONS.items():
            items: list[Any] = []
            for name in (n for n in wanted if n in names):
                pair = paired.get(name)
                if pair is None:
                    items.append(Field(name))
                elif name == pair[0]:
                    items.append(Div(*(Div(Field(n), css_class="col-sm-6") for n in pair), css_class="row"))
            if items:
                parts.append(Fieldset(legend, *items, css_id=f"part-{slug}", css_class="record-part"))
        if "files" in self.fields:
            parts.append(Fieldset(_("Biên bản"), Field("files"), css_id="part-files"))
        parts.append(Field("version"))
        helper.layout = Layout(*parts)
        return helper

    def clean_files(self) -> list[UploadedFile]:
        files = self.cleaned_data.get("files") or []
        problems = []
        for upload in files:
            try:
                check_upload(upload)
            except ValidationError as exc:
                problems.extend(f"{upload.name}: {m}" for m in exc.messages)
        if problems:
            raise ValidationError(problems)
        return files

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
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "contents", "files")}

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
        widget=forms.ClearableFileInput(attrs={"accept": MINUTES_ACCEPT}),
    )
    purpose = forms.ChoiceField(label=_("Loại tài liệu"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from conferences.models import Attachment

        self.fields["purpose"].choices = Attachment.Purpose.choices


class RuleForm(forms.ModelForm):
    """One year's rule for one indicator, as administrators edit it (here and in the admin)."""

    categories = forms.MultipleChoiceField(
        label=_("Loại hình áp dụng"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ObligationRule
        fields = [*ObligationRule.KEY, *ObligationRule.TERMS]
        widgets = {
            "deadline": DateInput(),
            "contents": forms.CheckboxSelectMultiple,
            "legal_basis": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # In the app the year and indicator of an existing rule stay as they are.
            self.fields["contents"].queryset = ContentItem.objects.filter(kind=self.instance.kind)
            for name in ("year", "indicator"):
                self.fields[name].disabled = True


class RulesCopyForm(forms.Form):
    from_year = forms.IntegerField(label=_("Từ năm"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    to_year = forms.IntegerField(label=_("Sang năm"), min_value=MIN_YEAR, max_value=MAX_YEAR)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("from_year") is not None and cleaned.get("from_year") == cleaned.get("to_year"):
            self.add_error("to_year", _("Hãy chọn một năm khác năm nguồn."))
        return cleaned
