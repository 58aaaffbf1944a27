"""Celery tasks for warning signs: thin wrappers over services (ids in, one service call).

Their names stay `checkins.<task>` (beat's schedule and queued messages name them so); the
services queue them by those names (warning_signs/sending.py), never importing this module."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from .warning_signs import evaluation, notifications, push
from .warning_signs.sending import MAX_ATTEMPTS

# A delivery that fails (the mail server or the push service down) is tried again, further
# apart each time, MAX_ATTEMPTS times in all; the delivery itself makes a second send a no-op.
DELIVERY_RETRIES: dict[str, Any] = {
    "ignore_result": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": MAX_ATTEMPTS,
}


@shared_task(name="checkins.evaluate_pending", ignore_result=True, expires=30)
def evaluate_pending() -> int:
    """The outbox relay: beat runs it every second; evaluates patients with unevaluated check-ins,
    looking again every 50 ms until the next tick (RTR_RELAY_SECONDS)."""
    return evaluation.relay(seconds=settings.RTR_RELAY_SECONDS)


@shared_task(name="checkins.evaluate_patient", ignore_result=True)
def evaluate_patient(patient_id: int) -> None:
    evaluation.evaluate_patient(patient_id)


@shared_task(name="checkins.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    """Hourly: time-based rules for all active plans, and anything left unevaluated or unsent."""
    return evaluation.sweep()


@shared_task(name="checkins.deliver_notification", **DELIVERY_RETRIES)
def deliver_notification(notification_id: int) -> bool:
    return notifications.deliver(notification_id)


@shared_task(name="checkins.deliver_lost", ignore_result=True)
def deliver_lost() -> int:
    """Every 30 s: e-mails claimed by a worker that was lost before it sent them."""
    return notifications.deliver_lost()


@shared_task(name="checkins.deliver_push", **DELIVERY_RETRIES)
def deliver_push(notification_id: int) -> bool:
    """Issue 21: one push notification (warning_signs/push.py), sent once."""
    return push.deliver(notification_id)


@shared_task(name="checkins.deliver_stuck_pushes", ignore_result=True)
def deliver_stuck_pushes() -> int:
    """Issue 21: hourly, pushes left unsent are queued again (warning_signs/push.py)."""
    return push.deliver_stuck()


@shared_task(name="checkins.send_reminders", ignore_result=True)
def send_reminders() -> int:
    return notifications.send_reminders()


@shared_task(name="checkins.send_digests", ignore_result=True)
def send_digests() -> int:
    return notifications.send_digests()
