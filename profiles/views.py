"""Profile pages: the researcher profile, its trust explanation, follows,
claiming a record and editing a claimed profile (its fields, its names).

Every view that changes something is POST-only or handles POST itself,
requires a signed-in user and gets protected objects from
``profiles.access``; the services do the writing. Every per-author URL of a
merged-away record answers 301 to the same URL of the record it was merged
into (following chains of merges), for ever.
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
    RecordMerged,
    RecordUnderReview,
    access_author_for_edit,
    access_claim_for_withdraw,
)
from profiles.forms import (
    CLAIM_FORMS,
    ClaimEmailForm,
    ClaimEvidenceForm,
    NameVariantsForm,
    ProfileForm,
)
from profiles.services.claims import ClaimError, claim_confirm_email, claim_withdraw
from profiles.services.follows import follow_create, follow_delete
from profiles.services.profiles import author_names_update, profile_update


def _to_kept(url_name: str, author):
    """301 to the same page of the record ``author`` was merged into."""
    return redirect(url_name, selectors.author_kept(author=author).pk, permanent=True)


@require_GET
def author_detail(request, author_id: int, slug: str = ""):
    author = selectors.author_for_page(author_id=author_id)
    if author.merged_into_id:
        return redirect(selectors.author_kept(author=author), permanent=True)
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
        return _to_kept("profiles:author_trust", author)
    standing = selectors.author_standing(author)
    return render(
        request, "profiles/author_trust.html", {"author": author, "standing": standing}
    )


@require_POST
@ratelimit(key="user_or_ip", rate="60/m", method="POST", block=True)
def author_follow(request, author_id: int):
    author = selectors.author_for_page(author_id=author_id)
    if author.merged_into_id:
        # Following a merged-away record follows the record it lives in now.
        kept = selectors.author_kept(author=author)
        author = selectors.author_for_page(author_id=kept.pk)
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
        return _to_kept("profiles:claim_start", author)
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
    except RecordMerged as exc:
        return _to_kept("profiles:author_edit", exc.author)
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


@require_http_methods(["GET", "POST"])
@login_required
@ratelimit(key="user", rate="30/h", method="POST", block=True)
def author_names(request, author_id: int):
    """The approved claimant picks the display name among the name forms the
    sources printed, and hides forms (a former name) from public pages."""
    try:
        author = access_author_for_edit(user=request.user, author_id=author_id)
    except RecordMerged as exc:
        return _to_kept("profiles:author_names", exc.author)
    except RecordUnderReview as exc:
        return render(
            request,
            "profiles/author_names.html",
            {"author": exc.author, "frozen": str(exc)},
            status=403,
        )
    aliases = selectors.author_aliases(author=author)
    if request.method == "POST":
        form = NameVariantsForm(request.POST, author=author, aliases=aliases)
        if form.is_valid():
            author = author_names_update(
                user=request.user,
                author=author,
                display_name=form.cleaned_data["display_name"],
                hidden_alias_ids=form.cleaned_data["hidden"],
            )
            messages.success(request, "Your names were saved.")
            return redirect(author)
    else:
        form = NameVariantsForm(author=author, aliases=aliases)
    return render(
        request, "profiles/author_names.html", {"author": author, "form": form}
    )
