from __future__ import annotations

from django.urls import path

from . import views

app_name = "pwa"

urlpatterns = [
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline_page, name="offline"),
    path("device/session/", views.session, name="session"),
    path("me/checkin/sync/", views.checkin_sync, name="checkin_sync"),
    path("notifications/devices/", views.devices, name="devices"),
    path("notifications/devices/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("notifications/devices/unsubscribe/", views.push_unsubscribe, name="push_unsubscribe"),
]
