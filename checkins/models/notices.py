"""Notices: in-app, e-mail and push notifications, push subscriptions and reminder choices
(the sending is in `checkins.warning_signs`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.models import SupportContact
from protocols.models import StageDecision
from rtr.accounts.models import PublicIdModel

from .flags import Flag


class NotificationKind(models.TextChoices):
    FLAG = "flag", _("Flag")
    REMINDER = "reminder", _("Check-in reminder")
    DIGEST = "digest", _("Daily digest")
    DECISION = "decision", _("Decision on a flag")
    PLAN = "plan", _("Change to the plan")  # issue 21: push only, to the athlete


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    IN_APP = "in_app", _("In the app")
    PUSH = "push", _("Notification on a device")  # issue 21 (checkins/warning_signs/push.py)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def in_app_for(self, user: Any) -> NotificationQuerySet:
        return self.filter(recipient=user, channel=Channel.IN_APP)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(PublicIdModel):
    """One message to one person on one channel; written in the same transaction as its cause
    (the outbox), sent by a task. Unique per flag, recipient, channel and reason (raised or
    escalated), per stage decision, recipient and channel for changes to a plan, and per
    recipient, kind, channel and day for reminders and digests."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=10, choices=NotificationKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    flag = models.ForeignKey(
        Flag, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    # A change to the athlete's plan: the decision it tells of (what changed, the physio's note).
    decision = models.ForeignKey(
        StageDecision, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    # A copy for one of the athlete's support contacts (their check-in reminder, as the
    # athlete agreed): `recipient` stays the athlete it is about; it goes to the contact.
    to_contact = models.ForeignKey(
        SupportContact, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    reason = models.CharField(max_length=30, blank=True)
    day = models.DateField(null=True, blank=True)
    title = models.CharField(max_length=200)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "recipient", "channel", "reason"],
                condition=Q(flag__isnull=False),
                name="notification_once_per_flag",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "channel", "day"],
                condition=Q(flag__isnull=True, day__isnull=False, to_contact__isnull=True),
                name="notification_once_per_day",
            ),
            models.UniqueConstraint(
                fields=["to_contact", "kind", "day"],
                condition=Q(to_contact__isnull=False),
                name="notification_copy_once_per_day",
            ),
            models.UniqueConstraint(
                fields=["decision", "recipient", "channel"],
                condition=Q(decision__isnull=False),
                name="notification_once_per_decision",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
            models.Index(fields=["channel", "sent_at"], name="notification_outbox"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id} by {self.channel}"


class ReminderChannel(models.TextChoices):
    EMAIL = "email", _("By e-mail")
    PUSH = "push", _("As a notification on my phone")


class PushSubscription(models.Model):
    """One browser's Web Push subscription (the endpoint and keys its push service gave it),
    and what its owner chose to be told on it. Removed when the push service says it is gone."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    reminders = models.BooleanField(_("check-in reminders"), default=False)
    plan_changes = models.BooleanField(_("changes to my plan"), default=False)
    urgent_flags = models.BooleanField(_("urgent flags"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"push subscription {self.pk} of {self.user_id}"


class ReminderPreference(models.Model):
    """How a person wants their daily check-in reminder: e-mail (the default) or push."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    channel = models.CharField(
        _("send my reminders"),
        max_length=8,
        choices=ReminderChannel.choices,
        default=ReminderChannel.EMAIL,
    )

    def __str__(self) -> str:
        return f"{self.user_id}: reminders {self.channel}"
