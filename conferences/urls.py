from django.urls import path

from conferences import backoffice, views
from conferences.followup import views as followup_views
from conferences.minutes import views as minutes_views

app_name = "conferences"

urlpatterns = [
    path("review/", views.review_queue, name="review_queue"),
    path("review/next/", views.review_next, name="review_next"),
    path("import/", views.import_events, name="import_events"),
    path("signals/", minutes_views.signal_list, name="signal_list"),
    path("minutes/search/", minutes_views.minutes_search, name="minutes_search"),
    path("records/<int:pk>/minutes/", minutes_views.minutes_panel, name="minutes_panel"),
    path("readings/<int:pk>/retry/", minutes_views.reading_retry, name="reading_retry"),
    path("records/<int:pk>/items/", followup_views.item_add, name="item_add"),
    path("items/<int:pk>/report/", followup_views.item_report, name="item_report"),
    path("items/<int:pk>/delete/", followup_views.item_delete, name="item_delete"),
    path("items/<int:pk>/evidence/", followup_views.item_evidence, name="item_evidence"),
    path("units/<int:unit_pk>/year/", views.unit_year, name="unit_year"),
    path("units/<int:unit_pk>/records/", views.unit_records, name="unit_records"),
    path("units/<int:unit_pk>/obligations/", views.unit_obligations, name="unit_obligations"),
    path("units/<int:unit_pk>/new/<slug:kind>/", views.record_create, name="record_create"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<int:pk>/submit/", views.record_submit, name="record_submit"),
    path("records/<int:pk>/accept/", views.record_accept, name="record_accept"),
    path("records/<int:pk>/return/", views.record_return, name="record_return"),
    path("records/<int:pk>/reopen/", views.record_reopen, name="record_reopen"),
    path("records/<int:pk>/delete/", views.record_delete, name="record_delete"),
    path("records/<int:pk>/files/", views.attachment_upload, name="attachment_upload"),
    path("files/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("files/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("rules/", backoffice.rules, name="rules"),
    path("rules/<int:pk>/edit/", backoffice.rule_edit, name="rule_edit"),
    path("rules/copy/", backoffice.rules_copy, name="rules_copy"),
]
