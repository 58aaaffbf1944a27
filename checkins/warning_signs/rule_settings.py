"""A clinic's rule settings: read, validate within the rules' safe bounds, save with history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from checkins.models import RuleSetting, RuleSettingChange

from . import rules
from .evaluation import rule_settings_for

if TYPE_CHECKING:
    from rtr.accounts.models import Clinic, User

Settings = dict[str, tuple[bool, dict[str, float]]]


def validate(proposed: Settings) -> dict[str, str]:
    """Errors keyed "<rule>__<param>" for values outside the safe bounds."""
    errors: dict[str, str] = {}
    for code, (_enabled, params) in proposed.items():
        rule = rules.RULES.get(code)
        if rule is None:
            errors[code] = "unknown rule"
            continue
        for name, message in rules.check_bounds(rule, params).items():
            errors[f"{code}__{name}"] = message
    return errors


@transaction.atomic
def save(*, clinic: Clinic, by: User, proposed: Settings) -> list[str]:
    """Save the settings that changed, each change recorded (who, when, old, new)."""
    errors = validate(proposed)
    if errors:
        raise ValidationError(errors)
    current = rule_settings_for(clinic.pk)
    changed = []
    for code, (enabled, params) in proposed.items():
        old_enabled, old_params = current[code]
        clean = {k: float(v) for k, v in params.items() if k in rules.RULES[code].params}
        if enabled == old_enabled and all(float(old_params[k]) == v for k, v in clean.items()):
            continue
        RuleSetting.objects.update_or_create(
            clinic=clinic,
            rule_code=code,
            defaults={"enabled": enabled, "params": clean, "updated_by": by},
        )
        RuleSettingChange.objects.create(
            clinic=clinic,
            rule_code=code,
            changed_by=by,
            old={"enabled": old_enabled, "params": old_params},
            new={"enabled": enabled, "params": clean},
        )
        changed.append(code)
    return changed


def as_form_initial(settings: Settings) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for code, (enabled, params) in settings.items():
        initial[f"{code}__enabled"] = enabled
        for name, value in params.items():
            initial[f"{code}__{name}"] = value
    return initial
