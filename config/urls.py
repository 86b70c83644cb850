from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from accounts.views import landing
from diagnostics.report_views import healthz
from diagnostics.views import home

admin.site.site_header = "ExportReady"
admin.site.site_title = "ExportReady admin"

urlpatterns = [
    path("", landing, name="landing"),
    path("healthz/", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("home/", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("diagnostic/", include("diagnostics.urls")),
    path("admin/", admin.site.urls),
]
