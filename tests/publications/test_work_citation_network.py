"""The citation network on the paper page, and /works/<id>/citations/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.citation_data import cite, cited_by, make_network, table_rows
from tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


def page(client, work) -> str:
    response = client.get(work.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def citations_url(work, **params) -> str:
    url = reverse("publications:work_citations", args=[work.pk])
    return url + (
        "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    )


def test_paper_page_tables_list_citing_works_and_references(client):
    net = make_network()

    html = page(client, net.paper)

    assert table_rows(html, "citing-works") == [
        [
            ("Luttinger liquids in narrow pores", net.popular.get_absolute_url()),
            ("Cy Young, Di Chen", ""),
            ("2018", ""),
        ],
        [
            ("Helium films on graphene", net.recent.get_absolute_url()),
            ("Ed Wood", ""),
            ("2020", ""),
        ],
    ]
    assert table_rows(html, "references") == [
        [
            ("Bose condensation in porous media", net.classic.get_absolute_url()),
            ("Fay Lin", ""),
            ("2010", ""),
        ],
        [
            (
                "DOI 10.1103/physrevb.99.014501 not in BZPEER yet",
                "https://doi.org/10.1103/physrevb.99.014501",
            ),
            ("", ""),
            ("", ""),
        ],
        [
            (
                "arXiv cond-mat/0601001 not in BZPEER yet",
                "https://arxiv.org/abs/cond-mat/0601001",
            ),
            ("", ""),
            ("", ""),
        ],
        [
            (
                "OpenAlex W2741809807 not in BZPEER yet",
                "https://openalex.org/W2741809807",
            ),
            ("", ""),
            ("", ""),
        ],
    ]
    assert "<caption>Cites this paper</caption>" in html
    assert "<caption>Referenced by this paper</caption>" in html


def test_paper_page_says_how_many_citations_the_source_counts(client):
    net = make_network()

    html = page(client, net.paper)

    assert "Cited by 2 works in BZPEER · 4 references, 1 of them in BZPEER" in html
    assert "Cited by 120 according to OpenAlex; 2 of them are in BZPEER." in html


def test_paper_page_links_the_network_to_the_explorer(client):
    net = make_network()

    html = page(client, net.paper)

    section = html.split('id="citation-network"')[1].split("</section>")[0]
    assert (
        f'<a class="small" href="/explore/?work={net.paper.pk}">Open in explorer</a>'
        in section
    )


def test_paper_without_citation_data_says_so_and_what_would_fill_it(client):
    paper = WorkFactory()

    html = page(client, paper)

    section = html.split('id="citation-network"')[1].split("</section>")[0]
    assert "No citation data for this paper yet." in section
    assert "OpenAlex (referenced works)" in section
    assert "Crossref (references the publisher deposited)" in section
    assert "Semantic Scholar (citations and references)" in section
    assert "<svg" not in section
    assert "<table" not in section


def test_paper_only_counted_by_a_source_shows_the_count(client):
    paper = WorkFactory(citation_count=7, field_sources={"citation_count": "openalex"})

    html = page(client, paper)

    assert "No citation data for this paper yet." in html
    assert "Cited by 7 according to OpenAlex; none of them is in BZPEER yet." in html


def test_only_references_still_shows_the_network(client):
    paper = WorkFactory()
    cite(paper, None, "doi", "10.1/elsewhere", "crossref")

    html = page(client, paper)

    assert "No citation data" not in html
    assert table_rows(html, "citing-works") == [
        [("No work in BZPEER cites this paper yet.", "")]
    ]
    assert len(table_rows(html, "references")) == 1


@pytest.mark.parametrize("n_citing", [3, 50])
def test_paper_page_query_count_does_not_grow_with_citations(
    client, django_assert_num_queries, n_citing
):
    net = make_network()
    cited_by(net.paper, n_citing)
    for i in range(n_citing):
        cite(net.paper, None, "arxiv", f"2001.{i:05d}", "semanticscholar")

    # The work, authorships, topics, versions; the network's counts, citing
    # works, references, their authors; similar works, key terms.
    with django_assert_num_queries(10):
        html = page(client, net.paper)

    assert len(table_rows(html, "citing-works")) == min(20, 2 + n_citing)
    assert len(table_rows(html, "references")) == min(20, 4 + n_citing)


def test_large_lists_are_cut_with_a_link_to_the_full_lists(client):
    net = make_network()
    cited_by(net.paper, 50)

    html = page(client, net.paper)

    assert len(table_rows(html, "citing-works")) == 20
    assert (
        f'<a href="{citations_url(net.paper)}#citing-works">'
        "Show all 52 works that cite this paper</a>"
    ) in html
    assert "Show all 4 references" not in html


def test_titles_in_the_network_are_escaped(client):
    paper = WorkFactory()
    cite(
        WorkFactory(title="<script>alert(1)</script>"),
        paper,
        "doi",
        "10.1/x",
        "openalex",
    )

    html = page(client, paper)

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- /works/<id>/citations/ ----------------------------------------------------


def test_citations_page_lists_everything_paginated_per_list(client):
    net = make_network()
    cited_by(net.paper, 50)

    response = client.get(citations_url(net.paper))

    assert response.status_code == 200
    html = response.content.decode()
    assert len(table_rows(html, "citing-works")) == 50
    assert len(table_rows(html, "references")) == 4
    assert "Page 1 of 2" in html
    assert "?citing_page=2&amp;references_page=1#citing-works" in html
    assert "Cited by 120 according to OpenAlex; 52 of them are in BZPEER." in html

    second = client.get(citations_url(net.paper, citing_page=2)).content.decode()
    assert len(table_rows(second, "citing-works")) == 2
    assert len(table_rows(second, "references")) == 4


@pytest.mark.parametrize("n_citing", [3, 120])
def test_citations_page_query_count_does_not_grow(
    client, django_assert_num_queries, n_citing
):
    net = make_network()
    cited_by(net.paper, n_citing)

    # The work; a count and a page of each list; the listed works' authors.
    with django_assert_num_queries(6):
        assert client.get(citations_url(net.paper)).status_code == 200


def test_citations_page_of_a_merged_work_redirects_to_the_kept_one(client):
    kept = WorkFactory()
    gone = WorkFactory(merged_into=kept)

    response = client.get(citations_url(gone, citing_page=2))

    assert response.status_code == 301
    assert response["Location"] == citations_url(kept)


def test_citations_page_of_an_unknown_work_is_404(client):
    assert client.get("/works/999999/citations/").status_code == 404


def test_citations_page_rejects_post(client):
    paper = WorkFactory()
    assert client.post(citations_url(paper)).status_code == 405
