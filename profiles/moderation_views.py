"""Moderation for staff (/moderation/) and the public history of a record.

Staff pages send an anonymous visitor to the admin login and answer 403 to a
signed-in user who is not staff; the claim itself is fetched through
``access_claim_for_review`` so no view can skip the check.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from profiles import moderation_selectors as selectors
from profiles.moderation_forms import ClaimApproveForm, ClaimRejectForm
from profiles.services.claims import (
    REJECTION_REASONS,
    ClaimError,
    claim_approve,
    claim_reject,
)


def staff_only(view):
    """Anonymous -> admin login (staff_member_required); signed in, not staff -> 403."""
    login_or_view = staff_member_required(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_staff:
            raise PermissionDenied("Moderation is for staff.")
        return login_or_view(request, *args, **kwargs)

    return wrapped


@require_GET
@staff_only
def queue(request):
    page = selectors.moderation_queue(
        disputed_page=request.GET.get("disputed_page"),
        pending_page=request.GET.get("pending_page"),
    )
    return render(request, "profiles/moderation/queue.html", {"queue": page})


@require_GET
@staff_only
def claim_detail(request, claim_id: int):
    claim = selectors.access_claim_for_review(user=request.user, claim_id=claim_id)
    page = selectors.claim_review_page(claim=claim)
    return render(
        request,
        "profiles/moderation/claim_detail.html",
        {
            "page": page,
            "approve_form": ClaimApproveForm(),
            "reject_form": ClaimRejectForm(),
            "reasons": REJECTION_REASONS,
        },
    )


@require_POST
@staff_only
def claim_approve_view(request, claim_id: int):
    claim = selectors.access_claim_for_review(user=request.user, claim_id=claim_id)
    form = ClaimApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The note is too long.")
        return redirect("moderation:claim_detail", claim.pk)
    try:
        claim_approve(
            claim=claim, reviewer=request.user, reason=form.cleaned_data["note"]
        )
    except ClaimError as exc:
        messages.error(request, str(exc))
        return redirect("moderation:claim_detail", claim.pk)
    messages.success(
        request, f"Approved the claim of {claim.user.username} on {claim.author}."
    )
    return redirect("moderation:queue")


@require_POST
@staff_only
def claim_reject_view(request, claim_id: int):
    claim = selectors.access_claim_for_review(user=request.user, claim_id=claim_id)
    form = ClaimRejectForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(e for field in form.errors.values() for e in field)
        messages.error(request, f"Not rejected: {errors}")
        return redirect("moderation:claim_detail", claim.pk)
    try:
        claim_reject(
            claim=claim,
            reviewer=request.user,
            reason_code=form.cleaned_data["reason_code"],
            note=form.cleaned_data["note"],
        )
    except ClaimError as exc:
        messages.error(request, str(exc))
        return redirect("moderation:claim_detail", claim.pk)
    messages.success(
        request, f"Rejected the claim of {claim.user.username} on {claim.author}."
    )
    return redirect("moderation:queue")


@require_GET
def author_history(request, author_id: int):
    """Public: what happened to this record's claims, people named by role."""
    author = selectors.author_for_history(author_id=author_id)
    if author.merged_into_id:
        return redirect("author_history", author.merged_into_id, permanent=True)
    history = selectors.author_history(
        author=author,
        page_number=request.GET.get("page"),
        show_usernames=request.user.is_staff,
    )
    return render(request, "profiles/author_history.html", {"history": history})
