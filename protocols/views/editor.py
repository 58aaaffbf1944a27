"""The editor of stages, session steps and entry criteria (HTMX; a plain POST works too).

It serves a clinic's draft template and a draft plan's copy alike; after a change it answers
the stages partial for htmx, or goes back to the page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from protocols import selectors
from protocols.eligibility import site_label
from protocols.forms import CriterionForm, StageForm, StepForm
from protocols.models import EntryCriterion, PlanStatus, ProtocolTemplate, SessionStep, Stage
from protocols.services import stages as stage_services
from protocols.services import templates as template_services
from rtr.accounts.tenancy import clinical_staff_required, get_visible_or_404
from rtr.service_views import errors_onto_form, refused_page

if TYPE_CHECKING:
    from django.forms import Form

    from rtr.http import AuthedRequest


def content_prefetch() -> list[Prefetch[Any]]:
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


def editor_context(request: AuthedRequest, template: ProtocolTemplate) -> dict[str, Any]:
    return {
        "template": template,
        "editable": _is_editable(template, request),
        "site_labels": [site_label(s) for s in template.eligible_sites],
        "excluded_labels": [site_label(s) for s in template.excluded_sites],
        "publish_problems": selectors.publish_problems(template)
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


def _editor_response(
    request: AuthedRequest, template: ProtocolTemplate, status: int = 200
) -> HttpResponse:
    """After a change: the stages partial for htmx, or back to the page."""
    if request.htmx:
        template = (
            ProtocolTemplate.objects.prefetch_related(*content_prefetch())
            .select_related("clinic")
            .get(pk=template.pk)
        )
        return render(
            request, "protocols/_stages.html", editor_context(request, template), status=status
        )
    return redirect(_editor_url(template))


def _editor_url(template: ProtocolTemplate) -> str:
    if template.is_plan_copy:
        return reverse("protocols:plan_detail", args=[template.plan.public_id])
    return reverse("protocols:template_detail", args=[template.public_id])


def _refused(
    request: AuthedRequest, template: ProtocolTemplate, error: ValidationError
) -> HttpResponse:
    """A change the editor's services refuse (409): said in place for htmx, else on the page."""
    if request.htmx:
        response = refused_page(request, "protocols/_editor_error.html", {}, error)
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
        except template_services.NotEditable as error:
            return _refused(request, template, error)
        except ValidationError as error:
            errors_onto_form(form, error)
    if form.errors:
        return _form_page(request, form, template, partial, context)
    return _editor_response(request, template)


def _stage(request: AuthedRequest, stage_id: UUID) -> Stage:
    stage: Stage = get_visible_or_404(
        Stage.objects.select_related("template", "template__clinic"), request, stage_id, write=True
    )
    if stage.template.is_shared:
        raise PermissionDenied
    return stage


def _content_template(request: AuthedRequest, template_id: UUID) -> ProtocolTemplate:
    """A library template or a plan's copy of the current clinic, for the editor: another
    clinic's is a 404, the shared library's a 403 (it is read-only)."""
    template = (
        ProtocolTemplate.objects.select_related("clinic")
        .content_visible_to(request.membership)
        .filter(public_id=template_id)
        .first()
    )
    if template is None:
        raise Http404
    if template.is_shared:
        raise PermissionDenied
    return template


@require_POST
@clinical_staff_required
def stage_add(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    template = _content_template(request, template_id)
    form = StageForm(request.POST)
    return _save_form(
        request,
        form,
        template,
        functools.partial(stage_services.stage_add, template=template),
        "protocols/_stage_form.html",
        {
            "form_id": "stage-form-new",
            "action": reverse("protocols:stage_add", args=[template.public_id]),
        },
    )


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def stage_edit(request: AuthedRequest, stage_id: UUID) -> HttpResponse:
    stage = _stage(request, stage_id)
    save = functools.partial(stage_services.stage_update, stage=stage)
    context = {"form_id": f"stage-form-{stage.public_id}", "stage": stage}
    return _edit(request, StageForm, stage, template_services.STAGE_FIELDS, save, context)


def _edit(
    request: AuthedRequest,
    form_class: type[Form],
    item: Stage | SessionStep,
    fields: Iterable[str],
    save: Callable[..., Any],
    context: dict[str, Any],
) -> HttpResponse:
    """A stage or step: its form filled in (GET), or the form handed to its service (POST)."""
    kind, template = (
        ("stage", item.template) if isinstance(item, Stage) else ("step", item.stage.template)
    )
    partial = f"protocols/_{kind}_form.html"
    context = {**context, "action": reverse(f"protocols:{kind}_edit", args=[item.public_id])}
    if request.method == "GET":
        form = form_class(initial={f: getattr(item, f) for f in fields})
        return render(
            request,
            partial if request.htmx else "protocols/editor_form_page.html",
            {"form": form, "template": template, **context, "partial": partial},
        )
    return _save_form(request, form_class(request.POST), template, save, partial, context)


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
    return _simple(request, stage.template, lambda: stage_services.stage_delete(stage=stage))


@require_POST
@clinical_staff_required
def stage_move(request: AuthedRequest, stage_id: UUID) -> HttpResponse:
    stage = _stage(request, stage_id)
    return _move(request, stage.template, functools.partial(stage_services.stage_move, stage=stage))


def _move(
    request: AuthedRequest, template: ProtocolTemplate, move: Callable[..., None]
) -> HttpResponse:
    """A stage or a step goes up or down, as the button said."""
    return _simple(request, template, lambda: move(direction=request.POST.get("direction", "")))


@require_POST
@clinical_staff_required
def step_add(request: AuthedRequest, stage_id: UUID) -> HttpResponse:
    return _add_to_stage(request, stage_id, "step", StepForm, stage_services.step_add)


def _add_to_stage(
    request: AuthedRequest,
    stage_id: UUID,
    kind: str,
    form_class: type[Form],
    add: Callable[..., Any],
) -> HttpResponse:
    """A step or an entry criterion: added to its stage through one form and one service."""
    stage = _stage(request, stage_id)
    return _save_form(
        request,
        form_class(request.POST),
        stage.template,
        functools.partial(add, stage=stage),
        f"protocols/_{kind}_form.html",
        {
            "form_id": f"{kind}-form-{stage.public_id.hex}",
            "action": reverse(f"protocols:{kind}_add", args=[stage.public_id]),
            "stage": stage,
        },
    )


def _step(request: AuthedRequest, step_id: UUID) -> SessionStep:
    step: SessionStep = get_visible_or_404(
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
    save = functools.partial(stage_services.step_update, step=step)
    context = {"form_id": f"step-edit-{step.public_id}", "stage": step.stage, "editing": True}
    return _edit(request, StepForm, step, template_services.STEP_FIELDS, save, context)


@require_POST
@clinical_staff_required
def step_delete(request: AuthedRequest, step_id: UUID) -> HttpResponse:
    step = _step(request, step_id)
    return _simple(request, step.stage.template, lambda: stage_services.step_delete(step=step))


@require_POST
@clinical_staff_required
def step_move(request: AuthedRequest, step_id: UUID) -> HttpResponse:
    step = _step(request, step_id)
    return _move(
        request, step.stage.template, functools.partial(stage_services.step_move, step=step)
    )


@require_POST
@clinical_staff_required
def criterion_add(request: AuthedRequest, stage_id: UUID) -> HttpResponse:
    return _add_to_stage(
        request, stage_id, "criterion", CriterionForm, stage_services.criterion_add
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
        lambda: stage_services.criterion_delete(criterion=criterion),
    )
