"""A patient's check-ins: a QuestionnaireResponse each, with the answers as reported, and
Observations of pain, sleep and the session's running."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from checkins.models import CheckIn

from .builder import Builder, instant, quantity, ref, rid
from .codes import (
    CHECKIN_ITEMS,
    CODED_ITEMS,
    LOCAL_CHECKIN,
    LOCAL_MEASURES,
    LOCAL_OBSERVATION,
    OBSERVATION_CATEGORY,
    PAIN_FIELDS,
    PAIN_LOINC,
    SLEEP_LOINC,
)


def _answer(checkin: CheckIn, name: str, value: Any) -> dict[str, Any]:
    if name in CODED_ITEMS:
        display = getattr(checkin, f"get_{name}_display")()
        return {
            "valueCoding": {
                "system": LOCAL_CHECKIN + "/" + name.replace("_", "-"),
                "code": value,
                "display": str(display),
            }
        }
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, Decimal):
        return {"valueDecimal": float(value)}
    if isinstance(value, int):
        return {"valueInteger": value}
    return {"valueString": str(value)}


def add_checkins(b: Builder, checkins: list[CheckIn], site: dict[str, Any] | None) -> None:
    for checkin in checkins:
        qr_id = str(checkin.public_id)
        items = []
        for name, text in CHECKIN_ITEMS.items():
            value = getattr(checkin, name)
            if value is None or value == "":  # not reported: absent, never a value
                continue
            items.append({"linkId": name, "text": text, "answer": [_answer(checkin, name, value)]})
        author = b.agent(checkin.submitted_by) or b.subject
        b.add(
            {
                "resourceType": "QuestionnaireResponse",
                "id": qr_id,
                "status": "amended" if checkin.edited_at else "completed",
                "subject": b.subject,
                "authored": instant(checkin.submitted_at),
                "author": author,
                "source": b.subject,
                "item": items,
            }
        )
        b.questionnaire_by_day[checkin.date] = qr_id
        day_obs: dict[str, str] = {}
        targets = [f"QuestionnaireResponse/{qr_id}"]

        def observation(
            name: str,
            code: dict[str, Any],
            value: dict[str, Any],
            *,
            with_site: bool = False,
            checkin: CheckIn = checkin,
            qr_id: str = qr_id,
            day_obs: dict[str, str] = day_obs,
            targets: list[str] = targets,
        ) -> None:
            obs_id = rid("observation", checkin.public_id, name)
            resource: dict[str, Any] = {
                "resourceType": "Observation",
                "id": obs_id,
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}
                        ]
                    }
                ],
                "code": code,
                "subject": b.subject,
                "effectiveDateTime": checkin.date.isoformat(),
                "issued": instant(checkin.submitted_at),
                "performer": [b.subject],
                "valueQuantity": value,
                "derivedFrom": [ref("QuestionnaireResponse", qr_id)],
            }
            if with_site and site is not None:
                resource["bodySite"] = site
            b.add(resource)
            day_obs[name] = obs_id
            targets.append(f"Observation/{obs_id}")

        for name, label in PAIN_FIELDS.items():
            value = getattr(checkin, name)
            if value is None:
                continue
            observation(
                name,
                {
                    "coding": [
                        PAIN_LOINC,
                        {
                            "system": LOCAL_OBSERVATION,
                            "code": name.replace("_", "-"),
                            "display": label,
                        },
                    ],
                    "text": f"{label} (0-10)",
                },
                quantity(value, "{score}"),
                with_site=True,
            )
        if checkin.sleep_hours is not None:
            observation(
                "sleep_hours",
                {"coding": [SLEEP_LOINC], "text": "Sleep duration"},
                quantity(checkin.sleep_hours, "h"),
            )
        for name, (code, display, unit) in LOCAL_MEASURES.items():
            value = getattr(checkin, name)
            if value is None or (name == "run_minutes" and not checkin.did_session):
                continue
            observation(
                name,
                {
                    "coding": [{"system": LOCAL_OBSERVATION, "code": code, "display": display}],
                    "text": display,
                },
                quantity(value, unit),
            )
        b.observations_by_day[checkin.date] = day_obs
        b.provenance(
            f"checkin:{qr_id}",
            targets,
            checkin.submitted_at,
            checkin.submitted_by,
            "Daily check-in",
        )
