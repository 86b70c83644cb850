from django.urls import path

from diagnostics import agency_views, views

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
    path("agency/", agency_views.agency_list, name="agency_list"),
    path("agency/<int:pk>/", agency_views.agency_detail, name="agency_detail"),
    path(
        "agency/<int:pk>/refresh-recommendations/",
        agency_views.agency_refresh_recommendations,
        name="agency_refresh_recommendations",
    ),
]
