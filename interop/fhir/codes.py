"""The code systems and value maps of RTR's FHIR export, and the ICD-10-CM code of a stress
fracture by site and side."""

from __future__ import annotations

import uuid

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
