"""The generator: clinics, staff, athletes, patients, injuries and plans, then the check-ins
and flags (bench.generate.history, bench.generate.flags), all in one transaction."""

from __future__ import annotations

import itertools
import math
import random
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from bench.generate.caseload import (
    CLINIC_OPTIONS,
    CLINIC_PREFIX,
    DISCIPLINES,
    DOMAIN,
    FIRST_NAMES,
    LAST_NAMES,
    LIBRARY_ORDER,
    LONG_HISTORY_DAYS,
    PASSWORD,
    PATIENTS_PER_COACH,
    PATIENTS_PER_PHYSIO,
    SITES,
    ZONE,
    PatientPlan,
    StageSpec,
    StepSpec,
    TemplateSpec,
)
from bench.generate.copying import Copier, allocate_ids
from bench.generate.flags import FlagWriter
from bench.generate.history import CheckinHistory
from checkins.models import (
    Flag,
)
from checkins.warning_signs import evaluation
from patients.models import CareTeamMember, Injury, Patient, PatientStatus
from patients.services import injury_derive
from protocols import models as protocol_models
from protocols.eligibility import misfit_reasons
from protocols.library import load_library
from protocols.services import templates as protocol_services
from rtr.accounts.models import Clinic, Membership, Role, User


class Generator(CheckinHistory, FlagWriter):
    def run(self) -> None:
        t = time.monotonic()
        load_library()
        self.templates = self.library()
        self.people()
        self.step("clinics, staff, athletes, patients, injuries", t)
        t = time.monotonic()
        self.plans()
        self.step("plan copies and plans", t)
        t = time.monotonic()
        count = self.checkins()
        self.current_steps()
        self.step(f"{count} check-ins", t)
        t = time.monotonic()
        history = self.history_flags()
        self.step(f"{history} historical flags (resolved or dismissed)", t)
        t = time.monotonic()
        live = self.open_flags()
        self.step(f"{live} open flags", t)

    def finish(self) -> None:
        """After the commit: check the open flags are what the app's evaluation makes of the
        data (a sample is evaluated: nothing new may be raised), and refresh the statistics."""
        t = time.monotonic()
        sample = [p.patient_id for p in self.patients[:: max(1, len(self.patients) // 25)]]
        before = Flag.objects.filter(patient_id__in=sample).count()
        changed = 0
        for patient_id in sample:
            with transaction.atomic():
                outcome = evaluation.evaluate_patient(patient_id, as_of=self.today)
                changed += len(outcome.raised) + len(outcome.escalated)
                transaction.set_rollback(True)  # a check: it leaves the data as generated
        self.step(
            f"steady-state check: evaluate_patient on {len(sample)} patients raised or escalated "
            f"{changed} flag(s) (of {before})",
            t,
        )
        t = time.monotonic()
        with connection.cursor() as cursor:
            for table in (
                "checkins_checkin",
                "checkins_flag",
                "patients_patient",
                "protocols_plan",
            ):
                cursor.execute(f"ANALYZE {table}")
        self.step("ANALYZE", t)

    # --- templates ---------------------------------------------------------------------------

    def library(self) -> dict[str, TemplateSpec]:
        result = {}
        for code in LIBRARY_ORDER:
            template = protocol_models.ProtocolTemplate.objects.get(
                clinic__isnull=True,
                code=code,
                is_plan_copy=False,
                status=protocol_models.TemplateStatus.PUBLISHED,
            )
            stages = list(template.stages.prefetch_related("steps", "criteria").order_by("order"))
            specs = []
            for index, stage in enumerate(stages):
                steps = tuple(
                    StepSpec(
                        index=i,
                        kind=s.kind,
                        label=(s.label or s.describe())[:160],
                        run_total=int(s.run_total_minutes),
                        walk_total=int(s.walk_minutes * s.repetitions),
                        cross_minutes=s.cross_training_minutes,
                        prescribed_run=s.run_total_minutes,
                    )
                    for i, s in enumerate(sorted(stage.steps.all(), key=lambda s: s.order))
                )
                specs.append(
                    StageSpec(
                        index=index,
                        duration=(stage.duration_min_weeks, stage.duration_max_weeks),
                        sessions_per_week=stage.session_days_per_week,
                        no_back_to_back=stage.no_back_to_back,
                        rest_days=stage.rest_days_per_week,
                        has_strength=bool(stage.strength),
                        has_cross_training=bool(stage.cross_training),
                        weekly_cap=stage.max_weekly_run_minutes,
                        steps=steps,
                    )
                )
            result[code] = TemplateSpec(template, stages, specs)
        return result

    # --- people ------------------------------------------------------------------------------

    def people(self) -> None:
        rng = self.rng
        sizes = self.clinic_sizes()
        password = make_password(PASSWORD)
        user_ids = iter(allocate_ids(User, self.n_patients + self.staff_count(sizes)))
        users: list[tuple[Any, ...]] = []
        memberships: list[tuple[Any, ...]] = []
        self.patients: list[PatientPlan] = []
        patient_rows: list[dict[str, Any]] = []  # one key a column
        injury_rows: list[tuple[Any, ...]] = []
        care_rows: list[tuple[Any, ...]] = []
        patient_ids = iter(allocate_ids(Patient, self.n_patients))
        joined = self.at(self.today - timedelta(days=max(self.days, LONG_HISTORY_DAYS) + 30), 9)
        athlete_number = itertools.count()
        for c, size in enumerate(sizes, start=1):
            clinic = Clinic.objects.create(
                name=f"{CLINIC_PREFIX} {c}", time_zone=ZONE, **CLINIC_OPTIONS
            )
            lead = next(user_ids)
            users.append((lead, password, f"lead-{c}@{DOMAIN}", "Lena", f"Lead {c}", joined))
            memberships.append((lead, clinic.pk, Role.LEAD))
            physios = [next(user_ids) for _ in range(math.ceil(size / PATIENTS_PER_PHYSIO))]
            for j, physio in enumerate(physios, start=1):
                users.append(
                    (
                        physio,
                        password,
                        f"physio-{c}-{j}@{DOMAIN}",
                        rng.choice(FIRST_NAMES),
                        f"Physio {j}",
                        joined,
                    )
                )
                memberships.append((physio, clinic.pk, Role.PHYSIO))
            coaches = [next(user_ids) for _ in range(max(1, size // PATIENTS_PER_COACH))]
            for j, coach in enumerate(coaches, start=1):
                users.append(
                    (coach, password, f"coach-{c}-{j}@{DOMAIN}", "Cal", f"Coach {j}", joined)
                )
                memberships.append((coach, clinic.pk, Role.COACH))
            for k in range(size):
                number = next(athlete_number)
                athlete, patient_id = next(user_ids), next(patient_ids)
                physio = physios[k // PATIENTS_PER_PHYSIO]
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                email = f"athlete-{number:05d}@{DOMAIN}"
                users.append((athlete, password, email, first, last, joined))
                memberships.append((athlete, clinic.pk, Role.ATHLETE))
                sex = rng.choices(["female", "male", "other"], [55, 44, 1])[0]
                age = rng.choice([15, 16, 17]) if rng.random() < 0.15 else rng.randint(18, 55)
                born = self.today - timedelta(days=age * 365 + rng.randint(30, 330))
                site, zone, _w = rng.choices(SITES, [s[2] for s in SITES])[0]
                derived = injury_derive(site=site, metatarsal_zone=zone)
                days = LONG_HISTORY_DAYS if number == 0 else self.days
                start = self.today - timedelta(days=max(days, self.days))
                diagnosed = start - timedelta(days=rng.randint(3, 20))
                fred = rng.choice(["2", "3", "3", "4a"])
                injury = Injury(
                    site=site,
                    metatarsal_zone=zone,
                    risk_category=derived["derived_risk"],
                    fredericson_grade=fred,
                )
                template = next(
                    self.templates[code]
                    for code in LIBRARY_ORDER
                    if not misfit_reasons(self.templates[code].template, injury)
                    or code == LIBRARY_ORDER[-1]
                )
                patient_rows.append(
                    {
                        "id": patient_id,
                        "clinic_id": clinic.pk,
                        "user_id": athlete,
                        "first_name": first,
                        "last_name": last,
                        "date_of_birth": born,
                        "sex": sex,
                        "sport": "Running",
                        "discipline": rng.choice(DISCIPLINES),
                        "pre_injury_weekly_km": Decimal(rng.randint(20, 110)),
                        "pre_injury_weekly_minutes": rng.randint(120, 600),
                        "contact_email": email,
                        "consent_given_at": self.at(diagnosed, 11),
                        "consent_recorded_by_id": physio,
                        "status": PatientStatus.ACTIVE,
                        "assigned_physio_id": physio,
                    }
                )
                injury_rows.append(
                    (
                        patient_id,
                        True,
                        site,
                        zone,
                        rng.choice(["left", "right", "left", "right", "bilateral"]),
                        derived["bone_type"],
                        derived["derived_risk"],
                        derived["derived_risk"],
                        derived["bone_health_flag"],
                        fred,
                        diagnosed - timedelta(days=rng.randint(7, 40)),
                        diagnosed,
                        physio,
                    )
                )
                if rng.random() < 0.1:
                    care_rows.append((patient_id, rng.choice(coaches), Role.COACH))
                self.patients.append(
                    PatientPlan(
                        index=number,
                        patient_id=patient_id,
                        user_id=athlete,
                        clinic_id=clinic.pk,
                        physio_id=physio,
                        lead_id=lead,
                        full_name=f"{first} {last}",
                        template=template,
                        stage_ids=[],
                        step_ids=[],
                        plan_id=0,
                        start=start,
                        stage_starts=[],
                        days=days,
                        female=sex == "female",
                        adolescent=age < 18,
                        hip_history=site in evaluation.HIP_SITES,
                        rng=random.Random(self.seed * 1_000_003 + number),  # noqa: S311
                    )
                )
        Copier(
            User,
            ["id", "password", "email", "first_name", "last_name", "date_joined"],
            with_pk=True,
        ).copy(users)
        Copier(Membership, ["user_id", "clinic_id", "role"], with_pk=False).copy(memberships)
        Copier(Patient, list(patient_rows[0]), with_pk=True).copy(
            tuple(row.values()) for row in patient_rows
        )
        Copier(
            Injury,
            [
                "patient_id",
                "is_current",
                "site",
                "metatarsal_zone",
                "side",
                "bone_type",
                "derived_risk",
                "risk_category",
                "bone_health_flag",
                "fredericson_grade",
                "first_symptoms_on",
                "diagnosed_on",
                "created_by_id",
            ],
            with_pk=False,
        ).copy(injury_rows)
        Copier(CareTeamMember, ["patient_id", "user_id", "role"], with_pk=False).copy(care_rows)

    def clinic_sizes(self) -> list[int]:
        if self.n_clinics == 1:
            return [self.n_patients]
        others = max(1, self.n_patients // 10 // (self.n_clinics - 1))
        return [self.n_patients - others * (self.n_clinics - 1)] + [others] * (self.n_clinics - 1)

    @staticmethod
    def staff_count(sizes: list[int]) -> int:
        return sum(
            1 + math.ceil(size / PATIENTS_PER_PHYSIO) + max(1, size // PATIENTS_PER_COACH)
            for size in sizes
        )

    # --- plans -------------------------------------------------------------------------------

    def plans(self) -> None:
        """Each plan gets its own copy of its template (header, stages, criteria, steps), like
        `plan_assign`, then is confirmed (`plan_confirm`) and advanced through its stages."""
        copies = allocate_ids(protocol_models.ProtocolTemplate, len(self.patients))
        plan_ids = allocate_ids(protocol_models.Plan, len(self.patients))
        n_stages = sum(len(p.template.stages) for p in self.patients)
        stage_ids = iter(allocate_ids(protocol_models.Stage, n_stages))
        n_steps = sum(len(s.steps) for p in self.patients for s in p.template.specs)
        step_ids = iter(allocate_ids(protocol_models.SessionStep, n_steps))
        header_names = ["id", *protocol_services.TEMPLATE_FIELDS]
        templates: list[tuple[Any, ...]] = []
        stages: list[tuple[Any, ...]] = []
        steps: list[tuple[Any, ...]] = []
        criteria: list[tuple[Any, ...]] = []
        plans: list[tuple[Any, ...]] = []
        decisions: list[tuple[Any, ...]] = []
        for p, copy_id, plan_id in zip(self.patients, copies, plan_ids, strict=True):
            source = p.template.template
            templates.append(
                (
                    copy_id,
                    *(getattr(source, f) for f in protocol_services.TEMPLATE_FIELDS),
                    p.clinic_id,
                    source.code,
                    source.version,
                    protocol_models.TemplateStatus.DRAFT,
                    True,
                    source.pk,
                    p.physio_id,
                )
            )
            p.plan_id = plan_id
            for stage in p.template.stages:
                stage_id = next(stage_ids)
                p.stage_ids.append(stage_id)
                stages.append(
                    (
                        stage_id,
                        copy_id,
                        stage.order,
                        *(getattr(stage, f) for f in protocol_services.STAGE_FIELDS),
                    )
                )
                ids = []
                for s in sorted(stage.steps.all(), key=lambda s: s.order):
                    step_id = next(step_ids)
                    ids.append(step_id)
                    steps.append(
                        (
                            step_id,
                            stage_id,
                            s.order,
                            *(getattr(s, f) for f in protocol_services.STEP_FIELDS),
                        )
                    )
                p.step_ids.append(ids)
                criteria.extend(
                    (
                        stage_id,
                        c.order,
                        *(getattr(c, f) for f in protocol_services.CRITERION_FIELDS),
                    )
                    for c in stage.criteria.all()
                )
            self.timeline(p)
            stage_started = p.stage_starts[p.current_stage]
            plans.append(
                (
                    plan_id,
                    p.patient_id,
                    source.pk,
                    copy_id,
                    p.start,
                    protocol_models.PlanStatus.ACTIVE,
                    p.stage_ids[p.current_stage],
                    p.step_ids[p.current_stage][0],
                    stage_started,
                    p.physio_id,
                )
            )
            for index in range(p.current_stage + 1):
                decisions.append(
                    (
                        plan_id,
                        protocol_models.DecisionKind.START
                        if index == 0
                        else protocol_models.DecisionKind.ADVANCE,
                        p.stage_ids[index - 1] if index else None,
                        p.stage_ids[index],
                        [] if index == 0 else [{"text": "Reviewed in clinic", "met": True}],
                        "Plan confirmed." if index == 0 else "Entry criteria met, pain-free.",
                        p.physio_id,
                        self.at(p.stage_starts[index], 10),
                    )
                )
        Copier(
            protocol_models.ProtocolTemplate,
            [
                *header_names,
                "clinic_id",
                "code",
                "version",
                "status",
                "is_plan_copy",
                "based_on_id",
                "created_by_id",
            ],
            with_pk=True,
        ).copy(templates)
        Copier(
            protocol_models.Stage,
            ["id", "template_id", "order", *protocol_services.STAGE_FIELDS],
            with_pk=True,
        ).copy(stages)
        Copier(
            protocol_models.SessionStep,
            ["id", "stage_id", "order", *protocol_services.STEP_FIELDS],
            with_pk=True,
        ).copy(steps)
        Copier(
            protocol_models.EntryCriterion,
            ["stage_id", "order", *protocol_services.CRITERION_FIELDS],
            with_pk=False,
        ).copy(criteria)
        Copier(
            protocol_models.Plan,
            [
                "id",
                "patient_id",
                "source_template_id",
                "content_id",
                "start_date",
                "status",
                "current_stage_id",
                "current_step_id",
                "stage_started_on",
                "created_by_id",
            ],
            with_pk=True,
        ).copy(plans)
        Copier(
            protocol_models.StageDecision,
            [
                "plan_id",
                "kind",
                "from_stage_id",
                "to_stage_id",
                "criteria_met",
                "rationale",
                "decided_by_id",
                "decided_at",
            ],
            with_pk=False,
        ).copy(decisions)

    def timeline(self, p: PatientPlan) -> None:
        """When each stage started: typical durations, the current stage the one holding today."""
        day = p.start
        for index, spec in enumerate(p.template.specs):
            p.stage_starts.append(day)
            p.current_stage = index
            low, high = spec.duration
            day = day + timedelta(weeks=p.rng.randint(max(1, low), max(1, low, high)))
            if day > self.today:
                break

    def current_steps(self) -> None:
        """Where each plan's step ladder stands after the generated sessions."""
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE protocols_plan p SET current_step_id = v.step "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(plan, step) WHERE p.id = v.plan",
                [
                    [p.plan_id for p in self.patients],
                    [p.step_ids[p.current_stage][p.current_step] for p in self.patients],
                ],
            )

    def clinic_ids(self) -> list[int]:
        return list(
            Clinic.objects.filter(name__startswith=CLINIC_PREFIX).values_list("pk", flat=True)
        )
