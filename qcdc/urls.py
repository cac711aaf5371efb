from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from qcdc import views

admin.site.site_header = "QCDC Tracker"
admin.site.site_title = "QCDC Tracker"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The language switcher must also work on the sign-in page.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("units/", include("units.urls")),
    path("conferences/", include("conferences.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
