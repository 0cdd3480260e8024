"""The people side: follows and the stored trust figures of each author.

Trust figures live in their own table keyed by author (``AuthorStanding``),
computed by ``profiles.services.trust`` and stored so that the profile page
reads them in the same query as the author.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from publications.models import Author


class AuthorStanding(models.Model):
    """Stored trust snapshot of an author, recomputed when its inputs change."""

    class ClaimStatus(models.TextChoices):
        UNCLAIMED = "unclaimed", "Unclaimed author"
        CLAIMED = "claimed", "Claimed author"
        UNDER_REVIEW = "under_review", "Claim under review"

    author = models.OneToOneField(
        Author, primary_key=True, on_delete=models.CASCADE, related_name="standing"
    )
    trust_score = models.PositiveSmallIntegerField(default=0)
    trust_band = models.CharField(max_length=20, default="New")
    verification_level = models.PositiveSmallIntegerField(default=0)
    claim_status = models.CharField(
        max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.UNCLAIMED
    )
    followers_count = models.PositiveIntegerField(default=0)
    # Each component's points and the inputs it was computed from.
    components = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(trust_score__lte=100), name="trust_score_at_most_100"
            ),
            models.CheckConstraint(
                condition=models.Q(verification_level__lte=3),
                name="verification_level_l0_to_l3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author}: Trust {self.trust_score} - {self.trust_band}"


class Follow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "author"], name="follow_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.author}"


class Profile(models.Model):
    """What a claimed researcher set by hand on their author record.

    Imports never write here: these fields carry provenance "researcher".
    """

    author = models.OneToOneField(
        Author, primary_key=True, on_delete=models.CASCADE, related_name="profile"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profiles"
    )
    affiliation = models.CharField(max_length=255, blank=True)
    bio = models.TextField(blank=True, max_length=5000)
    links = models.JSONField(default=list, blank=True)
    hide_from_search_engines = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.author}"


class ClaimQuerySet(models.QuerySet["Claim"]):
    def active(self) -> ClaimQuerySet:
        """Claims that still hold the record: pending or approved."""
        return self.filter(status__in=[Claim.Status.PENDING, Claim.Status.APPROVED])


class Claim(models.Model):
    class Method(models.TextChoices):
        ORCID = "orcid", "ORCID sign-in"
        EMAIL = "email", "Institutional e-mail"
        EVIDENCE = "evidence", "Evidence for review"

    class Status(models.TextChoices):
        # Waiting: for the e-mail link to be clicked, or for staff.
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        # Replaced by a newer claim of the same user on the same record.
        SUPERSEDED = "superseded", "Superseded"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claims"
    )
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="claims")
    method = models.CharField(max_length=20, choices=Method.choices)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # True when a second claimant made this record "claim under review".
    disputed = models.BooleanField(default=False)
    evidence = models.TextField(blank=True, max_length=5000)
    evidence_links = models.JSONField(default=list, blank=True)
    # The institutional address (method email) or the ORCID iD (method
    # orcid) that was proven. Private: shown to the claimant and staff only.
    proof = models.CharField(max_length=255, blank=True)
    # When the claimant proved control of the proof (ORCID sign-in matched,
    # e-mail link clicked); a proven claim held back only by a dispute is
    # approved when the dispute ends.
    proven_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_claims",
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["author"],
                condition=models.Q(status="approved"),
                name="one_approved_claim_per_author",
            ),
            models.UniqueConstraint(
                fields=["author", "user"],
                condition=models.Q(status__in=["pending", "approved"]),
                name="one_active_claim_per_user_and_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} claims {self.author} ({self.status})"


class AuditLog(models.Model):
    """Who did what to which object, when and why. Rows are never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255)
    # The author record the action concerns, for its public history.
    author = models.ForeignKey(
        Author,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    # On an undo entry: the merge or split it undid. One-to-one, so the
    # database itself refuses a second undo of the same entry.
    undoes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="undone_by",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"
