"""Evidence claims, withdrawing, and the dispute a second claimant opens.

POST /authors/<id>/claim/ with method "evidence"; POST
/claims/<id>/withdraw/. A second claimant puts the record "under review":
both claimants are e-mailed, the page says so neutrally and never shows
who claimed it, let alone an e-mail address.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from profiles.models import AuthorStanding, Claim
from profiles.services.claims import claim_approve, claim_submit_evidence
from profiles.services.trust import author_standings_recompute
from tests.factories import AuthorFactory, AuthorshipFactory

pytestmark = pytest.mark.django_db

NEUTRAL = (
    "More than one person has claimed this record; moderators are reviewing the claims."
)


@pytest.fixture
def author():
    author = AuthorFactory(display_name="Josiah Carberry")
    AuthorshipFactory(author=author)
    return author


@pytest.fixture
def bob_client(bob):
    client = Client()
    client.force_login(bob)
    return client


def claim_url(author) -> str:
    return f"/authors/{author.pk}/claim/"


def submit_evidence(client, author, capture, **data):
    data = {"method": "evidence", "evidence": "My ORCID lists these works."} | data
    with capture(execute=True):
        return client.post(claim_url(author), data)


def test_evidence_claim_waits_for_the_moderators(
    alice, alice_client, author, django_capture_on_commit_callbacks
):
    response = submit_evidence(
        alice_client,
        author,
        django_capture_on_commit_callbacks,
        links="https://orcid.org/0000-0002-1825-0097\nhttps://uvm.edu/~carberry",
    )

    assert response.status_code == 302
    assert response["Location"] == claim_url(author)
    claim = Claim.objects.get(author=author)
    assert (claim.user, claim.method, claim.status) == (
        alice,
        Claim.Method.EVIDENCE,
        Claim.Status.PENDING,
    )
    assert claim.evidence == "My ORCID lists these works."
    assert claim.evidence_links == [
        "https://orcid.org/0000-0002-1825-0097",
        "https://uvm.edu/~carberry",
    ]
    assert AuthorStanding.objects.get(author=author).claim_status == "unclaimed"


def test_evidence_claim_is_emailed_to_the_claimant(
    alice_client, author, django_capture_on_commit_callbacks
):
    submit_evidence(alice_client, author, django_capture_on_commit_callbacks)

    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert "is with the moderators" in mail.outbox[0].subject


def test_pending_evidence_claim_shows_on_the_claim_page_with_withdraw(
    alice_client, author, django_capture_on_commit_callbacks
):
    submit_evidence(alice_client, author, django_capture_on_commit_callbacks)

    html = alice_client.get(claim_url(author)).content.decode()

    assert "Your evidence was sent to the moderators." in html
    assert "Waiting for the moderators." in html
    claim = Claim.objects.get(author=author)
    assert f'action="/claims/{claim.pk}/withdraw/"' in html


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "ftp://example.org/cv.pdf", "not a link"],
)
def test_evidence_links_must_be_http(alice_client, author, link):
    response = alice_client.post(
        claim_url(author), {"method": "evidence", "evidence": "Me.", "links": link}
    )

    assert response.status_code == 200
    assert "is not a link starting with https:// or http://" in (
        response.content.decode()
    )
    assert not Claim.objects.exists()


def test_more_than_five_evidence_links_are_refused(alice_client, author):
    links = "\n".join(f"https://example.org/{i}" for i in range(6))

    response = alice_client.post(
        claim_url(author), {"method": "evidence", "evidence": "Me.", "links": links}
    )

    assert "Give at most 5 links." in response.content.decode()
    assert not Claim.objects.exists()


def test_empty_evidence_is_refused(alice_client, author):
    response = alice_client.post(
        claim_url(author), {"method": "evidence", "evidence": " ", "links": ""}
    )

    assert response.status_code == 200
    assert "Give some evidence" in response.content.decode()
    assert not Claim.objects.exists()


def test_withdrawing_a_claim_marks_it_withdrawn_and_emails(
    alice_client, author, django_capture_on_commit_callbacks
):
    submit_evidence(alice_client, author, django_capture_on_commit_callbacks)
    claim = Claim.objects.get(author=author)

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/claims/{claim.pk}/withdraw/")

    assert response.status_code == 302
    assert response["Location"] == claim_url(author)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.WITHDRAWN
    assert "You withdrew your claim" in mail.outbox[-1].subject


def test_withdrawing_an_approved_claim_unclaims_the_record(
    alice, alice_client, mod, author, django_capture_on_commit_callbacks
):
    claim = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim
    claim_approve(claim=claim, reviewer=mod, reason="Checked.")

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/claims/{claim.pk}/withdraw/")

    standing = AuthorStanding.objects.get(author=author)
    assert standing.claim_status == AuthorStanding.ClaimStatus.UNCLAIMED
    assert standing.verification_level < 2


def test_withdrawing_a_withdrawn_claim_says_so(
    alice_client, author, django_capture_on_commit_callbacks
):
    submit_evidence(alice_client, author, django_capture_on_commit_callbacks)
    claim = Claim.objects.get(author=author)
    alice_client.post(f"/claims/{claim.pk}/withdraw/")

    response = alice_client.post(f"/claims/{claim.pk}/withdraw/", follow=True)

    assert "Only your own active claim can be withdrawn." in response.content.decode()


def test_withdraw_rejects_get(alice_client, author, django_capture_on_commit_callbacks):
    submit_evidence(alice_client, author, django_capture_on_commit_callbacks)
    claim = Claim.objects.get(author=author)

    assert alice_client.get(f"/claims/{claim.pk}/withdraw/").status_code == 405
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING


def test_second_claimant_puts_both_claims_under_review(
    alice_client, bob_client, author, django_capture_on_commit_callbacks
):
    submit_evidence(alice_client, author, django_capture_on_commit_callbacks)

    response = submit_evidence(
        bob_client, author, django_capture_on_commit_callbacks, evidence="No, mine."
    )

    assert response.status_code == 302
    assert list(Claim.objects.values_list("status", "disputed")) == [
        ("pending", True),
        ("pending", True),
    ]
    standing = AuthorStanding.objects.get(author=author)
    assert standing.claim_status == AuthorStanding.ClaimStatus.UNDER_REVIEW


def test_second_claimant_tells_both_claimants(
    alice_client, bob_client, author, django_capture_on_commit_callbacks
):
    submit_evidence(alice_client, author, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    submit_evidence(bob_client, author, django_capture_on_commit_callbacks)

    told = sorted(m.to[0] for m in mail.outbox if "under review" in m.subject)
    assert told == ["alice@example.org", "bob@example.org"]


def test_a_claim_on_an_approved_record_puts_it_under_review(
    alice, bob_client, mod, author, django_capture_on_commit_callbacks
):
    claim = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim
    claim_approve(claim=claim, reviewer=mod, reason="Checked.")

    submit_evidence(bob_client, author, django_capture_on_commit_callbacks)

    claim.refresh_from_db()
    assert (claim.status, claim.disputed) == (Claim.Status.APPROVED, True)
    assert AuthorStanding.objects.get(author=author).claim_status == "under_review"


@pytest.mark.parametrize("viewer", ["visitor", "alice", "bob"])
def test_disputed_record_page_says_claim_under_review_neutrally(
    client, alice, bob, author, viewer
):
    claim_submit_evidence(user=alice, author=author, evidence="Mine.", links=[])
    claim_submit_evidence(user=bob, author=author, evidence="Mine.", links=[])
    author_standings_recompute(author_ids=[author.pk])
    if viewer != "visitor":
        client.force_login({"alice": alice, "bob": bob}[viewer])

    html = client.get(author.get_absolute_url()).content.decode()

    assert "Claim under review" in html
    assert NEUTRAL in html
    assert "This record is claimed." not in html
    assert "Claim this record" not in html


@pytest.mark.parametrize("viewer", ["visitor", "alice", "bob"])
def test_disputed_record_pages_never_show_an_email_address(
    client, alice, bob, author, viewer
):
    claim_submit_evidence(user=alice, author=author, evidence="Mine.", links=[])
    claim_submit_evidence(user=bob, author=author, evidence="Mine.", links=[])
    author_standings_recompute(author_ids=[author.pk])
    pages = [author.get_absolute_url(), f"/api/v1/authors/{author.pk}/"]
    if viewer != "visitor":
        client.force_login({"alice": alice, "bob": bob}[viewer])
        pages.append(claim_url(author))

    for page in pages:
        body = client.get(page).content.decode()
        assert "alice@example.org" not in body
        assert "bob@example.org" not in body


def test_disputed_claim_page_tells_the_claimant_how_to_add_evidence(
    alice, bob, alice_client, author
):
    claim_submit_evidence(user=alice, author=author, evidence="Mine.", links=[])
    claim_submit_evidence(user=bob, author=author, evidence="Mine.", links=[])

    html = alice_client.get(claim_url(author)).content.decode()

    assert "(claim under review)" in html
    assert "withdraw it and claim again" in html


def test_claim_start_post_is_rate_limited(
    alice_client, author, ratelimit_clock_stopped
):
    for _ in range(20):
        alice_client.post(claim_url(author), {"method": "evidence", "evidence": ""})

    response = alice_client.post(
        claim_url(author), {"method": "evidence", "evidence": "Me."}
    )

    assert response.status_code == 403
    assert not Claim.objects.exists()
