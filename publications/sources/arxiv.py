"""The arXiv API (export.arxiv.org/api/query): fetch pages, parse Atom feeds.

The parser is written here on top of defusedxml rather than taken from the
``arxiv`` or ``feedparser`` packages: both drop what BZPEER must keep (the
raw TeX of titles and names, every ``arxiv:affiliation``, error entries as
records) and feedparser's sanitiser rewrites text. defusedxml refuses DTDs,
entity expansion and external references, so a hostile feed cannot expand
or reach the network.

It reads every format arXiv has served: the 2016-2025 feeds (namespaces
declared on each element) and the 2026 feeds (namespaces on the root,
different element order), raw or wrapped in the recorded-call JSON
envelope ``{"url", "status_code", "body"}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings

from publications.names import (
    display_name,
    latex_to_unicode,
    latex_to_unicode_paragraphs,
)

from .base import (
    FeedPage,
    ParsedAuthorship,
    ParsedWork,
    ParseFailure,
    PoliteClient,
    SourceError,
    first_doi,
    parsed_fields_hash,
    to_int,
)

if TYPE_CHECKING:
    from collections.abc import Callable

SOURCE = "arxiv"


def text_fields(
    *, title_raw: str, abstract_raw: str, doi: str, journal_ref: str
) -> dict[str, str]:
    """What every arXiv format (API, OAI-PMH) derives alike from its texts.

    Title and abstract as shown (TeX read) beside the raw ones; the type (an
    article once it has a DOI or a journal reference); the record's own DOI
    (a field may carry several separated by spaces; the first is the
    article's).
    """
    return {
        "title": latex_to_unicode(title_raw),
        "title_raw": title_raw,
        "abstract": latex_to_unicode_paragraphs(abstract_raw),
        "abstract_raw": abstract_raw,
        "work_type": "article" if (doi or journal_ref) else "preprint",
        "doi": first_doi(doi),
    }


ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
ERROR_ID_PREFIX = "api/errors"

# New-style ids (0704.0001, 2104.12255) and old-style ids (astro-ph/0601001,
# math.GT/0309136), each with an optional version.
_ID = re.compile(
    r"(?P<id>(?:\d{4}\.\d{4,5})|(?:[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}))(?:v(?P<v>\d+))?$"
)


def split_arxiv_id(value: str) -> tuple[str, int | None]:
    """'http://arxiv.org/abs/1201.4869v2' -> ('1201.4869', 2)."""
    value = value.strip()
    for marker in ("/abs/", "arxiv.org/", "arXiv:"):
        if marker in value:
            value = value.split(marker, 1)[1]
    match = _ID.match(value)
    if not match:
        raise ValueError(f"not an arXiv id: {value!r}")
    version = match.group("v")
    return match.group("id"), int(version) if version else None


def valid_arxiv_id(value: str) -> str:
    """An arXiv id without version, or "" when the value is not one."""
    try:
        arxiv_id, _version = split_arxiv_id(value)
    except ValueError:
        return ""
    return arxiv_id


def unwrap(data: bytes) -> tuple[bytes, int | None]:
    """Return the Atom bytes and HTTP status of a payload file.

    Recorded calls store the body as the latin-1 reading of the UTF-8 bytes
    (the recorder's convention), so encoding it back gives the exact bytes.
    """
    if not data.lstrip().startswith(b"{"):
        return data, None
    # Bytes that only look like an envelope are a bad payload like any other
    # (SourceError), not a crash that leaves the import run RUNNING.
    try:
        envelope = json.loads(data)
        body = envelope["body"]
        if not isinstance(body, str):
            raise TypeError(f"body is {type(body).__name__}, not a string")
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceError(f"not a recorded API call envelope: {exc!r}") from exc
    try:
        raw = body.encode("latin-1")
    except UnicodeEncodeError:
        raw = body.encode("utf-8")
    return raw, envelope.get("status_code")


def parse(data: bytes) -> FeedPage:
    """Parse one API response (raw Atom or a recorded envelope)."""
    body, _status = unwrap(data)
    try:
        root = fromstring(
            body, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except (ParseError, DefusedXmlException) as exc:
        raise SourceError(f"arXiv feed is not well-formed XML: {exc}") from exc
    if root.tag != f"{ATOM}feed":
        raise SourceError(f"not an Atom feed: root element {root.tag!r}")
    page = FeedPage(
        total_results=to_int(root.findtext(f"{OPENSEARCH}totalResults")),
        start_index=to_int(root.findtext(f"{OPENSEARCH}startIndex")) or 0,
        items_per_page=to_int(root.findtext(f"{OPENSEARCH}itemsPerPage")) or 0,
    )
    for entry in root.iter(f"{ATOM}entry"):
        page.records.append(parse_entry(entry))
    return page


def parse_entry(entry: Element) -> ParsedWork | ParseFailure:
    """One entry to a ParsedWork, or a ParseFailure carrying its XML."""
    entry_id = _text(entry, f"{ATOM}id")
    try:
        if ERROR_ID_PREFIX in entry_id:
            raise ValueError(f"arXiv API error: {_text(entry, f'{ATOM}summary')}")
        return _parse_entry(entry, entry_id)
    except (ValueError, KeyError) as exc:
        return ParseFailure(
            source=SOURCE,
            error=str(exc),
            external_id=entry_id,
            payload=tostring(entry, encoding="unicode"),
        )


def _parse_entry(entry: Element, entry_id: str) -> ParsedWork:
    arxiv_id, version = split_arxiv_id(entry_id)
    # Raw texts are kept exactly as the feed gave them, whitespace included.
    title_raw = _raw_text(entry, f"{ATOM}title")
    if not title_raw.strip():
        raise ValueError(f"{arxiv_id}: entry has no title")
    abstract_raw = _raw_text(entry, f"{ATOM}summary")
    published = _date(_text(entry, f"{ATOM}published"), "published")
    updated = _date(_text(entry, f"{ATOM}updated"), "updated")

    primary = entry.find(f"{ARXIV}primary_category")
    categories = [c.get("term", "").strip() for c in entry.iter(f"{ATOM}category")]
    if primary is not None and primary.get("term"):
        categories.insert(0, primary.get("term", "").strip())
    categories = list(dict.fromkeys(c for c in categories if c))

    abs_url = pdf_url = ""
    for link in entry.iter(f"{ATOM}link"):
        if link.get("title") == "pdf" or link.get("type") == "application/pdf":
            pdf_url = link.get("href", "")
        elif link.get("rel") == "alternate":
            abs_url = link.get("href", "")

    authorships = []
    for position, author in enumerate(entry.iter(f"{ATOM}author"), start=1):
        raw_name = _text(author, f"{ATOM}name")
        if not raw_name:
            raise ValueError(f"{arxiv_id}: author {position} has no name")
        affiliations = tuple(
            a.text.strip() for a in author.iter(f"{ARXIV}affiliation") if a.text
        )
        authorships.append(
            ParsedAuthorship(
                position=position,
                raw_name=raw_name,
                name=display_name(raw_name),
                raw_affiliations=affiliations,
            )
        )
    if not authorships:
        raise ValueError(f"{arxiv_id}: entry has no authors")

    doi = _text(entry, f"{ARXIV}doi")
    journal_ref = _text(entry, f"{ARXIV}journal_ref")
    fields = {
        "source": SOURCE,
        "external_id": arxiv_id,
        **text_fields(
            title_raw=title_raw,
            abstract_raw=abstract_raw,
            doi=doi,
            journal_ref=journal_ref,
        ),
        "published": published,
        "updated": updated,
        "arxiv_id": arxiv_id,
        "arxiv_version": version,
        "journal_ref": " ".join(journal_ref.split()),
        "comments": " ".join(_text(entry, f"{ARXIV}comment").split()),
        "categories": tuple(categories),
        "abs_url": abs_url,
        "pdf_url": pdf_url,
        "authorships": tuple(authorships),
    }
    return ParsedWork(payload_hash=parsed_fields_hash(fields), **fields)


def _error_detail(body: bytes) -> str:
    """The error entries of an error feed, or the start of a non-feed body."""
    try:
        page = parse(body)
    except SourceError:
        return body[:200].decode("utf-8", "replace")
    errors = [r.error for r in page.records if isinstance(r, ParseFailure)]
    return "; ".join(errors) or "no error message"


def _raw_text(element: Element, tag: str) -> str:
    found = element.find(tag)
    if found is None or found.text is None:
        return ""
    return found.text


def _text(element: Element, tag: str) -> str:
    return _raw_text(element, tag).strip()


def _date(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError as exc:
        raise ValueError(f"bad {name} date {value!r}") from exc


def fetch_pages(
    *,
    query: str = "",
    id_list: str = "",
    page_size: int = 100,
    max_results: int | None = None,
    start: int = 0,
    client: PoliteClient | None = None,
    on_page: Callable[[FeedPage], None] | None = None,
) -> Iterator[FeedPage]:
    """Page through a live API query, politely.

    Stops at the last page, at ``max_results``, or when the API says there
    is nothing more. An empty page before the end is asked again (the API
    is eventually consistent), up to three times.
    """
    if page_size > 2000:
        raise ValueError("the arXiv API serves at most 2000 results a call")
    client = client or PoliteClient(min_interval=settings.ARXIV_MIN_INTERVAL)
    fetched = 0
    empty_retries = 0
    while True:
        size = (
            page_size if max_results is None else min(page_size, max_results - fetched)
        )
        if size <= 0:
            return
        response = client.get(
            settings.ARXIV_API_URL,
            {
                "search_query": query,
                "id_list": id_list,
                "start": start,
                "max_results": size,
            },
        )
        if response.status_code >= 400:
            raise SourceError(
                f"arXiv API answered HTTP {response.status_code}: "
                + _error_detail(response.content)
            )
        page = parse(response.content)
        total = page.total_results or 0
        if not page.records and start < total and empty_retries < 3:
            empty_retries += 1
            continue
        empty_retries = 0
        if on_page:
            on_page(page)
        yield page
        fetched += len(page.records)
        start += len(page.records)
        if not page.records or start >= total:
            return
