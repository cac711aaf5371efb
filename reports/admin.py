"""Admin: deadlines are editable per level; closes are read-only (they change only
through closing and reopening, which keep every version)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reports.models import PeriodClose, PeriodDeadline
from units.models import OrgLevel


@admin.register(PeriodDeadline)
class PeriodDeadlineAdmin(admin.ModelAdmin):
    list_display = ["year", "period", "level", "due_on"]
    list_filter = ["year", "period"]

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
