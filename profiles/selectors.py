"""Page-shaped reads of the people side: the researcher profile page."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.http import Http404

from profiles.models import AuthorStanding, Follow
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


def author_for_page(*, author_id: int) -> Author:
    """The author and its stored figures (one query); 404 when unknown.

    A merged-away author is returned as is: the view redirects to the kept
    record.
    """
    author = Author.objects.select_related("standing").filter(pk=author_id).first()
    if author is None:
        raise Http404("No such author")
    return author


def author_standing(author: Author) -> AuthorStanding:
    """The stored figures, computed once if the recompute task has not run yet."""
    try:
        return author.standing
    except AuthorStanding.DoesNotExist:
        return author_standings_recompute(author_ids=[author.pk])[0]


def profile_page(
    *, author: Author, sort: str, page_number: str | int | None, user
) -> ProfilePage:
    """Everything the profile template shows, in a fixed number of queries.

    Expect 7 queries (8 when signed in), whatever the number of works: the
    author with standing (done by the caller), latest affiliation, close
    collaborators, topics, works count, one page of works, their
    authorships, and the viewer's follow.
    """
    if sort not in WORK_SORTS:
        sort = DEFAULT_SORT
    page = author_works(author=author, sort=sort, page_number=page_number)
    return ProfilePage(
        author=author,
        standing=author_standing(author),
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
    )


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
