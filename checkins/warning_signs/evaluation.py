"""Running the warning-sign rules for patients and turning findings into flags, exactly once.

- A saved or edited check-in has `evaluated_at` empty: that is the outbox. `evaluate_pending`
  (run every second by beat, and by the hourly sweep) claims pending check-ins with
  SELECT ... FOR UPDATE SKIP LOCKED, evaluates their patient and marks them evaluated in the
  same transaction, so a lost worker leaves them pending and nothing is done twice.
- `evaluate_patient` locks the patient row, runs every enabled rule over the last weeks of
  check-ins (back far enough for the oldest check-in still waiting, however late: each is
  judged on its own day's terms), and applies findings to flags: one open flag per patient and rule (a partial
  unique constraint); new evidence is appended to it and its severity raised when warranted;
  after a flag is resolved, only a newer occurrence opens a new flag.
- Each new or escalated flag writes its notifications in the same transaction; a task sends
  the e-mails (see notifications.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from checkins.models import SEVERITY_RANK, CheckIn, Flag, FlagStatus, RuleSetting
from patients.bsi import Site
from patients.models import Patient, PatientStatus
from protocols.models import Plan, PlanStatus
from rtr.accounts.models import Clinic
from rtr.locking import retry_on_deadlock

from . import rules, thresholds
from .notifications import deliver_stuck, notify_escalated, notify_raised

HISTORY_DAYS = 35  # enough for the 30-day longest run and the two-week comparison (28 days)
HIP_SITES = {Site.FEMORAL_NECK_TENSION, Site.FEMORAL_NECK_COMPRESSION, Site.PELVIS, Site.SACRUM}


def rule_settings_for(clinic_id: int) -> dict[str, tuple[bool, dict[str, float]]]:
    """The clinic's rule settings over the defaults: code -> (enabled, params), the params
    from the one threshold registry with the clinic's overrides (thresholds.py)."""
    rows = {s.rule_code: s for s in RuleSetting.objects.filter(clinic_id=clinic_id)}
    values = thresholds.with_overrides({code: row.params for code, row in rows.items()})
    return {
        code: (rows[code].enabled if code in rows else True, dict(values.get(code, {})))
        for code in rules.RULES
    }


def day_of(checkin: CheckIn) -> rules.Day:
    return rules.Day(
        date=checkin.date,
        pain_rest=checkin.pain_rest,
        pain_during=checkin.pain_during,
        pain_after=checkin.pain_after,
        pain_next_morning=checkin.pain_next_morning,
        focal_tenderness=checkin.focal_tenderness,
        swelling=checkin.swelling,
        night_pain=checkin.night_pain,
        pain_with_walking=checkin.pain_with_walking,
        groin_pain=checkin.groin_pain,
        session_done=checkin.session_done,
        run_minutes=checkin.run_minutes,
        sleep_hours=checkin.sleep_hours,
        fatigue=checkin.fatigue,
        fuelling_adequate=checkin.fuelling_adequate,
        menstrual_status=checkin.menstrual_status,
        confidence=checkin.confidence,
        prescribed_kind=checkin.prescribed_kind,
        prescribed_run_minutes=checkin.prescribed_run_minutes,
    )


def context_for(
    patient: Patient, plan: Plan | None, as_of: date, *, history_from: date | None = None
) -> rules.Context:
    """The rules' context; `history_from` is the first day of the check-ins read (days without
    a check-in are counted from there at most: before it, the rules simply do not look)."""
    sites = set(patient.injuries.values_list("site", flat=True)) | set(
        patient.prior_injuries.values_list("site", flat=True)
    )
    stage = plan.current_stage if plan else None
    return _context(
        patient,
        plan,
        as_of,
        sites=sites,
        plan_active=plan is not None
        and plan.status == PlanStatus.ACTIVE
        and patient.status == PatientStatus.ACTIVE,
        plan_start=max(plan.start_date, history_from or plan.start_date) if plan else None,
        running_stage=stage is not None and stage.steps.filter(run_minutes__gt=0).exists(),
        unrestricted_running=plan is None,
    )


def _context(
    patient: Patient,
    plan: Plan | None,
    as_of: date,
    *,
    sites: set[str],
    plan_active: bool,
    plan_start: date | None,
    running_stage: bool,
    unrestricted_running: bool,
) -> rules.Context:
    """What every context says the same way: the athlete's age, hip history and stage cap."""
    stage = plan.current_stage if plan else None
    return rules.Context(
        as_of=as_of,
        adolescent=patient.age_on(as_of) < 18,
        hip_history=bool(sites & HIP_SITES),
        plan_active=plan_active,
        plan_start=plan_start,
        weekly_run_cap=stage.max_weekly_run_minutes if stage else None,
        stage_started_on=plan.stage_started_on if plan else None,
        running_stage=running_stage,
        unrestricted_running=unrestricted_running,
    )


@dataclass
class Outcome:
    raised: list[Flag]
    escalated: list[Flag]


def evaluate_patient(
    patient_id: int, *, as_of: date | None = None, started: datetime | None = None
) -> Outcome:
    """Evaluate one patient now; idempotent (running it twice raises nothing more)."""
    started = started or timezone.now()
    with transaction.atomic():
        patient = (
            Patient.objects.select_for_update(of=("self",))
            .select_related("clinic")
            .get(pk=patient_id)
        )
        today = as_of or timezone.localdate(timezone=patient.clinic.zone)
        plan = (
            Plan.objects.filter(patient=patient, status__in=[PlanStatus.ACTIVE, PlanStatus.PAUSED])
            .select_related("current_stage")
            .first()
        )
        # However late a check-in is evaluated (a worker outage of a week, a month), it is judged
        # on its own day's terms: the window reaches back from the oldest one still waiting,
        # and its findings raise their flag (an earlier cut-off of 7 days dropped them). A rule
        # looks back, so a check-in makes findings on its own day or later: those are applied,
        # and the time-based rule's (days without a check-in); findings on days evaluated
        # before are not applied again (a threshold changed since does not rewrite the past).
        oldest = (
            CheckIn.objects.filter(patient=patient, evaluated_at__isnull=True, date__lte=today)
            .order_by("date")
            .values_list("date", flat=True)
            .first()
        )
        first = min(today, oldest or today) - timedelta(days=HISTORY_DAYS)
        history = [
            day_of(c)
            for c in CheckIn.objects.filter(
                patient=patient, date__gt=first, date__lte=today
            ).order_by("date")
        ]
        chosen = rule_settings_for(patient.clinic_id)
        findings = [
            f
            for f in rules.evaluate(
                history,
                context_for(patient, plan, today, history_from=first + timedelta(days=1)),
                chosen,
            )
            if rules.RULES[f.rule].time_based or (oldest is not None and f.day >= oldest)
        ]
        outcome = Outcome([], [])
        for code, items in findings_by_rule(findings).items():
            _apply(patient, plan, code, items, chosen[code][1], outcome)
        # Check-ins saved or edited after this evaluation started stay pending for the next one.
        CheckIn.objects.filter(
            Q(edited_at__isnull=True) | Q(edited_at__lte=started),
            patient=patient,
            evaluated_at__isnull=True,
            submitted_at__lte=started,
        ).update(evaluated_at=timezone.now())
        for flag in outcome.raised:
            notify_raised(flag)
        for flag in outcome.escalated:
            notify_escalated(flag)
    return outcome


def findings_by_rule(findings: list[rules.Finding]) -> dict[str, list[rules.Finding]]:
    """The findings of each rule in the order they are applied to its flag: by day, the less
    severe first (so a more severe one on the same day escalates)."""
    by_rule: dict[str, list[rules.Finding]] = {}
    for finding in sorted(findings, key=lambda f: (f.day, SEVERITY_RANK[f.severity])):
        by_rule.setdefault(finding.rule, []).append(finding)
    return by_rule


def new_flag(
    finding: rules.Finding,
    *,
    patient: Patient | None = None,
    plan: Plan | None = None,
    thresholds: dict[str, float] | None = None,
) -> Flag:
    """The flag a rule's first finding opens, not saved (of `patient`'s clinic, with the rule's
    version and the `thresholds` it ran with). The benchmark's generator opens its flags so too,
    in memory, without a patient."""
    flag = Flag(
        patient=patient,
        plan=plan,
        rule_code=finding.rule,
        rule_version=rules.RULES[finding.rule].version,
        severity=finding.severity,
        summary=finding.summary[:300],
        evidence=list(finding.evidence),
        thresholds=thresholds or {},
        first_seen_date=finding.day,
        last_evidence_date=finding.day,
    )
    if patient is not None:
        flag.clinic_id = patient.clinic_id
    return flag


def _apply(
    patient: Patient,
    plan: Plan | None,
    code: str,
    findings: list[rules.Finding],
    params: dict[str, float],
    outcome: Outcome,
) -> None:
    flag = (
        Flag.objects.select_for_update()
        .filter(patient=patient, rule_code=code, status__in=["open", "acknowledged"])
        .first()
    )
    closed_until = Flag.objects.filter(
        patient=patient, rule_code=code, status__in=["resolved", "dismissed"]
    ).aggregate(last=Max("last_evidence_date"))["last"]
    for finding in findings:
        if flag is None:
            if closed_until is not None and finding.day <= closed_until:
                continue  # already seen and closed by a clinician
            flag = new_flag(finding, patient=patient, plan=plan, thresholds=params)
            flag.save(force_insert=True)
            outcome.raised.append(flag)
            continue
        changed, escalated = absorb(flag, finding)
        if escalated:
            flag.escalated_at = timezone.now()
            if flag not in outcome.raised and flag not in outcome.escalated:
                outcome.escalated.append(flag)
        if changed:
            flag.save(
                update_fields=[
                    "evidence",
                    "last_evidence_date",
                    "severity",
                    "escalated_at",
                    "summary",
                ]
            )


def absorb(flag: Flag, finding: rules.Finding) -> tuple[bool, bool]:
    """A later finding of the flag's rule applied to the open flag, in memory: its evidence
    merged, the severity raised when the finding is more severe. Returns (changed, escalated).
    The benchmark's generator folds its findings into flags with this too."""
    if finding.day < flag.last_evidence_date:
        return False, False
    changed = _merge_evidence(flag, finding)
    escalated = SEVERITY_RANK[finding.severity] > SEVERITY_RANK[flag.severity]
    if escalated:
        flag.severity = finding.severity
        flag.summary = finding.summary[:300]
        changed = True
    if changed:
        flag.last_evidence_date = max(flag.last_evidence_date, finding.day)
    return changed, escalated


def _merge_evidence(flag: Flag, finding: rules.Finding) -> bool:
    known = {(e.get("date"), e.get("to")) for e in flag.evidence}
    new = [e for e in finding.evidence if (e.get("date"), e.get("to")) not in known]
    if finding.day == flag.last_evidence_date:
        # Same day again (an edited check-in): its values replace the day's evidence.
        replaced = [e for e in flag.evidence if e.get("date") != finding.day.isoformat()]
        updated = (
            replaced
            + [e for e in finding.evidence if e.get("date") == finding.day.isoformat()]
            + [e for e in new if e.get("date") != finding.day.isoformat()]
        )
        if updated != flag.evidence:
            flag.evidence = sorted(updated, key=lambda e: e.get("date", ""))
            return True
        return False
    if not new:
        return False
    flag.evidence = sorted(flag.evidence + new, key=lambda e: e.get("date", ""))
    return True


def evaluate_pending(*, limit: int = 500) -> int:
    """Evaluate patients with unevaluated check-ins (the outbox); returns how many patients.

    Lock order (rtr/locking.py): the patient is claimed first (SKIP LOCKED: a patient whose
    check-in is being saved right now, or whom another worker is evaluating, is left for the
    next poll), and only then are its check-ins read and marked, as a submission does.
    """
    done = 0
    while done < limit:
        if not retry_on_deadlock(_evaluate_next_pending, what="evaluating pending check-ins"):
            return done
        done += 1
    return done


def _evaluate_next_pending(*, candidates: int = 20) -> bool:
    """Claim one patient with a pending check-in and evaluate them; False when none is free."""
    started = timezone.now()
    waiting = list(
        CheckIn.objects.filter(evaluated_at__isnull=True)
        .order_by("submitted_at")
        .values_list("patient_id", flat=True)[: candidates * 5]
    )
    for patient_id in dict.fromkeys(waiting):
        with transaction.atomic():
            claimed = (
                Patient.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=patient_id)
                .values_list("pk", flat=True)
                .first()
            )
            if (
                claimed is None
                or not CheckIn.objects.filter(
                    patient_id=patient_id, evaluated_at__isnull=True
                ).exists()
            ):
                continue  # busy elsewhere, or evaluated meanwhile by another worker
            evaluate_patient(patient_id, started=started)
            return True
    return False


def relay(*, seconds: float, poll: float = 0.05) -> int:
    """The outbox relay: evaluate pending check-ins, and keep looking every `poll` seconds for
    up to `seconds` (beat starts it every second). Measured by `make bench`: with a single pass
    per beat tick, a check-in waited for the next tick, so commit-to-flag was about 0.5 s at
    p50 and about 1 s at p95; polling the outbox index is a query of well under a millisecond.
    """
    deadline = time.monotonic() + seconds
    done = evaluate_pending()
    while time.monotonic() + poll < deadline:
        time.sleep(poll)
        done += evaluate_pending()
    return done


def sweep(*, as_of: date | None = None) -> dict[str, int]:
    """The hourly sweep: anything left unevaluated, then the one rule time alone can trigger.

    Every other rule looks only at check-ins, so it already ran when the check-in came in (the
    outbox above); a missed check-in is the absence of one. So the sweep does not re-run every
    rule for every active plan: it finds, with one query per clinic, the patients for whom the
    days without a check-in now reach the rule's threshold (no open flag yet) or its `low`
    threshold (an open flag still at `info`), and evaluates only those. Measured on the
    benchmark's data (10,000 active plans, 950,000 check-ins): re-evaluating every patient one
    by one took about ten minutes (about 58 ms each); finding the due ones takes about 0.2 s
    (README, Performance, has the latest figures beside a plain SQL scan).
    """
    pending = evaluate_pending(limit=100_000)
    due = missed_checkin_candidates(as_of=as_of)
    for patient_id in due:
        evaluate_patient(patient_id, as_of=as_of)
    return {"pending": pending, "patients": len(due), "resent": deliver_stuck()}


def missed_checkin_candidates(*, as_of: date | None = None) -> list[int]:
    """Patients on an active plan whose days without a check-in would raise or escalate the
    missed check-ins flag today (each clinic's own date and thresholds)."""
    code = "missed_checkins"
    due: list[int] = []
    clinics = Clinic.objects.filter(
        Exists(
            Plan.objects.filter(
                status=PlanStatus.ACTIVE,
                patient__clinic_id=OuterRef("pk"),
                patient__status=PatientStatus.ACTIVE,
            )
        )
    )
    for clinic in clinics:
        enabled, params = rule_settings_for(clinic.pk)[code]
        if not enabled:
            continue
        today = as_of or timezone.localdate(timezone=clinic.zone)
        # Whole days missed (today is not over) = today - 1 - max(last check-in, plan start - 1),
        # so "at least n days" is two comparisons with constants; two statements (no open flag
        # yet / an open `info` one), each reading the latest check-in date once per plan
        # through the (patient, date) index.
        plans = Plan.objects.filter(
            status=PlanStatus.ACTIVE,
            patient__clinic=clinic,
            patient__status=PatientStatus.ACTIVE,
        ).annotate(
            last_checkin=Coalesce(
                Subquery(
                    CheckIn.objects.filter(patient_id=OuterRef("patient_id"), date__lte=today)
                    .order_by("-date")
                    .values("date")[:1]
                ),
                Value(date.min),
            )
        )
        open_flags = Flag.objects.filter(
            patient_id=OuterRef("patient_id"),
            rule_code=code,
            status__in=[FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED],
        )
        for flags, n in (
            (~Exists(open_flags), params["days"]),
            (Exists(open_flags.filter(severity="info")), params["low_days"]),
        ):
            due += plans.filter(
                flags,
                start_date__lte=today - timedelta(days=int(n)),
                last_checkin__lte=today - timedelta(days=int(n) + 1),
            ).values_list("patient_id", flat=True)
    return due


def flag_counts_for(findings: list[rules.Finding], *, quiet_days: int = 7) -> dict[str, int]:
    """How many flags findings would have raised: a flag per episode of a rule for a patient,
    an episode ending after `quiet_days` without a finding (the dry run's assumption)."""
    counts: dict[str, int] = {}
    last: dict[str, date] = {}
    for finding in sorted(findings, key=lambda f: f.day):
        previous = last.get(finding.rule)
        if previous is None or (finding.day - previous).days > quiet_days:
            counts[finding.rule] = counts.get(finding.rule, 0) + 1
        last[finding.rule] = finding.day
    return counts


def dry_run(
    clinic_id: int,
    proposed: dict[str, tuple[bool, dict[str, float]]],
    *,
    as_of: date,
    days: int = 90,
) -> dict[str, dict[str, int]]:
    """Replay the clinic's last `days` days of check-ins with the current and the proposed
    settings: flags per rule each would have raised."""
    current = rule_settings_for(clinic_id)
    first = as_of - timedelta(days=days)
    totals: dict[str, dict[str, int]] = {
        code: {"current": 0, "proposed": 0} for code in rules.RULES
    }
    checkins = CheckIn.objects.filter(
        patient__clinic_id=clinic_id, date__gt=first - timedelta(days=HISTORY_DAYS), date__lte=as_of
    ).order_by("patient_id", "date")
    patients = {
        p.pk: p
        for p in Patient.objects.filter(clinic_id=clinic_id).prefetch_related(
            "injuries", "prior_injuries"
        )
    }
    plans = {
        p.patient_id: p
        for p in Plan.objects.filter(patient__clinic_id=clinic_id)
        .exclude(status="draft")
        .select_related("current_stage")
        .prefetch_related("current_stage__steps")
    }
    by_patient: dict[int, list[rules.Day]] = {}
    for checkin in checkins.iterator(chunk_size=2000):
        by_patient.setdefault(checkin.patient_id, []).append(day_of(checkin))
    for patient_id, history in by_patient.items():
        patient = patients[patient_id]
        ctx = _dry_context(
            patient, plans.get(patient_id), as_of, history_from=first - timedelta(HISTORY_DAYS - 1)
        )
        for label, chosen in (("current", current), ("proposed", proposed)):
            findings = [f for f in rules.evaluate(history, ctx, chosen) if f.day > first]
            for code, count in flag_counts_for(findings).items():
                totals[code][label] += count
    return totals


def _dry_context(
    patient: Patient, plan: Plan | None, as_of: date, *, history_from: date
) -> rules.Context:
    sites = {i.site for i in patient.injuries.all()} | {
        p.site for p in patient.prior_injuries.all()
    }
    stage = plan.current_stage if plan else None
    return _context(
        patient,
        plan,
        as_of,
        sites=sites,
        plan_active=plan is not None
        and plan.status in {PlanStatus.ACTIVE, PlanStatus.COMPLETED, PlanStatus.STOPPED},
        plan_start=max(plan.start_date, history_from) if plan else None,
        running_stage=stage is not None and any(s.run_minutes > 0 for s in stage.steps.all()),
        unrestricted_running=plan is None or plan.status == PlanStatus.COMPLETED,
    )


def open_flags_summary(clinic_id: int) -> dict[str, Any]:
    rows = (
        Flag.objects.filter(
            clinic_id=clinic_id, status__in=[FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED]
        )
        .values("severity")
        .annotate(n=Count("pk"))
    )
    return {row["severity"]: row["n"] for row in rows}
