"""The plan's wording (issue 17): day counts that add up to the week, criteria said as a
clinician says them, and a prescription title that is not repeated as its own subtitle."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from protocols.models import Stage
from protocols.models.stages import Comparator, CriterionKind, EntryCriterion


@pytest.mark.django_db
def test_every_library_stage_s_week_adds_up_to_seven_days():
    stages = Stage.objects.filter(template__clinic__isnull=True, template__is_plan_copy=False)
    assert stages.count() >= 12
    with translation.override("en"):
        for stage in stages:
            words = stage.week_in_words
            counted = sum(int(n) for n in re.findall(r"(\d) (?:session |rest )?days?\b", words))
            assert counted == 7, words


def test_week_in_words_names_the_days_left_for_cross_training_or_strength():
    with translation.override("en"):
        stage = Stage(session_days_per_week=3, rest_days_per_week=1, no_back_to_back=True)
        assert stage.week_in_words == (
            "3 session days (never two in a row), 1 rest day, 3 days for cross-training or strength"
        )
        stage = Stage(session_days_per_week=5, rest_days_per_week=2, no_back_to_back=False)
        assert stage.week_in_words == "5 session days, 2 rest days"


def test_a_numeric_criterion_is_said_in_words():
    def bar(comparator, threshold, unit):
        return EntryCriterion(
            kind=CriterionKind.NUMERIC,
            comparator=comparator,
            threshold=Decimal(threshold),
            unit=unit,
        ).requirement

    with translation.override("en"):
        assert bar(Comparator.AT_MOST, 0, "/10") == "pain-free (0/10)"
        assert bar(Comparator.AT_MOST, 2, "/10") == "at most 2/10"
        assert bar(Comparator.AT_LEAST, 30, "min") == "at least 30 min"
        assert EntryCriterion(kind=CriterionKind.YES_NO).requirement == ""


def test_no_library_page_shows_a_bare_comparison_sign(client, physio):
    client.force_login(physio)
    for template_id in (
        Stage.objects.filter(template__clinic__isnull=True, template__is_plan_copy=False)
        .values_list("template__public_id", flat=True)
        .distinct()
    ):
        html = client.get(reverse("protocols:template_detail", args=[template_id])).content.decode()
        assert not re.search(r"[≤≥]\s*\d+(?:\.\d+)?\s*/10", html), template_id
