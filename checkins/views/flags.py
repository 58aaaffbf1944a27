"""The care team's flag pages: the patient's flags section, the flag queue, the flag page and
the actions on a flag (acknowledge, assign, note, resolve, dismiss).

Who sees a flag is one rule, `Flag.objects.visible_to` (a lead the clinic's, a physio their own
patients'): the section, the queue and the flag page all go through it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from checkins import selectors, services
from checkins.models import Flag, FlagAction, FlagStatus, Severity
from checkins.review import queue as review
from checkins.warning_signs import evidence, flags, rules, thresholds
from patients.models import Patient
from protocols.models import StageDecision
from rtr.accounts.models import User
from rtr.accounts.tenancy import clinical_staff_required, get_visible_or_404
from rtr.service_views import refused_page

if TYPE_CHECKING:
    from rtr.http import AuthedRequest


@require_GET
@clinical_staff_required
def patient_flags_section(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = get_visible_or_404(Patient.objects.all(), request, patient_id)
    # The flags this member may open (the one visibility rule), as the queue and the flag page.
    shown = list(
        Flag.objects.visible_to(request.membership)
        .filter(patient=patient)
        .select_related("assigned_to")
        .order_by("-opened_at")[:20]
    )
    for flag in shown:
        flag.rule = rules.RULES.get(flag.rule_code)  # type: ignore[attr-defined]
    return render(
        request,
        "checkins/_flags_section.html",
        {
            "patient": patient,
            "open_flags": [f for f in shown if f.is_open],
            "closed_flags": [f for f in shown if not f.is_open][:5],
        },
    )


QUEUE_PAGE_SIZE = 25


def _queue_filters(request: AuthedRequest) -> dict[str, str]:
    allowed: dict[str, set[str]] = {
        "severity": set(Severity.values),
        "rule": set(rules.RULES),
        "status": {FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED},
        "age": {"overdue", "24h"},
        "sort": {"oldest", "newest", "patient"},
    }
    filters = {
        key: request.GET.get(key, "")
        for key in ("severity", "rule", "physio", "status", "age", "sort")
    }
    for key, values in allowed.items():
        if filters[key] not in values:
            filters[key] = ""
    try:
        filters["physio"] = str(UUID(filters["physio"])) if filters["physio"] else ""
    except ValueError:
        filters["physio"] = ""
    return filters


@require_GET
@clinical_staff_required
def flag_queue(request: AuthedRequest) -> HttpResponse:
    membership = request.membership
    assert membership is not None
    filters = _queue_filters(request)
    page = Paginator(
        review.queue(membership, **filters).values_list("pk", flat=True), QUEUE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = review.queue_rows(list(page.object_list))
    page.object_list = rows  # type: ignore[assignment]
    now = timezone.now()
    for flag in rows:
        flag.overdue = review.is_overdue(flag, now)  # type: ignore[attr-defined]
        flag.rule = rules.RULES.get(flag.rule_code)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "counts": review.severity_counts(membership),
        "query": query.urlencode(),
        "rules": rules.RULES.values(),
        "targets": review.RESPONSE_TARGETS,
        "physios": User.objects.filter(
            memberships__clinic_id=membership.clinic_id, memberships__role__in=["physio", "lead"]
        ).order_by("last_name"),
    }
    if request.htmx:
        return render(request, "checkins/flag_queue.html#queue", context)
    return render(request, "checkins/flag_queue.html", context)


def _flag(request: AuthedRequest, flag_id: UUID) -> Flag:
    """The flag, if this member may see it (Flag.objects.visible_to, via tenancy), else 404."""
    return get_visible_or_404(
        Flag.objects.select_related(
            "patient",
            "patient__clinic",
            "patient__assigned_physio",
            "plan",
            "plan__current_stage",
            "assigned_to",
            "acknowledged_by",
            "resolved_by",
        ),
        request,
        flag_id,
    )


@require_GET
@clinical_staff_required
def flag_detail(request: AuthedRequest, flag_id: UUID) -> HttpResponse:
    flag = _flag(request, flag_id)
    patient = flag.patient
    first = max(
        flag.first_seen_date - timedelta(days=14), flag.last_evidence_date - timedelta(days=27)
    )
    last = min(flag.last_evidence_date + timedelta(days=7), services.local_today(patient))
    checkins = selectors.checkins_between(patient, first, last)
    evidence_days = [e["date"] for e in flag.evidence if "date" in e]
    others = Flag.objects.filter(patient=patient).open().exclude(pk=flag.pk).order_by("-opened_at")

    chart = selectors.chart_data(
        checkins,
        first=first,
        last=last,
        clinical=True,
        highlight=evidence_days,
        limits=thresholds.for_clinic(patient.clinic_id),
    )
    chart["fired"] = evidence.fired_series(flag.evidence, checkins, chart["labels"])
    return render(
        request,
        "checkins/flag_detail.html",
        {
            "flag": flag,
            "evidence": evidence.evidence_in_words(flag.evidence),
            "thresholds_used": evidence.thresholds_in_words(flag.rule_code, flag.thresholds),
            "patient": patient,
            "rule": rules.RULES.get(flag.rule_code),
            "overdue": review.is_overdue(flag, timezone.now()),
            "target": review.RESPONSE_TARGETS.get(flag.severity),
            "chart": chart,
            "injury": patient.current_injury,
            "others": list(others),
            "decisions": StageDecision.objects.filter(plan__patient=patient).select_related(
                "decided_by", "to_stage"
            )[:5],
            "notes": flag.notes.select_related("author"),
            "actions": FlagAction.choices,
            "assignees": User.objects.filter(
                memberships__clinic_id=patient.clinic_id,
                memberships__role__in=["physio", "lead"],
                memberships__is_active=True,
            ).order_by("last_name"),
        },
    )


def _flag_action(
    request: AuthedRequest, flag_id: UUID, act: Callable[[Flag], object], done: str
) -> HttpResponse:
    """Every action on a flag: the service called on the flag the member may see; its refusal
    shown on the refusal page (409 when the flag is no longer in a state that allows it, as
    `rtr.errors` says; 400 for wrong input), else back to the flag with `done`."""
    flag = _flag(request, flag_id)
    try:
        act(flag)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return refused_page(request, "checkins/flag_refused.html", {"flag": flag}, error)
    messages.success(request, done)
    return redirect("checkins:flag_detail", flag_id=flag.public_id)


@require_POST
@clinical_staff_required
def flag_acknowledge(request: AuthedRequest, flag_id: UUID) -> HttpResponse:
    return _flag_action(
        request,
        flag_id,
        lambda flag: flags.flag_acknowledge(flag=flag, by=request.user),
        _("Acknowledged."),
    )


@require_POST
@clinical_staff_required
def flag_assign(request: AuthedRequest, flag_id: UUID) -> HttpResponse:
    def act(flag: Flag) -> None:
        try:
            to = User.objects.get(public_id=request.POST.get("assignee", ""))
        except (User.DoesNotExist, ValueError, ValidationError) as exc:
            raise ValidationError(_("Assign the flag to a physio or lead of this clinic.")) from exc
        flags.flag_assign(flag=flag, to=to, by=request.user)

    return _flag_action(request, flag_id, act, _("Assigned."))


@require_POST
@clinical_staff_required
def flag_note(request: AuthedRequest, flag_id: UUID) -> HttpResponse:
    return _flag_action(
        request,
        flag_id,
        lambda flag: flags.flag_add_note(
            flag=flag, by=request.user, text=request.POST.get("text", "")
        ),
        _("Note added."),
    )


@require_POST
@clinical_staff_required
def flag_resolve(request: AuthedRequest, flag_id: UUID) -> HttpResponse:
    def act(flag: Flag) -> None:
        extra = [v for v in request.POST.getlist("also") if v]
        together = [flag]
        if extra:
            try:
                together += list(
                    Flag.objects.filter(patient=flag.patient, public_id__in=extra).exclude(
                        pk=flag.pk
                    )
                )
            except ValidationError as exc:
                raise ValidationError(_("Choose flags of this patient.")) from exc
        flags.flags_resolve(
            flags=together,
            by=request.user,
            action=request.POST.get("action", ""),
            note=request.POST.get("note", ""),
            shared_note=request.POST.get("shared_note", ""),
            review_on=_date_or_none(request.POST.get("review_on", "")),
        )

    return _flag_action(request, flag_id, act, _("Resolved."))


def _date_or_none(value: str) -> date | None:
    """A date field of the resolve form: blank is none; anything but a date is refused."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationError({"review_on": _("Enter a date, such as 2026-12-24.")}) from exc


@require_POST
@clinical_staff_required
def flag_dismiss(request: AuthedRequest, flag_id: UUID) -> HttpResponse:
    return _flag_action(
        request,
        flag_id,
        lambda flag: flags.flag_dismiss(
            flag=flag, by=request.user, reason=request.POST.get("reason", "")
        ),
        _("Dismissed."),
    )
