"""Notifications: in-app and e-mail, for flags, reminders and the lead's digest.

A flag's recipients are told once when it is raised (in the app and by e-mail); an escalation
updates the in-app item and e-mails again only when the flag is now high or urgent, only
those not yet told at that level (`notify_escalated`). Rows are written in the same
transaction as their cause and are unique per flag, recipient, channel and reason (or per recipient, kind, channel and day): running anything twice writes
nothing twice. E-mails are sent by a task that claims the row first (compare-and-set), so a
message goes out once; a worker lost between sending and marking could resend it after the
claim expires, which is the one case an e-mail may repeat (never silently dropped).
E-mails carry no clinical details: "a flag needs your review" and a link.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from checkins.models import (
    SEVERITY_RANK,
    Channel,
    CheckIn,
    Flag,
    Notification,
    NotificationKind,
    Severity,
)
from checkins.services import signin_link_create
from patients.models import Patient, PatientStatus
from protocols import plan_changes
from protocols.models import DecisionKind, PlanStatus, StageDecision
from rtr.accounts.models import Clinic, Membership, Role, User

from . import push, rules
from .sending import (
    CLAIM_EXPIRES,
    MAX_ATTEMPTS,
    claim,
    publish_pending_emails,
    publish_pending_pushes,
    queue_email,
    released_if_it_fails,
    stuck_count,
)

logger = logging.getLogger(__name__)


def recipient_ids(*, severity: str, physios: Iterable[int], leads: Iterable[int]) -> set[int]:
    """Who is told of a flag: the patient's physios; of an urgent or high flag, also the
    clinic's leads (`leads` is read only then: a lazy queryset costs nothing otherwise). The
    benchmark's generator chooses its recipients with this too."""
    ids = set(physios)
    if severity in {"high", "urgent"}:
        ids |= set(leads)
    return ids


def flag_recipients(flag: Flag) -> list[User]:
    """The assigned physio and the care team's physios; urgent and high flags also the leads."""
    patient = flag.patient
    ids = recipient_ids(
        severity=flag.severity,
        physios={patient.assigned_physio_id}
        | set(
            patient.care_team.filter(role__in=[Role.PHYSIO, Role.LEAD]).values_list(
                "user_id", flat=True
            )
        ),
        leads=Membership.objects.filter(
            clinic_id=flag.clinic_id, role=Role.LEAD, is_active=True
        ).values_list("user_id", flat=True),
    )
    return list(User.objects.filter(pk__in=ids, is_active=True))


def flag_link(flag: Flag) -> str:
    return reverse("checkins:flag_detail", args=[flag.public_id])


def _title(flag: Flag) -> str:
    return flag_title(
        severity=flag.severity, rule_code=flag.rule_code, patient_name=flag.patient.full_name
    )


def flag_title(*, severity: str, rule_code: str, patient_name: str) -> str:
    """A flag notification's title ("High flag: Pain during a run – Ana Ruiz"); the benchmark's
    generator titles its notifications with this too."""
    rule = rules.RULES.get(rule_code)
    title = _("%(severity)s flag: %(rule)s – %(patient)s") % {
        "severity": dict(Severity.choices).get(severity, severity),
        "rule": rule.title if rule else rule_code,
        "patient": patient_name,
    }
    return str(title)[:200]


def told_level(reason: str) -> int:
    """The severity a flag e-mail told its recipient of ("raised:low", "escalated:high"); a
    reason without one (written before levels were kept) counts as the lowest."""
    _kind, _sep, level = reason.partition(":")
    return SEVERITY_RANK.get(level, -1)


def notify_raised(flag: Flag) -> None:
    """A new flag: each recipient is told once, in the app and by e-mail (sent after commit)."""
    reason = f"raised:{flag.severity}"
    title = _title(flag)
    rows = [
        Notification(
            recipient=user,
            kind=NotificationKind.FLAG,
            channel=channel,
            flag=flag,
            reason=reason,
            title=title,
            link=flag_link(flag),
            sent_at=timezone.now() if channel == Channel.IN_APP else None,
        )
        for user in flag_recipients(flag)
        for channel in (Channel.EMAIL, Channel.IN_APP)
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(lambda: publish_pending_emails(flag_id=flag.pk))
    push_urgent_flag(flag, reason=reason)


EMAIL_ON_ESCALATION = frozenset({"high", "urgent"})


def notify_escalated(flag: Flag) -> None:
    """A flag's severity rose. Each recipient's in-app item is updated (new title, unread
    again) or, for someone new to it (a lead, from high), created. An e-mail goes out only when
    the severity is now high or urgent, and only to those not yet told at that level or above
    ("Now high: ..."): a rise to low or info is not worth another e-mail, and nobody gets the
    same news twice."""
    level = SEVERITY_RANK[flag.severity]
    reason = f"escalated:{flag.severity}"
    title = _title(flag)
    now = timezone.now()
    recipients = flag_recipients(flag)
    existing = list(
        Notification.objects.filter(
            flag=flag, kind=NotificationKind.FLAG, recipient__in=recipients
        ).select_for_update()
    )
    in_app = {n.recipient_id: n for n in existing if n.channel == Channel.IN_APP}
    told: dict[int, int] = {}
    for n in existing:
        if n.channel == Channel.EMAIL:
            told[n.recipient_id] = max(told.get(n.recipient_id, -1), told_level(n.reason))
    new_rows = []
    for user in recipients:
        item = in_app.get(user.pk)
        if item is not None:
            Notification.objects.filter(pk=item.pk).update(
                title=title, read_at=None, created_at=now
            )
        else:
            new_rows.append(
                Notification(
                    recipient=user,
                    kind=NotificationKind.FLAG,
                    channel=Channel.IN_APP,
                    flag=flag,
                    reason=reason,
                    title=title,
                    link=flag_link(flag),
                    sent_at=now,
                )
            )
        if flag.severity in EMAIL_ON_ESCALATION and told.get(user.pk, -1) < level:
            new_rows.append(
                Notification(
                    recipient=user,
                    kind=NotificationKind.FLAG,
                    channel=Channel.EMAIL,
                    flag=flag,
                    reason=reason,
                    title=title,
                    link=flag_link(flag),
                )
            )
    Notification.objects.bulk_create(new_rows, ignore_conflicts=True)
    if any(row.channel == Channel.EMAIL for row in new_rows):
        transaction.on_commit(lambda: publish_pending_emails(flag_id=flag.pk))


def notify_plan_changed(decision: StageDecision) -> None:
    """A decision on the athlete's plan: they are told in the app (what changed, in their
    words) and, for a change to a running plan, by e-mail (only that the plan changed, and a
    link), once per decision. The start of a plan is in the app only: the athlete's invitation
    or the physio told them of it. Written in the decision's transaction; the e-mail is sent
    after it commits."""
    user = decision.plan.patient.user
    if user is None or not user.is_active:
        return
    by_email = bool(user.email) and decision.kind != DecisionKind.START
    link = reverse("athlete_home")
    rows = [
        Notification(
            recipient=user,
            kind=NotificationKind.PLAN,
            channel=Channel.IN_APP,
            decision=decision,
            title=plan_changes.short_title(decision),
            link=link,
            sent_at=timezone.now(),
        )
    ]
    if by_email:
        rows.append(
            Notification(
                recipient=user,
                kind=NotificationKind.PLAN,
                channel=Channel.EMAIL,
                decision=decision,
                title=str(_("Your plan has been updated")),
                link=link,
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if by_email:
        transaction.on_commit(publish_pending_emails)


def deliver(notification_id: int) -> bool:
    """Send one e-mail notification once: claim it, send, mark it sent. True when sent now."""
    if not claim(notification_id, Channel.EMAIL):
        return False
    notification = Notification.objects.select_related(
        "recipient", "flag", "to_contact__patient"
    ).get(pk=notification_id)
    subject, body = _email(notification)
    # A support contact's copy goes to the contact; everything else to its recipient.
    to = notification.to_contact.email if notification.to_contact else notification.recipient.email
    with released_if_it_fails(notification_id):
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
    Notification.objects.filter(pk=notification_id).update(sent_at=timezone.now(), last_error="")
    return True


def _email(notification: Notification) -> tuple[str, str]:
    if notification.to_contact is not None:
        # A copy for a support contact: who it is about, and never a link that signs anyone in.
        copy = {"contact": notification.to_contact, "athlete": notification.to_contact.patient}
        return (
            render_to_string("emails/reminder_copy_subject.txt", copy).strip(),
            render_to_string("emails/reminder_copy_body.txt", copy),
        )
    context = {
        "notification": notification,
        "site_url": settings.SITE_URL,
        "link": settings.SITE_URL + notification.link,
        "hours": settings.RTR_SIGN_IN_LINK_HOURS,
        "escalated_to": _escalated_to(notification),
    }
    if notification.kind in {NotificationKind.REMINDER, NotificationKind.PLAN}:
        context["link"] = signin_link_create(
            user=notification.recipient, purpose=str(notification.kind)
        )
    template = f"emails/{notification.kind}"
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    return subject, render_to_string(f"{template}_body.txt", context)


def _escalated_to(notification: Notification) -> str:
    """ "high" / "urgent" for an escalation e-mail (its subject says so), else ""."""
    kind, _sep, level = notification.reason.partition(":")
    if notification.kind != NotificationKind.FLAG or kind != "escalated":
        return ""
    return str(Severity(level).label).lower() if level in Severity.values else ""


def deliver_stuck() -> int:
    """Re-queue e-mails left unsent (broker down, worker lost), within the attempt limit."""
    count = stuck_count(Channel.EMAIL)
    if count:
        publish_pending_emails()
    return count


def deliver_lost() -> int:
    """Re-queue the e-mails a lost worker left behind: claimed longer ago than CLAIM_EXPIRES
    and not sent. Beat runs it every 30 s. E-mails never queued (broker down) and sends being
    retried with backoff by their task are the hourly sweep's (`deliver_stuck`): re-queueing
    those every 30 s would only grow a backed-up queue."""
    lost = Notification.objects.filter(
        channel=Channel.EMAIL,
        sent_at__isnull=True,
        attempts__lt=MAX_ATTEMPTS,
        sending_started_at__lt=timezone.now() - CLAIM_EXPIRES,
    )
    ids = list(lost.values_list("pk", flat=True)[:1000])
    for notification_id in ids:
        try:
            queue_email(notification_id)
        except Exception:
            logger.warning("could not queue notification %s", notification_id, exc_info=True)
            break
    return len(ids)


# --- Reminders and digests --------------------------------------------------------------------


def _local_now(clinic: Clinic, now: datetime) -> datetime:
    return now.astimezone(clinic.zone)


def send_reminders(*, now: datetime | None = None) -> int:
    """At each clinic's reminder time: athletes on an active plan with no check-in today, once a day."""
    now = now or timezone.now()
    created = 0
    for clinic in Clinic.objects.all():
        local = _local_now(clinic, now)
        if local.time() < clinic.reminder_time:
            continue
        day = local.date()
        patients = (
            Patient.objects.filter(
                clinic=clinic,
                status=PatientStatus.ACTIVE,
                user__isnull=False,
                user__is_active=True,
                plans__status=PlanStatus.ACTIVE,
            )
            .exclude(pk__in=CheckIn.objects.filter(date=day).values("patient_id"))
            .select_related("user")
            .distinct()
        )
        for patient in patients:
            channel = reminder_channel(patient.user, day)  # type: ignore[arg-type]  # issue 21
            if channel is None:
                continue
            _row, new = Notification.objects.get_or_create(
                recipient=patient.user,
                kind=NotificationKind.REMINDER,
                channel=channel,
                day=day,
                flag=None,
                defaults={
                    "title": str(_("Time for today's check-in")),
                    "link": reverse("athlete_home"),
                },
            )
            created += new
            if new:
                created += _reminder_copies(patient, day)
                Notification.objects.get_or_create(
                    recipient=patient.user,
                    kind=NotificationKind.REMINDER,
                    channel=Channel.IN_APP,
                    day=day,
                    flag=None,
                    defaults={
                        "title": str(_("Time for today's check-in")),
                        "link": reverse("athlete_home"),
                        "sent_at": now,
                    },
                )
    if created:
        transaction.on_commit(publish_pending_emails)
        transaction.on_commit(publish_pending_pushes)
    return created


def _reminder_copies(patient: Patient, day: date) -> int:
    """A copy of the day's reminder by e-mail to each support contact the athlete agreed may
    have one (once a day each)."""
    if patient.user is None:
        return 0
    made = 0
    for contact in patient.support_contacts.filter(gets_reminders=True):
        _row, new = Notification.objects.get_or_create(
            to_contact=contact,
            kind=NotificationKind.REMINDER,
            day=day,
            defaults={
                "recipient": patient.user,
                "channel": Channel.EMAIL,
                "title": str(_("A copy of today's check-in reminder")),
            },
        )
        made += new
    return made


# --- The push channel (issue 21; the sending is in push.py) -----------------------------------


def reminder_channel(user: User, day: date) -> str | None:
    """The channel of today's reminder by the person's choice (e-mail or push), or None when
    one was already written today on either: a reminder goes once, by one channel."""
    already = Notification.objects.filter(
        recipient=user, kind=NotificationKind.REMINDER, day=day, flag=None, to_contact=None
    ).exclude(channel=Channel.IN_APP)
    if already.exists():
        return None
    return push.reminder_channel(user)


def push_urgent_flag(flag: Flag, *, reason: str) -> None:
    """Staff who opted in to urgent flags on a device get a push too (no detail in it)."""
    if flag.severity == "urgent":
        push.urgent_flag_notify(flag, flag_recipients(flag), reason=reason)


DIGEST_TIME = time(7, 0)


def send_digests(*, now: datetime | None = None) -> int:
    """Each morning (clinic time): leads get the count of open flags by severity, once a day."""
    now = now or timezone.now()
    created = 0
    for clinic in Clinic.objects.all():
        local = _local_now(clinic, now)
        if local.time() < DIGEST_TIME:
            continue
        day: date = local.date()
        counts = dict(
            Flag.objects.open()
            .filter(clinic=clinic)
            .values_list("severity")
            .annotate(n=Count("pk"))
        )
        total = sum(counts.values())
        title = _(
            "%(n)s open flags: %(urgent)s urgent, %(high)s high, %(low)s low, %(info)s info"
        ) % {
            "n": total,
            "urgent": counts.get("urgent", 0),
            "high": counts.get("high", 0),
            "low": counts.get("low", 0),
            "info": counts.get("info", 0),
        }
        for lead in Membership.objects.filter(
            clinic=clinic, role=Role.LEAD, is_active=True
        ).select_related("user"):
            _row, new = Notification.objects.get_or_create(
                recipient=lead.user,
                kind=NotificationKind.DIGEST,
                channel=Channel.EMAIL,
                day=day,
                flag=None,
                defaults={"title": str(title)[:200], "link": reverse("staff_home")},
            )
            created += new
    if created:
        transaction.on_commit(publish_pending_emails)
    return created


def mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    unread = Notification.objects.in_app_for(user).unread()
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def plan_decision_saved(
    sender: object, instance: StageDecision, created: bool, **kwargs: object
) -> None:
    """Connected to StageDecision's post_save: a new decision tells the athlete."""
    if created and not kwargs.get("raw"):
        notify_plan_changed(instance)
