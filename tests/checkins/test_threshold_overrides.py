"""One threshold registry: a lead's override changes the rule, the step progression and the
red-flag notice on the athlete's confirmation page alike (issue 14, acceptance 5)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from checkins import services
from checkins.models import Flag
from checkins.warning_signs import evaluation, thresholds
from checkins.warning_signs import rule_settings as settings_service
from protocols.models import SessionLog
from tests.checkins.factories import checkin_data


def submit(patient, athlete, **overrides):
    return services.checkin_submit(
        patient=patient,
        by=athlete,
        day=services.local_today(patient),
        data=checkin_data(**overrides),
    )[0]


def loosen_run_pain(clinic, lead, limit=3):
    settings_service.save(
        clinic=clinic, by=lead, proposed={"run_pain": (True, {"limit": limit, "high_at": 5})}
    )


def test_every_threshold_has_bounds_and_a_source_and_the_rules_read_them():
    from checkins.warning_signs import rules

    for t in thresholds.REGISTRY:
        assert t.low <= t.default <= t.high and t.source and t.unit, t
        assert rules.RULES[t.rule].params[t.name].default == t.default
    assert thresholds.with_overrides({"run_pain": {"limit": 99}})["run_pain"]["limit"] == 2


def test_an_override_changes_the_rule(patient, plan, athlete, clinic, lead):
    loosen_run_pain(clinic, lead)
    submit(patient, athlete, pain_during=3)
    evaluation.evaluate_pending()
    assert not Flag.objects.filter(rule_code="run_pain").exists()
    submit(patient, athlete, pain_during=4)
    evaluation.evaluate_pending()
    assert Flag.objects.get(rule_code="run_pain").thresholds["limit"] == 3


@pytest.mark.parametrize(("limit", "outcome"), [(None, "painful"), (3, "pain_free")])
def test_an_override_changes_the_step_progression(
    patient, plan, athlete, clinic, lead, limit, outcome
):
    if limit is not None:
        loosen_run_pain(clinic, lead, limit)
    checkin = submit(patient, athlete, pain_during=3)
    assert SessionLog.objects.get(plan=plan, day=checkin.date).outcome == outcome


@pytest.mark.parametrize(("limit", "warned"), [(None, True), (3, False)])
def test_an_override_changes_the_notice_on_the_confirmation_page(
    client, patient, plan, athlete, clinic, lead, limit, warned
):
    if limit is not None:
        loosen_run_pain(clinic, lead, limit)
    checkin = submit(patient, athlete, pain_during=3)
    client.force_login(athlete)
    page = client.get(reverse("checkins:done", args=[checkin.public_id])).content.decode()
    assert ("Your pain went above 2/10" in page) is warned


def test_the_rest_pain_red_flag_follows_the_clinic(client, patient, plan, athlete, clinic, lead):
    checkin = submit(patient, athlete, pain_rest=3)
    client.force_login(athlete)
    url = reverse("checkins:done", args=[checkin.public_id])
    assert "pain at rest of 3/10" in client.get(url).content.decode()
    settings_service.save(clinic=clinic, by=lead, proposed={"night_pain": (True, {"rest_pain": 4})})
    assert "pain at rest of 3/10" not in client.get(url).content.decode()


def test_a_stricter_limit_shows_its_own_number(client, patient, plan, athlete, clinic, lead):
    loosen_run_pain(clinic, lead, limit=1)
    checkin = submit(patient, athlete, pain_during=2)
    client.force_login(athlete)
    page = client.get(reverse("checkins:done", args=[checkin.public_id])).content.decode()
    assert "Your pain went above 1/10" in page
    assert SessionLog.objects.get(plan=plan, day=checkin.date).outcome == "painful"
