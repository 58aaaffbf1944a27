"""The flags the generated check-ins imply: history flags (closed by the physio) and open ones,
with the notifications the app writes for them."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from typing import Any

from django.urls import reverse

from bench.generate.caseload import (
    CLOSED_AFTER_DAYS,
    FLAG_COLUMNS,
    NOTIFICATION_COLUMNS,
    GeneratorBase,
    PatientPlan,
)
from bench.generate.copying import Copier, allocate_ids
from checkins import rules
from checkins.models import (
    Channel,
    Flag,
    FlagAction,
    FlagStatus,
    Notification,
    NotificationKind,
    Severity,
)


class FlagWriter(GeneratorBase):
    # --- flags -------------------------------------------------------------------------------

    def history_flags(self) -> int:
        """Findings older than the live look-back were flags the care team has dealt with: one
        per episode (a rule quiet for more than a week ends one), resolved or dismissed."""
        cutoff = self.today - timedelta(days=CLOSED_AFTER_DAYS)
        episodes: list[tuple[PatientPlan, str, list[rules.Finding]]] = []
        for p in self.patients:
            old = sorted((f for f in p.findings if f.day <= cutoff), key=lambda f: (f.rule, f.day))
            for code, items in itertools.groupby(old, key=lambda f: f.rule):
                episode: list[rules.Finding] = []
                for finding in [*items, None]:
                    if episode and (finding is None or (finding.day - episode[-1].day).days > 7):
                        episodes.append((p, code, episode))
                        episode = []
                    if finding is not None:
                        episode.append(finding)
            p.findings = []
        flags: list[tuple[Any, ...]] = []
        notes: list[tuple[Any, ...]] = []
        for flag_id, (p, code, episode) in zip(
            allocate_ids(Flag, len(episodes)), episodes, strict=True
        ):
            flags.append(self.closed_flag(p, flag_id, code, episode))
            notes.extend(self.flag_notifications(p, flags[-1], rules.SEVERITY_ORDER))
        Copier(
            Flag,
            [
                *FLAG_COLUMNS,
                "acknowledged_by_id",
                "acknowledged_at",
                "resolved_by_id",
                "resolved_at",
                "action",
                "resolution_note",
            ],
            with_pk=True,
        ).copy(flags)
        Copier(
            Notification,
            [*NOTIFICATION_COLUMNS, "read_at"],
            with_pk=False,
        ).copy(notes)
        return len(flags)

    def closed_flag(
        self, p: PatientPlan, flag_id: int, code: str, episode: list[rules.Finding]
    ) -> tuple[Any, ...]:
        rule = rules.RULES[code]
        rng = p.rng
        severity = max((f.severity for f in episode), key=lambda s: rules.SEVERITY_ORDER[s])
        seen: set[tuple[Any, Any]] = set()
        evidence = []
        for finding in episode:
            for item in finding.evidence:
                key = (item.get("date"), item.get("to"))
                if key not in seen:
                    seen.add(key)
                    evidence.append(item)
        evidence.sort(key=lambda e: e.get("date", ""))
        opened = self.at(episode[0].day, 21, rng.randint(0, 59))
        resolved = opened + timedelta(hours=rng.randint(6, 60))
        dismissed = rng.random() < 0.15
        action = (
            ""
            if dismissed
            else rng.choice([FlagAction.CONTACT, FlagAction.NO_ACTION, FlagAction.REFER])
        )
        return (
            flag_id,
            uuid.uuid4(),
            p.clinic_id,
            p.patient_id,
            p.plan_id,
            code,
            rule.version,
            severity,
            FlagStatus.DISMISSED if dismissed else FlagStatus.RESOLVED,
            episode[-1].summary[:300],
            evidence[-30:],
            rules.defaults(rule),
            episode[0].day,
            episode[-1].day,
            opened,
            p.physio_id,
            opened + timedelta(hours=2),
            p.physio_id,
            resolved,
            action,
            "Reviewed with the athlete." if not dismissed else "Expected after the session change.",
        )

    def flag_notifications(
        self, p: PatientPlan, flag: tuple[Any, ...], rank: dict[str, int]
    ) -> list[tuple[Any, ...]]:
        flag_id, public_id, severity, opened = flag[0], flag[1], flag[7], flag[14]
        recipients = [p.physio_id] + ([p.lead_id] if rank[severity] >= rank["high"] else [])
        rule = rules.RULES[flag[5]]
        title = f"{severity.capitalize()} flag: {rule.title} – {p.full_name}"[:200]
        link = reverse("checkins:flag_detail", args=[public_id])
        return [
            (
                user,
                NotificationKind.FLAG,
                channel,
                flag_id,
                f"raised:{severity}",
                title,
                link,
                opened,
                opened + timedelta(seconds=2),
                opened + timedelta(hours=1) if channel == Channel.IN_APP else None,
            )
            for user in recipients
            for channel in (Channel.EMAIL, Channel.IN_APP)
        ]

    def open_flags(self) -> int:
        """The live warning signs' open flags (a third already acknowledged by the physio) and
        the notifications `notify_raised` writes for them, e-mails sent and in-app unread."""
        patients = [p for p in self.patients if p.live]
        ids = iter(allocate_ids(Flag, sum(len(p.live) for p in patients)))
        flags: list[tuple[Any, ...]] = []
        notes: list[tuple[Any, ...]] = []
        rank = rules.SEVERITY_ORDER
        for p in patients:
            for code, severity, summary, evidence, first, last, escalated in p.live:
                opened = min(self.now, self.at(first, 21, p.rng.randint(0, 59)))
                acknowledged = first <= self.today - timedelta(days=2) and p.rng.random() < 0.33
                flag_id, public_id = next(ids), uuid.uuid4()
                flags.append(
                    (
                        flag_id,
                        public_id,
                        p.clinic_id,
                        p.patient_id,
                        p.plan_id,
                        code,
                        rules.RULES[code].version,
                        severity,
                        FlagStatus.ACKNOWLEDGED if acknowledged else FlagStatus.OPEN,
                        summary,
                        evidence,
                        rules.defaults(rules.RULES[code]),
                        first,
                        last,
                        opened,
                        min(self.now, self.at(escalated, 21)) if escalated else None,
                        p.physio_id if acknowledged else None,
                        opened + timedelta(hours=3) if acknowledged else None,
                    )
                )
                recipients = [p.physio_id] + ([p.lead_id] if rank[severity] >= rank["high"] else [])
                title = (
                    f"{Severity(severity).label} flag: {rules.RULES[code].title} – {p.full_name}"
                )[:200]
                link = reverse("checkins:flag_detail", args=[public_id])
                notes.extend(
                    (
                        user,
                        NotificationKind.FLAG,
                        channel,
                        flag_id,
                        f"raised:{severity}",
                        title,
                        link,
                        opened,
                    )
                    + ((opened + timedelta(seconds=2),) if channel == Channel.EMAIL else (opened,))
                    for user in recipients
                    for channel in (Channel.EMAIL, Channel.IN_APP)
                )
        Copier(
            Flag,
            [
                *FLAG_COLUMNS,
                "escalated_at",
                "acknowledged_by_id",
                "acknowledged_at",
            ],
            with_pk=True,
        ).copy(flags)
        Copier(
            Notification,
            list(NOTIFICATION_COLUMNS),
            with_pk=False,
        ).copy(notes)
        return len(flags)
