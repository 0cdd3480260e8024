"""GET /api/v1/works/<id>/ and /api/v1/search/: the records' read-only API.

Rows are made with the ORM here; tests/factories.py did not exist yet.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.cache import cache

from publications.models import (
    Author,
    AuthorAlias,
    Authorship,
    Topic,
    Work,
    WorkTopic,
    WorkVersion,
)

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # DRF's anonymous throttle counts requests in the cache; start each test at zero.
    cache.clear()


def make_work(title: str, **fields) -> Work:
    return Work.objects.create(title=title, title_raw=title, **fields)


def make_author(name: str, **fields) -> Author:
    return Author.objects.create(display_name=name, name_key=name.lower(), **fields)


def add_authorship(work: Work, position: int, name: str, author: Author | None) -> None:
    Authorship.objects.create(
        work=work, author=author, position=position, raw_name=name, name=name
    )


def add_topic(work: Work, code: str, position: int, primary: bool = False) -> None:
    topic, _ = Topic.objects.get_or_create(
        scheme=Topic.Scheme.ARXIV, code=code, defaults={"name": f"Topic {code}"}
    )
    WorkTopic.objects.create(
        work=work, topic=topic, position=position, is_primary=primary
    )


@pytest.fixture
def ada() -> Author:
    return make_author("Ada Lovelace", headline="Analyst", works_count=1)


@pytest.fixture
def work(ada) -> Work:
    work = make_work(
        "Quantum walks on graphs",
        abstract="We study walks.",
        work_type=Work.Type.PREPRINT,
        published=date(2021, 6, 25),
        updated=date(2021, 7, 1),
        year=2021,
        journal_ref="Phys. Rev. A 104, 012345 (2021)",
        comments="12 pages",
        arxiv_id="2106.13414",
        arxiv_version=2,
        doi="10.1103/physreva.104.012345",
        abs_url="https://arxiv.org/abs/2106.13414v2",
        pdf_url="https://arxiv.org/pdf/2106.13414v2",
        categories=["quant-ph", "cs.DS"],
    )
    add_authorship(work, 0, "Ada Lovelace", ada)
    # A name the resolver did not attach to any author record.
    add_authorship(work, 1, "Charles Babbage", None)
    add_topic(work, "quant-ph", 0, primary=True)
    add_topic(work, "cs.DS", 1)
    WorkVersion.objects.create(work=work, version=1, submitted=date(2021, 6, 25))
    WorkVersion.objects.create(work=work, version=2, submitted=date(2021, 7, 1))
    return work


def work_url(work_id: int) -> str:
    return f"/api/v1/works/{work_id}/"


# WorkDetailApi


def test_work_detail_answers_the_record(client, work, ada):
    response = client.get(work_url(work.pk))

    assert response.status_code == 200
    data = response.json()
    assert {
        key: data[key]
        for key in (
            "id",
            "title",
            "abstract",
            "type",
            "year",
            "published",
            "updated",
            "venue",
            "journal_ref",
            "comments",
            "doi",
            "arxiv_id",
            "arxiv_version",
            "abs_url",
            "pdf_url",
            "url",
        )
    } == {
        "id": work.pk,
        "title": "Quantum walks on graphs",
        "abstract": "We study walks.",
        "type": "preprint",
        "year": 2021,
        "published": "2021-06-25",
        "updated": "2021-07-01",
        "venue": "",
        "journal_ref": "Phys. Rev. A 104, 012345 (2021)",
        "comments": "12 pages",
        "doi": "10.1103/physreva.104.012345",
        "arxiv_id": "2106.13414",
        "arxiv_version": 2,
        "abs_url": "https://arxiv.org/abs/2106.13414v2",
        "pdf_url": "https://arxiv.org/pdf/2106.13414v2",
        "url": f"http://testserver/works/{work.pk}/",
    }
    assert data["topics"] == [
        {"code": "quant-ph", "name": "Topic quant-ph", "primary": True},
        {"code": "cs.DS", "name": "Topic cs.DS", "primary": False},
    ]
    assert data["authors"] == [
        {
            "position": 0,
            "name": "Ada Lovelace",
            "author_id": ada.pk,
            "author_url": f"http://testserver/authors/{ada.pk}-ada-lovelace/",
        },
        {
            "position": 1,
            "name": "Charles Babbage",
            "author_id": None,
            "author_url": None,
        },
    ]
    assert data["versions"] == [
        {"version": 1, "submitted": "2021-06-25"},
        {"version": 2, "submitted": "2021-07-01"},
    ]


def test_work_detail_gives_three_citations(client, work):
    citations = client.get(work_url(work.pk)).json()["citations"]

    assert set(citations) == {"bibtex", "apa", "mla"}
    assert citations["bibtex"].startswith("@misc{lovelace2021quantum,")
    assert "Lovelace" in citations["apa"]
    assert "Lovelace" in citations["mla"]


def test_work_detail_query_count_does_not_grow_with_authors_topics_versions(
    client, work, django_assert_num_queries
):
    # 1 the work, 2 its authorships with their authors, 3 its topics,
    # 4 its versions, 5-7 the citation network (counts, citing works,
    # references: no work in BZPEER here, so no authors query).
    with django_assert_num_queries(7):
        assert client.get(work_url(work.pk)).status_code == 200

    for i in range(20):
        add_authorship(work, 2 + i, f"Author {i}", make_author(f"Author {i}"))
        add_topic(work, f"cs.X{i}", 2 + i)
        WorkVersion.objects.create(work=work, version=3 + i)

    with django_assert_num_queries(7):
        data = client.get(work_url(work.pk)).json()
    assert len(data["authors"]) == 22
    assert len(data["topics"]) == 22
    assert len(data["versions"]) == 22


def test_unknown_work_answers_404(client):
    response = client.get(work_url(999_999))

    assert response.status_code == 404
    assert response.json() == {"detail": "No such work"}


def test_work_detail_rejects_post(client, work):
    assert client.post(work_url(work.pk)).status_code == 405


def test_work_detail_shows_no_email(client, work):
    content = client.get(work_url(work.pk)).content.decode()

    # BibTeX entries start with "@misc{": look for addresses, not any "@".
    assert EMAIL.search(content) is None


# SearchApi


def test_search_finds_authors_by_name_or_alias_and_works_by_title(client, work, ada):
    lovelace = make_author("A. King")
    AuthorAlias.objects.create(
        author=lovelace, name="Ada Lovelace King", name_key="ada lovelace king"
    )
    make_author("Somebody Else")

    authors = client.get("/api/v1/search/", {"q": "lovelace"}).json()["authors"]
    works = client.get("/api/v1/search/", {"q": "quantum walks"}).json()["works"]

    # Most works first.
    assert [row["id"] for row in authors["results"]] == [ada.pk, lovelace.pk]
    assert authors["results"][0] == {
        "id": ada.pk,
        "display_name": "Ada Lovelace",
        "headline": "Analyst",
        "works_count": 1,
        "url": f"http://testserver/authors/{ada.pk}-ada-lovelace/",
    }
    assert works["results"] == [
        {
            "id": work.pk,
            "title": "Quantum walks on graphs",
            "type": "preprint",
            "year": 2021,
            "published": "2021-06-25",
            "venue": "",
            "arxiv_id": "2106.13414",
            "authors": [
                {
                    "position": 0,
                    "name": "Ada Lovelace",
                    "author_id": ada.pk,
                    "author_url": f"http://testserver/authors/{ada.pk}-ada-lovelace/",
                },
                {
                    "position": 1,
                    "name": "Charles Babbage",
                    "author_id": None,
                    "author_url": None,
                },
            ],
            "url": f"http://testserver/works/{work.pk}/",
        }
    ]


def test_search_finds_a_work_by_arxiv_id(client, work):
    data = client.get("/api/v1/search/", {"q": "2106.13414"}).json()

    assert [row["id"] for row in data["works"]["results"]] == [work.pk]


def test_search_leaves_out_merged_authors(client, ada):
    make_author("Ada Lovelace", merged_into=ada)

    data = client.get("/api/v1/search/", {"q": "lovelace"}).json()

    assert [row["id"] for row in data["authors"]["results"]] == [ada.pk]


def test_search_query_count_does_not_grow_with_results(
    client, work, django_assert_num_queries
):
    # 1 authors count, 2 one page of authors, 3 works count, 4 one page of
    # works, 5 their authorships with authors.
    with django_assert_num_queries(5):
        assert client.get("/api/v1/search/", {"q": "a"}).status_code == 200

    for i in range(20):
        author = make_author(f"Author {i}")
        add_authorship(make_work(f"A work {i}"), 0, author.display_name, author)

    with django_assert_num_queries(5):
        data = client.get("/api/v1/search/", {"q": "a"}).json()
    assert data["authors"]["count"] == 21
    assert data["works"]["count"] == 21


def test_search_paginates_authors_and_works_with_the_page_param(client):
    for i in range(25):
        make_author(f"Walker {i:02}")
        make_work(f"Random walk {i:02}")

    data = client.get("/api/v1/search/", {"q": "walk", "page": 2}).json()

    for key in ("authors", "works"):
        assert data[key]["count"] == 25
        assert data[key]["page"] == 2
        assert data[key]["num_pages"] == 2
        assert len(data[key]["results"]) == 5


def test_empty_search_answers_empty_pages_without_queries(
    client, work, django_assert_num_queries
):
    with django_assert_num_queries(0):
        data = client.get("/api/v1/search/", {"q": "  "}).json()

    assert data["query"] == ""
    assert data["authors"] == {"count": 0, "page": 1, "num_pages": 1, "results": []}
    assert data["works"] == {"count": 0, "page": 1, "num_pages": 1, "results": []}


def test_search_rejects_a_page_below_one(client):
    response = client.get("/api/v1/search/", {"q": "walk", "page": 0})

    assert response.status_code == 400
    assert "page" in response.json()


def test_search_shows_no_email(client, work):
    content = client.get("/api/v1/search/", {"q": "a"}).content.decode()

    assert EMAIL.search(content) is None


# Schema


def test_schema_documents_the_work_and_search_paths(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = response.content.decode()
    assert "/api/v1/works/{work_id}/:" in schema
    assert "/api/v1/search/:" in schema
    assert "WorkDetail:" in schema
    assert "SearchResults:" in schema


def test_work_detail_gives_the_citation_network(client, django_assert_max_num_queries):
    from tests.citation_data import make_network

    network = make_network()

    with django_assert_max_num_queries(8):
        data = client.get(work_url(network.paper.pk)).json()["citation_network"]

    assert {row["id"] for row in data["citing"]} == {
        network.popular.pk,
        network.recent.pk,
    }
    assert data["citing_count"] == 2
    assert (data["source_count"], data["source_name"]) == (120, "OpenAlex")
    known = [row for row in data["references"] if row["id"] is not None]
    assert [row["id"] for row in known] == [network.classic.pk]
    unknown = [row for row in data["references"] if row["id"] is None]
    assert {row["title"].split()[0] for row in unknown} == {"DOI", "arXiv", "OpenAlex"}
    assert data["references_count"] == 4
