"""A patient's plans in their export and erasure (registered in patients/records.py).

The export holds each plan, its own copy of the stages, entry criteria and session steps (the
plan's content), the stage decisions, session logs and specialist sign-offs. Erasure blanks
every free-text reason and stops a plan still running: an erased patient is no one's caseload.
"""

from __future__ import annotations

from patients.models import Patient
from patients.records import ERASED_TEXT, ExportRows, export_rows, register_records

from .models import (
    EntryCriterion,
    Plan,
    PlanStatus,
    ProtocolTemplate,
    SessionLog,
    SessionStep,
    SpecialistSignOff,
    Stage,
    StageDecision,
)

PLAN_MODELS = (
    "protocols.plan",
    "protocols.stagedecision",
    "protocols.sessionlog",
    "protocols.specialistsignoff",
)


def plan_records_export(patient: Patient) -> dict[str, ExportRows]:
    plans = Plan.objects.filter(patient=patient)
    contents = ProtocolTemplate.objects.filter(plan__patient=patient)
    return {
        "plans": export_rows(plans),
        "plan_contents": export_rows(contents),
        "plan_stages": export_rows(Stage.objects.filter(template__in=contents)),
        "plan_entry_criteria": export_rows(
            EntryCriterion.objects.filter(stage__template__in=contents)
        ),
        "plan_session_steps": export_rows(SessionStep.objects.filter(stage__template__in=contents)),
        "stage_decisions": export_rows(StageDecision.objects.filter(plan__in=plans)),
        "session_logs": export_rows(SessionLog.objects.filter(plan__in=plans)),
        "specialist_signoffs": export_rows(SpecialistSignOff.objects.filter(plan__in=plans)),
    }


def plan_records_erase(patient: Patient) -> None:
    plans = Plan.objects.filter(patient=patient)
    plans.update(eligibility_override_reason="")
    plans.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.PAUSED]).update(
        status=PlanStatus.STOPPED
    )
    StageDecision.objects.filter(plan__patient=patient).update(
        rationale=ERASED_TEXT, override_reason=""
    )
    SpecialistSignOff.objects.filter(plan__patient=patient).update(note="")


def register_patient_records() -> None:
    register_records(
        "protocols",
        order=20,
        export=plan_records_export,
        erase=plan_records_erase,
        models=PLAN_MODELS,
    )
