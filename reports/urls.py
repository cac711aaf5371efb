from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("dashboard/remind/", views.dashboard_remind, name="dashboard_remind"),
    path("new/", views.run_create, name="run_create"),
    path("<int:pk>/", views.run_detail, name="run_detail"),
    path("<int:pk>/status/", views.run_status, name="run_status"),
    path("<int:pk>/download/<slug:fmt>/", views.run_download, name="run_download"),
]
