from django.urls import path

from diagnostics import agency_views, queue_views, report_views, views

app_name = "diagnostics"

urlpatterns = [
    path("start/", views.start, name="start"),
    path("<int:pk>/step/<int:step>/", views.step, name="step"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/result/", views.result, name="result"),
    path("history/", views.history, name="history"),
    path("compare/", views.compare, name="compare"),
    path("method/", views.method, name="method"),
    path("method/v<int:number>/", views.method, name="method_version"),
    path("agency/", queue_views.agency_list, name="agency_list"),
    path(
        "agency/export.<str:fmt>",
        queue_views.agency_export,
        name="agency_export",
    ),
    path("agency/<int:pk>/", agency_views.agency_detail, name="agency_detail"),
    path(
        "agency/<int:pk>/refresh-recommendations/",
        agency_views.agency_refresh_recommendations,
        name="agency_refresh_recommendations",
    ),
    # The PDF report.
    path("<int:pk>/report/status/", report_views.report_status, name="report_status"),
    path(
        "<int:pk>/report/request/",
        report_views.report_request,
        name="report_request",
    ),
    path(
        "<int:pk>/report/<int:report_id>/download/",
        report_views.report_download,
        name="report_download",
    ),
    path(
        "agency/<int:pk>/report/status/",
        report_views.agency_report_status,
        name="agency_report_status",
    ),
    path(
        "agency/<int:pk>/report/request/",
        report_views.agency_report_request,
        name="agency_report_request",
    ),
    path(
        "agency/<int:pk>/report/<int:report_id>/download/",
        report_views.agency_report_download,
        name="agency_report_download",
    ),
]
