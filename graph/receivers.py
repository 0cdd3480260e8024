"""Reactions of graph to what publications reports (see publications.signals)."""

from __future__ import annotations

from django.dispatch import receiver

from publications.signals import authors_changed

from .services import graph_slices_refresh


@receiver(authors_changed)
def refresh_graph_slices(sender, author_ids: list[int], **kwargs) -> None:
    graph_slices_refresh(author_ids=author_ids)
