"""The flags the generated check-ins imply: history flags (closed by the physio) and open ones,
with the notifications the app writes for them."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from typing import Any

from bench.generate.caseload import (
    CLOSED_AFTER_DAYS,
    FLAG_COLUMNS,
    NOTIFICATION_COLUMNS,
    GeneratorBase,
    PatientPlan,
)
from bench.generate.copying import Copier, allocate_ids
from bench.generate.history import fold
from checkins.models import (
    Channel,
    Flag,
    FlagAction,
    FlagStatus,
    Notification,
    NotificationKind,
)
from checkins.warning_signs import evaluation, notifications, rules


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
            notes.extend(self.raised_notifications(p, flags[-1], read_after=timedelta(hours=1)))
        return self.write_flags(
            flags,
            notes,
            [
                "acknowledged_by_id",
                "acknowledged_at",
                "resolved_by_id",
                "resolved_at",
                "action",
                "resolution_note",
            ],
        )

    def closed_flag(
        self, p: PatientPlan, flag_id: int, code: str, episode: list[rules.Finding]
    ) -> tuple[Any, ...]:
        rule = rules.RULES[code]
        rng = p.rng
        # The episode folded into one flag as the app folds a rule's findings (bench.generate.history).
        flag, _escalated = fold(evaluation.findings_by_rule(episode)[code])
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
            flag.severity,
            FlagStatus.DISMISSED if dismissed else FlagStatus.RESOLVED,
            flag.summary,
            flag.evidence[-30:],
            rules.defaults(rule),
            flag.first_seen_date,
            flag.last_evidence_date,
            opened,
            p.physio_id,
            opened + timedelta(hours=2),
            p.physio_id,
            resolved,
            action,
            "Reviewed with the athlete." if not dismissed else "Expected after the session change.",
        )

    def raised_notifications(
        self,
        p: PatientPlan,
        flag: tuple[Any, ...],
        *,
        read_after: timedelta | None = None,
    ) -> list[tuple[Any, ...]]:
        """The notifications `notify_raised` writes for a generated flag (a row of FLAG_COLUMNS
        first): the app's recipients and title, one in-app and one e-mail each, the e-mail sent
        two seconds later, the in-app item read `read_after` later (None: unread)."""
        flag_id, public_id, code, severity, opened = flag[0], flag[1], flag[5], flag[7], flag[14]
        recipients = notifications.recipient_ids(
            severity=severity, physios=[p.physio_id], leads=[p.lead_id]
        )
        title = notifications.flag_title(
            severity=severity, rule_code=code, patient_name=p.full_name
        )
        link = notifications.flag_link(Flag(public_id=public_id))
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
                opened + timedelta(seconds=2) if channel == Channel.EMAIL else opened,
                opened + read_after if read_after and channel == Channel.IN_APP else None,
            )
            for user in sorted(recipients)
            for channel in (Channel.EMAIL, Channel.IN_APP)
        ]

    def open_flags(self) -> int:
        """The live warning signs' open flags (a third already acknowledged by the physio) and
        the notifications `notify_raised` writes for them, e-mails sent and in-app unread."""
        patients = [p for p in self.patients if p.live]
        ids = iter(allocate_ids(Flag, sum(len(p.live) for p in patients)))
        flags: list[tuple[Any, ...]] = []
        notes: list[tuple[Any, ...]] = []
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
                notes.extend(self.raised_notifications(p, flags[-1]))
        return self.write_flags(
            flags, notes, ["escalated_at", "acknowledged_by_id", "acknowledged_at"]
        )

    @staticmethod
    def write_flags(
        flags: list[tuple[Any, ...]], notes: list[tuple[Any, ...]], extra: list[str]
    ) -> int:
        """COPY the flags (FLAG_COLUMNS, then the `extra` ones) and their notifications."""
        Copier(Flag, [*FLAG_COLUMNS, *extra], with_pk=True).copy(flags)
        Copier(Notification, [*NOTIFICATION_COLUMNS, "read_at"], with_pk=False).copy(notes)
        return len(flags)
