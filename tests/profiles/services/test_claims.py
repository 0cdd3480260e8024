"""Claim services: proofs, disputes, moderation decisions and their effects."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail, signing

from profiles.models import AuditLog, AuthorStanding, Claim
from profiles.services.claims import (
    EMAIL_TOKEN_SALT,
    ClaimError,
    claim_approve,
    claim_confirm_email,
    claim_reject,
    claim_start_email,
    claim_start_orcid,
    claim_submit_evidence,
    claim_withdraw,
    normalise_orcid,
)
from publications.models import Affiliation, AuthorIdentifier, Institution
from tests.factories import AuthorFactory, AuthorshipFactory

pytestmark = pytest.mark.django_db

ORCID = "0000-0002-1825-0097"


@pytest.fixture
def author():
    author = AuthorFactory(display_name="Josiah Carberry")
    AuthorshipFactory(author=author)
    return author


@pytest.fixture
def uvm_author(author):
    uvm = Institution.objects.create(
        name="University of Vermont",
        name_key="university of vermont",
        domains=["uvm.edu"],
    )
    Affiliation.objects.create(
        author=author, institution=uvm, start_year=2010, end_year=2020
    )
    return author


def _standing(author) -> AuthorStanding:
    return AuthorStanding.objects.get(author=author)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0000-0002-1825-0097", "0000000218250097"),
        ("https://orcid.org/0000-0002-1825-0097", "0000000218250097"),
        ("0000-0002-1694-233x", "000000021694233X"),
        ("1234", ""),
    ],
)
def test_normalise_orcid(raw, expected):
    assert normalise_orcid(raw) == expected


def test_orcid_claim_needs_an_authenticated_orcid(alice, author):
    with pytest.raises(ClaimError, match="Sign in with ORCID first"):
        claim_start_orcid(user=alice, author=author)
    assert not Claim.objects.exists()


def test_orcid_claim_with_matching_authenticated_id_is_approved_at_l2(
    alice, author, django_capture_on_commit_callbacks
):
    AuthorIdentifier.objects.create(
        author=author, scheme="orcid", value="0000000218250097"
    )
    SocialAccount.objects.create(user=alice, provider="orcid", uid=ORCID)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = claim_start_orcid(user=alice, author=author)

    assert outcome.claim.status == Claim.Status.APPROVED
    standing = _standing(author)
    assert standing.verification_level == 2
    assert standing.claim_status == AuthorStanding.ClaimStatus.CLAIMED
    assert "approved" in mail.outbox[-1].subject


def test_orcid_claim_with_another_id_is_refused(alice, author):
    AuthorIdentifier.objects.create(
        author=author, scheme="orcid", value="0000000218250097"
    )
    SocialAccount.objects.create(
        user=alice, provider="orcid", uid="0000-0001-5109-3700"
    )
    with pytest.raises(ClaimError, match="not one this record carries"):
        claim_start_orcid(user=alice, author=author)


def test_email_claim_refuses_an_address_outside_the_institutions(alice, uvm_author):
    with pytest.raises(ClaimError, match=r"uvm\.edu"):
        claim_start_email(user=alice, author=uvm_author, email="alice@gmail.com")


def test_email_claim_without_known_domains_points_to_evidence(alice, author):
    with pytest.raises(ClaimError, match="Submit evidence"):
        claim_start_email(user=alice, author=author, email="alice@uvm.edu")


def test_email_claim_sends_a_single_use_link_that_approves_at_l2(
    alice, uvm_author, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = claim_start_email(
            user=alice, author=uvm_author, email="alice@physics.uvm.edu"
        )
    message = mail.outbox[-1]
    assert message.to == ["alice@physics.uvm.edu"]
    token = message.body.split("/claims/confirm/")[1].split("/")[0]
    assert outcome.claim.status == Claim.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        claim_confirm_email(user=alice, token=token)

    outcome.claim.refresh_from_db()
    assert outcome.claim.status == Claim.Status.APPROVED
    assert _standing(uvm_author).verification_level == 2
    with pytest.raises(ClaimError, match="already been used"):
        claim_confirm_email(user=alice, token=token)


def test_email_link_of_another_user_is_refused(alice, bob, uvm_author):
    claim = claim_start_email(
        user=alice, author=uvm_author, email="alice@uvm.edu"
    ).claim
    token = signing.dumps({"claim": claim.pk}, salt=EMAIL_TOKEN_SALT)
    with pytest.raises(ClaimError, match="not valid for your account"):
        claim_confirm_email(user=bob, token=token)


def test_forged_email_link_is_refused(alice, uvm_author):
    claim = claim_start_email(
        user=alice, author=uvm_author, email="alice@uvm.edu"
    ).claim
    forged = signing.dumps({"claim": claim.pk}, salt="another-salt")
    with pytest.raises(ClaimError, match="not valid"):
        claim_confirm_email(user=alice, token=forged)


def test_expired_email_link_is_refused(alice, uvm_author, settings):
    claim = claim_start_email(
        user=alice, author=uvm_author, email="alice@uvm.edu"
    ).claim
    token = signing.dumps({"claim": claim.pk}, salt=EMAIL_TOKEN_SALT)
    settings.CLAIM_EMAIL_LINK_HOURS = -1
    with pytest.raises(ClaimError, match="expired"):
        claim_confirm_email(user=alice, token=token)


def test_evidence_claim_waits_for_staff_then_approval_gives_l3(
    alice, mod, author, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_submit_evidence(
            user=alice,
            author=author,
            evidence="My ORCID lists these works.",
            links=["https://orcid.org/0000-0002-1825-0097"],
        ).claim
    assert claim.status == Claim.Status.PENDING
    assert _standing(author).claim_status == AuthorStanding.ClaimStatus.UNCLAIMED

    with django_capture_on_commit_callbacks(execute=True):
        claim_approve(claim=claim, reviewer=mod, reason="Evidence checks out.")

    claim.refresh_from_db()
    assert (claim.status, claim.reviewer) == (Claim.Status.APPROVED, mod)
    standing = _standing(author)
    assert (standing.verification_level, standing.claim_status) == (3, "claimed")
    assert "approved" in mail.outbox[-1].subject


def test_empty_evidence_is_refused(alice, author):
    with pytest.raises(ClaimError, match="Give some evidence"):
        claim_submit_evidence(user=alice, author=author, evidence="  ", links=[])


def test_rejection_mails_reason_and_allows_resubmission(
    alice, mod, author, django_capture_on_commit_callbacks
):
    claim = claim_submit_evidence(
        user=alice, author=author, evidence="It's me.", links=[]
    ).claim
    with django_capture_on_commit_callbacks(execute=True):
        claim_reject(
            claim=claim, reviewer=mod, reason_code="insufficient", note="Add a link."
        )

    body = mail.outbox[-1].body
    assert "does not show that you are the author" in body
    assert "Add a link." in body
    assert f"/authors/{author.pk}/claim/" in body
    again = claim_submit_evidence(
        user=alice, author=author, evidence="Here: ...", links=[]
    ).claim
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUPERSEDED
    assert again.status == Claim.Status.PENDING


def test_one_active_claim_per_user_and_record(alice, author):
    claim_submit_evidence(user=alice, author=author, evidence="It's me.", links=[])
    with pytest.raises(ClaimError, match="already have an active claim"):
        claim_submit_evidence(user=alice, author=author, evidence="Again.", links=[])


def test_second_claimant_puts_record_under_review_and_tells_both(
    alice, bob, author, django_capture_on_commit_callbacks
):
    first = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim
    with django_capture_on_commit_callbacks(execute=True):
        second = claim_submit_evidence(
            user=bob, author=author, evidence="No, mine.", links=[]
        ).claim

    first.refresh_from_db()
    assert first.disputed
    assert second.disputed
    assert _standing(author).claim_status == AuthorStanding.ClaimStatus.UNDER_REVIEW
    told = {m.to[0] for m in mail.outbox if "under review" in m.subject}
    assert told == {"alice@example.org", "bob@example.org"}


def test_second_claimant_does_not_get_instant_approval_by_orcid(alice, bob, author):
    claim_submit_evidence(user=alice, author=author, evidence="Mine.", links=[])
    AuthorIdentifier.objects.create(
        author=author, scheme="orcid", value="0000000218250097"
    )
    SocialAccount.objects.create(user=bob, provider="orcid", uid=ORCID)

    outcome = claim_start_orcid(user=bob, author=author)

    assert outcome.claim.status == Claim.Status.PENDING
    assert outcome.claim.disputed


def test_staff_decide_a_dispute_and_the_loser_is_rejected(
    alice, bob, mod, author, django_capture_on_commit_callbacks
):
    first = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim
    second = claim_submit_evidence(
        user=bob, author=author, evidence="Mine.", links=[]
    ).claim

    with django_capture_on_commit_callbacks(execute=True):
        claim_approve(claim=second, reviewer=mod, reason="Bob's ORCID lists the works.")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (
        Claim.Status.REJECTED,
        Claim.Status.APPROVED,
    )
    assert not first.disputed
    assert not second.disputed
    assert _standing(author).claim_status == AuthorStanding.ClaimStatus.CLAIMED


def test_withdrawing_one_side_of_a_dispute_ends_it(alice, bob, author):
    first = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim
    second = claim_submit_evidence(
        user=bob, author=author, evidence="Mine.", links=[]
    ).claim

    claim_withdraw(user=bob, claim=second)

    first.refresh_from_db()
    assert first.status == Claim.Status.PENDING
    assert not first.disputed


def test_only_the_claimant_can_withdraw(alice, bob, author):
    claim = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim
    with pytest.raises(ClaimError):
        claim_withdraw(user=bob, claim=claim)


def test_every_step_is_audited(alice, bob, mod, author):
    first = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim
    claim_submit_evidence(user=bob, author=author, evidence="Mine.", links=[])
    claim_approve(claim=first, reviewer=mod, reason="Checked.")

    actions = list(
        AuditLog.objects.filter(author=author)
        .order_by("pk")
        .values_list("action", "actor__username")
    )
    assert actions == [
        ("claim.submit", "alice"),
        ("claim.submit", "bob"),
        ("claim.dispute", "bob"),
        ("claim.reject", "mod"),
        ("claim.approve", "mod"),
    ]
    approve = AuditLog.objects.get(action="claim.approve")
    assert approve.before["status"] == "pending"
    assert approve.after["status"] == "approved"
    assert approve.reason == "Checked."


def test_rejected_claims_cost_trust_points(
    alice, mod, author, django_capture_on_commit_callbacks
):
    claim = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim
    with django_capture_on_commit_callbacks(execute=True):
        claim_reject(claim=claim, reviewer=mod, reason_code="insufficient")
    penalties = {c["key"]: c["points"] for c in _standing(author).components}[
        "penalties"
    ]
    assert penalties == -5


def test_proven_orcid_claim_held_by_a_dispute_is_approved_when_it_ends(
    alice, bob, author, django_capture_on_commit_callbacks
):
    first = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim
    AuthorIdentifier.objects.create(
        author=author, scheme="orcid", value="0000000218250097"
    )
    SocialAccount.objects.create(user=bob, provider="orcid", uid=ORCID)
    held = claim_start_orcid(user=bob, author=author).claim

    with django_capture_on_commit_callbacks(execute=True):
        claim_withdraw(user=alice, claim=first)

    held.refresh_from_db()
    assert held.status == Claim.Status.APPROVED
    assert _standing(author).verification_level == 2
    assert AuditLog.objects.filter(
        action="claim.undispute", object_id=str(held.pk)
    ).exists()


def test_email_confirmed_during_a_dispute_is_recorded_and_single_use(
    alice, bob, uvm_author, django_capture_on_commit_callbacks
):
    claim_submit_evidence(user=bob, author=uvm_author, evidence="Mine.", links=[])
    claim = claim_start_email(
        user=alice, author=uvm_author, email="alice@uvm.edu"
    ).claim
    token = signing.dumps({"claim": claim.pk}, salt=EMAIL_TOKEN_SALT)

    outcome = claim_confirm_email(user=alice, token=token)

    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING
    assert claim.proven_at is not None
    assert "staff will decide" in outcome.message
    assert AuditLog.objects.filter(action="claim.prove").count() == 1
    with pytest.raises(ClaimError, match="already been used"):
        claim_confirm_email(user=alice, token=token)


def test_remaining_claimant_is_told_when_the_dispute_ends(
    alice, bob, author, django_capture_on_commit_callbacks
):
    claim_submit_evidence(user=alice, author=author, evidence="Mine.", links=[])
    second = claim_submit_evidence(
        user=bob, author=author, evidence="Mine.", links=[]
    ).claim

    with django_capture_on_commit_callbacks(execute=True):
        claim_withdraw(user=bob, claim=second)

    ended = [m for m in mail.outbox if "no longer under review" in m.subject]
    assert [m.to for m in ended] == [["alice@example.org"]]


def test_losing_the_approved_claim_clears_what_the_researcher_set(alice, mod, author):
    claim = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim
    claim_approve(claim=claim, reviewer=mod)
    author.headline = "Quantum fluids"
    author.open_to_collaborate = True
    author.save()

    claim_reject(
        claim=claim, reviewer=mod, reason_code="mismatch", note="Wrong person."
    )

    author.refresh_from_db()
    assert (author.headline, author.open_to_collaborate) == ("", False)
    assert AuditLog.objects.filter(action="profile.reset", author=author).exists()


def test_approval_note_is_not_sent_to_the_rejected_claimant(
    alice, bob, mod, author, django_capture_on_commit_callbacks
):
    first = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim
    second = claim_submit_evidence(
        user=bob, author=author, evidence="Mine.", links=[]
    ).claim

    claim_approve(claim=second, reviewer=mod, reason="Bob's thesis lists the works.")

    first.refresh_from_db()
    assert "thesis" not in first.reason
    assert "Another claimant showed stronger evidence" in first.reason


def test_a_verified_claim_raises_its_coauthors_community_points(
    alice, mod, author, django_capture_on_commit_callbacks
):
    coauthor = AuthorFactory(display_name="Co Author")
    work = author.authorships.get().work
    AuthorshipFactory(work=work, author=coauthor, position=99)
    claim = claim_submit_evidence(
        user=alice, author=author, evidence="Mine.", links=[]
    ).claim

    with django_capture_on_commit_callbacks(execute=True):
        claim_approve(claim=claim, reviewer=mod)

    community = {c["key"]: c for c in _standing(coauthor).components}["community"]
    assert community["inputs"]["verified_coauthors"] == 1
    assert community["points"] == 3


def test_an_approved_claim_locks_the_record_works_and_losing_it_releases_them(
    alice, mod, author
):
    from publications.models import Authorship
    from publications.services.reresolution import authorships_reresolve

    row = author.authorships.get()
    row.attribution_detail = {"name_key": "josiah carberry"}
    row.save()
    claim = claim_submit_evidence(
        user=alice, author=author, evidence="These are mine.", links=[]
    ).claim

    claim_approve(claim=claim, reviewer=mod)

    row.refresh_from_db()
    assert row.locked
    # The evidence of the decision stays, and names the claim.
    assert row.attribution_detail == {"name_key": "josiah carberry", "claim": claim.pk}
    # A second record of the same name appears; re-resolution leaves the row.
    other = AuthorFactory(display_name="Josiah Carberry")
    authorships_reresolve(author_ids=[author.pk, other.pk])
    assert Authorship.objects.get(pk=row.pk).author_id == author.pk

    claim.refresh_from_db()
    claim_withdraw(user=alice, claim=claim)

    row.refresh_from_db()
    assert not row.locked
    assert row.attribution_detail == {"name_key": "josiah carberry"}


def test_rows_locked_by_a_moderator_stay_locked_when_a_claim_ends(alice, mod, author):
    row = author.authorships.get()
    row.locked = True
    row.attribution_detail = {"by": "moderator", "reason": "split"}
    row.save()
    claim = claim_submit_evidence(
        user=alice, author=author, evidence="These are mine.", links=[]
    ).claim
    claim_approve(claim=claim, reviewer=mod)
    claim.refresh_from_db()

    claim_reject(claim=claim, reviewer=mod, reason_code="insufficient")

    row.refresh_from_db()
    assert row.locked
    assert row.attribution_detail == {"by": "moderator", "reason": "split"}
