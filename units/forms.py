from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qcdc.validators import validate_dissolution_day, validate_single_line
from units.models import OrgNode, Role, Unit
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
    # Only on the edit page: from when a changed category applies (``units.categories``).
    category_effective_on = forms.DateField(
        label=_("Loại hình mới áp dụng từ ngày"),
        required=False,
        initial=timezone.localdate,
        widget=DateInput(),
        help_text=_("Chỉ cần khi đổi loại hình: các kỳ báo cáo kết thúc trước ngày này giữ loại hình cũ."),
        error_messages={"invalid": _("Ngày áp dụng loại hình mới không hợp lệ; hãy ghi dd/mm/yyyy.")},
    )

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
        # Optional in a post: a form sent without it (an older page, a script) keeps the unit's.
        self.fields["work_year_start_month"].required = False
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.stored_category = self.instance.category
            # Shown by static/js/forms.js only once the category is changed; always without JS.
            self.fields["category_effective_on"].widget.attrs.update(
                {"data-shown-when-changed": "id_category", "data-original": self.stored_category}
            )
            before = UNIT_EDITABLE_FIELDS[: UNIT_EDITABLE_FIELDS.index("category") + 1]
            self.order_fields([*before, "category_effective_on"])
        else:
            del self.fields["category_effective_on"]  # a new unit has its category since founding

    def clean_work_year_start_month(self) -> int:
        return self.cleaned_data.get("work_year_start_month") or self.instance.work_year_start_month or 1

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        employees = cleaned.get("employees")
        members = cleaned.get("union_members")
        if employees is not None and members is not None and members > employees:
            self.add_error("union_members", _("Số đoàn viên không thể lớn hơn số lao động."))
        if "category_effective_on" in self.fields:
            changed = cleaned.get("category") not in (None, self.stored_category)
            if not changed:
                cleaned["category_effective_on"] = None
            elif cleaned.get("category_effective_on") is None and "category_effective_on" not in self.errors:
                self.add_error("category_effective_on", _("Hãy ghi ngày loại hình mới bắt đầu áp dụng."))
        return cleaned


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


class RoleGrantForm(forms.Form):
    """Who gets which role where: chairs by their unit's code, staff and leaders by node."""

    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=150,
        required=False,
        help_text=_("Cần khi tài khoản chưa có."),
        validators=[validate_single_line],
    )
    kind = forms.ChoiceField(label=_("Vai trò"))
    node = forms.ModelChoiceField(
        label=_("Cấp công đoàn"),
        queryset=OrgNode.objects.none(),
        required=False,
        empty_label=_("Chọn cấp công đoàn"),
        help_text=_("Với cán bộ, lãnh đạo."),
    )
    unit_code = forms.CharField(
        label=_("Mã đơn vị"), max_length=64, required=False, help_text=_("Với chủ tịch công đoàn cơ sở.")
    )

    def __init__(self, *args: Any, nodes: Any, units: Any, is_admin: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        self.fields["node"].queryset = nodes
        self.fields["node"].label_from_instance = lambda n: ("· " * n.depth) + n.name
        self.fields["kind"].choices = [c for c in Role.Kind.choices if is_admin or c[0] != Role.Kind.ADMIN]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        cleaned["unit"] = None
        if kind == Role.Kind.CHAIR:
            code = (cleaned.get("unit_code") or "").strip()
            unit = self.units.filter(code=code).first() if code else None
            if unit is None:
                self.add_error("unit_code", _("Không có đơn vị mã này trong phạm vi bạn quản lý."))
            cleaned["unit"], cleaned["node"] = unit, None
        elif kind in (Role.Kind.STAFF, Role.Kind.LEADER):
            if cleaned.get("node") is None:
                self.add_error("node", _("Hãy chọn cấp công đoàn."))
        else:
            cleaned["node"] = None
        return cleaned


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
