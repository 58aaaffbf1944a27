"""The check-ins app's models, one module for each thing a reader looks for:

- `checkin`: the athlete's daily check-in, the sign-in links that open it, offline receipts;
- `flags`: warning-sign flags, their notes, and each clinic's rule settings;
- `notices`: notifications (in the app, by e-mail, by push), push subscriptions, reminder
  choices.

Every model is imported here so that Django finds them all under the `checkins` app.
"""

from __future__ import annotations

from .checkin import (
    SUBJECTIVE_FIELDS,
    CheckIn,
    CheckInQuerySet,
    CheckInReceipt,
    FocalTenderness,
    MenstrualStatus,
    SessionDone,
    SignInLink,
    Swelling,
    scale,
)
from .flags import (
    OPEN_FLAG_STATUSES,
    PLAN_ACTIONS,
    SEVERITY_DESC,
    SEVERITY_RANK,
    Flag,
    FlagAction,
    FlagNote,
    FlagQuerySet,
    FlagStatus,
    RuleSetting,
    RuleSettingChange,
    Severity,
)
from .notices import (
    Channel,
    Notification,
    NotificationKind,
    NotificationQuerySet,
    PushSubscription,
    ReminderChannel,
    ReminderPreference,
)

__all__ = [
    "OPEN_FLAG_STATUSES",
    "PLAN_ACTIONS",
    "SEVERITY_DESC",
    "SEVERITY_RANK",
    "SUBJECTIVE_FIELDS",
    "Channel",
    "CheckIn",
    "CheckInQuerySet",
    "CheckInReceipt",
    "Flag",
    "FlagAction",
    "FlagNote",
    "FlagQuerySet",
    "FlagStatus",
    "FocalTenderness",
    "MenstrualStatus",
    "Notification",
    "NotificationKind",
    "NotificationQuerySet",
    "PushSubscription",
    "ReminderChannel",
    "ReminderPreference",
    "RuleSetting",
    "RuleSettingChange",
    "SessionDone",
    "Severity",
    "SignInLink",
    "Swelling",
    "scale",
]
