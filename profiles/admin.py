"""Admin for the people side: trust figures, follows, claims, profiles, audit.

Claims change state only through ``profiles.services.claims`` (the moderation
pages or the admin action here), so every change writes its audit row; the
audit log itself cannot be added to, edited or deleted from the admin.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from .models import AuditLog, AuthorStanding, Claim, Follow, Profile
from .services.audit import audit_record
from .services.claims import ClaimError, claim_reject
from .services.identity_changes import UNDOABLE


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


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    """Claims in view-only form: every state change goes through the claim
    services (moderation page or the action below), so each one is audited.
    """

    list_display = [
        "id",
        "author",
        "user",
        "method",
        "status",
        "disputed",
        "created_at",
        "decided_at",
        "reviewer",
        "review_link",
    ]
    list_filter = ["status", "method", "disputed"]
    list_select_related = ["author", "user", "reviewer"]
    search_fields = ["author__display_name", "user__username"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user", "author", "reviewer"]
    # proof is a private address or iD; nothing here is typed in by staff.
    readonly_fields = [
        "user",
        "author",
        "method",
        "status",
        "disputed",
        "evidence",
        "evidence_links",
        "proof",
        "reviewer",
        "reason",
        "created_at",
        "decided_at",
        "review_link",
    ]
    actions = ["reject_insufficient"]

    @admin.display(description="Review")
    def review_link(self, obj: Claim) -> str:
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}">Open in moderation</a>',
            reverse("moderation:claim_detail", args=[obj.pk]),
        )

    def has_add_permission(self, request) -> bool:
        # Claims are opened by their claimant through the claim flow.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_moderate_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    @admin.action(
        description="Reject selected claims (insufficient evidence)",
        permissions=["moderate"],
    )
    def reject_insufficient(self, request, queryset) -> None:
        rejected, refused = 0, []
        for claim in queryset.select_related("user", "author"):
            try:
                claim_reject(
                    claim=claim, reviewer=request.user, reason_code="insufficient"
                )
            except ClaimError as exc:
                refused.append(f"#{claim.pk}: {exc}")
            else:
                rejected += 1
        if rejected:
            self.message_user(
                request, f"Rejected {rejected} claim(s).", messages.SUCCESS
            )
        if refused:
            self.message_user(
                request, "Not rejected: " + "; ".join(refused), messages.WARNING
            )


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["author", "user", "affiliation", "updated_at"]
    list_select_related = ["author", "user"]
    search_fields = ["author__display_name", "user__username", "affiliation"]
    # Who owns the profile is decided by an approved claim, not typed in.
    readonly_fields = ["author", "user", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # The admin wraps this in a transaction: the edit and its audit row
        # land together.
        changed = [name for name in form.changed_data if name in form.fields]
        super().save_model(request, obj, form, change)
        if change and changed:
            audit_record(
                actor=request.user,
                action="profile.edit",
                obj=obj,
                author=obj.author,
                before={name: form.initial.get(name) for name in changed},
                after={name: form.cleaned_data.get(name) for name in changed},
            )


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: audit rows are written by the services and never edited."""

    list_display = [
        "created_at",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "actor",
        "author",
        "undo_link",
    ]
    list_filter = ["action", "object_type"]
    list_select_related = ["actor", "author"]
    search_fields = [
        "object_repr",
        "object_id",
        "reason",
        "actor__username",
        "author__display_name",
    ]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "author",
        "before",
        "after",
        "reason",
        "undoes",
        "undo_link",
    ]
    fields = readonly_fields

    @admin.display(description="Undo")
    def undo_link(self, entry: AuditLog) -> str:
        """Merges and splits are undone from the moderation page, which says
        what goes back and whether it still can."""
        if entry.action not in UNDOABLE:
            return ""
        return format_html(
            '<a href="{}">Undo…</a>',
            reverse("moderation:identity_change_undo", args=[entry.pk]),
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
