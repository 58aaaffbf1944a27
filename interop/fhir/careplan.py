"""A patient's plans: CarePlan resources with the stages as activities, and Goal resources
for each stage's entry criteria and for the return to sport."""

from __future__ import annotations

from typing import Any

from protocols.models import Plan, PlanStatus

from .builder import Builder, ref, rid
from .codes import PLAN_STATUS


def add_careplans(b: Builder, plans: list[Plan], condition_id: str | None) -> None:
    for plan in plans:
        if plan.status == PlanStatus.DRAFT:
            continue
        plan_id = str(plan.public_id)
        current_order = plan.current_stage.order if plan.current_stage else 0
        stages = list(plan.content.stages.all())
        activities = []
        for stage in stages:
            goal_ids = []
            reached = stage.order < current_order or (
                stage.order == current_order and plan.status != PlanStatus.DRAFT
            )
            for criterion in stage.criteria.all():
                goal_id = str(criterion.public_id)
                goal: dict[str, Any] = {
                    "resourceType": "Goal",
                    "id": goal_id,
                    "lifecycleStatus": "completed" if reached else "active",
                    "description": {"text": f"Entry to {stage.name}: {criterion.text}"},
                    "subject": b.subject,
                }
                if reached:
                    goal["achievementStatus"] = {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                                "code": "achieved",
                            }
                        ]
                    }
                if criterion.requirement:
                    goal["note"] = [{"text": f"Requirement: {criterion.requirement}"}]
                if condition_id:
                    goal["addresses"] = [ref("Condition", condition_id)]
                goal_ids.append(b.add(goal))
            if stage.order < current_order or (
                stage.order == current_order and plan.status == PlanStatus.COMPLETED
            ):
                status = "completed"
            elif stage.order == current_order:
                status = {"active": "in-progress", "paused": "on-hold", "stopped": "stopped"}[
                    plan.status
                ]
            else:
                status = "cancelled" if plan.status == PlanStatus.STOPPED else "not-started"
            detail: dict[str, Any] = {
                "code": {"text": f"Stage {stage.order}: {stage.name}"},
                "status": status,
            }
            if stage.goals:
                detail["description"] = stage.goals
            if goal_ids:
                detail["goal"] = [ref("Goal", g) for g in goal_ids]
            activities.append({"detail": detail})
        graduated = plan.status == PlanStatus.COMPLETED
        rts_goal: dict[str, Any] = {
            "resourceType": "Goal",
            "id": rid("rts-goal", plan_id),
            "lifecycleStatus": "completed"
            if graduated
            else ("cancelled" if plan.status == PlanStatus.STOPPED else "active"),
            "description": {"text": "Return to sport"},
            "subject": b.subject,
        }
        if graduated:
            rts_goal["achievementStatus"] = {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                        "code": "achieved",
                    }
                ]
            }
        if condition_id:
            rts_goal["addresses"] = [ref("Condition", condition_id)]
        b.add(rts_goal)
        careplan: dict[str, Any] = {
            "resourceType": "CarePlan",
            "id": plan_id,
            "status": PLAN_STATUS.get(plan.status, "unknown"),
            "intent": "plan",
            "title": str(plan.content),
            "subject": b.subject,
            "period": {"start": plan.start_date.isoformat()},
            "goal": [ref("Goal", rts_goal["id"])],
            "activity": activities,
        }
        if condition_id:
            careplan["addresses"] = [ref("Condition", condition_id)]
        b.add(careplan)
        b.provenance(
            f"plan:{plan_id}",
            [f"CarePlan/{plan_id}"],
            plan.created_at,
            plan.created_by,
            "Plan assigned",
        )
        for decision in plan.decisions.all():
            b.provenance(
                f"decision:{decision.public_id}",
                [f"CarePlan/{plan_id}"],
                decision.decided_at,
                decision.decided_by,
                f"Stage decision: {decision.get_kind_display()}",
            )
