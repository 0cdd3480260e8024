"""Protected objects of the people side, fetched and checked in one place.

A view that changes a protected object gets it from an ``access_*``
function, never straight from the ORM, so that no view can forget the
check. Not found raises Http404; found but not allowed raises
PermissionDenied (403). A claim that is not the user's own is "not found":
its existence is nobody else's business.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from profiles.models import Claim
from publications.models import Author


class RecordUnderReview(PermissionDenied):
    """The record is claimed by more than one person: edits wait for staff.

    Carries the author so that the view can say so on the record's page.
    """

    def __init__(self, message: str, *, author: Author) -> None:
        super().__init__(message)
        self.author = author


class RecordMerged(Http404):
    """The record was merged into another: the view redirects there (301).

    A plain 404 to callers that do not catch it.
    """

    def __init__(self, message: str, *, author: Author) -> None:
        super().__init__(message)
        self.author = author


def access_author_for_edit(*, user, author_id: int) -> Author:
    """The author whose profile ``user`` may edit: their approved claim.

    Raises Http404 for an unknown author, RecordMerged (an Http404) for a
    merged-away one, PermissionDenied for
    anybody without an approved claim on it (staff included: staff moderate,
    they do not write a researcher's profile), and RecordUnderReview while a
    second claim holds the record under review.
    """
    author = (
        Author.objects.select_related("standing", "profile")
        .filter(pk=author_id)
        .first()
    )
    if author is None:
        raise Http404("No such author")
    if author.merged_into_id:
        raise RecordMerged("This record was merged into another", author=author)
    if not user.is_authenticated:
        raise PermissionDenied("Log in to edit a profile.")
    claim = Claim.objects.filter(
        author=author, user=user, status=Claim.Status.APPROVED
    ).first()
    if claim is None:
        raise PermissionDenied(
            "Only the researcher who claimed this record can edit it."
        )
    if claim.disputed:
        raise RecordUnderReview(
            "This profile is frozen while the claim of this record is under "
            "review. Moderators are deciding; you will get an e-mail.",
            author=author,
        )
    return author


def access_claim_for_withdraw(*, user, claim_id: int) -> Claim:
    """The user's own claim, with its author; Http404 for anybody else's."""
    claim = Claim.objects.select_related("author").filter(pk=claim_id).first()
    if claim is None:
        raise Http404("No such claim")
    if not user.is_authenticated:
        raise Http404("No such claim")
    if claim.user_id != user.pk:
        raise Http404("No such claim")
    return claim
