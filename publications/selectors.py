"""Page-shaped reads of the records: the paper, topic and institution pages,
search and the home page."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404

from publications.arxiv_taxonomy import group_name
from publications.citation_network import CitationNetwork, citation_network
from publications.citations import Citations, work_citations
from publications.models import (
    Affiliation,
    Author,
    Authorship,
    Institution,
    Topic,
    Work,
    WorkTopic,
)
from publications.shown_names import with_shown_names

WORK_ROW_FIELDS = (
    "title",
    "abstract",
    "work_type",
    "year",
    "published",
    "venue",
    "arxiv_id",
)


def work_rows(
    queryset: QuerySet[Work], *, authorship_fields: tuple[str, ...] = ()
) -> QuerySet[Work]:
    """Works with what a work row shows: authors in order, one extra query.

    ``authorship_fields`` loads more of each authorship in that same query
    (the profile's "why is this paper here").
    """
    return queryset.only(*WORK_ROW_FIELDS).prefetch_related(
        Prefetch(
            "authorships",
            queryset=with_shown_names(
                Authorship.objects.select_related("author").only(
                    "work_id",
                    "position",
                    "name",
                    "author__display_name",
                    *authorship_fields,
                )
            ),
        )
    )


@dataclass
class WorkPage:
    work: Work
    authorships: list[Authorship]
    topics: list[WorkTopic]
    citations: Citations
    citation_network: CitationNetwork


def work_merged_into(*, work_id: int) -> Work | None:
    """The work a merged-away work now lives in (following chains), or None."""
    kept = None
    for _ in range(10):
        target = (
            Work.objects.filter(pk=work_id, merged_into__isnull=False)
            .values_list("merged_into", flat=True)
            .first()
        )
        if target is None:
            break
        kept = work_id = target
    return Work.objects.only("pk").get(pk=kept) if kept else None


def work_page(*, work_id: int) -> WorkPage:
    """The paper page: the work, its authors, topics, versions, how to cite
    it and its citation network.

    Expect 8 queries: the work, its authorships with authors, its topics,
    its versions, then the citation network's 4 (counts, citing works,
    references, their authors; 3 when it lists no work in BZPEER: see
    publications.citation_network).
    """
    work = (
        Work.objects.filter(pk=work_id)
        .prefetch_related(
            Prefetch(
                "authorships",
                queryset=with_shown_names(
                    Authorship.objects.select_related("author").order_by("position")
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
    names = [a.shown_name for a in authorships]
    # Rendering CSL styles costs tens of milliseconds; the text only changes
    # when an import rewrites the work, which moves modified_at, or when a
    # researcher hides a name form, which changes the names.
    names_digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    citations = cache.get_or_set(
        f"work-citations:{work.pk}:{work.modified_at.timestamp()}:{names_digest}",
        lambda: work_citations(work=work, author_names=names),
        timeout=60 * 60 * 24,
    )
    return WorkPage(
        work=work,
        authorships=authorships,
        topics=list(work.work_topics.all()),
        citations=citations,
        citation_network=citation_network(work=work),
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

    A name form the researcher hid (a former name) does not find them.

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
                Q(display_name__icontains=query)
                | Q(aliases__name__icontains=query, aliases__hidden=False)
            )
            .distinct()
            .order_by("-works_count", "display_name", "pk")
        )
        works = work_rows(
            Work.objects.visible()
            .filter(
                Q(title__icontains=query) | Q(arxiv_id=query) | Q(doi=query.lower())
            )
            .order_by("-published", "pk")
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
        recent_works=list(work_rows(Work.objects.visible().order_by("-pk"))[:works]),
        researchers=list(
            Author.objects.visible()
            .only("display_name", "works_count", "collaborators_count")
            .order_by("-works_count", "display_name", "pk")[:researchers]
        ),
    )


# The sorts a topic's works list offers: key -> (label, ordering). The keys
# are the profile's (profiles.selectors.WORK_SORTS), so links read the same.
TOPIC_WORK_SORTS = {
    "-year": ("Newest first", (F("published").desc(nulls_last=True), "-pk")),
    "year": ("Oldest first", (F("published").asc(nulls_last=True), "pk")),
    "title": ("Title A-Z", ("title", "pk")),
}
DEFAULT_TOPIC_SORT = "-year"
WORKS_PER_PAGE = 20
TOP_AUTHORS = 20
# An institution's page lists at most this many of its researchers.
INSTITUTION_AUTHORS = 50


@dataclass
class TopicAuthor:
    author: Author
    works: int  # the author's works about the topic


@dataclass
class TopicPage:
    topic: Topic
    # The arXiv group of the category ("Physics" for hep-th); "" for other schemes.
    group: str
    # Broader topics, broadest first (OpenAlex: domain, field, subfield).
    ancestors: list[Topic]
    works: Page
    sort: str
    sorts: dict[str, str]
    authors: list[TopicAuthor]


def topic_page(
    *, scheme: str, code: str, page_number: int | str | None, sort: str
) -> TopicPage:
    """A topic, one page of its works and the authors with most works in it.

    Expect 5 queries: the topic, the works count, one page of works, their
    authorships with authors, the top authors.
    """
    topic = (
        Topic.objects.filter(scheme=scheme, code=code)
        .select_related("parent__parent__parent")
        .first()
    )
    if topic is None:
        raise Http404("No such topic")
    ancestors = []
    parent = topic.parent
    while parent is not None and len(ancestors) < 3:
        ancestors.insert(0, parent)
        parent = parent.parent if len(ancestors) < 3 else None
    if sort not in TOPIC_WORK_SORTS:
        sort = DEFAULT_TOPIC_SORT
    # No DISTINCT needed: a work has a topic once (work_topic_unique).
    works = work_rows(
        Work.objects.visible()
        .filter(work_topics__topic=topic)
        .order_by(*TOPIC_WORK_SORTS[sort][1])
    )
    return TopicPage(
        topic=topic,
        group=group_name(topic.code) if topic.scheme == Topic.Scheme.ARXIV else "",
        ancestors=ancestors,
        works=Paginator(works, WORKS_PER_PAGE).get_page(page_number),
        sort=sort,
        sorts={key: label for key, (label, _) in TOPIC_WORK_SORTS.items()},
        authors=topic_authors(topic=topic),
    )


def topic_authors(*, topic: Topic, limit: int = TOP_AUTHORS) -> list[TopicAuthor]:
    """Authors ranked by their number of works about the topic (one query)."""
    rows = (
        Author.objects.visible()
        # The filter comes before the annotation, so the count runs over the
        # same join: only the author's works about this topic.
        .filter(authorships__work__work_topics__topic=topic)
        .annotate(n_works=Count("authorships__work", distinct=True))
        .only("display_name")
        .order_by("-n_works", "display_name", "pk")[:limit]
    )
    return [TopicAuthor(author=row, works=row.n_works) for row in rows]


@dataclass
class InstitutionAuthor:
    author: Author
    years: str  # "2012-2016", "2016" or "" when unknown


@dataclass
class InstitutionPage:
    institution: Institution
    # The researchers affiliated with it, most recent first.
    authors: list[InstitutionAuthor]
    # More researchers are affiliated than the list shows.
    more_authors: bool
    works: Page


def institution_page(
    *, institution_id: int, page_number: int | str | None
) -> InstitutionPage:
    """An institution, its affiliated researchers and one page of their works.

    The works are those of its affiliated researchers, newest first: the
    raw affiliation strings on authorships are not matched to institutions
    yet, so the affiliation records are what ties a work to the place.

    Expect 5 queries: the institution, its affiliations with authors, the
    works count, one page of works, their authorships with authors.
    """
    institution = Institution.objects.filter(pk=institution_id).first()
    if institution is None:
        raise Http404("No such institution")
    # One row more than shown, to know whether there are more without a count.
    affiliations = list(
        Affiliation.objects.filter(
            institution=institution, author__merged_into__isnull=True
        )
        .select_related("author")
        .only(
            "start_year",
            "end_year",
            "author_id",
            "institution_id",
            "author__display_name",
        )
        .order_by(F("end_year").desc(nulls_last=True), "author__display_name", "pk")[
            : INSTITUTION_AUTHORS + 1
        ]
    )
    works = work_rows(
        # DISTINCT: two affiliated researchers may share a work.
        Work.objects.filter(authorships__author__affiliations__institution=institution)
        .distinct()
        .order_by(F("published").desc(nulls_last=True), "-pk")
    )
    return InstitutionPage(
        institution=institution,
        authors=[
            InstitutionAuthor(author=row.author, years=affiliation_years(row))
            for row in affiliations[:INSTITUTION_AUTHORS]
        ],
        more_authors=len(affiliations) > INSTITUTION_AUTHORS,
        works=Paginator(works, WORKS_PER_PAGE).get_page(page_number),
    )


def affiliation_years(affiliation: Affiliation) -> str:
    start, end = affiliation.start_year, affiliation.end_year
    if start and end and start != end:
        return f"{start}-{end}"
    return str(start or end or "")
