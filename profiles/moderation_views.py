"""Moderation for staff (/moderation/) and the public history of a record.

Staff pages send an anonymous visitor to the admin login and answer 403 to a
signed-in user who is not staff; the claim, record or audit entry itself is
fetched through an ``access_*`` function so no view can skip the check.

Merging, splitting and undoing each take two steps: a GET page that shows
what will happen (nothing changes), then a POST with a reason. POSTs are
rate-limited per moderator.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)
from django_ratelimit.decorators import ratelimit

from profiles import moderation_selectors as selectors
from profiles.moderation_forms import (
    ClaimApproveForm,
    ClaimRejectForm,
    IdentityChangeForm,
    MergeForm,
    SplitForm,
    ids_from,
)
from profiles.selectors import author_kept
from profiles.services.claims import (
    REJECTION_REASONS,
    ClaimError,
    claim_approve,
    claim_reject,
)
from profiles.services.identity_changes import (
    IdentityChangeError,
    authors_merge,
    authorships_split,
    identity_change_undo,
)

# Merges, splits and undos a moderator may post.
IDENTITY_CHANGE_RATE = "30/h"


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
        return redirect("author_history", author_kept(author=author).pk, permanent=True)
    history = selectors.author_history(
        author=author,
        page_number=request.GET.get("page"),
        show_usernames=request.user.is_staff,
    )
    return render(request, "profiles/author_history.html", {"history": history})


# -- merge, split, undo -----------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_only
@ratelimit(key="user", rate=IDENTITY_CHANGE_RATE, method="POST", block=True)
def author_merge(request, author_id: int):
    """Merge another record into this one (which is kept).

    GET without ``other``: find the other record by id or name. GET with
    ``other``: both records side by side and the form. POST: merge.
    """
    keep = selectors.access_author_for_moderation(
        user=request.user, author_id=author_id
    )
    if keep.merged_into_id:
        return redirect(
            "moderation:author_merge", author_kept(author=keep).pk, permanent=True
        )
    if request.method == "POST":
        form = MergeForm(request.POST, keep=keep)
        if form.is_valid():
            other = form.cleaned_data["other"]
            try:
                change = authors_merge(
                    keep=keep,
                    other=other,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except IdentityChangeError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    f"Merged record #{other.pk} into #{keep.pk}. The history "
                    "of this record can undo it.",
                )
                return redirect(change.author)
        asked = request.POST.get("other", "")
    else:
        asked = request.GET.get("other", "")
        form = MergeForm(initial={"other": asked}, keep=keep)
    other = form.other_record(asked)
    query = request.GET.get("q", "")
    return render(
        request,
        "profiles/moderation/author_merge.html",
        {
            "keep": keep,
            "form": form,
            "query": query,
            "asked": asked,
            "candidates": (
                selectors.merge_candidates(author=keep, query=query)
                if other is None
                else []
            ),
            "preview": (
                selectors.merge_preview(keep=keep, other=other) if other else None
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_only
@ratelimit(key="user", rate=IDENTITY_CHANGE_RATE, method="POST", block=True)
def author_split(request, author_id: int):
    """Split some of this record's works off, into a new or another record.

    GET: the record's works to choose from; with ``authorship`` ids, the
    chosen ones and the form. POST: split.
    """
    author = selectors.access_author_for_moderation(
        user=request.user, author_id=author_id
    )
    if author.merged_into_id:
        return redirect(
            "moderation:author_split", author_kept(author=author).pk, permanent=True
        )
    if request.method == "POST":
        form = SplitForm(request.POST, author=author)
        if form.is_valid():
            rows = form.cleaned_data["authorship"]
            try:
                change = authorships_split(
                    authorships=rows,
                    into=form.cleaned_data["into"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except IdentityChangeError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    f"Moved {len(rows)} work{'s' if len(rows) != 1 else ''} from "
                    f"record #{author.pk} to #{change.author.pk}. The history of "
                    "either record can undo it.",
                )
                return redirect(change.author)
        selected = ids_from(request.POST.getlist("authorship"))
    else:
        form = SplitForm(author=author)
        selected = ids_from(request.GET.getlist("authorship"))
    page = selectors.split_page(
        author=author,
        page_number=request.GET.get("page"),
        selected_ids=selected,
    )
    return render(
        request,
        "profiles/moderation/author_split.html",
        {"author": author, "page": page, "form": form},
    )


@require_http_methods(["GET", "POST"])
@staff_only
@ratelimit(key="user", rate=IDENTITY_CHANGE_RATE, method="POST", block=True)
def identity_change_undo_view(request, entry_id: int):
    """Undo a merge or split from its audit entry: what it would put back,
    whether it can, then POST to undo."""
    entry = selectors.access_audit_entry_for_undo(user=request.user, entry_id=entry_id)
    form = IdentityChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = identity_change_undo(
                entry=entry, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except IdentityChangeError as exc:
            messages.error(request, str(exc))
            return redirect("moderation:identity_change_undo", entry.pk)
        messages.success(request, f"Undone: {selectors.action_words(entry.action)}.")
        return redirect(reverse("author_history", args=[change.author.pk]))
    return render(
        request,
        "profiles/moderation/identity_change_undo.html",
        {"preview": selectors.undo_preview(entry=entry), "form": form},
    )
