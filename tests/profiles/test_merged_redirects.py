"""A merged-away record's URLs answer 301 to the kept record, for ever, and a
chain of merges (A into B, then B into C) leads straight to the end."""

from __future__ import annotations

import pytest

from profiles.models import AuditLog, Follow
from profiles.services.identity_changes import authors_merge, identity_change_undo
from tests.factories import AuthorFactory, AuthorshipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(mod):
    """first merged into middle, then middle merged into last, by the service."""
    first = AuthorFactory(display_name="J. Carberry")
    middle = AuthorFactory(display_name="Josiah S. Carberry")
    last = AuthorFactory(display_name="Josiah Carberry")
    for author in (first, middle, last):
        AuthorshipFactory(author=author)
    authors_merge(keep=middle, other=first, actor=mod, reason="")
    authors_merge(keep=last, other=middle, actor=mod, reason="")
    return first, middle, last


PAGES = [
    "/authors/{}/",
    "/authors/{}/trust/",
    "/authors/{}/history/",
    "/graph/authors/{}/slice/",
    "/api/v1/authors/{}/",
    "/api/v1/authors/{}/works/",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_public_page_of_a_merged_record_answers_301_to_the_end_of_the_chain(
    client, chain, page
):
    first, middle, last = chain
    for gone in (first, middle):
        response = client.get(page.format(gone.pk))
        assert response.status_code == 301, page
        expected = (
            last.get_absolute_url() if page == "/authors/{}/" else page.format(last.pk)
        )
        assert response["Location"] == expected


def test_the_slug_url_of_a_merged_record_goes_to_the_kept_slug_url(client, chain):
    first, _, last = chain
    response = client.get(f"/authors/{first.pk}-j-carberry/")
    assert response.status_code == 301
    assert response["Location"] == f"/authors/{last.pk}-josiah-carberry/"


def test_api_redirect_keeps_the_query_string(client, chain):
    first, _, last = chain
    response = client.get(f"/api/v1/authors/{first.pk}/works/?sort=title&page=1")
    assert response.status_code == 301
    assert response["Location"] == f"/api/v1/authors/{last.pk}/works/?sort=title&page=1"


def test_explorer_focus_on_a_merged_record_moves_permanently(client, chain):
    first, _, last = chain
    response = client.get(f"/explore/?author={first.pk}")
    assert response.status_code == 301
    assert response["Location"] == f"/explore/?author={last.pk}"


@pytest.mark.parametrize("page", ["/authors/{}/claim/", "/authors/{}/names/"])
def test_signed_in_pages_of_a_merged_record_answer_301(alice_client, chain, page):
    first, _, last = chain
    response = alice_client.get(page.format(first.pk))
    assert response.status_code == 301
    assert response["Location"] == page.format(last.pk)


@pytest.mark.parametrize(
    "page", ["/moderation/authors/{}/merge/", "/moderation/authors/{}/split/"]
)
def test_moderation_pages_of_a_merged_record_answer_301(client, mod, chain, page):
    first, _, last = chain
    client.force_login(mod)
    response = client.get(page.format(first.pk))
    assert response.status_code == 301
    assert response["Location"] == page.format(last.pk)


def test_following_a_merged_record_follows_the_kept_one(alice_client, alice, chain):
    first, _, last = chain
    response = alice_client.post(f"/authors/{first.pk}/follow/")
    assert response.status_code == 302
    assert Follow.objects.get(user=alice).author_id == last.pk


def test_the_redirect_outlives_an_undo_of_the_later_merge_only(client, mod, chain):
    first, middle, _ = chain
    later = AuditLog.objects.get(action="author.merge", object_id=str(middle.pk))
    identity_change_undo(entry=later, actor=mod)

    # middle has its page again; first still redirects, now to middle.
    assert client.get(f"/authors/{middle.pk}/trust/").status_code == 200
    response = client.get(f"/authors/{first.pk}/trust/")
    assert response["Location"] == f"/authors/{middle.pk}/trust/"
