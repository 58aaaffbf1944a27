"""Web Push (issue 21) against a local stand-in for the browser vendor's push service: the
payload is encrypted (aes128gcm) and says nothing clinical; a 404/410 removes the subscription;
a reminder goes once, by the channel the person chose."""

from __future__ import annotations

import base64
import json
import os
import threading
from datetime import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import mail
from py_vapid import Vapid02

from checkins import services
from checkins.models import Notification, PushSubscription, ReminderPreference
from checkins.warning_signs import evaluation, notifications, push
from protocols.services.decisions import plan_decide
from tests.checkins.factories import checkin_data

pytestmark = pytest.mark.django_db

CLINICAL_WORDS = (
    "pain", "night", "tender", "swelling", "groin", "walk", "flag", "urgent", "stage",
    "hold", "regress", "bone", "alex", "runner", "tibia", "fatigue", "period",
)  # fmt: skip


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class PushService:
    """A small HTTP server on 127.0.0.1 standing in for the push service: it records each
    message and answers with the status set for the endpoint's path."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status: dict[str, int] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.received.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                self.send_response(service.status.get(self.path, 201))
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Browser:
    """A browser's side of a subscription: its key pair and auth secret, to read a message."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.p256dh = b64(
            self.key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def read(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


@pytest.fixture
def service():
    s = PushService()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def vapid(settings):
    keys = Vapid02()
    keys.generate_keys()
    settings.RTR_VAPID_PRIVATE_KEY = keys.private_pem().decode()
    settings.RTR_VAPID_PUBLIC_KEY = b64(
        keys.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    settings.RTR_VAPID_SUBJECT = "mailto:push-test@rtr.localhost"
    return keys


def subscribe(service, user, path="/push/device-1", **topics):
    browser = Browser()
    subscription = push.subscription_save(
        user=user,
        endpoint=service.url + path,
        p256dh=browser.p256dh,
        auth=b64(browser.auth),
        topics=set(topics) or {"reminders", "plan_changes"},
    )
    return subscription, browser


def assert_not_clinical(message: dict) -> None:
    text = json.dumps(message).lower()
    assert message["body"] == "You have a new notice in RTR"
    for word in CLINICAL_WORDS:
        assert word not in text, word


def test_a_push_is_encrypted_signed_and_says_nothing_clinical(service, athlete):
    subscription, browser = subscribe(service, athlete)

    assert push.send(subscription, "/me/")

    [message] = service.received
    headers = {k.lower(): v for k, v in message["headers"].items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    assert b"notice" not in message["body"]  # not readable on the way
    assert_not_clinical(browser.read(message["body"]))
    subscription.refresh_from_db()
    assert subscription.last_sent_at is not None


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_says_is_gone_is_removed(service, athlete, status):
    subscription, _browser = subscribe(service, athlete, path="/push/gone")
    service.status["/push/gone"] = status
    assert push.send(subscription, "/me/") is False
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_a_passing_failure_keeps_the_subscription_and_raises_for_a_retry(service, athlete):
    from pywebpush import WebPushException

    subscription, _browser = subscribe(service, athlete, path="/push/busy")
    service.status["/push/busy"] = 503
    with pytest.raises(WebPushException):
        push.send(subscription, "/me/")
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()


@pytest.fixture
def reminder_time(clinic):
    clinic.reminder_time = time(0, 0)
    clinic.save()


def test_a_reminder_by_push_goes_once_and_no_email(service, patient, plan, athlete, reminder_time):
    _subscription, browser = subscribe(service, athlete)
    ReminderPreference.objects.create(user=athlete, channel="push")

    assert notifications.send_reminders() == 1
    assert notifications.send_reminders() == 0
    [row] = Notification.objects.filter(kind="reminder").exclude(channel="in_app")
    assert row.channel == "push"
    assert push.deliver(row.pk) is True
    assert push.deliver(row.pk) is False  # once

    assert len(service.received) == 1
    assert_not_clinical(browser.read(service.received[0]["body"]))
    assert mail.outbox == []
    # Choosing e-mail later the same day does not send the day's reminder again.
    ReminderPreference.objects.filter(user=athlete).update(channel="email")
    assert notifications.send_reminders() == 0


def test_a_reminder_by_email_by_default_even_with_a_device(
    service, patient, plan, athlete, reminder_time
):
    subscribe(service, athlete)
    assert notifications.send_reminders() == 1
    [row] = Notification.objects.filter(kind="reminder").exclude(channel="in_app")
    assert row.channel == "email"
    assert notifications.deliver(row.pk)
    assert len(mail.outbox) == 1
    assert service.received == []


def test_a_push_reminder_whose_every_device_is_gone_goes_by_email(
    service, patient, plan, athlete, reminder_time
):
    subscription, _browser = subscribe(service, athlete, path="/push/gone")
    service.status["/push/gone"] = 410
    ReminderPreference.objects.create(user=athlete, channel="push")
    assert notifications.send_reminders() == 1
    row = Notification.objects.get(kind="reminder", channel="push")

    assert push.deliver(row.pk) is False

    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()
    email = Notification.objects.get(kind="reminder", channel="email", recipient=athlete)
    assert notifications.deliver(email.pk)
    assert len(mail.outbox) == 1


def test_an_urgent_flag_reaches_the_staff_devices_that_asked_with_no_detail(
    service, patient, plan, athlete, lead, physio
):
    _sub, lead_browser = subscribe(service, lead, path="/push/lead", urgent_flags=True)
    subscribe(service, physio, path="/push/physio-reminders-only", reminders=True)

    services.checkin_submit(
        patient=patient,
        by=athlete,
        day=services.local_today(patient),
        data=checkin_data(night_pain=True),
    )
    evaluation.evaluate_pending()
    evaluation.evaluate_pending()

    rows = Notification.objects.filter(channel="push", kind="flag")
    assert [r.recipient for r in rows] == [lead]
    for row in rows:
        push.deliver(row.pk)
    assert [m["path"] for m in service.received] == ["/push/lead"]
    assert_not_clinical(lead_browser.read(service.received[0]["body"]))


def test_a_decision_on_the_plan_tells_the_athletes_device_once_a_day(
    service, patient, plan, athlete, physio, django_capture_on_commit_callbacks
):
    subscribe(service, athlete)
    with django_capture_on_commit_callbacks(execute=True):
        plan_decide(plan=plan, kind="hold", by=physio, rationale="Sore shin")
    with django_capture_on_commit_callbacks(execute=True):
        plan_decide(plan=plan, kind="hold", by=physio, rationale="Again")
    [row] = Notification.objects.filter(channel="push", kind="plan")
    assert row.recipient == athlete
    assert push.deliver(row.pk)
    assert len(service.received) == 1


@pytest.mark.redis
def test_a_real_worker_sends_the_push_reminder_once(
    transactional_db, service, clinic, physio, settings
):
    """The reminder task and the push delivery on a real Celery worker (Redis): one message."""
    from celery.contrib.testing.worker import start_worker

    from checkins.tasks import deliver_push, deliver_stuck_pushes, send_reminders
    from rtr.celery import app
    from tests.checkins.test_worker_integration import athlete_with_plan, wait_for

    clinic.reminder_time = time(0, 0)
    clinic.save()
    athlete, _patient = athlete_with_plan(clinic, physio)
    _subscription, browser = subscribe(service, athlete)
    ReminderPreference.objects.create(user=athlete, channel="push")
    # A marker: another person's notice, queued last (the solo worker takes tasks in order).
    someone, _other = athlete_with_plan(clinic, physio)
    subscribe(service, someone, path="/push/marker")
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        send_reminders.delay()
        assert wait_for(lambda: any(m["path"] == "/push/device-1" for m in service.received))
        for _ in range(2):
            send_reminders.delay()
            deliver_stuck_pushes.delay()
        marker = Notification.objects.create(
            recipient=someone, kind="plan", channel="push", day=None, title="x", link="/me/"
        )
        deliver_push.delay(marker.pk)
        assert wait_for(lambda: any(m["path"] == "/push/marker" for m in service.received))
    mine = [m for m in service.received if m["path"] == "/push/device-1"]
    assert len(mine) == 1
    assert_not_clinical(browser.read(mine[0]["body"]))
    assert (
        Notification.objects.filter(recipient=athlete, kind="reminder", channel="push").count() == 1
    )
    assert [m for m in mail.outbox if athlete.email in m.to] == []  # push was the choice
