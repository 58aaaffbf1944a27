from __future__ import annotations

from django.contrib import admin

from .models import CheckIn, SignInLink


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin[CheckIn]):
    list_display = ["patient", "date", "session_done", "is_late", "evaluated_at"]
    list_filter = ["session_done", "is_late"]
    date_hierarchy = "date"
    raw_id_fields = ["patient", "plan", "submitted_by"]
    readonly_fields = ["public_id", "submitted_at", "edited_at", "evaluated_at"]


@admin.register(SignInLink)
class SignInLinkAdmin(admin.ModelAdmin[SignInLink]):
    list_display = ["user", "purpose", "created_at", "expires_at", "revoked_at", "last_used_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["public_id", "nonce"]
