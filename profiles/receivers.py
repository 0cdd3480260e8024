"""Reactions of profiles to what publications reports (see publications.signals)."""

from __future__ import annotations

from django.dispatch import receiver

from publications.signals import authors_changed

from .tasks import author_standings_recompute_task


@receiver(authors_changed)
def recompute_standings(sender, author_ids: list[int], **kwargs) -> None:
    author_standings_recompute_task.delay(author_ids)
