"""A patient's record as FHIR resources, validated with `fhir.resources` (R4B models).

Why R4B: `fhir.resources` 7+ ships R5 by default and R4 only as its R4B sub-package. HL7 states
that R4B differs from R4 4.0.1 only in the medication-regulation, evidence and subscription
resources (hl7.org/fhir/R4B/r4b-explanation.html); none of those is used here, so what this
module writes is read by R4 4.0.1 consumers, and the Bundle is labelled with that version.

Mapping (resource: from):
- Patient: the patient; Organization: the clinic; Practitioner: the staff who recorded things.
- Condition: each bone stress injury, coded in ICD-10-CM (M84.3- "stress fracture" by site and
  side, M48.48 for the sacrum) and SNOMED CT 240197007 "Stress fracture (disorder)"; body site
  and side; onset (first symptoms) and diagnosis dates; imaging grades as stages.
- CarePlan: each plan (not drafts) with its stages as activities; Goal: each stage's entry
  criteria, and the return to sport.
- QuestionnaireResponse: each check-in, its answers as reported (an unanswered question is
  absent, never a value).
- Observation (category survey): pain 0-10 (LOINC 72514-3, body site = the injury's site), sleep
  duration (LOINC 93832-4), and under RTR's own code system (no LOINC code with this meaning was
  confirmed): run minutes, run distance, cadence, session RPE.
- DetectedIssue: each warning-sign flag, its evidence Observations and its resolution.
- Provenance: who recorded the injury, the plan, each stage decision and each check-in.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from fhir.resources import R4B as fhir_r4b  # noqa: F401  (imported to fail early when missing)
from fhir.resources.R4B import get_fhir_model_class

if TYPE_CHECKING:
    from checkins.models import CheckIn, Flag
    from patients.models import Injury, Patient
    from protocols.models import Plan
    from rtr.accounts.models import User

FHIR_VERSION = "4.0.1"
MEDIA_TYPE = "application/fhir+json; fhirVersion=4.0"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
PROVENANCE_AGENT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
# RTR's own code systems: one URL per value set, stated here and in the README.
LOCAL = "https://rtr.example.org/fhir/CodeSystem"
LOCAL_OBSERVATION = f"{LOCAL}/observation"
LOCAL_SITE = f"{LOCAL}/bsi-site"
LOCAL_GRADE = f"{LOCAL}/imaging-grade"
LOCAL_RULE = f"{LOCAL}/warning-sign-rule"
LOCAL_ACTION = f"{LOCAL}/flag-action"
LOCAL_CHECKIN = f"{LOCAL}/check-in-item"
NAMESPACE = uuid.UUID("0f5c2f43-6a47-4d8c-9d8e-2f0b1ad3c9a1")

SNOMED_STRESS_FRACTURE = {
    "system": SNOMED,
    "code": "240197007",
    "display": "Stress fracture (disorder)",
}
SNOMED_SIDE = {
    "left": ("7771000", "Left"),
    "right": ("24028007", "Right"),
    "bilateral": ("51440002", "Right and left"),
}
PAIN_LOINC = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
SLEEP_LOINC = {"system": LOINC, "code": "93832-4", "display": "Sleep duration"}
PAIN_FIELDS = {
    "pain_rest": "Pain at rest",
    "pain_during": "Pain during activity",
    "pain_after": "Pain after activity",
    "pain_next_morning": "Pain the next morning",
}
# field: (local code, display, UCUM unit)
LOCAL_MEASURES = {
    "run_minutes": ("run-minutes", "Running time in the session", "min"),
    "run_distance_km": ("run-distance", "Running distance in the session", "km"),
    "cadence": ("cadence", "Running cadence", "/min"),
    "session_rpe": ("session-rpe", "Session rating of perceived exertion (0-10)", "{score}"),
}
# What the check-in asks, in QuestionnaireResponse items (linkId = the field).
CHECKIN_ITEMS = {
    "pain_rest": "Pain at rest (0-10)",
    "pain_next_morning": "Pain this morning (0-10)",
    "pain_during": "Pain during activity (0-10)",
    "pain_after": "Pain after activity (0-10)",
    "focal_tenderness": "Tender spot on the bone",
    "swelling": "Swelling",
    "night_pain": "Pain at night",
    "pain_with_walking": "Pain when walking",
    "groin_pain": "Groin or front-of-hip pain",
    "session_done": "Today's session",
    "run_minutes": "Run minutes",
    "run_distance_km": "Run distance (km)",
    "walk_minutes": "Walk minutes",
    "cross_training_minutes": "Cross-training minutes",
    "strength_done": "Strength work done",
    "session_rpe": "Session effort (RPE 0-10)",
    "cadence": "Cadence (steps/min)",
    "sleep_hours": "Sleep (hours)",
    "sleep_quality": "Sleep quality (1-5)",
    "fatigue": "Fatigue (0-10)",
    "stress": "Stress (0-10)",
    "fuelling_adequate": "Ate enough for training",
    "calcium_vitd_taken": "Calcium / vitamin D taken",
    "menstrual_status": "Menstrual status",
    "confidence": "Confidence to run (0-10)",
    "notes": "Notes",
    "steps": "Steps",
    "resting_hr": "Resting heart rate",
    "hrv_ms": "Heart-rate variability (ms)",
}
CODED_ITEMS = {"focal_tenderness", "swelling", "session_done", "menstrual_status"}
FLAG_SEVERITY = {"urgent": "high", "high": "high", "low": "moderate", "info": "low"}
PLAN_STATUS = {
    "active": "active",
    "paused": "on-hold",
    "completed": "completed",
    "stopped": "revoked",
}


class NotExportable(Exception):
    """The patient's personal data was erased: there is no record to send anywhere."""


def rid(*parts: object) -> str:
    """A stable FHIR id for an RTR row (or a value derived from one)."""
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def ref(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def _instant(moment: datetime) -> str:
    return moment.isoformat()


def _quantity(value: Any, unit: str) -> dict[str, Any]:
    number = float(value) if isinstance(value, Decimal) else value
    return {"value": number, "unit": unit, "system": UCUM, "code": unit}


# --- ICD-10-CM ---------------------------------------------------------------------------------

# site -> (subcategory for left/right/unspecified), from ICD-10-CM M84.3- (stress fracture):
# M84.35- pelvis and femur, M84.36- tibia and fibula, M84.37- ankle, foot and toes, M84.38 other.
_ICD_BY_SITE: dict[str, dict[str, str]] = {
    "femoral_neck_tension": {"right": "M84.351", "left": "M84.352", "": "M84.353"},
    "femoral_neck_compression": {"right": "M84.351", "left": "M84.352", "": "M84.353"},
    "femoral_shaft": {"right": "M84.351", "left": "M84.352", "": "M84.353"},
    "pelvis": {"right": "M84.350", "left": "M84.350", "": "M84.350"},
    "tibia_anterior": {"right": "M84.361", "left": "M84.362", "": "M84.369"},
    "tibia_posteromedial": {"right": "M84.361", "left": "M84.362", "": "M84.369"},
    "fibula": {"right": "M84.363", "left": "M84.364", "": "M84.369"},
    "medial_malleolus": {"right": "M84.371", "left": "M84.372", "": "M84.373"},
}
_FOOT = {"right": "M84.374", "left": "M84.375", "": "M84.376"}
for _site in ("talus", "calcaneus", "navicular", "mt1", "mt2", "mt3", "mt4", "mt5", "sesamoid"):
    _ICD_BY_SITE[_site] = _FOOT
# 7th character A: the diagnosis (initial encounter for fracture), as the Condition records it.
ENCOUNTER = "A"


def icd10cm_code(site: str, side: str) -> str:
    """The ICD-10-CM code of a stress fracture at a site and side (initial encounter)."""
    if site == "sacrum":
        return f"M48.48X{ENCOUNTER}"  # fatigue fracture of vertebra, sacral region
    codes = _ICD_BY_SITE.get(site)
    if codes is None:  # patella and other sites: "stress fracture, other site"
        return f"M84.38X{ENCOUNTER}"
    return codes.get(side if side in ("left", "right") else "", codes[""]) + ENCOUNTER


# --- Building ------------------------------------------------------------------------------------


@dataclass
class Builder:
    """Collects one patient's resources (as dicts) in order; `resources()` validates them."""

    patient: Patient
    base: str = field(default_factory=lambda: settings.SITE_URL + "/fhir")
    items: list[dict[str, Any]] = field(default_factory=list)
    practitioners: dict[int, str] = field(default_factory=dict)
    observations_by_day: dict[date, dict[str, str]] = field(default_factory=dict)
    questionnaire_by_day: dict[date, str] = field(default_factory=dict)

    @property
    def patient_id(self) -> str:
        return str(self.patient.public_id)

    @property
    def subject(self) -> dict[str, str]:
        return ref("Patient", self.patient_id)

    def add(self, resource: dict[str, Any]) -> str:
        self.items.append(resource)
        return str(resource["id"])

    def agent(self, user: User | None) -> dict[str, str] | None:
        """The Patient (when the athlete recorded it) or a Practitioner resource for a user."""
        if user is None:
            return None
        if user.pk == self.patient.user_id:
            return self.subject
        if user.pk not in self.practitioners:
            practitioner_id = str(user.public_id)
            self.practitioners[user.pk] = practitioner_id
            name: dict[str, Any] = {"text": user.get_full_name() or user.email}
            if user.last_name:
                name["family"] = user.last_name
            if user.first_name:
                name["given"] = [user.first_name]
            self.add({"resourceType": "Practitioner", "id": practitioner_id, "name": [name]})
        return ref("Practitioner", self.practitioners[user.pk])

    def provenance(
        self, key: str, targets: list[str], recorded: datetime, who: User | None, activity: str
    ) -> None:
        agent = self.agent(who) or ref("Organization", str(self.patient.clinic.public_id))
        self.add(
            {
                "resourceType": "Provenance",
                "id": rid("provenance", key),
                "target": [{"reference": t} for t in targets],
                "recorded": _instant(recorded),
                "activity": {"text": activity},
                "agent": [
                    {
                        "type": {
                            "coding": [
                                {"system": PROVENANCE_AGENT, "code": "author", "display": "Author"}
                            ]
                        },
                        "who": agent,
                    }
                ],
            }
        )

    def resources(self) -> list[Any]:
        """Every collected resource as a validated R4B model (raises on any invalid one)."""
        return [get_fhir_model_class(r["resourceType"]).model_validate(r) for r in self.items]


def _patient(b: Builder) -> None:
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


def _conditions(b: Builder, injuries: list[Injury], ended: bool) -> dict[int, str]:
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


def _careplans(b: Builder, plans: list[Plan], condition_id: str | None) -> None:
    from protocols.models import PlanStatus

    for plan in plans:
        if plan.status == PlanStatus.DRAFT:
            continue
        plan_id = str(plan.public_id)
        current_order = plan.current_stage.order if plan.current_stage else 0
        stages = list(plan.content.stages.all())
        activities = []
        for stage in stages:
            goal_ids = []
            reached = stage.order < current_order or (
                stage.order == current_order and plan.status != PlanStatus.DRAFT
            )
            for criterion in stage.criteria.all():
                goal_id = str(criterion.public_id)
                goal: dict[str, Any] = {
                    "resourceType": "Goal",
                    "id": goal_id,
                    "lifecycleStatus": "completed" if reached else "active",
                    "description": {"text": f"Entry to {stage.name}: {criterion.text}"},
                    "subject": b.subject,
                }
                if reached:
                    goal["achievementStatus"] = {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                                "code": "achieved",
                            }
                        ]
                    }
                if criterion.requirement:
                    goal["note"] = [{"text": f"Requirement: {criterion.requirement}"}]
                if condition_id:
                    goal["addresses"] = [ref("Condition", condition_id)]
                goal_ids.append(b.add(goal))
            if stage.order < current_order or (
                stage.order == current_order and plan.status == PlanStatus.COMPLETED
            ):
                status = "completed"
            elif stage.order == current_order:
                status = {"active": "in-progress", "paused": "on-hold", "stopped": "stopped"}[
                    plan.status
                ]
            else:
                status = "cancelled" if plan.status == PlanStatus.STOPPED else "not-started"
            detail: dict[str, Any] = {
                "code": {"text": f"Stage {stage.order}: {stage.name}"},
                "status": status,
            }
            if stage.goals:
                detail["description"] = stage.goals
            if goal_ids:
                detail["goal"] = [ref("Goal", g) for g in goal_ids]
            activities.append({"detail": detail})
        graduated = plan.status == PlanStatus.COMPLETED
        rts_goal: dict[str, Any] = {
            "resourceType": "Goal",
            "id": rid("rts-goal", plan_id),
            "lifecycleStatus": "completed"
            if graduated
            else ("cancelled" if plan.status == PlanStatus.STOPPED else "active"),
            "description": {"text": "Return to sport"},
            "subject": b.subject,
        }
        if graduated:
            rts_goal["achievementStatus"] = {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                        "code": "achieved",
                    }
                ]
            }
        if condition_id:
            rts_goal["addresses"] = [ref("Condition", condition_id)]
        b.add(rts_goal)
        careplan: dict[str, Any] = {
            "resourceType": "CarePlan",
            "id": plan_id,
            "status": PLAN_STATUS.get(plan.status, "unknown"),
            "intent": "plan",
            "title": str(plan.content),
            "subject": b.subject,
            "period": {"start": plan.start_date.isoformat()},
            "goal": [ref("Goal", rts_goal["id"])],
            "activity": activities,
        }
        if condition_id:
            careplan["addresses"] = [ref("Condition", condition_id)]
        b.add(careplan)
        b.provenance(
            f"plan:{plan_id}",
            [f"CarePlan/{plan_id}"],
            plan.created_at,
            plan.created_by,
            "Plan assigned",
        )
        for decision in plan.decisions.all():
            b.provenance(
                f"decision:{decision.public_id}",
                [f"CarePlan/{plan_id}"],
                decision.decided_at,
                decision.decided_by,
                f"Stage decision: {decision.get_kind_display()}",
            )


def _answer(checkin: CheckIn, name: str, value: Any) -> dict[str, Any]:
    if name in CODED_ITEMS:
        display = getattr(checkin, f"get_{name}_display")()
        return {
            "valueCoding": {
                "system": LOCAL_CHECKIN + "/" + name.replace("_", "-"),
                "code": value,
                "display": str(display),
            }
        }
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, Decimal):
        return {"valueDecimal": float(value)}
    if isinstance(value, int):
        return {"valueInteger": value}
    return {"valueString": str(value)}


def _checkins(b: Builder, checkins: list[CheckIn], site: dict[str, Any] | None) -> None:
    for checkin in checkins:
        qr_id = str(checkin.public_id)
        items = []
        for name, text in CHECKIN_ITEMS.items():
            value = getattr(checkin, name)
            if value is None or value == "":  # not reported: absent, never a value
                continue
            items.append({"linkId": name, "text": text, "answer": [_answer(checkin, name, value)]})
        author = b.agent(checkin.submitted_by) or b.subject
        b.add(
            {
                "resourceType": "QuestionnaireResponse",
                "id": qr_id,
                "status": "amended" if checkin.edited_at else "completed",
                "subject": b.subject,
                "authored": _instant(checkin.submitted_at),
                "author": author,
                "source": b.subject,
                "item": items,
            }
        )
        b.questionnaire_by_day[checkin.date] = qr_id
        day_obs: dict[str, str] = {}
        targets = [f"QuestionnaireResponse/{qr_id}"]

        def observation(
            name: str,
            code: dict[str, Any],
            value: dict[str, Any],
            *,
            with_site: bool = False,
            checkin: CheckIn = checkin,
            qr_id: str = qr_id,
            day_obs: dict[str, str] = day_obs,
            targets: list[str] = targets,
        ) -> None:
            obs_id = rid("observation", checkin.public_id, name)
            resource: dict[str, Any] = {
                "resourceType": "Observation",
                "id": obs_id,
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}
                        ]
                    }
                ],
                "code": code,
                "subject": b.subject,
                "effectiveDateTime": checkin.date.isoformat(),
                "issued": _instant(checkin.submitted_at),
                "performer": [b.subject],
                "valueQuantity": value,
                "derivedFrom": [ref("QuestionnaireResponse", qr_id)],
            }
            if with_site and site is not None:
                resource["bodySite"] = site
            b.add(resource)
            day_obs[name] = obs_id
            targets.append(f"Observation/{obs_id}")

        for name, label in PAIN_FIELDS.items():
            value = getattr(checkin, name)
            if value is None:
                continue
            observation(
                name,
                {
                    "coding": [
                        PAIN_LOINC,
                        {
                            "system": LOCAL_OBSERVATION,
                            "code": name.replace("_", "-"),
                            "display": label,
                        },
                    ],
                    "text": f"{label} (0-10)",
                },
                _quantity(value, "{score}"),
                with_site=True,
            )
        if checkin.sleep_hours is not None:
            observation(
                "sleep_hours",
                {"coding": [SLEEP_LOINC], "text": "Sleep duration"},
                _quantity(checkin.sleep_hours, "h"),
            )
        for name, (code, display, unit) in LOCAL_MEASURES.items():
            value = getattr(checkin, name)
            if value is None or (name == "run_minutes" and not checkin.did_session):
                continue
            observation(
                name,
                {
                    "coding": [{"system": LOCAL_OBSERVATION, "code": code, "display": display}],
                    "text": display,
                },
                _quantity(value, unit),
            )
        b.observations_by_day[checkin.date] = day_obs
        b.provenance(
            f"checkin:{qr_id}",
            targets,
            checkin.submitted_at,
            checkin.submitted_by,
            "Daily check-in",
        )


def _detected_issues(b: Builder, flags: list[Flag]) -> None:
    from checkins.models import FlagAction
    from checkins.warning_signs.rules import RULES

    for flag in flags:
        rule = RULES.get(flag.rule_code)
        title = rule.title if rule else flag.rule_code
        evidence_refs: list[dict[str, str]] = []
        for entry in flag.evidence or []:
            try:
                day = date.fromisoformat(str(entry.get("date")))
            except ValueError:
                continue
            observed = b.observations_by_day.get(day, {})
            named = [observed[k] for k in entry if k in observed]
            if named:
                evidence_refs += [ref("Observation", o) for o in named]
            elif day in b.questionnaire_by_day:
                evidence_refs.append(ref("QuestionnaireResponse", b.questionnaire_by_day[day]))
        issue: dict[str, Any] = {
            "resourceType": "DetectedIssue",
            "id": str(flag.public_id),
            "status": "final" if not flag.is_open else "preliminary",
            "code": {
                "coding": [{"system": LOCAL_RULE, "code": flag.rule_code, "display": title}],
                "text": title,
            },
            "severity": FLAG_SEVERITY.get(flag.severity, "moderate"),
            "patient": b.subject,
            "identifiedDateTime": _instant(flag.opened_at),
            "detail": flag.summary,
        }
        if flag.plan_id is not None and flag.plan is not None and flag.plan.status != "draft":
            issue["implicated"] = [ref("CarePlan", str(flag.plan.public_id))]
        if evidence_refs:
            unique = list({r["reference"]: r for r in evidence_refs}.values())
            issue["evidence"] = [{"detail": unique}]
        if flag.status in ("resolved", "dismissed"):
            action = flag.action or ("dismissed" if flag.status == "dismissed" else "no_action")
            label = str(FlagAction(action).label) if action in FlagAction.values else "Dismissed"
            mitigation: dict[str, Any] = {
                "action": {
                    "coding": [{"system": LOCAL_ACTION, "code": action, "display": label}],
                    "text": label,
                }
            }
            if flag.resolved_at:
                mitigation["date"] = _instant(flag.resolved_at)
            author = b.agent(flag.resolved_by)
            if author:
                mitigation["author"] = author
            issue["mitigation"] = [mitigation]
        b.add(issue)


def patient_resources(
    patient: Patient, *, start: date | None = None, end: date | None = None
) -> list[Any]:
    """Every FHIR resource of one patient, validated (the order of a Bundle's entries).

    With a range (the bulk export), only the check-ins and flags of those days.
    """
    from checkins.models import CheckIn, Flag
    from patients.models import Injury
    from protocols.models import Plan, PlanStatus

    if patient.erased_at is not None:
        raise NotExportable
    b = Builder(patient=patient)
    _patient(b)
    injuries = list(
        Injury.objects.filter(patient=patient)
        .select_related("created_by")
        .prefetch_related("imaging")
        .order_by("diagnosed_on", "pk")
    )
    plans = list(
        Plan.objects.filter(patient=patient)
        .select_related("content", "current_stage", "created_by")
        .prefetch_related("content__stages__criteria", "decisions__decided_by")
        .order_by("created_at", "pk")
    )
    ended = any(p.status == PlanStatus.COMPLETED for p in plans) and not any(
        p.status in ("active", "paused") for p in plans
    )
    condition_ids = _conditions(b, injuries, ended)
    current = next((i for i in injuries if i.is_current), injuries[-1] if injuries else None)
    _careplans(b, plans, condition_ids.get(current.pk) if current else None)
    checkin_rows = CheckIn.objects.filter(patient=patient)
    flag_rows = Flag.objects.filter(patient=patient)
    if start is not None and end is not None:
        checkin_rows = checkin_rows.filter(date__range=(start, end))
        flag_rows = flag_rows.filter(first_seen_date__range=(start, end))
    checkins = list(checkin_rows.select_related("submitted_by").order_by("date"))
    _checkins(b, checkins, body_site(current) if current else None)
    _detected_issues(
        b,
        list(flag_rows.select_related("plan", "resolved_by").order_by("opened_at", "pk")),
    )
    return b.resources()


def patient_bundle(patient: Patient) -> Any:
    """The patient's record as one validated FHIR Bundle (type collection)."""
    from django.utils import timezone
    from fhir.resources.R4B.bundle import Bundle

    base = settings.SITE_URL + "/fhir"
    resources = patient_resources(patient)
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": rid("bundle", patient.public_id, timezone.now().isoformat()),
            "meta": {
                "tag": [
                    {
                        "system": "http://hl7.org/fhir/FHIR-version",
                        "code": FHIR_VERSION,
                        "display": f"FHIR R4 {FHIR_VERSION}",
                    }
                ]
            },
            "type": "collection",
            "timestamp": timezone.now().isoformat(),
            "entry": [
                {
                    "fullUrl": f"{base}/{r.get_resource_type()}/{r.id}",
                    "resource": r,
                }
                for r in resources
            ],
        }
    )


def bundle_json(patient: Patient) -> str:
    return str(patient_bundle(patient).model_dump_json())


def ndjson_lines(resources: list[Any]) -> Iterator[tuple[str, str, str]]:
    """(resource type, id, one NDJSON line) per resource."""
    for resource in resources:
        yield (
            resource.get_resource_type(),
            str(resource.id),
            json.dumps(json.loads(resource.model_dump_json()), separators=(",", ":")),
        )
