"""Similar works, key terms and similar authors, on real arXiv records."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import call_command

from graph.models import SimilarAuthor, SimilarWork, WorkKeyTerms
from graph.similarity import similar_works, top_terms
from graph.similarity_selectors import similar_authors_for, similar_works_for
from graph.similarity_services import similarities_recompute
from publications.models import Author, Work, WorkTopic
from tests.conftest import FIXTURES

pytestmark = pytest.mark.django_db

DEMO_FILES = [
    "arxiv_api/recorded/q_testing_s0_m100_cfe7536492ca.json",
    "arxiv_api/au_del_maestro_2016.xml",
]


@pytest.fixture
def demo():
    """100 papers about testing (many subjects) and 10 by Adrian Del Maestro."""
    call_command(
        "import",
        "arxiv",
        "--file",
        *[str(FIXTURES / name) for name in DEMO_FILES],
        verbosity=0,
    )
    similarities_recompute()


def test_top_neighbour_of_a_luttinger_paper_is_another_of_his_helium_papers(demo):
    work = Work.objects.get(arxiv_id="1201.4869")  # Luttinger liquid core, helium-4

    top = SimilarWork.objects.select_related("similar").get(work=work, rank=1)

    title = top.similar.title.lower()
    assert "helium" in title or "luttinger" in title
    assert top.similar.authorships.filter(name="Adrian Del Maestro").exists()
    assert {"helium", "luttinger liquid theory"} & set(top.shared_terms)


def test_top_neighbours_share_a_primary_category_or_key_terms(demo):
    # "Shared key terms": the terms that make the pair similar include a key
    # term of one of the two works, i.e. they meet on what one is about.
    # (Exact overlap of both top-8 lists is too strict a test on 100-word
    # abstracts: with the primary category it holds for about 70%.)
    primary = dict(
        WorkTopic.objects.filter(is_primary=True).values_list("work_id", "topic_id")
    )
    terms = dict(WorkKeyTerms.objects.values_list("work_id", "terms"))
    tops = list(
        SimilarWork.objects.filter(rank=1).values_list(
            "work_id", "similar_id", "shared_terms"
        )
    )

    alike = [
        work
        for work, other, shared in tops
        if primary.get(work) == primary.get(other)
        or set(shared) & {*terms.get(work, []), *terms.get(other, [])}
    ]

    assert len(tops) >= 50
    assert len(alike) >= 0.8 * len(tops)


def test_key_terms_name_the_subject_of_the_paper(demo):
    work = Work.objects.get(arxiv_id="1201.4869")

    terms = WorkKeyTerms.objects.get(work=work).terms

    assert 1 <= len(terms) <= 8
    assert any("helium" in term or "luttinger" in term for term in terms)


def test_every_similar_work_and_author_says_why(demo):
    assert SimilarWork.objects.exists()
    assert SimilarAuthor.objects.exists()
    for row in SimilarWork.objects.all():
        assert row.shared_terms, row
        assert row.work_id != row.similar_id
        assert 1 <= row.rank <= 5
    for row in SimilarAuthor.objects.all():
        assert row.shared_topics or row.shared_coauthors, row
        assert row.author_id != row.similar_id


def test_recompute_twice_gives_the_same_rows(demo):
    def rows():
        return (
            sorted(
                SimilarWork.objects.values_list(
                    "work_id", "similar_id", "rank", "score", "shared_terms"
                )
            ),
            sorted(WorkKeyTerms.objects.values_list("work_id", "terms")),
            sorted(
                SimilarAuthor.objects.values_list(
                    "author_id",
                    "similar_id",
                    "rank",
                    "score",
                    "shared_topics",
                    "shared_coauthors",
                )
            ),
        )

    before = rows()
    similarities_recompute()
    assert rows() == before


def test_similar_works_for_is_one_query_whatever_the_neighbours(
    demo, django_assert_num_queries
):
    many = SimilarWork.objects.filter(rank=5).values_list("work_id", flat=True)[0]
    none = Work.objects.exclude(
        pk__in=SimilarWork.objects.values("work_id")
    ).values_list("pk", flat=True)[0]

    with django_assert_num_queries(1):
        rows = similar_works_for(many)
    with django_assert_num_queries(1):
        assert similar_works_for(none) == []

    assert len(rows) == 5
    assert rows[0].percent >= rows[-1].percent
    assert rows[0].reason.startswith("shared terms: ")


def test_similar_authors_of_a_coauthor_share_topics_or_coauthors(
    demo, django_assert_num_queries
):
    author = Author.objects.get(display_name="Adrian Del Maestro")

    with django_assert_num_queries(1):
        rows = similar_authors_for(author.pk)

    assert rows
    assert all(
        "shared topics: " in row.reason or "shared co-authors: " in row.reason
        for row in rows
    )


def test_a_work_is_never_its_own_neighbour_and_weak_pairs_are_dropped():
    found = similar_works(
        [
            (1, "Superfluid helium in nanopores", "Helium-4 in a narrow pore."),
            (2, "Helium in nanopores", "A Luttinger liquid of helium-4 in pores."),
            (3, "Flaky tests in Python", "Tests fail at random in CI."),
        ]
    )

    pairs = {(n.item, n.other) for n in found.neighbours}
    assert pairs == {(1, 2), (2, 1)}
    assert found.neighbours[0].reason
    assert set(found.key_terms) == {1, 2, 3}


def test_chained_bigrams_become_one_phrase_only_when_the_text_says_it():
    terms = ["carlo", "monte carlo", "quantum monte"]
    cols, weights = np.array([0, 1, 2]), np.array([0.5, 0.9, 0.8])

    said = top_terms(cols, weights, terms, 8, texts=[" use quantum monte carlo "])
    unsaid = top_terms(cols, weights, terms, 8, texts=[" quantum monte monte carlo "])

    assert said == ["quantum monte carlo"]
    assert unsaid == ["monte carlo", "quantum monte"]
