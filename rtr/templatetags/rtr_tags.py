from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString

from rtr import references, units
from rtr.accounts.mfa import two_factor_required as required_for

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """`{{ counts|get_item:status }}`: a dictionary value by a variable key."""
    return mapping.get(key, "") if mapping else ""


@register.filter
def to_json(value: Any) -> str:
    """JSON for a data-* attribute (autoescaped there): htmx drops <script> tags from swapped
    partials, so chart data travels in an attribute rather than a json_script element."""
    return json.dumps(value, cls=DjangoJSONEncoder)


@register.filter
def split(value: str, sep: str = " ") -> list[str]:
    return value.split(sep)


@register.simple_tag(takes_context=True)
def two_factor_required(context: Any) -> bool:
    """`{% two_factor_required as required %}`: whether the signed-in person must keep a second
    factor (their role or their clinic says so)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    return required_for(request.user, getattr(request, "memberships", []))


@register.filter
def cite(text: str) -> SafeString:
    """`{{ stage.source|cite }}`: source tags as author-year links to the References page."""
    return references.cite(text)


@register.simple_tag
def cited_references(tags: str) -> list[references.Reference]:
    """`{% cited_references "[F:22][F:25]" as refs %}`: the sources behind a page's fixed text."""
    return references.cited_references(tags)


@register.filter
def distance(km: Any, unit: str = "km") -> str:
    """`{{ run.distance_km|distance:current_clinic.distance_unit }}`: "5.0 km" or "3.1 mi"."""
    return units.distance(km, unit or "km")


@register.filter
def in_unit(text: Any, unit: str = "km") -> str:
    """`{{ step.label|in_unit:unit }}`: distances written in a text, in the clinic's unit."""
    return units.in_unit(str(text or ""), unit or "km")
