"""Demo check-ins: four weeks for the demo patients with a plan, a few with warning signs.

Only the demo's own patients (`Patient.is_demo`) get check-ins, and only once: a patient who
already has check-ins is left alone, so running it again changes nothing. History rows are
written directly (the submit service only accepts today and yesterday).
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from patients.models import Patient
from protocols import selectors as protocol_selectors
from protocols.models import Plan
from rtr.accounts.demo import DEMO_CLINIC

from .models import CheckIn, Flag
from .warning_signs.evaluation import evaluate_patient

DAYS = 28
# last name -> the warning signs written into the last few days of their history
WARNINGS: dict[str, dict[int, dict[str, Any]]] = {
    # run pain over the limit (low), high fatigue (low), night pain yesterday (urgent)
    "Runner": {
        2: {"pain_during": 4, "pain_after": 3, "fatigue": 8},
        3: {"fatigue": 8},
        1: {"fatigue": 7, "night_pain": True},
    },
    "Miles": {
        1: {"focal_tenderness": "new"},
        2: {"pain_with_walking": True},
    },  # new tenderness, walking pain (high)
    # night pain (urgent), short sleep (info)
    "Byrne": {
        1: {"night_pain": True, "pain_rest": 3, "sleep_hours": Decimal("5.5")},
        3: {"sleep_hours": Decimal("6")},
        5: {"sleep_hours": Decimal("6")},
    },
    "Okoro": {0: {"groin_pain": True}},  # groin pain, femoral neck history (urgent)
    # persistent swelling (high), low confidence (info)
    "Novak": {
        3: {"swelling": "mild", "confidence": 2},
        2: {"swelling": "mild", "confidence": 3},
        1: {"swelling": "moderate", "confidence": 2},
    },
    "Strider": {1: {"pain_during": 6, "pain_after": 5}},  # run pain 6/10 (high)
    "Moreau": {0: {"pain_rest": 4}},  # pain at rest (urgent)
}
GAPS = {"Brown": {0, 1, 2, 3}}  # missed check-ins


def demo_checkins_load() -> int:
    created = 0
    today = timezone.localdate()
    plans = Plan.objects.filter(
        patient__clinic__name=DEMO_CLINIC, patient__is_demo=True, status="active"
    ).select_related("patient", "current_stage", "current_step")
    for plan in plans:
        patient = plan.patient
        if CheckIn.objects.filter(patient=patient).exists():
            continue
        rng = random.Random(patient.last_name)  # noqa: S311 - demo data, not security
        rows = []
        for back in range(DAYS, -1, -1):
            day = today - timedelta(days=back)
            if day < plan.start_date or back in GAPS.get(patient.last_name, set()):
                continue
            rx = protocol_selectors.prescription_for(plan, day)
            session = rx.is_session
            run = (
                int(rx.step.run_total_minutes) if session and rx.step and rx.step.is_running else 0
            )
            values: dict[str, Any] = {
                "pain_rest": 0,
                "pain_next_morning": rng.choice([0, 0, 0, 1]),
                "pain_during": rng.choice([0, 0, 1, 1, 2]) if session else None,
                "pain_after": rng.choice([0, 0, 1]) if session else None,
                "session_done": ("as_prescribed" if rng.random() > 0.15 else "modified")
                if session
                else "rest_day",
                "run_minutes": run,
                "walk_minutes": int(rx.step.walk_minutes * rx.step.repetitions)
                if session and rx.step
                else 0,
                "cross_training_minutes": 30 if rx.kind == "cross_training" else 0,
                "strength_done": rx.kind == "strength",
                "session_rpe": rng.choice([3, 4, 4, 5]) if session else None,
                "sleep_hours": Decimal(str(rng.choice([6.5, 7, 7.5, 8, 8, 8.5]))),
                "sleep_quality": rng.choice([3, 3, 4, 4, 5]),
                "fatigue": rng.choice([2, 3, 3, 4, 5]),
                "stress": rng.choice([2, 3, 4]),
                "confidence": rng.choice([6, 7, 7, 8]),
                "fuelling_adequate": rng.random() > 0.1,
                "calcium_vitd_taken": rng.random() > 0.3,
            }
            values.update(WARNINGS.get(patient.last_name, {}).get(back, {}))
            rows.append(
                CheckIn(
                    patient=patient,
                    plan=plan,
                    date=day,
                    submitted_by=patient.user,
                    prescribed_kind=rx.kind,
                    prescribed_label=rx.title[:160],
                    prescribed_run_minutes=rx.step.run_total_minutes if rx.step else None,
                    **values,
                )
            )
        CheckIn.objects.bulk_create(rows)
        created += len(rows)
    return created


def demo_flags_load() -> int:
    """Evaluate the demo check-ins so the demo has its flags (idempotent: evaluation is)."""
    # Only the demo's own patients whose check-ins have never been evaluated: a second run,
    # or a patient registered by hand, is left alone.
    patients = Patient.objects.filter(
        clinic__name=DEMO_CLINIC, is_demo=True, checkins__evaluated_at__isnull=True
    ).values_list("pk", flat=True)
    before = set(Flag.objects.values_list("pk", flat=True))
    for patient_id in patients.distinct():
        evaluate_patient(patient_id)
    new = Flag.objects.exclude(pk__in=before).order_by("pk")
    # A realistic queue has some flags waiting past their response target: age a few of them.
    for index, flag in enumerate(new):
        if index % 3 == 0:
            Flag.objects.filter(pk=flag.pk).update(
                opened_at=timezone.now() - timedelta(days=4, hours=index)
            )
    return new.count()
