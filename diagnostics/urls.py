from django.urls import path

from diagnostics import (
    agency_views,
    assisted_views,
    insight_views,
    queue_views,
    report_views,
    views,
)

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
    # Agency insight.
    path(
        "agency/statistics/",
        insight_views.agency_statistics_page,
        name="agency_statistics",
    ),
    path(
        "<int:pk>/programs/<int:recommendation_id>/uptake/",
        insight_views.program_uptake,
        name="program_uptake",
    ),
    # The consultant's review of a diagnostic (diagnostics.review).
    path(
        "agency/<int:pk>/notes/", agency_views.agency_note_add, name="agency_note_add"
    ),
    path("agency/<int:pk>/assign/", agency_views.agency_assign, name="agency_assign"),
    path(
        "agency/<int:pk>/status/",
        agency_views.agency_set_status,
        name="agency_set_status",
    ),
    path(
        "agency/<int:pk>/override/",
        agency_views.agency_override_stage,
        name="agency_override_stage",
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
    # Assisted mode and consultant requests (diagnostics.assisted_views).
    path("agency/visit/", assisted_views.agency_visit, name="agency_visit"),
    path(
        "agency/visit/<int:company_pk>/start/",
        assisted_views.agency_visit_start,
        name="agency_visit_start",
    ),
    path("agency/<int:pk>/assisted/", assisted_views.assisted, name="assisted"),
    path(
        "agency/<int:pk>/assisted/save/",
        assisted_views.assisted_save,
        name="assisted_save",
    ),
    path(
        "agency/<int:pk>/request/status/",
        assisted_views.agency_request_status,
        name="agency_request_status",
    ),
    path(
        "<int:pk>/consultant-request/",
        assisted_views.consultant_request,
        name="consultant_request",
    ),
    path(
        "<int:pk>/consultant-request/cancel/",
        assisted_views.consultant_request_cancel,
        name="consultant_request_cancel",
    ),
]
