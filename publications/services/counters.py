"""The stored counts shown on pages: works, topics and close collaborators.

``authors_recount`` recomputes them for some authors with three aggregate
queries and one bulk update; ingest calls it for the authors an import
touched, and ``manage.py recount`` calls it for everyone.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from publications.models import Author, Authorship, WorkTopic

BATCH = 500


def authors_recount(*, author_ids: Iterable[int]) -> int:
    """Recount the stored counters of these authors; return how many changed."""
    ids = sorted(set(author_ids))
    changed = 0
    for start in range(0, len(ids), BATCH):
        changed += _recount_batch(ids[start : start + BATCH])
    return changed


def authors_recount_all() -> int:
    ids = Author.objects.visible().values_list("pk", flat=True).iterator()
    return authors_recount(author_ids=list(ids))


def _recount_batch(ids: list[int]) -> int:
    works = dict(
        Authorship.objects.filter(author_id__in=ids)
        .values_list("author_id")
        .annotate(n=Count("work_id", distinct=True))
    )
    topics = dict(
        WorkTopic.objects.filter(work__authorships__author_id__in=ids)
        .values_list("work__authorships__author_id")
        .annotate(n=Count("topic_id", distinct=True))
    )
    # Co-authors: other authors on any of the author's works.
    collaborators = dict(
        Authorship.objects.filter(
            work__authorships__author_id__in=ids, author__isnull=False
        )
        .values_list("work__authorships__author_id")
        .annotate(n=Count("author_id", distinct=True))
    )
    authors = list(
        Author.objects.filter(pk__in=ids).only(
            "works_count", "topics_count", "collaborators_count"
        )
    )
    dirty = []
    for author in authors:
        new = (
            works.get(author.pk, 0),
            topics.get(author.pk, 0),
            # The author counts themself among a work's authors.
            max(0, collaborators.get(author.pk, 0) - 1),
        )
        old = (author.works_count, author.topics_count, author.collaborators_count)
        if new != old:
            author.works_count, author.topics_count, author.collaborators_count = new
            dirty.append(author)
    Author.objects.bulk_update(
        dirty, ["works_count", "topics_count", "collaborators_count"]
    )
    return len(dirty)
