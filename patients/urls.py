from __future__ import annotations

from django.urls import path

from . import team_views, views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("audit/", views.clinic_audit, name="audit"),
    path("new/", views.patient_create, name="create"),
    path("<uuid:patient_id>/", views.patient_detail, name="detail"),
    path("<uuid:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:patient_id>/discharge/", views.patient_discharge, name="discharge"),
    path("<uuid:patient_id>/history/", views.patient_history, name="history"),
    path("<uuid:patient_id>/export.json", views.patient_export, name="export"),
    path("<uuid:patient_id>/erase/", views.patient_erase, name="erase"),
    path("<uuid:patient_id>/injuries/new/", views.injury_create, name="injury_create"),
    path("<uuid:patient_id>/prior-injuries/", views.prior_injury_add, name="prior_injury_add"),
    path("<uuid:patient_id>/screens/new/", views.triad_screen_create, name="triad_create"),
    path("<uuid:patient_id>/care-team/", views.care_team_edit, name="care_team"),
    path("<uuid:patient_id>/invite/", views.invitation_send, name="invite"),
    path("<uuid:patient_id>/team/", team_views.team_section, name="team_section"),
    path("<uuid:patient_id>/team/post/", team_views.team_message_post, name="team_message"),
    path("<uuid:patient_id>/tasks/", team_views.tasks_section, name="tasks_section"),
    path("<uuid:patient_id>/tasks/new/", team_views.task_add, name="task_add"),
    path("tasks/<uuid:task_id>/done/", team_views.task_done, name="task_done"),
    path("<uuid:patient_id>/support/", team_views.support_section, name="support_section"),
    path("<uuid:patient_id>/support/new/", team_views.support_contact_add, name="support_add"),
    path(
        "support/<uuid:contact_id>/remove/",
        team_views.support_contact_remove,
        name="support_remove",
    ),
    path("injuries/<uuid:injury_id>/edit/", views.injury_edit, name="injury_edit"),
    path("injuries/<uuid:injury_id>/imaging/", views.imaging_add, name="imaging_add"),
]
