"""Script and SQL payloads in free-text fields are stored as text and shown escaped everywhere;
in the browser no dialog fires (and the CSP would block inline script anyway)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from checkins import services
from checkins.models import CheckIn, Flag
from checkins.warning_signs import evaluation
from checkins.warning_signs import flags as flag_services
from patients import services as patient_services
from protocols.services.decisions import plan_decide
from protocols.services.stages import step_add
from tests.checkins.factories import checkin_data
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, library, make_template

XSS = '<script>alert("xss")</script>'
IMG = '"><img src=x onerror=alert(1)>'
SQL = "'; DROP TABLE patients_patient; --"


@pytest.fixture
def stuffed(clinic, physio, lead, athlete):
    return stuff(clinic, physio, lead, athlete)


def stuff(clinic, physio, lead, athlete):
    """Objects with script and SQL payloads in their free-text fields."""
    patient = make_patient(
        clinic=clinic, physio=physio, first_name=XSS, last_name=SQL, discipline=IMG
    )
    make_injury(patient=patient, by=physio, notes=XSS, sub_site_note=IMG)
    injury = patient.current_injury
    patient_services.imaging_add(
        injury=injury, by=physio, modality="mri", taken_on=injury.diagnosed_on, grade=IMG, note=XSS
    )
    patient.user = athlete
    patient.save()
    plan = active_plan(patient=patient, template=library(), by=physio)
    plan_decide(plan=plan, kind="hold", by=physio, rationale=XSS + SQL)
    template = make_template(
        clinic=clinic, by=physio, publish=False, name=XSS, summary=IMG, evidence=SQL
    )
    step_add(stage=template.stages.first(), kind="walk_run", walk_minutes=1, label=XSS)
    services.checkin_submit(
        patient=patient,
        by=athlete,
        day=services.local_today(patient),
        data=checkin_data(notes=XSS, night_pain=True),
    )
    evaluation.evaluate_pending()
    flag = Flag.objects.get(patient=patient, rule_code="night_pain")
    flag_services.flag_add_note(flag=flag, by=lead, text=IMG)
    return {"patient": patient, "plan": plan, "template": template, "flag": flag}


def test_payloads_are_stored_as_text(stuffed):
    patient = stuffed["patient"]
    patient.refresh_from_db()
    assert patient.first_name == XSS and patient.last_name == SQL
    assert CheckIn.objects.get(patient=patient).notes == XSS


def test_payloads_are_rendered_escaped_on_every_page_that_shows_them(
    client, lead, athlete, stuffed
):
    patient, plan, template, flag = (
        stuffed["patient"],
        stuffed["plan"],
        stuffed["template"],
        stuffed["flag"],
    )
    staff_pages = [
        reverse("patients:list"),
        reverse("patients:detail", args=[patient.public_id]),
        reverse("patients:edit", args=[patient.public_id]),
        reverse("protocols:plan_detail", args=[plan.public_id]),
        reverse("protocols:plan_print", args=[plan.public_id]),
        reverse("protocols:template_detail", args=[template.public_id]),
        reverse("protocols:template_list"),
        reverse("checkins:log", args=[patient.public_id]),
        reverse("checkins:patient_section", args=[patient.public_id]),
        reverse("checkins:flag_queue"),
        reverse("checkins:flag_detail", args=[flag.public_id]),
        reverse("checkins:notifications"),
        reverse("patients:history", args=[patient.public_id]),
        reverse("staff_home") + "?view=clinic",
    ]
    client.force_login(lead)
    for url in staff_pages:
        html = client.get(url).content.decode()
        for payload in (XSS, IMG):
            assert payload not in html, url
        assert "<script>alert" not in html, url
    assert (
        escape(XSS)
        in client.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    )
    client.force_login(athlete)
    for url in (reverse("athlete_home"), reverse("checkins:history"), reverse("protocols:my_plan")):
        html = client.get(url).content.decode()
        assert XSS not in html and IMG not in html, url


def test_csv_export_neutralises_formulas_and_keeps_text(client, lead, stuffed):
    client.force_login(lead)
    body = b"".join(
        client.get(reverse("checkins:csv", args=[stuffed["patient"].public_id])).streaming_content
    ).decode()
    assert (
        '"<script>alert(""xss"")</script>"' in body
    )  # CSV is data, not HTML: the text itself, quoted by the csv module
