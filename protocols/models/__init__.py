"""Protocols' models, one module for each thing a reader looks for:

- `templates`: protocol templates, versioned in families, the shared library and the clinic's own;
- `stages`: a template's stages, their entry criteria and session steps;
- `plans`: a patient's plan (a private copy of a template version) and its session days;
- `decisions`: the stage decisions and specialists' sign-offs recorded on a plan.

Every model is imported here so that Django finds them all under the `protocols` app.
"""

from __future__ import annotations

from .decisions import DecisionKind, SpecialistSignOff, StageDecision
from .plans import (
    OPEN_PLAN_STATUSES,
    Plan,
    PlanQuerySet,
    PlanStatus,
    SessionLog,
    SessionOutcome,
    StagePosition,
)
from .stages import (
    Comparator,
    ContentQuerySet,
    CriterionKind,
    EntryCriterion,
    Measure,
    SessionStep,
    Stage,
    StageQuerySet,
    StepKind,
    StepQuerySet,
    Trigger,
)
from .templates import ProtocolTemplate, TemplateQuerySet, TemplateStatus

__all__ = [
    "OPEN_PLAN_STATUSES",
    "Comparator",
    "ContentQuerySet",
    "CriterionKind",
    "DecisionKind",
    "EntryCriterion",
    "Measure",
    "Plan",
    "PlanQuerySet",
    "PlanStatus",
    "ProtocolTemplate",
    "SessionLog",
    "SessionOutcome",
    "SessionStep",
    "SpecialistSignOff",
    "Stage",
    "StageDecision",
    "StagePosition",
    "StageQuerySet",
    "StepKind",
    "StepQuerySet",
    "TemplateQuerySet",
    "TemplateStatus",
    "Trigger",
]
