"""/graph/explore.json?node=...: the neighbourhood the explorer fetches."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from graph.models import SimilarWork
from graph.services import graph_slice_compute, graph_slice_invalidate
from publications.models import Affiliation
from tests.citation_data import cite, make_network
from tests.factories import AuthorFactory, AuthorshipFactory, TopicFactory
from tests.graph.conftest import work_of

pytestmark = pytest.mark.django_db

NODE_KEYS = {"id": str, "type": str, "label": str, "url": str, "weight": float}
EDGE_KEYS = {
    "id": str,
    "source": str,
    "target": str,
    "type": str,
    "label": str,
    "weight": int,
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The rate limit counts in the cache: start every test from zero.
    cache.clear()


def data(client, node: str):
    return client.get(reverse("graph:explore_data"), {"node": node})


def check_schema(payload: dict) -> None:
    assert set(payload) == {"nodes", "edges"}
    ids = set()
    for node in payload["nodes"]:
        assert set(node) == set(NODE_KEYS)
        for key, kind in NODE_KEYS.items():
            assert type(node[key]) is kind or (kind is float and node[key] in (0, 1))
        assert node["type"] in {"author", "work", "topic", "institution"}
        assert 0 <= node["weight"] <= 1
        ids.add(node["id"])
    assert len(ids) == len(payload["nodes"]), "node ids repeat"
    for edge in payload["edges"]:
        assert set(edge) == set(EDGE_KEYS)
        for key, kind in EDGE_KEYS.items():
            assert type(edge[key]) is kind
        assert edge["type"] in {
            "co-authored",
            "wrote",
            "about",
            "affiliated",
            "similar",
            "cites",
        }
        assert edge["source"] in ids
        assert edge["target"] in ids
        assert edge["label"]
    assert len({e["id"] for e in payload["edges"]}) == len(payload["edges"])


def by_id(payload: dict) -> tuple[dict, dict]:
    nodes = {node["id"]: node for node in payload["nodes"]}
    edges = {
        frozenset((e["source"], e["target"])) | {e["type"]}: e for e in payload["edges"]
    }
    return nodes, edges


def edge(edges, kind, a, b) -> dict:
    return edges[frozenset((a, b)) | {kind}]


def test_author_neighbourhood_is_their_slice_with_explorer_ids(client, researcher):
    r = researcher
    response = data(client, f"author:{r.author.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    payload = response.json()
    check_schema(payload)
    nodes, edges = by_id(payload)
    me = f"author:{r.author.pk}"
    assert payload["nodes"][0]["id"] == me
    assert nodes[me] == {
        "id": me,
        "type": "author",
        "label": "Adrian Del Maestro",
        "url": r.author.get_absolute_url(),
        "weight": 1.0,
    }
    assert set(nodes) == {
        me,
        f"author:{r.ada.pk}",
        f"author:{r.bo.pk}",
        f"work:{r.old.pk}",
        f"work:{r.middle.pk}",
        f"work:{r.new.pk}",
        "topic:arxiv:cond-mat.other",
        "topic:arxiv:cond-mat.stat-mech",
        f"institution:{r.lab.pk}",
    }
    assert nodes[f"author:{r.ada.pk}"]["label"] == "Ada Lovelace"
    assert nodes[f"work:{r.old.pk}"]["label"] == "Superfluid helium in pores"
    assert nodes["topic:arxiv:cond-mat.other"]["label"] == "Other Condensed Matter"
    assert nodes["topic:arxiv:cond-mat.other"]["url"] == r.fluids.get_absolute_url()
    assert nodes[f"institution:{r.lab.pk}"]["label"] == "University of Vermont"

    coauthored = edge(edges, "co-authored", me, f"author:{r.ada.pk}")
    assert coauthored["label"] == "co-authored 2 works"
    assert coauthored["weight"] == 2
    assert edge(edges, "co-authored", me, f"author:{r.bo.pk}")["label"] == (
        "co-authored 1 work"
    )
    assert edge(edges, "wrote", f"author:{r.ada.pk}", f"work:{r.old.pk}")
    assert edge(edges, "about", f"work:{r.new.pk}", "topic:arxiv:cond-mat.stat-mech")
    assert edge(edges, "affiliated", me, f"institution:{r.lab.pk}")["label"] == (
        "affiliated 2012-2016"
    )


def test_edge_ids_are_the_same_from_either_end(client, researcher):
    r = researcher
    mine = data(client, f"author:{r.author.pk}").json()
    adas = data(client, f"author:{r.ada.pk}").json()
    pair = {f"author:{r.author.pk}", f"author:{r.ada.pk}"}

    def coauthored_ids(payload):
        return {
            e["id"]
            for e in payload["edges"]
            if e["type"] == "co-authored" and {e["source"], e["target"]} == pair
        }

    assert coauthored_ids(mine) == coauthored_ids(adas)
    assert len(coauthored_ids(mine)) == 1


def test_work_neighbourhood_has_its_authors_topics_and_similar_works(
    client, researcher
):
    r = researcher
    SimilarWork.objects.create(
        work=r.old, similar=r.new, score=0.4, shared_terms=["helium", "pores"], rank=1
    )

    payload = data(client, f"work:{r.old.pk}").json()

    check_schema(payload)
    nodes, edges = by_id(payload)
    me = f"work:{r.old.pk}"
    assert payload["nodes"][0]["id"] == me
    assert nodes[me]["weight"] == 1
    assert set(nodes) == {
        me,
        f"author:{r.author.pk}",
        f"author:{r.ada.pk}",
        "topic:arxiv:cond-mat.other",
        f"work:{r.new.pk}",
    }
    assert edge(edges, "wrote", f"author:{r.ada.pk}", me)["label"] == (
        "wrote (author 2)"
    )
    assert edge(edges, "about", me, "topic:arxiv:cond-mat.other")
    assert edge(edges, "similar", me, f"work:{r.new.pk}")["label"] == (
        "similar: helium, pores"
    )


def test_work_neighbourhood_has_cites_edges_from_citing_to_cited(client):
    net = make_network()

    payload = data(client, f"work:{net.paper.pk}").json()

    check_schema(payload)
    nodes, _ = by_id(payload)
    me = f"work:{net.paper.pk}"
    cites = {
        (e["source"], e["target"]): e for e in payload["edges"] if e["type"] == "cites"
    }
    assert set(cites) == {
        (f"work:{net.popular.pk}", me),
        (f"work:{net.recent.pk}", me),
        (me, f"work:{net.classic.pk}"),
    }
    assert cites[(f"work:{net.popular.pk}", me)]["label"] == (
        "cites (in its references, per Crossref)"
    )
    assert cites[(f"work:{net.popular.pk}", me)]["id"] == (
        f"cites|work:{net.popular.pk}|{me}"
    )
    assert nodes[f"work:{net.classic.pk}"]["label"] == (
        "Bose condensation in porous media"
    )
    # Merged works and references BZPEER does not hold are not nodes.
    assert f"work:{net.merged.pk}" not in nodes
    assert len([n for n in nodes.values() if n["type"] == "work"]) == 4


def test_work_neighbourhood_links_citations_among_its_neighbours(client):
    net = make_network()
    cite(net.recent, net.popular, "doi", "10.1000/popular", "crossref")
    cite(net.popular, net.classic, "doi", "10.1000/classic", "crossref")

    payload = data(client, f"work:{net.paper.pk}").json()

    cites = {
        (e["source"], e["target"]) for e in payload["edges"] if e["type"] == "cites"
    }
    assert (f"work:{net.recent.pk}", f"work:{net.popular.pk}") in cites
    assert (f"work:{net.popular.pk}", f"work:{net.classic.pk}") in cites


def test_mutual_citations_are_two_edges(client):
    net = make_network()
    cite(net.paper, net.recent, "doi", "10.1000/recent", "crossref")

    payload = data(client, f"work:{net.paper.pk}").json()

    check_schema(payload)
    pair = {f"work:{net.paper.pk}", f"work:{net.recent.pk}"}
    both = [
        e
        for e in payload["edges"]
        if e["type"] == "cites" and {e["source"], e["target"]} == pair
    ]
    assert len(both) == 2


def test_work_neighbourhood_keeps_the_eight_most_cited_citing_works(client):
    net = make_network()
    for i in range(30):
        citing = work_of(AuthorFactory(), year=2000 + i % 20, citation_count=i % 3)
        cite(citing, net.paper, "doi", f"10.1/more-{i}", "openalex")

    payload = data(client, f"work:{net.paper.pk}").json()

    me = f"work:{net.paper.pk}"
    citing = [
        e["source"]
        for e in payload["edges"]
        if e["type"] == "cites" and e["target"] == me
    ]
    assert len(citing) == 8
    assert citing[:2] == [f"work:{net.popular.pk}", f"work:{net.recent.pk}"]


def test_topic_neighbourhood_has_its_works_and_most_active_authors(client, researcher):
    r = researcher
    payload = data(client, "topic:arxiv:cond-mat.other").json()

    check_schema(payload)
    nodes, edges = by_id(payload)
    me = "topic:arxiv:cond-mat.other"
    assert set(nodes) == {
        me,
        f"work:{r.old.pk}",
        f"work:{r.middle.pk}",
        f"author:{r.author.pk}",
        f"author:{r.ada.pk}",
    }
    assert edge(edges, "about", f"author:{r.ada.pk}", me)["label"] == ("about: 2 works")
    assert edge(edges, "wrote", f"author:{r.ada.pk}", f"work:{r.middle.pk}")


def test_topic_neighbourhood_is_bounded(client):
    topic = TopicFactory(code="cs.LG", name="Machine Learning")
    for year in range(2000, 2030):
        work = work_of(AuthorFactory(), year=year)
        work.work_topics.create(topic=topic)

    payload = data(client, "topic:arxiv:cs.LG").json()

    assert len(payload["nodes"]) == 1 + 8 + 7


def test_institution_neighbourhood_has_its_affiliated_authors(client, researcher):
    r = researcher
    Affiliation.objects.create(
        author=r.bo, institution=r.lab, start_year=2019, end_year=2020
    )

    payload = data(client, f"institution:{r.lab.pk}").json()

    check_schema(payload)
    nodes, edges = by_id(payload)
    me = f"institution:{r.lab.pk}"
    assert list(nodes) == [me, f"author:{r.bo.pk}", f"author:{r.author.pk}"]
    assert edge(edges, "affiliated", f"author:{r.bo.pk}", me)["label"] == (
        "affiliated 2019-2020"
    )


@pytest.mark.parametrize(
    "node", ["author:999999", "work:999999", "institution:999999", "topic:arxiv:x.Y"]
)
def test_unknown_node_is_404_json(client, node):
    response = data(client, node)

    assert response.status_code == 404
    assert response.json() == {"error": f"No node {node}"}


@pytest.mark.parametrize(
    "node", ["", "author", "author:", "author:abc", "person:1", "author:0", "topic:x"]
)
def test_malformed_node_is_400_json(client, node):
    response = data(client, node)

    assert response.status_code == 400
    assert set(response.json()) == {"error"}


def test_missing_node_is_400(client):
    assert client.get(reverse("graph:explore_data")).status_code == 400


def test_rejects_post(client, researcher):
    url = reverse("graph:explore_data") + f"?node=author:{researcher.author.pk}"
    assert client.post(url).status_code == 405


def test_is_rate_limited_per_address(client, researcher, ratelimit_clock_stopped):
    node = f"work:{researcher.old.pk}"
    for _ in range(120):
        assert data(client, node).status_code == 200
    assert data(client, node).status_code == 403


# --- query counts -----------------------------------------------------------------


def more_rows(researcher, n: int = 20) -> None:
    """More co-authors, works, topics and affiliations around everyone."""
    r = researcher
    for i in range(n):
        other = AuthorFactory()
        topic = TopicFactory(code=f"extra.{i}", name=f"Extra {i}")
        work = work_of(r.author, other, r.ada, year=2000 + i)
        work.work_topics.create(topic=topic)
        work.work_topics.create(topic=r.fluids)
        Affiliation.objects.create(author=other, institution=r.lab, start_year=2000 + i)
        SimilarWork.objects.create(work=r.old, similar=work, score=0.1, rank=i + 1)
        cite(work, r.old, "doi", f"10.1/old-{i}", "crossref")
        cite(r.old, work, "openalex", f"W{i}", "openalex")
        AuthorshipFactory(work=r.old, author=AuthorFactory(), position=10 + i)
    graph_slice_invalidate(author_ids=[r.author.pk])


@pytest.mark.parametrize(
    ("node", "queries"),
    [
        # Cached slice: only the topics' codes.
        ("author", 1),
        # Work, authors, topics, similar works, citing works, cited works,
        # citations among the works shown.
        ("work", 7),
        # Topic, works, authors, authorships among them.
        ("topic", 4),
        # Institution, affiliations.
        ("institution", 2),
    ],
)
def test_query_count_does_not_grow_with_rows(
    client, researcher, django_assert_num_queries, node, queries
):
    r = researcher
    ids = {
        "author": f"author:{r.author.pk}",
        "work": f"work:{r.old.pk}",
        "topic": "topic:arxiv:cond-mat.other",
        "institution": f"institution:{r.lab.pk}",
    }
    # One citing work from the start: without a work around it, the work's
    # neighbourhood has no citations among its neighbours to look up.
    cite(r.new, r.old, "doi", "10.1/old", "openalex")
    graph_slice_compute(author_id=r.author.pk)
    with django_assert_num_queries(queries):
        small = data(client, ids[node]).json()

    more_rows(r)
    graph_slice_compute(author_id=r.author.pk)
    with django_assert_num_queries(queries):
        large = data(client, ids[node]).json()
    assert len(large["nodes"]) > len(small["nodes"])
    # A work: itself, 15 authors, its topic, 5 similar works, 8 citing
    # works and 8 cited works at most.
    assert len(large["nodes"]) <= (1 + 15 + 1 + 5 + 8 + 8 if node == "work" else 25)


def test_author_without_cached_slice_builds_it_in_ten_queries(
    client, researcher, django_assert_num_queries
):
    graph_slice_invalidate(author_ids=[researcher.author.pk])
    with django_assert_num_queries(10):
        assert data(client, f"author:{researcher.author.pk}").status_code == 200
    # And now it is cached.
    with django_assert_num_queries(1):
        assert data(client, f"author:{researcher.author.pk}").status_code == 200
