"""The institution page: /institutions/<id>/."""

from __future__ import annotations

import datetime

import pytest

from publications.models import Affiliation, Institution
from tests.factories import AuthorFactory, AuthorshipFactory, WorkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def uvm():
    return Institution.objects.create(
        name="University of Vermont",
        name_key="university of vermont",
        country_code="US",
        domains=["uvm.edu"],
    )


def affiliated(institution, name=None, *, start=None, end=None):
    author = AuthorFactory(**({"display_name": name} if name else {}))
    Affiliation.objects.create(
        author=author, institution=institution, start_year=start, end_year=end
    )
    return author


def work_of(*authors, year=2010, title=None):
    fields = {"title": title} if title else {}
    work = WorkFactory(published=datetime.date(year, 1, 1), year=year, **fields)
    for position, author in enumerate(authors, start=1):
        AuthorshipFactory(work=work, author=author, position=position)
    return work


def test_institution_url(uvm):
    assert uvm.get_absolute_url() == f"/institutions/{uvm.pk}/"


def test_institution_page_shows_its_researchers_with_years(client, uvm):
    adrian = affiliated(uvm, "Adrian Del Maestro", start=2012, end=2016)
    affiliated(uvm, "Ada Lovelace", end=2020)

    response = client.get(uvm.get_absolute_url())
    html = response.content.decode()

    assert "<h1>University of Vermont</h1>" in html
    assert "US · uvm.edu" in html
    assert f'<a href="{adrian.get_absolute_url()}">Adrian Del Maestro</a>' in html
    assert "2012-2016" in html
    # Most recent affiliation first.
    assert [
        (row.author.display_name, row.years) for row in response.context["page"].authors
    ] == [("Ada Lovelace", "2020"), ("Adrian Del Maestro", "2012-2016")]


def test_institution_page_lists_works_of_its_researchers_once(client, uvm):
    adrian = affiliated(uvm, end=2016)
    ada = affiliated(uvm, end=2016)
    work_of(adrian, ada, title="Shared by two of its researchers")
    work_of(AuthorFactory(), title="By an outsider")
    other = Institution.objects.create(name="Elsewhere", name_key="elsewhere")
    work_of(affiliated(other), title="From elsewhere")

    response = client.get(uvm.get_absolute_url())
    html = response.content.decode()

    assert [w.title for w in response.context["page"].works] == [
        "Shared by two of its researchers"
    ]
    assert "By an outsider" not in html
    assert "From elsewhere" not in html
    assert "1 work, newest first" in html


def test_institution_works_are_newest_first_and_paginated(client, uvm):
    adrian = affiliated(uvm)
    for i in range(25):
        work_of(adrian, year=2000 + i, title=f"Work of {2000 + i}")

    first = client.get(uvm.get_absolute_url())
    second = client.get(uvm.get_absolute_url(), {"page": 2})

    assert first.context["page"].works[0].title == "Work of 2024"
    assert len(first.context["page"].works) == 20
    assert [w.title for w in second.context["page"].works][-1] == "Work of 2000"
    assert "Page 1 of 2" in first.content.decode()


def test_institution_page_lists_at_most_50_researchers(client, uvm):
    for _ in range(51):
        affiliated(uvm, end=2020)

    response = client.get(uvm.get_absolute_url())

    assert len(response.context["page"].authors) == 50
    assert "The 50 most recent are shown." in response.content.decode()


def test_merged_away_researchers_are_not_listed(client, uvm):
    gone = affiliated(uvm)
    gone.merged_into = AuthorFactory()
    gone.save()

    assert client.get(uvm.get_absolute_url()).context["page"].authors == []


def test_institution_without_researchers_says_so(client, uvm):
    html = client.get(uvm.get_absolute_url()).content.decode()
    assert "No researchers affiliated yet." in html
    assert "No works by its researchers yet." in html


def test_unknown_institution_is_404(client):
    assert client.get("/institutions/999/").status_code == 404


def test_institution_page_rejects_post(client, uvm):
    assert client.post(uvm.get_absolute_url()).status_code == 405


def test_institution_query_count_does_not_grow(client, uvm, django_assert_num_queries):
    def add(n):
        for _ in range(n):
            work_of(affiliated(uvm), AuthorFactory())

    add(2)
    # Expect 5: the institution, its affiliations with authors, works
    # count, one page of works, their authorships with authors.
    with django_assert_num_queries(5):
        assert client.get(uvm.get_absolute_url()).status_code == 200
    add(20)
    with django_assert_num_queries(5):
        assert client.get(uvm.get_absolute_url(), {"page": 2}).status_code == 200
