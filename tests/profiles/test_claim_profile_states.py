"""The profile page's "Identity and collaboration" and "Direct collaboration"
blocks in every claim state, for each kind of viewer."""

from __future__ import annotations

import pytest

from profiles.services.claims import claim_approve, claim_submit_evidence
from profiles.services.trust import author_standings_recompute
from tests.factories import AuthorFactory, AuthorshipFactory

pytestmark = pytest.mark.django_db

UNCLAIMED_COLLABORATION = "Claim this author entity first to unlock direct invitations"


@pytest.fixture
def author():
    author = AuthorFactory(display_name="Josiah Carberry")
    AuthorshipFactory(author=author)
    return author


def approve(user, author, mod) -> None:
    claim = claim_submit_evidence(
        user=user, author=author, evidence="Mine.", links=[]
    ).claim
    claim_approve(claim=claim, reviewer=mod)
    author_standings_recompute(author_ids=[author.pk])


def page(client, author) -> str:
    return client.get(author.get_absolute_url()).content.decode()


def test_signed_out_visitor_is_asked_to_log_in_to_claim(client, author):
    html = page(client, author)

    assert "Log in to claim" in html
    assert f"/accounts/login/?next=/authors/{author.pk}/claim/" in html
    assert UNCLAIMED_COLLABORATION in html


def test_signed_in_viewer_of_an_unclaimed_record_can_claim_it(alice_client, author):
    html = page(alice_client, author)

    assert f'href="/authors/{author.pk}/claim/">Claim this record<' in html
    assert "Log in to claim" not in html
    assert UNCLAIMED_COLLABORATION in html


def test_viewer_with_a_pending_claim_sees_its_state(alice, alice_client, author):
    claim_submit_evidence(user=alice, author=author, evidence="Mine.", links=[])

    html = page(alice_client, author)

    assert "Your claim is with the moderators." in html
    assert "Claim this record" not in html
    assert "Unclaimed author" in html


def test_approved_claimant_gets_an_edit_profile_link(alice, alice_client, mod, author):
    approve(alice, author, mod)

    html = page(alice_client, author)

    assert "Claimed author" in html
    assert f'href="/authors/{author.pk}/edit/">Edit profile<' in html


def test_other_viewers_of_a_claimed_record_see_that_it_is_claimed(
    alice, bob, client, mod, author
):
    approve(alice, author, mod)
    client.force_login(bob)

    html = page(client, author)

    assert "This record is claimed." in html
    assert "Edit profile" not in html
    assert "Claim this record" not in html


def test_claimed_record_open_to_collaborate_can_be_contacted(
    alice, client, mod, author
):
    approve(alice, author, mod)
    author.open_to_collaborate = True
    author.save()

    html = page(client, author)

    assert "Claimed: this researcher can be contacted for collaboration." in html
    assert UNCLAIMED_COLLABORATION not in html


def test_claimed_record_not_open_to_collaborate_says_so(alice, client, mod, author):
    approve(alice, author, mod)

    html = page(client, author)

    assert "This researcher is not open to collaboration invitations." in html
    assert "can be contacted" not in html
    assert UNCLAIMED_COLLABORATION not in html
