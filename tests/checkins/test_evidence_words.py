"""A flag's evidence in plain words, its thresholds as the settings page words them, and the
chart of the answers that fired the rule (issue 17)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkins.models import CheckIn, Flag
from checkins.warning_signs import rules
from checkins.warning_signs.evidence import (
    evidence_in_words,
    fired_series,
    in_words,
    thresholds_in_words,
)
from checkins.warning_signs.rules.base import Context, Day
from tests.checkins.factories import checkin_data

TUE = date(2024, 12, 3)


def test_each_kind_of_evidence_is_a_sentence():
    with translation.override("en"):
        assert in_words({"date": "2024-12-03", "night_pain": True, "pain_rest": 0}) == (
            "Night pain reported on Tue 3 Dec; pain at rest 0/10"
        )
        assert in_words({"date": "2024-12-03", "night_pain": False, "pain_rest": 4.0}) == (
            "Pain at rest 4/10 on Tue 3 Dec"
        )
        assert in_words(
            {"date": "2024-12-03", "run_minutes": 23, "prescribed_run_minutes": 20.0}
        ) == ("Run 23 min against 20 min prescribed on Tue 3 Dec")
        assert in_words({"date": "2024-12-03", "run_minutes": 40, "longest_30_days": 30}) == (
            "Run 40 min on Tue 3 Dec; the longest of the 30 days before: 30 min"
        )
        assert in_words({"date": "2024-12-03", "pain_during": 4.0, "pain_after": None}) == (
            "Pain during the run 4/10, after it not reported, on Tue 3 Dec"
        )
        assert in_words({"date": "2024-12-03", "to": "2024-12-05", "days_missed": 3}) == (
            "No check-in from Tue 3 Dec to Thu 5 Dec (3 days)"
        )
        assert in_words({"date": "2024-12-03", "focal_tenderness": "same", "days_without": 9}) == (
            "Focal bone tenderness reported on Tue 3 Dec, after 9 days without it"
        )
        assert (
            in_words({"date": "2024-12-03", "sleep_hours": 5.5})
            == "Slept 5.5 h, reported on Tue 3 Dec"
        )
        assert (
            in_words({"date": "2024-12-03", "swelling": "moderate"})
            == "Swelling moderate on Tue 3 Dec"
        )


def test_the_newest_day_comes_first():
    lines = evidence_in_words(
        [{"date": "2024-12-01", "fatigue": 8.0}, {"date": "2024-12-03", "fatigue": 9.0}]
    )
    assert lines[0].startswith("Fatigue 9/10") and lines[1].startswith("Fatigue 8/10")


def test_thresholds_are_worded_as_on_the_settings_page_and_a_retired_one_is_left_out():
    with translation.override("en"):
        assert thresholds_in_words("night_pain", {"rest_pain": 3.0, "gone": 1}) == [
            "Pain at rest from 3/10"
        ]


_RAW = re.compile(r"\b(?:True|False|None)\b|[a-z]+_[a-z_]+|[:=]\s*\d")

# Check-in histories as the rules read them: any answers, including "not reported".
_day = st.builds(
    Day,
    date=st.just(TUE),
    pain_rest=st.integers(0, 10),
    pain_during=st.none() | st.integers(0, 10),
    pain_after=st.none() | st.integers(0, 10),
    pain_next_morning=st.integers(0, 10),
    focal_tenderness=st.sampled_from(["none", "same", "new"]),
    swelling=st.sampled_from(["none", "mild", "moderate", "severe"]),
    night_pain=st.booleans(),
    pain_with_walking=st.booleans(),
    groin_pain=st.booleans(),
    session_done=st.sampled_from(["rest_day", "as_prescribed", "partly", "skipped"]),
    run_minutes=st.integers(0, 90),
    sleep_hours=st.none() | st.floats(3, 10).map(lambda h: round(h, 1)),
    fatigue=st.none() | st.integers(0, 10),
    fuelling_adequate=st.none() | st.booleans(),
    menstrual_status=st.sampled_from(["", "period", "missed"]),
    confidence=st.none() | st.integers(0, 10),
    prescribed_kind=st.sampled_from(["session", "rest", ""]),
    prescribed_run_minutes=st.none() | st.integers(0, 45),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    days=st.lists(_day, min_size=1, max_size=21),
    gaps=st.lists(st.integers(1, 5), min_size=21, max_size=21),
)
def test_every_rule_s_evidence_reads_as_words(days, gaps):
    """Whatever the history, every finding of every rule is said without a field name, a raw
    True/False/None or a `key = value`."""
    dated, day = [], TUE
    for d, gap in zip(days, gaps, strict=False):
        dated.append(Day(**{**d.__dict__, "date": day}))
        day += timedelta(days=gap)
    ctx = Context(as_of=day, hip_history=True, running_stage=True, plan_start=TUE)
    with translation.override("en"):
        for finding in rules.evaluate(dated, ctx):
            for sentence in evidence_in_words(finding.evidence):
                assert not _RAW.search(sentence), (finding.rule, sentence)
                assert sentence[0].isupper()


def test_the_flag_chart_plots_what_fired_the_rule(patient):
    CheckIn.objects.create(
        patient=patient, date=TUE, **{**checkin_data(), "night_pain": True, "pain_rest": 2}
    )
    checkins = list(CheckIn.objects.filter(patient=patient))
    days = [(TUE + timedelta(days=i)).isoformat() for i in (-1, 0)]
    chart = fired_series(
        [{"date": TUE.isoformat(), "night_pain": True, "pain_rest": 2}], checkins, days
    )
    labels = [s["label"] for s in chart["series"]]
    assert labels == ["Night pain (bar = yes)", "Pain at rest (0–10)"]
    night, rest = chart["series"]
    assert night["bar"] and night["data"] == [None, 10]  # full height beside the 0-10 score
    assert rest["data"] == [None, 2.0] and chart["max"] == 10
    # A run-load flag plots the minutes run and prescribed, on their own scale.
    run = fired_series(
        [{"date": TUE.isoformat(), "run_minutes": 23, "prescribed_run_minutes": 20}], checkins, days
    )
    assert [s["label"] for s in run["series"]] == ["Run minutes", "Prescribed run minutes"]
    assert run["max"] is None


def test_the_flag_page_says_the_evidence_and_thresholds_in_words(client, lead, patient):
    day = timezone.localdate() - timedelta(days=1)
    CheckIn.objects.create(
        patient=patient, date=day, **{**checkin_data(), "night_pain": True, "pain_rest": 0}
    )
    flag = Flag.objects.create(
        clinic=patient.clinic,
        patient=patient,
        rule_code="night_pain",
        rule_version=1,
        severity="urgent",
        summary="Night pain",
        first_seen_date=day,
        last_evidence_date=day,
        evidence=[{"date": day.isoformat(), "night_pain": True, "pain_rest": 0.0}],
        thresholds={"rest_pain": 3.0},
    )
    client.force_login(lead)
    html = client.get(reverse("checkins:flag_detail", args=[flag.public_id])).content.decode()
    assert f"Night pain reported on {day:%a} {day.day} {day:%b}; pain at rest 0/10" in html
    assert "Pain at rest from 3/10" in html
    assert "night_pain" not in html.split('id="evidence-list"')[1].split("</ul>")[0]
    assert "rest_pain = 3" not in html and "pain_rest: 0" not in html
    assert 'data-chart="fired"' in html and "Night pain (bar = yes)" in html
