"""Profile pages: the researcher profile, its trust explanation, follows."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from profiles import selectors
from profiles.services.follows import follow_create, follow_delete


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
