from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from conferences.followup.models import FollowUpItem
from conferences.forms import RuleForm
from conferences.minutes.models import MinutesReading
from conferences.models import Attachment, AuditEntry, ContentItem, ObligationRule, Record
from conferences.rules import (
    VALUE_TERMS,
    closed_years_note,
    content_item_save,
    rule_create,
    rule_update,
    rules_copy_year,
)
from qcdc.admin_guards import NeverDeleted


@admin.register(ObligationRule)
class ObligationRuleAdmin(NeverDeleted, admin.ModelAdmin):
    """Adding, editing and copying go through ``conferences.rules`` like the back office's
    rule pages: administrators only, each change in the audit log."""

    form = RuleForm
    list_display = [*ObligationRule.KEY, *VALUE_TERMS]
    list_filter = ["year", "indicator"]
    actions = ["copy_to_next_year"]
    deletion_refused = _(
        "Không xóa quy định: số liệu của năm được tính theo quy định này và mọi thay đổi phải có trong "
        "nhật ký quản trị. Hãy sửa quy định thay vì xóa."
    )

    def save_model(self, request: HttpRequest, obj: ObligationRule, form: Any, change: bool) -> None:
        contents = list(form.cleaned_data.get("contents") or [])
        if change:
            rule_update(rule=obj, by=request.user, data=form.cleaned_data, contents=contents)
        else:
            obj.pk = rule_create(by=request.user, data=form.cleaned_data, contents=contents).pk
        if note := closed_years_note({obj.year}):
            self.message_user(request, note, messages.WARNING)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The service has set the checklist with the rule (there are no inlines)."""

    @admin.action(description=_("Sao chép các quy định đã chọn sang năm sau"))
    def copy_to_next_year(self, request: HttpRequest, queryset: QuerySet[ObligationRule]) -> None:
        years = sorted(queryset.values_list("year", flat=True).distinct())
        created = sum(rules_copy_year(from_year=year, to_year=year + 1, by=request.user) for year in years)
        self.message_user(request, _("Đã tạo %(n)d quy định mới.") % {"n": created}, messages.SUCCESS)
        if created and (note := closed_years_note({year + 1 for year in years})):
            self.message_user(request, note, messages.WARNING)


@admin.register(ContentItem)
class ContentItemAdmin(NeverDeleted, admin.ModelAdmin):
    """Edits, one by one or in the list, go through ``conferences.rules.content_item_save``."""

    list_display = ["kind", "order", "label", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["order", "is_active"]
    deletion_refused = _(
        "Không xóa nội dung bắt buộc: hồ sơ và quy định của các năm, kể cả năm đã chốt, dùng nội dung này. "
        "Hãy bỏ chọn «đang dùng» để không bắt buộc nữa."
    )

    def save_model(self, request: HttpRequest, obj: ContentItem, form: Any, change: bool) -> None:
        saved = content_item_save(item=obj, by=request.user, data=form.cleaned_data)
        obj.pk = saved.pk
        if "is_active" in form.changed_data and (
            note := closed_years_note(set(saved.obligationrule_set.values_list("year", flat=True)))
        ):
            self.message_user(request, note, messages.WARNING)


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["original_name", "purpose", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    can_delete = False


class AuditInline(admin.TabularInline):
    model = AuditEntry
    extra = 0
    fields = ["at", "by", "action", "reason", "changes"]
    readonly_fields = fields
    can_delete = False


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    """Read-only: records change only through the workflow, which keeps the audit."""

    list_display = ["unit", "kind", "held_on", "status", "on_paper"]
    list_filter = ["kind", "status", "year"]
    search_fields = ["unit__code", "unit__name"]
    list_select_related = ["unit"]
    inlines = [AttachmentInline, AuditInline]

    def has_change_permission(self, request: HttpRequest, obj: Record | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Record | None = None) -> bool:
        return False


@admin.register(MinutesReading)
class MinutesReadingAdmin(admin.ModelAdmin):
    """What the worker read from each file: for checking failures, never edited by hand."""

    list_display = ["attachment", "status", "why", "method", "pages", "attempts", "seconds", "finished_at"]
    list_filter = ["status", "why", "method"]
    exclude = ["search_text"]
    readonly_fields = [f.name for f in MinutesReading._meta.fields if f.name != "search_text"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: MinutesReading | None = None) -> bool:
        return False


@admin.register(FollowUpItem)
class FollowUpItemAdmin(NeverDeleted, admin.ModelAdmin):
    """Follow-up items are written from the record pages (audited there); the admin only reads."""

    deletion_refused = _(
        "Không xóa việc cần theo dõi ở đây: việc được xóa trên trang hồ sơ, nơi kiểm tra kỳ đã chốt và ghi nhật ký."
    )

    list_display = ["text", "unit", "item_type", "responsible", "due_on", "state", "done_on"]
    list_filter = ["state", "item_type", "responsible"]
    search_fields = ["text", "unit__name", "unit__code"]
    list_select_related = ["unit"]
    readonly_fields = [f.name for f in FollowUpItem._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FollowUpItem | None = None) -> bool:
        return False
