"""The shared, read-only template library: the three templates of `domain.md` §10.

Every number carries its source tag ([F:n] sourced, [PD] product default, [GK] to verify);
the tags point at the reference list of `domain.md` §12. The library is loaded after every
`migrate` (and by `manage.py load_protocol_library`), creating what is missing; a clinic lead
reviews a template before use and clones it to adapt it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import EntryCriterion, ProtocolTemplate, SessionStep, Stage, StepKind, TemplateStatus

HOLD_A = [
    "pain_during_over_2",
    "pain_next_day",
    "swelling_after",
    "sleep_short",
]  # [F:25][F:28][F:29]; sleep [PD]
REGRESS_A = ["failed_stage_twice", "pain_with_walking"]  # [F:31][F:22]
STOP_A = ["new_focal_tenderness", "night_pain", "rest_pain"]  # domain.md §4
HOLD_B = ["pain_during_over_2", "pain_next_day", "swelling_after"]  # stricter than A [PD]
STOP_B = [
    "groin_pain",
    "night_pain",
    "rest_pain",
    "new_focal_tenderness",
    "pain_with_walking",
]  # [F:15][F:32]


def walk(
    minutes: float, *, completions: int = 2, source: str = "", label: str = ""
) -> dict[str, Any]:
    return {
        "walk_minutes": minutes,
        "run_minutes": 0,
        "repetitions": 1,
        "completions_to_advance": completions,
        "source": source,
        "label": label,
    }


def interval(
    walk_min: float,
    run_min: float,
    reps: int,
    *,
    rpe: int | None = None,
    completions: int = 2,
    source: str = "",
    label: str = "",
    surface: str = "",
) -> dict[str, Any]:
    return {
        "walk_minutes": walk_min,
        "run_minutes": run_min,
        "repetitions": reps,
        "target_rpe": rpe,
        "completions_to_advance": completions,
        "source": source,
        "label": label,
        "surface_note": surface,
    }


def run(
    minutes: float,
    *,
    rpe: int | None = None,
    completions: int = 2,
    source: str = "",
    label: str = "",
) -> dict[str, Any]:
    return {
        "walk_minutes": 0,
        "run_minutes": minutes,
        "repetitions": 1,
        "target_rpe": rpe,
        "completions_to_advance": completions,
        "source": source,
        "label": label,
    }


def yes(text: str, source: str, measure: str = "") -> dict[str, Any]:
    return {"text": text, "kind": "yes_no", "source": source, "measure": measure}


def number(
    text: str, comparator: str, threshold: float, unit: str, source: str, measure: str = ""
) -> dict[str, Any]:
    return {
        "text": text,
        "kind": "numeric",
        "comparator": comparator,
        "threshold": threshold,
        "unit": unit,
        "source": source,
        "measure": measure,
    }


WALK_RUN_A = [
    interval(3, 1, 5, source="[F:31][F:29]", label="Walk 3 / run 1 × 5 (20 min)"),
    interval(2, 1, 6, source="[F:31]", label="Walk 2 / run 1 × 6"),
    interval(2, 2, 5, source="[F:31]", label="Walk 2 / run 2 × 5"),
    interval(2, 3, 4, source="[F:29]", label="Walk 2 / run 3 × 4 (~1.0–1.5 mi)"),
    interval(2, 4, 4, source="[F:29]", label="Walk 2 / run 4 × 4"),
    interval(1, 4, 4, source="[F:29]", label="Walk 1 / run 4 × 4 (~2 mi)"),
]

TEMPLATES: list[dict[str, Any]] = [
    {
        "code": "low_risk_tibia_mt",
        "name": "Low-risk tibia or metatarsal (2–4) BSI",
        "summary": "Criteria-based return to running for low-risk cortical BSIs: posteromedial tibia, "
        "fibula and metatarsal 2–4 shafts. Relative rest, walking tolerance, alternate-day walk-run, "
        "continuous running, volume and then intensity.",
        "eligible_sites": ["tibia_posteromedial", "mt2", "mt3", "mt4", "fibula"],
        "eligible_risk": "low",
        "max_fredericson_grade": "4a",  # [PD]
        "max_kaeding_miller_grade": "III",  # [PD]
        "duration": (11, 25),  # sum of the stage ranges; pooled RTS 44 d tibia, 56 d fibula [F:12]
        "evidence": "George et al. 2024 scoping review [F:22]; Warden, Davis & Fredericson 2014 [F:1]; "
        "military standard RTR [F:29]; interval running programme [F:31]; anti-gravity protocol rules [F:28]; "
        "BJSM 2025 single-session spike [F:42]; Hoenig et al. 2023 expected RTS [F:12].",
        "stages": [
            {
                "name": "Protection & pain settling",
                "duration": (1, 4),
                "sessions": 5,
                "b2b": False,
                "rest": 1,  # [PD]
                "goals": "Pain-free daily activities; weight bearing as pain allows; boot or crutches only if walking hurts.",  # [F:16][F:22]
                "cross_training": "Cycling, deep-water running or swimming 3–5× a week if pain-free; avoid the elliptical for foot BSI.",  # [PD]
                "strength": "2–3× a week: calf raises (tibia) or foot-intrinsic work (metatarsal), hip and core.",  # [F:1]
                "source": "[F:16][F:22] durations [PD]",
                "criteria": [
                    yes("Diagnosis confirmed and loading plan agreed with the athlete", "[F:22]")
                ],
                "steps": [
                    walk(10, completions=3, source="[PD]", label="Walk 10 min as pain allows")
                ],
            },
            {
                "name": "Walking tolerance & loading",
                "duration": (1, 3),
                "sessions": 6,
                "b2b": False,
                "rest": 1,
                "goals": "Brisk walking building to 30–45 minutes, pain-free.",
                "strength": "2–3× a week; add progressive plyometrics once walking is pain-free.",  # [F:25]
                "cross_training": "As in protection, on non-walking days.",
                "source": "[F:30][F:24]; durations [PD]",
                "criteria": [
                    number(
                        "Pain with daily activities", "lte", 0, "/10", "[F:22]", "adl_pain_free"
                    ),
                    yes("No focal bony tenderness on palpation", "[F:22]", "no_tenderness"),
                ],
                "steps": [
                    walk(10, source="[F:30]"),
                    walk(20, source="[F:30]"),
                    walk(30, source="[F:30][F:24]"),
                    walk(45, completions=3, source="[F:24]; ×3 [PD]"),
                ],
            },
            {
                "name": "Walk-run",
                "duration": (2, 4),
                "sessions": 3,
                "b2b": True,
                "rest": 1,
                "goals": "Alternate-day walk-run intervals on flat ground; progress run time, not pace.",  # [F:23][F:28][F:29]
                "cross_training": "Non-impact cross-training on non-running days.",  # [F:16]
                "strength": "2–3× a week: calf, foot, hip; hop and landing drills.",  # [F:1][F:25]
                "hold": HOLD_A,
                "regress": REGRESS_A,
                "stop": STOP_A,
                "source": "adapted from [F:29][F:31]",
                "criteria": [
                    number(
                        "Pain-free brisk walk, continuous",
                        "gte",
                        30,
                        "min",
                        "[F:24]",
                        "longest_pain_free_walk",
                    ),
                    number(
                        "Pain-free 30–45 min walks completed",
                        "gte",
                        3,
                        "times",
                        "[PD]",
                        "pain_free_walks_30",
                    ),
                    yes(
                        "Hop battery passed (single-leg hops, jog on the spot, bounding)", "[F:25]"
                    ),
                    number("Highest pain during the hop tests", "lte", 2, "/10", "[F:25]"),
                    yes("No focal bony tenderness on palpation", "[F:22]", "no_tenderness"),
                ],
                "steps": WALK_RUN_A,
            },
            {
                "name": "Continuous running",
                "duration": (2, 4),
                "sessions": 4,
                "b2b": True,
                "rest": 1,
                "goals": "3–4 easy runs a week (RPE 3–5), 15 → 30 minutes continuous.",  # [F:29]
                "cadence_cue": "Raise step rate 5–10% above your usual; run softer.",  # [F:47][F:1]
                "cross_training": "Optional easy non-impact session.",
                "strength": "2× a week.",
                "hold": HOLD_A,
                "regress": REGRESS_A,
                "stop": STOP_A,
                "source": "[F:29][F:47]",
                "criteria": [
                    number(
                        "Last walk-run step completed pain-free",
                        "gte",
                        2,
                        "times",
                        "[F:29]",
                        "pain_free_sessions",
                    ),
                    yes(
                        "No next-morning pain increase after walk-run",
                        "[F:28]",
                        "no_next_morning_rise",
                    ),
                    yes("No swelling or stiffness after runs", "[F:29]", "no_swelling"),
                ],
                "steps": [
                    run(15, rpe=3, source="[F:29]"),
                    run(20, rpe=4),
                    run(25, rpe=4),
                    run(30, rpe=5, completions=3, source="[F:28]; ×3 [PD]"),
                ],
                "max_weekly": 120,  # [PD]
            },
            {
                "name": "Volume rebuild",
                "duration": (3, 6),
                "sessions": 4,
                "b2b": False,
                "rest": 2,
                "goals": "Rebuild weekly volume towards pre-injury; one run never more than 10% longer than the longest of the last 30 days.",  # [F:42]
                "cross_training": "Optional.",
                "strength": "2× a week.",
                "hold": HOLD_A,
                "regress": REGRESS_A,
                "stop": STOP_A,
                "source": "[F:42][F:44]; weekly cap 10–20% [PD]",
                "criteria": [
                    number(
                        "Pain-free 30 min continuous runs",
                        "gte",
                        3,
                        "times",
                        "[F:28]; ×3 [PD]",
                        "pain_free_runs_30",
                    )
                ],
                "steps": [
                    run(30, rpe=4),
                    run(35, rpe=4),
                    run(40, rpe=4),
                    run(45, rpe=5, completions=3),
                ],
                "max_single": 50,  # [PD]
            },
            {
                "name": "Intensity & graduation",
                "duration": (2, 4),
                "sessions": 4,
                "b2b": False,
                "rest": 2,
                "goals": "Add strides, then one quality session a week; distance before speed.",  # [F:23]
                "strength": "2× a week; sport-specific plyometrics.",
                "hold": HOLD_A,
                "regress": REGRESS_A,
                "stop": STOP_A,
                "source": "[F:23]; graduation criteria [F:22]",
                "criteria": [
                    number("Weekly volume back to pre-injury", "gte", 80, "%", "[PD]"),
                    number("Weeks without a flag", "gte", 2, "weeks", "[PD]"),
                ],
                "steps": [
                    run(30, rpe=5, label="Run 30 min + 4 × 20 s strides", source="[F:23]"),
                    run(
                        40,
                        rpe=7,
                        label="One quality session a week (e.g. tempo)",
                        completions=2,
                        source="[F:23]",
                    ),
                ],
            },
        ],
    },
    {
        "code": "high_risk_conservative",
        "name": "High-risk site, conservative (navicular, compression-side femoral neck)",
        "summary": "Specialist-led pathway for high-risk BSIs managed without surgery: strict protection, "
        "graduated weight bearing after imaging shows healing, then a slower walk-run and rebuild. "
        "Not for tension-side femoral neck, displacement or ≥ 50% neck-width fractures.",
        "eligible_sites": ["navicular", "femoral_neck_compression"],
        "excluded_sites": ["femoral_neck_tension"],
        "eligible_risk": "high",
        "exclude_displaced": True,  # [F:15][F:19]
        "max_fracture_extent_pct": 49,  # ≥ 50% width: fixation [F:15]
        "requires_specialist_signoff": True,  # [F:22]
        "duration": (18, 38),
        "evidence": "Hoenig et al. 2023 (navicular 127 d, femoral neck 107 d) [F:12]; navicular NWB 6–8 wk [F:20]; "
        "femoral neck compression management [F:15][F:19]; pre-running components incl. radiological healing [F:22]; "
        "anti-gravity progression [F:28]; bone health [F:13][F:18].",
        "stages": [
            {
                "name": "Strict protection",
                "duration": (4, 8),
                "sessions": 5,
                "b2b": False,
                "rest": 1,
                "goals": "Non-weight-bearing with crutches (cast or boot for navicular); serial imaging as the surgeon advises.",  # [F:20][F:19]
                "cross_training": "Upper-body ergometer, swimming with a pull buoy, deep-water running if cleared.",  # [PD]
                "strength": "Non-weight-bearing hip, core and other-limb work.",  # [PD]
                "stop": STOP_B,
                "source": "navicular 6–8 wk [F:20]; femoral neck 4–6 wk [F:19]",
                "criteria": [
                    yes("Specialist (sports physician or orthopaedic) review done", "[F:22]")
                ],
                "steps": [
                    {
                        "kind": StepKind.CROSS_TRAINING,
                        "cross_training_minutes": 30,
                        "completions_to_advance": 3,
                        "source": "[PD]",
                        "label": "Non-impact session 30 min",
                    }
                ],
            },
            {
                "name": "Graduated weight bearing",
                "signoff": True,  # loading only after imaging shows healing [F:22]
                "duration": (2, 4),
                "sessions": 6,
                "b2b": False,
                "rest": 1,
                "goals": "Partial to full weight bearing, then walking 10 → 45 minutes.",  # [PD]
                "cross_training": "Non-impact as tolerated.",
                "strength": "Progress to weight-bearing strength.",
                "stop": STOP_B,
                "source": "[F:20]; [PD]",
                "criteria": [
                    yes("Imaging confirms healing", "[F:22]"),
                    yes("Specialist sign-off to load", "[F:22]"),
                ],
                "steps": [
                    walk(10, completions=3, source="[PD]"),
                    walk(20, completions=3),
                    walk(30, completions=3),
                    walk(45, completions=3, source="[PD]"),
                ],
            },
            {
                "name": "Walk-run (ground)",
                "signoff": True,  # high-risk site: specialist sign-off before running [F:22]
                "duration": (3, 6),
                "sessions": 3,
                "b2b": True,
                "rest": 1,
                "goals": "Alternate-day walk-run; each step three times before the next.",  # [PD] slower than [F:29]
                "cross_training": "Non-impact on non-running days.",
                "strength": "2–3× a week.",
                "hold": HOLD_B,
                "regress": REGRESS_A,
                "stop": STOP_B,
                "source": "the low-risk walk-run ladder [F:29][F:31], each step ×3 [PD]",
                "criteria": [
                    number(
                        "Pain with daily activities", "lte", 0, "/10", "[F:22]", "adl_pain_free"
                    ),
                    number(
                        "Pain-free 45 min walks completed",
                        "gte",
                        3,
                        "times",
                        "[PD]",
                        "pain_free_walks_30",
                    ),
                    yes("No focal bony tenderness on palpation", "[F:22]", "no_tenderness"),
                ],
                "steps": [{**step, "completions_to_advance": 3} for step in WALK_RUN_A],
            },
            {
                "name": "Continuous running",
                "duration": (3, 6),
                "sessions": 3,
                "b2b": True,
                "rest": 1,
                "goals": "Easy continuous running, 15 → 30 minutes.",
                "cadence_cue": "Raise step rate 5–10%; run softer.",  # [F:47]
                "hold": HOLD_B,
                "regress": REGRESS_A,
                "stop": STOP_B,
                "source": "[PD]",
                "criteria": [
                    number(
                        "Last walk-run step completed pain-free",
                        "gte",
                        3,
                        "times",
                        "[PD]",
                        "pain_free_sessions",
                    )
                ],
                "steps": [
                    run(15, rpe=3, completions=3),
                    run(20, rpe=4, completions=3),
                    run(30, rpe=5, completions=3),
                ],
            },
            {
                "name": "Volume rebuild",
                "duration": (4, 8),
                "sessions": 4,
                "b2b": False,
                "rest": 2,
                "goals": "Weekly cap +10%; no run more than 10% longer than the longest of the last 30 days.",  # [PD][F:42]
                "hold": HOLD_B,
                "regress": REGRESS_A,
                "stop": STOP_B,
                "source": "[PD][F:42]",
                "criteria": [
                    number(
                        "Pain-free 30 min continuous runs",
                        "gte",
                        3,
                        "times",
                        "[F:28]; ×3 [PD]",
                        "pain_free_runs_30",
                    )
                ],
                "steps": [run(30, rpe=4), run(35, rpe=4), run(40, rpe=5, completions=3)],
            },
            {
                "name": "Intensity & graduation",
                "duration": (2, 6),
                "sessions": 4,
                "b2b": False,
                "rest": 2,
                "goals": "Strides, then one quality session a week; graduation needs specialist sign-off.",  # domain.md §9
                "hold": HOLD_B,
                "regress": REGRESS_A,
                "stop": STOP_B,
                "source": "[F:23]; graduation criteria [F:22]",
                "criteria": [
                    number("Weekly volume back to pre-injury", "gte", 80, "%", "[PD]"),
                    yes("Specialist sign-off for return to sport", "[F:22]"),
                    yes(
                        "Bone-health plan in place (Triad CRA 0–1, or REDs green/yellow with a plan)",
                        "[F:49][F:50]",
                    ),
                ],
                "steps": [
                    run(30, rpe=5, label="Run 30 min + strides"),
                    run(40, rpe=7, label="One quality session a week"),
                ],
            },
        ],
    },
    {
        "code": "generic_conservative",
        "name": "Generic conservative (unknown grade, recurrent BSI or REDs risk)",
        "summary": "A cautious pathway for any site when the grade is unknown, after two or more BSIs, or with "
        "a Triad score of 2 or more: protection, walking, military-style walk-run phases on flat ground, "
        "continuous running, volume with deloads, then intensity.",
        "eligible_sites": [],
        "duration": (15, 30),
        "evidence": "Military standard RTR phases [F:29]; Triad CRA and REDs triggers [F:13][F:18]; deload [F:26]; "
        "monitoring sRPE and sleep [F:36][F:58].",
        "stages": [
            {
                "name": "Protection",
                "duration": (2, 6),
                "sessions": 5,
                "b2b": False,
                "rest": 1,
                "goals": "Pain-free daily activities; clinician clearance; bone-health plan; dietitian review if low energy availability is suspected.",  # [F:49][F:51]
                "cross_training": "Non-impact if pain-free.",
                "strength": "2–3× a week.",
                "stop": STOP_A,
                "source": "[F:22][F:49][F:51]",
                "criteria": [
                    yes("Clinician clearance and bone-health plan in place", "[F:49][F:51]")
                ],
                "steps": [
                    walk(10, completions=3, source="[PD]", label="Walk 10 min as pain allows")
                ],
            },
            {
                "name": "Walking",
                "duration": (2, 3),
                "sessions": 6,
                "b2b": False,
                "rest": 1,
                "goals": "45 min brisk walk pain-free, three times.",  # [PD]
                "strength": "2–3× a week.",
                "stop": STOP_A,
                "source": "[PD]",
                "criteria": [
                    number(
                        "Pain with daily activities", "lte", 0, "/10", "[F:22]", "adl_pain_free"
                    ),
                    yes("No focal bony tenderness on palpation", "[F:22]", "no_tenderness"),
                ],
                "steps": [walk(15), walk(30), walk(45, completions=3, source="[PD]")],
            },
            {
                "name": "Walk-run (military-style phases)",
                "duration": (3, 6),
                "sessions": 3,
                "b2b": True,
                "rest": 1,
                "goals": "At least one rest day between runs; each phase twice before the next; flat surfaces only.",  # [F:29]
                "hold": HOLD_A,
                "regress": REGRESS_A,
                "stop": STOP_A,
                "source": "[F:29]",
                "criteria": [
                    number(
                        "Pain-free 45 min walks completed",
                        "gte",
                        3,
                        "times",
                        "[PD]",
                        "pain_free_walks_30",
                    )
                ],
                "steps": [
                    interval(
                        2,
                        3,
                        2,
                        rpe=3,
                        source="[F:29]; rounds [PD]",
                        label="Walk 2 / run 3, 1.0 mi",
                        surface="flat only",
                    ),
                    interval(
                        2,
                        3,
                        3,
                        rpe=3,
                        source="[F:29]",
                        label="Walk 2 / run 3, 1.5 mi",
                        surface="flat only",
                    ),
                    interval(
                        2,
                        4,
                        3,
                        rpe=4,
                        source="[F:29]",
                        label="Walk 2 / run 4, 1.5 mi",
                        surface="flat only",
                    ),
                    interval(
                        2,
                        4,
                        4,
                        rpe=4,
                        source="[F:29]",
                        label="Walk 2 / run 4, 2.0 mi",
                        surface="flat only",
                    ),
                    interval(
                        1,
                        4,
                        5,
                        rpe=5,
                        source="[F:29]",
                        label="Walk 1 / run 4, 2.0 mi",
                        surface="flat only",
                    ),
                    run(20, rpe=5, source="[F:29]", label="Continuous 2.0 mi"),
                ],
            },
            {
                "name": "Continuous running",
                "duration": (3, 5),
                "sessions": 4,
                "b2b": False,
                "rest": 2,
                "goals": "At most 4 run days a week.",  # [PD]
                "hold": HOLD_A,
                "regress": REGRESS_A,
                "stop": STOP_A,
                "source": "[PD]",
                "criteria": [
                    yes(
                        "No swelling, stiffness or pain increase after the walk-run phases",
                        "[F:29]",
                    )
                ],
                "steps": [run(20, rpe=4), run(25, rpe=4), run(30, rpe=5, completions=3)],
            },
            {
                "name": "Volume rebuild",
                "duration": (4, 8),
                "sessions": 4,
                "b2b": False,
                "rest": 2,
                "goals": "Weekly cap +10%; a deload week every 3rd–4th week.",  # deload [F:26]; cap [PD]
                "hold": HOLD_A,
                "regress": REGRESS_A,
                "stop": STOP_A,
                "source": "[F:26][PD]",
                "criteria": [
                    number(
                        "Pain-free 30 min continuous runs",
                        "gte",
                        3,
                        "times",
                        "[F:28]; ×3 [PD]",
                        "pain_free_runs_30",
                    )
                ],
                "steps": [run(30, rpe=4), run(35, rpe=4), run(40, rpe=5, completions=3)],
            },
            {
                "name": "Intensity",
                "duration": (2, 4),
                "sessions": 4,
                "b2b": False,
                "rest": 2,
                "goals": "No speed work until 4 weeks of pain-free continuous running.",  # [PD]
                "hold": HOLD_A,
                "regress": REGRESS_A,
                "stop": STOP_A,
                "source": "[PD]",
                "criteria": [
                    number("Weeks of pain-free continuous running", "gte", 4, "weeks", "[PD]")
                ],
                "steps": [
                    run(30, rpe=5, label="Run 30 min + strides"),
                    run(40, rpe=7, label="One quality session a week"),
                ],
            },
        ],
    },
]


# Return-to-sport (graduation) checklist, the end of return to running (clinical reference §9).
RETURN_TO_SPORT: list[tuple[str, str]] = [
    (
        "Pain-free continuous running of 30 minutes or more, 3 times, no next-day symptoms",
        "[F:28][F:29]",
    ),
    ("Back to 80–100% of pre-injury weekly volume with no flags for 2 weeks", "[PD]"),
    ("Speed work reintroduced after volume and tolerated twice", "[F:23]"),
    ("No focal tenderness; pain-free hop battery", "[F:22][F:25]"),
    ("High-risk site: imaging shows healing and a specialist signed off", "[F:22]"),
    ("Contributing factors addressed (load plan, cadence, footwear, strength)", "[F:22][F:1]"),
    ("Bone health: Triad risk 0–1 or REDs green/yellow with a plan", "[F:49][F:50]"),
]


def return_to_sport_criteria() -> list[EntryCriterion]:
    """The graduation checklist as (unsaved) yes/no criteria, judged like a stage's entry list."""
    return [
        EntryCriterion(order=i, text=text, kind="yes_no", source=source)
        for i, (text, source) in enumerate(RETURN_TO_SPORT, start=1)
    ]


@transaction.atomic
def load_library() -> int:
    """Create the library templates that are missing; returns how many were created."""
    created = 0
    for spec in TEMPLATES:
        if ProtocolTemplate.objects.filter(
            clinic__isnull=True, code=spec["code"], is_plan_copy=False
        ).exists():
            continue
        template = ProtocolTemplate.objects.create(
            clinic=None,
            code=spec["code"],
            name=spec["name"],
            summary=spec["summary"],
            status=TemplateStatus.PUBLISHED,
            published_at=timezone.now(),
            eligible_sites=spec.get("eligible_sites", []),
            excluded_sites=spec.get("excluded_sites", []),
            eligible_risk=spec.get("eligible_risk", ""),
            max_fredericson_grade=spec.get("max_fredericson_grade", ""),
            max_kaeding_miller_grade=spec.get("max_kaeding_miller_grade", ""),
            exclude_displaced=spec.get("exclude_displaced", False),
            max_fracture_extent_pct=spec.get("max_fracture_extent_pct"),
            requires_specialist_signoff=spec.get("requires_specialist_signoff", False),
            duration_min_weeks=spec["duration"][0],
            duration_max_weeks=spec["duration"][1],
            evidence=spec["evidence"],
        )
        for order, stage_spec in enumerate(spec["stages"], start=1):
            stage = Stage.objects.create(
                template=template,
                order=order,
                name=stage_spec["name"],
                goals=stage_spec.get("goals", ""),
                duration_min_weeks=stage_spec["duration"][0],
                duration_max_weeks=stage_spec["duration"][1],
                session_days_per_week=stage_spec["sessions"],
                no_back_to_back=stage_spec["b2b"],
                rest_days_per_week=stage_spec["rest"],
                cross_training=stage_spec.get("cross_training", ""),
                strength=stage_spec.get("strength", ""),
                cadence_cue=stage_spec.get("cadence_cue", ""),
                requires_specialist_signoff=stage_spec.get("signoff", False),
                max_weekly_run_minutes=stage_spec.get("max_weekly"),
                max_single_run_minutes=stage_spec.get("max_single"),
                hold_triggers=stage_spec.get("hold", []),
                regress_triggers=stage_spec.get("regress", []),
                stop_triggers=stage_spec.get("stop", []),
                source=stage_spec.get("source", ""),
            )
            EntryCriterion.objects.bulk_create(
                EntryCriterion(
                    stage=stage,
                    order=i,
                    text=c["text"],
                    kind=c["kind"],
                    comparator=c.get("comparator", ""),
                    threshold=Decimal(str(c["threshold"])) if "threshold" in c else None,
                    unit=c.get("unit", ""),
                    source=c["source"],
                    measure=c.get("measure", ""),
                )
                for i, c in enumerate(stage_spec.get("criteria", []), start=1)
            )
            SessionStep.objects.bulk_create(
                SessionStep(
                    stage=stage,
                    order=i,
                    kind=s.get("kind", StepKind.WALK_RUN),
                    label=s.get("label", ""),
                    walk_minutes=Decimal(str(s.get("walk_minutes", 0))),
                    run_minutes=Decimal(str(s.get("run_minutes", 0))),
                    cross_training_minutes=s.get("cross_training_minutes", 0),
                    repetitions=s.get("repetitions", 1),
                    target_rpe=s.get("target_rpe"),
                    surface_note=s.get("surface_note", ""),
                    completions_to_advance=s.get("completions_to_advance", 2),
                    source=s.get("source", ""),
                )
                for i, s in enumerate(stage_spec["steps"], start=1)
            )
        created += 1
    return created
