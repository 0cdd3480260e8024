"""The Crossref REST API (api.crossref.org): fetch works, parse their JSON.

``parse`` turns one saved response body -- a single work (``/works/{doi}``,
``message-type: work``) or a page of works (``/works?query=...``,
``message-type: work-list``) -- into a ``FeedPage`` (pure). ``fetch_pages``
does the network: one page per DOI looked up, or a cursor walk over a query
or filter.

Why a thin client over ``PoliteClient`` and not habanero: in its
requests-based releases habanero sends each call with the module-level
``requests.get`` (``request.py``, ``Request._req``), with no timeout and no
session to hand it, so our interval between calls, timeout and bounded
``Retry-After`` cannot be put in; its newer httpx2-based releases (2.4
recorded our fixtures) retry through their own ``RetryingClient``, which
gives up when ``Retry-After`` asks for more than 60 s, never retries a 500
and keeps no interval between calls: still not our rules, on a second HTTP
stack. And its deep paging (``cursor="*"``, ``cursor_max``) loops inside
``Request._redo_req`` and hands back every page at once, hiding the page
boundary where our checkpoint must be saved, and it stops on
``total-results`` rather than on Crossref's own end signal, the empty
page. What we need is a GET, a ``next-cursor`` and Crossref's error body:
a few lines here, the cursor walk being ``base.JsonApi.cursor_walk``.

Choices a reader may question:

- **Markup.** Titles carry HTML and MathML (``<i>``, ``<scp>``,
  ``<mml:msub>``) and abstracts JATS (``<jats:p>``, ``<jats:sec>``,
  ``<jats:title>``), both read by ``markup.read_markup`` (the stdlib
  ``html.parser``; see there why). Inline tags vanish without a space
  (``<scp>T</scp>reebase`` -> "Treebase"); block tags (``p``, ``sec``,
  ``title``, ``list-item``) end a paragraph. An abstract keeps its
  paragraphs (blank line between them) but drops a leading heading that
  only says "Abstract" or "Summary". Pretty-printed JATS puts line breaks
  around inline elements, so a space just inside brackets or before a
  comma is dropped ("( KRAS )" -> "(KRAS)"). The source strings are kept
  in ``title_raw`` and ``abstract_raw``.
- **Subtitle.** The first non-empty ``subtitle`` is appended after ": "
  (after a space when the title already ends in ":", "?", "!" or "."),
  unless the title already contains it: some publishers put a running head
  there ("MICROBIAL CONTAMINATION IN PEELED CHESTNUTS").
- **Dates.** ``published`` is the earliest of ``published-print``,
  ``published-online`` and ``issued``. Crossref dates may be partial: a
  year alone stands for 1 January, a year and month for the 1st of that
  month. When a partial date and a fuller one fall in the same period
  (print "2012-03", online "2012-03-15"), the fuller one wins, as it is the
  one that says more. ``[[null]]`` or ``[[]]`` is no date; a date that is
  not a calendar date (month 13) makes the record a ParseFailure.
- **Types.** ``journal-article`` -> "article", ``posted-content`` ->
  "preprint" (whatever its ``subtype``: Crossref also files blog posts and
  working papers there), every other Crossref type is kept as given
  ("book-chapter", "proceedings-article", "dataset", ...); a record with no
  type is "other".
- **Authors.** ``author`` in Crossref's order; ``editor`` and other roles
  are not authors. The name is "Given Family" (with a suffix such as "Jr."
  after it), or the ``name`` of an organisation. An entry with no name at
  all (Crossref has them) is skipped: there is no one to attribute.
  ``ORCID`` counts only when its checksum holds; affiliation ``id`` entries
  of type ROR become institutions.
- **arXiv.** The work's arXiv id comes from its own DOI when it is an arXiv
  DOI (then ``doi`` stays empty, as everywhere), else from a ``relation``
  naming the same work in another version (``has-preprint``,
  ``is-preprint-of``, ``has-version``, ``is-version-of``,
  ``is-identical-to``) by an arXiv id or arXiv DOI, else from an
  ``alternative-id`` written "arXiv:...".
- **Errors.** A body whose ``status`` is not "ok" (``validation-failure``,
  ``resource-failure``: a list of ``{type, value, message}``) or that is not
  JSON (the 404 for an unknown DOI is ``text/plain`` "Resource not found.")
  is a SourceError carrying Crossref's words. In a DOI look-up the 404 is
  that DOI's ParseFailure instead, and the run goes on.
- **Links.** ``abs_url`` is the publisher's landing page
  (``resource.primary.URL``); the ``URL`` field, which is only the DOI's
  resolver link, is the fallback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from publications.names import collapse_spaces, display_name

from .arxiv import valid_arxiv_id
from .base import (
    ARXIV,
    DOI,
    ORCID,
    FeedPage,
    Identifier,
    JsonApi,
    ParsedAuthorship,
    ParsedInstitution,
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
from .json_fields import int_field, text_field, text_or
from .markup import markup_to_line, read_markup, tidy_text

SOURCE = "crossref"
MAX_ROWS = 1000
# The error type Crossref gives a cursor it does not know (or no longer
# knows: cursors expire five minutes after their last use).
CURSOR_INVALID = "cursor-invalid"

_WORK_TYPES = {"journal-article": "article", "posted-content": "preprint"}
_TYPE = re.compile(r"^[a-z][a-z-]{0,19}$")
_DATE_FIELDS = ("published-print", "published-online", "issued")
# Relations that name the same work in another version or form.
_SAME_WORK = (
    "has-preprint",
    "is-preprint-of",
    "has-version",
    "is-version-of",
    "is-identical-to",
)
_LANGUAGE = re.compile(r"^([a-z]{2})(?:[-_][A-Za-z0-9]+)*$")
_ROR = re.compile(r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$")
_ABSTRACT_HEADINGS = frozenset({"abstract", "summary"})

# Elements that end a paragraph: JATS, HTML and MathML local names.
_BLOCK = frozenset(
    {
        "p",
        "sec",
        "title",
        "list",
        "list-item",
        "def-list",
        "def-item",
        "disp-quote",
        "boxed-text",
        "table-wrap",
        "table",
        "tr",
        "caption",
        "fig",
        "div",
        "br",
        "ul",
        "ol",
        "li",
        "blockquote",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    }
)
_SPACE_AFTER_OPENING = re.compile(r"([(\[]) ")
_SPACE_BEFORE_CLOSING = re.compile(r" ([)\],])")


# --- parsing ------------------------------------------------------------------


def parse(data: bytes) -> FeedPage:
    """One Crossref response body (a work or a page of works) to a FeedPage.

    ``total_results`` is the work-list's ``total-results`` (1 for a single
    work). A cursor page's checkpoint is ``{"cursor": next-cursor}``, or
    ``{"cursor": ""}`` for the empty page that ends a walk; a page read
    without a cursor, or a single work, has none.
    """
    message_type, message = _message(data)
    if message_type == "work":
        return FeedPage(
            records=[parse_work(message)],
            total_results=1,
            items_per_page=1,
        )
    if message_type != "work-list":
        raise SourceError(
            f"Crossref response is a {message_type!r}, not a work or a work-list"
        )
    items = message.get("items")
    if not isinstance(items, list):
        raise SourceError("Crossref work-list has no list of items")
    page = FeedPage(
        records=[parse_work(item) for item in items],
        total_results=int_field(message.get("total-results")),
        items_per_page=len(items),
    )
    query = message.get("query")
    if isinstance(query, dict):
        page.start_index = int_field(query.get("start-index")) or 0
    next_cursor = message.get("next-cursor")
    if isinstance(next_cursor, str):
        page.checkpoint = {"cursor": next_cursor if items else ""}
    return page


def parse_work(item: Any) -> ParsedWork | ParseFailure:
    """One Crossref work to a ParsedWork, or a ParseFailure carrying its JSON."""
    doi = ""
    if isinstance(item, dict) and isinstance(item.get("DOI"), str):
        doi = normalise_doi(item["DOI"])
    try:
        if not isinstance(item, dict):
            raise ValueError("work is not a JSON object")
        if not doi:
            raise ValueError(f"work has no DOI (DOI={item.get('DOI')!r})")
        return _parse_work(item, doi)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # TypeError/KeyError/AttributeError: a field of the wrong shape (a
        # title that is a number, an author that is a string).
        return _API.parse_failure(f"{doi or 'work'}: {exc}", doi, item)


def _parse_work(item: dict[str, Any], doi: str) -> ParsedWork:
    title_raw, title = _title(item)
    abstract_raw = text_field(item.get("abstract"))
    arxiv_id = arxiv_id_from_work(item, doi)
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": doi,
        "title": title,
        "title_raw": title_raw,
        "abstract": markup_to_paragraphs(abstract_raw),
        "abstract_raw": abstract_raw,
        "work_type": work_type(item.get("type")),
        "published": published_date(item),
        "arxiv_id": arxiv_id,
        # An arXiv DOI names the preprint: it is the arXiv id, not a DOI.
        "doi": "" if arxiv_id_from_doi(doi) else doi,
        "abs_url": _landing_page(item),
        "authorships": authorships(item.get("author")),
        "venue": _plain(_first(item.get("container-title"))),
        "volume": _field(item.get("volume")),
        "issue": _field(item.get("issue")),
        "pages": _field(item.get("page")),
        "publisher": _plain(item.get("publisher")),
        "language": language(item.get("language")),
        "citation_count": int_field(item.get("is-referenced-by-count")),
        "references": references(item.get("reference")),
    }
    return ParsedWork(payload_hash=parsed_fields_hash(fields), **fields)


def _title(item: dict[str, Any]) -> tuple[str, str]:
    title_raw = _first(item.get("title"))
    title = markup_to_text(title_raw)
    if not title:
        raise ValueError("record has no title")
    subtitle_raw = _first(item.get("subtitle"))
    subtitle = markup_to_text(subtitle_raw)
    if subtitle and subtitle.casefold() not in title.casefold():
        separator = " " if title[-1] in ":?!." else ": "
        title = f"{title}{separator}{subtitle}"
        title_raw = f"{title_raw}{separator}{subtitle_raw}"
    return title_raw, title


def work_type(value: Any) -> str:
    """Crossref's type in BZPEER's words; see the module docstring."""
    if not isinstance(value, str) or not value.strip():
        return "other"
    value = value.strip().lower()
    if value in _WORK_TYPES:
        return _WORK_TYPES[value]
    return value if _TYPE.match(value) else "other"


def published_date(item: dict[str, Any]) -> date | None:
    """The earliest of the print, online and issued dates; see the docstring."""
    parts = [
        found
        for name in _DATE_FIELDS
        if (found := _date_parts(item.get(name), name)) is not None
    ]
    if not parts:
        return None
    # A missing month or day sorts after every known one of its period, so a
    # fuller date in the same year (or month) is preferred to a partial one.
    year, month, day = min(parts, key=lambda p: (p[0], p[1] or 13, p[2] or 32))
    return date(year, month or 1, day or 1)


def _date_parts(value: Any, name: str) -> tuple[int, int | None, int | None] | None:
    """``{"date-parts": [[2012, 3]]}`` -> (2012, 3, None), validated."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"{name} is not a date object: {value!r}")
    outer = value.get("date-parts")
    if not outer or not isinstance(outer, list) or not outer[0]:
        return None
    first = outer[0]
    if not isinstance(first, list):
        raise ValueError(f"{name} date-parts are not a list: {outer!r}")
    numbers: list[int] = []
    for part in first[:3]:
        if part is None:
            break
        if isinstance(part, bool) or not isinstance(part, int | str):
            raise ValueError(f"{name} has a date part that is not a number: {first!r}")
        if isinstance(part, str) and not part.strip().isdigit():
            raise ValueError(f"{name} has a date part that is not a number: {first!r}")
        numbers.append(int(part))
    if not numbers:
        return None
    year, month, day = [*numbers, 0, 0][:3]
    try:
        date(year, month or 1, day or 1)
    except ValueError as exc:
        raise ValueError(f"{name} {first!r} is not a calendar date") from exc
    return year, month or None, day or None


def authorships(value: Any) -> tuple[ParsedAuthorship, ...]:
    """The ``author`` list (never editors), in order; nameless entries skipped."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"author is not a list: {value!r}")
    result: list[ParsedAuthorship] = []
    for entry in value:
        if not isinstance(entry, dict):
            raise ValueError(f"author entry is not an object: {entry!r}")
        raw_name = _raw_name(entry)
        if not raw_name:
            continue
        orcid = normalise_orcid(text_field(entry.get("ORCID")))
        names, institutions = _affiliations(entry.get("affiliation"))
        result.append(
            ParsedAuthorship(
                position=len(result) + 1,
                raw_name=raw_name,
                name=display_name(raw_name),
                raw_affiliations=names,
                identifiers=((ORCID, orcid),) if orcid else (),
                institutions=institutions,
            )
        )
    return tuple(result)


def _raw_name(entry: dict[str, Any]) -> str:
    """'Given Family Suffix', or an organisation's ``name``."""
    parts = [_plain(entry.get(key)) for key in ("given", "family", "suffix")]
    name = " ".join(part for part in parts if part)
    return name or _plain(entry.get("name"))


def _affiliations(
    value: Any,
) -> tuple[tuple[str, ...], tuple[ParsedInstitution, ...]]:
    if not value:
        return (), ()
    if not isinstance(value, list):
        raise ValueError(f"affiliation is not a list: {value!r}")
    names: list[str] = []
    institutions: list[ParsedInstitution] = []
    for affiliation in value:
        if not isinstance(affiliation, dict):
            raise ValueError(f"affiliation entry is not an object: {affiliation!r}")
        name = _plain(affiliation.get("name"))
        if name and name not in names:
            names.append(name)
        for identifier in affiliation.get("id") or ():
            if not isinstance(identifier, dict):
                continue
            if text_field(identifier.get("id-type")).upper() != "ROR":
                continue
            ror = normalise_ror(text_field(identifier.get("id")))
            if _ROR.match(ror) and all(i.ror_id != ror for i in institutions):
                institutions.append(ParsedInstitution(name=name, ror_id=ror))
    return tuple(names), tuple(institutions)


def references(value: Any) -> tuple[Identifier, ...]:
    """DOIs of the cited works, in the reference list's order, once each.

    Entries without a DOI (free-text citations) are skipped, as nothing
    links them to a work: in the recorded responses that is 5 of 70 in PLOS
    ONE 10.1371/journal.pone.0033693, 4 of 36 in J Clin Pathol
    10.1136/jclinpath-2020-206745, and 41,528 of the 47,145 entries of the
    250 Cambridge books and chapters of the 2019 cursor walk. An arXiv DOI
    is cited as the arXiv id.
    """
    if not value:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"reference is not a list: {value!r}")
    found: dict[Identifier, None] = {}
    for entry in value:
        if not isinstance(entry, dict):
            continue
        doi = normalise_doi(text_field(entry.get("DOI")))
        if not doi:
            continue
        arxiv_id = valid_arxiv_id(arxiv_id_from_doi(doi))
        found[(ARXIV, arxiv_id) if arxiv_id else (DOI, doi)] = None
    return tuple(found)


def arxiv_id_from_work(item: dict[str, Any], doi: str) -> str:
    """The work's arXiv id: own DOI, then relations, then alternative ids."""
    own = valid_arxiv_id(arxiv_id_from_doi(doi))
    if own:
        return own
    relation = item.get("relation")
    if isinstance(relation, dict):
        for kind in _SAME_WORK:
            for entry in relation.get(kind) or ():
                if not isinstance(entry, dict):
                    continue
                scheme = text_field(entry.get("id-type")).lower()
                value = text_field(entry.get("id"))
                if scheme == "doi":
                    value = arxiv_id_from_doi(normalise_doi(value))
                elif scheme not in ("arxiv", "uri"):
                    continue
                if found := valid_arxiv_id(value):
                    return found
    for value in item.get("alternative-id") or ():
        value = text_field(value).strip()
        if value.lower().startswith("arxiv:") and (found := valid_arxiv_id(value[6:])):
            return found
    return ""


def language(value: Any) -> str:
    """An ISO 639-1 code ("en", from "en" or "en-US"), else ""."""
    match = _LANGUAGE.match(text_field(value).strip().lower())
    return match.group(1) if match else ""


def _landing_page(item: dict[str, Any]) -> str:
    resource = item.get("resource")
    if isinstance(resource, dict) and isinstance(resource.get("primary"), dict):
        url = text_field(resource["primary"].get("URL")).strip()
        if url:
            return url
    return text_field(item.get("URL")).strip()


# --- markup -------------------------------------------------------------------


def markup_to_text(value: str) -> str:
    """A title's text on one line: tags dropped, entities resolved."""
    return markup_to_line(value, block=_BLOCK, tidy=_tidy)


def markup_to_paragraphs(value: str) -> str:
    """An abstract's text, paragraphs separated by a blank line."""
    if not value:
        return ""
    paragraphs = read_markup(value, block=_BLOCK, tidy=_tidy)
    if (
        paragraphs
        and paragraphs[0][0] == "title"
        and paragraphs[0][1].casefold() in _ABSTRACT_HEADINGS
    ):
        paragraphs = paragraphs[1:]
    return "\n\n".join(text for _, text in paragraphs)


def _tidy(text: str) -> str:
    text = tidy_text(text)
    text = _SPACE_AFTER_OPENING.sub(r"\1", text)
    return _SPACE_BEFORE_CLOSING.sub(r"\1", text)


# --- small readers ------------------------------------------------------------


def _plain(value: Any) -> str:
    """Names, affiliations, publisher: Crossref escapes "&" as "&amp;" there too."""
    return markup_to_text(text_field(value))


def _field(value: Any) -> str:
    """Volume, issue, pages, publisher: text (or a bare number) on one line."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return collapse_spaces(text_field(value))


def _first(value: Any) -> str:
    """The first non-blank string of a Crossref list field (title, subtitle)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise TypeError(f"expected a list of text, got {value!r}")
    for entry in value:
        if text_field(entry).strip():
            return entry
    return ""


# --- errors -------------------------------------------------------------------


def _message(data: bytes) -> tuple[str, dict[str, Any]]:
    """The ``message-type`` and ``message`` of an ``ok`` body, else SourceError."""
    body = _API.load(data)
    if not isinstance(body, dict):
        raise SourceError("Crossref response is not a JSON object")
    if body.get("status") != "ok":
        raise SourceError(f"Crossref error: {error_message(body)}")
    message = body.get("message")
    if not isinstance(message, dict):
        raise SourceError("Crossref response has no message object")
    return text_or(body.get("message-type"), "?"), message


def error_message(body: Any) -> str:
    """Crossref's own words from an error body.

    ``{"status": "failed", "message-type": "validation-failure", "message":
    [{"type", "value", "message"}]}`` -> "validation-failure:
    parameter-not-allowed (query.*): This route does not support field
    query parameters".
    """
    if not isinstance(body, dict):
        return repr(body)[:200]
    kind = text_or(body.get("message-type"), "error")
    message = body.get("message")
    if isinstance(message, str):
        return f"{kind}: {message}"
    details = []
    for entry in message if isinstance(message, list) else [message]:
        if isinstance(entry, dict):
            label = text_or(entry.get("type"), "")
            if entry.get("value") not in (None, ""):
                label = f"{label} ({entry['value']})"
            details.append(f"{label}: {text_or(entry.get('message'), '')}")
        elif entry is not None:
            details.append(str(entry))
    return f"{kind}: " + "; ".join(details) if details else kind


_API = JsonApi(source=SOURCE, name="Crossref", parse=parse, error_message=error_message)


def _error_type(response: requests.Response) -> str:
    if response.status_code < 400:
        return ""
    try:
        body = json.loads(response.content)
        return body["message"][0]["type"]
    except (ValueError, KeyError, IndexError, TypeError):
        return ""


# --- fetching -----------------------------------------------------------------


def fetch_pages(
    *,
    dois: Iterable[str] = (),
    query: str = "",
    filter: str = "",  # Crossref's own parameter name
    rows: int = 100,
    max_results: int | None = None,
    checkpoint: dict[str, Any] | None = None,
    client: PoliteClient | None = None,
) -> Iterator[FeedPage]:
    """Fetch works from the live API, page by page.

    Either ``dois`` -- each looked up at ``/works/{doi}``, one page per DOI,
    checkpoint ``{"index": i + 1}``; a DOI Crossref does not know (404), or
    a string that is not a DOI, is a ParseFailure on its page and the run
    goes on -- or ``query`` (free text) and/or ``filter`` (Crossref's
    ``name:value,...`` syntax, e.g. ``from-update-date:2024-01-01``), walked
    with a cursor, ``rows`` works a page (at most 1000), up to
    ``max_results`` works. A cursor page's checkpoint is ``{"cursor":
    next-cursor, "fetched": works so far}``; the walk ends at the first page
    without items, as Crossref ends it, and that page's checkpoint has an
    empty cursor, so resuming a finished walk fetches nothing.

    ``checkpoint`` continues a walk after the page that gave it. Crossref
    forgets a cursor five minutes after its last use; when the saved cursor
    is refused as invalid the walk starts again from the first page (the
    works already written are written again, unchanged) rather than fail
    for ever.

    Every call carries ``mailto`` (Crossref's polite pool), as does the
    User-Agent that ``PoliteClient`` sends. Other 4xx answers raise
    SourceError with Crossref's message.
    """
    dois = list(dois)
    if dois and (query or filter):
        raise ValueError("Crossref looks up DOIs or walks a query/filter, not both")
    if not dois and not (query or filter):
        raise ValueError("give DOIs, a query or a filter: Crossref holds 180M works")
    if not 1 <= rows <= MAX_ROWS:
        raise ValueError(f"Crossref serves 1 to {MAX_ROWS} rows a page, not {rows}")
    client = client or PoliteClient(min_interval=settings.CROSSREF_MIN_INTERVAL)
    checkpoint = checkpoint or {}
    if dois:
        yield from pages_by_id(
            dois, lambda value: _fetch_doi(value, client), checkpoint=checkpoint
        )
        return

    def fetch(cursor: str, page_size: int) -> requests.Response:
        params: dict[str, str | int] = {
            "rows": page_size,
            "cursor": cursor,
            "mailto": settings.BZPEER_CONTACT_EMAIL,
        }
        if query:
            params["query"] = query
        if filter:
            params["filter"] = filter
        return client.get(f"{settings.CROSSREF_API_URL}/works", params)

    yield from _API.cursor_walk(
        fetch,
        page_size=rows,
        max_results=max_results,
        checkpoint=checkpoint,
        cursor_expired=lambda response: _error_type(response) == CURSOR_INVALID,
    )


def _fetch_doi(value: str, client: PoliteClient) -> FeedPage:
    doi = normalise_doi(value)
    if not doi:
        return failure_page(SOURCE, value, f"{value!r} is not a DOI", payload=value)
    url = f"{settings.CROSSREF_API_URL}/works/{quote(doi, safe='/')}"
    response = client.get(url, {"mailto": settings.BZPEER_CONTACT_EMAIL})
    return _API.lookup_page(response, external_id=doi, missing=f"work {doi}", what=doi)
