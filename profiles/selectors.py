"""Page-shaped reads of the people side: the profile page, claim and edit pages."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.http import Http404

from profiles.models import AuthorStanding, Claim, Follow, Profile
from profiles.services.claims import author_email_domains
from profiles.services.trust import author_standings_recompute
from publications.models import Affiliation, Author, Topic, Work
from publications.selectors import work_rows

# The sorts the works list offers: key -> (label, ordering).
WORK_SORTS = {
    "-year": ("Newest first", ("-published", "-pk")),
    "year": ("Oldest first", ("published", "pk")),
    "title": ("Title A-Z", ("title", "pk")),
    "-title": ("Title Z-A", ("-title", "-pk")),
}
DEFAULT_SORT = "-year"
WORKS_PER_PAGE = 20
SIDEBAR_ROWS = 10


@dataclass
class Collaborator:
    author: Author
    shared_works: int


@dataclass
class ProfilePage:
    author: Author
    standing: AuthorStanding
    affiliation: Affiliation | None
    collaborators: list[Collaborator]
    topics: list[Topic]
    works: Page
    sort: str
    sorts: dict[str, str]
    is_following: bool
    # What the researcher set by hand, shown while the record is claimed or
    # under review (None otherwise: a withdrawn or rejected claimant's text
    # does not stay on an unclaimed page).
    profile: Profile | None
    # The researcher asked search engines not to index the page.
    noindex: bool
    # The viewer's own pending or approved claim on this record.
    viewer_claim: Claim | None


@dataclass
class ClaimPage:
    author: Author
    standing: AuthorStanding
    # The viewer's own claims on this record, newest first (superseded ones,
    # replaced by a newer claim, left out).
    claims: list[Claim]
    active_claim: Claim | None
    # The ORCID iD the viewer authenticated with ORCID sign-in, if any.
    orcid_account: SocialAccount | None
    orcid_configured: bool
    email_domains: list[str]
    # How long the e-mailed link stays valid.
    link_hours: int


def author_for_page(*, author_id: int) -> Author:
    """The author, its stored figures and its researcher profile (one query).

    404 when unknown. A merged-away author is returned as is: the view
    redirects to the kept record.
    """
    author = (
        Author.objects.select_related("standing", "profile")
        .filter(pk=author_id)
        .first()
    )
    if author is None:
        raise Http404("No such author")
    return author


def author_standing(author: Author) -> AuthorStanding:
    """The stored figures, computed once if the recompute task has not run yet."""
    try:
        return author.standing
    except AuthorStanding.DoesNotExist:
        return author_standings_recompute(author_ids=[author.pk])[0]


def author_profile(author: Author) -> Profile | None:
    """The researcher's Profile row, read by ``author_for_page``'s join."""
    try:
        return author.profile
    except Profile.DoesNotExist:
        return None


def viewer_claim(*, author: Author, user) -> Claim | None:
    """The viewer's pending or approved claim on the author (one query)."""
    if not user.is_authenticated:
        return None
    return Claim.objects.active().filter(author=author, user=user).first()


def profile_page(
    *, author: Author, sort: str, page_number: str | int | None, user
) -> ProfilePage:
    """Everything the profile template shows, in a fixed number of queries.

    Expect 7 queries (9 when signed in), whatever the number of works: the
    author with standing and profile (done by the caller), latest
    affiliation, close collaborators, topics, works count, one page of
    works, their authorships, and for a signed-in viewer their follow and
    their own claim.
    """
    if sort not in WORK_SORTS:
        sort = DEFAULT_SORT
    page = author_works(author=author, sort=sort, page_number=page_number)
    standing = author_standing(author)
    profile = author_profile(author)
    return ProfilePage(
        author=author,
        standing=standing,
        affiliation=latest_affiliation(author=author),
        collaborators=close_collaborators(author=author),
        topics=author_topics(author=author),
        works=page,
        sort=sort,
        sorts={key: label for key, (label, _) in WORK_SORTS.items()},
        is_following=bool(
            user.is_authenticated
            and Follow.objects.filter(user=user, author=author).exists()
        ),
        profile=(
            profile
            if standing.claim_status != AuthorStanding.ClaimStatus.UNCLAIMED
            else None
        ),
        noindex=bool(profile and profile.hide_from_search_engines),
        viewer_claim=viewer_claim(author=author, user=user),
    )


def claim_page(*, author: Author, user) -> ClaimPage:
    """What the claim page shows a signed-in user, in 3 queries.

    The viewer's claims on the record, their ORCID account, and the e-mail
    domains of the record's institutions; the author with standing comes
    from ``author_for_page``.
    """
    claims = list(
        Claim.objects.filter(author=author, user=user).exclude(
            status=Claim.Status.SUPERSEDED
        )
    )
    active = [
        c for c in claims if c.status in (Claim.Status.PENDING, Claim.Status.APPROVED)
    ]
    return ClaimPage(
        author=author,
        standing=author_standing(author),
        claims=claims,
        active_claim=active[0] if active else None,
        orcid_account=SocialAccount.objects.filter(user=user, provider="orcid").first(),
        orcid_configured=orcid_sign_in_configured(),
        email_domains=sorted(author_email_domains(author)),
        link_hours=settings.CLAIM_EMAIL_LINK_HOURS,
    )


def orcid_sign_in_configured() -> bool:
    """True when an ORCID app (client id and secret) is set up in settings."""
    providers = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {})
    return bool(providers.get("orcid", {}).get("APPS"))


def author_works(*, author: Author, sort: str, page_number: str | int | None) -> Page:
    """One page of the author's works in a known sort (2 queries + 1 prefetch)."""
    works = work_rows(
        # DISTINCT: a paper may print two authors that resolve to one record.
        Work.objects.filter(authorships__author=author)
        .distinct()
        .order_by(*WORK_SORTS[sort][1])
    )
    return Paginator(works, WORKS_PER_PAGE).get_page(page_number)


def latest_affiliation(*, author: Author) -> Affiliation | None:
    return (
        Affiliation.objects.filter(author=author)
        .select_related("institution")
        .order_by("-end_year", "-pk")
        .first()
    )


def close_collaborators(
    *, author: Author, limit: int = SIDEBAR_ROWS
) -> list[Collaborator]:
    """Co-authors ranked by the number of works shared with the author."""
    rows = (
        Author.objects.filter(authorships__work__authorships__author=author)
        .exclude(pk=author.pk)
        .annotate(shared=Count("authorships__work", distinct=True))
        .only("display_name")
        .order_by("-shared", "display_name", "pk")[:limit]
    )
    return [Collaborator(author=row, shared_works=row.shared) for row in rows]


def author_topics(*, author: Author, limit: int = SIDEBAR_ROWS) -> list[Topic]:
    """The author's topics, most frequent first, each with ``works`` annotated."""
    return list(
        Topic.objects.filter(works__authorships__author=author)
        .annotate(
            n_works=Count(
                "works", distinct=True, filter=Q(works__authorships__author=author)
            )
        )
        .order_by("-n_works", "code")[:limit]
    )
