"""Admin for the people side: stored trust figures and follows."""

from __future__ import annotations

from django.contrib import admin

from .models import AuthorStanding, Follow


@admin.register(AuthorStanding)
class AuthorStandingAdmin(admin.ModelAdmin):
    list_display = [
        "author",
        "trust_score",
        "trust_band",
        "verification_level",
        "claim_status",
        "followers_count",
        "computed_at",
    ]
    list_filter = ["trust_band", "verification_level", "claim_status"]
    list_select_related = ["author"]
    search_fields = ["author__display_name"]
    raw_id_fields = ["author"]
    # Figures are computed by profiles.services.trust, never typed in.
    readonly_fields = [
        "trust_score",
        "trust_band",
        "verification_level",
        "components",
        "followers_count",
        "computed_at",
    ]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "author", "created_at"]
    list_select_related = ["user", "author"]
    search_fields = ["author__display_name", "user__username"]
    raw_id_fields = ["user", "author"]
