"""Following a researcher: POST /authors/<id>/follow/."""

from __future__ import annotations

import pytest
from django.test import Client

from profiles.models import AuthorStanding, Follow
from tests.factories import AuthorFactory, AuthorStandingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return AuthorStandingFactory().author


def test_signed_out_visitor_is_sent_to_log_in_and_back(client, author):
    response = client.post(f"/authors/{author.pk}/follow/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={author.get_absolute_url()}"
    assert not Follow.objects.exists()


def test_profile_sends_signed_out_visitor_to_log_in_from_follow_control(client, author):
    html = client.get(author.get_absolute_url()).content.decode()
    assert f'href="/accounts/login/?next=/authors/{author.pk}-' in html
    assert "Follow researcher" in html


def test_follow_rejects_get(alice_client, author):
    assert alice_client.get(f"/authors/{author.pk}/follow/").status_code == 405


def test_follow_creates_follow_and_counts_it(alice_client, alice, author):
    response = alice_client.post(f"/authors/{author.pk}/follow/", {"action": "follow"})

    assert response.status_code == 302
    assert response["Location"] == author.get_absolute_url()
    assert Follow.objects.filter(user=alice, author=author).exists()
    standing = AuthorStanding.objects.get(author=author)
    assert standing.followers_count == 1


def test_following_twice_counts_once(alice_client, author):
    alice_client.post(f"/authors/{author.pk}/follow/", {"action": "follow"})
    alice_client.post(f"/authors/{author.pk}/follow/", {"action": "follow"})

    assert Follow.objects.count() == 1
    assert AuthorStanding.objects.get(author=author).followers_count == 1


def test_unfollow_removes_follow_and_count(alice_client, author):
    alice_client.post(f"/authors/{author.pk}/follow/", {"action": "follow"})
    alice_client.post(f"/authors/{author.pk}/follow/", {"action": "unfollow"})

    assert not Follow.objects.exists()
    assert AuthorStanding.objects.get(author=author).followers_count == 0


def test_unfollow_without_follow_changes_nothing(alice_client, author):
    alice_client.post(f"/authors/{author.pk}/follow/", {"action": "unfollow"})
    assert AuthorStanding.objects.get(author=author).followers_count == 0


def test_follow_of_author_without_standing_creates_it(alice_client):
    author = AuthorFactory()
    alice_client.post(f"/authors/{author.pk}/follow/", {"action": "follow"})
    assert AuthorStanding.objects.get(author=author).followers_count == 1


def test_htmx_follow_returns_the_button_partial(alice_client, author):
    response = alice_client.post(
        f"/authors/{author.pk}/follow/", {"action": "follow"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="follow-control"')
    assert "Following" in html
    assert "1 follower<" in html


def test_follow_requires_csrf_token(alice, author):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(f"/authors/{author.pk}/follow/", {"action": "follow"})

    assert response.status_code == 403
    assert not Follow.objects.exists()


def test_follow_of_unknown_author_is_404(alice_client):
    assert alice_client.post("/authors/424242/follow/").status_code == 404


def test_follow_is_rate_limited(alice_client, author, ratelimit_clock_stopped):
    for _ in range(60):
        alice_client.post(f"/authors/{author.pk}/follow/", {"action": "follow"})

    response = alice_client.post(f"/authors/{author.pk}/follow/", {"action": "follow"})

    assert response.status_code == 403


def test_followers_page_shows_following_state_for_the_follower(alice_client, author):
    alice_client.post(f"/authors/{author.pk}/follow/", {"action": "follow"})
    html = alice_client.get(author.get_absolute_url()).content.decode()
    assert 'aria-pressed="true">Following<' in html
    assert "1 follower<" in html
