"""Forms only validate; views hand `cleaned_data` to the services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.bsi import FredericsonGrade, KaedingMillerGrade, RiskCategory, Site
from patients.forms import DateInput

from .models import (
    Comparator,
    CriterionKind,
    DecisionKind,
    EntryCriterion,
    Measure,
    StepKind,
    TemplateStatus,
    Trigger,
)


def _helper(*fields: Any) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if fields:
        helper.layout = Layout(*fields)
    return helper


def _row(*names: str) -> Div:
    return Div(*[Div(n, css_class="col-sm") for n in names], css_class="row")


def _check_duration_range(form: forms.Form, data: dict[str, Any]) -> None:
    """Templates and stages both span a range of weeks, which must not run backwards."""
    low, high = data.get("duration_min_weeks"), data.get("duration_max_weeks")
    if low and high and low > high:
        form.add_error("duration_max_weeks", _("The range ends before it starts."))


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    eligible_sites = forms.MultipleChoiceField(
        label=_("Eligible sites"),
        choices=Site.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any site."),
    )
    excluded_sites = forms.MultipleChoiceField(
        label=_("Excluded sites"),
        choices=Site.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    eligible_risk = forms.ChoiceField(
        label=_("Orthopaedic risk"), choices=[("", _("Any")), *RiskCategory.choices], required=False
    )
    max_fredericson_grade = forms.ChoiceField(
        label=_("Highest Fredericson grade"),
        choices=[("", _("Any")), *FredericsonGrade.choices],
        required=False,
    )
    max_kaeding_miller_grade = forms.ChoiceField(
        label=_("Highest Kaeding–Miller grade"),
        choices=[("", _("Any")), *KaedingMillerGrade.choices],
        required=False,
    )
    exclude_displaced = forms.BooleanField(label=_("Not for displaced fractures"), required=False)
    max_fracture_extent_pct = forms.IntegerField(
        label=_("Highest femoral-neck fracture extent (%)"),
        min_value=0,
        max_value=100,
        required=False,
    )
    requires_specialist_signoff = forms.BooleanField(
        label=_("Needs specialist sign-off"), required=False
    )
    duration_min_weeks = forms.IntegerField(
        label=_("Expected duration from (weeks)"), min_value=1, max_value=104
    )
    duration_max_weeks = forms.IntegerField(
        label=_("Expected duration to (weeks)"), min_value=1, max_value=104
    )
    evidence = forms.CharField(
        label=_("Evidence references"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "name",
            "summary",
            _row("eligible_risk", "max_fredericson_grade", "max_kaeding_miller_grade"),
            Div(
                Div("eligible_sites", css_class="col-md-6 site-columns"),
                Div("excluded_sites", css_class="col-md-6 site-columns"),
                css_class="row",
            ),
            _row("exclude_displaced", "max_fracture_extent_pct", "requires_specialist_signoff"),
            _row("duration_min_weeks", "duration_max_weeks"),
            "evidence",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_duration_range(self, data)
        if set(data.get("eligible_sites") or []) & set(data.get("excluded_sites") or []):
            self.add_error("excluded_sites", _("A site cannot be both eligible and excluded."))
        return data


TRIGGER_CHOICES = Trigger.choices


class StageForm(forms.Form):
    name = forms.CharField(label=_("Stage name"), max_length=100)
    goals = forms.CharField(
        label=_("Goals"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    duration_min_weeks = forms.IntegerField(
        label=_("Typical duration from (weeks)"), min_value=1, max_value=52
    )
    duration_max_weeks = forms.IntegerField(label=_("to (weeks)"), min_value=1, max_value=52)
    session_days_per_week = forms.IntegerField(
        label=_("Session days a week"), min_value=1, max_value=7
    )
    no_back_to_back = forms.BooleanField(label=_("No back-to-back session days"), required=False)
    rest_days_per_week = forms.IntegerField(
        label=_("Rest days a week"), min_value=0, max_value=6, initial=1
    )
    cross_training = forms.CharField(
        label=_("Cross-training"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    strength = forms.CharField(
        label=_("Strength work"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    balance = forms.CharField(
        label=_("Balance / proprioception"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    max_weekly_run_minutes = forms.IntegerField(
        label=_("Weekly running cap (min)"), min_value=1, max_value=1200, required=False
    )
    max_single_run_minutes = forms.IntegerField(
        label=_("Longest single run (min)"), min_value=1, max_value=300, required=False
    )
    cadence_cue = forms.CharField(
        label=_("Cadence or technique cue"), max_length=200, required=False
    )
    hold_triggers = forms.MultipleChoiceField(
        label=_("Hold when"),
        choices=TRIGGER_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regress_triggers = forms.MultipleChoiceField(
        label=_("Regress when"),
        choices=TRIGGER_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    stop_triggers = forms.MultipleChoiceField(
        label=_("Stop and review when"),
        choices=TRIGGER_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    source = forms.CharField(label=_("Source"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "name",
            "goals",
            _row("duration_min_weeks", "duration_max_weeks"),
            _row("session_days_per_week", "rest_days_per_week"),
            "no_back_to_back",
            _row("cross_training", "strength", "balance"),
            _row("max_weekly_run_minutes", "max_single_run_minutes"),
            "cadence_cue",
            _row("hold_triggers", "regress_triggers", "stop_triggers"),
            "source",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_duration_range(self, data)
        sessions, rest = data.get("session_days_per_week"), data.get("rest_days_per_week")
        if data.get("no_back_to_back") and sessions and sessions > 4:
            self.add_error(
                "session_days_per_week",
                _("With no back-to-back days there are at most 4 session days a week."),
            )
        if sessions is not None and rest is not None and sessions + rest > 7:
            self.add_error(
                "rest_days_per_week", _("Session days and rest days add up to more than 7.")
            )
        return data


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=StepKind.choices, initial=StepKind.WALK_RUN)
    label = forms.CharField(label=_("Label"), max_length=120, required=False)
    walk_minutes = forms.DecimalField(
        label=_("Walk (min)"), min_value=0, max_value=120, decimal_places=1, required=False
    )
    run_minutes = forms.DecimalField(
        label=_("Run (min)"), min_value=0, max_value=180, decimal_places=1, required=False
    )
    cross_training_minutes = forms.IntegerField(
        label=_("Cross-training (min)"), min_value=0, max_value=300, required=False
    )
    repetitions = forms.IntegerField(label=_("Repetitions"), min_value=1, max_value=30, initial=1)
    target_rpe = forms.IntegerField(
        label=_("Target RPE (0–10)"), min_value=0, max_value=10, required=False
    )
    surface_note = forms.CharField(label=_("Surface"), max_length=120, required=False)
    completions_to_advance = forms.IntegerField(
        label=_("Pain-free completions to advance"), min_value=1, max_value=10, initial=2
    )
    source = forms.CharField(label=_("Source"), max_length=120, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _row("kind", "label"),
            _row("walk_minutes", "run_minutes", "repetitions", "cross_training_minutes"),
            _row("target_rpe", "completions_to_advance", "surface_note", "source"),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        walk, run, xt = (
            data.get("walk_minutes") or 0,
            data.get("run_minutes") or 0,
            data.get("cross_training_minutes") or 0,
        )
        data["walk_minutes"], data["run_minutes"], data["cross_training_minutes"] = walk, run, xt
        if data.get("kind") == StepKind.WALK_RUN and not (walk > 0 or run > 0):
            self.add_error(
                "walk_minutes",
                _("A walking or running step needs a walk time, a run time or both."),
            )
        if data.get("kind") == StepKind.CROSS_TRAINING and not xt:
            self.add_error("cross_training_minutes", _("A cross-training step needs its minutes."))
        return data


class CriterionForm(forms.Form):
    text = forms.CharField(label=_("Criterion"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=CriterionKind.choices, initial=CriterionKind.YES_NO
    )
    comparator = forms.ChoiceField(
        label=_("Comparison"), choices=[("", "—"), *Comparator.choices], required=False
    )
    threshold = forms.DecimalField(
        label=_("Threshold"), max_digits=6, decimal_places=1, required=False
    )
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    source = forms.CharField(label=_("Source"), max_length=120, required=False)
    measure = forms.ChoiceField(
        label=_("Measured from check-ins"),
        choices=[("", _("No: the physio assesses it")), *Measure.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _row("text"), _row("kind", "comparator", "threshold", "unit", "source"), "measure"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == CriterionKind.NUMERIC and (
            data.get("threshold") is None or not data.get("comparator")
        ):
            self.add_error(
                "threshold", _("A numeric criterion needs a comparison and a threshold.")
            )
        return data


class AssignForm(forms.Form):
    template = forms.UUIDField(widget=forms.RadioSelect, label=_("Template"))
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    override_reason = forms.CharField(
        label=_("Reason for assigning a template that does not fit"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Needed only when the chosen template shows an eligibility warning."),
    )

    def clean_start_date(self) -> date:
        start: date = self.cleaned_data["start_date"]
        today = timezone.localdate()
        if start < today - timedelta(days=14):
            raise forms.ValidationError(_("The start date is more than two weeks in the past."))
        if start > today + timedelta(days=90):
            raise forms.ValidationError(_("The start date is more than 90 days ahead."))
        return start


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Decision"),
        # No decision is preselected: the physio chooses one, never "advance" by default.
        choices=[
            ("", _("Choose a decision…")),
            *[c for c in DecisionKind.choices if c[0] != DecisionKind.START],
        ],
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Clinical reasoning: only physios and leads read it."),
    )
    shared_note = forms.CharField(
        label=_("Note for the athlete and coach (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
        help_text=_(
            "The only words of this decision the athlete and their coach see; the athlete is "
            "told of the change on their phone."
        ),
    )
    review_on = forms.DateField(
        label=_("Review on (hold or pause)"),
        required=False,
        widget=DateInput(),
        help_text=_("When to look at the plan again; a week from today if left blank."),
    )
    override_reason = forms.CharField(
        label=_("Reason to go ahead with criteria unmet"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_(
            "Needed only to advance or graduate while a criterion above is not met; kept on the "
            "plan's timeline as an override."
        ),
    )

    def __init__(self, *args: Any, criteria: list[EntryCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for index, criterion in enumerate(criteria):
            name = self.field_name(criterion, index)
            label = criterion.text + (
                f" ({criterion.requirement})" if criterion.requirement else ""
            )
            if criterion.kind == CriterionKind.NUMERIC:
                self.fields[name] = forms.DecimalField(
                    label=label,
                    required=False,
                    max_digits=7,
                    decimal_places=1,
                    min_value=-9999,
                    max_value=9999,
                )
            else:
                self.fields[name] = forms.BooleanField(label=label, required=False)
        # The override comes after the checklist it is about.
        criteria_fields = [f for f in self.fields if f.startswith("criterion_")]
        self.order_fields(
            ["kind", *criteria_fields, "override_reason", "rationale", "shared_note", "review_on"]
        )
        self.helper = _helper()

    @staticmethod
    def field_name(criterion: EntryCriterion, index: int) -> str:
        # Saved criteria by id; the return-to-sport checklist (not saved) by position.
        return f"criterion_{criterion.pk}" if criterion.pk else f"criterion_rts{index + 1}"

    def checklist(self) -> list[dict[str, Any]]:
        """The criteria with the physio's answers, as kept on the decision."""
        rows = []
        for index, criterion in enumerate(self.criteria):
            value = self.cleaned_data.get(self.field_name(criterion, index))
            rows.append(
                {
                    "text": criterion.text,
                    "requirement": criterion.requirement,
                    "value": str(value)
                    if value is not None and not isinstance(value, bool)
                    else value,
                    "met": criterion.is_met_by(value),
                    "source": criterion.source,
                }
            )
        return rows


class SpecialistSignOffForm(forms.Form):
    stage = forms.ChoiceField(label=_("Sign-off for"))
    specialist = forms.CharField(
        label=_("Specialist"),
        max_length=160,
        help_text=_("Name and role, e.g. Dr A. Khan, orthopaedic surgeon."),
    )
    signed_on = forms.DateField(label=_("Signed off on"), widget=forms.DateInput({"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, needed: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stage = self.fields["stage"]
        assert isinstance(stage, forms.ChoiceField)
        stage.choices = needed
        self.helper = _helper()


class TemplateFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *TemplateStatus.choices], required=False
    )
    site = forms.ChoiceField(
        label=_("Fits site"), choices=[("", _("Any site")), *Site.choices], required=False
    )
    risk = forms.ChoiceField(
        label=_("Risk"), choices=[("", _("Any risk")), *RiskCategory.choices], required=False
    )
    owner = forms.ChoiceField(
        label=_("Owner"),
        choices=[
            ("", _("Clinic and library")),
            ("clinic", _("This clinic")),
            ("library", _("Shared library")),
        ],
        required=False,
    )
