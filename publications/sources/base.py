"""The neutral shape every source parses into, the polite HTTP client, and
the fetching steps the JSON APIs share.

``parse`` functions are pure (bytes in, records out, no ORM); ``fetch``
functions do the network. ``publications.services.ingest`` is the one
writer for every source.

``JsonApi`` holds what Crossref, OpenAlex and Semantic Scholar do alike:
reading a body as JSON, quoting the API's error body, looking one record up
by id (a 404 fails that record only) and walking a cursor; ``pages_by_id``
and ``failure_page`` serve ORCID too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from django.conf import settings

from publications.names import collapse_spaces

logger = logging.getLogger(__name__)

# A server asking for longer than this is treated as asking for this long,
# so one bad header cannot stall a harvest for hours.
MAX_RETRY_AFTER = 300.0
# Characters of a record's payload kept on its ParseFailure.
PAYLOAD_KEPT = 10_000
# Where a cursor walk starts; the API answers with the cursor of page two.
FIRST_CURSOR = "*"


# Identifier schemes, shared by works, authors and institutions. Values are
# normalised by the parser: DOI lower-case without "https://doi.org/",
# arXiv id without version, OpenAlex ids as "W123"/"A123"/"I123" without
# their URL, ORCID as "0000-0002-1825-0097", ROR as "03yrm5c26".
ARXIV, DOI, OPENALEX, S2, PMID, PMCID, MAG, ORCID, ROR = (
    "arxiv",
    "doi",
    "openalex",
    "s2",
    "pmid",
    "pmcid",
    "mag",
    "orcid",
    "ror",
)

Identifier = tuple[str, str]  # (scheme, normalised value)


@dataclass(frozen=True)
class ParsedInstitution:
    name: str
    ror_id: str = ""
    openalex_id: str = ""
    country_code: str = ""


@dataclass(frozen=True)
class ParsedAuthorship:
    position: int
    raw_name: str
    name: str
    raw_affiliations: tuple[str, ...] = ()
    # Persistent ids the source gave for this person: ("orcid", ...),
    # ("openalex", "A..."), ("s2", "...").
    identifiers: tuple[Identifier, ...] = ()
    # Institutions the source resolved (OpenAlex, Crossref with ROR ids).
    institutions: tuple[ParsedInstitution, ...] = ()


@dataclass(frozen=True)
class ParsedTopic:
    """A subject with its ancestry, broadest last (topic -> subfield -> field -> domain)."""

    scheme: str  # "arxiv" or "openalex"
    code: str  # "cs.LG", or the OpenAlex id without URL ("T10078", "subfields/1702")
    name: str
    score: float | None = None
    parent: ParsedTopic | None = None


@dataclass(frozen=True)
class ParsedWork:
    source: str
    external_id: str
    payload_hash: str
    title: str
    title_raw: str
    abstract: str = ""
    abstract_raw: str = ""
    work_type: str = "preprint"
    published: date | None = None
    updated: date | None = None
    arxiv_id: str = ""
    arxiv_version: int | None = None
    doi: str = ""
    journal_ref: str = ""
    comments: str = ""
    # Every category the source listed, the primary one first.
    categories: tuple[str, ...] = ()
    abs_url: str = ""
    pdf_url: str = ""
    authorships: tuple[ParsedAuthorship, ...] = ()
    # (number, submitted) of every version, when the source lists them (the
    # bulk snapshot does, the API only gives the first and the latest date).
    versions: tuple[tuple[int, date], ...] = ()
    # Identifiers beyond arxiv_id and doi: ("openalex", "W..."), ("s2", ...),
    # ("pmid", ...), ("mag", ...).
    identifiers: tuple[Identifier, ...] = ()
    # Journal or conference as the publisher names it (Crossref
    # container-title, OpenAlex primary source); volume, issue and pages.
    venue: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    publisher: str = ""
    language: str = ""
    # An open-access copy (OpenAlex best_oa_location, Unpaywall-style).
    oa_url: str = ""
    citation_count: int | None = None
    # (year, citations received that year), when the source counts them.
    counts_by_year: tuple[tuple[int, int], ...] = ()
    # Works this one cites, by identifier (OpenAlex referenced_works, Crossref
    # references with a DOI, S2 references): completed when those works arrive.
    references: tuple[Identifier, ...] = ()
    # Subjects beyond arXiv categories (OpenAlex topics with their hierarchy).
    topics: tuple[ParsedTopic, ...] = ()
    # False for records that describe a work only in passing (a citing paper
    # in an S2 citations page, an ORCID works summary): they add
    # identifiers, links and missing fields, but never replace a fuller
    # record's author list.
    complete: bool = True


@dataclass(frozen=True)
class ParsedAffiliation:
    institution: ParsedInstitution
    start_year: int | None = None
    end_year: int | None = None


@dataclass(frozen=True)
class ParsedInstitutionRecord:
    """What a source says about an institution (an OpenAlex institution)."""

    source: str
    external_id: str
    payload_hash: str
    institution: ParsedInstitution
    # Other names the source lists (acronyms, former and local names).
    alternative_names: tuple[str, ...] = ()
    homepage: str = ""
    works_count: int | None = None
    cited_by_count: int | None = None


@dataclass(frozen=True)
class ParsedAuthor:
    """What a source says about a person (OpenAlex author, ORCID record, S2 author)."""

    source: str
    external_id: str
    payload_hash: str
    name: str
    identifiers: tuple[Identifier, ...] = ()
    # Other name forms the source lists (OpenAlex display_name_alternatives,
    # ORCID other-names).
    alternative_names: tuple[str, ...] = ()
    affiliations: tuple[ParsedAffiliation, ...] = ()
    topics: tuple[ParsedTopic, ...] = ()
    works_count: int | None = None
    cited_by_count: int | None = None
    h_index: int | None = None
    i10_index: int | None = None
    # Works the person lists as theirs (ORCID): each carries the person as an
    # authorship with the person's identifiers, complete=False.
    works: tuple[ParsedWork, ...] = ()


@dataclass(frozen=True)
class ParseFailure:
    """A record that could not be parsed: kept with its error, never dropped."""

    source: str
    error: str
    external_id: str = ""
    payload: str = ""


@dataclass
class FeedPage:
    records: list[
        ParsedWork | ParsedAuthor | ParsedInstitutionRecord | ParseFailure
    ] = field(default_factory=list)
    total_results: int | None = None
    start_index: int = 0
    items_per_page: int = 0
    # Where a reader stands after this page; saved with the page's rows so a
    # killed run resumes exactly after the last page it wrote.
    checkpoint: dict[str, Any] | None = None
    # Ids the source lists as deleted (OAI-PMH): seen, written nowhere.
    deleted: list[str] = field(default_factory=list)
    # What a writer derived from each record off its own process (one entry
    # per record, see arxiv_snapshot.read_pages' ``prepare``), or None.
    prepared: list[Any] | None = None


class SourceError(Exception):
    """The source answered with an error that ends the request."""


def first_doi(value: str) -> str:
    """The record's own DOI: a field may list several; DOIs compare lower-case."""
    parts = value.split()
    return parts[0].lower() if parts else ""


_DOI_PREFIXES = (
    "https://doi.org/",
    "http://doi.org/",
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "doi:",
)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$")
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")
_ARXIV_VERSION = re.compile(r"v\d+$")


def normalise_doi(value: str | None) -> str:
    """A DOI as stored: lower-case, without resolver prefix; "" if not a DOI."""
    value = (value or "").strip()
    lowered = value.lower()
    for prefix in _DOI_PREFIXES:
        if lowered.startswith(prefix):
            value = value[len(prefix) :]
            break
    value = value.strip().lower()
    return value if value.startswith("10.") and "/" in value else ""


def arxiv_id_from_doi(doi: str) -> str:
    """The arXiv id behind an arXiv-minted DOI (10.48550/arXiv.2101.00001)."""
    match = _ARXIV_DOI.match(doi.lower())
    return _ARXIV_VERSION.sub("", match.group(1)) if match else ""


def normalise_arxiv_id(value: str | None) -> str:
    """An arXiv id without URL, "arXiv:" prefix or version."""
    value = (value or "").strip()
    for prefix in (
        "https://arxiv.org/abs/",
        "http://arxiv.org/abs/",
        "arxiv:",
        "arXiv:",
    ):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    return _ARXIV_VERSION.sub("", value)


def normalise_orcid(value: str | None) -> str:
    """An ORCID iD as "0000-0002-1825-0097", "" unless its checksum holds."""
    match = _ORCID.search((value or "").strip().upper())
    if not match:
        return ""
    orcid = match.group(1)
    digits = orcid.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    return orcid if digits[-1] == expected else ""


def openalex_key(value: str | None) -> str:
    """An OpenAlex id without its URL: "https://openalex.org/W123" -> "W123"."""
    value = (value or "").strip()
    return value.rsplit("/", 1)[-1] if value else ""


def normalise_ror(value: str | None) -> str:
    """A ROR id without its URL: "https://ror.org/03yrm5c26" -> "03yrm5c26"."""
    value = (value or "").strip()
    return value.rsplit("/", 1)[-1].lower() if value else ""


def to_int(value: str | None) -> int | None:
    """An integer from an XML text, or None when absent or not a number."""
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def payload_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parsed_fields_hash(fields: dict[str, Any]) -> str:
    """The payload hash of a record: the hash of its parsed fields.

    Hashing what was parsed, not the bytes received, makes a record that a
    source re-serialised (other key order, other escapes) unchanged, and
    gives every parser of one source the same discipline.
    """
    fingerprint = json.dumps(fields, sort_keys=True, default=_json_default)
    return payload_hash(fingerprint.encode())


def _json_default(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    raise TypeError(type(value))


class PoliteClient:
    """A requests session that keeps a source's rules.

    It waits ``min_interval`` seconds between calls, identifies itself with
    the configured contact e-mail, times out, and retries 429/5xx and
    connection errors with exponential back-off, honouring ``Retry-After``.
    Other 4xx answers are returned at once: retrying cannot mend them.
    """

    retry_statuses = frozenset({429, 500, 502, 503, 504})

    def __init__(
        self,
        *,
        min_interval: float,
        max_retries: int = 4,
        backoff: float | None = None,
        sleep=time.sleep,
        clock=time.monotonic,
    ) -> None:
        self.min_interval = min_interval
        self.max_retries = max_retries
        # Runs build their own client (import_run_execute), so the back-off
        # is a setting too: tests set it to 0 instead of patching sleep.
        self.backoff = settings.HTTP_RETRY_BACKOFF if backoff is None else backoff
        self._sleep = sleep
        self._clock = clock
        self._last_call: float | None = None
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent()

    def _wait_turn(self) -> None:
        if self._last_call is not None:
            wait = self.min_interval - (self._clock() - self._last_call)
            if wait > 0:
                self._sleep(wait)
        self._last_call = self._clock()

    def get(
        self,
        url: str,
        params: dict[str, str | int],
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        attempt = 0
        while True:
            self._wait_turn()
            try:
                response = self.session.get(
                    url, params=params, headers=headers, timeout=settings.HTTP_TIMEOUT
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.max_retries:
                    raise SourceError(f"{url}: {exc}") from exc
                delay = self.backoff * 2**attempt
            else:
                if response.status_code not in self.retry_statuses:
                    return response
                if attempt >= self.max_retries:
                    raise SourceError(
                        f"{url}: HTTP {response.status_code} after {attempt + 1} attempts"
                    )
                delay = _retry_after(response)
                if delay is None:
                    delay = self.backoff * 2**attempt
            attempt += 1
            logger.warning("Retrying %s in %.0fs (attempt %d)", url, delay, attempt)
            self._sleep(delay)


def _retry_after(response: requests.Response) -> float | None:
    """Seconds the server asks to wait (delta or HTTP date), bounded."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def user_agent() -> str:
    """The polite User-Agent: who is asking and how to reach them."""
    return f"BZPEER/0.1 (mailto:{settings.BZPEER_CONTACT_EMAIL})"


def iter_files(paths: list[str]) -> Iterator[tuple[str, bytes]]:
    max_bytes = settings.IMPORT_MAX_PAYLOAD_BYTES
    for path in paths:
        # A missing or unreadable file ends the run as FAILED (resumable)
        # instead of escaping as OSError and leaving it RUNNING for ever.
        try:
            with open(path, "rb") as handle:
                data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise SourceError(f"{path}: {exc.strerror or exc}") from exc
        if len(data) > max_bytes:
            raise SourceError(f"{path}: larger than {max_bytes} bytes")
        yield path, data


# --- fetching from a JSON API -------------------------------------------------


def snippet(data: bytes) -> str:
    """The start of a body as one line, to quote in an error message."""
    return collapse_spaces(data[:200].decode("utf-8", "replace"))


def failure_page(
    source: str, external_id: str, error: str, *, payload: str = ""
) -> FeedPage:
    """A page holding one record's ParseFailure, so a run goes on past it."""
    return FeedPage(
        records=[
            ParseFailure(
                source=source, error=error, external_id=external_id, payload=payload
            )
        ],
        items_per_page=1,
    )


def pages_by_id(
    ids: Sequence[str],
    fetch_one: Callable[[str], FeedPage],
    *,
    checkpoint: dict[str, Any],
) -> Iterator[FeedPage]:
    """One page per id, each from ``fetch_one``, resuming after a checkpoint.

    Page ``i`` has ``start_index`` i, ``total_results`` the number of ids and
    the checkpoint ``{"index": i + 1}``; a checkpoint's ``index`` is the
    first id read, so the last page's checkpoint asks for nothing more.
    """
    for index in range(int(checkpoint.get("index", 0)), len(ids)):
        page = fetch_one(ids[index])
        page.total_results = len(ids)
        page.start_index = index
        page.checkpoint = {"index": index + 1}
        yield page


@dataclass(frozen=True)
class JsonApi:
    """A JSON API as its fetch steps need it: its name and how to read it.

    ``name`` is how messages name the API ("Crossref"); ``parse`` turns a
    response body into a page; ``error_message`` gives the API's own words
    from a decoded error body.
    """

    source: str
    name: str
    parse: Callable[[bytes], FeedPage]
    error_message: Callable[[Any], str]

    def load(self, data: bytes) -> Any:
        """The decoded body; SourceError when too large or not JSON."""
        max_bytes = settings.IMPORT_MAX_PAYLOAD_BYTES
        if len(data) > max_bytes:
            raise SourceError(
                f"{self.name} response is larger than {max_bytes} bytes ({len(data)})"
            )
        try:
            return json.loads(data)
        except ValueError as exc:
            raise SourceError(
                f"{self.name} response is not JSON ({exc}): {snippet(data)!r}"
            ) from exc

    def parse_failure(self, error: str, external_id: str, item: Any) -> ParseFailure:
        """A record that could not be parsed, carrying its JSON (cut short)."""
        return ParseFailure(
            source=self.source,
            error=error,
            external_id=external_id,
            payload=json.dumps(item, ensure_ascii=False)[:PAYLOAD_KEPT],
        )

    def error_detail(self, response: requests.Response) -> str:
        """The API's message from an error response (JSON or text)."""
        try:
            body = json.loads(response.content)
        except ValueError:
            return snippet(response.content)
        return self.error_message(body)

    def raise_for_status(self, response: requests.Response, what: str = "") -> None:
        """SourceError with the API's message for a 4xx or 5xx answer.

        ``PoliteClient`` has already retried 429 and 5xx; ``what`` names the
        request in the message ("for 10.1371/...").
        """
        if response.status_code >= 400:
            asked = f" for {what}" if what else ""
            raise SourceError(
                f"{self.name} answered HTTP {response.status_code}{asked}: "
                + self.error_detail(response)
            )

    def lookup_page(
        self,
        response: requests.Response,
        *,
        external_id: str,
        missing: str,
        what: str,
    ) -> FeedPage:
        """The page of one record looked up by id, from the API's answer.

        A 404 is that record's ParseFailure ("{name} has no {missing}"), so
        the run goes on with the next id; any other 4xx is a SourceError
        naming ``what``.
        """
        if response.status_code == 404:
            return failure_page(
                self.source,
                external_id,
                f"{self.name} has no {missing}: HTTP 404 "
                + self.error_detail(response),
                payload=snippet(response.content),
            )
        self.raise_for_status(response, what)
        return self.parse(response.content)

    def cursor_walk(
        self,
        fetch: Callable[[str, int], requests.Response],
        *,
        page_size: int,
        max_results: int | None,
        checkpoint: dict[str, Any],
        cursor_expired: Callable[[requests.Response], bool] | None = None,
    ) -> Iterator[FeedPage]:
        """Walk a cursor from ``FIRST_CURSOR``, or on from a checkpoint.

        ``fetch(cursor, page_size)`` asks for one page; ``parse`` gives its
        next cursor as the page's checkpoint ``{"cursor": ...}``. Each page
        yielded has the checkpoint ``{"cursor": next cursor, "fetched":
        records so far}`` (a deleted id counts as fetched). The walk ends at
        an empty cursor, an empty page or ``max_results`` (the last page is
        cut to it), and that page's cursor is empty, so resuming a finished
        walk fetches nothing. When a resumed walk's first answer says the
        cursor has expired (``cursor_expired``) the walk starts again.
        """
        cursor = checkpoint.get("cursor", FIRST_CURSOR)
        fetched = int(checkpoint.get("fetched", 0))
        if max_results is not None:
            page_size = min(page_size, max_results)
        resumed = cursor != FIRST_CURSOR
        while cursor and (max_results is None or fetched < max_results):
            response = fetch(cursor, page_size)
            if resumed and cursor_expired is not None and cursor_expired(response):
                logger.warning(
                    "%s no longer knows cursor %s...; starting the walk again",
                    self.name,
                    cursor[:20],
                )
                cursor, fetched, resumed = FIRST_CURSOR, 0, False
                continue
            resumed = False
            self.raise_for_status(response)
            page = self.parse(response.content)
            if max_results is not None and len(page.records) > max_results - fetched:
                # page_size never exceeds max_results, but a resumed walk may
                # stand closer to it than one page.
                page.records = page.records[: max_results - fetched]
            page.start_index = fetched
            fetched += len(page.records) + len(page.deleted)
            next_cursor = (page.checkpoint or {}).get("cursor", "")
            if not (page.records or page.deleted) or (
                max_results is not None and fetched >= max_results
            ):
                next_cursor = ""
            page.checkpoint = {"cursor": next_cursor, "fetched": fetched}
            yield page
            cursor = next_cursor
