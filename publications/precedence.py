"""Which source wins each field of a work: written down in one place.

When several sources describe one work, each field keeps the value of the
strongest source that gave one, and ``Work.field_sources`` records which
source that was. A source replaces a field's value when it ranks at least
as high as the source that set it (the same source updates its own value);
a weaker source only fills an empty field. A value set by hand ("manual")
is never replaced by any import.

The reasons, field by field:

- **title**: Crossref has the publisher's final title; arXiv the authors'
  own; OpenAlex and Semantic Scholar copy one of the two.
- **abstract**: arXiv's is the authors' full text; Crossref's is often
  missing or trimmed JATS; OpenAlex's is rebuilt from an inverted index.
- **journal metadata** (venue, volume, issue, pages, publisher, type):
  Crossref is the publisher's deposit.
- **published**: the first public appearance, so arXiv's v1 date first.
- **citation counts**: OpenAlex counts most sources and by year; Semantic
  Scholar next; Crossref only counts citations deposited with it.
- **authorships**: the author list as the authors typed it (arXiv), then
  as the publisher deposited it (Crossref); OpenAlex and Semantic Scholar
  lists still lend their person identifiers to the kept list (see
  ``publications.services.ingest``).
"""

from __future__ import annotations

MANUAL = "manual"

# Sources that are one provider: their records replace each other's values.
PROVIDER = {
    "arxiv": "arxiv",
    "arxiv-oai": "arxiv",
    "arxiv-snapshot": "arxiv",
}

_DEFAULT = (MANUAL, "crossref", "arxiv", "openalex", "semanticscholar", "orcid")
_JOURNAL = (MANUAL, "crossref", "openalex", "semanticscholar", "arxiv", "orcid")
_ARXIV_FIRST = (MANUAL, "arxiv", "crossref", "openalex", "semanticscholar", "orcid")
_COUNTS = (MANUAL, "openalex", "semanticscholar", "crossref")

FIELD_PRECEDENCE: dict[str, tuple[str, ...]] = {
    "title": _DEFAULT,
    "abstract": (MANUAL, "arxiv", "openalex", "semanticscholar", "crossref"),
    "work_type": _JOURNAL,
    "venue": _JOURNAL,
    "volume": _JOURNAL,
    "issue": _JOURNAL,
    "pages": _JOURNAL,
    "publisher": _JOURNAL,
    "journal_ref": _ARXIV_FIRST,
    "comments": _ARXIV_FIRST,
    "published": _ARXIV_FIRST,
    "updated": _ARXIV_FIRST,
    "doi": _JOURNAL,
    "arxiv_id": _ARXIV_FIRST,
    "arxiv_version": _ARXIV_FIRST,
    "abs_url": _ARXIV_FIRST,
    "pdf_url": _ARXIV_FIRST,
    "oa_url": (MANUAL, "openalex", "semanticscholar", "crossref", "arxiv"),
    "language": (MANUAL, "crossref", "openalex", "arxiv"),
    "categories": _ARXIV_FIRST,
    "citation_count": _COUNTS,
    "counts_by_year": _COUNTS,
    "authorships": _ARXIV_FIRST,
}


def provider(source: str) -> str:
    return PROVIDER.get(source, source)


def rank(field: str, source: str) -> int:
    """Lower is stronger; a source the field's list does not name ranks last."""
    order = FIELD_PRECEDENCE.get(field, _DEFAULT)
    name = provider(source)
    return order.index(name) if name in order else len(order)


def may_replace(field: str, *, new: str, current: str | None) -> bool:
    """May a value from source ``new`` replace one that ``current`` set?"""
    if current is None:
        return True
    if current == MANUAL:
        return False
    return rank(field, new) <= rank(field, current)
