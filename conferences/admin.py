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
from conferences.rules import VALUE_TERMS, rule_facts, rules_copy_year
from units.audit import audit_record
from units.models import AuditLog


@admin.register(ObligationRule)
class ObligationRuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = [*ObligationRule.KEY, *VALUE_TERMS]
    list_filter = ["year", "indicator"]
    actions = ["copy_to_next_year"]

    def save_model(self, request: HttpRequest, obj: ObligationRule, form: Any, change: bool) -> None:
        # Kept on the request (the admin object is shared between requests) for save_related.
        request._rule_before = rule_facts(ObligationRule.objects.get(pk=obj.pk)) if change else None  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before, after = request._rule_before, rule_facts(form.instance)  # type: ignore[attr-defined]
        if before != after:
            audit_record(
                by=request.user, action=AuditLog.Action.RULE_EDITED, target=form.instance, before=before, after=after
            )

    @admin.action(description=_("Sao chép các quy định đã chọn sang năm sau"))
    def copy_to_next_year(self, request: HttpRequest, queryset: QuerySet[ObligationRule]) -> None:
        created = sum(
            rules_copy_year(from_year=year, to_year=year + 1, by=request.user)
            for year in queryset.values_list("year", flat=True).distinct()
        )
        self.message_user(request, _("Đã tạo %(n)d quy định mới.") % {"n": created}, messages.SUCCESS)


@admin.register(ContentItem)
class ContentItemAdmin(admin.ModelAdmin):
    list_display = ["kind", "order", "label", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["order", "is_active"]


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
class FollowUpItemAdmin(admin.ModelAdmin):
    """Follow-up items are written from the record pages (audited there); the admin only reads."""

    list_display = ["text", "unit", "item_type", "responsible", "due_on", "state", "done_on"]
    list_filter = ["state", "item_type", "responsible"]
    search_fields = ["text", "unit__name", "unit__code"]
    list_select_related = ["unit"]
    readonly_fields = [f.name for f in FollowUpItem._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FollowUpItem | None = None) -> bool:
        return False
