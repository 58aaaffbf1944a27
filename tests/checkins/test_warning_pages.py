from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn, Notification, RuleSetting, RuleSettingChange
from checkins.warning_signs import evaluation, flags
from checkins.warning_signs.rule_settings import as_form_initial
from tests.checkins.factories import checkin_data

URL = reverse("checkins:rule_settings")


def form_data(clinic, **changes):
    data = {
        k: ("on" if v is True else v)
        for k, v in as_form_initial(evaluation.rule_settings_for(clinic.pk)).items()
        if v is not False
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_lead_changes_run_pain_threshold_after_a_dry_run(client, lead, clinic, patient, plan):
    today = services.local_today(patient)
    CheckIn.objects.create(
        patient=patient, date=today - timedelta(days=5), **checkin_data(pain_during=3)
    )
    client.force_login(lead)
    page = client.get(URL)
    assert page.status_code == 200 and "Pain during or after running" in page.content.decode()
    dry = client.post(URL, {**form_data(clinic, run_pain__limit="3"), "action": "dry_run"})
    html = dry.content.decode()
    assert dry.status_code == 200 and 'id="dry-run"' in html
    assert '<tr data-rule="run_pain">' in html
    assert not RuleSetting.objects.exists()  # a dry run saves nothing
    saved = client.post(URL, {**form_data(clinic, run_pain__limit="3"), "action": "save"})
    assert saved.status_code == 302
    setting = RuleSetting.objects.get(clinic=clinic, rule_code="run_pain")
    assert setting.params["limit"] == 3.0 and setting.updated_by == lead
    change = RuleSettingChange.objects.get()
    assert (
        change.old["params"]["limit"] == 2
        and change.new["params"]["limit"] == 3.0
        and change.changed_by == lead
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("run_pain__limit", "9", "between 1 and 4"),
        ("run_pain__limit", "0", "between 1 and 4"),
        ("poor_sleep__adult_hours", "2", "between 5 and 9"),
        ("night_pain__rest_pain", "abc", "Enter a number"),
        ("missed_checkins__days", "", "This field is required"),
    ],
)
def test_out_of_bounds_thresholds_are_refused(client, lead, clinic, field, value, message):
    client.force_login(lead)
    response = client.post(URL, {**form_data(clinic, **{field: value}), "action": "save"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RuleSetting.objects.exists() and not RuleSettingChange.objects.exists()


def test_switching_a_rule_off_is_recorded(client, lead, clinic):
    client.force_login(lead)
    data = form_data(clinic)
    data.pop("low_confidence__enabled")
    client.post(URL, {**data, "action": "save"})
    assert RuleSetting.objects.get(rule_code="low_confidence").enabled is False
    assert RuleSettingChange.objects.get().new["enabled"] is False


@pytest.mark.parametrize(
    ("persona", "status"), [("physio", 403), ("coach", 403), ("athlete", 403), ("outsider", 403)]
)
def test_only_the_lead_may_change_rules(client, request, clinic, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == status
    assert (
        client.post(URL, {**form_data(clinic, run_pain__limit="3"), "action": "save"}).status_code
        == status
    )
    assert not RuleSetting.objects.exists()


def test_settings_of_another_clinic_are_separate(client, lead, outsider_lead, clinic, other_clinic):
    client.force_login(outsider_lead)
    client.post(URL, {**form_data(other_clinic, run_pain__limit="4"), "action": "save"})
    assert evaluation.rule_settings_for(clinic.pk)["run_pain"][1]["limit"] == 2
    assert evaluation.rule_settings_for(other_clinic.pk)["run_pain"][1]["limit"] == 4


def test_flags_section_lists_open_flags_for_clinical_staff_only(
    client, physio, coach, patient, plan, athlete
):
    services.checkin_submit(
        patient=patient,
        by=athlete,
        day=services.local_today(patient),
        data=checkin_data(night_pain=True),
    )
    evaluation.evaluate_pending()
    client.force_login(physio)
    html = client.get(
        reverse("checkins:patient_flags_section", args=[patient.public_id])
    ).content.decode()
    assert "Night pain or pain at rest" in html and "Urgent" in html
    client.force_login(coach)
    assert (
        client.get(reverse("checkins:patient_flags_section", args=[patient.public_id])).status_code
        == 403
    )


def test_the_bell_counts_unread_and_the_list_marks_read(client, physio, patient, plan, athlete):
    services.checkin_submit(
        patient=patient,
        by=athlete,
        day=services.local_today(patient),
        data=checkin_data(night_pain=True),
    )
    evaluation.evaluate_pending()
    client.force_login(physio)
    home = client.get(reverse("staff_home")).content.decode()
    assert 'id="unread-count">1<' in home
    items = client.get(reverse("checkins:notifications")).content.decode()
    assert "Urgent flag: Night pain or pain at rest" in items
    note = Notification.objects.get(recipient=physio, channel="in_app")
    client.post(reverse("checkins:notifications_read"), {"id": str(note.pk)})
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'id="unread-count"' not in client.get(reverse("staff_home")).content.decode()


def test_resolving_a_flag_marks_its_notices_read_for_everyone(
    client, physio, lead, patient, plan, athlete
):
    services.checkin_submit(
        patient=patient,
        by=athlete,
        day=services.local_today(patient),
        data=checkin_data(night_pain=True),
    )
    evaluation.evaluate_pending()
    raised = Notification.objects.filter(channel="in_app", kind="flag")
    assert raised.filter(read_at__isnull=True).count() == 2  # the physio's and the lead's
    flag = raised.first().flag
    flags.flag_dismiss(flag=flag, by=lead, reason="Reviewed by phone: night pain was a cramp")
    assert raised.filter(read_at__isnull=True).count() == 0
    # The physio is told in the app what the lead decided: that notice is new and unread.
    decision = Notification.objects.get(recipient=physio, kind="decision")
    assert decision.read_at is None
    client.force_login(physio)
    assert 'id="unread-count">1<' in client.get(reverse("staff_home")).content.decode()


def test_no_one_reads_or_marks_someone_elses_notifications(
    client, physio, lead, patient, plan, athlete
):
    services.checkin_submit(
        patient=patient,
        by=athlete,
        day=services.local_today(patient),
        data=checkin_data(night_pain=True),
    )
    evaluation.evaluate_pending()
    theirs = Notification.objects.get(recipient=lead, channel="in_app")
    client.force_login(physio)
    assert (
        f'name="id" value="{theirs.pk}"'
        not in client.get(reverse("checkins:notifications")).content.decode()
    )
    client.post(reverse("checkins:notifications_read"), {"id": str(theirs.pk)})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post(reverse("checkins:notifications_read"), {"next": "https://evil.example/"})[
        "Location"
    ] == reverse("checkins:notifications")


@pytest.mark.django_db
def test_notifications_need_sign_in(client):
    assert client.get(reverse("checkins:notifications")).status_code == 302
    assert client.post(reverse("checkins:notifications_read")).status_code == 302
