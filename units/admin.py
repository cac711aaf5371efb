from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from units.models import AuditLog, OrgLevel, OrgNode, Role, Unit

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
class OrgLevelAdmin(admin.ModelAdmin):
    list_display = ["depth", "name"]


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
