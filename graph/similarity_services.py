"""Writes of the similarity tables: recompute them all from the records.

``similarities_recompute`` reads every work's title and abstract and every
authorship and work topic with ``values_list`` (one query each, no model
instances), computes with ``graph.similarity`` in memory, then replaces the
tables in one short transaction. Everything is held in memory at once:
fine up to ~100k works (a few hundred MB at most, minutes of CPU); past
that, an approximate nearest-neighbour index or per-topic batches would
replace the full pass. Running it twice gives the same rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import transaction

from graph.models import SimilarAuthor, SimilarWork, WorkKeyTerms
from graph.similarity import similar_authors, similar_works
from publications.models import Author, Authorship, Topic, Work, WorkTopic

BATCH = 1000


@dataclass(frozen=True)
class SimilarityCounts:
    similar_works: int
    similar_authors: int
    key_terms: int
    seconds: float


def similarities_recompute() -> SimilarityCounts:
    """Recompute similar works, key terms and similar authors from scratch."""
    started = time.monotonic()
    works = list(
        Work.objects.order_by("pk").values_list("pk", "title", "abstract").iterator()
    )
    found = similar_works(works)
    authors = list(
        Author.objects.visible()
        .filter(authorships__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", "display_name")
    )
    author_rows = similar_authors(
        authors,
        work_authors=Authorship.objects.filter(author__isnull=False)
        .values_list("work_id", "author_id")
        .iterator(),
        work_topics=WorkTopic.objects.values_list("work_id", "topic_id").iterator(),
        topic_names=dict(Topic.objects.values_list("pk", "name")),
    )
    work_rows = [
        SimilarWork(
            work_id=row.item,
            similar_id=row.other,
            score=row.score,
            shared_terms=row.reason,
            rank=row.rank,
        )
        for row in found.neighbours
    ]
    term_rows = [
        WorkKeyTerms(work_id=work_id, terms=terms)
        for work_id, terms in found.key_terms.items()
    ]
    similar_author_rows = [
        SimilarAuthor(
            author_id=row.item,
            similar_id=row.other,
            score=row.score,
            shared_topics=row.shared_topics,
            shared_coauthors=row.shared_coauthors,
            rank=row.rank,
        )
        for row in author_rows
    ]
    # Computed outside, written inside: the transaction only lasts the writes,
    # and pages never see the tables half empty.
    with transaction.atomic():
        SimilarWork.objects.all().delete()
        WorkKeyTerms.objects.all().delete()
        SimilarAuthor.objects.all().delete()
        SimilarWork.objects.bulk_create(work_rows, batch_size=BATCH)
        WorkKeyTerms.objects.bulk_create(term_rows, batch_size=BATCH)
        SimilarAuthor.objects.bulk_create(similar_author_rows, batch_size=BATCH)
    return SimilarityCounts(
        similar_works=len(work_rows),
        similar_authors=len(similar_author_rows),
        key_terms=len(term_rows),
        seconds=round(time.monotonic() - started, 2),
    )
