"""The athlete's check-in and history, sign-in by link, and the care team's check-in log."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from patients.models import Patient, Sex
from protocols import selectors as protocol_selectors
from protocols.models import Plan
from rtr.accounts.tenancy import (
    athlete_required,
    clinical_staff_required,
    get_visible_or_404,
    lead_required,
    staff_required,
)

from . import logic, offline, rules, selectors, services, thresholds
from .forms import CheckInForm, initial_from
from .models import CheckIn

if TYPE_CHECKING:
    from rtr.http import AuthedRequest

LOG_DAYS = 180
SECTION_DAYS = 28


def my_patient(request: AuthedRequest) -> Patient | None:
    """The athlete's own record: from the session, never from the URL."""
    return Patient.objects.visible_to(request.membership).select_related("clinic").first()


def checkin_form_for(patient: Patient, data: Any = None) -> CheckInForm:
    today = services.local_today(patient)
    if data is not None:  # a submitted form shows what was sent: no need to read today's
        return CheckInForm(data, initial={"date": today}, show_menstrual=patient.sex == Sex.FEMALE)
    existing = CheckIn.objects.filter(patient=patient, date=today).first()
    return CheckInForm(
        data, initial=initial_from(existing, today), show_menstrual=patient.sex == Sex.FEMALE
    )


@require_POST
@ratelimit(key="user", rate="20/m", method="POST", block=True)
@athlete_required
def checkin_submit(request: AuthedRequest) -> HttpResponse:
    patient = my_patient(request)
    if patient is None:
        return render(request, "checkins/no_record.html", status=409)
    if offline.for_another_account(request.POST, request.user):  # issue 21: a shared phone
        messages.error(
            request,
            _("That check-in was filled in on this phone for another account: nothing was saved."),
        )
        return redirect("athlete_home")
    form = checkin_form_for(patient, request.POST)
    if form.is_valid():
        try:
            checkin, created = services.checkin_submit(
                patient=patient,
                by=request.user,
                day=form.cleaned_data["date"],
                data=form.checkin_data(),
                client_id=offline.client_id_from(request.POST),  # issue 21: sent twice, saved once
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Check-in saved.") if created else _("Check-in updated."))
            return redirect("checkins:done", checkin_id=checkin.public_id)
    from rtr.views import athlete_home_context

    request.checkin_form = form  # type: ignore[attr-defined]  # the panel shows the errors
    return render(request, "rtr/athlete_home.html", athlete_home_context(request), status=400)


@require_GET
@athlete_required
def checkin_done(request: AuthedRequest, checkin_id: UUID) -> HttpResponse:
    checkin = get_visible_or_404(
        CheckIn.objects.select_related("patient", "patient__assigned_physio", "plan"),
        request,
        checkin_id,
    )
    plan = checkin.plan
    limits = thresholds.for_clinic(checkin.patient.clinic_id)
    upcoming = None
    if plan is not None:
        plan = Plan.objects.select_related("current_stage", "current_step").get(pk=plan.pk)
        for offset in range(1, 8):
            rx = protocol_selectors.prescription_for(plan, checkin.date + timedelta(days=offset))
            if rx.is_session or rx.kind in {"paused", "finished", "not_started"}:
                upcoming = rx
                break
    return render(
        request,
        "checkins/checkin_done.html",
        {
            "checkin": checkin,
            # The clinic's own limits: a lead's override changes this notice as it changes the
            # rules and the step progression.
            "red_flags": logic.red_flags(checkin, limits),
            "over_limit": logic.run_pain_over_limit(checkin, limits),
            "pain_limit": rules._fmt(thresholds.value(limits, thresholds.RUN_PAIN_LIMIT)),
            "upcoming": upcoming,
            "physio": checkin.patient.assigned_physio,
        },
    )


@require_GET
@athlete_required
def athlete_history(request: AuthedRequest) -> HttpResponse:
    patient = my_patient(request)
    if patient is None:
        return render(request, "checkins/no_record.html", status=200)
    today = services.local_today(patient)
    first = today - timedelta(days=41)
    checkins = selectors.checkins_between(patient, first, today)
    limits = thresholds.for_clinic(patient.clinic_id)
    return render(
        request,
        "checkins/athlete_history.html",
        {
            "patient": patient,
            "rows": selectors.log_rows(checkins, limits),
            "chart": selectors.chart_data(
                checkins, first=first, last=today, clinical=True, limits=limits
            ),
        },
    )


@never_cache
@login_not_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="20/m", method="GET", block=True)
@ratelimit(key="ip", rate="5/h", method="POST", block=True)
def link_sign_in(request: AuthedRequest, token: str) -> HttpResponse:
    """Public: an athlete's signed link signs them in for the check-in, once. A used link's
    page offers a new one (POST), e-mailed to the address on the athlete's account."""
    try:
        link = services.signin_link_resolve(token)
        if request.user.is_authenticated and request.user.pk != link.user_id:
            return render(
                request,
                "checkins/link_invalid.html",
                {
                    "reason": _(
                        "This link is for another account. Sign out first, then open it again."
                    ),
                    "signed_in": True,
                },
                status=409,
            )
        if request.method == "POST":
            return redirect("checkins:link_sign_in", token=token)
        services.signin_link_used(link)  # spent before the sign-in: a second use is refused
    except services.LinkError as error:
        used = error.link
        if used is not None and request.user.is_authenticated and request.user.pk == used.user_id:
            return redirect("athlete_home")  # already signed in (by this link): nothing to refuse
        if used is not None and request.method == "POST":
            _email_a_new_link(used.user)
            return render(request, "checkins/link_renewed.html")
        return render(
            request,
            "checkins/link_invalid.html",
            {"reason": error.message, "renew": used is not None},
            status=error.status,
        )
    if not request.user.is_authenticated:
        login(request, link.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("athlete_home")


def _email_a_new_link(user: Any) -> None:
    """A fresh link to the athlete's own address (the page says the same whatever happens)."""
    patient = Patient.objects.filter(user=user).select_related("clinic", "user").first()
    if patient is None:
        return
    try:
        services.signin_link_email(patient=patient)
    except ValidationError:
        return  # no longer an athlete: no link, and the page does not say why


# --- Care team ------------------------------------------------------------------------------


@require_GET
@staff_required
def patient_checkins_section(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = get_visible_or_404(
        Patient.objects.select_related("clinic", "user"), request, patient_id
    )
    clinical = request.membership is not None and request.membership.is_clinical
    today = services.local_today(patient)
    first = today - timedelta(days=SECTION_DAYS - 1)
    checkins = selectors.checkins_between(patient, first, today)
    since = selectors.plan_start(patient)
    limits = thresholds.for_clinic(patient.clinic_id) if clinical else None
    context: dict[str, Any] = {
        "patient": patient,
        "clinical": clinical,
        "week": selectors.adherence(checkins, today=today, days=7, since=since),
        "month": selectors.adherence(checkins, today=today, days=28, since=since),
        "chart": selectors.chart_data(
            checkins, first=first, last=today, clinical=clinical, limits=limits
        ),
    }
    if clinical:
        context["rows"] = selectors.log_rows(checkins, limits)[:7]
    return render(request, "checkins/_patient_section.html", context)


@require_GET
@clinical_staff_required
def patient_checkin_log(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    from auditlog.signals import accessed

    patient = get_visible_or_404(Patient.objects.select_related("clinic"), request, patient_id)
    accessed.send(sender=Patient, instance=patient)
    today = services.local_today(patient)
    first = today - timedelta(days=LOG_DAYS - 1)
    checkins = selectors.checkins_between(patient, first, today)
    since = selectors.plan_start(patient)
    limits = thresholds.for_clinic(patient.clinic_id)
    return render(
        request,
        "checkins/checkin_log.html",
        {
            "patient": patient,
            "rows": selectors.log_rows(checkins, limits),
            "chart": selectors.chart_data(
                checkins, first=first, last=today, clinical=True, limits=limits
            ),
            "week": selectors.adherence(checkins, today=today, days=7, since=since),
            "month": selectors.adherence(checkins, today=today, days=28, since=since),
            "days": LOG_DAYS,
        },
    )


CSV_FIELDS = [
    "date",
    "is_late",
    *services.CHECKIN_FIELDS,
    "prescribed_kind",
    "prescribed_label",
    "prescribed_run_minutes",
    "submitted_at",
    "edited_at",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@clinical_staff_required
def patient_checkins_csv(request: AuthedRequest, patient_id: UUID) -> StreamingHttpResponse:
    """All of a patient's check-ins, one row per day, streamed."""
    from auditlog.signals import accessed

    patient = get_visible_or_404(Patient.objects.all(), request, patient_id)
    accessed.send(sender=Patient, instance=patient)  # an export is audited as an access
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(CSV_FIELDS)
        for checkin in (
            CheckIn.objects.filter(patient=patient).order_by("date").iterator(chunk_size=500)
        ):
            yield writer.writerow([_csv_value(getattr(checkin, field)) for field in CSV_FIELDS])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="checkins-{patient.public_id}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _csv_value(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@"}:
        return "'" + value  # never let a spreadsheet run a formula typed into a note
    return "" if value is None else value


@require_POST
@clinical_staff_required
def send_sign_in_link(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = get_visible_or_404(
        Patient.objects.select_related("user", "clinic"), request, patient_id, write=True
    )
    if patient.user is None:
        messages.error(request, _("The athlete has no account yet: send the invitation first."))
        return redirect("patients:detail", patient_id=patient.public_id)
    try:
        services.signin_link_email(patient=patient)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("patients:detail", patient_id=patient.public_id)
    messages.success(
        request, _("A sign-in link was e-mailed to %(email)s.") % {"email": patient.user.email}
    )
    return redirect("patients:detail", patient_id=patient.public_id)


@require_POST
@clinical_staff_required
def revoke_sign_in_links(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = get_visible_or_404(
        Patient.objects.select_related("user"), request, patient_id, write=True
    )
    count = services.signin_links_revoke(user=patient.user) if patient.user else 0
    messages.success(request, _("%(n)s sign-in link(s) cancelled.") % {"n": count})
    return redirect("patients:detail", patient_id=patient.public_id)


# --- Warning signs: rule settings, flags section, notifications ---------------------------------


@require_http_methods(["GET", "POST"])
@lead_required
def rule_settings(request: AuthedRequest) -> HttpResponse:
    """The lead switches rules off or changes thresholds within bounds, after a dry run."""
    from . import evaluation, settings_service
    from .forms import RuleSettingsForm
    from .models import RuleSettingChange

    assert request.clinic is not None
    current = evaluation.rule_settings_for(request.clinic.pk)
    form = RuleSettingsForm(request.POST or None, initial=settings_service.as_form_initial(current))
    dry_run = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            proposed = form.proposed()
            errors = settings_service.validate(proposed)
            for key, message in errors.items():
                form.add_error(key if key in form.fields else None, message)
            if not errors and request.POST.get("action") == "save":
                changed = settings_service.save(
                    clinic=request.clinic, by=request.user, proposed=proposed
                )
                messages.success(request, _("Saved: %(n)s rule(s) changed.") % {"n": len(changed)})
                return redirect("checkins:rule_settings")
            if not errors:
                dry_run = evaluation.dry_run(
                    request.clinic.pk, proposed, as_of=timezone.localdate()
                )
        if form.errors:
            status = 400
    changes = RuleSettingChange.objects.filter(clinic=request.clinic).select_related("changed_by")[
        :20
    ]
    return render(
        request,
        "checkins/rule_settings.html",
        {"form": form, "dry_run": dry_run, "changes": changes},
        status=status,
    )


@require_GET
@clinical_staff_required
def patient_flags_section(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    from .models import Flag

    patient = get_visible_or_404(Patient.objects.all(), request, patient_id)
    flags = list(
        Flag.objects.filter(patient=patient)
        .select_related("assigned_to")
        .order_by("-opened_at")[:20]
    )
    for flag in flags:
        flag.rule = rules.RULES.get(flag.rule_code)  # type: ignore[attr-defined]
    return render(
        request,
        "checkins/_flags_section.html",
        {
            "patient": patient,
            "open_flags": [f for f in flags if f.is_open],
            "closed_flags": [f for f in flags if not f.is_open][:5],
        },
    )


@require_GET
def notification_list(request: AuthedRequest) -> HttpResponse:
    from .models import Notification

    items = Notification.objects.in_app_for(request.user).order_by("-created_at")[:100]
    return render(request, "checkins/notifications.html", {"items": items})


@require_POST
def notifications_read(request: AuthedRequest) -> HttpResponse:
    from . import notifications

    ids = [int(v) for v in request.POST.getlist("id") if v.isdigit()] or None
    notifications.mark_read(user=request.user, notification_ids=ids)
    next_url = request.POST.get("next", "")
    from django.utils.http import url_has_allowed_host_and_scheme

    if next_url and url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, request.is_secure()
    ):
        return redirect(next_url)
    return redirect("checkins:notifications")


# --- Clinic lead review: flag queue and flag detail ----------------------------------------------

QUEUE_PAGE_SIZE = 25


def _queue_filters(request: AuthedRequest) -> dict[str, str]:
    from .models import FlagStatus, Severity

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
    from django.core.paginator import Paginator

    from rtr.accounts.models import User

    from . import review, rules

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


def _flag(request: AuthedRequest, flag_id: UUID) -> Any:
    from . import review

    membership = request.membership
    assert membership is not None
    return get_visible_or_404(
        review.flags_for(membership).select_related(
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
    from protocols.models import StageDecision

    from . import review, rules
    from .models import Flag, FlagAction

    flag = _flag(request, flag_id)
    patient = flag.patient
    first = max(
        flag.first_seen_date - timedelta(days=14), flag.last_evidence_date - timedelta(days=27)
    )
    last = min(flag.last_evidence_date + timedelta(days=7), services.local_today(patient))
    checkins = selectors.checkins_between(patient, first, last)
    evidence_days = [e["date"] for e in flag.evidence if "date" in e]
    others = Flag.objects.filter(patient=patient).open().exclude(pk=flag.pk).order_by("-opened_at")
    from rtr.accounts.models import User

    return render(
        request,
        "checkins/flag_detail.html",
        {
            "flag": flag,
            "patient": patient,
            "rule": rules.RULES.get(flag.rule_code),
            "overdue": review.is_overdue(flag, timezone.now()),
            "target": review.RESPONSE_TARGETS.get(flag.severity),
            "chart": selectors.chart_data(
                checkins,
                first=first,
                last=last,
                clinical=True,
                highlight=evidence_days,
                limits=thresholds.for_clinic(patient.clinic_id),
            ),
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


def _flag_action(request: AuthedRequest, flag_id: UUID, act: Any, done: str) -> HttpResponse:
    flag = _flag(request, flag_id)
    try:
        act(flag)
    except ValidationError as error:
        message = " ".join(error.messages)
        messages.error(request, message)
        status = 409 if "already" in message else 400
        return render(
            request, "checkins/flag_refused.html", {"flag": flag, "message": message}, status=status
        )
    messages.success(request, done)
    return redirect("checkins:flag_detail", flag_id=flag.public_id)


@require_POST
@clinical_staff_required
def flag_acknowledge(request: AuthedRequest, flag_id: UUID) -> HttpResponse:
    from . import flag_services

    return _flag_action(
        request,
        flag_id,
        lambda f: flag_services.flag_acknowledge(flag=f, by=request.user),
        _("Acknowledged."),
    )


@require_POST
@clinical_staff_required
def flag_assign(request: AuthedRequest, flag_id: UUID) -> HttpResponse:
    from rtr.accounts.models import User

    from . import flag_services

    def act(flag: Any) -> None:
        try:
            to = User.objects.get(public_id=request.POST.get("assignee", ""))
        except (User.DoesNotExist, ValueError, ValidationError) as exc:
            raise ValidationError(_("Assign the flag to a physio or lead of this clinic.")) from exc
        flag_services.flag_assign(flag=flag, to=to, by=request.user)

    return _flag_action(request, flag_id, act, _("Assigned."))


@require_POST
@clinical_staff_required
def flag_note(request: AuthedRequest, flag_id: UUID) -> HttpResponse:
    from . import flag_services

    return _flag_action(
        request,
        flag_id,
        lambda f: flag_services.flag_add_note(
            flag=f, by=request.user, text=request.POST.get("text", "")
        ),
        _("Note added."),
    )


@require_POST
@clinical_staff_required
def flag_resolve(request: AuthedRequest, flag_id: UUID) -> HttpResponse:
    from . import flag_services
    from .models import Flag

    def act(flag: Any) -> None:
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
        flag_services.flags_resolve(
            flags=together,
            by=request.user,
            action=request.POST.get("action", ""),
            note=request.POST.get("note", ""),
        )

    return _flag_action(request, flag_id, act, _("Resolved."))


@require_POST
@clinical_staff_required
def flag_dismiss(request: AuthedRequest, flag_id: UUID) -> HttpResponse:
    from . import flag_services

    return _flag_action(
        request,
        flag_id,
        lambda f: flag_services.flag_dismiss(
            flag=f, by=request.user, reason=request.POST.get("reason", "")
        ),
        _("Dismissed."),
    )


@require_GET
@clinical_staff_required
def plan_proposal(request: AuthedRequest, plan_id: UUID) -> HttpResponse:
    """On the plan page: the next stage's criteria as far as the check-ins show them."""
    from protocols.models import Plan as PlanModel

    from . import proposal

    plan = get_visible_or_404(
        PlanModel.objects.select_related("patient", "patient__clinic", "current_stage"),
        request,
        plan_id,
    )
    stages = list(plan.content.stages.prefetch_related("criteria").order_by("order"))
    index = next((i for i, s in enumerate(stages) if s.pk == plan.current_stage_id), None)
    next_stage = stages[index + 1] if index is not None and index + 1 < len(stages) else None
    items = (
        proposal.assess(
            list(next_stage.criteria.all()),
            patient_id=plan.patient_id,
            today=services.local_today(plan.patient),
        )
        if next_stage
        else []
    )
    measured = [i for i in items if i.met is not None]
    return render(
        request,
        "checkins/_proposal.html",
        {
            "items": items,
            "next_stage": next_stage,
            "met": sum(1 for i in measured if i.met),
            "total": len(items),
            "unmeasured": len(items) - len(measured),
            "ready": bool(items)
            and all(i.met for i in items if i.met is not None)
            and len(measured) == len(items),
        },
    )
