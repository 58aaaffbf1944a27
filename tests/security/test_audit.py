"""The audit log: record views and exports, clinical changes, sign-ins and failures; the lead
reads and filters it; it never holds check-in contents."""

from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from tests.factories import sign_in
from tests.patients.factories import make_injury, make_patient


@pytest.fixture
def patient(clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio, last_name="Audited")
    make_injury(patient=patient, by=physio)
    return patient


def test_viewing_and_exporting_a_record_is_audited(client, physio, patient):
    client.force_login(physio)
    client.get(reverse("patients:detail", args=[patient.public_id]))
    client.get(reverse("checkins:csv", args=[patient.public_id]))
    accesses = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, additional_data__patient=str(patient.public_id)
    )
    assert accesses.count() == 2
    assert set(accesses.values_list("actor__email", flat=True)) == {physio.email}
    assert all(e.remote_addr for e in accesses)


def test_lead_reads_and_filters_the_audit_log(
    client, lead, physio, patient, outsider, other_clinic
):
    theirs = make_patient(clinic=other_clinic, physio=outsider, last_name="Elsewhere")
    client.post(reverse("account_login"), {"login": physio.email, "password": "wrong-password-x"})
    sign_in(client, physio.email)
    client.get(reverse("patients:detail", args=[patient.public_id]))
    client.force_login(lead)
    html = client.get(reverse("patients:audit")).content.decode()
    assert physio.email in html  # who viewed, and the sign-in
    assert html.count("<tr><td") >= 3
    only_access = client.get(
        reverse("patients:audit"), {"action": "access", "who": physio.email}
    ).content.decode()
    assert "<td>Access</td>" in only_access and "<td>Create</td>" not in only_access
    assert LogEntry.objects.filter(additional_data__patient=str(theirs.public_id)).exists()
    assert "Elsewhere" not in html


def test_the_audit_log_is_paginated_and_each_row_links_the_patient_it_concerns(
    client, clinic, physio, lead, patient
):
    for _ in range(60):  # 60 record views of the patient, and the patient's creation
        client.force_login(physio)
        client.get(reverse("patients:detail", args=[patient.public_id]))
    client.force_login(lead)
    first = client.get(reverse("patients:audit")).content.decode()
    table = first.split('id="audit-log"')[1].split("</table>")[0]
    assert table.count("<tr><td") == 50 and "Page 1 of 2" in first
    link = (
        f'<a href="{reverse("patients:detail", args=[patient.public_id])}">{patient.full_name}</a>'
    )
    assert link in table
    older = client.get(reverse("patients:audit"), {"page": 2, "who": physio.email})
    assert older.status_code == 200
    older_html = older.content.decode()
    assert "Page 2 of 2" in older_html
    newer = re.search(r'class="page-link" href="([^"]+)">Newer<', older_html)
    assert newer and "page=1" in newer[1] and "who=" in newer[1]  # the filter is kept
    assert client.get(reverse("patients:audit"), {"page": "not-a-number"}).status_code == 200


def test_only_the_lead_reads_the_audit_log(client, physio):
    client.force_login(physio)
    assert client.get(reverse("patients:audit")).status_code == 403


def test_check_in_contents_never_reach_the_audit_log(client, clinic, physio, athlete, lead):
    from checkins import services
    from checkins.models import Flag
    from checkins.warning_signs import evaluation
    from checkins.warning_signs import flags as flag_services
    from tests.checkins.factories import checkin_data
    from tests.protocols.factories import active_plan, library

    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio)
    patient.user = athlete
    patient.save()
    active_plan(patient=patient, template=library(), by=physio)
    services.checkin_submit(
        patient=patient,
        by=athlete,
        day=services.local_today(patient),
        data=checkin_data(notes="PRIVATE-CHECKIN-NOTE", night_pain=True, pain_rest=7),
    )
    evaluation.evaluate_pending()
    flag_services.flags_resolve(
        flags=list(Flag.objects.filter(patient=patient)), by=lead, action="no_action", note="ok"
    )
    dump = " ".join(str(e.changes) + str(e.additional_data) for e in LogEntry.objects.all())
    assert "PRIVATE-CHECKIN-NOTE" not in dump
    assert "pain_rest" not in dump  # the flag's evidence (check-in values) is not audited
