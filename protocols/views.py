"""Template library, the stage/step editor (HTMX), assignment, the plan page and the written plan."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from patients.models import Patient
from rtr.accounts.tenancy import (
    athlete_required,
    clinical_staff_required,
    get_visible_or_404,
    staff_required,
)

from . import audience, library, services
from .eligibility import misfit_reasons, site_label
from .forms import (
    AssignForm,
    CriterionForm,
    DecisionForm,
    SpecialistSignOffForm,
    StageForm,
    StepForm,
    TemplateFilterForm,
    TemplateForm,
)
from .models import (
    DecisionKind,
    EntryCriterion,
    Plan,
    PlanStatus,
    ProtocolTemplate,
    SessionStep,
    SpecialistSignOff,
    Stage,
)

if TYPE_CHECKING:
    from django.forms import Form

    from rtr.http import AuthedRequest


def _form_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _content_prefetch() -> list[Prefetch[Any]]:
    return [
        Prefetch(
            "stages",
            queryset=Stage.objects.order_by("order").prefetch_related(
                Prefetch("steps", queryset=SessionStep.objects.order_by("order")),
                Prefetch("criteria", queryset=EntryCriterion.objects.order_by("order")),
            ),
        )
    ]


def _is_editable(template: ProtocolTemplate, request: AuthedRequest) -> bool:
    if request.membership is None or not request.membership.is_clinical:
        return False
    if template.is_plan_copy:
        plan = getattr(template, "plan", None)
        return plan is not None and plan.status == PlanStatus.DRAFT
    return template.is_editable


def _template(
    request: AuthedRequest, template_id: UUID, *, write: bool = False
) -> ProtocolTemplate:
    template = get_visible_or_404(
        ProtocolTemplate.objects.select_related("clinic"), request, template_id
    )
    if write and template.is_shared:
        raise PermissionDenied
    return template


# --- Template library -------------------------------------------------------------------------


@require_GET
@clinical_staff_required
def template_list(request: AuthedRequest) -> HttpResponse:
    form = TemplateFilterForm(request.GET or None)
    templates = ProtocolTemplate.objects.visible_to(request.membership)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            templates = templates.filter(status=data["status"])
        if data["risk"]:
            templates = templates.filter(Q(eligible_risk=data["risk"]) | Q(eligible_risk=""))
        if data["owner"] == "clinic":
            templates = templates.filter(clinic__isnull=False)
        elif data["owner"] == "library":
            templates = templates.filter(clinic__isnull=True)
        site = data["site"]
    else:
        site = ""
    rows = list(
        templates.annotate(stage_count=Count("stages")).order_by("clinic_id", "name", "-version")
    )
    if site:
        # JSON "contains" differs between SQLite and PostgreSQL: filter the (short) list here.
        rows = [
            t
            for t in rows
            if (not t.eligible_sites or site in t.eligible_sites) and site not in t.excluded_sites
        ]
    for template in rows:
        template.site_labels = [site_label(s) for s in template.eligible_sites]  # type: ignore[attr-defined]
    return render(request, "protocols/template_list.html", {"form": form, "templates": rows})


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def template_create(request: AuthedRequest) -> HttpResponse:
    assert request.clinic is not None
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(
                clinic=request.clinic, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Draft created: add its stages and steps."))
            return redirect("protocols:template_detail", template_id=template.public_id)
    return render(
        request, "protocols/template_form.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def template_edit(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    template = _template(request, template_id, write=True)
    initial = {f: getattr(template, f) for f in services.TEMPLATE_FIELDS}
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.template_update(template=template, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("protocols:template_detail", template_id=template.public_id)
    elif not template.is_editable:
        messages.error(
            request, _("A published or retired version is frozen: create a new version to edit it.")
        )
        return redirect("protocols:template_detail", template_id=template.public_id)
    return render(
        request,
        "protocols/template_form.html",
        {"form": form, "template": template},
        status=400 if form.errors else 200,
    )


@require_GET
@clinical_staff_required
def template_detail(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    template = get_visible_or_404(
        ProtocolTemplate.objects.select_related("clinic", "based_on").prefetch_related(
            *_content_prefetch()
        ),
        request,
        template_id,
    )
    versions = (
        ProtocolTemplate.objects.filter(family=template.family, is_plan_copy=False)
        .order_by("-version")
        .only("public_id", "version", "status")
    )
    return render(
        request,
        "protocols/template_detail.html",
        _editor_context(request, template) | {"versions": versions},
    )


def _editor_context(request: AuthedRequest, template: ProtocolTemplate) -> dict[str, Any]:
    return {
        "template": template,
        "editable": _is_editable(template, request),
        "site_labels": [site_label(s) for s in template.eligible_sites],
        "excluded_labels": [site_label(s) for s in template.excluded_sites],
        "publish_problems": services.publish_problems(template)
        if template.is_editable and not template.is_plan_copy
        else [],
        "stage_form": StageForm(
            initial={
                "session_days_per_week": 3,
                "rest_days_per_week": 1,
                "no_back_to_back": True,
                "duration_min_weeks": 1,
                "duration_max_weeks": 2,
            }
        ),
    }


def _action(request: AuthedRequest, template_id: UUID, action: Any, done: str) -> HttpResponse:
    template = _template(request, template_id, write=True)
    try:
        result = action(template)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        response = render(
            request,
            "protocols/action_refused.html",
            {"template": template, "errors": error.messages},
            status=409,
        )
        return response
    messages.success(request, done)
    target = result if isinstance(result, ProtocolTemplate) else template
    return redirect("protocols:template_detail", template_id=target.public_id)


@require_POST
@clinical_staff_required
def template_publish(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    return _action(
        request,
        template_id,
        lambda t: services.template_publish(template=t, by=request.user),
        _("Published: this version is frozen and can be assigned."),
    )


@require_POST
@clinical_staff_required
def template_retire(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    return _action(
        request,
        template_id,
        lambda t: services.template_retire(template=t),
        _("Retired: it can no longer be assigned. Plans made from it are unchanged."),
    )


@require_POST
@clinical_staff_required
def template_new_version(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    return _action(
        request,
        template_id,
        lambda t: services.template_new_version(template=t, by=request.user),
        _(
            "New draft version: edit it, then publish. Plans keep the version they were assigned from."
        ),
    )


@require_POST
@clinical_staff_required
def template_clone(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    template = _template(request, template_id)
    assert request.clinic is not None
    clone = services.template_clone(template=template, clinic=request.clinic, by=request.user)
    messages.success(request, _("Copied into your clinic's templates as a draft."))
    return redirect("protocols:template_detail", template_id=clone.public_id)


# --- Stage, step and criterion editor (HTMX; plain POST works too) -------------------------------


def _editor_response(
    request: AuthedRequest, template: ProtocolTemplate, status: int = 200
) -> HttpResponse:
    """After a change: the stages partial for htmx, or back to the page."""
    if request.htmx:
        template = (
            ProtocolTemplate.objects.prefetch_related(*_content_prefetch())
            .select_related("clinic")
            .get(pk=template.pk)
        )
        return render(
            request, "protocols/_stages.html", _editor_context(request, template), status=status
        )
    return redirect(_editor_url(template))


def _editor_url(template: ProtocolTemplate) -> str:
    if template.is_plan_copy:
        return reverse("protocols:plan_detail", args=[template.plan.public_id])
    return reverse("protocols:template_detail", args=[template.public_id])


def _refused(
    request: AuthedRequest, template: ProtocolTemplate, error: ValidationError
) -> HttpResponse:
    if request.htmx:
        response = render(
            request, "protocols/_editor_error.html", {"errors": error.messages}, status=409
        )
        return reswap(retarget(response, "#editor-messages"), "innerHTML")
    messages.error(request, " ".join(error.messages))
    return redirect(_editor_url(template))


def _form_page(
    request: AuthedRequest,
    form: Form,
    template: ProtocolTemplate,
    partial: str,
    context: dict[str, Any],
) -> HttpResponse:
    """A form with errors: swapped in place for htmx, or a page of its own."""
    context = {"form": form, "template": template, **context}
    if request.htmx:
        response = render(request, partial, context, status=400)
        return reswap(retarget(response, f"#{context['form_id']}"), "outerHTML")
    return render(
        request, "protocols/editor_form_page.html", {**context, "partial": partial}, status=400
    )


def _save_form(
    request: AuthedRequest,
    form: Form,
    template: ProtocolTemplate,
    save: Callable[..., Any],
    partial: str,
    context: dict[str, Any],
) -> HttpResponse:
    """An editor form handed to its service: the editor after the change, else the form again."""
    if form.is_valid():
        try:
            save(**form.cleaned_data)
        except services.NotEditable as error:
            return _refused(request, template, error)
        except ValidationError as error:
            _form_errors(form, error)
    if form.errors:
        return _form_page(request, form, template, partial, context)
    return _editor_response(request, template)


def _stage(request: AuthedRequest, stage_id: UUID) -> Stage:
    stage = get_visible_or_404(
        Stage.objects.select_related("template", "template__clinic"), request, stage_id, write=True
    )
    if stage.template.is_shared:
        raise PermissionDenied
    return stage


@require_POST
@clinical_staff_required
def stage_add(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    template = _content_template(request, template_id)
    form = StageForm(request.POST)
    return _save_form(
        request,
        form,
        template,
        functools.partial(services.stage_add, template=template),
        "protocols/_stage_form.html",
        {
            "form_id": "stage-form-new",
            "action": reverse("protocols:stage_add", args=[template.public_id]),
        },
    )


def _content_template(request: AuthedRequest, template_id: UUID) -> ProtocolTemplate:
    """A library template or a plan's copy of the current clinic, for the editor."""
    membership = request.membership
    if membership is None or not membership.is_clinical:
        raise PermissionDenied
    template = (
        ProtocolTemplate.objects.select_related("clinic")
        .filter(Q(clinic_id=membership.clinic_id) | Q(clinic__isnull=True), public_id=template_id)
        .first()
    )
    if template is None:
        raise Http404
    if template.is_shared:
        raise PermissionDenied
    return template


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def stage_edit(request: AuthedRequest, stage_id: UUID) -> HttpResponse:
    stage = _stage(request, stage_id)
    template = stage.template
    form_id = f"stage-form-{stage.public_id}"
    action = reverse("protocols:stage_edit", args=[stage.public_id])
    if request.method == "GET":
        form = StageForm(initial={f: getattr(stage, f) for f in services.STAGE_FIELDS})
        return render(
            request,
            "protocols/_stage_form.html" if request.htmx else "protocols/editor_form_page.html",
            {
                "form": form,
                "template": template,
                "form_id": form_id,
                "action": action,
                "stage": stage,
                "partial": "protocols/_stage_form.html",
            },
        )
    form = StageForm(request.POST)
    return _save_form(
        request,
        form,
        template,
        functools.partial(services.stage_update, stage=stage),
        "protocols/_stage_form.html",
        {"form_id": form_id, "action": action, "stage": stage},
    )


def _simple(request: AuthedRequest, template: ProtocolTemplate, action: Any) -> HttpResponse:
    try:
        action()
    except ValidationError as error:
        return _refused(request, template, error)
    return _editor_response(request, template)


@require_POST
@clinical_staff_required
def stage_delete(request: AuthedRequest, stage_id: UUID) -> HttpResponse:
    stage = _stage(request, stage_id)
    return _simple(request, stage.template, lambda: services.stage_delete(stage=stage))


@require_POST
@clinical_staff_required
def stage_move(request: AuthedRequest, stage_id: UUID) -> HttpResponse:
    stage = _stage(request, stage_id)
    return _simple(
        request,
        stage.template,
        lambda: services.stage_move(stage=stage, direction=request.POST.get("direction", "")),
    )


@require_POST
@clinical_staff_required
def step_add(request: AuthedRequest, stage_id: UUID) -> HttpResponse:
    stage = _stage(request, stage_id)
    form = StepForm(request.POST)
    return _save_form(
        request,
        form,
        stage.template,
        functools.partial(services.step_add, stage=stage),
        "protocols/_step_form.html",
        {
            "form_id": f"step-form-{stage.public_id.hex}",
            "action": reverse("protocols:step_add", args=[stage.public_id]),
            "stage": stage,
        },
    )


def _step(request: AuthedRequest, step_id: UUID) -> SessionStep:
    step = get_visible_or_404(
        SessionStep.objects.select_related("stage", "stage__template", "stage__template__clinic"),
        request,
        step_id,
        write=True,
    )
    if step.stage.template.is_shared:
        raise PermissionDenied
    return step


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def step_edit(request: AuthedRequest, step_id: UUID) -> HttpResponse:
    step = _step(request, step_id)
    template = step.stage.template
    form_id = f"step-edit-{step.public_id}"
    action = reverse("protocols:step_edit", args=[step.public_id])
    if request.method == "GET":
        form = StepForm(initial={f: getattr(step, f) for f in services.STEP_FIELDS})
        return render(
            request,
            "protocols/_step_form.html" if request.htmx else "protocols/editor_form_page.html",
            {
                "form": form,
                "template": template,
                "form_id": form_id,
                "action": action,
                "stage": step.stage,
                "partial": "protocols/_step_form.html",
                "editing": True,
            },
        )
    form = StepForm(request.POST)
    return _save_form(
        request,
        form,
        template,
        functools.partial(services.step_update, step=step),
        "protocols/_step_form.html",
        {"form_id": form_id, "action": action, "stage": step.stage, "editing": True},
    )


@require_POST
@clinical_staff_required
def step_delete(request: AuthedRequest, step_id: UUID) -> HttpResponse:
    step = _step(request, step_id)
    return _simple(request, step.stage.template, lambda: services.step_delete(step=step))


@require_POST
@clinical_staff_required
def step_move(request: AuthedRequest, step_id: UUID) -> HttpResponse:
    step = _step(request, step_id)
    return _simple(
        request,
        step.stage.template,
        lambda: services.step_move(step=step, direction=request.POST.get("direction", "")),
    )


@require_POST
@clinical_staff_required
def criterion_add(request: AuthedRequest, stage_id: UUID) -> HttpResponse:
    stage = _stage(request, stage_id)
    form = CriterionForm(request.POST)
    return _save_form(
        request,
        form,
        stage.template,
        functools.partial(services.criterion_add, stage=stage),
        "protocols/_criterion_form.html",
        {
            "form_id": f"criterion-form-{stage.public_id.hex}",
            "action": reverse("protocols:criterion_add", args=[stage.public_id]),
            "stage": stage,
        },
    )


@require_POST
@clinical_staff_required
def criterion_delete(request: AuthedRequest, criterion_id: UUID) -> HttpResponse:
    criterion = get_visible_or_404(
        EntryCriterion.objects.select_related("stage", "stage__template"),
        request,
        criterion_id,
        write=True,
    )
    if criterion.stage.template.is_shared:
        raise PermissionDenied
    return _simple(
        request,
        criterion.stage.template,
        lambda: services.criterion_delete(criterion=criterion),
    )


# --- Assignment and plans ----------------------------------------------------------------------


def _patient(request: AuthedRequest, patient_id: UUID) -> Patient:
    return get_visible_or_404(
        Patient.objects.select_related("clinic"), request, patient_id, write=True
    )


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def plan_assign(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    patient = _patient(request, patient_id)
    existing = services.open_plan_of(patient)
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
                try:
                    plan = services.plan_assign(
                        patient=patient,
                        template=chosen,
                        start_date=form.cleaned_data["start_date"],
                        by=request.user,
                        override_reason=form.cleaned_data["override_reason"],
                    )
                except ValidationError as error:
                    _form_errors(form, error)
                else:
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


def _plan(request: AuthedRequest, plan_id: UUID, *, write: bool = False) -> Plan:
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
    plan = _plan(request, plan_id)
    content = ProtocolTemplate.objects.prefetch_related(*_content_prefetch()).get(
        pk=plan.content_id
    )
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
        context.update(_editor_context(request, content))
        context["template"] = content
        context["editable"] = membership.is_clinical
    else:
        next_stage = _next_stage(plan, stages)
        signoffs = list(plan.signoffs.select_related("stage", "recorded_by"))
        needed = _signoffs_needed(plan, stages, signoffs)
        criteria = (
            list(next_stage.criteria.all()) if next_stage else library.return_to_sport_criteria()
        )
        rx, week = services.prescription_for(plan, today), services.week_of(plan, today)
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


def _next_stage(plan: Plan, stages: list[Stage]) -> Stage | None:
    for index, stage in enumerate(stages):
        if stage.pk == plan.current_stage_id:
            return stages[index + 1] if index + 1 < len(stages) else None
    return None


@require_POST
@clinical_staff_required
def plan_confirm(request: AuthedRequest, plan_id: UUID) -> HttpResponse:
    plan = _plan(request, plan_id, write=True)
    try:
        services.plan_confirm(plan=plan, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return render(
            request,
            "protocols/plan_refused.html",
            {"plan": plan, "errors": error.messages},
            status=409,
        )
    messages.success(
        request, _("Plan confirmed. The athlete sees today's session from the start date.")
    )
    return redirect("protocols:plan_detail", plan_id=plan.public_id)


@require_POST
@clinical_staff_required
def plan_discard(request: AuthedRequest, plan_id: UUID) -> HttpResponse:
    plan = _plan(request, plan_id, write=True)
    patient = plan.patient
    try:
        services.plan_discard(plan=plan)
    except ValidationError as error:
        return render(
            request,
            "protocols/plan_refused.html",
            {"plan": plan, "errors": error.messages},
            status=409,
        )
    messages.success(request, _("Draft plan discarded."))
    return redirect("patients:detail", patient_id=patient.public_id)


@require_POST
@clinical_staff_required
def plan_decide(request: AuthedRequest, plan_id: UUID) -> HttpResponse:
    plan = _plan(request, plan_id, write=True)
    kind = request.POST.get("kind", "")
    forward = kind if kind in services.FORWARD_DECISIONS else DecisionKind.ADVANCE
    form = DecisionForm(request.POST, criteria=services.decision_criteria(plan, forward))
    if form.is_valid():
        try:
            services.plan_decide(
                plan=plan,
                kind=form.cleaned_data["kind"],
                by=request.user,
                rationale=form.cleaned_data["rationale"],
                criteria_met=form.checklist(),
                override_reason=form.cleaned_data["override_reason"],
                shared_note=form.cleaned_data["shared_note"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Decision recorded."))
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
    plan = _plan(request, plan_id, write=True)
    stages = list(plan.content.stages.order_by("order"))
    form = SpecialistSignOffForm(
        request.POST, needed=_signoffs_needed(plan, stages, list(plan.signoffs.all()))
    )
    if form.is_valid():
        chosen = form.cleaned_data["stage"]
        stage = None if chosen == "plan" else next(s for s in stages if str(s.public_id) == chosen)
        try:
            services.record_specialist_signoff(
                plan=plan,
                by=request.user,
                stage=stage,
                specialist=form.cleaned_data["specialist"],
                signed_on=form.cleaned_data["signed_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Specialist sign-off recorded."))
            return redirect("protocols:plan_detail", plan_id=plan.public_id)
    return _decision_refused(request, plan, form)


def _written_plan_context(plan: Plan, *, for_coach: bool = False) -> dict[str, Any]:
    """The written plan; a coach's copy leaves out the notes on how sessions felt."""
    content = ProtocolTemplate.objects.prefetch_related(*_content_prefetch()).get(
        pk=plan.content_id
    )
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    this_week = services.week_of(plan, monday)
    next_week = services.week_of(plan, monday + timedelta(days=7))
    if for_coach:
        this_week, next_week = (
            audience.week_for_coach(this_week),
            audience.week_for_coach(next_week),
        )
    return {
        "plan": plan,
        "patient": plan.patient,
        "stages": list(content.stages.all()),
        "this_week": this_week,
        "next_week": next_week,
        # Only the words written for the athlete and coach, never the rationale.
        "shared_notes": plan.decisions.exclude(shared_note="").select_related("decided_by")[:10],
        "care_team": [
            plan.patient.assigned_physio,
            *[m.user for m in plan.patient.care_team.select_related("user")],
        ],
        "clinic": plan.patient.clinic,
    }


@require_GET
@staff_required
def plan_print(request: AuthedRequest, plan_id: UUID) -> HttpResponse:
    plan = _plan(request, plan_id)
    membership = request.membership
    for_coach = membership is None or not membership.is_clinical
    return render(
        request, "protocols/plan_print.html", _written_plan_context(plan, for_coach=for_coach)
    )


@require_GET
@athlete_required
def my_plan(request: AuthedRequest) -> HttpResponse:
    """The athlete's own written plan: "me" comes from the session, never from the URL."""
    plan = (
        Plan.objects.visible_to(request.membership)
        .exclude(status=PlanStatus.DRAFT)
        .select_related(
            "patient",
            "patient__clinic",
            "patient__assigned_physio",
            "current_stage",
            "current_step",
            "content",
        )
        .order_by("-created_at")
        .first()
    )
    if plan is None:
        return render(request, "protocols/no_plan.html", status=200)
    return render(
        request, "protocols/plan_print.html", _written_plan_context(plan) | {"athlete_view": True}
    )


@require_GET
@staff_required
def patient_plan_section(request: AuthedRequest, patient_id: UUID) -> HttpResponse:
    """The plan section of the patient page (loaded in place by htmx)."""
    patient = get_visible_or_404(Patient.objects.all(), request, patient_id)
    plan = services.open_plan_of(patient)
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
        rx = services.prescription_for(plan, timezone.localdate())
        context.update(
            {
                "today": rx if context["clinical"] else audience.for_coach(rx),
                "next_stage": _next_stage(plan, stages),
                "stage_count": len(stages),
                "stage_number": next(
                    (i + 1 for i, s in enumerate(stages) if s.pk == plan.current_stage_id), None
                ),
            }
        )
    return render(request, "protocols/_patient_plan_section.html", context)
