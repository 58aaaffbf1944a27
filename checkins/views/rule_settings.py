"""The lead's rule settings page: rules switched off or thresholds changed within their
bounds, after a dry run over the clinic's last 90 days."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from checkins.forms import RuleSettingsForm
from checkins.models import RuleSettingChange
from checkins.warning_signs import evaluation
from checkins.warning_signs import rule_settings as rule_settings_service
from rtr.accounts.tenancy import lead_required

if TYPE_CHECKING:
    from rtr.http import AuthedRequest


@require_http_methods(["GET", "POST"])
@lead_required
def rule_settings(request: AuthedRequest) -> HttpResponse:
    """The lead switches rules off or changes thresholds within bounds, after a dry run."""
    assert request.clinic is not None
    current = evaluation.rule_settings_for(request.clinic.pk)
    form = RuleSettingsForm(
        request.POST or None, initial=rule_settings_service.as_form_initial(current)
    )
    dry_run = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            proposed = form.proposed()
            errors = rule_settings_service.validate(proposed)
            for key, message in errors.items():
                form.add_error(key if key in form.fields else None, message)
            if not errors and request.POST.get("action") == "save":
                changed = rule_settings_service.save(
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
