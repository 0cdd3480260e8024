"""Search (/search/?q=) and the home page (/)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from publications.models import Work
from publications.selectors import home_page
from tests.factories import AuthorFactory, AuthorshipFactory, WorkFactory
from tests.publications.services.test_snapshot_set_based import postgresql

pytestmark = pytest.mark.django_db


def _people_and_papers(n: int) -> None:
    for i in range(n):
        author = AuthorFactory(display_name=f"Ada Lovelace {i}")
        work = WorkFactory(title=f"Lovelace notes on the analytical engine {i}")
        AuthorshipFactory(work=work, author=author, position=1)


def test_search_finds_authors_by_name_and_works_by_title(client):
    author = AuthorFactory(display_name="Adrian Del Maestro")
    work = WorkFactory(title="Luttinger liquid in nanopores")
    AuthorshipFactory(work=work, author=author, position=1)

    by_name = client.get("/search/", {"q": "del maestro"}).content.decode()
    by_title = client.get("/search/", {"q": "luttinger"}).content.decode()

    assert "Adrian Del Maestro" in by_name
    assert "Luttinger liquid in nanopores" in by_title


def test_search_finds_work_by_arxiv_id_and_doi(client):
    WorkFactory(title="Found by id", arxiv_id="1201.4869", doi="10.1142/s0217")
    assert "Found by id" in client.get("/search/", {"q": "1201.4869"}).content.decode()
    assert (
        "Found by id" in client.get("/search/", {"q": "10.1142/S0217"}).content.decode()
    )


def test_search_is_paginated(client):
    _people_and_papers(25)
    first = client.get("/search/", {"q": "lovelace"})
    second = client.get("/search/", {"q": "lovelace", "page": 2})

    assert len(first.context["results"].authors) == 20
    assert len(second.context["results"].authors) == 5
    assert "Page 1 of 2" in first.content.decode()


def test_empty_search_explains_what_to_type(client):
    html = client.get("/search/").content.decode()
    assert "Type a researcher" in html


def test_search_with_no_match_says_so(client):
    html = client.get("/search/", {"q": "zzzz-nothing"}).content.decode()
    assert "No work matches." in html
    assert "No researcher matches." in html


def test_search_query_count_does_not_grow(client, django_assert_num_queries):
    _people_and_papers(2)
    # Expect 5: authors count, authors page, works count, works page,
    # the works' authorships with authors.
    with django_assert_num_queries(5):
        client.get("/search/", {"q": "lovelace"})
    _people_and_papers(30)
    with django_assert_num_queries(5):
        client.get("/search/", {"q": "lovelace"})


def test_search_escapes_the_query(client):
    html = client.get("/search/", {"q": "<b>bold</b>"}).content.decode()
    assert "<b>bold</b>" not in html


def test_home_shows_recent_works_and_researchers(client):
    _people_and_papers(3)
    html = client.get("/").content.decode()
    assert "Recently imported works" in html
    assert "Lovelace notes on the analytical engine 2" in html
    assert "Ada Lovelace 0" in html
    assert 'action="/search/"' in html


def test_home_lists_the_latest_imported_works_first():
    """Newest first by import, whatever their publication date: a paper of
    1990 imported today is news on the home page."""
    titles = [f"Imported number {i}" for i in range(10)]
    for i, title in enumerate(titles):
        WorkFactory(title=title, published=datetime.date(2020 - i, 1, 1))

    shown = [work.title for work in home_page(works=8).recent_works]

    assert shown == titles[:1:-1]


@postgresql
def test_a_work_has_only_the_indexes_queries_read():
    """Each index of Work costs every work a snapshot load writes. The home
    page's recent works read the primary key backwards; identifiers are
    looked up in WorkIdentifier; merged works by their partial index."""
    WorkFactory.create_batch(3)
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, Work._meta.db_table
        )
    indexed = sorted(
        c["columns"]
        for c in constraints.values()
        if c["index"] or c["primary_key"] or c["unique"]
    )
    assert indexed == [["id"], ["merged_into_id"]]

    with CaptureQueriesContext(connection) as queries:
        home_page()
    recent = queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {recent}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan Backward using publications_work_pkey" in plan, plan


def test_home_query_count_does_not_grow(client, django_assert_num_queries):
    _people_and_papers(2)
    # Expect 3: recent works, their authorships, researchers.
    with django_assert_num_queries(3):
        client.get("/")
    _people_and_papers(30)
    with django_assert_num_queries(3):
        client.get("/")


def test_empty_home_says_how_to_import(client):
    assert "manage.py import arxiv" in client.get("/").content.decode()
