"""The Semantic Scholar Graph API (api.semanticscholar.org/graph/v1).

``parse`` turns one saved response body into a ``FeedPage`` (pure): a paper
(``/paper/{id}``), an author (``/author/{id}``), a page of citations,
references, an author's papers or an author list (``{"offset", "next",
"data"}``), a bulk search page (``{"total", "token", "data"}``) or a batch
answer (a JSON list). ``parse_citations`` and ``parse_references`` read the
citation pages of a paper whose identity the caller knows. ``fetch_pages``
does the network: papers by id with their citations and references, one
author with their papers, or a bulk search, a page at a time.

Why a thin client over ``PoliteClient`` and not the ``semanticscholar``
package (danielnsilva/semanticscholar): its ``ApiRequester`` opens a new
``httpx.AsyncClient`` for every call (the synchronous API runs that
coroutine on an event loop), so there is no session to give our
User-Agent, interval between calls or timeout policy; its tenacity retry
waits a fixed 30 s on 429 only, ten times, ignoring ``Retry-After``; a
500 or 504 raises at once, a 502 or 503 comes back as an empty result,
and so does a 200 body that holds only ``{"error": ...}``. Its
``PaginatedResults`` fetches the next page while it is being iterated,
appends every item to one growing list and keeps ``offset``/``next``/
``token`` private, so the page boundary -- where our checkpoint must be
saved -- is hidden and a walk cannot be resumed from a saved token or
offset. What we need is a GET, an ``offset``/``next`` or ``token`` loop
and the error body: a few lines here.

Choices a reader may question:

- **Which records a page gives.** A paper object gives its ParsedWork and,
  when it embeds them, one ``complete=False`` record for each paper in its
  ``references`` and ``citations`` (each citing paper's ``references``
  names the paper). A citations page gives the citing papers as
  ``complete=False`` records; only ``parse_citations`` knows the cited
  paper, so plain ``parse`` gives them without that reference. A references
  page gives the cited papers as ``complete=False`` records; with
  ``parse_references`` it also gives, last, a ``complete=False`` record of
  the citing paper holding only its ids, the title if the caller passes it,
  and ``references`` = the cited papers' identifiers (the ingest service
  adds reference rows and never removes them, so one such record a page is
  enough). That record's ``work_type`` is "" so it never overwrites the
  type its full record set. A referenced paper Semantic Scholar could not
  match (``paperId`` null) is no record: it is still a reference when it
  carries a DOI or arXiv id, otherwise it names nothing and is skipped.
- **complete.** A paper object counts as complete only when it carries
  every field of ``PAPER_FIELDS`` (Semantic Scholar returns a requested
  field as null, never drops it): a record fetched with ``fields=title``
  must not clear the abstract or authors a fuller record set. A paper
  fetched without ``title`` has the title "" (a partial record, not an
  error); a title that was asked for and is empty makes a ParseFailure.
- **Reference identifiers.** The strongest id the cited paper has: its DOI,
  else its arXiv id, else ``("s2", paperId)``.
- **Identifiers.** ``paperId`` -> ``("s2", ...)``, ``MAG``, ``PubMed`` ->
  ``pmid`` and ``PubMedCentral`` -> ``pmcid`` written "PMC" + digits (the
  form PubMed Central itself uses; Semantic Scholar gives the bare number).
  A value of the wrong shape (a placeholder such as "...") is dropped,
  not a failure. ``CorpusId``, ``DBLP`` and ``ACL`` have no scheme here.
  An arXiv DOI (10.48550/arXiv.X) gives the arXiv id and no DOI.
- **Types and venue.** Semantic Scholar files arXiv preprints as
  ``JournalArticle`` in the journal "ArXiv" (volume "abs/2404.13957"), so a
  paper whose only venue is arXiv is a "preprint" with no venue or volume.
  Otherwise ``publicationTypes`` map to the model's types, the container
  first: ``JournalArticle`` -> "article", ``Conference`` ->
  "proceedings-article", ``BookSection`` -> "book-chapter", ``Book``,
  ``Dataset``, then ``Review``/``MetaAnalysis`` -> "review"; none of these
  -> "preprint" when the paper has an arXiv id, else "other". Editorials,
  letters, news and the like are "other": the Work model has no such type.
  The venue is ``journal.name``, else the ``venue`` string, else
  ``publicationVenue.name``. A paper object without ``publicationTypes``
  (fetched with fewer fields) has the type "", which the ingest service
  never writes over a known type.
- **Dates.** ``publicationDate`` when given; else ``year`` stands for
  1 January of that year. A date that is not a calendar date makes the
  record a ParseFailure.
- **Text.** Titles and abstracts are plain text as Semantic Scholar gives
  them, though some come from publishers with HTML tags or entities; those
  are read with the stdlib ``html.parser`` (tolerant of unclosed tags,
  resolves entities, no new dependency), only when the string holds
  something that looks like a tag or an entity. arXiv TeX in abstracts is
  left as it is: the arXiv record, which wins the abstract, gives it
  converted.
- **Authors.** In the paper's order; an entry without a name is skipped.
  Author objects (``/author/{id}``, author lists, batches) give a
  ParsedAuthor: ``("s2", authorId)``, a checksummed ORCID, and DBLP person
  names as ``("dblp", name)`` (the scheme AuthorIdentifier has; base.py has
  no constant for it) and, without their homonym number ("Abhijit Banerjee
  0001"), as alternative names.
- **Errors.** ``{"error": ...}`` or ``{"message": ...}`` bodies (400 bad
  fields, 403 Forbidden, 404 "Paper with id 0 not found") raise SourceError
  with that message. In ``fetch_pages`` a paper id Semantic Scholar does not
  know (404) is a ParseFailure on its page and the run goes on with the next
  id; any other 4xx ends the run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from publications.names import collapse_spaces, display_name

from .arxiv import valid_arxiv_id
from .base import (
    ARXIV,
    DOI,
    MAG,
    ORCID,
    PMCID,
    PMID,
    S2,
    FeedPage,
    Identifier,
    JsonApi,
    ParsedAffiliation,
    ParsedAuthor,
    ParsedAuthorship,
    ParsedInstitution,
    ParsedWork,
    ParseFailure,
    PoliteClient,
    SourceError,
    arxiv_id_from_doi,
    normalise_doi,
    normalise_orcid,
    parsed_fields_hash,
)
from .json_fields import int_field

SOURCE = "semanticscholar"
# The person-id scheme of DBLP (AuthorIdentifier.Scheme.DBLP); not in base.
DBLP = "dblp"
# The most items a citations, references or author-papers page may ask for.
MAX_LIMIT = 1000
# The parts of a paper walk, in order; "paper" is the paper itself.
_PHASES = ("paper", "citations", "references")

# What fetch_pages asks for; a paper object carrying all of them is complete.
PAPER_FIELDS = (
    "paperId",
    "externalIds",
    "url",
    "title",
    "abstract",
    "venue",
    "publicationVenue",
    "year",
    "publicationDate",
    "journal",
    "publicationTypes",
    "citationCount",
    "openAccessPdf",
    "authors",
)
# "aliases" is not asked for: Semantic Scholar deprecated it. It is read
# when a saved body has it.
AUTHOR_FIELDS = (
    "authorId",
    "externalIds",
    "url",
    "name",
    "affiliations",
    "paperCount",
    "citationCount",
    "hIndex",
)

# Container types first: a "JournalArticle" that is also a "Review" is an
# article.
_WORK_TYPES = (
    ("JournalArticle", "article"),
    ("Conference", "proceedings-article"),
    ("BookSection", "book-chapter"),
    ("Book", "book"),
    ("Dataset", "dataset"),
    ("Review", "review"),
    ("MetaAnalysis", "review"),
)
_DIGITS = re.compile(r"^\d+$")
_PMCID = re.compile(r"^(?:PMC)?(\d+)$", re.IGNORECASE)
_DBLP_HOMONYM = re.compile(r"\s+\d{4}$")
_MARKUP = re.compile(r"<[A-Za-z/!]|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
_BLOCK_TAGS = frozenset({"p", "br", "div", "sec", "li", "title"})


# --- parsing ------------------------------------------------------------------


def parse(data: bytes) -> FeedPage:
    """One Graph API response body to a FeedPage.

    An offset page's checkpoint is ``{"next": n}`` (``None`` on the last
    page), a bulk search page's ``{"token": t}`` (``""`` on the last page);
    a single paper, author or batch has none. ``total_results`` is the
    body's ``total`` when it has one. A citations page read here gives the
    citing papers without the reference to the cited paper (see
    ``parse_citations``).
    """
    return _parse_body(_load(data))


def parse_citations(data: bytes, cited: Identifier) -> FeedPage:
    """A citations page of the paper known as ``cited`` (e.g. ("doi", ...)).

    Each citing paper is a ``complete=False`` record whose ``references``
    is ``(cited,)``.
    """
    scheme, value = cited
    if not (scheme and value):
        raise ValueError(f"the cited paper needs an identifier, not {cited!r}")
    return _parse_body(_load(data), cited=(scheme, value))


def parse_references(
    data: bytes,
    citing_paper_id: str,
    *,
    title: str = "",
    doi: str = "",
    arxiv_id: str = "",
) -> FeedPage:
    """A references page of the paper ``citing_paper_id`` (its S2 paperId).

    Gives the cited papers (``complete=False``) followed by one
    ``complete=False`` record of the citing paper: its ids (the S2 id, and
    ``doi``/``arxiv_id`` when passed), ``title`` when passed, and
    ``references`` = the cited papers' identifiers on this page.
    """
    citing_paper_id = citing_paper_id.strip().lower()
    if not citing_paper_id:
        raise ValueError("the citing paper needs its Semantic Scholar paperId")
    body = _load(data)
    page = _parse_body(body)
    # An empty page comes without "data" ({"total": 0, "offset": 0}).
    items = body.get("data", []) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise SourceError("Semantic Scholar references page has no list of data")
    keys: list[Identifier] = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("citedPaper"), dict):
            key = strongest_identifier(item["citedPaper"])
            if key and key not in keys:
                keys.append(key)
    doi = normalise_doi(doi)
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": citing_paper_id,
        "title": _plain(title),
        "title_raw": title,
        "work_type": "",
        "arxiv_id": valid_arxiv_id(arxiv_id) or valid_arxiv_id(arxiv_id_from_doi(doi)),
        "doi": "" if arxiv_id_from_doi(doi) else doi,
        "identifiers": ((S2, citing_paper_id),),
        "references": tuple(keys),
        "complete": False,
    }
    page.records.append(ParsedWork(payload_hash=parsed_fields_hash(fields), **fields))
    return page


def parse_batch(data: bytes, ids: Sequence[str] = ()) -> FeedPage:
    """A ``/paper/batch`` or ``/author/batch`` answer, with the ids asked for.

    The answer lists one entry per id asked, ``null`` for an id Semantic
    Scholar does not know: that entry becomes a ParseFailure "unknown id"
    carrying the id (``ids[i]``) when the caller passes them.
    """
    body = _load(data)
    if not isinstance(body, list):
        raise SourceError("Semantic Scholar batch answer is not a JSON list")
    if ids and len(ids) != len(body):
        raise SourceError(
            f"Semantic Scholar batch answer has {len(body)} entries for {len(ids)} ids"
        )
    return _batch(body, list(ids))


def _parse_body(body: Any, *, cited: Identifier | None = None) -> FeedPage:
    if isinstance(body, list):
        return _batch(body, [])
    if not isinstance(body, dict):
        raise SourceError("Semantic Scholar response is not a JSON object or list")
    if "paperId" in body:
        return FeedPage(records=paper_records(body), total_results=1)
    if "authorId" in body:
        return FeedPage(records=author_records(body), total_results=1)
    if "data" in body or "total" in body:
        return _listing(body, cited=cited)
    if isinstance(body.get("recommendedPapers"), list):
        # The Recommendations API: a list of papers, no paging.
        papers = body["recommendedPapers"]
        return FeedPage(
            records=[parse_paper(paper) for paper in papers],
            total_results=len(papers),
            items_per_page=len(papers),
        )
    if "error" in body or "message" in body:
        raise SourceError(f"Semantic Scholar error: {error_message(body)}")
    raise SourceError(
        "not a Semantic Scholar response: keys " + ", ".join(sorted(body)[:10])
    )


def _listing(body: dict[str, Any], *, cited: Identifier | None) -> FeedPage:
    items = body.get("data", [])
    if not isinstance(items, list):
        raise SourceError("Semantic Scholar page has no list of data")
    page = FeedPage(
        total_results=int_field(body.get("total")),
        start_index=int_field(body.get("offset")) or 0,
        items_per_page=len(items),
    )
    for index, item in enumerate(items):
        page.records.extend(_listing_item(item, index, cited=cited))
    if "offset" in body or "next" in body:
        page.checkpoint = {"next": int_field(body.get("next"))}
    else:
        # Bulk search: the token asks for the next batch; none on the last.
        token = body.get("token")
        page.checkpoint = {"token": token if isinstance(token, str) else ""}
    return page


def _listing_item(
    item: Any, index: int, *, cited: Identifier | None
) -> list[ParsedWork | ParsedAuthor | ParseFailure]:
    if not isinstance(item, dict):
        return [_API.parse_failure(f"item {index} is not a JSON object", "", item)]
    if "citingPaper" in item:
        citing = item["citingPaper"]
        if isinstance(citing, dict) and citing.get("paperId") is None:
            return []
        references = (cited,) if cited else ()
        return [parse_paper(citing, complete=False, references=references)]
    if "citedPaper" in item:
        cited_paper = item["citedPaper"]
        if isinstance(cited_paper, dict) and cited_paper.get("paperId") is None:
            return []
        return [parse_paper(cited_paper, complete=False)]
    if "paperId" in item:
        return [parse_paper(item)]
    if "authorId" in item:
        return [parse_author(item)]
    return [
        _API.parse_failure(f"item {index} is neither a paper nor an author", "", item)
    ]


def _batch(body: list[Any], ids: list[str]) -> FeedPage:
    page = FeedPage(total_results=len(body), items_per_page=len(body))
    for index, item in enumerate(body):
        asked = ids[index] if ids else ""
        if item is None:
            where = asked or f"entry {index + 1} of {len(body)}"
            page.records.append(
                ParseFailure(
                    source=SOURCE,
                    error=f"unknown id: Semantic Scholar has nothing for {where}",
                    external_id=asked,
                    payload="null",
                )
            )
        elif isinstance(item, dict) and "paperId" in item:
            page.records.append(parse_paper(item))
        elif isinstance(item, dict) and "authorId" in item:
            page.records.append(parse_author(item))
        else:
            page.records.append(
                _API.parse_failure(
                    f"entry {index + 1} is neither a paper nor an author", "", item
                )
            )
    return page


def paper_records(
    paper: dict[str, Any],
) -> list[ParsedWork | ParsedAuthor | ParseFailure]:
    """A paper object: its record, then those of the papers it embeds."""
    record = parse_paper(paper)
    records: list[ParsedWork | ParsedAuthor | ParseFailure] = [record]
    references = paper.get("references")
    if isinstance(references, list):
        records.extend(
            parse_paper(cited, complete=False)
            for cited in references
            if not (isinstance(cited, dict) and cited.get("paperId") is None)
        )
    citations = paper.get("citations")
    if isinstance(citations, list):
        key = strongest_identifier(paper)
        records.extend(
            parse_paper(citing, complete=False, references=(key,) if key else ())
            for citing in citations
            if not (isinstance(citing, dict) and citing.get("paperId") is None)
        )
    return records


def parse_paper(
    paper: Any,
    *,
    complete: bool = True,
    references: tuple[Identifier, ...] = (),
) -> ParsedWork | ParseFailure:
    """One paper object to a ParsedWork, or a ParseFailure carrying its JSON.

    ``complete=False`` for a paper seen in passing (a citing or cited
    paper); a paper missing any of ``PAPER_FIELDS`` is incomplete anyway.
    ``references`` are added before the ones the paper embeds.
    """
    external_id = ""
    if isinstance(paper, dict) and isinstance(paper.get("paperId"), str):
        external_id = paper["paperId"].strip().lower()
    try:
        if not isinstance(paper, dict):
            raise ValueError("paper is not a JSON object")
        if not external_id:
            raise ValueError(f"paper has no paperId ({paper.get('paperId')!r})")
        complete = complete and all(key in paper for key in PAPER_FIELDS)
        return _parse_paper(paper, external_id, complete, references)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # TypeError/KeyError/AttributeError: a field of the wrong shape (a
        # title that is a number, an author that is a string).
        return _API.parse_failure(
            f"{external_id or 'paper'}: {exc}", external_id, paper
        )


def _parse_paper(
    paper: dict[str, Any],
    external_id: str,
    complete: bool,
    references: tuple[Identifier, ...],
) -> ParsedWork:
    title_raw = _string(paper.get("title"))
    title = _plain(title_raw)
    if not title and "title" in paper:
        # Asked for and empty. A paper fetched without ``title`` in its
        # fields (only citationCount, say) is a partial record, not an error.
        raise ValueError("paper has no title")
    abstract_raw = _string(paper.get("abstract"))
    external_ids = _dict(paper.get("externalIds"))
    doi = normalise_doi(_string(external_ids.get("DOI")))
    arxiv_id = valid_arxiv_id(_string(external_ids.get("ArXiv"))) or valid_arxiv_id(
        arxiv_id_from_doi(doi)
    )
    journal = _dict(paper.get("journal"))
    if _is_arxiv(_string(journal.get("name"))):
        # The arXiv posting: its "volume" is "abs/<id>", no journal volume.
        journal = {}
    venue = _venue(paper, journal)
    open_access = _dict(paper.get("openAccessPdf"))
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": external_id,
        "title": title,
        "title_raw": title_raw,
        "abstract": _paragraphs(abstract_raw),
        "abstract_raw": abstract_raw,
        # Not asked for, not known: "" never overwrites a type (see above).
        "work_type": (
            work_type(paper["publicationTypes"], venue, arxiv_id)
            if "publicationTypes" in paper
            else ""
        ),
        "published": published_date(paper),
        "arxiv_id": arxiv_id,
        # An arXiv DOI names the preprint: it is the arXiv id, not a DOI.
        "doi": "" if arxiv_id_from_doi(doi) else doi,
        "abs_url": _string(paper.get("url")).strip(),
        "authorships": authorships(paper.get("authors")),
        "identifiers": paper_identifiers(external_id, external_ids),
        "venue": venue,
        "volume": collapse_spaces(_string(journal.get("volume"))),
        "pages": collapse_spaces(_string(journal.get("pages"))),
        "oa_url": _string(open_access.get("url")).strip(),
        "citation_count": int_field(paper.get("citationCount")),
        "references": _merge(references, _embedded_references(paper)),
        "complete": complete,
    }
    return ParsedWork(payload_hash=parsed_fields_hash(fields), **fields)


def paper_identifiers(
    paper_id: str, external_ids: dict[str, Any]
) -> tuple[Identifier, ...]:
    """``("s2", paperId)`` and the MAG, PubMed and PubMed Central ids."""
    found: list[Identifier] = [(S2, paper_id)]
    mag = _id_string(external_ids.get("MAG"))
    if _DIGITS.match(mag):
        found.append((MAG, mag))
    pmid = _id_string(external_ids.get("PubMed"))
    if _DIGITS.match(pmid):
        found.append((PMID, pmid))
    pmcid = _PMCID.match(_id_string(external_ids.get("PubMedCentral")))
    if pmcid:
        found.append((PMCID, f"PMC{pmcid.group(1)}"))
    return tuple(found)


def strongest_identifier(paper: dict[str, Any]) -> Identifier | None:
    """The id a reference to this paper is recorded by: DOI, arXiv, then S2."""
    external_ids = _dict(paper.get("externalIds"))
    doi = normalise_doi(_string(external_ids.get("DOI")))
    if doi and not arxiv_id_from_doi(doi):
        return (DOI, doi)
    arxiv_id = valid_arxiv_id(_string(external_ids.get("ArXiv"))) or valid_arxiv_id(
        arxiv_id_from_doi(doi)
    )
    if arxiv_id:
        return (ARXIV, arxiv_id)
    paper_id = paper.get("paperId")
    if isinstance(paper_id, str) and paper_id.strip():
        return (S2, paper_id.strip().lower())
    return None


def _embedded_references(paper: dict[str, Any]) -> tuple[Identifier, ...]:
    cited = paper.get("references")
    if not isinstance(cited, list):
        return ()
    keys = (strongest_identifier(c) for c in cited if isinstance(c, dict))
    return tuple(k for k in keys if k)


def _merge(*groups: tuple[Identifier, ...]) -> tuple[Identifier, ...]:
    return tuple(dict.fromkeys(key for group in groups for key in group))


def work_type(value: Any, venue: str, arxiv_id: str) -> str:
    """The model's type for ``publicationTypes`` (see the module docstring)."""
    if arxiv_id and not venue:
        return "preprint"
    types = {
        t.replace(" ", "") for t in (value if isinstance(value, list) else ()) if t
    }
    for name, kind in _WORK_TYPES:
        if name in types:
            return kind
    return "preprint" if arxiv_id else "other"


def _venue(paper: dict[str, Any], journal: dict[str, Any]) -> str:
    """The first venue that is not arXiv: journal name, venue, publicationVenue."""
    candidates = (
        journal.get("name"),
        paper.get("venue"),
        _dict(paper.get("publicationVenue")).get("name"),
    )
    for candidate in candidates:
        name = collapse_spaces(_string(candidate))
        if name and not _is_arxiv(name):
            return name
    return ""


def _is_arxiv(name: str) -> bool:
    """'ArXiv', 'arXiv.org': the repository, not a venue."""
    return name.strip().lower().startswith("arxiv")


def published_date(paper: dict[str, Any]) -> date | None:
    """``publicationDate`` ("YYYY-MM-DD"), else 1 January of ``year``."""
    value = paper.get("publicationDate")
    if value is not None:
        if not isinstance(value, str):
            raise ValueError(f"publicationDate is not a string: {value!r}")
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"publicationDate {value!r} is not a date") from exc
    year = paper.get("year")
    if year is None:
        return None
    if not isinstance(year, int) or isinstance(year, bool):
        raise ValueError(f"year is not a number: {year!r}")
    try:
        return date(year, 1, 1)
    except ValueError as exc:
        raise ValueError(f"year {year} is not a year") from exc


def authorships(value: Any) -> tuple[ParsedAuthorship, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"authors is not a list: {value!r}"[:200])
    found: list[ParsedAuthorship] = []
    for entry in value:
        if not isinstance(entry, dict):
            raise ValueError(f"author is not an object: {entry!r}"[:200])
        raw_name = _string(entry.get("name")).strip()
        if not raw_name:
            continue
        found.append(
            ParsedAuthorship(
                position=len(found) + 1,
                raw_name=raw_name,
                name=display_name(raw_name),
                raw_affiliations=_affiliation_names(entry.get("affiliations")),
                identifiers=_person_ids(entry),
            )
        )
    return tuple(found)


def _person_ids(entry: dict[str, Any]) -> tuple[Identifier, ...]:
    found: list[Identifier] = []
    author_id = _id_string(entry.get("authorId"))
    if author_id:
        found.append((S2, author_id))
    external_ids = _dict(entry.get("externalIds"))
    for value in _as_list(external_ids.get("ORCID")):
        orcid = normalise_orcid(_string(value))
        if orcid:
            found.append((ORCID, orcid))
    for value in _as_list(external_ids.get("DBLP")):
        name = collapse_spaces(_string(value))
        if name:
            found.append((DBLP, name))
    return tuple(dict.fromkeys(found))


def _affiliation_names(value: Any) -> tuple[str, ...]:
    names = (collapse_spaces(_string(a)) for a in _as_list(value))
    return tuple(dict.fromkeys(n for n in names if n))


def author_records(
    author: dict[str, Any],
) -> list[ParsedWork | ParsedAuthor | ParseFailure]:
    """An author object: the person, then the papers it embeds."""
    records: list[ParsedWork | ParsedAuthor | ParseFailure] = [parse_author(author)]
    papers = author.get("papers")
    if isinstance(papers, list):
        records.extend(parse_paper(paper) for paper in papers)
    return records


def parse_author(author: Any) -> ParsedAuthor | ParseFailure:
    """One author object to a ParsedAuthor, or a ParseFailure with its JSON."""
    external_id = ""
    if isinstance(author, dict):
        external_id = _id_string(author.get("authorId"))
    try:
        if not isinstance(author, dict):
            raise ValueError("author is not a JSON object")
        if not external_id:
            raise ValueError(f"author has no authorId ({author.get('authorId')!r})")
        return _parse_author(author, external_id)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return _API.parse_failure(
            f"author {external_id or '?'}: {exc}", external_id, author
        )


def _parse_author(author: dict[str, Any], external_id: str) -> ParsedAuthor:
    name = collapse_spaces(_string(author.get("name")))
    identifiers = _person_ids(author)
    dblp_names = [value for scheme, value in identifiers if scheme == DBLP]
    alternatives = [
        collapse_spaces(_string(alias)) for alias in _as_list(author.get("aliases"))
    ] + [_DBLP_HOMONYM.sub("", value) for value in dblp_names]
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": external_id,
        "name": name,
        "identifiers": identifiers,
        "alternative_names": tuple(
            dict.fromkeys(a for a in alternatives if a and a != name)
        ),
        "affiliations": tuple(
            ParsedAffiliation(institution=ParsedInstitution(name=affiliation))
            for affiliation in _affiliation_names(author.get("affiliations"))
        ),
        "works_count": int_field(author.get("paperCount")),
        "cited_by_count": int_field(author.get("citationCount")),
        "h_index": int_field(author.get("hIndex")),
    }
    return ParsedAuthor(payload_hash=parsed_fields_hash(fields), **fields)


# --- text ---------------------------------------------------------------------


class _TextReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.rsplit(":", 1)[-1] in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        self.handle_starttag(tag, [])


def _markup_to_text(value: str) -> str:
    if not _MARKUP.search(value):
        return value
    reader = _TextReader()
    reader.feed(value)
    reader.close()
    return "".join(reader.parts)


def _plain(value: str) -> str:
    return collapse_spaces(_markup_to_text(value))


def _paragraphs(value: str) -> str:
    paragraphs = re.split(r"\n\s*\n", _markup_to_text(value))
    return "\n\n".join(collapse_spaces(p) for p in paragraphs if p.strip())


# --- small readers ------------------------------------------------------------


def _string(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {value!r}"[:200])
    return value


def _id_string(value: Any) -> str:
    """An id Semantic Scholar may give as a string or a number."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# --- errors -------------------------------------------------------------------


def _load(data: bytes) -> Any:
    body = _API.load(data)
    if (
        isinstance(body, dict)
        and ("error" in body or "message" in body)
        and not {"paperId", "authorId", "data"} & body.keys()
    ):
        raise SourceError(f"Semantic Scholar error: {error_message(body)}")
    return body


def error_message(body: Any) -> str:
    """Semantic Scholar's own words: ``{"error": ...}`` or ``{"message": ...}``."""
    if isinstance(body, dict):
        for key in ("error", "message"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return collapse_spaces(json.dumps(body, ensure_ascii=False))[:200]


_API = JsonApi(
    source=SOURCE,
    name="Semantic Scholar",
    parse=parse,
    error_message=error_message,
)


# --- fetching -----------------------------------------------------------------


def fetch_pages(
    *,
    paper_ids: Sequence[str] = (),
    with_citations: bool = True,
    with_references: bool = True,
    author_id: str = "",
    query: str = "",
    limit: int = 100,
    max_results: int | None = None,
    checkpoint: dict[str, Any] | None = None,
    client: PoliteClient | None = None,
) -> Iterator[FeedPage]:
    """Fetch from the live Graph API, a page at a time. One of three walks:

    - ``paper_ids``: each id as the API takes it (an S2 paperId,
      "DOI:10.1093/mind/lix.236.433", "ARXIV:2106.15928", "CorpusId:...",
      "PMID:...") is fetched at ``/paper/{id}``; then, unless switched off,
      its ``/citations`` (``with_citations``) and ``/references``
      (``with_references``) pages, ``limit`` items a page, following
      ``next`` until it is absent, at most ``max_results`` items of each
      for each paper. Citing papers reference the paper by its strongest id
      (``parse_citations``); each references page also gives the paper's own
      ``complete=False`` record listing them (``parse_references``). A
      paper id the API does not know (404) is a ParseFailure and the walk
      goes on with the next id.
    - ``author_id``: the author (``/author/{id}``), then their papers
      (``/author/{id}/papers``), ``limit`` a page, at most ``max_results``.
    - ``query``: ``/paper/search/bulk`` (Semantic Scholar's boolean query
      syntax), up to 1,000 papers a page, following its ``token``, at most
      ``max_results`` papers (the last page is cut to that).

    Every page's checkpoint says where the next page starts: for papers
    ``{"paper_index", "phase", "offset"}`` (phase "paper", "citations" or
    "references", plus the paper's ids while in its citations or
    references), for an author ``{"phase", "offset"}``, for a query
    ``{"token", "fetched"}``. The last page's checkpoint is ``{"done":
    True}``, so a resumed finished walk fetches nothing. ``checkpoint``
    continues a walk after the page that gave it.

    Calls carry ``x-api-key`` when SEMANTIC_SCHOLAR_API_KEY is set. A 4xx
    other than an unknown paper raises SourceError with the API's message;
    429 and 5xx are retried by PoliteClient.
    """
    paper_ids = [str(paper_id).strip() for paper_id in paper_ids]
    modes = [bool(paper_ids), bool(author_id.strip()), bool(query.strip())]
    if sum(modes) != 1:
        raise ValueError("give Semantic Scholar paper ids, an author id or a query")
    if any(not paper_id for paper_id in paper_ids):
        raise ValueError("an empty Semantic Scholar paper id")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(
            f"Semantic Scholar serves 1 to {MAX_LIMIT} a page, not {limit}"
        )
    if max_results is not None and max_results < 1:
        raise ValueError(f"max_results must be at least 1, not {max_results}")
    checkpoint = dict(checkpoint or {})
    if checkpoint.get("done"):
        return
    client = client or PoliteClient(min_interval=settings.SEMANTIC_SCHOLAR_MIN_INTERVAL)
    api = _GraphClient(client)
    if paper_ids:
        yield from _walk_papers(
            api,
            paper_ids,
            phases=tuple(
                phase
                for phase, wanted in (
                    ("citations", with_citations),
                    ("references", with_references),
                )
                if wanted
            ),
            limit=limit,
            max_results=max_results,
            state=checkpoint,
        )
    elif author_id.strip():
        yield from _walk_author(
            api,
            author_id.strip(),
            limit=limit,
            max_results=max_results,
            state=checkpoint,
        )
    else:
        yield from _walk_search(
            api, query.strip(), max_results=max_results, state=checkpoint
        )


class _GraphClient:
    """GETs against the Graph API with the key header, errors turned to text."""

    def __init__(self, client: PoliteClient) -> None:
        self.client = client

    def get(self, path: str, params: dict[str, str | int]) -> requests.Response:
        key = settings.SEMANTIC_SCHOLAR_API_KEY
        return self.client.get(
            f"{settings.SEMANTIC_SCHOLAR_API_URL}{path}",
            params,
            headers={"x-api-key": key} if key else None,
        )

    def body(self, path: str, params: dict[str, str | int], what: str) -> bytes:
        response = self.get(path, params)
        _API.raise_for_status(response, what)
        return response.content


def _walk_papers(
    api: _GraphClient,
    paper_ids: list[str],
    *,
    phases: tuple[str, ...],
    limit: int,
    max_results: int | None,
    state: dict[str, Any],
) -> Iterator[FeedPage]:
    state = {
        "paper_index": int(state.get("paper_index", 0)),
        "phase": state.get("phase", "paper"),
        "offset": int(state.get("offset", 0)),
        "paper": dict(state.get("paper") or {}),
    }
    if state["phase"] not in _PHASES:
        raise ValueError(f"unknown phase in checkpoint: {state['phase']!r}")
    if state["phase"] != "paper" and not state["paper"].get("paper_id"):
        raise ValueError(f"checkpoint in phase {state['phase']!r} names no paper")
    while not state.get("done") and state["paper_index"] < len(paper_ids):
        index, phase, offset = state["paper_index"], state["phase"], state["offset"]
        paper: dict[str, Any] = state.get("paper", {})
        if phase != "paper" and (
            phase not in phases or (max_results is not None and offset >= max_results)
        ):
            # Resumed with other switches or a smaller max_results: this
            # part of the walk is not wanted; nothing to fetch.
            state = _next_state(index, phase, None, paper, phases, len(paper_ids))
            continue
        if phase == "paper":
            page, paper = _fetch_paper(api, paper_ids[index])
            next_offset = None
        else:
            page, next_offset = _fetch_edges(
                api, phase, paper, offset, limit=limit, max_results=max_results
            )
        state = _next_state(index, phase, next_offset, paper, phases, len(paper_ids))
        page.checkpoint = state
        yield page


def _next_state(
    index: int,
    phase: str,
    next_offset: int | None,
    paper: dict[str, Any],
    phases: tuple[str, ...],
    count: int,
) -> dict[str, Any]:
    """Where the walk stands after a page of ``phase`` of paper ``index``."""
    if next_offset is not None:
        return _paper_state(index, phase, next_offset, paper)
    if paper:
        for later in _PHASES[_PHASES.index(phase) + 1 :]:
            if later in phases:
                return _paper_state(index, later, 0, paper)
    if index + 1 < count:
        return _paper_state(index + 1, "paper", 0, {})
    return {"done": True}


def _paper_state(
    index: int, phase: str, offset: int, paper: dict[str, Any]
) -> dict[str, Any]:
    state: dict[str, Any] = {"paper_index": index, "phase": phase, "offset": offset}
    if phase != "paper":
        state["paper"] = dict(paper)
    return state


def _fetch_paper(api: _GraphClient, paper_id: str) -> tuple[FeedPage, dict[str, Any]]:
    """The paper's page, and its ids for the citation walk ({} if unknown)."""
    response = api.get(
        f"/paper/{quote(paper_id, safe='/:')}", {"fields": ",".join(PAPER_FIELDS)}
    )
    page = _API.lookup_page(
        response,
        external_id=paper_id,
        missing=f"paper {paper_id}",
        what=f"paper {paper_id}",
    )
    record = page.records[0] if page.records else None
    if not isinstance(record, ParsedWork):
        # Unknown (404), or the paper did not parse: its failure is on the
        # page; its citations cannot be attributed to it, so they are not
        # walked.
        return page, {}
    # Its strongest id (as strongest_identifier picks it) is what the
    # citing papers reference.
    if record.doi:
        cited = [DOI, record.doi]
    elif record.arxiv_id:
        cited = [ARXIV, record.arxiv_id]
    else:
        cited = [S2, record.external_id]
    return page, {
        "paper_id": record.external_id,
        "doi": record.doi,
        "arxiv_id": record.arxiv_id,
        "cited": cited,
    }


def _fetch_edges(
    api: _GraphClient,
    phase: str,
    paper: dict[str, Any],
    offset: int,
    *,
    limit: int,
    max_results: int | None,
) -> tuple[FeedPage, int | None]:
    """One citations or references page; and the next offset, if any."""
    if max_results is not None:
        limit = min(limit, max_results - offset)
    paper_id = paper["paper_id"]
    body = api.body(
        f"/paper/{paper_id}/{phase}",
        {"fields": ",".join(PAPER_FIELDS), "offset": offset, "limit": limit},
        f"the {phase} of {paper_id} at offset {offset}",
    )
    if phase == "citations":
        scheme, value = paper["cited"]
        page = parse_citations(body, (scheme, value))
    else:
        page = parse_references(
            body, paper_id, doi=paper.get("doi", ""), arxiv_id=paper.get("arxiv_id", "")
        )
    next_offset = (page.checkpoint or {}).get("next")
    if next_offset is not None and (
        next_offset <= offset
        or (max_results is not None and next_offset >= max_results)
    ):
        next_offset = None
    return page, next_offset


def _walk_author(
    api: _GraphClient,
    author_id: str,
    *,
    limit: int,
    max_results: int | None,
    state: dict[str, Any],
) -> Iterator[FeedPage]:
    path = f"/author/{quote(author_id, safe='')}"
    if state.get("phase", "author") == "author":
        body = api.body(
            path, {"fields": ",".join(AUTHOR_FIELDS)}, f"author {author_id}"
        )
        page = parse(body)
        page.checkpoint = {"phase": "papers", "offset": 0}
        yield page
        offset = 0
    else:
        offset = int(state.get("offset", 0))
    while max_results is None or offset < max_results:
        size = limit if max_results is None else min(limit, max_results - offset)
        body = api.body(
            f"{path}/papers",
            {"fields": ",".join(PAPER_FIELDS), "offset": offset, "limit": size},
            f"the papers of author {author_id} at offset {offset}",
        )
        page = parse(body)
        next_offset = (page.checkpoint or {}).get("next")
        if (
            next_offset is None
            or next_offset <= offset
            or (max_results is not None and next_offset >= max_results)
        ):
            page.checkpoint = {"done": True}
            yield page
            return
        page.checkpoint = {"phase": "papers", "offset": next_offset}
        yield page
        offset = next_offset


def _walk_search(
    api: _GraphClient, query: str, *, max_results: int | None, state: dict[str, Any]
) -> Iterator[FeedPage]:
    token = state.get("token", "")
    fetched = int(state.get("fetched", 0))
    while max_results is None or fetched < max_results:
        params: dict[str, str | int] = {
            "query": query,
            "fields": ",".join(PAPER_FIELDS),
        }
        if token:
            params["token"] = token
        page = parse(api.body("/paper/search/bulk", params, f"the search {query!r}"))
        page.start_index = fetched
        if max_results is not None:
            del page.records[max_results - fetched :]
        fetched += len(page.records)
        token = (page.checkpoint or {}).get("token", "")
        if not token or (max_results is not None and fetched >= max_results):
            page.checkpoint = {"done": True, "fetched": fetched}
            yield page
            return
        page.checkpoint = {"token": token, "fetched": fetched}
        yield page
