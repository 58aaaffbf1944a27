"""The world of the access and CSRF tests: a clinic's patient with every kind of object, and
the same in another clinic."""

from __future__ import annotations

import pytest

from checkins.models import CheckIn, Flag
from patients.models import CareTeamMember
from rtr.accounts.models import Membership, Role
from tests.checkins.factories import checkin_data
from tests.factories import make_member
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import active_plan, library, make_template


def _objects(clinic, physio, athlete, coach):
    patient = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=patient, by=physio)
    patient.user = athlete
    patient.save()
    CareTeamMember.objects.create(patient=patient, user=coach, role=Role.COACH)
    plan = active_plan(patient=patient, template=library(), by=physio)
    draft = make_template(clinic=clinic, by=physio, publish=False)
    stage = draft.stages.get(order=1)
    checkin = CheckIn.objects.create(patient=patient, date=plan.start_date, **checkin_data())
    flag = Flag.objects.create(
        clinic=clinic,
        patient=patient,
        plan=plan,
        rule_code="night_pain",
        rule_version=1,
        severity="urgent",
        summary="s",
        first_seen_date=plan.start_date,
        last_evidence_date=plan.start_date,
    )
    from django.core.files.base import ContentFile

    from interop.models import BulkExport
    from loads.models import RunImport

    export = BulkExport.objects.create(
        clinic=clinic, requested_by=physio, start=plan.start_date, end=plan.start_date
    )
    run_file = RunImport(
        patient=patient, file_format="gpx", file_bytes=5, sha256="x", status="done"
    )
    run_file.file.save("run", ContentFile(b"<gpx/>"), save=True)
    from patients.models import CareTask

    task = CareTask.objects.create(
        patient=patient, kind="review", due_on=plan.start_date, created_by=physio
    )
    from patients.models import SupportContact

    contact = SupportContact.objects.create(
        patient=patient,
        name="Pat Parent",
        relationship="family",
        email="parent@example.org",
        gets_written_plan=True,
        consent_on=plan.start_date,
        consent_recorded_by=physio,
    )
    return {
        "contact_id": contact.public_id,
        "task_id": task.public_id,
        "export_id": export.public_id,
        "run_file_id": run_file.public_id,
        "patient_id": patient.public_id,
        "injury_id": patient.current_injury.public_id,
        "template_id": draft.public_id,
        "stage_id": stage.public_id,
        "step_id": stage.steps.first().public_id,
        "criterion_id": stage.criteria.first().public_id,
        "plan_id": plan.public_id,
        "flag_id": flag.public_id,
        "checkin_id": checkin.public_id,
        "membership_id": Membership.objects.get(user=physio).public_id,
        "clinic_id": clinic.public_id,
        "token": "not-a-valid-token",
    }


@pytest.fixture
def world(clinic, other_clinic, physio, lead, coach, athlete, outsider, outsider_lead):
    other_athlete = make_member(clinic=clinic, role=Role.ATHLETE)
    theirs = make_patient(clinic=clinic, physio=physio, last_name="Second")
    theirs.user = other_athlete
    theirs.save()
    other_coach = make_member(clinic=other_clinic, role=Role.COACH)
    other_athlete_b = make_member(clinic=other_clinic, role=Role.ATHLETE)
    users = {
        "athlete": athlete,
        "other_athlete": other_athlete,
        "coach": coach,
        "physio": physio,
        "lead": lead,
        "outsider": outsider,
    }
    return users, {
        "own": _objects(clinic, physio, athlete, coach),
        "other": _objects(other_clinic, outsider, other_athlete_b, other_coach),
    }
