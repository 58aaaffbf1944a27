"""An unanswered question is "not reported", never a value (issue 13).

The rules that read the optional recovery answers (sleep, fatigue, fuelling, confidence) raise
nothing from answers nobody gave, however many days they were left blank; and the same rules
still fire on real answers, so the test can fail.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from checkins.models import Flag
from checkins.warning_signs.evaluation import evaluate_patient
from tests.checkins.factories import make_history
from tests.patients.factories import make_injury, make_patient

pytestmark = pytest.mark.django_db

BLANK = {
    "sleep_hours": None,
    "sleep_quality": None,
    "fatigue": None,
    "stress": None,
    "fuelling_adequate": None,
    "calcium_vitd_taken": None,
    "confidence": None,
}
RULES = {"poor_sleep", "high_fatigue", "low_energy_signs", "low_confidence"}


@pytest.fixture
def patient(clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio, sex="female")
    make_injury(patient=patient, by=physio)
    return patient


def test_two_weeks_of_unanswered_recovery_questions_raise_no_flag(patient):
    make_history(patient=patient, last=timezone.localdate(), days=14, **BLANK)
    evaluate_patient(patient.pk)
    assert not Flag.objects.filter(patient=patient, rule_code__in=RULES).exists()


def test_the_same_rules_fire_on_real_answers(patient):
    make_history(
        patient=patient,
        last=timezone.localdate(),
        days=7,
        sleep_hours=5,
        fatigue=8,
        fuelling_adequate=False,
        confidence=2,
    )
    evaluate_patient(patient.pk)
    fired = set(Flag.objects.filter(patient=patient).values_list("rule_code", flat=True))
    assert fired >= RULES
