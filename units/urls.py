from django.urls import path

from units.views import backoffice, chairs, imports, invitations, units

app_name = "units"

urlpatterns = [
    path("", units.unit_list, name="unit_list"),
    path("export.xlsx", units.unit_export, name="unit_export"),
    path("new/", units.unit_create, name="unit_create"),
    path("<int:pk>/", units.unit_detail, name="unit_detail"),
    path("<int:pk>/edit/", units.unit_edit, name="unit_edit"),
    path("<int:pk>/deactivate/", units.unit_deactivate, name="unit_deactivate"),
    path("<int:pk>/reactivate/", units.unit_reactivate, name="unit_reactivate"),
    path("<int:pk>/invite/", units.unit_invite_chair, name="unit_invite_chair"),
    path("chairs/", chairs.chair_list, name="chair_list"),
    path("chairs/invite/", chairs.chair_invite_bulk, name="chair_invite_bulk"),
    path("chairs/letters/", chairs.chair_letters, name="chair_letters"),
    path("chairs/batches/<int:pk>/", chairs.chair_batch, name="chair_batch"),
    path("chairs/batches/<int:pk>/status/", chairs.chair_batch_status, name="chair_batch_status"),
    path("activate/", chairs.chair_activate, name="chair_activate"),
    path("invitations/<int:pk>/", invitations.invitation_accept, name="invitation_accept"),
    path("import/", imports.import_units, name="import_units"),
    path("import-org/", imports.import_org, name="import_org"),
    path("admin/", backoffice.backoffice_home, name="backoffice"),
    path("admin/people/", backoffice.people, name="people"),
    path("admin/roles/<int:pk>/revoke/", backoffice.role_revoke, name="role_revoke"),
    path("admin/audit/", backoffice.audit_log, name="audit_log"),
]
