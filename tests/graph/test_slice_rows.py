"""graph.selectors.slice_rows: the rows of a slice in a fixed number of queries."""

from __future__ import annotations

import pytest

from graph.selectors import slice_rows
from publications.models import Affiliation, Author, Institution
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    WorkFactory,
    WorkTopicFactory,
)

pytestmark = pytest.mark.django_db


def _author_with_coauthors(n_coauthors: int, n_works: int) -> Author:
    author = AuthorFactory()
    coauthors = AuthorFactory.create_batch(n_coauthors)
    for i in range(n_works):
        work = WorkFactory()
        AuthorshipFactory(work=work, author=author, position=1)
        AuthorshipFactory(work=work, author=coauthors[i % n_coauthors], position=2)
        AuthorshipFactory(
            work=work, author=coauthors[(i + 1) % n_coauthors], position=3
        )
        WorkTopicFactory(work=work, topic__code=f"cs.G{i % 9}")
    Affiliation.objects.create(
        author=author,
        institution=Institution.objects.create(
            name=f"Lab {author.pk}", name_key=f"lab {author.pk}"
        ),
    )
    return author


def test_query_count_does_not_grow_with_works_or_coauthors(
    django_assert_num_queries,
):
    small = _author_with_coauthors(3, 3)
    large = _author_with_coauthors(30, 90)
    # Expect 9 queries: the author, co-authors, most-cited works, most recent
    # works, topics, co-authors' authorships of the shown works, the shown
    # works' topics, institutions, and (year, citations) of every work.
    with django_assert_num_queries(9):
        small_rows = slice_rows(author_id=small.pk)
    with django_assert_num_queries(9):
        large_rows = slice_rows(author_id=large.pk)

    assert len(small_rows.coauthors) == 3
    assert len(large_rows.coauthors) == 8
    assert len(large_rows.works) == 6
    assert len(large_rows.topics) == 6
    assert small_rows.coauthor_works
    assert large_rows.work_topics
    assert len(large_rows.all_works) == 90


def test_unknown_author_has_no_rows():
    assert slice_rows(author_id=123456) is None


def test_coauthors_are_ranked_by_shared_works(researcher):
    rows = slice_rows(author_id=researcher.author.pk)

    assert [(c.name, c.shared_works) for c in rows.coauthors] == [
        ("Ada Lovelace", 2),
        ("Bo Peep", 1),
    ]


def test_works_are_the_most_recent_when_no_citation_counts_are_known(researcher):
    rows = slice_rows(author_id=researcher.author.pk)

    assert [w.title for w in rows.works] == [
        "Entanglement entropy",
        "Quantum Monte Carlo methods",
        "Superfluid helium in pores",
    ]


def test_most_cited_works_come_first_then_the_most_recent():
    author = AuthorFactory()
    works = [WorkFactory(citation_count=None) for _ in range(8)]
    for work in works:
        AuthorshipFactory(work=work, author=author, position=1)
    # Three old works with citations, the rest without counts.
    for work, count in zip(works[:3], [5, 50, 20], strict=True):
        work.citation_count = count
        work.save()

    rows = slice_rows(author_id=author.pk)

    by_recency = sorted(works, key=lambda w: w.published, reverse=True)
    assert [w.citation_count for w in rows.works[:3]] == [50, 20, 5]
    assert [w.id for w in rows.works[3:]] == [
        w.pk for w in by_recency if w.citation_count is None
    ][:3]


def test_works_without_a_coauthor_or_topic_still_have_rows():
    author = AuthorFactory()
    AuthorshipFactory(author=author, position=1)

    rows = slice_rows(author_id=author.pk)

    assert len(rows.works) == 1
    assert rows.coauthors == rows.topics == rows.institutions == []
    assert rows.coauthor_works == rows.work_topics == []
