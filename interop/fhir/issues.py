"""A patient's warning-sign flags as DetectedIssue resources, with their evidence (the
check-in's Observations) and their resolution."""

from __future__ import annotations

from datetime import date
from typing import Any

from checkins.models import Flag, FlagAction
from checkins.warning_signs.rules import RULES

from .builder import Builder, instant, ref
from .codes import FLAG_SEVERITY, LOCAL_ACTION, LOCAL_RULE


def add_detected_issues(b: Builder, flags: list[Flag]) -> None:
    for flag in flags:
        rule = RULES.get(flag.rule_code)
        title = rule.title if rule else flag.rule_code
        evidence_refs: list[dict[str, str]] = []
        for entry in flag.evidence or []:
            try:
                day = date.fromisoformat(str(entry.get("date")))
            except ValueError:
                continue
            observed = b.observations_by_day.get(day, {})
            named = [observed[k] for k in entry if k in observed]
            if named:
                evidence_refs += [ref("Observation", o) for o in named]
            elif day in b.questionnaire_by_day:
                evidence_refs.append(ref("QuestionnaireResponse", b.questionnaire_by_day[day]))
        issue: dict[str, Any] = {
            "resourceType": "DetectedIssue",
            "id": str(flag.public_id),
            "status": "final" if not flag.is_open else "preliminary",
            "code": {
                "coding": [{"system": LOCAL_RULE, "code": flag.rule_code, "display": title}],
                "text": title,
            },
            "severity": FLAG_SEVERITY.get(flag.severity, "moderate"),
            "patient": b.subject,
            "identifiedDateTime": instant(flag.opened_at),
            "detail": flag.summary,
        }
        if flag.plan_id is not None and flag.plan is not None and flag.plan.status != "draft":
            issue["implicated"] = [ref("CarePlan", str(flag.plan.public_id))]
        if evidence_refs:
            unique = list({r["reference"]: r for r in evidence_refs}.values())
            issue["evidence"] = [{"detail": unique}]
        if flag.status in ("resolved", "dismissed"):
            action = flag.action or ("dismissed" if flag.status == "dismissed" else "no_action")
            label = str(FlagAction(action).label) if action in FlagAction.values else "Dismissed"
            mitigation: dict[str, Any] = {
                "action": {
                    "coding": [{"system": LOCAL_ACTION, "code": action, "display": label}],
                    "text": label,
                }
            }
            if flag.resolved_at:
                mitigation["date"] = instant(flag.resolved_at)
            author = b.agent(flag.resolved_by)
            if author:
                mitigation["author"] = author
            issue["mitigation"] = [mitigation]
        b.add(issue)
