from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from units.models import OrgLevel, OrgNode, Role, Unit
from units.periods import PeriodClose, PeriodDeadline


@admin.register(OrgLevel)
class OrgLevelAdmin(admin.ModelAdmin):
    list_display = ["depth", "name"]


@admin.register(OrgNode)
class OrgNodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "depth"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]

    def get_readonly_fields(self, request: HttpRequest, obj: OrgNode | None = None) -> list[str]:
        # Moving a node must rewrite its subtree's paths: not a plain field edit.
        return ["path", "depth", "parent"] if obj else ["path", "depth"]


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "category", "node", "employees", "dissolved_on"]
    list_filter = ["category"]
    search_fields = ["code", "name", "tax_code"]
    autocomplete_fields = ["node"]
    list_select_related = ["node"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "node", "unit"]
    list_filter = ["kind"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user", "node", "unit"]


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
