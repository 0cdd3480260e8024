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
