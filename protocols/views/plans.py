"""A patient's plan for staff: assigning it, its page (the draft's editor, then today, the week,
decisions and sign-offs), confirming, discarding, deciding, and the patient page's plan section."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from patients.models import Patient
from protocols import audience, library, selectors
from protocols.eligibility import misfit_reasons
from protocols.forms import AssignForm, DecisionForm, SpecialistSignOffForm
from protocols.models import (
    DecisionKind,
    Plan,
    PlanStatus,
    ProtocolTemplate,
    SpecialistSignOff,
    Stage,
)
from protocols.services import decisions as decision_services
from protocols.services import plans as plan_services
from rtr.accounts.tenancy import clinical_staff_required, get_visible_or_404, staff_required
from rtr.service_views import call_service, refused_page

from .editor import content_prefetch, editor_context

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.forms import Form

    from rtr.http import AuthedRequest


def _patient(request: AuthedRequest, patient_id: UUID) -> Patient:
    return get_visible_or_404(
        Patient.objects.select_related("clinic"), request, patient_id, write=True
    )


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def plan_assign(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = _patient(request, patient_id)
    existing = selectors.open_plan_of(patient)
    if existing is not None:
        messages.info(request, _("This patient already has an open plan."))
        return redirect("protocols:plan_detail", plan_id=existing.public_id)
    injury = patient.current_injury
    templates = list(
        ProtocolTemplate.objects.visible_to(request.membership)
        .assignable()
        .annotate(stage_count=Count("stages"))
        .order_by("name")
    )
    options = sorted(
        ({"template": t, "reasons": misfit_reasons(t, injury)} for t in templates),
        key=lambda o: (bool(o["reasons"]), str(o["template"])),
    )
    form = AssignForm(request.POST or None, initial={"start_date": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            chosen = next(
                (t for t in templates if t.public_id == form.cleaned_data["template"]), None
            )
            if chosen is None:
                form.add_error("template", _("Choose one of the templates listed."))
            else:
                plan = call_service(
                    form,
                    functools.partial(
                        plan_services.plan_assign,
                        patient=patient,
                        template=chosen,
                        start_date=form.cleaned_data["start_date"],
                        by=request.user,
                        override_reason=form.cleaned_data["override_reason"],
                    ),
                )
                if plan is not None:
                    messages.success(
                        request,
                        _(
                            "Draft plan made from %(template)s: adjust it for this patient, then confirm."
                        )
                        % {"template": chosen},
                    )
                    return redirect("protocols:plan_detail", plan_id=plan.public_id)
        status = 400
    chosen_id = str(form.data.get("template", "")) if form.is_bound else ""
    return render(
        request,
        "protocols/plan_assign.html",
        {
            "patient": patient,
            "injury": injury,
            "options": options,
            "form": form,
            "chosen_id": chosen_id,
        },
        status=status,
    )


def plan_or_404(request: AuthedRequest, plan_id: UUID, *, write: bool = False) -> Plan:
    return get_visible_or_404(
        Plan.objects.select_related(
            "patient",
            "patient__clinic",
            "patient__assigned_physio",
            "content",
            "source_template",
            "current_stage",
            "current_step",
        ),
        request,
        plan_id,
        write=write,
    )


@require_GET
@staff_required
def plan_detail(request: AuthedRequest, plan_id: UUID) -> HttpResponse:
    plan = plan_or_404(request, plan_id)
    content = ProtocolTemplate.objects.prefetch_related(*content_prefetch()).get(pk=plan.content_id)
    plan.content = content
    membership = request.membership
    assert membership is not None
    stages = list(content.stages.all())
    today = timezone.localdate()
    context: dict[str, Any] = {
        "plan": plan,
        "patient": plan.patient,
        "stages": stages,
        "clinical": membership.is_clinical,
    }
    if plan.status == PlanStatus.DRAFT:
        context.update(editor_context(request, content))
        context["template"] = content
        context["editable"] = membership.is_clinical
    else:
        next_stage = plan.stage_position(stages).next
        signoffs = list(plan.signoffs.select_related("stage", "recorded_by"))
        needed = _signoffs_needed(plan, stages, signoffs)
        criteria = (
            list(next_stage.criteria.all()) if next_stage else library.return_to_sport_criteria()
        )
        rx, week = selectors.prescription_for(plan, today), selectors.week_of(plan, today)
        if not membership.is_clinical:
            rx, week = audience.for_coach(rx), audience.week_for_coach(week)
        context.update(
            {
                "today": rx,
                "week": week,
                "next_stage": next_stage,
                "decisions": plan.decisions.select_related("decided_by", "from_stage", "to_stage")[
                    :50
                ],
                "decision_form": DecisionForm(criteria=criteria)
                if membership.is_clinical
                else None,
                "signoffs": signoffs,
                "finish": selectors.expected_finish(plan, stages)
                if plan.status in OPEN_STATUSES
                else None,
                "graduation": library.return_to_sport_criteria(),
                "signoff_form": SpecialistSignOffForm(needed=needed)
                if membership.is_clinical and needed and plan.status in OPEN_STATUSES
                else None,
            }
        )
    if plan.status == PlanStatus.DRAFT:
        signoffs = list(plan.signoffs.select_related("stage", "recorded_by"))
        needed = _signoffs_needed(plan, stages, signoffs)
        context["signoffs"] = signoffs
        context["signoff_form"] = (
            SpecialistSignOffForm(needed=needed) if membership.is_clinical and needed else None
        )
    return render(request, "protocols/plan_detail.html", context)


OPEN_STATUSES = (PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.PAUSED)


def _signoffs_needed(
    plan: Plan, stages: list[Stage], signoffs: list[SpecialistSignOff]
) -> list[tuple[str, str]]:
    """(value, label) of each sign-off the plan needs and does not have yet."""
    done = {signoff.stage_id for signoff in signoffs}
    needed: list[tuple[str, str]] = []
    if plan.content.requires_specialist_signoff and None not in done:
        needed.append(("plan", str(_("Starting the plan"))))
    needed.extend(
        (str(stage.public_id), str(_("Entering “%(stage)s”") % {"stage": stage.name}))
        for stage in stages
        if stage.requires_specialist_signoff and stage.pk not in done
    )
    return needed


@require_POST
@clinical_staff_required
def plan_confirm(request: AuthedRequest, plan_id: UUID) -> HttpResponse:
    plan = plan_or_404(request, plan_id, write=True)
    try:
        plan_services.plan_confirm(plan=plan, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return refused_page(request, "protocols/plan_refused.html", {"plan": plan}, error)
    if plan.patient.user_id is None:
        messages.success(
            request,
            _("Plan confirmed. The athlete has no account yet: invite them below to start."),
        )
    else:
        messages.success(
            request, _("Plan confirmed. The athlete sees today's session from the start date.")
        )
    return redirect("protocols:plan_detail", plan_id=plan.public_id)


@require_POST
@clinical_staff_required
def plan_discard(request: AuthedRequest, plan_id: UUID) -> HttpResponse:
    plan = plan_or_404(request, plan_id, write=True)
    patient = plan.patient
    try:
        plan_services.plan_discard(plan=plan)
    except ValidationError as error:
        return refused_page(request, "protocols/plan_refused.html", {"plan": plan}, error)
    messages.success(request, _("Draft plan discarded."))
    return redirect("patients:detail", patient_id=patient.public_id)


@require_POST
@clinical_staff_required
def plan_decide(request: AuthedRequest, plan_id: UUID) -> HttpResponse:
    plan = plan_or_404(request, plan_id, write=True)
    kind = request.POST.get("kind", "")
    forward = kind if kind in decision_services.FORWARD_DECISIONS else DecisionKind.ADVANCE
    form = DecisionForm(request.POST, criteria=selectors.decision_criteria(plan, forward))
    return _record(
        request,
        plan,
        form,
        lambda: decision_services.plan_decide(
            plan=plan,
            kind=form.cleaned_data["kind"],
            by=request.user,
            rationale=form.cleaned_data["rationale"],
            criteria_met=form.checklist(),
            override_reason=form.cleaned_data["override_reason"],
            shared_note=form.cleaned_data["shared_note"],
            review_on=form.cleaned_data["review_on"],
        ),
        _("Decision recorded."),
    )


def _record(
    request: AuthedRequest, plan: Plan, form: Form, record: Callable[[], object], done: str
) -> HttpResponse:
    """A decision or a sign-off: the plan's page once recorded, else the page that says why not."""
    if form.is_valid() and call_service(form, record) is not None:
        messages.success(request, done)
        return redirect("protocols:plan_detail", plan_id=plan.public_id)
    return _decision_refused(request, plan, form)


def _decision_refused(request: AuthedRequest, plan: Plan, form: Form) -> HttpResponse:
    errors = [str(e) for errs in form.errors.values() for e in errs]
    messages.error(
        request, _("The decision was not recorded: %(errors)s") % {"errors": "; ".join(errors)}
    )
    return render(
        request, "protocols/plan_refused.html", {"plan": plan, "errors": errors}, status=400
    )


@require_POST
@clinical_staff_required
def plan_signoff(request: AuthedRequest, plan_id: UUID) -> HttpResponse:
    plan = plan_or_404(request, plan_id, write=True)
    stages = list(plan.content.stages.order_by("order"))
    form = SpecialistSignOffForm(
        request.POST, needed=_signoffs_needed(plan, stages, list(plan.signoffs.all()))
    )

    def record() -> SpecialistSignOff:
        chosen = form.cleaned_data["stage"]
        stage = None if chosen == "plan" else next(s for s in stages if str(s.public_id) == chosen)
        return decision_services.record_specialist_signoff(
            plan=plan,
            by=request.user,
            stage=stage,
            specialist=form.cleaned_data["specialist"],
            signed_on=form.cleaned_data["signed_on"],
            note=form.cleaned_data["note"],
        )

    return _record(request, plan, form, record, _("Specialist sign-off recorded."))


@require_GET
@staff_required
def patient_plan_section(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    """The plan section of the patient page (loaded in place by htmx)."""
    patient = get_visible_or_404(Patient.objects.all(), request, patient_id)
    plan = selectors.open_plan_of(patient)
    past = (
        Plan.objects.filter(patient=patient)
        .exclude(status__in=["draft", "active", "paused"])
        .select_related("content")[:5]
    )
    context: dict[str, Any] = {
        "patient": patient,
        "plan": plan,
        "past": past,
        "clinical": request.membership is not None and request.membership.is_clinical,
    }
    if plan is not None and plan.status != PlanStatus.DRAFT:
        stages = list(plan.content.stages.prefetch_related("criteria").order_by("order"))
        rx = selectors.prescription_for(plan, timezone.localdate())
        position = plan.stage_position(stages)
        context.update(
            {
                "today": rx if context["clinical"] else audience.for_coach(rx),
                "next_stage": position.next,
                "stage_count": position.count,
                "stage_number": position.number,
            }
        )
    return render(request, "protocols/_patient_plan_section.html", context)
