"""The patients app's models, one module for each thing a reader looks for:

- `registry`: patients, their bone stress injuries, imaging, prior injuries, bone-health
  screens, care teams and athlete invitations;
- `care`: the care team's coordination: review dates and tasks, the physio–coach timeline,
  support contacts.

Every model is imported here so that Django finds them all under the `patients` app.
"""

from __future__ import annotations

from .care import (
    CareTask,
    CareTaskQuerySet,
    SupportContact,
    SupportRelationship,
    TaskKind,
    TeamMessage,
)
from .registry import (
    AthleteInvitation,
    CareTeamMember,
    ImagingEntry,
    Injury,
    InjuryQuerySet,
    InvitationQuerySet,
    Patient,
    PatientQuerySet,
    PatientStatus,
    PriorInjury,
    Sex,
    TriadScreen,
)

__all__ = [
    "AthleteInvitation",
    "CareTask",
    "CareTaskQuerySet",
    "CareTeamMember",
    "ImagingEntry",
    "Injury",
    "InjuryQuerySet",
    "InvitationQuerySet",
    "Patient",
    "PatientQuerySet",
    "PatientStatus",
    "PriorInjury",
    "Sex",
    "SupportContact",
    "SupportRelationship",
    "TaskKind",
    "TeamMessage",
    "TriadScreen",
]
