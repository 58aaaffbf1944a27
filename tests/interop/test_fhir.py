"""The FHIR export: the demo athlete's Bundle validates, holds every record with its codes, and
nothing of another patient; erased patients and the wrong roles get nothing."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from checkins.models import CheckIn, Flag
from interop.fhir.bundle import NotExportable, patient_resources
from interop.fhir.codes import FLAG_SEVERITY, ICD10CM, SNOMED, icd10cm_code
from patients import erasure
from patients.models import Patient
from protocols.models import Plan
from rtr.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("demo_data", verbosity=0)
    return User.objects.get(email="lead@demo.rtr"), Patient.objects.get(
        user__email="athlete@demo.rtr"
    )


def _bundle(client, patient) -> tuple[Bundle, dict]:
    response = client.get(reverse("interop:patient_fhir", args=[patient.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert "fhirVersion=4.0" in response["Content-Type"]
    assert response["Cache-Control"] == "no-store, private"
    return Bundle.model_validate_json(response.content), json.loads(response.content)


def _of(raw: dict, resource_type: str) -> list[dict]:
    return [e["resource"] for e in raw["entry"] if e["resource"]["resourceType"] == resource_type]


def test_the_demo_athletes_bundle_parses_back_with_every_record_and_its_codes(client, demo):
    lead, alex = demo
    client.force_login(lead)
    bundle, raw = _bundle(client, alex)  # model_validate_json raises on any validation error

    assert bundle.type == "collection"
    assert raw["meta"]["tag"][0]["code"] == "4.0.1"
    # Every resource parses back through its own R4B model too.
    for entry in raw["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    patients = _of(raw, "Patient")
    assert [p["id"] for p in patients] == [str(alex.public_id)]
    assert patients[0]["name"][0]["family"] == alex.last_name

    injuries = list(alex.injuries.all())
    conditions = {c["id"]: c for c in _of(raw, "Condition")}
    assert set(conditions) == {str(i.public_id) for i in injuries}
    for injury in injuries:
        codes = {
            (c["system"], c["code"]) for c in conditions[str(injury.public_id)]["code"]["coding"]
        }
        assert (SNOMED, "240197007") in codes
        icd = [code for system, code in codes if system == ICD10CM]
        assert icd and icd[0].startswith("M84.3")
        condition = conditions[str(injury.public_id)]
        assert condition["onsetDateTime"] == injury.first_symptoms_on.isoformat()
        assert condition["recordedDate"] == injury.diagnosed_on.isoformat()
        assert condition["bodySite"][0]["coding"][0]["code"] == injury.site
        if injury.fredericson_grade:
            assert condition["stage"][0]["summary"]["coding"][0]["code"] == injury.fredericson_grade

    checkins = list(CheckIn.objects.filter(patient=alex))
    assert checkins
    responses = {q["id"] for q in _of(raw, "QuestionnaireResponse")}
    assert responses == {str(c.public_id) for c in checkins}
    observations = _of(raw, "Observation")
    pain = [o for o in observations if o["code"]["coding"][0]["code"] == "72514-3"]
    assert len(checkins) * 2 <= len(pain)  # rest and morning pain at least, daily
    assert all(o["bodySite"]["coding"][0]["code"] == injuries[0].site for o in pain)
    sleep = [o for o in observations if o["code"]["coding"][0]["code"] == "93832-4"]
    assert len(sleep) == sum(1 for c in checkins if c.sleep_hours is not None)
    assert all(o["valueQuantity"]["code"] == "h" for o in sleep)

    plans = [p for p in Plan.objects.filter(patient=alex) if p.status != "draft"]
    careplans = {c["id"]: c for c in _of(raw, "CarePlan")}
    assert set(careplans) == {str(p.public_id) for p in plans}
    for plan in plans:
        stages = list(plan.content.stages.all())
        activities = careplans[str(plan.public_id)]["activity"]
        assert [a["detail"]["code"]["text"] for a in activities] == [
            f"Stage {s.order}: {s.name}" for s in stages
        ]
    goals = _of(raw, "Goal")
    assert any(g["description"]["text"] == "Return to sport" for g in goals)
    assert any(g["description"]["text"].startswith("Entry to ") for g in goals)

    flags = list(Flag.objects.filter(patient=alex))
    assert flags
    issues = {d["id"]: d for d in _of(raw, "DetectedIssue")}
    assert set(issues) == {str(f.public_id) for f in flags}
    ids = {e["resource"]["id"] for e in raw["entry"]}
    for flag in flags:
        issue = issues[str(flag.public_id)]
        assert issue["severity"] == FLAG_SEVERITY[flag.severity]
        assert issue["code"]["coding"][0]["code"] == flag.rule_code
        for evidence in issue.get("evidence", []):
            for detail in evidence["detail"]:
                assert detail["reference"].split("/")[1] in ids  # evidence is in the bundle
    assert Counter(p["resourceType"] for p in _of(raw, "Provenance")) == Counter(
        {
            "Provenance": len(checkins)
            + len(injuries)
            + len(plans)
            + sum(p.decisions.count() for p in plans)
        }
    )


def test_nothing_of_another_patient_is_in_the_bundle(client, demo):
    lead, alex = demo
    client.force_login(lead)
    _unused, raw = _bundle(client, alex)
    text = json.dumps(raw)
    for other in Patient.objects.filter(clinic=alex.clinic).exclude(pk=alex.pk):
        assert str(other.public_id) not in text
        assert other.contact_email not in text
        for checkin in other.checkins.all():
            assert str(checkin.public_id) not in text
        for flag in other.flags.all():
            assert str(flag.public_id) not in text
    references = {
        value
        for entry in raw["entry"]
        for value in _references(entry["resource"])
        if value.startswith("Patient/")
    }
    assert references == {f"Patient/{alex.public_id}"}


def _references(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference":
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def test_not_reported_answers_are_absent_not_values(client, demo):
    lead, alex = demo
    checkin = CheckIn.objects.filter(patient=alex).first()
    CheckIn.objects.filter(pk=checkin.pk).update(sleep_hours=None, fatigue=None, confidence=None)
    client.force_login(lead)
    _b, raw = _bundle(client, alex)
    response = next(
        q for q in _of(raw, "QuestionnaireResponse") if q["id"] == str(checkin.public_id)
    )
    asked = {item["linkId"] for item in response["item"]}
    assert {"sleep_hours", "fatigue", "confidence"}.isdisjoint(asked)
    assert "pain_rest" in asked
    assert not [
        o
        for o in _of(raw, "Observation")
        if o["effectiveDateTime"] == checkin.date.isoformat()
        and o["code"]["coding"][0]["code"] == "93832-4"
    ]


def test_the_athlete_exports_their_own_record_only(demo):
    _lead, alex = demo
    client = Client()
    client.force_login(alex.user)
    response = client.get(reverse("interop:my_fhir"))
    assert response.status_code == 200
    raw = json.loads(response.content)
    assert [p["id"] for p in _of(raw, "Patient")] == [str(alex.public_id)]
    # the staff URL is refused to an athlete, even for their own record
    assert client.get(reverse("interop:patient_fhir", args=[alex.public_id])).status_code == 403


def test_erased_patients_cannot_be_exported(client, demo):
    lead, alex = demo
    athlete = alex.user
    erasure.patient_erase(patient=alex, by=lead)
    client.force_login(lead)
    response = client.get(reverse("interop:patient_fhir", args=[alex.public_id]))
    assert response.status_code == 403
    assert "erased" in response.content.decode()
    alex.refresh_from_db()
    with pytest.raises(NotExportable):
        patient_resources(alex)
    athlete.refresh_from_db()
    assert not athlete.is_active  # and the athlete's own account is closed


@pytest.mark.parametrize("role", ["physio@demo.rtr", "coach@demo.rtr"])
def test_physio_and_coach_cannot_export(demo, role):
    _lead, alex = demo
    client = Client()
    client.force_login(User.objects.get(email=role))
    assert client.get(reverse("interop:patient_fhir", args=[alex.public_id])).status_code == 403
    for name in ("interop:exports", "interop:outcomes"):
        assert client.get(reverse(name)).status_code == 403
    assert (
        client.post(
            reverse("interop:bulk_request"), {"start": "2026-01-01", "end": "2026-01-31"}
        ).status_code
        == 403
    )
    assert client.post(reverse("interop:research_download")).status_code == 403


def test_another_clinics_lead_gets_404(demo):
    _lead, alex = demo
    client = Client()
    client.force_login(User.objects.get(email="lead@harbour.rtr"))
    assert client.get(reverse("interop:patient_fhir", args=[alex.public_id])).status_code == 404


def test_the_export_is_audited(client, demo):
    from auditlog.models import LogEntry

    lead, alex = demo
    client.force_login(lead)
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=lead).count()
    _bundle(client, alex)
    assert (
        LogEntry.objects.filter(
            action=LogEntry.Action.ACCESS, actor=lead, object_pk=str(alex.pk)
        ).count()
        == before + 1
    )


def test_icd10cm_codes_by_site_and_side():
    assert icd10cm_code("tibia_posteromedial", "right") == "M84.361A"
    assert icd10cm_code("tibia_anterior", "left") == "M84.362A"
    assert icd10cm_code("fibula", "left") == "M84.364A"
    assert icd10cm_code("femoral_neck_tension", "right") == "M84.351A"
    assert icd10cm_code("pelvis", "left") == "M84.350A"
    assert icd10cm_code("mt2", "right") == "M84.374A"
    assert icd10cm_code("navicular", "bilateral") == "M84.376A"
    assert icd10cm_code("sacrum", "left") == "M48.48XA"
    assert icd10cm_code("patella", "left") == "M84.38XA"


def test_the_athletes_account_page_links_to_their_record(demo):
    _lead, alex = demo
    client = Client()
    client.force_login(alex.user)
    assert reverse("interop:my_fhir") in client.get(reverse("account")).content.decode()
