from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from qcdc.admin_guards import NeverDeleted
from qcdc.validators import validate_single_line
from units.audit import audit_record
from units.models import AuditLog, ChairInvitation, OrgLevel, OrgNode, Role, Unit
from units.periods import work_year_refusals
from units.permissions import forget_scope
from units.services import UNIT_EDITABLE_FIELDS, role_facts

# Third-party apps whose admin is English only: kept at their addresses for the superuser
# (sign-in lockouts, Celery beat's schedules), left out of the admin's index.
HIDDEN_APPS = ("axes", "django_celery_beat")


class HiddenFromIndex:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return False


for _model, _model_admin in list(admin.site._registry.items()):
    if _model._meta.app_label in HIDDEN_APPS:
        admin.site.unregister(_model)
        admin.site.register(
            _model, type(f"Hidden{type(_model_admin).__name__}", (HiddenFromIndex, type(_model_admin)), {})
        )


@admin.register(OrgLevel)
class OrgLevelAdmin(NeverDeleted, admin.ModelAdmin):
    list_display = ["depth", "name"]
    deletion_refused = _(
        "Không xóa tên cấp: báo cáo và trang của mọi cấp ở độ sâu này đọc tên đó. Khi cấp đổi tên, hãy sửa tên."
    )


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: entries are written only by the actions they record."""

    list_display = ["at", "by", "action", "target_repr", "node"]
    list_filter = ["action"]
    search_fields = ["target_repr", "by__username"]
    list_select_related = ["by", "node"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False


@admin.register(OrgNode)
class OrgNodeAdmin(NeverDeleted, admin.ModelAdmin):
    list_display = ["code", "name", "parent", "depth"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    # Past reports and closed versions group units by the nodes of their day.
    deletion_refused = _(
        "Không xóa cấp công đoàn: báo cáo các kỳ trước, kể cả kỳ đã chốt, vẫn tính theo cấp này. "
        "Khi cấp công đoàn giải thể, hãy sáp nhập vào cấp khác (manage.py regroup merge)."
    )

    def get_readonly_fields(self, request: HttpRequest, obj: OrgNode | None = None) -> list[str]:
        # Moving, merging or ending a node must rewrite its subtree's paths and keep the
        # change's date for past reports: `manage.py regroup move|merge` or import_org do.
        if obj:
            return ["path", "depth", "parent", "started_on", "ended_on", "merged_into"]
        return ["path", "depth", "ended_on", "merged_into"]


class UnitAdminForm(forms.ModelForm):
    """The unit's version travels with the form, so an admin edit made on a stale copy is
    refused like one in the app (the admin's change view runs in one transaction, so the
    row lock taken here holds until the save)."""

    # Not "version": the model field is not editable, and the admin would refuse its name.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Unit
        fields = list(UNIT_EDITABLE_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk:
            # As stored, not as the form's instance says: on the history page the instance
            # is the old copy being put back.
            current, stored_month = (
                Unit.objects.select_for_update()
                .values_list("version", "work_year_start_month")
                .get(pk=self.instance.pk)
            )
            seen = cleaned.get("seen_version")  # the change form always sends it
            if seen is not None and seen != current:
                raise forms.ValidationError(
                    _("Đơn vị vừa được người khác cập nhật. Hãy tải lại trang để xem bản mới rồi sửa lại.")
                )
            month = cleaned.get("work_year_start_month")
            if month and month != stored_month:
                refused = work_year_refusals({self.instance.pk: month})
                if refused:
                    self.add_error("work_year_start_month", refused[self.instance.pk])
        return cleaned


@admin.register(Unit)
class UnitAdmin(NeverDeleted, SimpleHistoryAdmin):
    form = UnitAdminForm
    list_display = ["code", "name", "category", "node", "employees", "dissolved_on"]
    list_filter = ["category"]
    search_fields = ["code", "name", "tax_code"]
    autocomplete_fields = ["node"]
    list_select_related = ["node"]
    # As in the app (units.services.unit_deactivate): units are dissolved, never deleted.
    deletion_refused = _(
        "Không xóa đơn vị: lịch sử của đơn vị được tính trong báo cáo các năm, kể cả năm đã chốt. "
        "Khi đơn vị giải thể, hãy ghi ngày ngừng hoạt động."
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Unit | None = None) -> list[str]:
        # Changing a unit's node is a transfer (UnitTransfer, closed periods checked):
        # the unit form, a units import or `manage.py regroup transfer` make one. A new
        # category has a day from which it applies (units.categories): the unit form or
        # a units import.
        return ["node", "category", "version"] if obj else ["version"]

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # In one transaction like the change view: the form's row lock (UnitAdminForm)
        # needs one, and it holds until the save.
        with transaction.atomic():
            return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request: HttpRequest, obj: Unit, form: forms.ModelForm, change: bool) -> None:
        if change:
            # Only the form's fields change: a unit put back from its history (whose every
            # field is the old one) keeps its node and the other read-only fields as stored.
            kept = [f.attname for f in Unit._meta.concrete_fields if f.name not in form.fields]
            for attname, value in Unit.objects.filter(pk=obj.pk).values(*kept).get().items():
                setattr(obj, attname, value)
            # A staff member who opened the unit before this save is refused as stale,
            # as after any other edit, instead of overwriting it (and so is an admin:
            # UnitAdminForm).
            obj.version = F("version") + 1
        super().save_model(request, obj, form, change)
        obj.refresh_from_db(fields=["version"])


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "node", "unit"]
    list_filter = ["kind"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user", "node", "unit"]

    # Each grant, change and revocation made here is in the audit log too; a bulk delete
    # would skip it, so there is none.
    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: Role, form: forms.ModelForm, change: bool) -> None:
        before = role_facts(Role.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit_record(
            by=request.user,
            action=AuditLog.Action.ROLE_GRANTED,
            target=obj,
            before=before,
            after=role_facts(obj),
            node=obj.node or (obj.unit.node if obj.unit else None),
        )
        forget_scope(obj.user)

    def delete_model(self, request: HttpRequest, obj: Role) -> None:
        audit_record(
            by=request.user,
            action=AuditLog.Action.ROLE_REVOKED,
            target=obj,
            before=role_facts(obj),
            after=None,
            node=obj.node or (obj.unit.node if obj.unit else None),
        )
        super().delete_model(request, obj)


@admin.register(ChairInvitation)
class ChairInvitationAdmin(NeverDeleted, admin.ModelAdmin):
    """Read-only: only the invited account can accept, on its own invitation page."""

    deletion_refused = _(
        "Không xóa lời mời nhận vai trò chủ tịch: đó là lịch sử ai đã mời ai nhận đơn vị nào. "
        "Chỉ tài khoản được mời mới nhận được lời mời, trên trang lời mời của mình."
    )

    list_display = ["user", "unit", "invited_by", "created_at", "accepted_at"]
    search_fields = ["user__username", "user__email", "unit__code", "unit__name"]
    list_select_related = ["user", "unit", "invited_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ChairInvitation | None = None) -> bool:
        return False


class OneLineNamesUserChangeForm(UserChangeForm):
    """A person's names are one line, as every other name (they reach e-mails and pages)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name in ("username", "first_name", "last_name"):
            if name in self.fields:
                self.fields[name].validators.append(validate_single_line)


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class QcdcUserAdmin(NeverDeleted, UserAdmin):
    form = OneLineNamesUserChangeForm
    # Deleting an account would revoke its roles without an audit entry and blank who did
    # what in the audit log and the records' history.
    deletion_refused = _(
        "Không xóa tài khoản: nhật ký quản trị và lịch sử hồ sơ cần biết ai đã làm gì. "
        "Hãy bỏ chọn «Kích hoạt» để khóa tài khoản."
    )
