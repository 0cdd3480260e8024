"""The claim review page and its decisions: /moderation/claims/<id>/."""

from __future__ import annotations

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.test import Client
from django.urls import reverse

from profiles.models import AuthorStanding, Claim
from profiles.services.claims import (
    REJECTION_REASONS,
    claim_submit_evidence,
    claim_withdraw,
)
from publications.models import Affiliation, AuthorIdentifier, Institution
from tests.factories import AuthorFactory, AuthorshipFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod_client(client, mod):
    client.force_login(mod)
    return client


@pytest.fixture
def author():
    author = AuthorFactory(display_name="Adrian Del Maestro", works_count=3)
    for year in (2014, 2015, 2016):
        AuthorshipFactory(author=author, work=WorkFactory(title=f"Helium {year}"))
    AuthorIdentifier.objects.create(
        author=author, scheme="orcid", value="0000-0002-1825-0097", source="openalex"
    )
    uvm = Institution.objects.create(
        name="University of Vermont", name_key="uvm", domains=["uvm.edu"]
    )
    Affiliation.objects.create(author=author, institution=uvm, start_year=2010)
    return author


def _submit(user, author, links=("https://uvm.edu/~adm/cv.html",)) -> Claim:
    return claim_submit_evidence(
        user=user,
        author=author,
        evidence="My CV at UVM lists these papers.",
        links=list(links),
    ).claim


@pytest.fixture
def claim(alice, author):
    return _submit(alice, author)


def _detail(claim):
    return reverse("moderation:claim_detail", args=[claim.pk])


def _approve(claim):
    return reverse("moderation:claim_approve", args=[claim.pk])


def _reject(claim):
    return reverse("moderation:claim_reject", args=[claim.pk])


# -- the page ---------------------------------------------------------------


def test_page_shows_evidence_record_and_claimant_facts(mod_client, claim, alice):
    SocialAccount.objects.create(user=alice, provider="orcid", uid="0000000218250097")

    response = mod_client.get(_detail(claim))

    assert response.status_code == 200
    html = response.content.decode()
    assert "My CV at UVM lists these papers." in html
    assert '<a href="https://uvm.edu/~adm/cv.html" rel="nofollow noopener"' in html
    assert "Adrian Del Maestro" in html
    assert "0000-0002-1825-0097" in html
    assert "University of Vermont" in html
    assert "Helium 2016" in html
    assert "Trust snapshot" in html
    assert "alice" in html
    assert "Verified" in html
    assert "ORCID iD linked: 0000-0002-1825-0097" in html
    assert "Claim submitted" in html


def test_page_counts_previous_and_rejected_claims(mod_client, alice, author):
    old = _submit(alice, AuthorFactory())
    Claim.objects.filter(pk=old.pk).update(status=Claim.Status.REJECTED)
    claim = _submit(alice, author)

    facts = mod_client.get(_detail(claim)).context["page"].card.claimant

    assert facts.previous_claims == 1
    assert facts.previous_rejected == 1


def test_page_never_contains_the_claimants_email_address(mod_client, alice, author):
    claim = Claim.objects.create(
        user=alice, author=author, method=Claim.Method.EMAIL, proof="a.smith@uvm.edu"
    )

    html = mod_client.get(_detail(claim)).content.decode()

    assert "uvm.edu" in html
    assert "a.smith@uvm.edu" not in html
    assert alice.email not in html
    assert "@example.org" not in html


def test_evidence_is_escaped_and_odd_links_are_not_clickable(mod_client, alice, author):
    claim = claim_submit_evidence(
        user=alice,
        author=author,
        evidence="<script>alert(1)</script>",
        links=["javascript:alert(2)", 'https://ok.example/"><b>x</b>'],
    ).claim

    html = mod_client.get(_detail(claim)).content.decode()

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert "<b>x</b>" not in html


def test_page_lists_other_active_claims_with_their_own_forms(
    mod_client, claim, bob, author
):
    other = _submit(bob, author)

    html = mod_client.get(_detail(claim)).content.decode()

    assert "Other claim #" in html
    assert "bob" in html
    assert f'action="{_approve(other)}"' in html
    assert f'action="{_reject(other)}"' in html


def test_page_query_count_does_not_grow_with_claims_and_works(
    mod_client, claim, author, django_assert_num_queries
):
    AuthorStanding.objects.create(author=author)
    # Expect 11: session, user, claim with record, standing and claimant;
    # other active claims; the claimants' claim counts, verified e-mails and
    # social accounts; identifiers; affiliations; works; the claim's audit rows.
    with django_assert_num_queries(11):
        assert mod_client.get(_detail(claim)).status_code == 200

    for _ in range(25):
        AuthorshipFactory(author=author)
    for _ in range(3):
        _submit(UserFactory(), author)
    with django_assert_num_queries(11):
        response = mod_client.get(_detail(claim))
    assert len(response.context["page"].works) == 20
    assert len(response.context["page"].others) == 3


# -- permissions ------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_admin_login(client, claim):
    response = client.get(_detail(claim))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_signed_in_non_staff_gets_403(alice_client, claim):
    assert alice_client.get(_detail(claim)).status_code == 403


def test_post_by_non_staff_is_403_and_changes_nothing(alice_client, claim):
    approve = alice_client.post(_approve(claim))
    reject = alice_client.post(_reject(claim), {"reason_code": "insufficient"})

    assert approve.status_code == 403
    assert reject.status_code == 403
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING
    assert claim.reviewer is None


def test_post_by_anonymous_redirects_and_changes_nothing(client, claim):
    response = client.post(_approve(claim))

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING


def test_csrf_is_enforced(mod, claim):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mod)

    response = client.post(_approve(claim))

    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING


def test_decision_forms_carry_the_csrf_token(mod, claim):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mod)
    html = client.get(_detail(claim)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)

    for action in (_approve(claim), _reject(claim)):
        form = html.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
        assert 'name="csrfmiddlewaretoken"' in form
    response = client.post(_approve(claim), {"csrfmiddlewaretoken": token.group(1)})

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED


def test_decisions_reject_get(mod_client, claim):
    assert mod_client.get(_approve(claim)).status_code == 405
    assert mod_client.get(_reject(claim)).status_code == 405


def test_unknown_claim_is_404(mod_client):
    assert mod_client.get("/moderation/claims/999999/").status_code == 404


# -- decisions --------------------------------------------------------------


def test_approve_evidence_claim_verifies_the_record_at_l3_and_emails_claimant(
    mod_client, claim, mod, alice, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = mod_client.post(_approve(claim), {"note": "CV checked."})

    assert response.status_code == 302
    assert response["Location"] == reverse("moderation:queue")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert claim.reviewer == mod
    assert claim.reason == "CV checked."
    standing = AuthorStanding.objects.get(author=claim.author)
    assert standing.verification_level == 3
    assert standing.claim_status == AuthorStanding.ClaimStatus.CLAIMED
    assert [m.to for m in mail.outbox] == [[alice.email]]
    assert "is approved" in mail.outbox[0].subject
    followed = mod_client.get(response["Location"])
    assert "Approved the claim of alice" in followed.content.decode()


def test_reject_emails_templated_reason_note_and_link_to_claim_again(
    mod_client, claim, alice, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = mod_client.post(
            _reject(claim),
            {"reason_code": "unreachable", "note": "The CV link returns 404."},
        )

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REJECTED
    assert REJECTION_REASONS["unreachable"] in claim.reason
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alice.email]
    assert REJECTION_REASONS["unreachable"] in message.body
    assert "The CV link returns 404." in message.body
    assert reverse("profiles:claim_start", args=[claim.author_id]) in message.body


def test_rejected_claimant_can_claim_again(mod_client, claim, alice, author):
    mod_client.post(_reject(claim), {"reason_code": "insufficient"})

    again = _submit(alice, author)

    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUPERSEDED
    assert again.status == Claim.Status.PENDING


def test_reject_without_a_reason_is_refused(mod_client, claim):
    response = mod_client.post(_reject(claim), {"note": "no"}, follow=True)

    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING
    assert "Not rejected" in response.content.decode()


def test_reason_other_needs_a_note(mod_client, claim):
    mod_client.post(_reject(claim), {"reason_code": "other"})

    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING


def test_approving_bob_rejects_alice_as_other_claimant(
    mod_client, claim, bob, author, mod
):
    bobs = _submit(bob, author)
    claim.refresh_from_db()
    assert claim.disputed
    assert bobs.disputed

    mod_client.post(_approve(bobs))

    claim.refresh_from_db()
    bobs.refresh_from_db()
    assert bobs.status == Claim.Status.APPROVED
    assert not bobs.disputed
    assert claim.status == Claim.Status.REJECTED
    assert claim.reason.startswith(REJECTION_REASONS["other_claimant"])
    assert claim.reviewer == mod


def test_rejecting_one_of_two_claims_ends_the_dispute(mod_client, claim, bob, author):
    bobs = _submit(bob, author)

    mod_client.post(_reject(bobs), {"reason_code": "mismatch"})

    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING
    assert not claim.disputed


def test_deciding_a_decided_claim_is_a_message_not_a_500(mod_client, claim):
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.WITHDRAWN)

    response = mod_client.post(_approve(claim), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == _detail(claim)
    assert "Only pending or disputed claims can be approved." in (
        response.content.decode()
    )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.WITHDRAWN


def test_withdrawn_disputed_claim_cannot_be_approved(
    mod_client, claim, alice, bob, author
):
    bobs = _submit(bob, author)
    claim_withdraw(user=alice, claim=claim)
    claim.refresh_from_db()
    assert not claim.disputed  # a withdrawn claim leaves the dispute

    response = mod_client.post(_approve(claim), follow=True)

    assert "Only pending or disputed claims can be approved." in (
        response.content.decode()
    )

    claim.refresh_from_db()
    bobs.refresh_from_db()
    assert claim.status == Claim.Status.WITHDRAWN
    assert bobs.status == Claim.Status.PENDING
