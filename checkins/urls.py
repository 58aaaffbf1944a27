from __future__ import annotations

from django.urls import path

from . import views

app_name = "checkins"

urlpatterns = [
    path("me/checkin/", views.checkin_submit, name="submit"),
    path("me/checkin/<uuid:checkin_id>/done/", views.checkin_done, name="done"),
    path("me/history/", views.athlete_history, name="history"),
    path("login/link/<str:token>/", views.link_sign_in, name="link_sign_in"),
    path(
        "patients/<uuid:patient_id>/checkins-section/",
        views.patient_checkins_section,
        name="patient_section",
    ),
    path("patients/<uuid:patient_id>/checkins/", views.patient_checkin_log, name="log"),
    path("patients/<uuid:patient_id>/checkins.csv", views.patient_checkins_csv, name="csv"),
    path("patients/<uuid:patient_id>/sign-in-link/", views.send_sign_in_link, name="send_link"),
    path(
        "patients/<uuid:patient_id>/sign-in-links/revoke/",
        views.revoke_sign_in_links,
        name="revoke_links",
    ),
    path(
        "patients/<uuid:patient_id>/flags-section/",
        views.patient_flags_section,
        name="patient_flags_section",
    ),
    path("clinic/rules/", views.rule_settings, name="rule_settings"),
    path("notifications/", views.notification_list, name="notifications"),
    path("flags/", views.flag_queue, name="flag_queue"),
    path("plans/<uuid:plan_id>/proposal/", views.plan_proposal, name="plan_proposal"),
    path("flags/<uuid:flag_id>/", views.flag_detail, name="flag_detail"),
    path("flags/<uuid:flag_id>/acknowledge/", views.flag_acknowledge, name="flag_acknowledge"),
    path("flags/<uuid:flag_id>/assign/", views.flag_assign, name="flag_assign"),
    path("flags/<uuid:flag_id>/note/", views.flag_note, name="flag_note"),
    path("flags/<uuid:flag_id>/resolve/", views.flag_resolve, name="flag_resolve"),
    path("flags/<uuid:flag_id>/dismiss/", views.flag_dismiss, name="flag_dismiss"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
