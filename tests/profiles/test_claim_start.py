"""The claim page: GET /authors/<id>/claim/ and what its POST accepts."""

from __future__ import annotations

import pytest

from profiles.models import Claim
from profiles.services.claims import (
    claim_approve,
    claim_reject,
    claim_submit_evidence,
)
from profiles.services.trust import author_standings_recompute
from publications.models import Affiliation, Institution
from tests.factories import AuthorFactory, AuthorshipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    author = AuthorFactory(display_name="Josiah Carberry")
    AuthorshipFactory(author=author)
    return author


def claim_url(author) -> str:
    return f"/authors/{author.pk}/claim/"


def add_institution(author, name: str, domains: list[str]) -> None:
    institution = Institution.objects.create(
        name=name, name_key=name.lower(), domains=domains
    )
    Affiliation.objects.create(author=author, institution=institution)


def test_claim_page_sends_a_signed_out_visitor_to_log_in_and_back(client, author):
    response = client.get(claim_url(author))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={claim_url(author)}"


def test_claim_page_explains_claiming_and_the_three_methods(alice_client, author):
    html = alice_client.get(claim_url(author)).content.decode()

    assert "What claiming means" in html
    assert "Imports never overwrite what you set." in html
    assert "Verification L0 · Unclaimed author" in html
    for method in ("Sign in with ORCID", "Institutional e-mail", "Evidence"):
        assert method in html
    assert 'name="method" value="evidence"' in html


def test_claim_page_lists_the_accepted_email_domains(alice_client, author):
    add_institution(author, "University of Vermont", ["uvm.edu"])
    add_institution(author, "Brown University", ["brown.edu", "@alumni.brown.edu"])

    html = alice_client.get(claim_url(author)).content.decode()

    assert (
        "<code>alumni.brown.edu</code>, <code>brown.edu</code>, <code>uvm.edu</code>"
        in (html)
    )
    assert 'name="method" value="email"' in html
    assert "expires in 48 hours" in html


def test_claim_page_says_when_no_email_domain_is_known(alice_client, author):
    html = alice_client.get(claim_url(author)).content.decode()

    assert "No e-mail domain is known for this record's institutions" in html
    assert 'name="method" value="email"' not in html


def test_claim_page_of_a_record_claimed_by_someone_else_says_so(
    alice_client, bob, mod, author
):
    claim = claim_submit_evidence(
        user=bob, author=author, evidence="Mine.", links=[]
    ).claim
    claim_approve(claim=claim, reviewer=mod)
    author_standings_recompute(author_ids=[author.pk])

    html = alice_client.get(claim_url(author)).content.decode()

    assert "This record is claimed. If it is yours" in html
    assert 'name="method" value="evidence"' in html
    assert "Your claims on this record" not in html


def test_claim_page_hides_the_methods_while_the_user_has_an_active_claim(
    alice, alice_client, author
):
    claim_submit_evidence(user=alice, author=author, evidence="Mine.", links=[])

    html = alice_client.get(claim_url(author)).content.decode()

    assert "Your claims on this record" in html
    assert "You have an active claim on this record." in html
    assert 'name="method"' not in html


def test_claim_page_links_the_approved_claimant_to_edit(
    alice, alice_client, mod, author
):
    claim = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim
    claim_approve(claim=claim, reviewer=mod)

    html = alice_client.get(claim_url(author)).content.decode()

    assert f'href="/authors/{author.pk}/edit/"' in html
    assert "Approved" in html


def test_claim_page_shows_the_rejection_reason_and_offers_the_methods_again(
    alice, alice_client, mod, author
):
    claim = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim
    claim_reject(claim=claim, reviewer=mod, reason_code="insufficient", note="")

    html = alice_client.get(claim_url(author)).content.decode()

    assert "Rejected" in html
    assert "does not show that you are the author" in html
    assert 'name="method" value="evidence"' in html


def test_claim_page_never_lists_other_users_claims(alice_client, bob, author):
    claim_submit_evidence(user=bob, author=author, evidence="Bob's.", links=[])

    html = alice_client.get(claim_url(author)).content.decode()

    assert "Your claims on this record" not in html
    assert "Bob&#x27;s." not in html


def test_unknown_claim_method_is_a_bad_request(alice_client, author):
    response = alice_client.post(claim_url(author), {"method": "telepathy"})

    assert response.status_code == 400
    assert not Claim.objects.exists()


def test_claim_page_of_a_merged_author_redirects_to_the_kept_one(alice_client):
    kept = AuthorFactory()
    merged = AuthorFactory(merged_into=kept)

    response = alice_client.get(claim_url(merged))

    assert response.status_code == 301
    assert response["Location"] == claim_url(kept)


def test_claim_page_of_an_unknown_author_is_404(alice_client):
    assert alice_client.get("/authors/424242/claim/").status_code == 404


def test_claim_page_rejects_put(alice_client, author):
    assert alice_client.put(claim_url(author)).status_code == 405


def test_claim_page_query_count_does_not_grow_with_claims(
    alice, alice_client, mod, author, django_assert_num_queries
):
    add_institution(author, "University of Vermont", ["uvm.edu"])
    author_standings_recompute(author_ids=[author.pk])
    # Expect 6: session, user, author with standing and profile, the
    # viewer's claims on the record, their ORCID account, and the domains of
    # the record's institutions.
    with django_assert_num_queries(6):
        assert alice_client.get(claim_url(author)).status_code == 200

    for _ in range(5):
        claim = claim_submit_evidence(
            user=alice, author=author, evidence="Mine.", links=[]
        ).claim
        claim_reject(claim=claim, reviewer=mod, reason_code="insufficient")
    add_institution(author, "Brown University", ["brown.edu"])
    with django_assert_num_queries(6):
        assert alice_client.get(claim_url(author)).status_code == 200
