"""Web Push: a notice to a person's phone or browser, beside e-mail (issue 21).

Sent with pywebpush (the payload encrypted for the subscription, aes128gcm; the request signed
with the VAPID keys from the environment). A payload never says anything clinical: only "You
have a new notice in RTR" and a link to open. A subscription the push service says is gone
(404 or 410) is removed. Rows are Notification rows on the push channel, so they share the
e-mail's guarantees: unique per flag/recipient/reason or per recipient/kind/day, claimed
before sending, sent once.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from checkins.models import (
    Channel,
    Notification,
    NotificationKind,
    PushSubscription,
    ReminderChannel,
    ReminderPreference,
)
from protocols.models import Plan

from .sending import (
    claim,
    publish_pending_emails,
    publish_pending_pushes,
    released_if_it_fails,
    stuck_count,
)

if TYPE_CHECKING:
    from checkins.models import Flag
    from rtr.accounts.models import User

logger = logging.getLogger(__name__)
GONE = {404, 410}
TTL_SECONDS = 12 * 3600
# What each kind of notice needs the subscription to have opted in to.
TOPIC: dict[str, str] = {
    NotificationKind.REMINDER: "reminders",
    NotificationKind.PLAN: "plan_changes",
    NotificationKind.FLAG: "urgent_flags",
}


def is_configured() -> bool:
    return bool(settings.RTR_VAPID_PUBLIC_KEY and settings.RTR_VAPID_PRIVATE_KEY)


def payload(link: str) -> str:
    """The same words for every notice: nothing about the patient, the flag or the plan."""
    return json.dumps(
        {"title": "RTR", "body": str(_("You have a new notice in RTR")), "url": link or "/"}
    )


def subscriptions_for(user: User, kind: str) -> list[PushSubscription]:
    topic = TOPIC.get(kind)
    if topic is None:
        return []
    return list(PushSubscription.objects.filter(user=user, **{topic: True}))


def _vapid_key() -> Any:
    """The VAPID private key from the environment: PEM, or URL-safe base64 of the DER."""
    from py_vapid import Vapid02  # only a worker sending a push needs the crypto libraries

    key = settings.RTR_VAPID_PRIVATE_KEY.strip()
    if key.startswith("-----BEGIN"):
        return Vapid02.from_pem(key.encode())
    return Vapid02.from_string(key)


def send(subscription: PushSubscription, link: str) -> bool:
    """Send one push; False (and the subscription removed) when the push service says it is
    gone. Any other failure raises, so the task retries."""
    from pywebpush import WebPushException, webpush  # as _vapid_key: the sending worker only

    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=payload(link),
            vapid_private_key=_vapid_key(),
            vapid_claims={"sub": settings.RTR_VAPID_SUBJECT},
            content_encoding="aes128gcm",
            ttl=TTL_SECONDS,
            timeout=10,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in GONE:
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            logger.info("push subscription %s is gone (%s): removed", subscription.pk, status)
            return False
        raise
    PushSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=timezone.now())
    return True


def deliver(notification_id: int) -> bool:
    """Send one push notification once (claimed first, as e-mails are). True when sent now."""
    if not claim(notification_id, Channel.PUSH):
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    with released_if_it_fails(notification_id):
        sent = [
            send(s, notification.link)
            for s in subscriptions_for(notification.recipient, notification.kind)
        ]
    Notification.objects.filter(pk=notification_id).update(
        sent_at=timezone.now(), last_error="" if any(sent) else "no device"
    )
    if not any(sent) and notification.kind == NotificationKind.REMINDER:
        _reminder_by_email_instead(notification)  # every device gone: the reminder still goes
    return any(sent)


def _reminder_by_email_instead(notification: Notification) -> None:
    with transaction.atomic():
        Notification.objects.get_or_create(
            recipient=notification.recipient,
            kind=NotificationKind.REMINDER,
            channel=Channel.EMAIL,
            day=notification.day,
            flag=None,
            defaults={"title": notification.title, "link": notification.link},
        )
        transaction.on_commit(publish_pending_emails)


def deliver_stuck() -> int:
    """Re-queue pushes left unsent (broker down, worker lost), within the attempt limit."""
    count = stuck_count(Channel.PUSH)
    if count:
        publish_pending_pushes()
    return count


# --- Who gets what ----------------------------------------------------------------------------


def reminder_channel(user: User) -> str:
    """The person's choice for reminders: push only when they chose it and a device of theirs
    takes reminders; otherwise e-mail."""
    chosen = ReminderPreference.objects.filter(user=user).values_list("channel", flat=True).first()
    if chosen == ReminderChannel.PUSH and subscriptions_for(user, NotificationKind.REMINDER):
        return Channel.PUSH
    return Channel.EMAIL


def urgent_flag_notify(flag: Flag, recipients: list[User], *, reason: str) -> None:
    """Staff who opted in on a device hear of an urgent flag there too (no detail in it)."""
    if flag.severity != "urgent":
        return
    users = {
        s.user_id for s in PushSubscription.objects.filter(user__in=recipients, urgent_flags=True)
    }
    if not users:
        return
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id,
                kind=NotificationKind.FLAG,
                channel=Channel.PUSH,
                flag=flag,
                reason=reason,
                title=str(_("You have a new notice in RTR")),
                link=reverse("checkins:notifications"),
            )
            for user_id in users
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(lambda: publish_pending_pushes(flag_id=flag.pk))


def plan_change_notify(*, plan_id: int) -> bool:
    """After a decision on the plan: the athlete's devices that asked for it, once a day."""
    plan = (
        Plan.objects.select_related("patient__user", "patient__clinic").filter(pk=plan_id).first()
    )
    if plan is None or plan.patient.user is None:
        return False
    user = plan.patient.user
    if not subscriptions_for(user, NotificationKind.PLAN):
        return False
    with transaction.atomic():
        _row, new = Notification.objects.get_or_create(
            recipient=user,
            kind=NotificationKind.PLAN,
            channel=Channel.PUSH,
            day=timezone.localdate(timezone=plan.patient.clinic.zone),
            flag=None,
            defaults={
                "title": str(_("You have a new notice in RTR")),
                "link": reverse("athlete_home"),
            },
        )
        if new:
            transaction.on_commit(publish_pending_pushes)
    return new


# --- Subscriptions ----------------------------------------------------------------------------


def endpoint_acceptable(endpoint: str) -> bool:
    """A push service's address: HTTPS to a named host (the server posts to it, so never to
    an address inside the network). With DEBUG on, any http(s) address (local testing)."""
    try:
        parts = urlsplit(endpoint)
    except ValueError:
        return False
    if settings.DEBUG:
        return parts.scheme in {"http", "https"} and bool(parts.hostname)
    host = parts.hostname or ""
    if parts.scheme != "https" or not host or host == "localhost" or "." not in host:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False  # an IP address, not a push service's name


def subscription_save(
    *, user: User, endpoint: str, p256dh: str, auth: str, topics: set[str]
) -> PushSubscription:
    """This device's subscription, for what its owner chose (athletes: reminders and plan
    changes; staff: urgent flags). A device passed to another account is theirs now."""
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": p256dh,
            "auth": auth,
            "reminders": "reminders" in topics,
            "plan_changes": "plan_changes" in topics,
            "urgent_flags": "urgent_flags" in topics,
        },
    )
    return subscription


def subscription_remove(*, user: User, endpoint: str) -> int:
    deleted, _rows = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return deleted
