from django.urls import path

from reports.annual import views as annual
from reports.views import deadlines, followup, grid, jobs, periods, runs
from reports.worklog import views as worklog

app_name = "reports"

urlpatterns = [
    path("", runs.run_list, name="run_list"),
    path("dashboard/", runs.dashboard_view, name="dashboard"),
    path("dashboard/remind/", runs.dashboard_remind, name="dashboard_remind"),
    path("new/", runs.run_create, name="run_create"),
    path("<int:pk>/", runs.run_detail, name="run_detail"),
    path("<int:pk>/status/", jobs.job_status, {"kind": "run"}, name="run_status"),
    path("<int:pk>/download/<slug:fmt>/", jobs.job_download, {"kind": "run"}, name="run_download"),
    path("periods/", periods.period_overview, name="periods"),
    path("periods/close/", periods.close_create, name="close_create"),
    path("closes/<int:pk>/", periods.close_detail, name="close_detail"),
    path("closes/<int:pk>/status/", jobs.job_status, {"kind": "close"}, name="close_status"),
    path("closes/<int:pk>/reopen/", periods.close_reopen, name="close_reopen"),
    path("closes/<int:pk>/download/<slug:fmt>/", jobs.job_download, {"kind": "close"}, name="close_download"),
    path("closes/<int:pk>/files/", periods.close_regenerate_files, name="close_regenerate_files"),
    path("explain/", periods.explain_view, name="explain"),
    path("explain/followup/", followup.explain_followup, name="explain_followup"),
    path("grid/", grid.grid_view, name="grid"),
    path("deadlines/", deadlines.deadlines, name="deadlines"),
    path("deadlines/<int:pk>/remove/", deadlines.deadline_remove, name="deadline_remove"),
    path("annual/", annual.annual_report, name="annual_report"),
    path("annual/build/", annual.annual_build, name="annual_build"),
    path("annual/<int:pk>/", annual.annual_run, name="annual_run"),
    path("annual/<int:pk>/download/<slug:fmt>/", annual.annual_download, name="annual_download"),
    path("worklog/", worklog.worklog_list, name="worklog_list"),
    path("worklog/new/", worklog.worklog_create, name="worklog_create"),
    path("worklog/import/", worklog.worklog_import_view, name="worklog_import"),
    path("worklog/<int:pk>/", worklog.worklog_detail, name="worklog_detail"),
    path("worklog/<int:pk>/edit/", worklog.worklog_edit, name="worklog_edit"),
    path("worklog/<int:pk>/attach/", worklog.worklog_attach, name="worklog_attach"),
    path("worklog/files/<int:pk>/", worklog.worklog_file, name="worklog_file"),
]
