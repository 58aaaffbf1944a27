from __future__ import annotations

from django.urls import path

from .views import athlete, care_team, flags, notifications, rule_settings, sign_in

app_name = "checkins"

urlpatterns = [
    path("me/checkin/", athlete.checkin_submit, name="submit"),
    path("me/checkin/<uuid:checkin_id>/done/", athlete.checkin_done, name="done"),
    path("me/history/", athlete.athlete_history, name="history"),
    path("login/link/<str:token>/", sign_in.link_sign_in, name="link_sign_in"),
    path(
        "patients/<uuid:patient_id>/checkins-section/",
        care_team.patient_checkins_section,
        name="patient_section",
    ),
    path("patients/<uuid:patient_id>/checkins/", care_team.patient_checkin_log, name="log"),
    path("patients/<uuid:patient_id>/checkins.csv", care_team.patient_checkins_csv, name="csv"),
    path("patients/<uuid:patient_id>/sign-in-link/", sign_in.send_sign_in_link, name="send_link"),
    path(
        "patients/<uuid:patient_id>/sign-in-links/revoke/",
        sign_in.revoke_sign_in_links,
        name="revoke_links",
    ),
    path(
        "patients/<uuid:patient_id>/flags-section/",
        flags.patient_flags_section,
        name="patient_flags_section",
    ),
    path("clinic/rules/", rule_settings.rule_settings, name="rule_settings"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("flags/", flags.flag_queue, name="flag_queue"),
    path("plans/<uuid:plan_id>/proposal/", care_team.plan_proposal, name="plan_proposal"),
    path("flags/<uuid:flag_id>/", flags.flag_detail, name="flag_detail"),
    path("flags/<uuid:flag_id>/acknowledge/", flags.flag_acknowledge, name="flag_acknowledge"),
    path("flags/<uuid:flag_id>/assign/", flags.flag_assign, name="flag_assign"),
    path("flags/<uuid:flag_id>/note/", flags.flag_note, name="flag_note"),
    path("flags/<uuid:flag_id>/resolve/", flags.flag_resolve, name="flag_resolve"),
    path("flags/<uuid:flag_id>/dismiss/", flags.flag_dismiss, name="flag_dismiss"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
]
