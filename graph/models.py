"""Derived data of the research graph: similar works, similar authors, key terms.

Every row here is recomputed from the records by
``graph.similarity_services.similarities_recompute`` (nightly, and by
``manage.py similarities``); nothing is edited by hand, so the tables can be
emptied and rebuilt at any time. ``rank`` is 1 for the nearest neighbour.
"""

from __future__ import annotations

from django.db import models

from publications.models import Author, Work


class SimilarWork(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="+")
    similar = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(help_text="Cosine similarity of the TF-IDF vectors.")
    # The terms that weigh most in both works: the reason they are similar.
    shared_terms = models.JSONField(default=list, blank=True)
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["work", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["work", "similar"], name="similar_work_unique"
            ),
            models.UniqueConstraint(
                fields=["work", "rank"], name="similar_work_unique_rank"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_id} ~ {self.similar_id} ({self.score:.2f})"


class SimilarAuthor(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="+")
    similar = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(
        help_text="Weighted sum of topic cosine and co-author overlap."
    )
    # Names of the topics and of the co-authors both share: the reason.
    shared_topics = models.JSONField(default=list, blank=True)
    shared_coauthors = models.JSONField(default=list, blank=True)
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["author", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "similar"], name="similar_author_unique"
            ),
            models.UniqueConstraint(
                fields=["author", "rank"], name="similar_author_unique_rank"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_id} ~ {self.similar_id} ({self.score:.2f})"


class WorkKeyTerms(models.Model):
    work = models.OneToOneField(
        Work, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # The work's highest-weighted TF-IDF terms, best first.
    terms = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "work key terms"

    def __str__(self) -> str:
        return f"{self.work_id}: {', '.join(self.terms)}"
