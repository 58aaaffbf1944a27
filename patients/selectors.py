"""Reads of the patient registry: the patient list's search, filters and sort, and what the
lead's audit pages show. Plain functions returning querysets (lazy: the page evaluates them);
writes stay in services.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from uuid import UUID

from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.db.models import Count, Q

from rtr.accounts.models import User

from .models import Patient, PatientQuerySet, PatientStatus

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from rtr.accounts.models import Clinic, Membership

# The list's sort choices, each by name then pk so that pages never overlap.
PATIENT_ORDERINGS: dict[str, tuple[str, ...]] = {
    "name": ("last_name", "first_name"),
    "-name": ("-last_name", "-first_name"),
    "newest": ("-created_at",),
    "oldest": ("created_at",),
}
MAX_SEARCH_WORDS = 4
AUDIT_ACTIONS = {
    "create": LogEntry.Action.CREATE,
    "update": LogEntry.Action.UPDATE,
    "delete": LogEntry.Action.DELETE,
    "access": LogEntry.Action.ACCESS,
}


def patient_list(
    *,
    membership: Membership | None,
    q: str = "",
    status: str = "",
    risk: str = "",
    physio: str = "",
    sort: str = "",
) -> PatientQuerySet:
    """The patients this member sees, matching every word searched (first or last name), the
    status, the current injury's risk and the assigned physio, in the order chosen."""
    patients = Patient.objects.visible_to(membership)
    for word in q.split()[:MAX_SEARCH_WORDS]:
        patients = patients.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    if status:
        patients = patients.filter(status=status)
    if risk:
        patients = patients.filter(injuries__is_current=True, injuries__risk_category=risk)
    if physio:
        patients = patients.filter(assigned_physio__public_id=physio)
    ordering = PATIENT_ORDERINGS.get(sort or "name", PATIENT_ORDERINGS["name"])
    return (
        patients.select_related("assigned_physio").with_current_injury().order_by(*ordering, "pk")
    )


def patient_counts(*, membership: Membership | None) -> dict[str, int]:
    """How many patients this member sees, in all (`total`) and by status: one query."""
    return Patient.objects.visible_to(membership).aggregate(
        total=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in PatientStatus.values},
    )


def patient_history(*, patient: Patient) -> QuerySet[LogEntry]:
    """The patient's audit trail, newest first: the last 100 clinical changes and decisions."""
    entries: QuerySet[LogEntry] = (
        LogEntry.objects.filter(additional_data__patient=str(patient.public_id))
        .select_related("actor", "content_type")
        .order_by("-timestamp")[:100]
    )
    return entries


def clinic_audit_entries(*, clinic: Clinic, who: str = "", action: str = "") -> QuerySet[LogEntry]:
    """The clinic's audit log, newest first, by whose e-mail contains `who` and by the kind of
    action (one of AUDIT_ACTIONS; anything else: every kind). The page paginates it."""
    entries = LogEntry.objects.filter(additional_data__clinic=clinic.pk).select_related(
        "actor", "content_type"
    )
    if who:
        entries = entries.filter(actor__email__icontains=who)
    if action in AUDIT_ACTIONS:
        entries = entries.filter(action=AUDIT_ACTIONS[action])
    newest: QuerySet[LogEntry] = entries.order_by("-timestamp", "-pk")
    return newest


def patients_named_in(entries: Iterable[LogEntry], clinic: Clinic) -> dict[str, Patient]:
    """The clinic's patients the given audit entries concern, by public id (one query)."""
    ids = set()
    for entry in entries:
        try:
            ids.add(UUID(str((entry.additional_data or {}).get("patient"))))
        except ValueError:
            continue  # an entry about no patient (a template, a clinic setting)
    return {str(p.public_id): p for p in Patient.objects.filter(clinic=clinic, public_id__in=ids)}


def clinic_sign_ins(*, clinic: Clinic) -> tuple[QuerySet[AccessLog], QuerySet[AccessFailureLog]]:
    """The last 50 sign-ins and the last 50 failed ones of the clinic's members (django-axes
    keeps the e-mail typed)."""
    emails = list(User.objects.filter(memberships__clinic=clinic).values_list("email", flat=True))
    return (
        AccessLog.objects.filter(username__in=emails).order_by("-attempt_time")[:50],
        AccessFailureLog.objects.filter(username__in=emails).order_by("-attempt_time")[:50],
    )
