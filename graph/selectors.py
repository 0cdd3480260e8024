"""Reads of the research graph: the rows a slice is built from, and the cache.

``slice_rows`` gathers the nodes around one author and the edges between
them in a fixed number of aggregate queries (9 when the author has works),
whatever the number of their works or co-authors: each list is ranked and
cut in SQL. ``cached_slice`` only reads the cache, so a page can show a
precomputed slice without a single SQL query.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, F, Q

from graph.builders import Slice
from publications.models import Affiliation, Author, Authorship, Topic, Work, WorkTopic

MAX_COAUTHORS = 8
MAX_WORKS = 6
# Of the works, at most this many are picked by citations, the rest are the
# most recent, so a slice shows both what is known and what is new.
MAX_CITED_WORKS = 3
MAX_TOPICS = 6
MAX_INSTITUTIONS = 4

# Bump when the shape of a cached slice changes, so old entries are ignored.
# 2: topic and institution nodes carry the URL of their page.
SLICE_SCHEMA = 3
SLICE_TIMEOUT = 30 * 24 * 60 * 60


@dataclass(frozen=True)
class AuthorRow:
    id: int
    name: str


@dataclass(frozen=True)
class CoauthorRow:
    id: int
    name: str
    shared_works: int


@dataclass(frozen=True)
class WorkRow:
    id: int
    title: str
    year: int | None
    citation_count: int | None


@dataclass(frozen=True)
class TopicRow:
    id: int
    scheme: str
    code: str
    name: str
    works: int  # the author's works about it


@dataclass(frozen=True)
class InstitutionRow:
    id: int
    name: str
    start_year: int | None
    end_year: int | None


@dataclass(frozen=True)
class SliceRows:
    """The nodes around an author and the edges between them, as rows."""

    author: AuthorRow
    coauthors: list[CoauthorRow]
    works: list[WorkRow]
    topics: list[TopicRow]
    institutions: list[InstitutionRow]
    # (co-author id, work id): which shown co-authors wrote which shown works.
    coauthor_works: list[tuple[int, int]]
    # (work id, topic id) among the shown works and topics.
    work_topics: list[tuple[int, int]]
    # (year, citation_count) of every work of the author, for the statistics.
    all_works: list[tuple[int | None, int | None]]
    # (year, citations received that year) summed over the author's works,
    # where a source counts by year (OpenAlex counts_by_year).
    citations_by_year: list[tuple[int, int]] = field(default_factory=list)


def slice_rows(*, author_id: int) -> SliceRows | None:
    """The rows of an author's slice; None when there is no such author.

    Expect 9 queries: the author, co-authors, most-cited works, most recent
    works, topics, co-authors' authorships of the shown works, the shown
    works' topics, institutions, and (year, citations) of every work.
    """
    author = (
        Author.objects.filter(pk=author_id).values_list("pk", "display_name").first()
    )
    if author is None:
        return None
    works = _works(author_id=author_id)
    coauthors = _coauthors(author_id=author_id)
    topics = _topics(author_id=author_id)
    work_ids = [work.id for work in works]
    return SliceRows(
        author=AuthorRow(*author),
        coauthors=coauthors,
        works=works,
        topics=topics,
        institutions=_institutions(author_id=author_id),
        coauthor_works=list(
            Authorship.objects.filter(
                work_id__in=work_ids, author_id__in=[c.id for c in coauthors]
            )
            .values_list("author_id", "work_id")
            .distinct()
            .order_by("author_id", "work_id")
        )
        if work_ids and coauthors
        else [],
        work_topics=list(
            WorkTopic.objects.filter(
                work_id__in=work_ids, topic_id__in=[t.id for t in topics]
            )
            .values_list("work_id", "topic_id")
            .order_by("work_id", "topic_id")
        )
        if work_ids and topics
        else [],
        **_all_works(author_id=author_id),
    )


def _all_works(*, author_id: int) -> dict[str, list]:
    """Every work's year and citation count, and citations received by year."""
    rows = (
        Work.objects.filter(authorships__author_id=author_id)
        .distinct()
        .values_list("pk", "year", "citation_count", "counts_by_year")
        .order_by("pk")
    )
    all_works, by_year = [], defaultdict(int)
    for _, year, citations, counts in rows:
        all_works.append((year, citations))
        for pair in counts or []:
            if len(pair) == 2 and all(isinstance(v, int) for v in pair):
                by_year[pair[0]] += pair[1]
    return {"all_works": all_works, "citations_by_year": sorted(by_year.items())}


def _coauthors(*, author_id: int) -> list[CoauthorRow]:
    rows = (
        Author.objects.visible()
        .filter(authorships__work__authorships__author_id=author_id)
        .exclude(pk=author_id)
        .annotate(shared=Count("authorships__work", distinct=True))
        .values_list("pk", "display_name", "shared")
        .order_by("-shared", "display_name", "pk")[:MAX_COAUTHORS]
    )
    return [CoauthorRow(*row) for row in rows]


def _works(*, author_id: int) -> list[WorkRow]:
    """Up to 3 most-cited works (where counts are known), then the most recent."""
    mine = (
        Work.objects.filter(authorships__author_id=author_id)
        .distinct()
        .values_list("pk", "title", "year", "citation_count")
    )
    cited = list(
        mine.filter(citation_count__gt=0).order_by(
            "-citation_count", F("published").desc(nulls_last=True), "-pk"
        )[:MAX_WORKS]
    )
    recent = list(
        mine.order_by(F("published").desc(nulls_last=True), "-pk")[:MAX_WORKS]
    )
    picked: dict[int, tuple] = {}
    for row in [*cited[:MAX_CITED_WORKS], *recent, *cited]:
        if len(picked) < MAX_WORKS:
            picked.setdefault(row[0], row)
    return [WorkRow(*row) for row in picked.values()]


def _topics(*, author_id: int) -> list[TopicRow]:
    rows = (
        Topic.objects.filter(works__authorships__author_id=author_id)
        .annotate(
            n_works=Count(
                "works",
                distinct=True,
                filter=Q(works__authorships__author_id=author_id),
            )
        )
        .values_list("pk", "scheme", "code", "name", "n_works")
        .order_by("-n_works", "code")[:MAX_TOPICS]
    )
    return [TopicRow(*row) for row in rows]


def _institutions(*, author_id: int) -> list[InstitutionRow]:
    rows = (
        Affiliation.objects.filter(author_id=author_id)
        .values_list("institution_id", "institution__name", "start_year", "end_year")
        .order_by(F("end_year").desc(nulls_last=True), "-pk")[:MAX_INSTITUTIONS]
    )
    return [InstitutionRow(*row) for row in rows]


# --- the cache ----------------------------------------------------------------


def slice_version_key(author_id: int) -> str:
    return f"graph:slice-version:{author_id}"


def slice_key(author_id: int, version: int) -> str:
    return f"graph:slice:{SLICE_SCHEMA}:{author_id}:{version}"


def slice_version(author_id: int) -> int:
    """The author's current slice version, created on first use.

    A missing version (never set, or evicted) starts from the clock, never
    from 1, so a slice stored under an older version cannot come back.
    """
    key = slice_version_key(author_id)
    version = cache.get(key)
    if version is None:
        fresh = time.time_ns()
        # add, not set: another process may have just created it.
        added = cache.add(key, fresh, timeout=None)
        version = fresh if added else cache.get(key, fresh)
    return version


def cached_slice(author_id: int) -> Slice | None:
    """The author's slice if it is in the cache, else None. No SQL."""
    data = cache.get(slice_key(author_id, slice_version(author_id)))
    return None if data is None else Slice.from_dict(data)
