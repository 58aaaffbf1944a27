"""The patient, their clinic and their bone stress injuries: Patient, Organization and
Condition resources."""

from __future__ import annotations

from typing import Any

from patients.models import Injury

from .builder import Builder, ref
from .codes import (
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    ICD10CM,
    LOCAL_GRADE,
    LOCAL_SITE,
    SNOMED,
    SNOMED_SIDE,
    SNOMED_STRESS_FRACTURE,
    icd10cm_code,
)


def add_patient(b: Builder) -> None:
    p = b.patient
    clinic = p.clinic
    b.add(
        {
            "resourceType": "Organization",
            "id": str(clinic.public_id),
            "name": clinic.name,
            "active": True,
        }
    )
    b.add(
        {
            "resourceType": "Patient",
            "id": b.patient_id,
            "identifier": [{"system": f"{b.base}/patient-id", "value": b.patient_id}],
            "active": p.status != "discharged",
            "name": [{"use": "official", "family": p.last_name, "given": [p.first_name]}],
            "telecom": [{"system": "email", "value": p.contact_email}],
            "gender": {"female": "female", "male": "male"}.get(p.sex, "unknown"),
            "birthDate": p.date_of_birth.isoformat(),
            "managingOrganization": ref("Organization", str(clinic.public_id)),
        }
    )


def body_site(injury: Injury) -> dict[str, Any]:
    side_code, side_display = SNOMED_SIDE[injury.side]
    return {
        "coding": [
            {"system": LOCAL_SITE, "code": injury.site, "display": injury.get_site_display()},
            {"system": SNOMED, "code": side_code, "display": side_display},
        ],
        "text": f"{injury.get_site_display()}, {injury.get_side_display().lower()}",
    }


def add_conditions(b: Builder, injuries: list[Injury], ended: bool) -> dict[int, str]:
    ids: dict[int, str] = {}
    for injury in injuries:
        stages = []
        for system, label, value, display in (
            (
                "fredericson",
                "Fredericson MRI grade",
                injury.fredericson_grade,
                injury.get_fredericson_grade_display(),
            ),
            (
                "arendt",
                "Arendt / Nattiv MRI grade",
                injury.arendt_grade,
                injury.get_arendt_grade_display(),
            ),
            (
                "kaeding-miller",
                "Kaeding-Miller grade",
                injury.kaeding_miller_grade,
                injury.get_kaeding_miller_grade_display(),
            ),
        ):
            if value:
                stages.append(
                    {
                        "summary": {
                            "coding": [
                                {
                                    "system": f"{LOCAL_GRADE}/{system}",
                                    "code": value,
                                    "display": display,
                                }
                            ],
                            "text": f"{label} {display}",
                        },
                        "type": {"text": label},
                    }
                )
        resolved = not injury.is_current or ended
        condition: dict[str, Any] = {
            "resourceType": "Condition",
            "id": str(injury.public_id),
            "clinicalStatus": {
                "coding": [
                    {"system": CONDITION_CLINICAL, "code": "resolved" if resolved else "active"}
                ]
            },
            "verificationStatus": {
                "coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]
            },
            "category": [
                {"coding": [{"system": CONDITION_CATEGORY, "code": "encounter-diagnosis"}]}
            ],
            "code": {
                "coding": [
                    {"system": ICD10CM, "code": icd10cm_code(injury.site, injury.side)},
                    SNOMED_STRESS_FRACTURE,
                ],
                "text": f"Bone stress injury: {body_site(injury)['text']}",
            },
            "bodySite": [body_site(injury)],
            "subject": b.subject,
            "onsetDateTime": injury.first_symptoms_on.isoformat(),
            "recordedDate": injury.diagnosed_on.isoformat(),
            "extension": [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/condition-assertedDate",
                    "valueDateTime": injury.diagnosed_on.isoformat(),
                }
            ],
        }
        if stages:
            condition["stage"] = stages
        imaging = [
            f"{entry.get_modality_display()} {entry.taken_on.isoformat()}"
            + (f": {entry.grade}" if entry.grade else "")
            + (f" ({entry.note})" if entry.note else "")
            for entry in injury.imaging.all()
        ]
        if imaging:
            condition["note"] = [{"text": "Imaging: " + "; ".join(imaging)}]
        ids[injury.pk] = b.add(condition)
        b.provenance(
            f"injury:{injury.public_id}",
            [f"Condition/{injury.public_id}"],
            injury.created_at,
            injury.created_by,
            "Injury registered",
        )
    return ids
