"""GET /api/v1/authors/<id>/ and /api/v1/authors/<id>/works/.

Rows are made with the ORM here; tests/factories.py did not exist yet.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from profiles.models import AuthorStanding
from profiles.services.follows import follow_create
from profiles.services.trust import author_standings_recompute
from publications.models import (
    Affiliation,
    Author,
    AuthorAlias,
    Authorship,
    Institution,
    Topic,
    Work,
    WorkTopic,
)

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
FOLLOWER_EMAIL = "follower.person@example.org"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # DRF's anonymous throttle counts requests in the cache; start each test at zero.
    cache.clear()


def make_author(name: str, **fields) -> Author:
    return Author.objects.create(display_name=name, name_key=name.lower(), **fields)


def make_work(
    title: str, authors: list[Author], *, published: date, topic: Topic | None = None
) -> Work:
    work = Work.objects.create(
        title=title, title_raw=title, published=published, year=published.year
    )
    for position, author in enumerate(authors):
        Authorship.objects.create(
            work=work,
            author=author,
            position=position,
            raw_name=author.display_name,
            name=author.display_name,
        )
    if topic:
        WorkTopic.objects.create(work=work, topic=topic, is_primary=True)
    return work


def make_topic(code: str) -> Topic:
    return Topic.objects.create(
        scheme=Topic.Scheme.ARXIV, code=code, name=f"Topic {code}"
    )


@pytest.fixture
def grace() -> Author:
    return make_author(
        "Grace Hopper",
        headline="Compilers",
        open_to_collaborate=True,
        works_count=3,
        topics_count=1,
        collaborators_count=1,
    )


@pytest.fixture
def alan() -> Author:
    return make_author("Alan Turing")


@pytest.fixture
def works(grace, alan) -> list[Work]:
    topic = make_topic("cs.PL")
    return [
        make_work(
            "Compiling A-0", [grace, alan], published=date(1952, 5, 1), topic=topic
        ),
        make_work(
            "Business languages", [grace], published=date(1959, 1, 1), topic=topic
        ),
        make_work("Debugging moths", [grace, alan], published=date(1947, 9, 9)),
    ]


@pytest.fixture
def record(grace, works):
    """Grace's full record: affiliation, alias, a follower with an e-mail, figures."""
    institution = Institution.objects.create(
        name="Naval Research Lab", name_key="naval research lab"
    )
    Affiliation.objects.create(author=grace, institution=institution, end_year=1966)
    AuthorAlias.objects.create(author=grace, name="G. Hopper", name_key="g hopper")
    follower = get_user_model().objects.create_user(
        username="follower_person", email=FOLLOWER_EMAIL, password=None
    )
    follow_create(user=follower, author=grace)
    author_standings_recompute(author_ids=[grace.pk])
    return grace


def author_url(author_id: int) -> str:
    return f"/api/v1/authors/{author_id}/"


def works_url(author_id: int) -> str:
    return f"/api/v1/authors/{author_id}/works/"


# AuthorDetailApi


def test_author_detail_answers_the_record(client, record, alan):
    standing = AuthorStanding.objects.get(author=record)

    response = client.get(author_url(record.pk))

    assert response.status_code == 200
    data = response.json()
    assert {key: data[key] for key in data if key not in {"trust"}} == {
        "id": record.pk,
        "display_name": "Grace Hopper",
        "headline": "Compilers",
        "url": f"http://testserver/authors/{record.pk}-grace-hopper/",
        "open_to_collaborate": True,
        "affiliation": "Naval Research Lab",
        "counts": {"works": 3, "followers": 1, "topics": 1, "close_collaborators": 1},
        "aliases": ["G. Hopper"],
        "topics": [{"code": "cs.PL", "name": "Topic cs.PL", "works": 2}],
        "close_collaborators": [
            {
                "id": alan.pk,
                "display_name": "Alan Turing",
                "shared_works": 2,
                "url": f"http://testserver/authors/{alan.pk}-alan-turing/",
            }
        ],
    }
    trust = data["trust"]
    assert trust["score"] == standing.trust_score
    assert trust["band"] == standing.trust_band
    assert trust["verification_level"] == "L0"
    assert trust["claim_status"] == "unclaimed"
    assert [c["key"] for c in trust["components"]] == [
        "identity",
        "integrity",
        "external",
        "community",
        "longevity",
        "penalties",
    ]
    assert set(trust["components"][0]) == {
        "key",
        "label",
        "points",
        "max_points",
        "inputs",
        "rule",
    }
    assert trust["components"][3]["inputs"] == {"verified_coauthors": 0, "followers": 1}


def test_author_without_affiliation_answers_null(client, grace):
    AuthorStanding.objects.create(author=grace)

    assert client.get(author_url(grace.pk)).json()["affiliation"] is None


def test_author_without_stored_figures_gets_them_computed(client, grace, works):
    response = client.get(author_url(grace.pk))

    assert response.status_code == 200
    assert AuthorStanding.objects.filter(author=grace).exists()
    assert len(response.json()["trust"]["components"]) == 6


def test_author_detail_query_count_does_not_grow_with_works(
    client, record, django_assert_num_queries
):
    # 1 the author with its standing, 2 the latest affiliation, 3 the
    # aliases, 4 the topics, 5 the close collaborators.
    with django_assert_num_queries(5):
        assert client.get(author_url(record.pk)).status_code == 200

    for i in range(20):
        coauthor = make_author(f"Coauthor {i:02}")
        make_work(
            f"Paper {i}",
            [record, coauthor],
            published=date(1960, 1, 1),
            topic=make_topic(f"cs.X{i:02}"),
        )
        AuthorAlias.objects.create(
            author=record, name=f"Hopper {i}", name_key=f"hopper {i}"
        )

    with django_assert_num_queries(5):
        data = client.get(author_url(record.pk)).json()
    # The sidebars stop at ten rows, as on the profile page.
    assert len(data["topics"]) == 10
    assert len(data["close_collaborators"]) == 10
    assert len(data["aliases"]) == 21


def test_merged_author_answers_301_to_the_kept_author(client, grace):
    merged = make_author("G. M. Hopper", merged_into=grace)

    response = client.get(author_url(merged.pk))

    assert response.status_code == 301
    assert response["Location"] == author_url(grace.pk)


def test_unknown_author_answers_404(client):
    response = client.get(author_url(999_999))

    assert response.status_code == 404
    assert response.json() == {"detail": "No such author"}


def test_author_detail_shows_no_user_data(client, record):
    content = client.get(author_url(record.pk)).content.decode()

    assert EMAIL.search(content) is None
    assert FOLLOWER_EMAIL not in content
    assert "follower_person" not in content


# AuthorWorksApi


@pytest.mark.parametrize(
    ("sort", "titles"),
    [
        ("-year", ["Business languages", "Compiling A-0", "Debugging moths"]),
        ("year", ["Debugging moths", "Compiling A-0", "Business languages"]),
        ("title", ["Business languages", "Compiling A-0", "Debugging moths"]),
        ("-title", ["Debugging moths", "Compiling A-0", "Business languages"]),
    ],
)
def test_author_works_sorts(client, grace, works, sort, titles):
    data = client.get(works_url(grace.pk), {"sort": sort}).json()

    assert [row["title"] for row in data["results"]] == titles


def test_author_works_answers_work_rows(client, grace, alan, works):
    data = client.get(works_url(grace.pk)).json()

    assert (data["count"], data["page"], data["num_pages"]) == (3, 1, 1)
    first = data["results"][0]
    assert first["id"] == works[1].pk
    assert first["url"] == f"http://testserver/works/{works[1].pk}/"
    assert first["authors"] == [
        {
            "position": 0,
            "name": "Grace Hopper",
            "author_id": grace.pk,
            "author_url": f"http://testserver/authors/{grace.pk}-grace-hopper/",
        }
    ]


def test_author_works_lists_a_work_once_when_it_prints_the_author_twice(client, grace):
    make_work("Twice", [grace, grace], published=date(1950, 1, 1))

    data = client.get(works_url(grace.pk)).json()

    assert [row["title"] for row in data["results"]] == ["Twice"]


def test_author_works_paginates_with_the_page_param(client, grace, works):
    for i in range(20):
        make_work(f"Report {i:02}", [grace], published=date(1970, 1, 1 + i))

    data = client.get(works_url(grace.pk), {"page": 2}).json()

    assert (data["count"], data["page"], data["num_pages"]) == (23, 2, 2)
    assert len(data["results"]) == 3


def test_author_works_query_count_does_not_grow_with_works(
    client, grace, works, django_assert_num_queries
):
    # 1 the author with its standing, 2 the works count, 3 one page of
    # works, 4 their authorships with authors.
    with django_assert_num_queries(4):
        assert client.get(works_url(grace.pk)).status_code == 200

    for i in range(20):
        coauthor = make_author(f"Coauthor {i:02}")
        make_work(f"Report {i:02}", [grace, coauthor], published=date(1970, 1, 1 + i))

    with django_assert_num_queries(4):
        data = client.get(works_url(grace.pk)).json()
    assert data["count"] == 23
    assert len(data["results"]) == 20


def test_author_works_rejects_an_unknown_sort(client, grace):
    response = client.get(works_url(grace.pk), {"sort": "citations"})

    assert response.status_code == 400
    assert "sort" in response.json()


def test_merged_author_works_answer_301_keeping_the_query(client, grace):
    merged = make_author("G. M. Hopper", merged_into=grace)

    response = client.get(works_url(merged.pk), {"sort": "title", "page": "2"})

    assert response.status_code == 301
    assert response["Location"] == f"{works_url(grace.pk)}?sort=title&page=2"


def test_unknown_author_works_answer_404(client):
    assert client.get(works_url(999_999)).status_code == 404


def test_author_works_show_no_email(client, record):
    content = client.get(works_url(record.pk)).content.decode()

    assert EMAIL.search(content) is None


# Schema


def test_schema_documents_the_author_paths(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = response.content.decode()
    assert "/api/v1/authors/{author_id}/:" in schema
    assert "/api/v1/authors/{author_id}/works/:" in schema
    assert "AuthorDetail:" in schema
    assert "'301':" in schema
