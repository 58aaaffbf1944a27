"""One way for a view to call a service that writes, and answer its refusal.

    form = DecisionForm(request.POST)
    if form.is_valid():
        plan = call_service(form, lambda: services.plan_decide(plan=plan, **typed_args))
        if plan is not None:
            return redirect(...)
    return render_form(request, "protocols/decision.html", {"form": form})

`call_service` runs the service and, when it raises a `ValidationError`, puts its messages on
the form (by field where it names one) and returns None; `render_form` answers 400 when the
form holds errors. For an action without a form (a button), `refused_page` renders the
refusal with 409 for a `Conflict` or `Refused`, 400 for other errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.shortcuts import render

from rtr.errors import status_for

if TYPE_CHECKING:
    from django.forms import BaseForm
    from django.http import HttpRequest, HttpResponse


def errors_onto_form(form: BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, by field where it names one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def call_service[T](form: BaseForm, service: Callable[[], T]) -> T | None:
    """The service's result, or None with its errors put on the form."""
    try:
        return service()
    except ValidationError as error:
        errors_onto_form(form, error)
        return None


def render_form(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    form: BaseForm | None = None,
) -> HttpResponse:
    """The form page: 400 when the form (the context's "form" unless named) holds errors."""
    shown = form if form is not None else context.get("form")
    status = 400 if shown is not None and shown.is_bound and shown.errors else 200
    return render(request, template, dict(context), status=status)


def refused_page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    error: ValidationError,
) -> HttpResponse:
    """The page that says why an action was refused: 409 for a conflict or refusal, else 400."""
    return render(
        request,
        template,
        {**context, "errors": error.messages, "message": " ".join(error.messages)},
        status=status_for(error),
    )
