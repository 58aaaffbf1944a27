"""The flag queue, flag actions and the caseload dashboard."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkins.models import Flag, FlagNote, Notification
from checkins.warning_signs import flags as flag_services
from checkins.warning_signs import rules
from protocols.models import StageDecision
from tests.factories import make_member
from tests.patients.factories import make_patient

QUEUE = reverse("checkins:flag_queue")


def make_flag(patient, rule="night_pain", severity="urgent", age_hours=1, **extra):
    today = timezone.localdate()
    return Flag.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        plan=patient.plans.first(),
        rule_code=rule,
        rule_version=1,
        severity=severity,
        summary=f"{rule} summary",
        evidence=[{"date": today.isoformat(), "pain_rest": 4}],
        thresholds={},
        first_seen_date=today,
        last_evidence_date=today,
        opened_at=timezone.now() - timedelta(hours=age_hours),
        **extra,
    )


@pytest.fixture
def flag(patient, plan):
    return make_flag(patient)


# --- Queue -----------------------------------------------------------------------------------


def test_queue_lists_open_flags_with_counts_and_overdue(client, lead, patient, plan):
    make_flag(patient, "night_pain", "urgent", age_hours=5)  # past 4 h
    make_flag(patient, "run_pain", "low", age_hours=5)  # within 72 h
    client.force_login(lead)
    html = client.get(QUEUE).content.decode()
    assert html.count("data-flag=") == 2
    assert html.index("Night pain or pain at rest") < html.index(
        "Pain during or after running"
    )  # urgent first
    assert html.count('class="table-danger"') == 1
    assert "1 overdue" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"severity": "urgent"}, 1),
        ({"rule": "run_pain"}, 1),
        ({"age": "overdue"}, 1),
        ({"status": "acknowledged"}, 0),
        (
            {"severity": "bogus", "rule": "x", "physio": "not-a-uuid", "sort": "drop", "page": "9"},
            2,
        ),
    ],
)
def test_queue_filters(client, lead, patient, plan, params, expected):
    make_flag(patient, "night_pain", "urgent", age_hours=5)
    make_flag(patient, "run_pain", "low", age_hours=1)
    client.force_login(lead)
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    assert response.content.decode().count("data-flag=") == expected


def test_queue_live_refresh_keeps_filters(client, lead, patient, plan):
    make_flag(patient)
    client.force_login(lead)
    html = client.get(
        QUEUE, {"severity": "urgent"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in html and 'hx-trigger="every 30s"' in html and "severity=urgent" in html


def test_physio_sees_own_patients_flags_only(client, clinic, physio, lead, patient, plan):
    other_physio = make_member(clinic=clinic, role="physio")
    theirs = make_patient(clinic=clinic, physio=other_physio, last_name="Otherpatient")
    make_flag(patient)
    make_flag(theirs)
    client.force_login(physio)
    html = client.get(QUEUE).content.decode()
    assert html.count("data-flag=") == 1 and "Otherpatient" not in html
    client.force_login(lead)
    assert client.get(QUEUE).content.decode().count("data-flag=") == 2


def test_the_flags_section_and_the_flag_page_agree_on_who_sees_a_flag(
    client, clinic, physio, lead, patient, plan
):
    """One rule for every flag page: a physio not on the patient's care team sees the patient's
    flags section without the flag (whose page is a 404 for them); the patient's own physio and
    the lead see it in the section, the queue and on its page."""
    flag = make_flag(patient)
    section = reverse("checkins:patient_flags_section", args=[patient.public_id])
    page = reverse("checkins:flag_detail", args=[flag.public_id])
    stranger = make_member(clinic=clinic, role="physio")
    client.force_login(stranger)
    response = client.get(section)
    assert response.status_code == 200 and "night_pain summary" not in response.text
    assert client.get(page).status_code == 404
    assert "data-flag=" not in client.get(QUEUE).text
    for member in (physio, lead):
        client.force_login(member)
        assert "night_pain summary" in client.get(section).text
        assert client.get(page).status_code == 200
        assert client.get(QUEUE).text.count("data-flag=") == 1


def test_other_clinic_flags_and_counts_are_invisible(
    client, outsider, outsider_lead, patient, flag
):
    for user in (outsider, outsider_lead):
        client.force_login(user)
        html = client.get(QUEUE).content.decode()
        assert "data-flag=" not in html and patient.last_name not in html
        assert client.get(reverse("checkins:flag_detail", args=[flag.public_id])).status_code == 404
        dashboard = client.get(reverse("staff_home"), {"view": "clinic"}).content.decode()
        assert patient.last_name not in dashboard
        assert '<a href="/flags/?severity=urgent"><strong>0</strong></a>' in dashboard


@pytest.mark.parametrize("persona", ["coach", "athlete"])
def test_coach_and_athlete_have_no_queue(client, request, flag, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(QUEUE).status_code == 403
    assert client.get(reverse("checkins:flag_detail", args=[flag.public_id])).status_code == 403
    assert (
        client.post(
            reverse("checkins:flag_resolve", args=[flag.public_id]),
            {"action": "no_action", "note": "x"},
        ).status_code
        == 403
    )


@pytest.mark.parametrize("n", [5, 500])
def test_queue_and_dashboard_run_fixed_queries(
    client, lead, clinic, physio, plan, n, django_assert_num_queries
):
    patients = [make_patient(clinic=clinic, physio=physio) for _ in range(n // 13 + 1)]
    codes = list(rules.RULES)
    Flag.objects.bulk_create(
        [
            Flag(
                clinic=clinic,
                patient=patients[i // 13],
                rule_code=codes[i % 13],
                rule_version=1,
                severity="low",
                summary="s",
                evidence=[],
                thresholds={},
                first_seen_date=timezone.localdate(),
                last_evidence_date=timezone.localdate(),
            )
            for i in range(n)
        ]
    )
    client.force_login(lead)
    # session, user, memberships, bell; count; the page's ids (sorted on the flag table alone),
    # then its rows (+patient, physio, plan, stage, assignee); counts by severity; physio choices
    with django_assert_num_queries(9):
        assert client.get(QUEUE).status_code == 200
    # session, user, memberships; active plans (+ patient, stage, last check-in, last stage) and
    # their stages' steps (the kind of stage); check-ins of the last 28 days; recent decisions
    # (+ patient, stage, who); open flags by severity; the bell; reviews and tasks due
    with django_assert_num_queries(10):
        assert client.get(reverse("staff_home"), {"view": "clinic"}).status_code == 200


def test_queue_is_paginated(client, lead, clinic, physio):
    patients = [make_patient(clinic=clinic, physio=physio) for _ in range(3)]
    for i in range(30):
        make_flag(patients[i // 13], list(rules.RULES)[i % 13], "low")
    client.force_login(lead)
    first = client.get(QUEUE).content.decode()
    assert first.count("data-flag=") == 25 and "Page 1 of 2" in first
    assert client.get(QUEUE, {"page": 2}).content.decode().count("data-flag=") == 5


# --- Detail and actions ------------------------------------------------------------------------


def test_flag_detail_shows_rule_evidence_chart_and_context(client, lead, flag, patient):
    client.force_login(lead)
    html = client.get(reverse("checkins:flag_detail", args=[flag.public_id])).content.decode()
    assert rules.RULES["night_pain"].explanation in html
    assert 'data-chart="pain"' in html and "&quot;highlight&quot;: [" in html
    # The rule's sources as readable citations linked to the References page.
    assert 'href="/references/#ref-32">Symptom progression</a>' in html and "domain.md" not in html
    assert patient.full_name in html


def test_acknowledge_assign_note(client, lead, physio, flag):
    client.force_login(lead)
    client.post(reverse("checkins:flag_acknowledge", args=[flag.public_id]))
    client.post(
        reverse("checkins:flag_assign", args=[flag.public_id]), {"assignee": str(physio.public_id)}
    )
    client.post(
        reverse("checkins:flag_note", args=[flag.public_id]), {"text": "Called the athlete"}
    )
    flag.refresh_from_db()
    assert (
        flag.status == "acknowledged"
        and flag.acknowledged_by == lead
        and flag.assigned_to == physio
    )
    assert FlagNote.objects.get(flag=flag).text == "Called the athlete"


def test_resolve_with_regress_goes_through_the_stage_decision_service(
    client, lead, physio, flag, plan
):
    from protocols.services.decisions import plan_decide
    from tests.protocols.factories import all_met

    plan_decide(
        plan=plan, kind="advance", by=physio, criteria_met=all_met(plan, "advance"), rationale="ok"
    )
    client.force_login(lead)
    response = client.post(
        reverse("checkins:flag_resolve", args=[flag.public_id]),
        {"action": "regress", "note": "Night pain: back a stage"},
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    plan.refresh_from_db()
    assert flag.status == "resolved" and flag.action == "regress" and flag.resolved_by == lead
    assert plan.current_stage.order == 1
    decision = StageDecision.objects.filter(plan=plan, kind="regress").get()
    assert "Night pain: back a stage" in decision.rationale and decision.decided_by == lead
    assert (
        Notification.objects.filter(
            recipient=physio, kind="decision", channel="in_app", flag=flag
        ).count()
        == 1
    )


def test_several_flags_of_one_patient_resolved_together(client, lead, patient, plan):
    first = make_flag(patient, "night_pain")
    second = make_flag(patient, "run_pain", "low")
    client.force_login(lead)
    client.post(
        reverse("checkins:flag_resolve", args=[first.public_id]),
        {"action": "hold", "note": "Hold for a week", "also": [str(second.public_id)]},
    )
    assert set(Flag.objects.values_list("status", flat=True)) == {"resolved"}
    assert StageDecision.objects.filter(plan=plan, kind="hold").count() == 1


def test_another_patients_flag_cannot_be_slipped_in(client, lead, clinic, physio, patient, plan):
    other = make_flag(make_patient(clinic=clinic, physio=physio))
    mine = make_flag(patient)
    client.force_login(lead)
    client.post(
        reverse("checkins:flag_resolve", args=[mine.public_id]),
        {"action": "no_action", "note": "x", "also": [str(other.public_id)]},
    )
    other.refresh_from_db()
    assert other.status == "open"


@pytest.mark.parametrize(
    ("url", "data", "status", "message"),
    [
        ("checkins:flag_resolve", {"action": "teleport", "note": "x"}, 400, "Choose an action"),
        ("checkins:flag_resolve", {"action": "hold", "note": ""}, 400, "Write what you decided"),
        ("checkins:flag_dismiss", {"reason": "  "}, 400, "Give the reason"),
        ("checkins:flag_note", {"text": ""}, 400, "Write the note"),
        ("checkins:flag_assign", {"assignee": "nope"}, 400, "Assign the flag to a physio or lead"),
    ],
)
def test_bad_input_changes_nothing(client, lead, flag, url, data, status, message):
    client.force_login(lead)
    response = client.post(reverse(url, args=[flag.public_id]), data)
    assert response.status_code == status
    assert message in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == "open" and flag.assigned_to is None and not flag.notes.exists()


def test_assigning_to_someone_outside_the_clinic_or_a_coach_is_refused(
    client, lead, coach, outsider, flag
):
    client.force_login(lead)
    for user in (outsider, coach):
        response = client.post(
            reverse("checkins:flag_assign", args=[flag.public_id]),
            {"assignee": str(user.public_id)},
        )
        assert response.status_code == 400
    flag.refresh_from_db()
    assert flag.assigned_to is None


def test_resolving_an_already_resolved_flag_is_refused(client, lead, flag):
    client.force_login(lead)
    client.post(
        reverse("checkins:flag_resolve", args=[flag.public_id]),
        {"action": "no_action", "note": "fine"},
    )
    again = client.post(
        reverse("checkins:flag_resolve", args=[flag.public_id]),
        {"action": "refer", "note": "imaging"},
    )
    assert again.status_code == 409
    assert "already resolved" in again.content.decode()
    flag.refresh_from_db()
    assert flag.action == "no_action"


def test_plan_actions_need_a_plan(client, lead, clinic, physio):
    orphan = make_flag(make_patient(clinic=clinic, physio=physio))
    client.force_login(lead)
    response = client.post(
        reverse("checkins:flag_resolve", args=[orphan.public_id]),
        {"action": "regress", "note": "x"},
    )
    assert response.status_code == 400
    assert "no active plan" in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_leads_resolving_at_once_one_wins_the_other_is_told(clinic, physio, athlete):
    from tests.protocols.factories import active_plan, library

    lead_a = make_member(clinic=clinic, role="lead")
    lead_b = make_member(clinic=clinic, role="lead")
    from tests.patients.factories import make_injury

    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio)
    active_plan(patient=patient, template=library(), by=physio)
    target = make_flag(patient)
    barrier = threading.Barrier(2)
    results: list[int] = []

    def resolve(user, action):
        client = Client()
        client.force_login(user)
        barrier.wait(5)
        results.append(
            client.post(
                reverse("checkins:flag_resolve", args=[target.public_id]),
                {"action": action, "note": "both"},
            ).status_code
        )
        connection.close()

    threads = [
        threading.Thread(target=resolve, args=(lead_a, "hold")),
        threading.Thread(target=resolve, args=(lead_b, "pause")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(results) == [302, 409]
    target.refresh_from_db()
    assert target.status == "resolved"
    assert StageDecision.objects.filter(kind__in=["hold", "pause"]).count() == 1


# --- Dashboard and audit trail -----------------------------------------------------------------


def test_dashboard_numbers_link_to_the_lists_behind_them(client, lead, patient, plan):
    make_flag(patient, age_hours=10)
    client.force_login(lead)
    html = client.get(reverse("staff_home"), {"view": "clinic"}).content.decode()
    assert 'href="/flags/?severity=urgent"' in html and "1 overdue" in html
    assert 'data-chart="stages"' in html
    assert 'id="adherence-7"' in html


def test_physio_dashboard_defaults_to_my_patients(client, clinic, physio, patient, plan):
    other = make_member(clinic=clinic, role="physio")
    make_flag(make_patient(clinic=clinic, physio=other, last_name="Notmine"))
    client.force_login(physio)
    html = client.get(reverse("staff_home")).content.decode()
    assert 'aria-current="page" href="?view=mine"' in html or "My patients" in html
    assert '<a href="/flags/?severity=urgent"><strong>0</strong></a>' in html


def test_lead_sees_the_patient_audit_trail(client, lead, physio, patient, plan, flag):
    flag_services.flags_resolve(flags=[flag], by=lead, action="hold", note="Hold")
    client.force_login(lead)
    html = client.get(reverse("patients:history", args=[patient.public_id])).content.decode()
    assert 'id="audit-trail"' in html
    assert "stage decision" in html and "flag" in html
    client.force_login(physio)
    assert client.get(reverse("patients:history", args=[patient.public_id])).status_code == 403
