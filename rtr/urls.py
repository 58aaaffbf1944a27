from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from patients import views as patient_views
from rtr import views

admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "RTR administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff_home, name="staff_home"),
    path("me/", views.athlete_home, name="athlete_home"),
    path("clinics/<uuid:clinic_id>/switch/", views.clinic_switch, name="clinic_switch"),
    path("clinic/members/", views.clinic_members, name="clinic_members"),
    path("clinic/two-factor/", views.clinic_two_factor, name="clinic_two_factor"),
    path("clinic/details/", views.clinic_details, name="clinic_details"),
    path(
        "clinic/members/<uuid:membership_id>/",
        views.clinic_member_detail,
        name="clinic_member_detail",
    ),
    path("patients/", include("patients.urls")),
    path("", include("protocols.urls")),
    path("", include("checkins.urls")),
    path("", include("interop.urls")),
    path("", include("pwa.urls")),  # issue 21: manifest, /sw.js, offline queue, push devices
    path("", include("loads.urls")),
    path("invite/<str:token>/", patient_views.invitation_accept, name="invitation_accept"),
    path("health/", views.health, name="health"),
    path("account/", views.account, name="account"),
    path("references/", views.references_page, name="references"),
    path("system/", views.system_status, name="system_status"),
    path("system/probe/", views.system_status_probe, name="system_status_probe"),
    path("accounts/", include("allauth.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler500 = "rtr.views.server_error"
