"""Profile pages: the researcher profile, its trust explanation, follows,
claiming a record and editing a claimed profile.

Every view that changes something is POST-only or handles POST itself,
requires a signed-in user and gets protected objects from
``profiles.access``; the services do the writing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)
from django_ratelimit.decorators import ratelimit

from profiles import selectors
from profiles.access import (
    RecordUnderReview,
    access_author_for_edit,
    access_claim_for_withdraw,
)
from profiles.forms import (
    CLAIM_FORMS,
    ClaimEmailForm,
    ClaimEvidenceForm,
    ProfileForm,
)
from profiles.services.claims import ClaimError, claim_confirm_email, claim_withdraw
from profiles.services.follows import follow_create, follow_delete
from profiles.services.profiles import profile_update


@require_GET
def author_detail(request, author_id: int, slug: str = ""):
    author = selectors.author_for_page(author_id=author_id)
    if author.merged_into_id:
        return redirect(author.merged_into, permanent=True)
    if slug != author.slug:
        return redirect(author, permanent=True)
    page = selectors.profile_page(
        author=author,
        sort=request.GET.get("sort", selectors.DEFAULT_SORT),
        page_number=request.GET.get("page"),
        user=request.user,
    )
    template = "profiles/_works.html" if request.htmx else "profiles/author_detail.html"
    return render(request, template, {"page": page, "author": author})


@require_GET
def author_trust(request, author_id: int):
    author = selectors.author_for_page(author_id=author_id)
    if author.merged_into_id:
        return redirect("profiles:author_trust", author.merged_into_id, permanent=True)
    standing = selectors.author_standing(author)
    return render(
        request, "profiles/author_trust.html", {"author": author, "standing": standing}
    )


@require_POST
@ratelimit(key="user_or_ip", rate="60/m", method="POST", block=True)
def author_follow(request, author_id: int):
    author = selectors.author_for_page(author_id=author_id)
    if not request.user.is_authenticated:
        return redirect_to_login(author.get_absolute_url())
    if request.POST.get("action") == "unfollow":
        follow_delete(user=request.user, author=author)
    else:
        follow_create(user=request.user, author=author)
    if request.htmx:
        author.standing.refresh_from_db()
        return render(
            request,
            "profiles/_follow_button.html",
            {
                "author": author,
                "followers": author.standing.followers_count,
                "is_following": request.POST.get("action") != "unfollow",
            },
        )
    return redirect(author)


# -- claiming a record ------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@ratelimit(key="user", rate="20/h", method="POST", block=True)
def claim_start(request, author_id: int):
    """The claim page: what claiming means, the user's claims, three methods."""
    author = selectors.author_for_page(author_id=author_id)
    if author.merged_into_id:
        return redirect("profiles:claim_start", author.merged_into_id)
    forms = {"email": ClaimEmailForm(), "evidence": ClaimEvidenceForm()}
    if request.method == "POST":
        method = request.POST.get("method", "")
        if method not in CLAIM_FORMS:
            return HttpResponseBadRequest("Unknown claim method.")
        form = CLAIM_FORMS[method](request.POST)
        if form.is_valid():
            try:
                outcome = form.submit(user=request.user, author=author)
            except ClaimError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, outcome.message)
                return redirect("profiles:claim_start", author.pk)
        forms[method] = form
    page = selectors.claim_page(author=author, user=request.user)
    return render(
        request,
        "profiles/claim_start.html",
        {
            "author": author,
            "page": page,
            "orcid_form": forms.get("orcid"),
            "email_form": forms["email"],
            "evidence_form": forms["evidence"],
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def claim_confirm(request, token: str):
    """The e-mail link: GET shows a button, only POST confirms.

    Mail scanners and link previews open links: a GET must change nothing.
    """
    error = ""
    if request.method == "POST":
        try:
            outcome = claim_confirm_email(user=request.user, token=token)
        except ClaimError as exc:
            error = str(exc)
        else:
            messages.success(request, outcome.message)
            return redirect("profiles:claim_start", outcome.claim.author_id)
    return render(
        request, "profiles/claim_confirm.html", {"token": token, "error": error}
    )


@require_POST
@login_required
def claim_withdraw_view(request, claim_id: int):
    claim = access_claim_for_withdraw(user=request.user, claim_id=claim_id)
    try:
        claim_withdraw(user=request.user, claim=claim)
    except ClaimError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your claim was withdrawn.")
    return redirect("profiles:claim_start", claim.author_id)


# -- the claimed researcher's profile --------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def author_edit(request, author_id: int):
    """The approved claimant edits what they show; frozen while under review."""
    try:
        author = access_author_for_edit(user=request.user, author_id=author_id)
    except RecordUnderReview as exc:
        return render(
            request,
            "profiles/author_edit.html",
            {"author": exc.author, "frozen": str(exc)},
            status=403,
        )
    profile = selectors.author_profile(author)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            profile_update(user=request.user, author=author, **form.cleaned_data)
            messages.success(request, "Your profile was saved.")
            return redirect(author)
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(author, profile))
    return render(
        request, "profiles/author_edit.html", {"author": author, "form": form}
    )
