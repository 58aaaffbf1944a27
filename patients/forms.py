"""Forms only validate; views hand `cleaned_data` to the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.contrib.auth import password_validation
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from rtr.accounts.models import Clinic, Membership, Role, User

from . import bsi, triad
from .models import Patient, PatientStatus, Sex, SupportRelationship, TaskKind

EARLIEST_BIRTH = date(1900, 1, 1)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _row(*names: str) -> Div:
    """Fields side by side, equal widths, on one row of the form."""
    return Div(*[Div(name, css_class="col-md") for name in names], css_class="row")


def _helper(*fields: Any) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if fields:
        helper.layout = Layout(*fields)
    return helper


def staff_choices(clinic: Clinic, roles: set[str]) -> forms.ModelChoiceField[User]:
    queryset = (
        User.objects.filter(
            memberships__clinic=clinic, memberships__role__in=roles, memberships__is_active=True
        )
        .distinct()
        .order_by("last_name", "first_name")
    )
    return forms.ModelChoiceField(queryset=queryset, label=_("Assigned physio"))


def _choose(choices: Any) -> list[tuple[str, str]]:
    """A required choice that starts unanswered: nothing clinical is pre-selected, so a form
    sent without looking says "This field is required." rather than saving a guess."""
    return [("", _("Choose…")), *choices]


class PatientForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=80)
    last_name = forms.CharField(label=_("Last name"), max_length=80)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput())
    sex = forms.ChoiceField(label=_("Sex"), choices=_choose(Sex.choices))
    sport = forms.CharField(label=_("Sport"), max_length=80, initial="Running")
    discipline = forms.CharField(
        label=_("Discipline"),
        max_length=80,
        required=False,
        help_text=_("e.g. 800 m, marathon, trail"),
    )
    pre_injury_weekly_km = forms.DecimalField(
        label=_("Pre-injury weekly running (km)"),
        required=False,
        min_value=0,
        max_value=400,
        decimal_places=1,
    )
    pre_injury_weekly_minutes = forms.IntegerField(
        label=_("Pre-injury weekly running (minutes)"), required=False, min_value=0, max_value=3000
    )
    contact_email = forms.EmailField(
        label=_("Contact e-mail"), help_text=_("The athlete's invitation goes here.")
    )
    assigned_physio = forms.ModelChoiceField(
        queryset=User.objects.none(), label=_("Assigned physio")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=PatientStatus.choices, initial=PatientStatus.ACTIVE
    )
    consent_given = forms.BooleanField(
        label=_(
            "The athlete consents to their data being recorded and shared with their care team"
        ),
        required=False,
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_physio"] = staff_choices(clinic, {Role.PHYSIO, Role.LEAD})
        self.helper = _helper(
            Fieldset(
                _("Athlete"),
                Div(
                    Div("first_name", css_class="col-md-6"),
                    Div("last_name", css_class="col-md-6"),
                    css_class="row",
                ),
                Div(
                    Div("date_of_birth", css_class="col-md-4"),
                    Div("sex", css_class="col-md-4"),
                    Div("contact_email", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("Running"),
                Div(
                    Div("sport", css_class="col-md-6"),
                    Div("discipline", css_class="col-md-6"),
                    css_class="row",
                ),
                Div(
                    Div("pre_injury_weekly_km", css_class="col-md-6"),
                    Div("pre_injury_weekly_minutes", css_class="col-md-6"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("Care"),
                Div(
                    Div("assigned_physio", css_class="col-md-6"),
                    Div("status", css_class="col-md-6"),
                    css_class="row",
                ),
                "consent_given",
            ),
        )

    def clean_date_of_birth(self) -> date:
        born: date = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if born < EARLIEST_BIRTH:
            raise forms.ValidationError(_("Check the year of birth."))
        return born

    def clean_contact_email(self) -> str:
        return str(self.cleaned_data["contact_email"]).strip().lower()


class InjuryForm(forms.Form):
    site = forms.ChoiceField(label=_("Site"), choices=_choose(bsi.Site.choices))
    metatarsal_zone = forms.ChoiceField(
        label=_("Metatarsal zone"),
        choices=[("", "—"), *bsi.MetatarsalZone.choices],
        required=False,
        help_text=_("Needed for metatarsal injuries: the risk differs by zone."),
    )
    sub_site_note = forms.CharField(label=_("Sub-site detail"), max_length=120, required=False)
    side = forms.ChoiceField(label=_("Side"), choices=_choose(bsi.Side.choices))
    risk_override = forms.ChoiceField(
        label=_("Orthopaedic risk"),
        choices=[("", _("As derived from the site")), *bsi.RiskCategory.choices],
        required=False,
        help_text=_(
            "Leave as derived unless you have a reason; an override needs the reason below."
        ),
    )
    risk_override_reason = forms.CharField(
        label=_("Reason for the override"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    fredericson_grade = forms.ChoiceField(
        label=_("Fredericson (MRI)"),
        choices=[("", "—"), *bsi.FredericsonGrade.choices],
        required=False,
    )
    arendt_grade = forms.ChoiceField(
        label=_("Arendt / Nattiv (MRI)"),
        choices=[("", "—"), *bsi.ArendtGrade.choices],
        required=False,
    )
    kaeding_miller_grade = forms.ChoiceField(
        label=_("Kaeding–Miller"),
        choices=[("", "—"), *bsi.KaedingMillerGrade.choices],
        required=False,
    )
    fracture_line = forms.BooleanField(label=_("Fracture line present"), required=False)
    fracture_extent_pct = forms.IntegerField(
        label=_("Fracture extent (% of femoral-neck width)"),
        min_value=0,
        max_value=100,
        required=False,
    )
    displacement_mm = forms.DecimalField(
        label=_("Displacement (mm)"), min_value=0, max_value=50, decimal_places=1, required=False
    )
    first_symptoms_on = forms.DateField(label=_("First symptoms"), widget=DateInput())
    diagnosed_on = forms.DateField(label=_("Diagnosis date"), widget=DateInput())
    weight_bearing = forms.ChoiceField(
        label=_("Weight-bearing"), choices=_choose(bsi.WeightBearing.choices)
    )
    walking_aid = forms.ChoiceField(label=_("Walking aid"), choices=_choose(bsi.WalkingAid.choices))
    notes = forms.CharField(
        label=_("Clinical notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Fieldset(_("Where"), _row("site", "metatarsal_zone", "side"), "sub_site_note"),
            Fieldset(_("Risk"), _row("risk_override"), Field("risk_override_reason")),
            Fieldset(
                _("Grading"),
                _row("fredericson_grade", "arendt_grade", "kaeding_miller_grade"),
                _row("fracture_line", "fracture_extent_pct", "displacement_mm"),
            ),
            Fieldset(
                _("Dates and loading"),
                _row("first_symptoms_on", "diagnosed_on"),
                _row("weight_bearing", "walking_aid"),
            ),
            "notes",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        site = data.get("site")
        if site in bsi.METATARSALS and not data.get("metatarsal_zone"):
            self.add_error("metatarsal_zone", _("Choose the zone of the metatarsal."))
        if data.get("fracture_extent_pct") is not None and site not in {
            bsi.Site.FEMORAL_NECK_TENSION,
            bsi.Site.FEMORAL_NECK_COMPRESSION,
        }:
            self.add_error(
                "fracture_extent_pct", _("The extent applies to femoral-neck injuries only.")
            )
        today = timezone.localdate()
        first, diagnosed = data.get("first_symptoms_on"), data.get("diagnosed_on")
        if first and first > today:
            self.add_error("first_symptoms_on", _("First symptoms cannot be in the future."))
        if diagnosed and diagnosed > today:
            self.add_error("diagnosed_on", _("The diagnosis date cannot be in the future."))
        if first and diagnosed and diagnosed < first:
            self.add_error(
                "diagnosed_on", _("The diagnosis cannot come before the first symptoms.")
            )
        return data


class ImagingForm(forms.Form):
    modality = forms.ChoiceField(label=_("Modality"), choices=_choose(bsi.ImagingModality.choices))
    taken_on = forms.DateField(label=_("Date"), widget=DateInput())
    grade = forms.CharField(label=_("Grade"), max_length=40, required=False)
    note = forms.CharField(label=_("Short note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Div(
                Div("modality", css_class="col-sm-6 col-lg-3"),
                Div("taken_on", css_class="col-sm-6 col-lg-3"),
                Div("grade", css_class="col-sm-6 col-lg-2"),
                Div("note", css_class="col-sm-6 col-lg-4"),
                css_class="row",
            )
        )

    def clean_taken_on(self) -> date:
        taken: date = self.cleaned_data["taken_on"]
        if taken > timezone.localdate():
            raise forms.ValidationError(_("The imaging date cannot be in the future."))
        return taken


class PriorInjuryForm(forms.Form):
    site = forms.ChoiceField(label=_("Site"), choices=_choose(bsi.Site.choices))
    occurred_on = forms.DateField(label=_("Approximate date"), widget=DateInput())
    weeks_lost = forms.IntegerField(
        label=_("Weeks of running lost"), min_value=0, max_value=520, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Div(
                Div("site", css_class="col-md-5"),
                Div("occurred_on", css_class="col-md-4"),
                Div("weeks_lost", css_class="col-md-3"),
                css_class="row",
            )
        )

    def clean_occurred_on(self) -> date:
        day: date = self.cleaned_data["occurred_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A prior injury cannot be in the future."))
        return day


SCORE_CHOICES = [(0, "0"), (1, "1"), (2, "2")]


class TriadScreenForm(forms.Form):
    screened_on = forms.DateField(label=_("Screened on"), widget=DateInput())

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for factor in triad.FACTORS:
            choices: list[tuple[Any, Any]] = [
                (0, f"0 – {factor.levels[0]}"),
                (1, f"1 – {factor.levels[1]}"),
                (2, f"2 – {factor.levels[2]}"),
            ]
            if factor.menstrual:
                choices = [("", _("Not applicable")), *choices]
            self.fields[factor.field] = forms.TypedChoiceField(
                label=str(factor.label),
                choices=choices,
                coerce=int,
                empty_value=None,
                required=not factor.menstrual,
                widget=forms.RadioSelect,
                help_text=_("Optional for male athletes.") if factor.menstrual else "",
            )
        self.fields["categorical_restriction"] = forms.BooleanField(
            label=_(
                "Categorical restriction: anorexia nervosa with BMI < 16 kg/m², or moderate to severe bulimia"
            ),
            required=False,
        )
        self.fields["notes"] = forms.CharField(
            label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
        )
        self.helper = _helper()

    def clean_screened_on(self) -> date:
        day: date = self.cleaned_data["screened_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A screen cannot be dated in the future."))
        return day


class CareTeamForm(forms.Form):
    def __init__(self, *args: Any, clinic: Clinic, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = (
            Membership.objects.filter(
                clinic=clinic, is_active=True, role__in=[Role.PHYSIO, Role.LEAD, Role.COACH]
            )
            .exclude(user_id=patient.assigned_physio_id)
            .select_related("user")
            .order_by("role", "user__last_name")
        )
        self.memberships = {str(m.user.public_id): m for m in members}
        current = set(patient.care_team.values_list("user__public_id", flat=True))
        self.fields["members"] = forms.MultipleChoiceField(
            label=_("Care team (besides the assigned physio)"),
            choices=[
                (key, f"{m.user} – {m.get_role_display()}") for key, m in self.memberships.items()
            ],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            initial=[str(pk) for pk in current],
        )
        self.helper = _helper()

    def chosen(self) -> list[tuple[User, str]]:
        return [
            (self.memberships[key].user, self.memberships[key].role)
            for key in self.cleaned_data["members"]
        ]


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password2 = forms.CharField(
        label=_("Type it again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields[
            "password1"
        ].help_text = password_validation.password_validators_help_text_html()
        self.helper = _helper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, User(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class PlainSelect(forms.Select):
    """A select whose options are written in Python, not one template each: `make bench` (a
    clinic with 180 physios) measured the per-option templates at most of the patient list's
    rendering time. Same markup as Django's Select for a single choice."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) == chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html(
            "<select{}>{}</select>",
            flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name})),
            options,
        )


class PatientFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name"), required=False, max_length=80)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *PatientStatus.choices], required=False
    )
    risk = forms.ChoiceField(
        label=_("Risk"), choices=[("", _("Any risk")), *bsi.RiskCategory.choices], required=False
    )
    physio = forms.ChoiceField(label=_("Physio"), required=False, widget=PlainSelect)
    sort = forms.ChoiceField(
        label=_("Sort"),
        choices=[
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
        ],
        required=False,
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        physios = (
            User.objects.filter(
                memberships__clinic=clinic, memberships__role__in=[Role.PHYSIO, Role.LEAD]
            )
            .order_by("last_name")
            .only("public_id", "first_name", "last_name", "email")
        )
        physio_field = self.fields["physio"]
        assert isinstance(physio_field, forms.ChoiceField)
        physio_field.choices = [
            ("", _("Any physio")),
            *[(str(u.public_id), str(u)) for u in physios],
        ]


class ErasureForm(forms.Form):
    """Erasure cannot be undone: the lead types the patient's full name to confirm."""

    confirm_name = forms.CharField(
        label=_("Type the patient's full name to confirm"),
        max_length=170,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean_confirm_name(self) -> str:
        typed = " ".join(self.cleaned_data["confirm_name"].split())
        if typed.casefold() != self.patient.full_name.casefold():
            raise forms.ValidationError(
                _("That is not the patient's full name as recorded: nothing was erased.")
            )
        return typed


class TeamMessageForm(forms.Form):
    text = forms.CharField(
        label=_("Message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "The physio, the lead and the coach read this timeline; the athlete does not. Do "
            "not copy check-in answers, pain scores or clinical notes here."
        ),
    )


class CareTaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Task"), choices=[("", _("Choose…")), *TaskKind.choices])
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class SupportContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    relationship = forms.ChoiceField(
        label=_("Relationship"), choices=[("", _("Choose…")), *SupportRelationship.choices]
    )
    email = forms.EmailField(label=_("E-mail"))
    gets_written_plan = forms.BooleanField(
        label=_("May receive the written plan by e-mail"), required=False
    )
    gets_reminders = forms.BooleanField(
        label=_("Gets a copy of the daily check-in reminder by e-mail"), required=False
    )
    athlete_agreed = forms.BooleanField(
        label=_("The athlete agreed that this person may receive what is ticked"),
        required=False,
        help_text=_("Recorded with today's date and your name."),
    )
