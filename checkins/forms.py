"""The daily check-in form (validation only; the view hands `cleaned_data` to the service) and
the lead's rule settings form."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from patients.models import Patient, Sex
from rtr.units import KM_PER_MILE

from . import services
from .models import (
    SUBJECTIVE_FIELDS,
    CheckIn,
    FocalTenderness,
    MenstrualStatus,
    SessionDone,
    Swelling,
)
from .warning_signs import rules
from .warning_signs.thresholds import number_text


class Segmented(forms.RadioSelect):
    """Choices as a row of large buttons (Bootstrap btn-check)."""

    template_name = "checkins/widgets/segmented.html"
    option_template_name = "checkins/widgets/segmented_option.html"


class ScaleButtons(Segmented):
    """A 0–10 (or 1–5) scale as a row of buttons with nothing chosen until the athlete taps one:
    a slider always holds a value, so it would record an answer nobody gave."""

    template_name = "checkins/widgets/scale_buttons.html"

    def __init__(self, low_label: str = "", high_label: str = "") -> None:
        super().__init__(attrs={"class": "segmented-scale"})
        self.low_label, self.high_label = low_label, high_label

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"].update({"low_label": self.low_label, "high_label": self.high_label})
        return context


PAIN_LOW, PAIN_HIGH = _("no pain"), _("worst pain")


def scale_field(
    label: Any,
    *,
    required: bool = True,
    low: int = 0,
    high: int = 10,
    low_label: Any = "",
    high_label: Any = "",
) -> forms.TypedChoiceField:
    """A scale answer with no preselected value; unanswered (when optional) is None."""
    return forms.TypedChoiceField(
        label=label,
        required=required,
        choices=[(n, str(n)) for n in range(low, high + 1)],
        coerce=int,
        empty_value=None,
        widget=ScaleButtons(str(low_label), str(high_label)),
    )


def yes_no_field(label: Any) -> forms.TypedChoiceField:
    """An optional yes / no answer: not answered is None (not reported), never "no"."""
    return forms.TypedChoiceField(
        label=label,
        required=False,
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=Segmented,
    )


def answer_field(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """The form field of a check-in answer asked as the model holds it: the model's bounds (its
    validators) are the form's, so the browser refuses what the database would; an answer
    with a default (the minutes) may be left empty (the form's clean fills it in)."""
    for validator in field.validators:
        if isinstance(validator, MinValueValidator):
            kwargs.setdefault("min_value", validator.limit_value)
        elif isinstance(validator, MaxValueValidator):
            kwargs.setdefault("max_value", validator.limit_value)
    if isinstance(field, models.DecimalField):
        kwargs.setdefault("max_digits", None)  # the bounds keep within the column's digits
    if field.has_default():
        kwargs.setdefault("required", False)
    return field.formfield(**kwargs)


class CheckInForm(forms.ModelForm[CheckIn]):
    """The athlete's answers, the fields from the model (`services.CHECKIN_FIELDS`). Declared
    here only the questions asked differently from how the model holds them: scales and
    choices with nothing preselected, yes / no with "not answered", the period."""

    class Meta:
        model = CheckIn
        fields = ("date", *services.CHECKIN_FIELDS)
        formfield_callback = answer_field
        # The athlete's words (the model's names are the clinician's).
        labels = {
            "night_pain": _("Pain at night"),
            "pain_with_walking": _("Pain when walking"),
            "groin_pain": _("Groin or front-of-hip pain"),
            "run_minutes": _("Run minutes"),
            "run_distance_km": _("Run distance (km)"),
            "walk_minutes": _("Walk minutes"),
            "cross_training_minutes": _("Cross-training minutes"),
            "strength_done": _("Strength work done"),
            "sleep_hours": _("Sleep last night (hours)"),
            "cadence": _("Cadence (steps per minute)"),
            "steps": _("Steps today"),
            "resting_hr": _("Resting heart rate"),
            "hrv_ms": _("Heart-rate variability (ms)"),
            "notes": _("Anything else for your physio?"),
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 2, "class": "form-control"})}

    date = forms.DateField(widget=forms.HiddenInput)

    # Required, with nothing preselected: the athlete answers each one.
    pain_rest = scale_field(_("Pain at rest"), low_label=PAIN_LOW, high_label=PAIN_HIGH)
    pain_next_morning = scale_field(
        _("Pain this morning, when you got up"), low_label=PAIN_LOW, high_label=PAIN_HIGH
    )
    focal_tenderness = forms.ChoiceField(
        label=_("Pressing on the bone: a tender spot?"),
        choices=FocalTenderness.choices,
        widget=Segmented,
    )
    swelling = forms.ChoiceField(label=_("Swelling"), choices=Swelling.choices, widget=Segmented)
    session_done = forms.ChoiceField(
        label=_("Today's session"), choices=SessionDone.choices, widget=Segmented
    )
    pain_during = scale_field(
        _("Pain during the session"), required=False, low_label=PAIN_LOW, high_label=PAIN_HIGH
    )
    pain_after = scale_field(
        _("Pain after the session"), required=False, low_label=PAIN_LOW, high_label=PAIN_HIGH
    )
    session_rpe = scale_field(
        _("How hard was the session? (0 rest – 10 maximal)"),
        required=False,
        low_label=_("rest"),
        high_label=_("maximal"),
    )

    # Optional: unanswered is stored as not reported (None) and read as missing by every rule.
    sleep_quality = scale_field(
        _("Sleep quality"),
        required=False,
        low=1,
        high=5,
        low_label=_("poor"),
        high_label=_("great"),
    )
    fatigue = scale_field(
        _("Fatigue"), required=False, low_label=_("fresh"), high_label=_("exhausted")
    )
    stress = scale_field(
        _("Stress"), required=False, low_label=_("calm"), high_label=_("very stressed")
    )
    fuelling_adequate = yes_no_field(_("I ate enough for my training today"))
    calcium_vitd_taken = yes_no_field(_("Calcium / vitamin D taken"))
    menstrual_status = forms.ChoiceField(
        label=_("Period"),
        choices=[("", _("Prefer not to say")), *MenstrualStatus.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-lg"}),
    )
    confidence = scale_field(
        _("Confidence to run"), required=False, low_label=_("none"), high_label=_("full")
    )

    RED_FLAG_FIELDS = ("night_pain", "pain_with_walking", "groin_pain")

    def __init__(
        self, *args: Any, show_menstrual: bool, distance_unit: str = "km", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not show_menstrual:
            del self.fields["menstrual_status"]
        # Distances are kept in km; a clinic that counts in miles asks, and shows, miles.
        self.in_miles = distance_unit == "mi"
        if self.in_miles:
            self.fields["run_distance_km"].label = _("Run distance (miles)")
            shown = self.initial.get("run_distance_km")
            if shown is not None:
                self.initial["run_distance_km"] = (Decimal(shown) / KM_PER_MILE).quantize(
                    Decimal("0.01")
                )

    def clean_run_distance_km(self) -> Decimal | None:
        value: Decimal | None = self.cleaned_data.get("run_distance_km")
        if value is None or not self.in_miles:
            return value
        km = (value * KM_PER_MILE).quantize(Decimal("0.01"))
        if km >= 1000:
            raise forms.ValidationError(_("Enter a distance under 600 miles."))
        return km

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key in ("run_minutes", "walk_minutes", "cross_training_minutes"):
            if data.get(key) is None:
                data[key] = 0
        did_session = data.get("session_done") in {SessionDone.AS_PRESCRIBED, SessionDone.MODIFIED}
        if did_session:
            for key in ("pain_during", "pain_after"):
                if data.get(key) is None:
                    self.add_error(key, _("Say how much it hurt (0 if not at all)."))
        if data.get("session_done") in {SessionDone.SKIPPED, SessionDone.REST_DAY} and data.get(
            "run_minutes"
        ):
            self.add_error(
                "run_minutes",
                _("You marked no session today: leave the run minutes at 0, or choose “Modified”."),
            )
        return data

    def checkin_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "date"}


def initial_from(checkin: CheckIn | None, day: date) -> dict[str, Any]:
    """Today's answers if already given (editing), else the form's defaults."""
    if checkin is None:
        return {"date": day}
    initial = {"date": day, **{f: getattr(checkin, f) for f in services.CHECKIN_FIELDS}}
    for name in YES_NO_FIELDS:
        value = initial.get(name)
        initial[name] = None if value is None else ("yes" if value else "no")
    return initial


YES_NO_FIELDS = ("fuelling_adequate", "calcium_vitd_taken")


def checkin_form_for(patient: Patient, data: Any = None) -> CheckInForm:
    """Today's check-in form for the athlete: what was sent, else today's answers if given."""
    today = services.local_today(patient)
    menstrual, unit = patient.sex == Sex.FEMALE, patient.clinic.distance_unit
    if data is not None:  # a submitted form shows what was sent: no need to read today's
        return CheckInForm(
            data, initial={"date": today}, show_menstrual=menstrual, distance_unit=unit
        )
    existing = CheckIn.objects.filter(patient=patient, date=today).first()
    return CheckInForm(
        data, initial=initial_from(existing, today), show_menstrual=menstrual, distance_unit=unit
    )


def same_as_yesterday(checkin: CheckIn | None) -> dict[str, str]:
    """Yesterday's own answers to the optional recovery questions, for the athlete's "same as
    yesterday" tap (never applied without it). Unanswered ones are left out."""
    if checkin is None:
        return {}
    answers: dict[str, str] = {}
    for name in SUBJECTIVE_FIELDS:
        value = getattr(checkin, name)
        if value is None:
            continue
        if name in YES_NO_FIELDS:
            answers[name] = "yes" if value else "no"
        else:
            answers[name] = f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)
    return answers


class RuleSettingsForm(forms.Form):
    """One on/off switch and the thresholds of every rule; bounds are checked against the rule."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = list(rules.RULES.values())
        for rule in self.rules:
            self.fields[f"{rule.code}__enabled"] = forms.BooleanField(label=_("On"), required=False)
            for name, param in rule.params.items():
                self.fields[f"{rule.code}__{name}"] = forms.DecimalField(
                    label=f"{param.label} ({param.unit})",
                    max_digits=6,
                    decimal_places=1,
                    help_text=_("Between %(low)s and %(high)s")
                    % {"low": number_text(param.low), "high": number_text(param.high)},
                )

    def proposed(self) -> dict[str, tuple[bool, dict[str, float]]]:
        data = self.cleaned_data
        return {
            rule.code: (
                bool(data.get(f"{rule.code}__enabled")),
                {
                    name: float(data[f"{rule.code}__{name}"])
                    for name in rule.params
                    if data.get(f"{rule.code}__{name}") is not None
                },
            )
            for rule in self.rules
        }

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "rule": rule,
                "enabled": self[f"{rule.code}__enabled"],
                "params": [self[f"{rule.code}__{name}"] for name in rule.params],
            }
            for rule in self.rules
        ]
