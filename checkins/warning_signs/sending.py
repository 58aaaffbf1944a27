"""Handing unsent e-mails and pushes to the worker, by the task's name.

The tasks live in `checkins.tasks`, which calls into this package: queueing by name
(`celery.signature`) keeps this package from importing them back. A broker that does not
answer leaves the rows unsent, for the sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from celery import signature
from django.db.models import F, Q
from django.utils import timezone

from checkins.models import Channel, Notification

logger = logging.getLogger(__name__)
DELIVER_EMAIL_TASK = "checkins.deliver_notification"
DELIVER_PUSH_TASK = "checkins.deliver_push"
# A claim older than this is a lost worker's (a send takes seconds: SMTP times out after 10 s);
# `checkins.deliver_lost` (beat, every 30 s) retries it, so such an e-mail goes out within a
# minute of the worker being killed (issue 24), not after five.
CLAIM_EXPIRES = timedelta(seconds=30)
MAX_ATTEMPTS = 8


def queue_email(notification_id: int) -> None:
    """One e-mail to the worker (raises when the broker cannot take it)."""
    signature(DELIVER_EMAIL_TASK, args=(notification_id,)).delay()


def _publish_pending(channel: str, task: str, *, flag_id: int | None, unqueued: str) -> None:
    """Queue delivery of a channel's unsent notices; at the first broker failure the rest are
    left for later (`unqueued` is the warning logged, with the notice's id)."""
    pending = Notification.objects.filter(channel=channel, sent_at__isnull=True)
    if flag_id is not None:
        pending = pending.filter(flag_id=flag_id)
    for notification_id in pending.values_list("pk", flat=True)[:1000]:
        try:
            signature(task, args=(notification_id,)).delay()
        except Exception:
            logger.warning(unqueued, notification_id, exc_info=True)
            return


def publish_pending_emails(*, flag_id: int | None = None) -> None:
    """Queue delivery of unsent e-mails; a broker failure leaves them for the sweep."""
    _publish_pending(
        Channel.EMAIL,
        DELIVER_EMAIL_TASK,
        flag_id=flag_id,
        unqueued="could not queue notification %s; the sweep will retry",
    )


def publish_pending_pushes(*, flag_id: int | None = None) -> None:
    """Queue delivery of unsent pushes; a broker failure leaves them for later."""
    _publish_pending(
        Channel.PUSH, DELIVER_PUSH_TASK, flag_id=flag_id, unqueued="could not queue push %s"
    )


def stuck_count(channel: str) -> int:
    """How many of a channel's notices are left unsent (broker down, worker lost: never claimed,
    or claimed longer ago than CLAIM_EXPIRES) within the attempt limit."""
    return (
        Notification.objects.filter(
            channel=channel, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS
        )
        .filter(
            Q(sending_started_at__isnull=True)
            | Q(sending_started_at__lt=timezone.now() - CLAIM_EXPIRES)
        )
        .count()
    )


def claim(notification_id: int, channel: str) -> bool:
    """Take one unsent notification for sending, counting the attempt. False when it is sent
    or another worker holds it (a claim older than CLAIM_EXPIRES died with its worker)."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        Q(sending_started_at__isnull=True) | Q(sending_started_at__lt=now - CLAIM_EXPIRES),
        pk=notification_id,
        channel=channel,
        sent_at__isnull=True,
    ).update(sending_started_at=now, attempts=F("attempts") + 1)
    return claimed == 1


@contextmanager
def released_if_it_fails(notification_id: int) -> Iterator[None]:
    """A send that raises gives its claim back at once (the retry need not wait for it to
    expire) and keeps the error's name."""
    try:
        yield
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(
            sending_started_at=None, last_error=type(exc).__name__[:200]
        )
        raise
