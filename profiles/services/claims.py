"""Claiming an author record: the three proofs, disputes and moderation.

- ORCID sign-in: the iD the user authenticated with allauth's ORCID provider
  equals an ORCID the record carries -> approved at once (L2). An iD typed
  into a form proves nothing and is never accepted.
- Institutional e-mail: an address at a domain of one of the record's
  institutions gets a signed, expiring, single-use link -> approved on
  click (L2).
- Evidence: links and text go to the staff queue -> approved by staff (L3).

One active claim per author: a second claimant turns the record into
"claim under review" (every active claim on it is marked disputed), both
claimants are told, and staff decide. Every step writes an AuditLog row in
the same transaction and e-mails the claimant after commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from allauth.socialaccount.models import SocialAccount
from celery import chain
from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from profiles.models import Claim
from profiles.services.audit import audit_record
from publications.models import Author, AuthorIdentifier, Authorship, Institution

EMAIL_TOKEN_SALT = "bzpeer.claims.email"  # noqa: S105 - a salt, not a secret

REJECTION_REASONS = {
    "insufficient": "The evidence does not show that you are the author of these works.",
    "mismatch": "The identifiers or affiliations you gave do not match this record.",
    "other_claimant": "Another claimant showed stronger evidence for this record.",
    "unreachable": "The links you gave could not be opened or checked.",
    "other": "See the moderator's note below.",
}


class ClaimError(Exception):
    """A claim step that cannot happen; the message is shown to the user."""


def normalise_orcid(value: str) -> str:
    """'https://orcid.org/0000-0002-1825-0097' -> '0000000218250097'."""
    digits = re.sub(r"[^0-9Xx]", "", value.rsplit("/", 1)[-1]).upper()
    return digits if len(digits) == 16 else ""


def author_email_domains(author: Author) -> set[str]:
    """E-mail domains of the institutions the record is affiliated with."""
    domains: set[str] = set()
    for names in Institution.objects.filter(affiliations__author=author).values_list(
        "domains", flat=True
    ):
        domains.update(d.lower().lstrip("@.") for d in names or [] if d)
    return domains


def email_matches_domains(email: str, domains: set[str]) -> bool:
    domain = email.rsplit("@", 1)[-1].lower().strip()
    return any(domain == d or domain.endswith("." + d) for d in domains)


@dataclass(frozen=True)
class ClaimOutcome:
    claim: Claim
    message: str


# -- opening claims ---------------------------------------------------------


@transaction.atomic
def claim_start_orcid(*, user, author: Author) -> ClaimOutcome:
    """Claim with the ORCID iD the user signed in with."""
    account = SocialAccount.objects.filter(user=user, provider="orcid").first()
    if account is None:
        raise ClaimError("Sign in with ORCID first: only an authenticated iD counts.")
    orcid = normalise_orcid(account.uid)
    record_orcids = {
        normalise_orcid(v)
        for v in author.identifiers.filter(
            scheme=AuthorIdentifier.Scheme.ORCID
        ).values_list("value", flat=True)
    }
    if orcid not in record_orcids:
        raise ClaimError(
            "Your ORCID iD is not one this record carries. Use another method, "
            "or submit evidence for review."
        )
    claim = _claim_open(
        user=user, author=author, method=Claim.Method.ORCID, proof=orcid, proven=True
    )
    if claim.disputed:
        return ClaimOutcome(claim, "Another claim exists: staff will review both.")
    _claim_set_approved(claim, actor=user, reason="ORCID sign-in matches the record.")
    return ClaimOutcome(claim, "Claim approved: your ORCID iD matches this record.")


@transaction.atomic
def claim_start_email(*, user, author: Author, email: str) -> ClaimOutcome:
    """Send a signed link to an address at one of the record's institutions."""
    email = email.strip()
    domains = author_email_domains(author)
    if not domains:
        raise ClaimError(
            "No institution of this record has a known e-mail domain. "
            "Submit evidence for review instead."
        )
    if not email_matches_domains(email, domains):
        raise ClaimError(
            "That address is not at a domain of this record's institutions ("
            + ", ".join(sorted(domains))
            + ")."
        )
    claim = _claim_open(
        user=user, author=author, method=Claim.Method.EMAIL, proof=email
    )
    token = signing.dumps({"claim": claim.pk}, salt=EMAIL_TOKEN_SALT)
    link = reverse("profiles:claim_confirm", args=[token])
    mail_after_commit(
        claim, "email_link", to=email, extra={"link": link, "hours": _token_hours()}
    )
    return ClaimOutcome(claim, f"We sent a confirmation link to {email}.")


@transaction.atomic
def claim_submit_evidence(
    *, user, author: Author, evidence: str, links: list[str]
) -> ClaimOutcome:
    """Submit evidence for staff review."""
    if not evidence.strip() and not links:
        raise ClaimError(
            "Give some evidence: links to pages that show you wrote these works."
        )
    claim = _claim_open(
        user=user,
        author=author,
        method=Claim.Method.EVIDENCE,
        evidence=evidence.strip(),
        links=links,
    )
    mail_after_commit(claim, "submitted")
    return ClaimOutcome(claim, "Your evidence was sent to the moderators.")


@transaction.atomic
def claim_confirm_email(*, user, token: str) -> ClaimOutcome:
    """Approve an e-mail claim from its link: signed, expiring, single use."""
    try:
        data = signing.loads(
            token, salt=EMAIL_TOKEN_SALT, max_age=_token_hours() * 3600
        )
    except signing.SignatureExpired as exc:
        raise ClaimError("This link has expired. Start the claim again.") from exc
    except signing.BadSignature as exc:
        raise ClaimError("This link is not valid.") from exc
    claim = (
        Claim.objects.select_for_update()
        .select_related("author")
        .filter(pk=data.get("claim"), method=Claim.Method.EMAIL)
        .first()
    )
    if claim is None or claim.user_id != user.pk:
        raise ClaimError("This link is not valid for your account.")
    if claim.status != Claim.Status.PENDING or claim.proven_at:
        raise ClaimError("This link has already been used.")
    claim.proven_at = timezone.now()
    claim.save(update_fields=["proven_at"])
    if claim.disputed:
        audit_record(
            actor=user,
            action="claim.prove",
            obj=claim,
            author=claim.author,
            after=_state(claim),
            reason="Institutional e-mail confirmed.",
        )
        return ClaimOutcome(
            claim, "Address confirmed; another claim exists, staff will decide."
        )
    _claim_set_approved(claim, actor=user, reason="Institutional e-mail confirmed.")
    return ClaimOutcome(
        claim, "Claim approved: your institutional address is confirmed."
    )


@transaction.atomic
def claim_withdraw(*, user, claim: Claim) -> Claim:
    if claim.user_id != user.pk or claim.status not in (
        Claim.Status.PENDING,
        Claim.Status.APPROVED,
    ):
        raise ClaimError("Only your own active claim can be withdrawn.")
    before = _state(claim)
    was_approved = claim.status == Claim.Status.APPROVED
    claim.status = Claim.Status.WITHDRAWN
    claim.disputed = False
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "disputed", "decided_at"])
    if was_approved:
        _researcher_fields_reset(claim.author, actor=user)
        _authorships_release(claim)
    _undispute_if_alone(claim.author, actor=user)
    audit_record(
        actor=user,
        action="claim.withdraw",
        obj=claim,
        author=claim.author,
        before=before,
        after=_state(claim),
    )
    mail_after_commit(claim, "withdrawn")
    _recompute_after_commit(claim.author_id)
    return claim


# -- moderation -------------------------------------------------------------


@transaction.atomic
def claim_approve(*, claim: Claim, reviewer, reason: str = "") -> Claim:
    """Staff approve a claim; every other active claim on the record is rejected."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    # Pending, or approved but disputed by a second claimant. A withdrawn
    # claim keeps its disputed flag, so the flag alone is not enough.
    if not (
        claim.status == Claim.Status.PENDING
        or (claim.status == Claim.Status.APPROVED and claim.disputed)
    ):
        raise ClaimError("Only pending or disputed claims can be approved.")
    for other in claim.author.claims.active().exclude(pk=claim.pk).select_for_update():
        # The approval note is about the winner; the others get the
        # templated reason only.
        _claim_set_rejected(
            other, actor=reviewer, reason_code="other_claimant", note=""
        )
    _claim_set_approved(claim, actor=reviewer, reason=reason)
    return claim


@transaction.atomic
def claim_reject(*, claim: Claim, reviewer, reason_code: str, note: str = "") -> Claim:
    """Staff reject a claim with a templated reason and a free-text note."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status not in (Claim.Status.PENDING, Claim.Status.APPROVED):
        raise ClaimError("Only active claims can be rejected.")
    if reason_code not in REJECTION_REASONS:
        raise ClaimError("Choose a reason.")
    was_approved = claim.status == Claim.Status.APPROVED
    _claim_set_rejected(claim, actor=reviewer, reason_code=reason_code, note=note)
    if was_approved:
        _researcher_fields_reset(claim.author, actor=reviewer)
        _authorships_release(claim)
    _undispute_if_alone(claim.author, actor=reviewer)
    return claim


# -- internals --------------------------------------------------------------


def _claim_open(
    *,
    user,
    author: Author,
    method: str,
    proof: str = "",
    evidence: str = "",
    links: list[str] | None = None,
    proven: bool = False,
) -> Claim:
    if author.merged_into_id:
        raise ClaimError("This record was merged into another; claim that one.")
    # Lock the author row first: on a record without active claims there is
    # no claim row to lock, so two first claimants would both see none and
    # neither claim would be marked disputed.
    Author.objects.select_for_update().filter(pk=author.pk).values_list(
        "pk", flat=True
    ).get()
    active = list(author.claims.active().select_for_update())
    if any(c.user_id == user.pk for c in active):
        raise ClaimError("You already have an active claim on this record.")
    # The user's rejected claims on this record are replaced by the new one.
    for old in author.claims.filter(user=user, status=Claim.Status.REJECTED):
        before = _state(old)
        old.status = Claim.Status.SUPERSEDED
        old.save(update_fields=["status"])
        audit_record(
            actor=user,
            action="claim.supersede",
            obj=old,
            author=author,
            before=before,
            after=_state(old),
        )
    claim = Claim.objects.create(
        proven_at=timezone.now() if proven else None,
        user=user,
        author=author,
        method=method,
        proof=proof,
        evidence=evidence,
        evidence_links=links or [],
        disputed=bool(active),
    )
    audit_record(
        actor=user, action="claim.submit", obj=claim, author=author, after=_state(claim)
    )
    if active:
        for other in active:
            if not other.disputed:
                before = _state(other)
                other.disputed = True
                other.save(update_fields=["disputed"])
                audit_record(
                    actor=user,
                    action="claim.dispute",
                    obj=other,
                    author=author,
                    before=before,
                    after=_state(other),
                )
            mail_after_commit(other, "disputed")
        mail_after_commit(claim, "disputed")
    _recompute_after_commit(author.pk)
    return claim


def _claim_set_approved(claim: Claim, *, actor, reason: str) -> None:
    # A claimant proving their own claim is not its reviewer.
    reviewer = actor if actor and actor.pk != claim.user_id else None
    _claim_decide(
        claim,
        status=Claim.Status.APPROVED,
        actor=actor,
        reviewer=reviewer,
        reason=reason,
    )
    _authorships_confirm(claim)


def _authorships_confirm(claim: Claim) -> None:
    """The researcher stands behind their record's works: lock the rows.

    A manual decision wins over the algorithm: re-resolution never moves a
    locked row, so a claimed record keeps its works until the researcher or
    a moderator splits one off. The attribution stays as it was decided
    (the "why is this paper here" evidence) and names the claim.
    """
    rows = list(
        Authorship.objects.filter(author_id=claim.author_id, locked=False).only(
            "pk", "attribution_detail"
        )
    )
    for row in rows:
        row.locked = True
        row.attribution_detail = {**row.attribution_detail, "claim": claim.pk}
    Authorship.objects.bulk_update(rows, ["locked", "attribution_detail"])


def _authorships_release(claim: Claim) -> None:
    """The claim is gone: its rows go back to the algorithm."""
    rows = list(
        Authorship.objects.filter(
            author_id=claim.author_id, locked=True, attribution_detail__claim=claim.pk
        ).only("pk", "attribution_detail")
    )
    for row in rows:
        row.locked = False
        row.attribution_detail = {
            k: v for k, v in row.attribution_detail.items() if k != "claim"
        }
    Authorship.objects.bulk_update(rows, ["locked", "attribution_detail"])


def _claim_set_rejected(claim: Claim, *, actor, reason_code: str, note: str) -> None:
    reason = REJECTION_REASONS[reason_code]
    if note.strip():
        reason = f"{reason}\n\n{note.strip()}"
    _claim_decide(
        claim, status=Claim.Status.REJECTED, actor=actor, reviewer=actor, reason=reason
    )


def _claim_decide(claim: Claim, *, status: str, actor, reviewer, reason: str) -> None:
    """Record a decision: the row, its audit entry, the e-mail, the figures."""
    before = _state(claim)
    claim.status = status
    claim.disputed = False
    claim.reviewer = reviewer
    claim.reason = reason
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "disputed", "reviewer", "reason", "decided_at"])
    verb = "approve" if status == Claim.Status.APPROVED else "reject"
    audit_record(
        actor=actor,
        action=f"claim.{verb}",
        obj=claim,
        author=claim.author,
        before=before,
        after=_state(claim),
        reason=reason,
    )
    mail_after_commit(claim, "approved" if verb == "approve" else "rejected")
    _recompute_after_commit(claim.author_id)


def _undispute_if_alone(author: Author, *, actor) -> None:
    """A record with one active claim left is no longer under review.

    The remaining claimant is told; a claim that was already proven (ORCID
    sign-in or e-mail link) and waited only because of the dispute is
    approved now.
    """
    active = list(author.claims.active().select_for_update())
    if len(active) != 1 or not active[0].disputed:
        return
    remaining = active[0]
    before = _state(remaining)
    remaining.disputed = False
    remaining.save(update_fields=["disputed"])
    audit_record(
        actor=actor,
        action="claim.undispute",
        obj=remaining,
        author=author,
        before=before,
        after=_state(remaining),
        reason="The other claim on this record was withdrawn or rejected.",
    )
    if remaining.status == Claim.Status.PENDING and remaining.proven_at:
        _claim_set_approved(
            remaining, actor=None, reason="Proof confirmed; dispute ended."
        )
    else:
        mail_after_commit(remaining, "dispute_ended")
    _recompute_after_commit(author.pk)


def _researcher_fields_reset(author: Author, *, actor) -> None:
    """A record that loses its approved claim stops showing what was set by hand."""
    before = {
        "headline": author.headline,
        "open_to_collaborate": author.open_to_collaborate,
    }
    if not any(before.values()):
        return
    Author.objects.filter(pk=author.pk).update(headline="", open_to_collaborate=False)
    author.headline, author.open_to_collaborate = "", False
    audit_record(
        actor=actor,
        action="profile.reset",
        obj=author,
        author=author,
        before=before,
        after={"headline": "", "open_to_collaborate": False},
        reason="The record lost its approved claim.",
    )


def _state(claim: Claim) -> dict[str, object]:
    return {"status": claim.status, "method": claim.method, "disputed": claim.disputed}


def _token_hours() -> int:
    return settings.CLAIM_EMAIL_LINK_HOURS


def mail_after_commit(claim: Claim, kind: str, *, to: str = "", extra=None) -> None:
    """E-mail the claimant about a step, once the transaction commits."""
    recipient = to or claim.user.email
    if not recipient:
        return
    context = {
        "claim": claim,
        "author": claim.author,
        "kind": kind,
        "site_url": settings.BZPEER_SITE_URL,
        **(extra or {}),
    }
    subject = render_to_string("profiles/email/claim_subject.txt", context).strip()
    body = render_to_string("profiles/email/claim_body.txt", context)
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    )


def _recompute_after_commit(author_id: int) -> None:
    """Recompute the record's figures, and its co-authors': a claim changes
    the verification level their community corroboration counts."""
    from profiles.tasks import author_standings_recompute_task

    def enqueue() -> None:
        coauthors = (
            Authorship.objects.filter(work__authorships__author_id=author_id)
            .exclude(author_id=author_id)
            .exclude(author__isnull=True)
            .values_list("author_id", flat=True)
            .distinct()
        )
        # The record first, then its co-authors, who read its new level.
        chain(
            author_standings_recompute_task.si([author_id]),
            author_standings_recompute_task.si(list(coauthors)),
        ).delay()

    transaction.on_commit(enqueue)
