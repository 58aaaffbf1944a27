"""The app's URLs plus the bare comparison views; the app's own urlconf never sees these."""

from __future__ import annotations

from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/bare-insert/", views.bare_insert, name="bench_bare_insert"),
    path("bench/bare-rows/<int:rows>/", views.bare_rows, name="bench_bare_rows"),
    path("", include("rtr.urls")),
]
