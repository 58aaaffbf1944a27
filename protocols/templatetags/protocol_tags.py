from __future__ import annotations

from django import forms, template

from protocols.forms import CriterionForm, StepForm

register = template.Library()

BLANK_FORMS: dict[str, type[forms.Form]] = {"step": StepForm, "criterion": CriterionForm}


@register.simple_tag
def blank_form(kind: str, key: str) -> forms.Form:
    """An empty add-form whose element ids are unique on a page with many stages."""
    return BLANK_FORMS[kind](auto_id=f"id_{kind}_{key[:8]}_%s")
