"""Admin: deadlines are editable per level; closes are read-only (they change only
through closing and reopening, which keep every version)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from reports.models import PeriodClose, PeriodDeadline


@admin.register(PeriodDeadline)
class PeriodDeadlineAdmin(admin.ModelAdmin):
    list_display = ["year", "period", "depth", "due_on"]
    list_filter = ["year", "period"]


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
