"""Celery tasks of profiles: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="profiles.author_standings_recompute")
def author_standings_recompute_task(author_ids: list[int]) -> None:
    """Wrapper around author_standings_recompute to make it a task."""
    from profiles.services.trust import author_standings_recompute

    author_standings_recompute(author_ids=author_ids)


@shared_task(name="profiles.author_standings_recompute_all")
def author_standings_recompute_all_task() -> None:
    """Nightly catch-all: recompute every visible author's figures."""
    from profiles.services.trust import author_standings_recompute
    from publications.models import Author

    ids = list(Author.objects.visible().values_list("pk", flat=True))
    for start in range(0, len(ids), 1000):
        author_standings_recompute(author_ids=ids[start : start + 1000])
