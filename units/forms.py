from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from units.models import Unit
from units.services import UNIT_EDITABLE_FIELDS


class DateInput(forms.DateInput):
    """The browser's own date picker (``type=date``).

    The value travels as ISO ``YYYY-MM-DD``; the browser shows it in the user's locale,
    dd/mm/yyyy on a Vietnamese phone or desktop. Typed dd/mm/yyyy is still accepted by
    the field (``DATE_INPUT_FORMATS``) for browsers without a picker.
    """

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class UnitForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Unit
        fields = list(UNIT_EDITABLE_FIELDS)
        widgets = {"established_on": DateInput(), "dissolved_on": DateInput()}

    def __init__(self, *args: Any, nodes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only nodes the editor manages can be chosen; anything else is "not a valid choice".
        self.fields["node"].queryset = nodes
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        employees = cleaned.get("employees")
        members = cleaned.get("union_members")
        if employees is not None and members is not None and members > employees:
            self.add_error("union_members", _("Số đoàn viên không thể lớn hơn số lao động."))
        return cleaned


class DeactivateForm(forms.Form):
    dissolved_on = forms.DateField(label=_("Ngừng hoạt động từ ngày"), widget=DateInput())


class InviteChairForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên chủ tịch"), max_length=150)
    email = forms.EmailField(label=_("Email"))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp CSV hoặc XLSX"),
        help_text=_("Tối đa 10 MB. Dòng đầu là tiêu đề cột."),
    )
