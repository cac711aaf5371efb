from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qcdc.validators import validate_dissolution_day, validate_single_line
from units.models import Category, OrgNode, Unit
from units.services import UNIT_EDITABLE_FIELDS


class DateInput(forms.DateInput):
    """A text field for dd/mm/yyyy: the browser's date picker shows US order on some phones."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}, **kwargs)


class UnitForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Unit
        fields = list(UNIT_EDITABLE_FIELDS)
        widgets = {"established_on": DateInput(), "dissolved_on": DateInput()}
        # A code is unique across the country: say it cannot be used, not that a unit
        # (perhaps outside the editor's scope) has it.
        error_messages = {"code": {"unique": _("Mã đơn vị này không dùng được; hãy chọn mã khác.")}}

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


class UnitFilterForm(forms.Form):
    SORTS = {
        "code": "code",
        "-code": "-code",
        "name": "name",
        "-name": "-name",
        "category": "category",
        "employees": "employees",
        "-employees": "-employees",
        "node": "node__name",
    }

    q = forms.CharField(label=_("Tìm theo tên hoặc mã"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Loại hình"), required=False, choices=[("", _("Tất cả")), *Category.choices])
    node = forms.ModelChoiceField(label=_("Công đoàn cấp trên"), required=False, queryset=OrgNode.objects.none())
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Tất cả")), ("active", _("Đang hoạt động")), ("inactive", _("Ngừng hoạt động"))],
    )
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS], widget=forms.HiddenInput)

    def __init__(self, *args: Any, nodes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
        self.fields["node"].label_from_instance = lambda n: ("· " * n.depth) + n.name


class DeactivateForm(forms.Form):
    dissolved_on = forms.DateField(
        label=_("Ngừng hoạt động từ ngày"), widget=DateInput(), validators=[validate_dissolution_day]
    )


class InviteChairForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên chủ tịch"), max_length=150, validators=[validate_single_line])
    email = forms.EmailField(label=_("Email"))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp CSV hoặc XLSX"),
        help_text=_("Tối đa 10 MB. Dòng đầu là tiêu đề cột."),
    )


class ChairFilterForm(forms.Form):
    node = forms.ModelChoiceField(
        label=_("Công đoàn cấp trên"), queryset=OrgNode.objects.none(), required=False, empty_label=_("Tất cả")
    )
    state = forms.ChoiceField(label=_("Tình trạng tài khoản"), required=False)
    q = forms.CharField(label=_("Tìm theo đơn vị, tên hoặc email chủ tịch"), max_length=100, required=False)

    def __init__(self, *args: Any, nodes: Any, **kwargs: Any) -> None:
        from units.chairs import STATE_LABELS

        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes.order_by("path")
        self.fields["node"].label_from_instance = lambda n: ("· " * n.depth) + n.name
        self.fields["state"].choices = [("", _("Tất cả")), *STATE_LABELS.items()]
        for name in ("node", "state"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["q"].widget.attrs.update({"class": "form-control form-control-sm", "type": "search"})


class ActivationForm(forms.Form):
    """The letter's code and a new password; the code is checked by the service."""

    login = forms.CharField(label=_("Tên đăng nhập hoặc email"), max_length=254)
    code = forms.CharField(label=_("Mã kích hoạt trong thư"), max_length=20)
    new_password1 = forms.CharField(label=_("Mật khẩu mới"), widget=forms.PasswordInput, strip=False)
    new_password2 = forms.CharField(label=_("Nhập lại mật khẩu mới"), widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth.password_validation import validate_password

        data = super().clean()
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("Hai mật khẩu không khớp."))
        elif first:
            try:
                validate_password(first)
            except forms.ValidationError as exc:
                self.add_error("new_password1", exc)
        return data
