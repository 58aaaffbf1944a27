"""The template library: the list, a template's page, and its life (edit, publish, retire, new
version, clone), for clinical staff."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from protocols.eligibility import site_label
from protocols.forms import TemplateFilterForm, TemplateForm
from protocols.models import ProtocolTemplate
from protocols.services import templates as template_services
from rtr.accounts.tenancy import clinical_staff_required, get_visible_or_404
from rtr.service_views import call_service, refused_page, render_form

from .editor import content_prefetch, editor_context

if TYPE_CHECKING:
    from rtr.http import AuthedRequest


def _template(
    request: AuthedRequest, template_id: UUID, *, write: bool = False
) -> ProtocolTemplate:
    template = get_visible_or_404(
        ProtocolTemplate.objects.select_related("clinic"), request, template_id
    )
    if write and template.is_shared:
        raise PermissionDenied
    return template


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
    clinic = request.clinic
    assert clinic is not None
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        template = call_service(
            form,
            lambda: template_services.template_create(
                clinic=clinic, by=request.user, **form.cleaned_data
            ),
        )
        if template is not None:
            messages.success(request, _("Draft created: add its stages and steps."))
            return redirect("protocols:template_detail", template_id=template.public_id)
    return render_form(request, "protocols/template_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@clinical_staff_required
def template_edit(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    template = _template(request, template_id, write=True)
    initial = {f: getattr(template, f) for f in template_services.TEMPLATE_FIELDS}
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form, lambda: template_services.template_update(template=template, **form.cleaned_data)
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("protocols:template_detail", template_id=template.public_id)
    elif not template.is_editable:
        messages.error(
            request, _("A published or retired version is frozen: create a new version to edit it.")
        )
        return redirect("protocols:template_detail", template_id=template.public_id)
    return render_form(
        request, "protocols/template_form.html", {"form": form, "template": template}
    )


@require_GET
@clinical_staff_required
def template_detail(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    template = get_visible_or_404(
        ProtocolTemplate.objects.select_related("clinic", "based_on").prefetch_related(
            *content_prefetch()
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
        editor_context(request, template) | {"versions": versions},
    )


def _action(
    request: AuthedRequest, template_id: UUID, action: Callable[..., object], done: str
) -> HttpResponse:
    """A button on the template's page: done, or the page that says why not (409: the services
    refuse these with a `Conflict` or `Refused`)."""
    template = _template(request, template_id, write=True)
    try:
        result = action(template=template)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return refused_page(request, "protocols/action_refused.html", {"template": template}, error)
    messages.success(request, done)
    target = result if isinstance(result, ProtocolTemplate) else template
    return redirect("protocols:template_detail", template_id=target.public_id)


@require_POST
@clinical_staff_required
def template_publish(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    publish = functools.partial(template_services.template_publish, by=request.user)
    done = _("Published: this version is frozen and can be assigned.")
    return _action(request, template_id, publish, done)


@require_POST
@clinical_staff_required
def template_retire(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    done = _("Retired: it can no longer be assigned. Plans made from it are unchanged.")
    return _action(request, template_id, template_services.template_retire, done)


@require_POST
@clinical_staff_required
def template_new_version(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    new_version = functools.partial(template_services.template_new_version, by=request.user)
    done = _(
        "New draft version: edit it, then publish. Plans keep the version they were assigned from."
    )
    return _action(request, template_id, new_version, done)


@require_POST
@clinical_staff_required
def template_clone(request: AuthedRequest, template_id: UUID) -> HttpResponse:
    template = _template(request, template_id)
    assert request.clinic is not None
    clone = template_services.template_clone(
        template=template, clinic=request.clinic, by=request.user
    )
    messages.success(request, _("Copied into your clinic's templates as a draft."))
    return redirect("protocols:template_detail", template_id=clone.public_id)
