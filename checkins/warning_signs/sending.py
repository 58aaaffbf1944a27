"""Handing unsent e-mails and pushes to the worker, by the task's name.

The tasks live in `checkins.tasks`, which calls into this package: queueing by name
(`celery.signature`) keeps this package from importing them back. A broker that does not
answer leaves the rows unsent, for the sweep.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import signature

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


def publish_pending_emails(*, flag_id: int | None = None) -> None:
    """Queue delivery of unsent e-mails; a broker failure leaves them for the sweep."""
    pending = Notification.objects.filter(channel=Channel.EMAIL, sent_at__isnull=True)
    if flag_id is not None:
        pending = pending.filter(flag_id=flag_id)
    for notification_id in pending.values_list("pk", flat=True)[:1000]:
        try:
            queue_email(notification_id)
        except Exception:
            logger.warning(
                "could not queue notification %s; the sweep will retry",
                notification_id,
                exc_info=True,
            )
            return


def publish_pending_pushes(*, flag_id: int | None = None) -> None:
    """Queue delivery of unsent pushes; a broker failure leaves them for later."""
    pending = Notification.objects.filter(channel=Channel.PUSH, sent_at__isnull=True)
    if flag_id is not None:
        pending = pending.filter(flag_id=flag_id)
    for notification_id in pending.values_list("pk", flat=True)[:1000]:
        try:
            signature(DELIVER_PUSH_TASK, args=(notification_id,)).delay()
        except Exception:
            logger.warning("could not queue push %s", notification_id, exc_info=True)
            return
