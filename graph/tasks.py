"""Celery tasks of graph: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="graph.graph_slice_compute")
def graph_slice_compute_task(author_ids: list[int]) -> None:
    """Wrapper around graph_slices_compute to make it a task."""
    from graph.services import graph_slices_compute

    graph_slices_compute(author_ids=author_ids)


@shared_task(name="graph.similarities_recompute")
def similarities_recompute_task() -> None:
    """Wrapper around similarities_recompute to make it a task."""
    from graph.similarity_services import similarities_recompute

    similarities_recompute()
