"""Demo caseload: 25 patients across sites, risk categories and statuses (idempotent)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from rtr.accounts.demo import DEMO_CLINIC, OTHER_CLINIC
from rtr.accounts.models import Clinic, Role, User

from . import services
from .bsi import MetatarsalZone, Site
from .models import (
    CareTask,
    CareTeamMember,
    Patient,
    PatientStatus,
    SupportContact,
    SupportRelationship,
    TaskKind,
    TeamMessage,
)

# first, last, sex, born, sport/discipline, site, zone, side, grades (fred, arendt, km), status, physio, athlete e-mail
CASELOAD: list[
    tuple[str, str, str, date, str, str, str, str, tuple[str, str, str], str, str, str]
] = [
    (
        "Alex",
        "Runner",
        "female",
        date(1999, 4, 12),
        "800 m",
        Site.TIBIA_POSTEROMEDIAL,
        "",
        "left",
        ("3", "3", "II"),
        "active",
        "physio@demo.rtr",
        "athlete@demo.rtr",
    ),
    (
        "Sam",
        "Strider",
        "male",
        date(1994, 9, 2),
        "marathon",
        Site.MT3,
        MetatarsalZone.SHAFT,
        "right",
        ("", "2", "II"),
        "active",
        "physio@demo.rtr",
        "athlete2@demo.rtr",
    ),
    (
        "Jo",
        "Miles",
        "female",
        date(2003, 1, 23),
        "cross-country",
        Site.NAVICULAR,
        "",
        "right",
        ("4b", "4", "III"),
        "active",
        "physio2@demo.rtr",
        "athlete3@demo.rtr",
    ),
    (
        "Maya",
        "Okoro",
        "female",
        date(2001, 6, 30),
        "10 000 m",
        Site.FEMORAL_NECK_COMPRESSION,
        "",
        "left",
        ("3", "3", "II"),
        "active",
        "physio@demo.rtr",
        "",
    ),
    (
        "Liam",
        "Byrne",
        "male",
        date(1990, 11, 5),
        "trail",
        Site.FIBULA,
        "",
        "right",
        ("2", "2", "II"),
        "active",
        "physio2@demo.rtr",
        "",
    ),
    (
        "Chloe",
        "Martin",
        "female",
        date(2006, 3, 14),
        "1500 m",
        Site.SACRUM,
        "",
        "bilateral",
        ("3", "3", "II"),
        "active",
        "physio@demo.rtr",
        "",
    ),
    (
        "Noah",
        "Ahmed",
        "male",
        date(1997, 8, 21),
        "half marathon",
        Site.MT2,
        MetatarsalZone.BASE,
        "left",
        ("", "3", "II"),
        "active",
        "physio2@demo.rtr",
        "",
    ),
    (
        "Emma",
        "Novak",
        "female",
        date(1995, 2, 9),
        "marathon",
        Site.PELVIS,
        "",
        "right",
        ("2", "2", "II"),
        "active",
        "physio@demo.rtr",
        "",
    ),
    (
        "Oliver",
        "Singh",
        "male",
        date(2000, 12, 1),
        "5000 m",
        Site.TIBIA_ANTERIOR,
        "",
        "left",
        ("4b", "4", "III"),
        "active",
        "physio2@demo.rtr",
        "",
    ),
    (
        "Ava",
        "Kowalski",
        "female",
        date(2004, 7, 17),
        "steeplechase",
        Site.CALCANEUS,
        "",
        "right",
        ("", "2", "II"),
        "active",
        "physio@demo.rtr",
        "",
    ),
    (
        "Ethan",
        "Brown",
        "male",
        date(1988, 5, 28),
        "ultra",
        Site.MT5,
        MetatarsalZone.PROXIMAL_DIAPHYSIS,
        "left",
        ("", "4", "III"),
        "active",
        "physio2@demo.rtr",
        "",
    ),
    (
        "Isla",
        "Fraser",
        "female",
        date(2002, 10, 3),
        "400 m",
        Site.FEMORAL_SHAFT,
        "",
        "right",
        ("2", "2", "II"),
        "active",
        "physio@demo.rtr",
        "",
    ),
    (
        "Lucas",
        "Moreau",
        "male",
        date(1993, 1, 19),
        "marathon",
        Site.TIBIA_POSTEROMEDIAL,
        "",
        "right",
        ("2", "2", "II"),
        "active",
        "physio2@demo.rtr",
        "",
    ),
    (
        "Grace",
        "Kim",
        "female",
        date(1998, 4, 4),
        "10 km road",
        Site.MT4,
        MetatarsalZone.NECK,
        "left",
        ("", "1", "II"),
        "active",
        "physio@demo.rtr",
        "",
    ),
    (
        "Finn",
        "Larsen",
        "male",
        date(2005, 9, 25),
        "orienteering",
        Site.TALUS,
        "",
        "right",
        ("3", "3", "II"),
        "active",
        "physio2@demo.rtr",
        "",
    ),
    (
        "Zoe",
        "Ricci",
        "female",
        date(1996, 12, 12),
        "triathlon",
        Site.SESAMOID,
        "",
        "left",
        ("", "3", "II"),
        "paused",
        "physio@demo.rtr",
        "",
    ),
    (
        "Jack",
        "Evans",
        "male",
        date(1991, 3, 8),
        "fell running",
        Site.MEDIAL_MALLEOLUS,
        "",
        "right",
        ("3", "3", "II"),
        "paused",
        "physio2@demo.rtr",
        "",
    ),
    (
        "Mia",
        "Schmidt",
        "female",
        date(2007, 6, 6),
        "800 m",
        Site.TIBIA_POSTEROMEDIAL,
        "",
        "bilateral",
        ("4a", "3", "II"),
        "active",
        "physio@demo.rtr",
        "",
    ),
    (
        "Leo",
        "Dubois",
        "male",
        date(1999, 2, 27),
        "marathon",
        Site.MT2,
        MetatarsalZone.SHAFT,
        "right",
        ("", "2", "II"),
        "active",
        "physio2@demo.rtr",
        "",
    ),
    (
        "Ruby",
        "Walsh",
        "female",
        date(2000, 8, 15),
        "cross-country",
        Site.FEMORAL_NECK_TENSION,
        "",
        "right",
        ("4b", "4", "III"),
        "active",
        "physio@demo.rtr",
        "",
    ),
    (
        "Max",
        "Jensen",
        "male",
        date(1985, 10, 10),
        "marathon",
        Site.FIBULA,
        "",
        "left",
        ("1", "1", "II"),
        "discharged",
        "physio2@demo.rtr",
        "",
    ),
    (
        "Ella",
        "Costa",
        "female",
        date(2003, 5, 2),
        "3000 m",
        Site.MT3,
        MetatarsalZone.SHAFT,
        "right",
        ("", "2", "II"),
        "discharged",
        "physio@demo.rtr",
        "",
    ),
    (
        "Harry",
        "Nguyen",
        "male",
        date(1998, 7, 7),
        "10 000 m",
        Site.TIBIA_POSTEROMEDIAL,
        "",
        "right",
        ("3", "3", "II"),
        "discharged",
        "physio2@demo.rtr",
        "",
    ),
    (
        "Lily",
        "Ivanova",
        "female",
        date(2002, 11, 29),
        "half marathon",
        Site.PATELLA,
        "",
        "left",
        ("", "3", "II"),
        "active",
        "physio@demo.rtr",
        "",
    ),
    (
        "Theo",
        "Murphy",
        "male",
        date(1992, 4, 18),
        "trail",
        Site.OTHER,
        "",
        "right",
        ("", "2", ""),
        "active",
        "physio2@demo.rtr",
        "",
    ),
]

OTHER_CLINIC_CASELOAD = [
    (
        "Ola",
        "Harbour",
        "female",
        date(1997, 3, 3),
        "marathon",
        Site.TIBIA_POSTEROMEDIAL,
        "",
        "left",
        ("3", "3", "II"),
        "active",
        "physio@harbour.rtr",
        "athlete@harbour.rtr",
    )
]


def demo_patients_load() -> int:
    """Create the demo patients that do not exist yet; returns how many were created."""
    created = 0
    for clinic_name, rows in ((DEMO_CLINIC, CASELOAD), (OTHER_CLINIC, OTHER_CLINIC_CASELOAD)):
        clinic = Clinic.objects.get(name=clinic_name)
        for index, row in enumerate(rows):
            created += _load_one(clinic, index, row)
    return created


def _load_one(clinic: Clinic, index: int, row: tuple[Any, ...]) -> int:
    (
        first,
        last,
        sex,
        born,
        discipline,
        site,
        zone,
        side,
        grades,
        status,
        physio_email,
        athlete_email,
    ) = row
    # Only a demo record counts: a patient someone registered by hand with the same name is
    # neither reused nor touched.
    if Patient.objects.filter(
        clinic=clinic, first_name=first, last_name=last, is_demo=True
    ).exists():
        return 0
    physio = User.objects.get(email=physio_email)
    email = athlete_email or f"{first}.{last}@athletes.demo.rtr".lower()
    today = timezone.localdate()
    patient = services.patient_create(
        clinic=clinic,
        by=physio,
        consent_given=True,
        assigned_physio=physio,
        first_name=first,
        last_name=last,
        date_of_birth=born,
        sex=sex,
        sport="Running",
        discipline=discipline,
        pre_injury_weekly_km=30 + (index * 7) % 60,
        pre_injury_weekly_minutes=180 + (index * 37) % 300,
        contact_email=email,
        status=PatientStatus.ACTIVE,
    )
    patient.is_demo = True
    patient.save(update_fields=["is_demo"])
    fredericson, arendt, km = grades
    diagnosed = today - timedelta(days=10 + (index * 11) % 80)
    services.injury_create(
        patient=patient,
        by=physio,
        risk_override="low" if site == Site.OTHER else "",
        risk_override_reason="Cuboid stress reaction: low-risk site, managed as such."
        if site == Site.OTHER
        else "",
        site=site,
        metatarsal_zone=zone,
        sub_site_note="Cuboid" if site == Site.OTHER else "",
        side=side,
        fredericson_grade=fredericson,
        arendt_grade=arendt,
        kaeding_miller_grade=km,
        fracture_line=fredericson == "4b",
        first_symptoms_on=diagnosed - timedelta(days=14 + index % 20),
        diagnosed_on=diagnosed,
        weight_bearing="pwb" if fredericson == "4b" else "fwb",
        walking_aid="boot" if fredericson == "4b" else "none",
    )
    if status != PatientStatus.ACTIVE:
        services.patient_update(
            patient=patient, by=physio, consent_given=True, assigned_physio=physio, status=status
        )
    athlete = User.objects.filter(email=athlete_email).first() if athlete_email else None
    if (
        athlete is not None
        and not Patient.objects.filter(user=athlete).exists()
        and not athlete.memberships.exclude(clinic=clinic).exists()
    ):
        patient.user = athlete
        patient.save(update_fields=["user"])
    coach = User.objects.filter(
        email="coach@demo.rtr", memberships__clinic=clinic, memberships__role=Role.COACH
    ).first()
    if coach is not None and index < 3:
        CareTeamMember.objects.get_or_create(
            patient=patient, user=coach, defaults={"role": Role.COACH}
        )
    if index == 0:
        _demo_coordination(patient, physio=physio, coach=coach, today=today)
    return 1


def _demo_coordination(patient: Patient, *, physio: User, coach: User | None, today: date) -> None:
    """The first demo athlete's care team at work: a message each way between the coach and
    the physio, a support contact the athlete agreed to, and an imaging follow-up due soon."""
    if coach is not None:
        TeamMessage.objects.create(
            patient=patient,
            author=coach,
            text="Club 5 km is on the 20th: should I take her name off the start list?",
            created_at=timezone.now() - timedelta(days=2),
        )
        TeamMessage.objects.create(
            patient=patient,
            author=physio,
            text="Yes, please: she will be walk-running by then, not racing. We review on Friday.",
            created_at=timezone.now() - timedelta(days=1),
        )
    SupportContact.objects.get_or_create(
        patient=patient,
        email="maria.runner@example.org",
        defaults={
            "name": "Maria Runner",
            "relationship": SupportRelationship.FAMILY,
            "gets_written_plan": True,
            "consent_on": today - timedelta(days=5),
            "consent_recorded_by": physio,
        },
    )
    CareTask.objects.create(
        patient=patient,
        kind=TaskKind.IMAGING,
        due_on=today + timedelta(days=3),
        note="Follow-up MRI booked",
        created_by=physio,
    )
