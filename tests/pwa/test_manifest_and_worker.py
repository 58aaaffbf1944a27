"""The web app manifest and the service worker (issue 21): scope, icons, strict CSP, and the
server's marks that let the phone keep the athlete's own pages and never a staff page."""

from __future__ import annotations

import re
import struct

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from tests.patients.factories import make_injury, make_patient

pytestmark = pytest.mark.django_db


def csp_directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_the_manifest_installs_the_athletes_today_page_with_its_icons():
    response = Client().get(reverse("pwa:manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["scope"] == "/"
    assert manifest["start_url"] == reverse("athlete_home")
    assert manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"] == "RTR"
    sizes = set()
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        with open(path, "rb") as png:
            head = png.read(24)
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", head[16:24])
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes  # what Chrome's install prompt needs
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


def test_the_service_worker_is_root_scoped_with_a_strict_policy_of_its_own():
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    csp = csp_directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"] and csp["script-src"] == ["'self'"]
    body = response.content.decode()
    assert "unsafe" not in response["Content-Security-Policy"]
    # It keeps only what the server marks, and nothing from a staff page.
    assert 'X-RTR-Offline") === "keep"' in body
    assert 'importScripts("/static/js/queue.js")' in body
    kept = re.search(r"const SHELL_URLS = \[(.*?)\];", body).group(1)
    assert all(url.startswith(('"/static/', '"/offline/')) for url in kept.split(", "))


def test_the_pages_keep_the_strict_csp_and_no_inline_script(client, clinic, physio, athlete):
    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio)
    patient.user = athlete
    patient.save()
    client.force_login(athlete)
    response = client.get(reverse("athlete_home"))
    assert response.status_code == 200
    csp = csp_directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    html = response.content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag  # no inline code


def test_only_the_athletes_own_pages_are_marked_to_keep(client, clinic, physio, athlete, lead):
    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio)
    patient.user = athlete
    patient.save()
    client.force_login(athlete)
    for name in ("athlete_home", "checkins:history", "protocols:my_plan"):
        response = client.get(reverse(name))
        assert response["X-RTR-Who"] == f"athlete:{athlete.public_id}"
        assert response.get("X-RTR-Offline") == "keep", name
    assert "X-RTR-Offline" not in client.get(reverse("pwa:devices"))

    for staff in (physio, lead):
        client.force_login(staff)
        for name in (
            "staff_home",
            "patients:list",
            "checkins:flag_queue",
            "checkins:notifications",
        ):
            response = client.get(reverse(name), follow=True)
            assert response["X-RTR-Who"] == "staff"
            assert "X-RTR-Offline" not in response, name
        detail = client.get(reverse("patients:detail", args=[patient.public_id]))
        assert detail.status_code == 200 and "X-RTR-Offline" not in detail
    client.logout()
    assert client.get(reverse("account_login"))["X-RTR-Who"] == "anonymous"
