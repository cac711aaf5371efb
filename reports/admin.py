"""Admin: deadlines are editable per level; closes are read-only (they change only
through closing and reopening, which keep every version)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reports.deadlines import deadline_facts, level_names
from units.audit import audit_record
from units.models import AuditLog, OrgLevel
from units.periods import PeriodClose, PeriodDeadline


@admin.register(PeriodDeadline)
class PeriodDeadlineAdmin(admin.ModelAdmin):
    list_display = ["year", "period", "level", "due_on"]
    list_filter = ["year", "period"]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "depth":
            # Chosen by the level's name, not typed as a bare depth.
            return forms.TypedChoiceField(label=_("cấp công đoàn"), coerce=int, choices=list(level_names().items()))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one by one, each in the audit log
        return actions

    def save_model(self, request: HttpRequest, obj: PeriodDeadline, form: Any, change: bool) -> None:
        before = deadline_facts(PeriodDeadline.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit_record(
            by=request.user, action=AuditLog.Action.DEADLINE_SET, target=obj, before=before, after=deadline_facts(obj)
        )

    def delete_model(self, request: HttpRequest, obj: PeriodDeadline) -> None:
        audit_record(
            by=request.user, action=AuditLog.Action.DEADLINE_REMOVED, target=obj, before=deadline_facts(obj), after=None
        )
        super().delete_model(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[PeriodDeadline]:
        level = OrgLevel.objects.filter(depth=OuterRef("depth")).values("name")[:1]
        return super().get_queryset(request).annotate(level_name=Subquery(level))

    @admin.display(description=_("cấp công đoàn"), ordering="depth")
    def level(self, obj: PeriodDeadline) -> str:
        # The level's name (OrgLevel), as the back office shows it; the depth when unnamed.
        return obj.level_name or str(obj.depth)  # type: ignore[attr-defined]


@admin.register(PeriodClose)
class PeriodCloseAdmin(admin.ModelAdmin):
    list_display = ["node", "year", "period", "version", "status", "closed_at", "closed_by", "reopened_at"]
    list_filter = ["year", "period", "status"]
    search_fields = ["node__code", "node__name"]
    exclude = ["result"]
    list_select_related = ["node", "closed_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PeriodClose | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PeriodClose | None = None) -> bool:
        return False
