"""The researcher profile page: /authors/<id>-<slug>/."""

from __future__ import annotations

import pytest

from profiles.models import AuthorStanding, Profile
from profiles.services.trust import author_standings_recompute
from publications.models import Affiliation, Institution, Topic
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    AuthorStandingFactory,
    WorkFactory,
    WorkTopicFactory,
)

pytestmark = pytest.mark.django_db


def _author_with_works(n: int, **author_fields):
    author = AuthorFactory(**author_fields)
    AuthorStandingFactory(author=author)
    coauthor = AuthorFactory()
    for i in range(n):
        work = WorkFactory()
        AuthorshipFactory(work=work, author=author, position=1)
        AuthorshipFactory(work=work, author=coauthor, position=2)
        WorkTopicFactory(work=work, topic__code=f"cs.X{i % 3}")
    return author


def test_profile_query_count_does_not_grow_with_works(
    client, django_assert_num_queries
):
    small = _author_with_works(3)
    large = _author_with_works(300)
    # Expect 9 queries for a visitor: author with standing and researcher
    # profile (one join), latest affiliation, close collaborators, topics,
    # works count, one page of works, their authorships with authors (and
    # what "why is this paper here" says), the visible name variants, and
    # the precomputed similar researchers. The graph slice is a cache read.
    with django_assert_num_queries(9):
        assert client.get(small.get_absolute_url()).status_code == 200
    with django_assert_num_queries(9):
        assert client.get(large.get_absolute_url()).status_code == 200


def test_signed_in_profile_adds_only_session_user_follow_and_claim_queries(
    alice_client, django_assert_num_queries
):
    author = _author_with_works(30)
    # Expect 13: the 9 above + session, user, the viewer's follow and the
    # viewer's own claim on the record.
    with django_assert_num_queries(13):
        alice_client.get(author.get_absolute_url())


def test_unclaimed_author_shows_trust_snapshot_and_log_in_to_claim(client):
    author = _author_with_works(3)
    standing = author_standings_recompute(author_ids=[author.pk])[0]

    html = client.get(author.get_absolute_url()).content.decode()

    assert f"Trust {standing.trust_score} - {standing.trust_band}" in html
    assert "Verification L0" in html
    assert "Unclaimed author" in html
    assert "Log in to claim" in html
    assert "Claim this author entity first to unlock direct invitations" in html
    assert "Affiliation not imported" in html
    assert "3 published items" in html
    assert "Open to collaborate" not in html


def test_profile_shows_latest_affiliation_and_open_to_collaborate(client):
    author = _author_with_works(1, open_to_collaborate=True, headline="Quantum fluids")
    old = Institution.objects.create(name="Old Lab", name_key="old lab")
    new = Institution.objects.create(name="University of Vermont", name_key="uvm")
    Affiliation.objects.create(
        author=author, institution=old, start_year=2005, end_year=2009
    )
    Affiliation.objects.create(
        author=author, institution=new, start_year=2010, end_year=2016
    )

    html = client.get(author.get_absolute_url()).content.decode()

    assert f'<a href="{new.get_absolute_url()}">University of Vermont</a>' in html
    assert "Affiliation not imported" not in html
    assert "Open to collaborate" in html
    assert "Quantum fluids" in html


def test_researcher_set_affiliation_stays_plain_text(client, alice):
    author = _author_with_works(1)
    AuthorStanding.objects.filter(author=author).update(
        claim_status=AuthorStanding.ClaimStatus.CLAIMED
    )
    Profile.objects.create(author=author, user=alice, affiliation="My Own Lab")
    lab = Institution.objects.create(name="Imported Lab", name_key="imported lab")
    Affiliation.objects.create(author=author, institution=lab, end_year=2020)

    html = client.get(author.get_absolute_url()).content.decode()

    assert "My Own Lab" in html
    assert lab.get_absolute_url() not in html


def test_profile_topics_link_to_their_topic_pages(client):
    author = _author_with_works(3)
    topic = Topic.objects.get(code="cs.X1")

    html = client.get(author.get_absolute_url()).content.decode()

    assert f'href="{topic.get_absolute_url()}"' in html
    assert topic.get_absolute_url() == "/topics/arxiv/cs.X1/"


def test_one_item_is_singular(client):
    author = _author_with_works(1)
    assert "1 published item<" in client.get(author.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("year", "published", False),
        ("-year", "published", True),
        ("title", "title", False),
        ("-title", "title", True),
    ],
)
def test_works_sort_both_ways(client, sort, key, reverse):
    author = _author_with_works(5)
    response = client.get(author.get_absolute_url(), {"sort": sort})

    shown = [work.pk for work in response.context["page"].works]
    works = list(author.authorships.select_related("work"))
    expected = [
        a.work.pk
        for a in sorted(
            works, key=lambda a: (getattr(a.work, key), a.work.pk), reverse=reverse
        )
    ]
    assert shown == expected


def test_unknown_sort_falls_back_to_newest_first(client):
    author = _author_with_works(2)
    response = client.get(author.get_absolute_url(), {"sort": "evil;drop"})
    assert response.context["page"].sort == "-year"


def test_works_are_paginated(client):
    author = _author_with_works(25)
    first = client.get(author.get_absolute_url())
    second = client.get(author.get_absolute_url(), {"page": 2})

    assert len(first.context["page"].works) == 20
    assert len(second.context["page"].works) == 5
    assert "Page 2 of 2" in second.content.decode()


def test_htmx_sort_returns_only_the_works_partial(client):
    author = _author_with_works(2)
    response = client.get(
        author.get_absolute_url(), {"sort": "title"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section class="works"')
    assert "<html" not in html


def test_bare_url_redirects_to_canonical_slug(client):
    author = AuthorFactory(display_name="Benoît Dherin")
    response = client.get(f"/authors/{author.pk}/")
    assert response.status_code == 301
    assert response["Location"] == f"/authors/{author.pk}-benoit-dherin/"


def test_wrong_slug_redirects_to_canonical_slug(client):
    author = AuthorFactory(display_name="Benoît Dherin")
    response = client.get(f"/authors/{author.pk}-someone-else/")
    assert response.status_code == 301
    assert response["Location"] == f"/authors/{author.pk}-benoit-dherin/"


def test_merged_author_redirects_permanently_to_kept_author(client):
    kept = AuthorFactory(display_name="Adrian Del Maestro")
    merged = AuthorFactory(display_name="A. Del Maestro", merged_into=kept)
    response = client.get(f"/authors/{merged.pk}-a-del-maestro/")
    assert response.status_code == 301
    assert response["Location"] == kept.get_absolute_url()


def test_unknown_author_is_a_404_page(client):
    response = client.get("/authors/987654-nobody/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_profile_rejects_post(client):
    author = AuthorFactory()
    assert client.post(author.get_absolute_url()).status_code == 405


def test_trust_page_shows_every_component_and_the_stored_total(client):
    author = _author_with_works(4)
    standing = author_standings_recompute(author_ids=[author.pk])[0]

    response = client.get(f"/authors/{author.pk}/trust/")

    html = response.content.decode()
    assert f"Trust {standing.trust_score} - {standing.trust_band}" in html
    for component in standing.components:
        assert component["label"] in html
    assert sum(c["points"] for c in standing.components) == standing.trust_score
