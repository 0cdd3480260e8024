"""Page-shaped reads of the records: the paper page, search and the home page."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from publications.citations import Citations, work_citations
from publications.models import Author, Authorship, Work, WorkTopic

WORK_ROW_FIELDS = (
    "title",
    "abstract",
    "work_type",
    "year",
    "published",
    "venue",
    "arxiv_id",
)


def work_rows(queryset: QuerySet[Work]) -> QuerySet[Work]:
    """Works with what a work row shows: authors in order, one extra query."""
    return queryset.only(*WORK_ROW_FIELDS).prefetch_related(
        Prefetch(
            "authorships",
            queryset=Authorship.objects.select_related("author").only(
                "work_id", "position", "name", "author__display_name"
            ),
        )
    )


@dataclass
class WorkPage:
    work: Work
    authorships: list[Authorship]
    topics: list[WorkTopic]
    citations: Citations


def work_page(*, work_id: int) -> WorkPage:
    """The paper page: the work, its authors, topics, versions and citations.

    Expect 4 queries: the work, its authorships with authors, its topics,
    its versions.
    """
    work = (
        Work.objects.filter(pk=work_id)
        .prefetch_related(
            Prefetch(
                "authorships",
                queryset=Authorship.objects.select_related("author").order_by(
                    "position"
                ),
            ),
            Prefetch(
                "work_topics",
                queryset=WorkTopic.objects.select_related("topic").order_by("position"),
            ),
            "versions",
        )
        .first()
    )
    if work is None:
        raise Http404("No such work")
    authorships = list(work.authorships.all())
    # Rendering CSL styles costs tens of milliseconds; the text only changes
    # when an import rewrites the work, which moves modified_at.
    citations = cache.get_or_set(
        f"work-citations:{work.pk}:{work.modified_at.timestamp()}",
        lambda: work_citations(work=work, author_names=[a.name for a in authorships]),
        timeout=60 * 60 * 24,
    )
    return WorkPage(
        work=work,
        authorships=authorships,
        topics=list(work.work_topics.all()),
        citations=citations,
    )


@dataclass
class SearchResults:
    query: str
    authors: Page
    works: Page


def search(
    *, query: str, page_number: int | str | None, per_page: int = 20
) -> SearchResults:
    """Authors by name or name variant, works by title, each paginated.

    Plain ``icontains`` on both databases for now; full-text and trigram
    search on PostgreSQL can replace the filters without changing callers.
    """
    query = " ".join(query.split())[:200]
    authors = Author.objects.none()
    works = Work.objects.none()
    if query:
        authors = (
            Author.objects.visible()
            .filter(
                Q(display_name__icontains=query) | Q(aliases__name__icontains=query)
            )
            .distinct()
            .order_by("-works_count", "display_name", "pk")
        )
        works = work_rows(
            Work.objects.filter(
                Q(title__icontains=query) | Q(arxiv_id=query) | Q(doi=query.lower())
            ).order_by("-published", "pk")
        )
    return SearchResults(
        query=query,
        authors=Paginator(authors, per_page).get_page(page_number),
        works=Paginator(works, per_page).get_page(page_number),
    )


@dataclass
class HomePage:
    recent_works: list[Work]
    researchers: list[Author]


def home_page(*, works: int = 8, researchers: int = 12) -> HomePage:
    """Recently imported works and the researchers with the most works."""
    return HomePage(
        recent_works=list(
            work_rows(Work.objects.order_by("-created_at", "-pk"))[:works]
        ),
        researchers=list(
            Author.objects.visible()
            .only("display_name", "works_count", "collaborators_count")
            .order_by("-works_count", "display_name", "pk")[:researchers]
        ),
    )
