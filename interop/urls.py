from __future__ import annotations

from django.urls import path

from . import views

app_name = "interop"
urlpatterns = [
    path("patients/<uuid:patient_id>/export/fhir/", views.patient_fhir, name="patient_fhir"),
    path("me/export/fhir/", views.my_fhir, name="my_fhir"),
    path(
        "patients/<uuid:patient_id>/research-consent/",
        views.research_consent,
        name="research_consent",
    ),
    path("clinic/exports/", views.exports, name="exports"),
    path("clinic/exports/bulk/", views.bulk_request, name="bulk_request"),
    path("clinic/exports/bulk/<uuid:export_id>/", views.bulk_status, name="bulk_status"),
    path(
        "clinic/exports/bulk/<uuid:export_id>/download/",
        views.bulk_download,
        name="bulk_download",
    ),
    path("clinic/exports/research/", views.research_download, name="research_download"),
    path("clinic/outcomes/", views.clinic_outcomes, name="outcomes"),
]
