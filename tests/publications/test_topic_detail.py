"""The topic page: /topics/<scheme>/<code>/."""

from __future__ import annotations

import datetime

import pytest

from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    TopicFactory,
    WorkFactory,
    WorkTopicFactory,
)

pytestmark = pytest.mark.django_db

URL = "/topics/arxiv/cond-mat.stat-mech/"


@pytest.fixture
def stat_mech():
    return TopicFactory(code="cond-mat.stat-mech", name="Statistical Mechanics")


def work_about(topic, *authors, year=2010, title=None, month=1):
    fields = {"title": title} if title else {}
    work = WorkFactory(published=datetime.date(year, month, 1), year=year, **fields)
    WorkTopicFactory(work=work, topic=topic)
    for position, author in enumerate(authors, start=1):
        AuthorshipFactory(work=work, author=author, position=position)
    return work


def test_topic_url_takes_codes_with_dots_and_hyphens(stat_mech):
    assert stat_mech.get_absolute_url() == URL
    assert TopicFactory(code="hep-th").get_absolute_url() == "/topics/arxiv/hep-th/"


def test_topic_page_shows_the_topic_its_group_and_its_works(client, stat_mech):
    ada = AuthorFactory(display_name="Ada Lovelace")
    work_about(stat_mech, ada, title="Entanglement entropy")
    WorkFactory(title="Not about it")

    html = client.get(URL).content.decode()

    assert "<h1>Statistical Mechanics</h1>" in html
    assert "<code>cond-mat.stat-mech</code> · arXiv category · Physics" in html
    assert "Entanglement entropy" in html
    assert "Not about it" not in html
    assert "1 work<" in html


def test_topic_page_ranks_authors_by_their_works_in_the_topic(client, stat_mech):
    ada = AuthorFactory(display_name="Ada Lovelace")
    bo = AuthorFactory(display_name="Bo Peep")
    work_about(stat_mech, ada, bo)
    work_about(stat_mech, bo)
    # Bo's works about other topics do not count.
    work_about(TopicFactory(code="hep-th"), bo)
    work_about(TopicFactory(code="hep-ph"), bo)

    response = client.get(URL)

    authors = [(row.author, row.works) for row in response.context["page"].authors]
    assert authors == [(bo, 2), (ada, 1)]
    html = response.content.decode()
    assert f'<a href="{bo.get_absolute_url()}">Bo Peep</a>' in html
    assert "2 works" in html


def test_topic_page_lists_at_most_20_authors(client, stat_mech):
    for _ in range(25):
        work_about(stat_mech, AuthorFactory())
    assert len(client.get(URL).context["page"].authors) == 20


def test_merged_away_authors_are_not_listed(client, stat_mech):
    kept = AuthorFactory()
    gone = AuthorFactory(merged_into=kept)
    work_about(stat_mech, gone)
    assert client.get(URL).context["page"].authors == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-year", ["Beta", "Gamma", "Alpha"]),
        ("year", ["Alpha", "Gamma", "Beta"]),
        ("title", ["Alpha", "Beta", "Gamma"]),
        ("nonsense", ["Beta", "Gamma", "Alpha"]),
    ],
)
def test_topic_works_sort(client, stat_mech, sort, expected):
    work_about(stat_mech, year=2001, title="Alpha")
    work_about(stat_mech, year=2020, title="Beta")
    work_about(stat_mech, year=2010, title="Gamma")

    page = client.get(URL, {"sort": sort}).context["page"]

    assert [work.title for work in page.works] == expected
    assert page.sort == (sort if sort != "nonsense" else "-year")


def test_topic_sort_links_mark_the_current_sort(client, stat_mech):
    html = client.get(URL, {"sort": "title"}).content.decode()
    assert 'data-sort="title" aria-current="true" class="current"' in html


def test_topic_works_are_paginated_keeping_the_sort(client, stat_mech):
    for i in range(25):
        work_about(stat_mech, year=2000 + i)

    first = client.get(URL, {"sort": "year"})
    second = client.get(URL, {"sort": "year", "page": 2})

    assert len(first.context["page"].works) == 20
    assert len(second.context["page"].works) == 5
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?sort=year&amp;page=2"' in first.content.decode()


def test_topic_without_works_says_so(client, stat_mech):
    html = client.get(URL).content.decode()
    assert "No works about this topic yet." in html
    assert "No researchers yet." in html


def test_unknown_topic_is_404(client, stat_mech):
    assert client.get("/topics/arxiv/cond-mat.nothing/").status_code == 404
    assert client.get("/topics/openalex/cond-mat.stat-mech/").status_code == 404


def test_topic_page_rejects_post(client, stat_mech):
    assert client.post(URL).status_code == 405


def test_topic_query_count_does_not_grow(client, stat_mech, django_assert_num_queries):
    def add(n):
        for _ in range(n):
            work_about(stat_mech, AuthorFactory(), AuthorFactory())

    add(2)
    # Expect 5: the topic, works count, one page of works, their
    # authorships with authors, the top authors.
    with django_assert_num_queries(5):
        assert client.get(URL).status_code == 200
    add(20)
    with django_assert_num_queries(5):
        assert client.get(URL, {"page": 2}).status_code == 200


def test_openalex_topic_from_a_real_work_shows_its_broader_topics(client):
    from django.core.management import call_command

    from publications.models import Topic
    from tests.conftest import FIXTURES

    call_command(
        "import",
        "openalex",
        "--file",
        str(FIXTURES / "openalex/openalexPro/extracted_body/oa_snowball__01.json"),
        verbosity=0,
    )
    topic = Topic.objects.filter(scheme="openalex", code__startswith="T").first()
    subfield, field, domain = (
        topic.parent,
        topic.parent.parent,
        topic.parent.parent.parent,
    )
    assert subfield.code.startswith("subfields/")
    assert domain.code.startswith("domains/")
    assert domain.parent is None

    response = client.get(topic.get_absolute_url())

    assert response.status_code == 200
    trail = response.content.decode()
    for ancestor in (domain, field, subfield):
        assert f'href="{ancestor.get_absolute_url()}"' in trail
    # A level of the hierarchy, its code holding a slash, has its own page.
    assert client.get(subfield.get_absolute_url()).status_code == 200
    assert subfield.get_absolute_url() == f"/topics/openalex/{subfield.code}/"
