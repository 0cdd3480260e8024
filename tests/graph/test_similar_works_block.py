"""The "Similar papers" and "Key terms" blocks of the paper page, and the
similar-researchers block the profile can include."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from graph.models import SimilarAuthor, SimilarWork, WorkKeyTerms
from graph.similarity_services import similarities_recompute
from tests.factories import AuthorFactory, WorkFactory

pytestmark = pytest.mark.django_db

HELIUM = "Helium-4 in narrow nanopores forms a Luttinger liquid at low temperature."


@pytest.fixture
def pair():
    work = WorkFactory(title="Superfluid helium in nanopores", abstract=HELIUM)
    other = WorkFactory(title="A Luttinger liquid of helium", abstract=HELIUM)
    WorkFactory(title="Flaky tests in Python", abstract="Tests fail at random.")
    similarities_recompute()
    return work, other


def test_paper_page_lists_similar_papers_with_links_and_reasons(client, pair):
    work, other = pair

    html = client.get(f"/works/{work.pk}/").content.decode()

    assert "Similar papers" in html
    assert (
        f'<a href="{other.get_absolute_url()}">A Luttinger liquid of helium</a>' in html
    )
    assert "shared terms: " in html
    assert "helium" in html.split("shared terms: ")[1].split("<")[0]
    assert "% similar" in html


def test_paper_page_lists_key_terms(client, pair):
    work, _ = pair
    terms = WorkKeyTerms.objects.get(work=work).terms

    html = client.get(f"/works/{work.pk}/").content.decode()

    assert "Key terms" in html
    assert f"<li>{terms[0]}</li>" in html


def test_similar_papers_come_after_how_to_cite(client, pair):
    work, _ = pair

    html = client.get(f"/works/{work.pk}/").content.decode()

    assert html.index("How to cite") < html.index("Similar papers")


def test_paper_page_without_computed_similarities_shows_neither_block(client):
    work = WorkFactory()

    html = client.get(f"/works/{work.pk}/").content.decode()

    assert "Similar papers" not in html
    assert "Key terms" not in html


def test_similar_title_and_terms_are_escaped(client):
    work = WorkFactory(title="Helium in pores")
    evil = WorkFactory(title="<script>alert(1)</script> helium")
    SimilarWork.objects.create(
        work=work, similar=evil, score=0.5, rank=1, shared_terms=["<b>helium</b>"]
    )
    WorkKeyTerms.objects.create(work=work, terms=["<i>pores</i>"])

    html = client.get(f"/works/{work.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; helium" in html
    assert "&lt;b&gt;helium&lt;/b&gt;" in html
    assert "&lt;i&gt;pores&lt;/i&gt;" in html


SIMILAR_AUTHORS = Template("{% load similarities %}{% similar_authors author.pk %}")


def test_similar_authors_block_links_each_with_its_reason(django_assert_num_queries):
    author = AuthorFactory(display_name="Adrian Del Maestro")
    other = AuthorFactory(display_name="<script>x</script> Maestro")
    SimilarAuthor.objects.create(
        author=author,
        similar=other,
        score=0.42,
        rank=1,
        shared_topics=["Other Condensed Matter"],
        shared_coauthors=["Ada Lovelace"],
    )

    with django_assert_num_queries(1):
        html = SIMILAR_AUTHORS.render(Context({"author": author}))

    assert "Similar researchers" in html
    assert f'href="{other.get_absolute_url()}"' in html
    assert "&lt;script&gt;x&lt;/script&gt; Maestro" in html
    assert "42% similar" in html
    assert (
        "shared topics: Other Condensed Matter; shared co-authors: Ada Lovelace" in html
    )


def test_similar_authors_block_is_empty_until_computed():
    author = AuthorFactory()

    html = SIMILAR_AUTHORS.render(Context({"author": author}))

    assert "Similar researchers" not in html
