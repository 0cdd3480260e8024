"""The citation network of a work: what cites it and what it cites, page-shaped.

``Citation`` rows come from the sources' reference lists (OpenAlex
referenced works, Crossref deposited references, Semantic Scholar). One pair
of works can be linked by several rows, one per identifier the sources used
(a DOI from Crossref, a W id from OpenAlex), so every list and count here is
over distinct works: a citing work once, a known referenced work once. A
reference to a work BZPEER does not hold yet has no ``cited`` work, only the
identifier the source gave; it is listed with a link to that identifier.

Works merged into another are left out (the merge moves their citations to
the kept work). The paper page's part costs four queries whatever the
number of citations (``citation_network``); the full lists at
``/works/<id>/citations/`` are paginated (``work_citations_page``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404

from publications.models import Authorship, Citation, Work
from publications.shown_names import with_shown_names

# Rows per section on the paper page; the full lists are a link away.
TABLE_ROWS = 20
# Rows per section and page on /works/<id>/citations/.
PAGE_ROWS = 50
# Authors named per row before "et al." (a collaboration paper lists hundreds).
MAX_AUTHORS = 6

SOURCE_NAMES = {
    "openalex": "OpenAlex",
    "crossref": "Crossref",
    "semanticscholar": "Semantic Scholar",
    "s2": "Semantic Scholar",
    "arxiv": "arXiv",
    "orcid": "ORCID",
}

# scheme -> (how the identifier is named, its page; None: no public page)
IDENTIFIER_LINKS = {
    "doi": ("DOI", "https://doi.org/{}"),
    "arxiv": ("arXiv", "https://arxiv.org/abs/{}"),
    "openalex": ("OpenAlex", "https://openalex.org/{}"),
    "s2": ("Semantic Scholar", "https://www.semanticscholar.org/paper/{}"),
    "pmid": ("PubMed", "https://pubmed.ncbi.nlm.nih.gov/{}/"),
    "pmcid": ("PubMed Central", "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/"),
    "mag": ("Microsoft Academic", None),
}
_OPENALEX_WORK = re.compile(r"^W\d+$")

# Most cited first, then most recent: the works a reader most likely wants.
_WORK_ORDER = (
    F("citation_count").desc(nulls_last=True),
    F("published").desc(nulls_last=True),
    "-pk",
)
_WORK_FIELDS = ("title", "year", "published", "citation_count")
_CITED_ORDER = (
    F("cited__citation_count").desc(nulls_last=True),
    F("cited__published").desc(nulls_last=True),
    "-cited_id",
)


@dataclass(frozen=True)
class CitationRow:
    """One work in a citation list, as the table and the picture show it."""

    title: str  # for a reference not in BZPEER: its identifier, "DOI 10.1/x"
    url: str  # the work's page, or the identifier's page ("" when it has none)
    authors: tuple[str, ...]  # in order, at most MAX_AUTHORS
    more_authors: bool  # the work has more authors than listed
    year: int | None
    citation_count: int | None  # the work's own, as its source counts
    in_bzpeer: bool
    source: str  # which source listed the citation: "OpenAlex"
    work_id: int | None = None

    @property
    def authors_text(self) -> str:
        text = ", ".join(self.authors)
        return f"{text} et al." if self.more_authors else text


@dataclass(frozen=True)
class CitationNetwork:
    """A work's citations and references, each list cut to a few rows."""

    work_id: int
    citing: list[CitationRow]  # works that cite this one
    references: list[CitationRow]  # works it cites, those in BZPEER first
    citing_count: int  # works in BZPEER that cite it
    references_count: int  # every reference, in BZPEER or not
    references_in_bzpeer: int
    # The source's own count of citations (OpenAlex counts far more works
    # than BZPEER holds), and the source's name.
    source_count: int | None
    source_name: str

    @property
    def empty(self) -> bool:
        return not self.citing_count and not self.references_count

    @property
    def more_citing(self) -> bool:
        return self.citing_count > len(self.citing)

    @property
    def more_references(self) -> bool:
        return self.references_count > len(self.references)

    @property
    def references_elsewhere(self) -> int:
        return self.references_count - self.references_in_bzpeer

    @property
    def source_note(self) -> str:
        """ "Cited by 120 according to OpenAlex; 14 of them are in BZPEER."

        Only when the source counts more citations than BZPEER holds.
        """
        return _source_note(self.source_count, self.source_name, self.citing_count)


def citing_works(*, work_id: int) -> QuerySet[Work]:
    """Works that cite ``work_id``, most cited and most recent first.

    Each carries ``citation_source``: the source that listed the citation
    (one of them when several did).
    """
    links = Citation.objects.filter(cited_id=work_id)
    return (
        Work.objects.visible()
        .filter(pk__in=links.values("citing_id"))
        .annotate(
            citation_source=Subquery(
                links.filter(citing_id=OuterRef("pk"))
                .order_by("pk")
                .values("source")[:1]
            )
        )
        .only(*_WORK_FIELDS)
        .order_by(*_WORK_ORDER)
    )


def cited_works(*, work_id: int) -> QuerySet[Work]:
    """Works in BZPEER that ``work_id`` cites, most cited and most recent first.

    Each carries ``citation_source`` like ``citing_works``.
    """
    links = Citation.objects.filter(citing_id=work_id)
    return (
        Work.objects.visible()
        .filter(pk__in=links.filter(cited__isnull=False).values("cited_id"))
        .annotate(
            citation_source=Subquery(
                links.filter(cited_id=OuterRef("pk"))
                .order_by("pk")
                .values("source")[:1]
            )
        )
        .only(*_WORK_FIELDS)
        .order_by(*_WORK_ORDER)
    )


def references(*, work_id: int) -> QuerySet[Citation]:
    """Every reference of ``work_id``, one row per work: those BZPEER holds
    first (most cited, then most recent), then the others in the order the
    sources listed them. ``cited`` is selected."""
    rows = Citation.objects.filter(citing_id=work_id)
    # One row per known cited work: its first row.
    first_rows = (
        rows.filter(cited__isnull=False)
        .order_by()
        .values("cited_id")
        .annotate(first=Min("pk"))
        .values("first")
    )
    return (
        rows.filter(
            Q(cited__isnull=True)
            | Q(pk__in=first_rows, cited__merged_into__isnull=True)
        )
        .select_related("cited")
        .only(
            "citing",
            "cited",
            "cited_scheme",
            "cited_value",
            "source",
            *(f"cited__{field}" for field in _WORK_FIELDS),
        )
        .annotate(
            elsewhere=ExpressionWrapper(
                Q(cited__isnull=True), output_field=BooleanField()
            )
        )
        .order_by("elsewhere", *_CITED_ORDER, "pk")
    )


def citation_network(*, work: Work, limit: int = TABLE_ROWS) -> CitationNetwork:
    """The paper page's citation network: counts and the first ``limit``
    works of each list.

    Expect 4 queries, whatever the number of citations: the counts, the
    citing works, the references, the listed works' first authors (skipped
    when no listed work is in BZPEER).
    """
    pk = work.pk
    counts = Citation.objects.filter(Q(cited_id=pk) | Q(citing_id=pk)).aggregate(
        citing=Count(
            "citing_id",
            distinct=True,
            filter=Q(cited_id=pk, citing__merged_into__isnull=True),
        ),
        in_bzpeer=Count(
            "cited_id",
            distinct=True,
            filter=Q(citing_id=pk, cited__merged_into__isnull=True),
        ),
        elsewhere=Count("pk", filter=Q(citing_id=pk, cited__isnull=True)),
    )
    citing = list(citing_works(work_id=work.pk)[:limit])
    cited = list(references(work_id=work.pk)[:limit])
    citing_rows, reference_rows = citation_rows(citing=citing, references=cited)
    source_count, source_name = source_citation_count(work)
    return CitationNetwork(
        work_id=work.pk,
        citing=citing_rows,
        references=reference_rows,
        citing_count=counts["citing"],
        references_count=counts["in_bzpeer"] + counts["elsewhere"],
        references_in_bzpeer=counts["in_bzpeer"],
        source_count=source_count,
        source_name=source_name,
    )


def citation_rows(
    *, citing: Sequence[Work], references: Sequence[Citation]
) -> tuple[list[CitationRow], list[CitationRow]]:
    """Rows for citing works and for reference rows (``cited`` selected),
    with the first authors of every listed work in one query."""
    work_ids = [w.pk for w in citing] + [c.cited_id for c in references if c.cited_id]
    names = _first_authors(work_ids)
    citing_rows = [
        _work_row(work, names, source=getattr(work, "citation_source", ""))
        for work in citing
    ]
    reference_rows = [
        _work_row(c.cited, names, source=c.source) if c.cited_id else _elsewhere_row(c)
        for c in references
    ]
    return citing_rows, reference_rows


def source_citation_count(work: Work) -> tuple[int | None, str]:
    """The work's citation count and the name of the source that gave it."""
    source = (work.field_sources or {}).get("citation_count", "")
    return work.citation_count, source_name(source)


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source)


def identifier_link(scheme: str, value: str) -> tuple[str, str]:
    """("DOI 10.1103/x", "https://doi.org/10.1103/x") for a reference's id;
    the link is "" where the identifier has no public page."""
    label, template = IDENTIFIER_LINKS.get(scheme, (scheme, None))
    if scheme == "openalex" and not _OPENALEX_WORK.match(value):
        template = None
    # A DOI may hold "#", "?" or "%"; keep "/" readable.
    url = template.format(quote(value, safe="/:;()")) if template else ""
    return f"{label} {value}", url


def _source_note(count: int | None, name: str, held: int) -> str:
    if not count or count <= held:
        return ""
    according = f"according to {name}" if name else "according to its source"
    if held == 0:
        in_bzpeer = "none of them is in BZPEER yet"
    elif held == 1:
        in_bzpeer = "1 of them is in BZPEER"
    else:
        in_bzpeer = f"{held} of them are in BZPEER"
    return f"Cited by {count} {according}; {in_bzpeer}."


def _first_authors(work_ids: Iterable[int]) -> dict[int, list[str]]:
    """work id -> names of its first MAX_AUTHORS + 1 authors, in order."""
    names: dict[int, list[str]] = defaultdict(list)
    ids = set(work_ids)
    if not ids:
        return names
    for work_id, name in (
        with_shown_names(
            Authorship.objects.filter(work_id__in=ids, position__lte=MAX_AUTHORS + 1)
        )
        .order_by("work_id", "position")
        .values_list("work_id", "shown_name")
    ):
        names[work_id].append(name)
    return names


def _work_row(work: Work, names: dict[int, list[str]], *, source: str) -> CitationRow:
    authors = names.get(work.pk, [])
    return CitationRow(
        title=work.title,
        url=work.get_absolute_url(),
        authors=tuple(authors[:MAX_AUTHORS]),
        more_authors=len(authors) > MAX_AUTHORS,
        year=work.year,
        citation_count=work.citation_count,
        in_bzpeer=True,
        source=source_name(source),
        work_id=work.pk,
    )


def _elsewhere_row(citation: Citation) -> CitationRow:
    title, url = identifier_link(citation.cited_scheme, citation.cited_value)
    return CitationRow(
        title=title,
        url=url,
        authors=(),
        more_authors=False,
        year=None,
        citation_count=None,
        in_bzpeer=False,
        source=source_name(citation.source),
    )


# --- the full lists: /works/<id>/citations/ --------------------------------------


@dataclass
class WorkCitationsPage:
    work: Work
    citing: Page
    citing_rows: list[CitationRow]
    references: Page
    reference_rows: list[CitationRow]
    source_note: str


def work_citations_page(
    *,
    work_id: int,
    citing_page: int | str | None,
    references_page: int | str | None,
    per_page: int = PAGE_ROWS,
) -> WorkCitationsPage:
    """Every work that cites ``work_id`` and every reference, each list
    paginated on its own.

    Expect 6 queries: the work, then a count and a page of each list, then
    the listed works' first authors.
    """
    work = (
        Work.objects.filter(pk=work_id)
        .only(
            "title",
            "year",
            "merged_into_id",
            "citation_count",
            "field_sources",
        )
        .first()
    )
    if work is None:
        raise Http404("No such work")
    citing = Paginator(citing_works(work_id=work.pk), per_page).get_page(citing_page)
    cited = Paginator(references(work_id=work.pk), per_page).get_page(references_page)
    citing_rows, reference_rows = citation_rows(
        citing=list(citing.object_list), references=list(cited.object_list)
    )
    count, name = source_citation_count(work)
    return WorkCitationsPage(
        work=work,
        citing=citing,
        citing_rows=citing_rows,
        references=cited,
        reference_rows=reference_rows,
        source_note=_source_note(count, name, citing.paginator.count),
    )
