from __future__ import annotations

from django.urls import path

from . import views

app_name = "loads"

urlpatterns = [
    path("me/run-files/", views.athlete_upload, name="athlete_upload"),
    path("me/run-files/latest/", views.athlete_upload_status, name="athlete_upload_status"),
    path("me/load/", views.athlete_load, name="athlete_load"),
    path("patients/<uuid:patient_id>/run-files/", views.staff_upload, name="staff_upload"),
    path(
        "patients/<uuid:patient_id>/load-section/",
        views.patient_load_section,
        name="patient_section",
    ),
    path("run-files/<uuid:run_file_id>/export/", views.run_file_download, name="file"),
]
