"""The registry a physio works from: patients, their bone stress injuries, imaging, prior
injuries, bone-health screens, care teams and athlete invitations."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients import bsi, triad
from rtr.accounts.models import Clinic, Membership, PublicIdModel, Role

if TYPE_CHECKING:
    from rtr.accounts.models import User


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other / not stated")


class PatientStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    DISCHARGED = "discharged", _("Discharged")


class PatientQuerySet(models.QuerySet["Patient"]):
    def visible_to(self, membership: Membership | None) -> PatientQuerySet:
        """Tenancy scoping (see rtr/accounts/tenancy.py).

        Physios and leads see their clinic's patients; a coach only the patients whose care
        team they are on; an athlete only their own record.
        """
        if membership is None or not membership.is_active:
            return self.none()
        scoped = self.filter(clinic_id=membership.clinic_id)
        if membership.role == Role.COACH:
            return scoped.filter(care_team__user_id=membership.user_id).distinct()
        if membership.role == Role.ATHLETE:
            return scoped.filter(user_id=membership.user_id)
        return scoped

    def with_current_injury(self) -> PatientQuerySet:
        return self.prefetch_related(
            models.Prefetch(
                "injuries",
                queryset=Injury.objects.filter(is_current=True),
                to_attr="current_injuries",
            )
        )


class Patient(PublicIdModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient",
        verbose_name=_("athlete account"),
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    sport = models.CharField(_("sport"), max_length=80, default="Running")
    discipline = models.CharField(
        _("discipline"), max_length=80, blank=True, help_text=_("e.g. 800 m, marathon, trail")
    )
    pre_injury_weekly_km = models.DecimalField(
        _("pre-injury weekly running (km)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    pre_injury_weekly_minutes = models.PositiveIntegerField(
        _("pre-injury weekly running (minutes)"), null=True, blank=True
    )
    contact_email = models.EmailField(_("contact e-mail"))
    consent_given_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PatientStatus.choices, default=PatientStatus.ACTIVE
    )
    assigned_physio = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assigned_patients",
        verbose_name=_("assigned physio"),
    )
    discharged_at = models.DateTimeField(_("discharged at"), null=True, blank=True)
    is_demo = models.BooleanField(
        _("demo record"),
        default=False,
        editable=False,
        help_text=_("Created by the demo data; the demo loaders touch no other patient."),
    )
    erased_at = models.DateTimeField(
        _("personal data erased at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(
                fields=["clinic", "status", "last_name"], name="patient_clinic_status_name"
            ),
            models.Index(fields=["clinic", "assigned_physio"], name="patient_clinic_physio"),
            # The patient list's default order: `make bench` (9,000 patients in a clinic) showed
            # a sort of the whole clinic for each page without it (about 20 ms).
            models.Index(
                fields=["clinic", "last_name", "first_name", "id"], name="patient_clinic_name"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def record_number(self) -> str:
        """The record's short reference on paper (the written plan): RTR- and 8 characters."""
        return f"RTR-{self.public_id.hex[:8].upper()}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def get_additional_data(self) -> dict[str, object]:
        """For the audit log: which patient's history the change belongs to."""
        return {"patient": str(self.public_id), "clinic": self.clinic_id}

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def current_injury(self) -> Injury | None:
        prefetched = getattr(self, "current_injuries", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return self.injuries.filter(is_current=True).first()


class CareTeamMember(models.Model):
    """Who looks after a patient besides the assigned physio: other physios, the lead, coaches."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_teams"
    )
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=[(r.value, r.label) for r in (Role.PHYSIO, Role.LEAD, Role.COACH)],
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("care-team member")
        verbose_name_plural = _("care-team members")
        constraints = [
            models.UniqueConstraint(fields=["patient", "user"], name="careteam_one_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    def get_additional_data(self) -> dict[str, object]:
        return {"patient": str(self.patient.public_id), "clinic": self.patient.clinic_id}


class InjuryQuerySet(models.QuerySet["Injury"]):
    def visible_to(self, membership: Membership | None) -> InjuryQuerySet:
        if membership is None or not membership.is_clinical:
            return self.none()  # injuries are clinical data: physios and leads only
        return self.filter(patient__clinic_id=membership.clinic_id)


class Injury(PublicIdModel):
    """One bone stress injury. A patient may have several; one is current."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="injuries")
    is_current = models.BooleanField(_("current injury"), default=True)
    site = models.CharField(_("site"), max_length=32, choices=bsi.Site.choices)
    metatarsal_zone = models.CharField(
        _("metatarsal zone"), max_length=24, choices=bsi.MetatarsalZone.choices, blank=True
    )
    sub_site_note = models.CharField(
        _("sub-site detail"),
        max_length=120,
        blank=True,
        help_text=_("e.g. central third of the navicular"),
    )
    side = models.CharField(_("side"), max_length=10, choices=bsi.Side.choices)
    bone_type = models.CharField(
        _("bone type"), max_length=12, choices=bsi.BoneType.choices, editable=False
    )
    derived_risk = models.CharField(
        _("derived orthopaedic risk"),
        max_length=8,
        choices=bsi.RiskCategory.choices,
        blank=True,
        editable=False,
    )
    risk_category = models.CharField(
        _("orthopaedic risk"), max_length=8, choices=bsi.RiskCategory.choices
    )
    risk_override_reason = models.TextField(_("reason for overriding the derived risk"), blank=True)
    risk_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    risk_overridden_at = models.DateTimeField(null=True, blank=True)
    bone_health_flag = models.BooleanField(_("bone-health work-up"), default=False, editable=False)
    fredericson_grade = models.CharField(
        _("Fredericson grade"), max_length=2, choices=bsi.FredericsonGrade.choices, blank=True
    )
    arendt_grade = models.CharField(
        _("Arendt / Nattiv grade"), max_length=1, choices=bsi.ArendtGrade.choices, blank=True
    )
    kaeding_miller_grade = models.CharField(
        _("Kaeding–Miller grade"), max_length=3, choices=bsi.KaedingMillerGrade.choices, blank=True
    )
    fracture_line = models.BooleanField(_("fracture line present"), default=False)
    fracture_extent_pct = models.PositiveSmallIntegerField(
        _("fracture extent (% of femoral-neck width)"), null=True, blank=True
    )
    displacement_mm = models.DecimalField(
        _("displacement (mm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    first_symptoms_on = models.DateField(_("first symptoms"))
    diagnosed_on = models.DateField(_("diagnosis date"))
    weight_bearing = models.CharField(
        _("weight-bearing"),
        max_length=8,
        choices=bsi.WeightBearing.choices,
        default=bsi.WeightBearing.FWB,
    )
    walking_aid = models.CharField(
        _("walking aid"), max_length=20, choices=bsi.WalkingAid.choices, default=bsi.WalkingAid.NONE
    )
    notes = models.TextField(_("clinical notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InjuryQuerySet.as_manager()

    class Meta:
        verbose_name = _("injury")
        verbose_name_plural = _("injuries")
        ordering = ["-is_current", "-diagnosed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(is_current=True),
                name="injury_one_current_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(diagnosed_on__gte=models.F("first_symptoms_on")),
                name="injury_diagnosis_after_symptoms",
            ),
            models.CheckConstraint(
                condition=Q(fracture_extent_pct__isnull=True) | Q(fracture_extent_pct__lte=100),
                name="injury_extent_percent",
            ),
            models.CheckConstraint(
                condition=Q(displacement_mm__isnull=True) | Q(displacement_mm__gte=0),
                name="injury_displacement_positive",
            ),
            models.CheckConstraint(
                condition=Q(risk_category=models.F("derived_risk")) | ~Q(risk_override_reason=""),
                name="injury_risk_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_site_display()} ({self.get_side_display()})"

    def get_additional_data(self) -> dict[str, object]:
        return {"patient": str(self.patient.public_id), "clinic": self.patient.clinic_id}

    @property
    def is_risk_overridden(self) -> bool:
        return self.risk_category != self.derived_risk

    @property
    def expected_return(self) -> bsi.ExpectedReturn:
        return bsi.expected_return(self.site)[0]

    @property
    def expected_return_is_site_specific(self) -> bool:
        return bsi.expected_return(self.site)[1]

    @property
    def arendt_time_to_full_activity(self) -> str:
        return (
            str(bsi.ARENDT_TIME_TO_FULL_ACTIVITY[bsi.ArendtGrade(self.arendt_grade)])
            if self.arendt_grade
            else ""
        )

    @property
    def grades(self) -> list[tuple[str, str]]:
        shown = []
        if self.fredericson_grade:
            shown.append((str(_("Fredericson")), self.get_fredericson_grade_display()))
        if self.arendt_grade:
            shown.append((str(_("Arendt / Nattiv")), self.get_arendt_grade_display()))
        if self.kaeding_miller_grade:
            shown.append((str(_("Kaeding–Miller")), self.get_kaeding_miller_grade_display()))
        return shown


class ImagingEntry(PublicIdModel):
    injury = models.ForeignKey(Injury, on_delete=models.CASCADE, related_name="imaging")
    modality = models.CharField(_("modality"), max_length=12, choices=bsi.ImagingModality.choices)
    taken_on = models.DateField(_("date"))
    grade = models.CharField(
        _("grade"), max_length=40, blank=True, help_text=_("as reported, e.g. Fredericson 3")
    )
    note = models.CharField(_("short note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("imaging entry")
        verbose_name_plural = _("imaging entries")
        ordering = ["-taken_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_modality_display()} {self.taken_on}"

    def get_additional_data(self) -> dict[str, object]:
        return {
            "patient": str(self.injury.patient.public_id),
            "clinic": self.injury.patient.clinic_id,
        }


class PriorInjury(PublicIdModel):
    """A bone stress injury before this episode: >= 2 prior BSIs is a Triad and REDs risk [F:13][F:18]."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="prior_injuries")
    site = models.CharField(_("site"), max_length=32, choices=bsi.Site.choices)
    occurred_on = models.DateField(_("approximate date"))
    weeks_lost = models.PositiveSmallIntegerField(_("weeks of running lost"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("prior bone stress injury")
        verbose_name_plural = _("prior bone stress injuries")
        ordering = ["-occurred_on"]

    def __str__(self) -> str:
        return f"{self.get_site_display()} {self.occurred_on:%Y}"

    def get_additional_data(self) -> dict[str, object]:
        return {"patient": str(self.patient.public_id), "clinic": self.patient.clinic_id}


class TriadScreen(PublicIdModel):
    """Female Athlete Triad Cumulative Risk Assessment, dated; kept as a history [F:13][F:49]."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="triad_screens")
    screened_on = models.DateField(_("screened on"))
    low_energy_availability = models.PositiveSmallIntegerField(_("low energy availability"))
    low_bmi = models.PositiveSmallIntegerField(_("low BMI"))
    delayed_menarche = models.PositiveSmallIntegerField(
        _("delayed menarche"), null=True, blank=True
    )
    oligo_amenorrhoea = models.PositiveSmallIntegerField(
        _("oligo- or amenorrhoea"), null=True, blank=True
    )
    low_bmd = models.PositiveSmallIntegerField(_("low bone mineral density"))
    stress_reaction = models.PositiveSmallIntegerField(_("stress reaction or fracture"))
    categorical_restriction = models.BooleanField(
        _("categorical restriction"),
        default=False,
        help_text=_(
            "Anorexia nervosa with BMI < 16 kg/m², or moderate to severe bulimia (purging > 4 times a week)."
        ),
    )
    total = models.PositiveSmallIntegerField(_("total score"), editable=False)
    clearance = models.CharField(
        _("clearance"), max_length=12, choices=triad.Clearance.choices, editable=False
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Triad risk screen")
        verbose_name_plural = _("Triad risk screens")
        ordering = ["-screened_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(low_energy_availability__lte=2)
                & Q(low_bmi__lte=2)
                & Q(low_bmd__lte=2)
                & Q(stress_reaction__lte=2)
                & (Q(delayed_menarche__isnull=True) | Q(delayed_menarche__lte=2))
                & (Q(oligo_amenorrhoea__isnull=True) | Q(oligo_amenorrhoea__lte=2)),
                name="triad_factor_scores_0_to_2",
            ),
        ]

    def __str__(self) -> str:
        return f"Triad CRA {self.screened_on}: {self.total}"

    def get_additional_data(self) -> dict[str, object]:
        return {"patient": str(self.patient.public_id), "clinic": self.patient.clinic_id}

    def factor_rows(self) -> list[tuple[triad.Factor, int | None]]:
        return [(factor, getattr(self, factor.field)) for factor in triad.FACTORS]


class InvitationQuerySet(models.QuerySet["AthleteInvitation"]):
    def usable(self) -> InvitationQuerySet:
        return self.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())


class AthleteInvitation(PublicIdModel):
    """An e-mailed, signed, single-use, expiring link for the athlete to set a password.

    Sending again revokes the earlier invitation of the patient. The token in the link signs
    the public id and a per-invitation nonce; only this row can accept it, once.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    nonce = models.CharField(max_length=32, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("athlete invitation")
        verbose_name_plural = _("athlete invitations")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(accepted_at=None, revoked_at=None),
                name="invitation_one_open_per_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"invitation to {self.email}"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"


def care_team_users(patient: Patient) -> list[User]:
    """The assigned physio first, then the rest of the care team."""
    members = [patient.assigned_physio]
    members += [
        m.user
        for m in patient.care_team.select_related("user")
        if m.user_id != patient.assigned_physio_id
    ]
    return members
