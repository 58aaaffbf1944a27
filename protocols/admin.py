from __future__ import annotations

from django.contrib import admin

from .models import (
    EntryCriterion,
    Plan,
    ProtocolTemplate,
    SessionLog,
    SessionStep,
    Stage,
    StageDecision,
)


class StageInline(admin.TabularInline[Stage, ProtocolTemplate]):
    model = Stage
    extra = 0
    fields = [
        "order",
        "name",
        "duration_min_weeks",
        "duration_max_weeks",
        "session_days_per_week",
        "no_back_to_back",
    ]
    show_change_link = True


class StepInline(admin.TabularInline[SessionStep, Stage]):
    model = SessionStep
    extra = 0


class CriterionInline(admin.TabularInline[EntryCriterion, Stage]):
    model = EntryCriterion
    extra = 0


@admin.register(ProtocolTemplate)
class ProtocolTemplateAdmin(admin.ModelAdmin[ProtocolTemplate]):
    list_display = ["name", "version", "status", "clinic", "is_plan_copy"]
    list_filter = ["status", "is_plan_copy", "clinic"]
    search_fields = ["name", "code"]
    readonly_fields = ["public_id", "family", "created_at", "published_at"]
    inlines = [StageInline]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin[Stage]):
    list_display = ["template", "order", "name"]
    inlines = [CriterionInline, StepInline]
    raw_id_fields = ["template"]


class DecisionInline(admin.TabularInline[StageDecision, Plan]):
    model = StageDecision
    extra = 0
    readonly_fields = ["kind", "from_stage", "to_stage", "decided_by", "decided_at", "rationale"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin[Plan]):
    list_display = ["patient", "source_template", "status", "start_date", "current_stage"]
    list_filter = ["status"]
    raw_id_fields = ["patient", "source_template", "content", "current_stage", "current_step"]
    inlines = [DecisionInline]


@admin.register(SessionLog)
class SessionLogAdmin(admin.ModelAdmin[SessionLog]):
    list_display = ["plan", "day", "outcome"]
    raw_id_fields = ["plan", "step"]
