"""publications.citation_network: what cites a work and what it cites."""

from __future__ import annotations

import pytest

from publications.citation_network import (
    citation_network,
    identifier_link,
    references,
)
from tests.citation_data import cite, cited_by, make_network, work
from tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


def test_citing_works_are_listed_once_each_most_cited_first():
    net = make_network()

    network = citation_network(work=net.paper)

    assert [row.title for row in network.citing] == [
        "Luttinger liquids in narrow pores",  # 40 citations
        "Helium films on graphene",  # 3 citations, listed by two sources
    ]
    popular = network.citing[0]
    assert popular.url == net.popular.get_absolute_url()
    assert popular.authors == ("Cy Young", "Di Chen")
    assert popular.authors_text == "Cy Young, Di Chen"
    assert popular.year == 2018
    assert popular.in_bzpeer
    assert popular.source == "Crossref"
    assert network.citing_count == 2


def test_merged_citing_work_is_left_out():
    net = make_network()

    network = citation_network(work=net.paper)

    assert net.merged.get_absolute_url() not in {row.url for row in network.citing}


def test_references_list_known_works_first_then_identifiers_with_links():
    net = make_network()

    network = citation_network(work=net.paper)

    rows = [(row.title, row.url, row.in_bzpeer) for row in network.references]
    assert rows == [
        ("Bose condensation in porous media", net.classic.get_absolute_url(), True),
        (
            "DOI 10.1103/physrevb.99.014501",
            "https://doi.org/10.1103/physrevb.99.014501",
            False,
        ),
        (
            "arXiv cond-mat/0601001",
            "https://arxiv.org/abs/cond-mat/0601001",
            False,
        ),
        ("OpenAlex W2741809807", "https://openalex.org/W2741809807", False),
    ]
    assert network.references[0].authors == ("Fay Lin",)
    assert network.references[0].year == 2010
    unknown = network.references[1]
    assert (unknown.authors, unknown.year, unknown.source) == ((), None, "Crossref")
    assert network.references_count == 4
    assert network.references_in_bzpeer == 1
    assert network.references_elsewhere == 3


def test_the_sources_count_is_shown_when_larger_than_what_bzpeer_holds():
    net = make_network()

    network = citation_network(work=net.paper)

    assert (network.source_count, network.source_name) == (120, "OpenAlex")
    assert network.source_note == (
        "Cited by 120 according to OpenAlex; 2 of them are in BZPEER."
    )


@pytest.mark.parametrize(
    ("count", "citing", "note"),
    [
        (None, 0, ""),
        (2, 2, ""),  # BZPEER holds them all
        (1, 2, ""),
        (7, 0, "Cited by 7 according to Crossref; none of them is in BZPEER yet."),
        (7, 1, "Cited by 7 according to Crossref; 1 of them is in BZPEER."),
    ],
)
def test_source_note(count, citing, note):
    paper = WorkFactory(
        citation_count=count, field_sources={"citation_count": "crossref"}
    )
    for i in range(citing):
        cite(WorkFactory(), paper, "doi", f"10.1/{i}", "crossref")

    assert citation_network(work=paper).source_note == note


def test_a_work_without_citations_is_empty():
    paper = WorkFactory()

    network = citation_network(work=paper)

    assert network.empty
    assert (network.citing, network.references) == ([], [])
    assert (network.citing_count, network.references_count) == (0, 0)


def test_lists_are_cut_but_counts_are_not():
    net = make_network()
    cited_by(net.paper, 30)

    network = citation_network(work=net.paper, limit=5)

    assert len(network.citing) == 5
    assert network.citing_count == 32
    assert network.more_citing
    assert len(network.references) == 4
    assert not network.more_references


def test_long_author_lists_end_with_et_al():
    paper = WorkFactory()
    big = work("A large collaboration", 2020, *[f"Member {i}" for i in range(1, 31)])
    cite(big, paper, "doi", "10.1/x", "openalex")

    row = citation_network(work=paper).citing[0]

    assert row.authors == tuple(f"Member {i}" for i in range(1, 7))
    assert row.authors_text == (
        "Member 1, Member 2, Member 3, Member 4, Member 5, Member 6 et al."
    )


def test_reference_to_a_merged_work_is_left_out():
    paper = WorkFactory()
    kept = WorkFactory()
    gone = WorkFactory(merged_into=kept)
    cite(paper, gone, "doi", "10.1/gone", "crossref")

    assert list(references(work_id=paper.pk)) == []
    network = citation_network(work=paper)
    assert network.references_count == 0


@pytest.mark.parametrize("n_citing", [3, 50])
def test_query_count_does_not_grow_with_citations(n_citing, django_assert_num_queries):
    net = make_network()
    cited_by(net.paper, n_citing)
    for i in range(n_citing):
        cite(net.paper, None, "doi", f"10.9/unknown-{i}", "crossref")

    # Counts, citing works, references, their first authors.
    with django_assert_num_queries(4):
        network = citation_network(work=net.paper)

    assert network.citing_count == 2 + n_citing
    assert len(network.citing) == min(20, 2 + n_citing)


@pytest.mark.parametrize(
    ("scheme", "value", "label", "url"),
    [
        (
            "doi",
            "10.1000/a#b?c",
            "DOI 10.1000/a#b?c",
            "https://doi.org/10.1000/a%23b%3Fc",
        ),
        (
            "arxiv",
            "hep-th/9901001",
            "arXiv hep-th/9901001",
            "https://arxiv.org/abs/hep-th/9901001",
        ),
        ("openalex", "W123", "OpenAlex W123", "https://openalex.org/W123"),
        ("openalex", "A123", "OpenAlex A123", ""),
        ("mag", "2741809807", "Microsoft Academic 2741809807", ""),
        ("pmid", "123", "PubMed 123", "https://pubmed.ncbi.nlm.nih.gov/123/"),
    ],
)
def test_identifier_link(scheme, value, label, url):
    assert identifier_link(scheme, value) == (label, url)
