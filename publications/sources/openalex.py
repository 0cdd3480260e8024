"""OpenAlex (api.openalex.org): fetch works and authors, parse their JSON.

``parse`` turns one saved response body -- a list page (``{"meta": ...,
"results": [...]}``) or a single entity (``/works/W...``,
``/authors/A...``) -- into a ``FeedPage`` (pure). The kind of each entity
is read from its id: ``W`` works become ``ParsedWork``, ``A`` authors
``ParsedAuthor``, ``I`` institutions ``ParsedInstitutionRecord``; every
other kind (sources, topics, funders) is not imported as records.
``fetch_pages`` does the network: a cursor walk
over a filter and/or search, or one page per id looked up.

Why a thin client over ``PoliteClient`` and not pyalex: pyalex
(``pyalex/api.py``) builds a fresh ``requests`` session for every call and
retries through urllib3's ``Retry``, configured by its module-global
``config`` (``max_retries`` 0 by default, ``retry_backoff_factor``,
``retry_http_codes`` 429/500/503): that honours any ``Retry-After``
unbounded, keeps no interval between calls and sets no timeout, so our
per-source interval, timeout and bounded ``Retry-After`` cannot be put in
without replacing its session factory. Its ``paginate()`` iterator hands
back each page's results only and keeps ``next_cursor`` to itself
(``Paginator._next_value``), hiding the page boundary where our checkpoint
is saved. The protocol needs a GET, ``cursor=*`` then ``meta.next_cursor``
until it is null, and an error body: a few lines here, the cursor walk
being ``base.JsonApi.cursor_walk``.

Choices a reader may question:

- **Abstracts.** OpenAlex ships ``abstract_inverted_index`` (word ->
  positions). Words are put back by position (ties by word, so the text
  does not depend on key order), joined by spaces: that string is
  ``abstract_raw``. Some abstracts carry JATS or HTML (``<sec>``,
  ``<title>BACKGROUND</title>``, ``<br>``, ``&amp;``): ``abstract`` is the
  text with block tags as paragraph breaks. A leading "Abstract" label
  (OpenAlex keeps it from publisher pages: "Abstract The test is ...") is
  dropped when a capitalised word follows it.
- **Markup.** Titles may hold inline HTML (``<i>b</i><sup>2</sup>``).
  ``markup.read_markup`` reads it, as it reads Crossref's (the stdlib
  ``html.parser``: see there why), with OpenAlex's own, shorter list of
  block elements; a literal "<4" in an abstract stays text.
- **Dates.** ``published`` is ``publication_date``; without one, 1 January
  of ``publication_year``. A date that is not a calendar date makes the
  record a ParseFailure.
- **Types.** ``preprint``, Crossref's ``posted-content``, and an
  ``article`` whose primary location is a repository (arXiv, SSRN, an
  institutional archive) -> "preprint"; an ``article`` that Crossref calls
  ``proceedings-article`` or that a conference hosts ->
  "proceedings-article"; other ``article`` -> "article"; every other type
  as OpenAlex gives it ("book-chapter", "review", "dissertation", ...), or
  "other".
- **arXiv.** From the work's DOI when it is an arXiv DOI (``doi`` then
  stays empty, as everywhere), else ``ids.arxiv``, else the first location
  whose landing page or PDF is ``arxiv.org/abs|pdf/<id>`` or an arXiv DOI
  link. The DOI is the work's ``doi`` field (``ids.doi`` may name another
  version, a Zenodo deposit say).
- **Authors.** Kept in OpenAlex's order; ``position`` counts from 1, as in
  every other source, so records of one work line up position by
  position. ``raw_name`` is ``raw_author_name`` (the name as printed),
  else the author's ``display_name``; ``name`` is that name tidied, and
  turned round when it is written "Family, Given" (DataCite and arXiv
  records give "Raza, Shaina": pages show "Shaina Raza").
  OpenAlex's placeholder for an author it could not resolve (id
  ``A9999999999``, "NULL AUTHOR_ID", no raw name) names no one and is
  skipped; the positions of the others do not move.
- **Identifiers.** PubMed ids as digits, PMC ids as "PMC123", MAG ids as
  digits; ``references`` are ``referenced_works`` as ("openalex", "W...").
  Lists whose order OpenAlex does not mean (identifiers, references,
  alternative names) are sorted.
- **Topics.** A work's ``topics`` in OpenAlex's order (best score first),
  each with its subfield -> field -> domain as parents, codes being the id
  path after ``openalex.org/`` ("T10078", "subfields/1702", "fields/17",
  "domains/3"). An author's topics count works, not a score: their
  ``score`` is None.
- **Deleted authors.** OpenAlex keeps a "Deleted Author" tombstone for a
  merged-away id; it is listed in the page's ``deleted``, not imported.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from datetime import date
from functools import partial
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from publications.names import collapse_spaces, display_name

from .arxiv import valid_arxiv_id
from .base import (
    MAG,
    OPENALEX,
    ORCID,
    PMCID,
    PMID,
    FeedPage,
    Identifier,
    JsonApi,
    ParsedAffiliation,
    ParsedAuthor,
    ParsedAuthorship,
    ParsedInstitution,
    ParsedInstitutionRecord,
    ParsedTopic,
    ParsedWork,
    ParseFailure,
    PoliteClient,
    SourceError,
    arxiv_id_from_doi,
    failure_page,
    normalise_doi,
    normalise_orcid,
    normalise_ror,
    pages_by_id,
    parsed_fields_hash,
)
from .json_fields import dict_field, list_field, text_field
from .markup import markup_to_line, read_markup, tidy_text

logger = logging.getLogger(__name__)

SOURCE = "openalex"
MAX_PER_PAGE = 200
ENTITIES = ("works", "authors", "institutions")
# OpenAlex's author for an authorship it could not resolve.
PLACEHOLDER_AUTHOR = "A9999999999"
DELETED_AUTHOR = "Deleted Author"
ERROR_KEPT = 500

_OPENALEX_URL = re.compile(r"^https?://(?:api\.)?openalex\.org/", re.IGNORECASE)
_ENTITY_ID = re.compile(r"^([WAISTCFP])\d+$", re.IGNORECASE)
_ARXIV_URL = re.compile(
    r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(.+?)(?:\.pdf)?/?$",
    re.IGNORECASE,
)
_LANGUAGE = re.compile(r"^([a-z]{2})(?:[-_][A-Za-z0-9]+)*$")
_DIGITS = re.compile(r"(\d+)/?$")
_LEADING_LABEL = re.compile(r"^Abstract[:.]?\s+(?=[A-Z])")
_TYPE = re.compile(r"^[a-z][a-z-]{0,19}$")
_INVERTED_NAME = re.compile(r"^([^,]+),([^,]+)$")
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_PREFIXED_ID = re.compile(r"^(doi|orcid|pmid|pmcid|mag|ror|issn):", re.IGNORECASE)

# Elements that end a paragraph: JATS and HTML local names.
_BLOCK = frozenset(
    {"p", "sec", "title", "list", "list-item", "div", "br", "ul", "ol", "li", "h1"}
    | {"h2", "h3", "h4", "h5", "h6", "blockquote", "table", "tr", "caption"}
)


# --- parsing ------------------------------------------------------------------


def parse(data: bytes) -> FeedPage:
    """One OpenAlex response body (a list page or one entity) to a FeedPage.

    ``total_results`` is ``meta.count`` (1 for a single entity). A cursor
    page's checkpoint is ``{"cursor": next_cursor}``, ``{"cursor": ""}``
    once OpenAlex says there is no next page (``next_cursor`` null, or an
    empty page); a page read without a cursor, or one entity, has none.
    """
    body = _body(data)
    if "results" not in body:
        if "id" not in body:
            raise SourceError(
                "OpenAlex response is neither a list of results nor an entity "
                f"(keys: {', '.join(sorted(body)[:8])})"
            )
        page = FeedPage(total_results=1, items_per_page=1)
        _add_entity(page, body)
        return page
    results = body["results"]
    if not isinstance(results, list):
        raise SourceError("OpenAlex response has a 'results' that is not a list")
    meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
    page = FeedPage(total_results=_int(meta.get("count")), items_per_page=len(results))
    for entity in results:
        _add_entity(page, entity)
    page_number, per_page = _int(meta.get("page")), _int(meta.get("per_page"))
    if page_number and per_page:
        page.start_index = (page_number - 1) * per_page
    if "next_cursor" in meta:
        next_cursor = meta.get("next_cursor")
        page.checkpoint = {
            "cursor": next_cursor if isinstance(next_cursor, str) and results else ""
        }
    return page


def _add_entity(page: FeedPage, entity: Any) -> None:
    key = _key(entity.get("id")) if isinstance(entity, dict) else ""
    if (
        key.startswith("A")
        and isinstance(entity, dict)
        and entity.get("display_name") == DELETED_AUTHOR
        and not entity.get("works_count")
    ):
        page.deleted.append(key)
        return
    page.records.append(parse_entity(entity))


def parse_entity(
    entity: Any,
) -> ParsedWork | ParsedAuthor | ParsedInstitutionRecord | ParseFailure:
    """One OpenAlex entity, its kind read from its id (W work, A author, I institution)."""
    key = _key(entity.get("id")) if isinstance(entity, dict) else ""
    if key.startswith("W"):
        return parse_work(entity)
    if key.startswith("A"):
        return parse_author(entity)
    if key.startswith("I"):
        return parse_institution_record(entity)
    raw_id = entity.get("id") if isinstance(entity, dict) else None
    path = _topic_code(raw_id) if isinstance(raw_id, str) else ""
    if path:
        error = f"{path}: OpenAlex entities of this kind are not imported"
    else:
        error = "entity has no OpenAlex id"
    return _API.parse_failure(error, key, entity)


def parse_work(entity: Any) -> ParsedWork | ParseFailure:
    """One OpenAlex work to a ParsedWork, or a ParseFailure carrying its JSON."""
    key = _key(entity.get("id")) if isinstance(entity, dict) else ""
    try:
        if not isinstance(entity, dict):
            raise ValueError("work is not a JSON object")
        if not key.startswith("W"):
            raise ValueError(f"not a work id: {entity.get('id')!r}")
        return _parse_work(entity, key)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # TypeError/KeyError/AttributeError: a field of the wrong shape (a
        # title that is a number, an authorship that is a string).
        return _API.parse_failure(f"{key or 'work'}: {exc}", key, entity)


def _parse_work(entity: dict[str, Any], key: str) -> ParsedWork:
    title_raw = _string(entity.get("display_name")) or _string(entity.get("title"))
    title = markup_to_text(title_raw)
    if not title:
        raise ValueError("record has no title")
    abstract_raw = abstract_from_inverted_index(entity.get("abstract_inverted_index"))
    ids = _dict(entity.get("ids"))
    doi = normalise_doi(_string(entity.get("doi"))) or normalise_doi(
        _string(ids.get("doi"))
    )
    primary = _dict(entity.get("primary_location"))
    source = _dict(primary.get("source"))
    host_venue = _dict(entity.get("host_venue"))  # the pre-2023 schema
    biblio = _dict(entity.get("biblio"))
    arxiv_id = arxiv_id_from_work(entity, doi)
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": key,
        "title": title,
        "title_raw": title_raw,
        "abstract": abstract_text(abstract_raw),
        "abstract_raw": abstract_raw,
        "work_type": work_type(entity),
        "published": published_date(entity),
        "arxiv_id": arxiv_id,
        # An arXiv DOI names the preprint: it is the arXiv id, not a DOI.
        "doi": "" if arxiv_id_from_doi(doi) else doi,
        "abs_url": _string(primary.get("landing_page_url")).strip(),
        "pdf_url": _pdf_url(entity),
        "authorships": authorships(entity.get("authorships")),
        "identifiers": work_identifiers(key, ids),
        "venue": _plain(source.get("display_name"))
        or _plain(host_venue.get("display_name")),
        "volume": _plain(biblio.get("volume")),
        "issue": _plain(biblio.get("issue")),
        "pages": pages(biblio),
        "publisher": _plain(source.get("host_organization_name"))
        or _plain(host_venue.get("publisher")),
        "language": language(entity.get("language")),
        "oa_url": _oa_url(entity),
        "citation_count": _int(entity.get("cited_by_count")),
        "counts_by_year": counts_by_year(entity.get("counts_by_year")),
        "references": references(entity.get("referenced_works")),
        "topics": topics(entity.get("topics"), scored=True),
    }
    return ParsedWork(payload_hash=parsed_fields_hash(fields), **fields)


def abstract_from_inverted_index(value: Any) -> str:
    """The abstract's words put back in order: {"A": [0], "b": [1]} -> "A b"."""
    if value is None:
        return ""
    if not isinstance(value, dict):
        raise TypeError(f"abstract_inverted_index is not an object: {value!r:.80}")
    placed: list[tuple[int, str]] = []
    for word, positions in value.items():
        if not isinstance(positions, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in positions
        ):
            raise ValueError(f"abstract word {word!r} has positions {positions!r:.80}")
        placed.extend((position, word) for position in positions)
    placed.sort()
    return " ".join(word for _, word in placed)


def abstract_text(value: str) -> str:
    """The rebuilt abstract as text, paragraphs separated by a blank line."""
    paragraphs = [text for _, text in read_markup(value, block=_BLOCK)] if value else []
    if paragraphs:
        paragraphs[0] = _LEADING_LABEL.sub("", paragraphs[0])
    return "\n\n".join(p for p in paragraphs if p.casefold() != "abstract")


def work_type(entity: dict[str, Any]) -> str:
    """OpenAlex's type in BZPEER's words; see the module docstring."""
    value = _string(entity.get("type")).strip().lower()
    crossref_type = _string(entity.get("type_crossref")).strip().lower()
    host_type = _string(
        _dict(_dict(entity.get("primary_location")).get("source")).get("type")
    ).lower()
    if value == "preprint" or crossref_type == "posted-content":
        return "preprint"
    if value == "article":
        if host_type == "repository":
            return "preprint"
        if crossref_type == "proceedings-article" or host_type == "conference":
            return "proceedings-article"
        return "article"
    return value if _TYPE.match(value) else "other"


def published_date(entity: dict[str, Any]) -> date | None:
    """``publication_date``, else 1 January of ``publication_year``."""
    value = _string(entity.get("publication_date")).strip()
    if value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError as exc:
            raise ValueError(f"publication_date {value!r} is not a date") from exc
    year = _int(entity.get("publication_year"))
    if year is None:
        return None
    if not 1 <= year <= 9999:
        raise ValueError(f"publication_year {year} is not a year")
    return date(year, 1, 1)


def arxiv_id_from_work(entity: dict[str, Any], doi: str) -> str:
    """The work's arXiv id: its DOI, ``ids.arxiv``, or an arXiv location."""
    if found := valid_arxiv_id(arxiv_id_from_doi(doi)):
        return found
    if found := valid_arxiv_id(_string(_dict(entity.get("ids")).get("arxiv"))):
        return found
    locations = [entity.get("primary_location"), *_list(entity.get("locations"))]
    for location in locations:
        location = _dict(location)
        for url in (location.get("landing_page_url"), location.get("pdf_url")):
            if found := arxiv_id_from_url(_string(url)):
                return found
    return ""


def arxiv_id_from_url(url: str) -> str:
    """'http://arxiv.org/pdf/1310.4546.pdf' or an arXiv DOI link -> '1310.4546'."""
    url = url.strip()
    if match := _ARXIV_URL.match(url):
        return valid_arxiv_id(match.group(1))
    return valid_arxiv_id(arxiv_id_from_doi(normalise_doi(url)))


def work_identifiers(key: str, ids: dict[str, Any]) -> tuple[Identifier, ...]:
    """("openalex", "W..."), ("mag", ...), ("pmid", ...), ("pmcid", "PMC...")."""
    found: set[Identifier] = {(OPENALEX, key)}
    mag = _plain(ids.get("mag"))
    if mag.isdigit():
        found.add((MAG, mag))
    if pmid := _trailing_digits(_string(ids.get("pmid"))):
        found.add((PMID, pmid))
    if pmcid := _trailing_digits(_string(ids.get("pmcid"))):
        found.add((PMCID, f"PMC{pmcid}"))
    return tuple(sorted(found))


def _trailing_digits(value: str) -> str:
    """'https://pubmed.ncbi.nlm.nih.gov/29456894' -> '29456894'; 'PMC58' -> '58'."""
    match = _DIGITS.search(value.strip())
    return match.group(1) if match else ""


def pages(biblio: dict[str, Any]) -> str:
    first, last = _plain(biblio.get("first_page")), _plain(biblio.get("last_page"))
    if first and last and first != last:
        return f"{first}-{last}"
    return first or last


def language(value: Any) -> str:
    """An ISO 639-1 code ("en", from "en" or "en-US"), else ""."""
    match = _LANGUAGE.match(_string(value).strip().lower())
    return match.group(1) if match else ""


def _pdf_url(entity: dict[str, Any]) -> str:
    for name in ("primary_location", "best_oa_location"):
        if url := _string(_dict(entity.get(name)).get("pdf_url")).strip():
            return url
    return ""


def _oa_url(entity: dict[str, Any]) -> str:
    best = _dict(entity.get("best_oa_location"))
    for url in (best.get("pdf_url"), best.get("landing_page_url")):
        if url := _string(url).strip():
            return url
    return _string(_dict(entity.get("open_access")).get("oa_url")).strip()


def counts_by_year(value: Any) -> tuple[tuple[int, int], ...]:
    """((year, citations that year), ...), ascending by year."""
    counts: dict[int, int] = {}
    for entry in _list(value):
        entry = _dict(entry)
        year, count = _int(entry.get("year")), _int(entry.get("cited_by_count"))
        if year is not None and count is not None:
            counts[year] = count
    return tuple(sorted(counts.items()))


def references(value: Any) -> tuple[Identifier, ...]:
    keys = {_key(_string(item)) for item in _list(value)}
    return tuple(
        (OPENALEX, key)
        for key in sorted(keys, key=lambda k: (len(k), k))
        if key.startswith("W")
    )


def topics(value: Any, *, scored: bool) -> tuple[ParsedTopic, ...]:
    """Topics in OpenAlex's order, each with subfield -> field -> domain."""
    result: list[ParsedTopic] = []
    for entry in _list(value):
        entry = _dict(entry)
        code = _topic_code(entry.get("id"))
        if not code:
            continue
        parent = None
        for level in ("domain", "field", "subfield"):
            node = _dict(entry.get(level))
            if node_code := _topic_code(node.get("id")):
                parent = ParsedTopic(
                    scheme=OPENALEX,
                    code=node_code,
                    name=_plain(node.get("display_name")),
                    parent=parent,
                )
        score = entry.get("score") if scored else None
        result.append(
            ParsedTopic(
                scheme=OPENALEX,
                code=code,
                name=_plain(entry.get("display_name")),
                score=float(score) if isinstance(score, int | float) else None,
                parent=parent,
            )
        )
    return tuple(result)


def _topic_code(value: Any) -> str:
    """'https://openalex.org/subfields/1702' -> 'subfields/1702'."""
    return _OPENALEX_URL.sub("", _string(value).strip())


# --- authorships --------------------------------------------------------------


def authorships(value: Any) -> tuple[ParsedAuthorship, ...]:
    """The work's authors in order.

    OpenAlex sometimes lists a whole author list twice (W7104728135 names
    "Abhijit Thakuria, Dipen Deka, Abhijit Thakuria, Dipen Deka", each time
    with the same author ids): an author id seen before at this work is
    the same authorship again and is skipped.
    """
    result = []
    seen: set[str] = set()
    for position, entry in enumerate(_list(value), start=1):
        if not isinstance(entry, dict):
            raise TypeError(f"authorship {position} is not an object")
        author = _dict(entry.get("author"))
        author_key = _key(author.get("id"))
        if author_key.startswith("A") and author_key != PLACEHOLDER_AUTHOR:
            if author_key in seen:
                continue
            seen.add(author_key)
        raw_name = _plain(entry.get("raw_author_name"))
        if not raw_name and author_key != PLACEHOLDER_AUTHOR:
            raw_name = _plain(author.get("display_name"))
        if not raw_name:
            continue  # see the module docstring: no one to attribute
        identifiers: set[Identifier] = set()
        if author_key.startswith("A") and author_key != PLACEHOLDER_AUTHOR:
            identifiers.add((OPENALEX, author_key))
        if orcid := normalise_orcid(_string(author.get("orcid"))):
            identifiers.add((ORCID, orcid))
        result.append(
            ParsedAuthorship(
                position=position,
                raw_name=raw_name,
                name=printed_name(raw_name),
                raw_affiliations=_raw_affiliations(entry),
                identifiers=tuple(sorted(identifiers)),
                institutions=_unique(
                    parse_institution(i) for i in _list(entry.get("institutions"))
                ),
            )
        )
    return tuple(result)


def printed_name(raw_name: str) -> str:
    """The name as pages show it: 'Raza, Shaina' -> 'Shaina Raza'."""
    match = _INVERTED_NAME.match(raw_name)
    if match and match.group(2).strip().casefold() not in _SUFFIXES:
        raw_name = f"{match.group(2).strip()} {match.group(1).strip()}"
    return display_name(raw_name)


def _raw_affiliations(entry: dict[str, Any]) -> tuple[str, ...]:
    strings = _list(entry.get("raw_affiliation_strings"))
    if not strings:  # the 2024 schema also lists them under ``affiliations``
        strings = [
            _dict(a).get("raw_affiliation_string")
            for a in _list(entry.get("affiliations"))
        ]
    return tuple(dict.fromkeys(s for s in (_plain(s) for s in strings) if s))


def parse_institution_record(entity: Any) -> ParsedInstitutionRecord | ParseFailure:
    """An OpenAlex institution entity to a record of its own.

    The homepage is kept for display only: it never becomes one of the
    institution's e-mail domains, which prove institutional claims and are
    set by staff (``manage.py institution_domains``).
    """
    key = _key(entity.get("id"))
    institution = parse_institution(entity)
    if not institution.name:
        return _API.parse_failure(f"{key}: institution has no name", key, entity)
    fields = {
        "source": SOURCE,
        "external_id": key,
        "institution": institution,
        "alternative_names": tuple(
            sorted(
                {
                    _plain(n)
                    for n in [
                        *_list(entity.get("display_name_alternatives")),
                        *_list(entity.get("display_name_acronyms")),
                    ]
                    if _plain(n)
                }
            )
        ),
        "homepage": _string(entity.get("homepage_url")),
        "works_count": _int(entity.get("works_count")),
        "cited_by_count": _int(entity.get("cited_by_count")),
    }
    return ParsedInstitutionRecord(payload_hash=parsed_fields_hash(fields), **fields)


def parse_institution(entity: Any) -> ParsedInstitution:
    """An OpenAlex institution (entity or dehydrated) to a ParsedInstitution."""
    entity = _dict(entity)
    key = _key(entity.get("id"))
    return ParsedInstitution(
        name=_plain(entity.get("display_name")),
        ror_id=normalise_ror(_string(entity.get("ror"))),
        openalex_id=key if key.startswith("I") else "",
        country_code=_plain(entity.get("country_code")).upper(),
    )


def _unique(
    institutions: Iterable[ParsedInstitution],
) -> tuple[ParsedInstitution, ...]:
    return tuple(
        dict.fromkeys(i for i in institutions if i.name or i.ror_id or i.openalex_id)
    )


# --- authors ------------------------------------------------------------------


def parse_author(entity: Any) -> ParsedAuthor | ParseFailure:
    """One OpenAlex author to a ParsedAuthor, or a ParseFailure with its JSON."""
    key = _key(entity.get("id")) if isinstance(entity, dict) else ""
    try:
        if not isinstance(entity, dict):
            raise ValueError("author is not a JSON object")
        if not key.startswith("A"):
            raise ValueError(f"not an author id: {entity.get('id')!r}")
        return _parse_author(entity, key)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return _API.parse_failure(f"{key or 'author'}: {exc}", key, entity)


def _parse_author(entity: dict[str, Any], key: str) -> ParsedAuthor:
    name = _plain(entity.get("display_name"))
    if not name:
        raise ValueError("author has no name")
    ids = _dict(entity.get("ids"))
    identifiers: set[Identifier] = {(OPENALEX, key)}
    orcid = normalise_orcid(_string(entity.get("orcid"))) or normalise_orcid(
        _string(ids.get("orcid"))
    )
    if orcid:
        identifiers.add((ORCID, orcid))
    alternatives = {_plain(n) for n in _list(entity.get("display_name_alternatives"))}
    stats = _dict(entity.get("summary_stats"))
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": key,
        "name": display_name(name),
        "identifiers": tuple(sorted(identifiers)),
        "alternative_names": tuple(sorted(n for n in alternatives if n)),
        "affiliations": author_affiliations(entity),
        "topics": topics(entity.get("topics"), scored=False),
        "works_count": _int(entity.get("works_count")),
        "cited_by_count": _int(entity.get("cited_by_count")),
        "h_index": _int(stats.get("h_index")),
        "i10_index": _int(stats.get("i10_index")),
    }
    return ParsedAuthor(payload_hash=parsed_fields_hash(fields), **fields)


def author_affiliations(entity: dict[str, Any]) -> tuple[ParsedAffiliation, ...]:
    """``affiliations`` with their years; else the last known institution(s)."""
    result = []
    for entry in _list(entity.get("affiliations")):
        entry = _dict(entry)
        institution = parse_institution(entry.get("institution"))
        if not (institution.name or institution.ror_id or institution.openalex_id):
            continue
        years = [y for y in (_int(v) for v in _list(entry.get("years"))) if y]
        result.append(
            ParsedAffiliation(
                institution=institution,
                start_year=min(years) if years else None,
                end_year=max(years) if years else None,
            )
        )
    if result:
        return tuple(result)
    last_known = _list(entity.get("last_known_institutions")) or [
        entity.get("last_known_institution")  # the pre-2024 schema
    ]
    return tuple(
        ParsedAffiliation(institution=institution)
        for institution in _unique(
            parse_institution(i) for i in last_known if isinstance(i, dict)
        )
    )


# --- markup -------------------------------------------------------------------


def markup_to_text(value: str) -> str:
    """A title's text on one line: tags dropped, entities resolved."""
    return markup_to_line(value, block=_BLOCK)


# --- small readers ------------------------------------------------------------


def _body(data: bytes) -> dict[str, Any]:
    """The JSON object of a response, else SourceError (an error body too)."""
    body = _API.load(data)
    if not isinstance(body, dict):
        raise SourceError("OpenAlex response is not a JSON object")
    if "error" in body and "results" not in body and "id" not in body:
        raise SourceError(f"OpenAlex error: {error_message(body)}")
    return body


def error_message(body: Any) -> str:
    """OpenAlex's own words from an error body: "error: message" (shortened)."""
    if not isinstance(body, dict):
        return repr(body)[:ERROR_KEPT]
    parts = [
        collapse_spaces(value)
        for value in (body.get("error"), body.get("message"))
        if isinstance(value, str) and value.strip()
    ]
    text = ": ".join(parts) or "error"
    return text if len(text) <= ERROR_KEPT else text[: ERROR_KEPT - 3] + "..."


_API = JsonApi(source=SOURCE, name="OpenAlex", parse=parse, error_message=error_message)


def _key(value: Any) -> str:
    """'https://openalex.org/W123' -> 'W123'; '' for anything else."""
    if not isinstance(value, str):
        return ""
    key = _OPENALEX_URL.sub("", value.strip())
    match = _ENTITY_ID.match(key)
    return match.group(0).upper() if match else ""


# OpenAlex values can be large (an inverted abstract): a malformed one is
# quoted by its first 80 characters.
_string = partial(text_field, shown=80)
_dict = partial(dict_field, shown=80)
_list = partial(list_field, shown=80)


def _plain(value: Any) -> str:
    """A short field as one tidy line; numbers (a volume of 6) as text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return tidy_text(_string(value))


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


# --- fetching -----------------------------------------------------------------


def author_works_filter(openalex_author_id: str) -> str:
    """The filter for an author's works: 'A5023888391' -> 'author.id:A5023888391'."""
    return f"author.id:{_required_key(openalex_author_id, 'A')}"


def cites_filter(work_id: str) -> str:
    """The filter for the works that cite a work: 'cites:W2741809807'."""
    return f"cites:{_required_key(work_id, 'W')}"


def cited_by_filter(work_id: str) -> str:
    """The filter for the works a work cites: 'cited_by:W2741809807'."""
    return f"cited_by:{_required_key(work_id, 'W')}"


def _required_key(value: str, kind: str) -> str:
    key = _key(value)
    if not key.startswith(kind):
        raise ValueError(f"{value!r} is not an OpenAlex {kind} id")
    return key


def entity_path(entity: str, identifier: str) -> str:
    """The API path of one entity: 'W123', a DOI, an ORCID, an arXiv id ...

    OpenAlex looks works up by its id or by ``doi:``/``pmid:``/``pmcid:``/
    ``mag:``, authors by id or ``orcid:``. An arXiv id is looked up by the
    DOI arXiv minted for it (10.48550/arXiv.<id>), which OpenAlex indexes.
    """
    value = identifier.strip()
    if key := _key(value):
        return f"{entity}/{key}"
    if _PREFIXED_ID.match(value):
        scheme, _, rest = value.partition(":")
        return f"{entity}/{scheme.lower()}:{quote(rest.strip(), safe='/')}"
    if entity == "authors" and (orcid := normalise_orcid(value)):
        return f"{entity}/orcid:{orcid}"
    if entity == "works":
        if doi := normalise_doi(value):
            return f"{entity}/doi:{quote(doi, safe='/')}"
        if arxiv_id := valid_arxiv_id(value):
            return f"{entity}/doi:10.48550/arxiv.{arxiv_id.lower()}"
    raise ValueError(f"{identifier!r} is not an OpenAlex {entity} identifier")


def fetch_pages(
    *,
    entity: str = "works",
    filter: str = "",  # OpenAlex's own parameter name
    search: str = "",
    ids: Iterable[str] = (),
    per_page: int = MAX_PER_PAGE,
    max_results: int | None = None,
    checkpoint: dict[str, Any] | None = None,
    client: PoliteClient | None = None,
) -> Iterator[FeedPage]:
    """Fetch works or authors from the live API, page by page.

    ``entity`` is "works" or "authors". Either ``ids`` -- each looked up
    alone (``/works/W...``, a DOI, ``pmid:...``, an arXiv id; ``/authors/
    A...`` or an ORCID), one page per id, checkpoint ``{"index": i + 1}``;
    an id OpenAlex does not know (404), or a string that is no identifier,
    is a ParseFailure on its page and the run goes on -- or ``filter``
    (OpenAlex's ``name:value,...`` syntax, e.g. ``author_works_filter(...)``,
    ``cites_filter(...)``, ``from_updated_date:2024-01-01``) and/or
    ``search`` (full text), walked with a cursor, ``per_page`` entities a
    page (at most 200), up to ``max_results``. A cursor page's checkpoint
    is ``{"cursor": next_cursor, "fetched": entities so far}``; the walk
    ends when ``next_cursor`` is null or a page is empty, and that page's
    checkpoint has an empty cursor, so resuming a finished walk fetches
    nothing.

    Every call carries ``mailto`` (OpenAlex's polite pool), as does the
    User-Agent that ``PoliteClient`` sends, and ``api_key`` when
    ``OPENALEX_API_KEY`` is set. Other 4xx answers raise SourceError with
    OpenAlex's message.
    """
    if entity not in ENTITIES:
        raise ValueError(f"OpenAlex entity must be one of {ENTITIES}, not {entity!r}")
    ids = list(ids)
    if ids and (filter or search):
        raise ValueError("OpenAlex looks up ids or walks a filter/search, not both")
    if not ids and not (filter or search):
        raise ValueError("give ids, a filter or a search: OpenAlex holds 250M works")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(
            f"OpenAlex serves 1 to {MAX_PER_PAGE} results a page, not {per_page}"
        )
    client = client or PoliteClient(min_interval=settings.OPENALEX_MIN_INTERVAL)
    checkpoint = checkpoint or {}
    if ids:
        yield from pages_by_id(
            ids,
            lambda identifier: _fetch_one(entity, identifier, client),
            checkpoint=checkpoint,
        )
        return

    def fetch(cursor: str, page_size: int) -> requests.Response:
        params = _params(
            filter=filter, search=search, per_page=page_size, cursor=cursor
        )
        return client.get(f"{settings.OPENALEX_API_URL}/{entity}", params)

    yield from _API.cursor_walk(
        fetch, page_size=per_page, max_results=max_results, checkpoint=checkpoint
    )


def _params(**extra: str | int) -> dict[str, str | int]:
    params: dict[str, str | int] = {"mailto": settings.BZPEER_CONTACT_EMAIL}
    if settings.OPENALEX_API_KEY:
        params["api_key"] = settings.OPENALEX_API_KEY
    params.update({k: v for k, v in extra.items() if v != ""})
    return params


def _fetch_one(entity: str, identifier: str, client: PoliteClient) -> FeedPage:
    try:
        path = entity_path(entity, identifier)
    except ValueError as exc:
        return failure_page(SOURCE, identifier, str(exc), payload=identifier)
    response = client.get(f"{settings.OPENALEX_API_URL}/{path}", _params())
    return _API.lookup_page(
        response,
        external_id=identifier,
        missing=f"{entity} {identifier}",
        what=path,
    )
