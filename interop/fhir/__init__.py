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

Modules: `codes` (code systems, value maps, ICD-10-CM), `builder` (ids, references and the
Builder that collects and validates), one per kind of resource (`patient`: Patient,
Organization and Condition; `careplan`: CarePlan and Goal; `observations`:
QuestionnaireResponse and Observation; `issues`: DetectedIssue), and `bundle`, which puts a
patient's resources together (a Bundle, or NDJSON lines for the bulk export).
"""
