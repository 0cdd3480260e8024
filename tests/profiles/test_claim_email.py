"""Claiming with an institutional e-mail: /authors/<id>/claim/ and the link.

The link (/claims/confirm/<token>/) is signed, expires, works once and only
for the account that asked for it; opening it (GET) changes nothing, since
mail scanners open links; the button on it (POST) confirms.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from django.core import mail, signing
from django.test import Client

from profiles.models import AuthorStanding, Claim
from profiles.services.claims import EMAIL_TOKEN_SALT
from publications.models import Affiliation, Institution
from tests.factories import AuthorFactory, AuthorshipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    author = AuthorFactory(display_name="Josiah Carberry")
    AuthorshipFactory(author=author)
    uvm = Institution.objects.create(
        name="University of Vermont",
        name_key="university of vermont",
        domains=["uvm.edu"],
    )
    Affiliation.objects.create(
        author=author, institution=uvm, start_year=2010, end_year=2020
    )
    return author


def claim_url(author) -> str:
    return f"/authors/{author.pk}/claim/"


def ask_for_link(client, author, capture, email="alice@physics.uvm.edu") -> str:
    """POST the e-mail method; return the path of the link that was mailed."""
    with capture(execute=True):
        response = client.post(claim_url(author), {"method": "email", "email": email})
    assert response.status_code == 302
    body = mail.outbox[-1].body
    token = body.split("/claims/confirm/")[1].split("/")[0]
    return f"/claims/confirm/{token}/"


def test_address_at_an_institution_subdomain_gets_a_link_by_email(
    alice, alice_client, author, settings, django_capture_on_commit_callbacks
):
    link = ask_for_link(alice_client, author, django_capture_on_commit_callbacks)

    message = mail.outbox[-1]
    assert message.to == ["alice@physics.uvm.edu"]
    assert f"{settings.BZPEER_SITE_URL}{link}" in message.body
    assert "expires in 48 hours" in message.body
    claim = Claim.objects.get(author=author)
    assert (claim.user, claim.status, claim.proof) == (
        alice,
        Claim.Status.PENDING,
        "alice@physics.uvm.edu",
    )


def test_sending_the_link_says_so_on_the_claim_page(
    alice_client, author, django_capture_on_commit_callbacks
):
    ask_for_link(alice_client, author, django_capture_on_commit_callbacks)

    html = alice_client.get(claim_url(author)).content.decode()

    assert "We sent a confirmation link to alice@physics.uvm.edu." in html
    assert "Open the link we e-mailed to confirm." in html


def test_address_outside_the_institutions_is_refused_with_the_domains(
    alice_client, author, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            claim_url(author), {"method": "email", "email": "alice@gmail.com"}
        )

    assert response.status_code == 200
    assert "not at a domain of this record&#x27;s institutions (uvm.edu)" in (
        response.content.decode()
    )
    assert not Claim.objects.exists()
    assert mail.outbox == []


def test_lookalike_domain_is_refused(alice_client, author):
    response = alice_client.post(
        claim_url(author), {"method": "email", "email": "alice@evil-uvm.edu"}
    )

    assert response.status_code == 200
    assert not Claim.objects.exists()


def test_record_without_known_domains_points_to_evidence(alice_client):
    author = AuthorFactory()

    response = alice_client.post(
        claim_url(author), {"method": "email", "email": "alice@uvm.edu"}
    )

    assert "Submit evidence for review instead" in response.content.decode()
    assert not Claim.objects.exists()


def test_invalid_address_is_a_form_error(alice_client, author):
    response = alice_client.post(
        claim_url(author), {"method": "email", "email": "not an address"}
    )

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Claim.objects.exists()


def test_opening_the_link_changes_nothing(
    alice_client, author, django_capture_on_commit_callbacks
):
    link = ask_for_link(alice_client, author, django_capture_on_commit_callbacks)
    sent = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = alice_client.get(link)

    assert response.status_code == 200
    assert "Confirm my claim" in response.content.decode()
    assert Claim.objects.get(author=author).status == Claim.Status.PENDING
    assert callbacks == []
    assert len(mail.outbox) == sent


def test_confirming_the_link_approves_the_claim_at_l2(
    alice_client, author, django_capture_on_commit_callbacks
):
    link = ask_for_link(alice_client, author, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(link)

    assert response.status_code == 302
    assert response["Location"] == claim_url(author)
    assert Claim.objects.get(author=author).status == Claim.Status.APPROVED
    standing = AuthorStanding.objects.get(author=author)
    assert standing.verification_level == 2
    assert standing.claim_status == AuthorStanding.ClaimStatus.CLAIMED
    assert "is approved" in mail.outbox[-1].subject
    assert mail.outbox[-1].to == ["alice@example.org"]


def test_a_used_link_says_it_was_already_used(
    alice_client, author, django_capture_on_commit_callbacks
):
    link = ask_for_link(alice_client, author, django_capture_on_commit_callbacks)
    alice_client.post(link)

    response = alice_client.post(link)

    assert response.status_code == 200
    assert "This link has already been used." in response.content.decode()


def test_an_expired_link_is_refused(alice_client, author, monkeypatch):
    alice_client.post(claim_url(author), {"method": "email", "email": "a@uvm.edu"})
    claim = Claim.objects.get(author=author)
    signed_at = time.time() - 49 * 3600  # the link lives 48 hours
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: signed_at)
        token = signing.dumps({"claim": claim.pk}, salt=EMAIL_TOKEN_SALT)

    response = alice_client.post(f"/claims/confirm/{token}/")

    assert "This link has expired." in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING


def test_another_users_link_is_refused(
    alice_client, bob, author, django_capture_on_commit_callbacks
):
    link = ask_for_link(alice_client, author, django_capture_on_commit_callbacks)
    alice_client.force_login(bob)

    response = alice_client.post(link)

    assert "This link is not valid for your account." in response.content.decode()
    assert Claim.objects.get(author=author).status == Claim.Status.PENDING


def test_a_forged_link_is_refused(alice_client, author):
    alice_client.post(claim_url(author), {"method": "email", "email": "a@uvm.edu"})
    claim = Claim.objects.get(author=author)
    forged = signing.dumps({"claim": claim.pk}, salt="not-the-claim-salt")

    response = alice_client.post(f"/claims/confirm/{forged}/")

    assert "This link is not valid." in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING


def test_a_tampered_link_is_refused(
    alice_client, author, django_capture_on_commit_callbacks
):
    link = ask_for_link(alice_client, author, django_capture_on_commit_callbacks)

    response = alice_client.post(link.replace("/claims/confirm/", "/claims/confirm/x"))

    assert "This link is not valid." in response.content.decode()
    assert Claim.objects.get(author=author).status == Claim.Status.PENDING


def test_a_signed_out_visitor_logs_in_and_comes_back_to_the_link(
    alice_client, author, django_capture_on_commit_callbacks
):
    link = ask_for_link(alice_client, author, django_capture_on_commit_callbacks)
    alice_client.logout()

    response = alice_client.get(link)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={quote(link)}"


def test_the_institutional_address_is_shown_to_nobody_else(
    alice_client, bob, author, django_capture_on_commit_callbacks
):
    ask_for_link(alice_client, author, django_capture_on_commit_callbacks)
    bob_client = Client()
    bob_client.force_login(bob)

    claim_page = bob_client.get(claim_url(author)).content.decode()
    profile = bob_client.get(author.get_absolute_url()).content.decode()

    assert "uvm.edu" in claim_page  # the accepted domain, not the address
    assert "alice@physics.uvm.edu" not in claim_page
    assert "alice@physics.uvm.edu" not in profile


def test_confirm_page_query_count(
    alice_client, author, django_capture_on_commit_callbacks, django_assert_num_queries
):
    link = ask_for_link(alice_client, author, django_capture_on_commit_callbacks)
    # Expect 2: session and user. Showing the button reads no claim.
    with django_assert_num_queries(2):
        assert alice_client.get(link).status_code == 200
