from __future__ import annotations

from django.contrib import admin

from .models import (
    AthleteInvitation,
    CareTeamMember,
    ImagingEntry,
    Injury,
    Patient,
    PriorInjury,
    TriadScreen,
)


class CareTeamInline(admin.TabularInline[CareTeamMember, Patient]):
    model = CareTeamMember
    extra = 0
    autocomplete_fields = ["user"]


class ImagingInline(admin.TabularInline[ImagingEntry, Injury]):
    model = ImagingEntry
    extra = 0
    exclude = ["created_by"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin[Patient]):
    list_display = ["last_name", "first_name", "clinic", "status", "assigned_physio"]
    list_filter = ["clinic", "status", "sex"]
    search_fields = ["first_name", "last_name", "contact_email"]
    readonly_fields = [
        "public_id",
        "created_at",
        "updated_at",
        "consent_given_at",
        "consent_recorded_by",
    ]
    autocomplete_fields = ["user", "assigned_physio"]
    inlines = [CareTeamInline]


@admin.register(Injury)
class InjuryAdmin(admin.ModelAdmin[Injury]):
    list_display = ["patient", "site", "side", "risk_category", "is_current", "diagnosed_on"]
    list_filter = ["site", "risk_category", "is_current"]
    search_fields = ["patient__last_name", "patient__first_name"]
    readonly_fields = [
        "public_id",
        "bone_type",
        "derived_risk",
        "bone_health_flag",
        "risk_overridden_by",
        "risk_overridden_at",
    ]
    raw_id_fields = ["patient"]
    inlines = [ImagingInline]


@admin.register(PriorInjury)
class PriorInjuryAdmin(admin.ModelAdmin[PriorInjury]):
    list_display = ["patient", "site", "occurred_on", "weeks_lost"]
    raw_id_fields = ["patient"]


@admin.register(TriadScreen)
class TriadScreenAdmin(admin.ModelAdmin[TriadScreen]):
    list_display = ["patient", "screened_on", "total", "clearance"]
    list_filter = ["clearance"]
    readonly_fields = ["total", "clearance"]
    raw_id_fields = ["patient"]


@admin.register(AthleteInvitation)
class AthleteInvitationAdmin(admin.ModelAdmin[AthleteInvitation]):
    list_display = ["patient", "email", "sent_at", "expires_at", "accepted_at", "revoked_at"]
    readonly_fields = ["public_id", "nonce"]
    raw_id_fields = ["patient"]
