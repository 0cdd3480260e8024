"""ORCID public API (pub.orcid.org, v3.0 and v2.1, JSON): a person and their works.

``parse`` turns one saved response into a ``FeedPage`` holding ONE
``ParsedAuthor`` (pure); ``fetch_pages`` asks for ``/{iD}/record`` of each
iD in a list, one page per iD. The responses read are:

- a full record (``/v3.0/{iD}/record``, or the v2.1 record at ``/v2.1/{iD}``):
  name, other names, employments and works;
- a works summary (``/works``), employments (``/employments``) or a person
  section (``/person``) alone: the iD then comes from the response's
  ``path`` ("/0000-0001-8607-8025/works"), and what the response does not
  hold is empty. A works-only or employments-only response carries no name:
  the person's ``name`` is "" (unknown, not "no name"), and each work's
  authorship carries the person by iD only. Read ``/record`` for people
  not yet known: from a works-only response of an unknown iD the ingest
  service, as it stands, makes an Author with an empty name through the
  works' authorships.

Why no client library: there is no well-kept Python client for the public
v3.0 API that fits. ``orcid`` (ORCID/python-orcid) is marked beta, was last
brought up to the 2.0 API, wants an institution key and secret for its
``PublicAPI`` and hands back the same JSON dicts; ``PyOrcid`` wants an
OAuth token for the API (or scrapes the public pages). Reading the record is
one GET with ``Accept: application/json``; ``PoliteClient`` already does the
waiting, the User-Agent and the retries, and the work is in the parsing,
which no client does for us.

Choices a reader may question:

- **Name.** The credit name when given, else given names + family name.
  The name object is used only when its visibility is public (the public
  API returns ``null`` for a private name, as in 0000-0002-6091-2701): else
  the name is "". Other names become ``alternative_names``.
- **Works.** One ``ParsedWork`` per work group, from the group's first
  summary: ORCID lists the preferred version first (in every multi-version
  group of the samples it is also the one with the highest display index).
  Its identifiers are that summary's own, and only those whose relationship
  is ``self``: ``part-of`` names the journal (ISSN) or book, and an id with
  no relationship (old works) is not claimed as the work's. The
  ``external_id`` is "{iD}/work/{put-code}". A work lists no co-authors in
  a summary, so ``complete=False`` and the one authorship is the person, at
  position 0 (unknown position), with the person's iD.
- **Types.** ORCID's types (v2.1 writes ``BOOK_CHAPTER``, v3.0
  ``book-chapter``) in the words ``Work.work_type`` accepts, as the ingest
  service validates the choice: ``journal-article`` -> "article";
  ``preprint`` and ``working-paper`` -> "preprint", and ``other`` with an
  arXiv id too (how ORCID files an arXiv posting); ``conference-paper`` ->
  "proceedings-article"; ``book-chapter``; ``book`` and ``edited-book`` ->
  "book"; ``dissertation``/``dissertation-thesis`` -> "dissertation";
  ``data-set`` -> "dataset"; ``book-review``/``review`` -> "review"; every
  other type (report, conference abstract or poster, software, patent,
  lecture, ...) -> "other".
- **Dates.** ``publication-date`` has year, month and day parts, each
  optional. A year alone is the 1st of January, a year and month the 1st of
  that month; a month or day "00" (Europe PMC imports) means "not given".
  A date that cannot be (month 13, 31 February, letters) is ``None`` and
  the rest of the work is kept.
- **Affiliations** come from employments only (education is not a
  workplace): organisation name, its ROR id when the disambiguation source
  is ROR (Ringgold and GRID ids are not kept: nothing here resolves them),
  its country, and the start and end years.
- **Titles** may hold HTML from Crossref imports; ``title`` is the text
  (``markup.read_markup``, with no element ending a paragraph: entity and
  tag handling is all that is needed), ``title_raw`` the string as ORCID
  gives it.
- **Failures.** A response without a valid iD, or one whose shape breaks
  the parser, is a ``ParseFailure`` for that iD; a work group that cannot
  be read (no title, say) is a ``ParseFailure`` next to the person, whose
  other works are kept. An error body (``response-code`` /
  ``user-message``, or the older ``error-desc``) or a body that is not JSON
  raises ``SourceError``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.conf import settings

from publications.names import collapse_spaces, display_name

from .base import (
    ORCID,
    PAYLOAD_KEPT,
    PMCID,
    PMID,
    FeedPage,
    Identifier,
    ParsedAffiliation,
    ParsedAuthor,
    ParsedAuthorship,
    ParsedInstitution,
    ParsedWork,
    ParseFailure,
    PoliteClient,
    SourceError,
    arxiv_id_from_doi,
    failure_page,
    normalise_arxiv_id,
    normalise_doi,
    normalise_orcid,
    normalise_ror,
    pages_by_id,
    parsed_fields_hash,
    snippet,
)
from .markup import markup_to_line

logger = logging.getLogger(__name__)

SOURCE = "orcid"
ACCEPT_JSON = {"Accept": "application/json"}
# Answers about one person's record, not about the API: unknown iD (404);
# locked, deprecated or deactivated record (409). They fail that iD only.
RECORD_STATUSES = frozenset({404, 409})

RECORD, WORKS, EMPLOYMENTS, PERSON = "record", "works", "employments", "person"
_ENDPOINTS = {
    "record": RECORD,
    "works": WORKS,
    "employments": EMPLOYMENTS,
    "person": PERSON,
}

_WORK_TYPES = {
    "journal-article": "article",
    "preprint": "preprint",
    "working-paper": "preprint",
    "conference-paper": "proceedings-article",
    "book-chapter": "book-chapter",
    "book": "book",
    "edited-book": "book",
    "dissertation": "dissertation",
    "dissertation-thesis": "dissertation",
    "data-set": "dataset",
    "book-review": "review",
    "review": "review",
}
_DIGITS = re.compile(r"^[0-9]{1,4}$")
_PMCID = re.compile(r"^(?:PMC)?([0-9]+)$")
_PMID = re.compile(r"^(?:PMID:?\s*)?([0-9]+)$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def parse(data: bytes) -> FeedPage:
    """One ORCID response (record, works, employments or person) to a page.

    The page holds one ``ParsedAuthor`` (or one ``ParseFailure`` when the
    response cannot be read as a person), followed by a ``ParseFailure``
    for each work group that could not be read. No checkpoint: a response
    is not a position in a list.
    """
    max_bytes = settings.IMPORT_MAX_PAYLOAD_BYTES
    if len(data) > max_bytes:
        raise SourceError(
            f"ORCID response of {len(data)} bytes is larger than {max_bytes} bytes"
        )
    try:
        body = json.loads(data)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise SourceError(f"ORCID response is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise SourceError(
            f"ORCID response is not a JSON object but {type(body).__name__}"
        )
    message = api_error_message(body)
    if message:
        raise SourceError(f"ORCID API error {message}")
    kind = response_kind(body)
    if kind is None:
        raise SourceError(
            "not an ORCID record, works, employments or person response "
            f"(keys: {', '.join(sorted(body)[:10])})"
        )
    text = data[:PAYLOAD_KEPT].decode("utf-8", "replace")
    return FeedPage(records=parse_response(body, kind, payload=text))


def api_error_message(body: dict[str, Any]) -> str:
    """The API's own words for an error body, "" for any other body.

    v2.1 and v3.0 answer ``{"response-code", "developer-message",
    "user-message", "error-code", "more-info"}``; the older API wrote
    ``{"error-desc": {"value": ...}}``.
    """
    if "error-desc" in body:
        desc = body["error-desc"]
        text = desc.get("value") if isinstance(desc, dict) else desc
        return collapse_spaces(str(text or "unknown error"))
    if "response-code" in body and (
        "user-message" in body or "developer-message" in body
    ):
        user = collapse_spaces(str(body.get("user-message") or ""))
        developer = collapse_spaces(str(body.get("developer-message") or ""))
        detail = user or developer or "unknown error"
        if user and developer:
            detail = f"{user} ({developer})"
        return f"{body.get('response-code')}: {detail}"
    return ""


def response_kind(body: dict[str, Any]) -> str | None:
    """Which endpoint answered: by the response's ``path``, else by its keys."""
    path = body.get("path")
    if isinstance(path, str):
        parts = path.strip("/").split("/")
        if len(parts) == 2:
            return _ENDPOINTS.get(parts[1])
    if "orcid-identifier" in body or "activities-summary" in body:
        return RECORD
    if "group" in body:
        return WORKS
    if "affiliation-group" in body or "employment-summary" in body:
        return EMPLOYMENTS
    if "name" in body and "other-names" in body:
        return PERSON
    return None


def parse_response(
    body: dict[str, Any], kind: str, *, payload: str = ""
) -> list[ParsedAuthor | ParseFailure]:
    """A response of the given kind to [ParsedAuthor, work failures...]."""
    raw_id = _orcid_in(body, kind)
    try:
        orcid = normalise_orcid(raw_id)
        if not orcid:
            raise ValueError(f"no valid ORCID iD in the response ({raw_id!r})")
        return _parse_person(body, kind, orcid)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        return [
            ParseFailure(
                source=SOURCE,
                error=_error_text(exc),
                external_id=raw_id,
                payload=payload or _dump(body),
            )
        ]


def _parse_person(
    body: dict[str, Any], kind: str, orcid: str
) -> list[ParsedAuthor | ParseFailure]:
    if kind == RECORD:
        person = body.get("person") or {}
        activities = body.get("activities-summary") or {}
        employments = activities.get("employments")
        works_block = activities.get("works")
    else:
        person = body if kind == PERSON else {}
        employments = body if kind == EMPLOYMENTS else None
        works_block = body if kind == WORKS else None
    name = person_name(person.get("name"))
    works, failures = _parse_works(works_block, orcid=orcid, person=name)
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": orcid,
        "name": name,
        "identifiers": ((ORCID, orcid),),
        "alternative_names": other_names(person.get("other-names"), name=name),
        "affiliations": affiliations(employments),
        "works": works,
    }
    author = ParsedAuthor(payload_hash=parsed_fields_hash(fields), **fields)
    return [author, *failures]


def person_name(name: Any) -> str:
    """Credit name, else given + family names; "" when absent or not public."""
    if not isinstance(name, dict) or not _is_public(name):
        return ""
    credit = _value(name.get("credit-name"))
    if credit:
        return credit
    return collapse_spaces(
        f"{_value(name.get('given-names'))} {_value(name.get('family-name'))}"
    )


def other_names(block: Any, *, name: str = "") -> tuple[str, ...]:
    """Public other names in ORCID's order, without repeats or the name itself."""
    entries = (block or {}).get("other-name") or []
    names = [
        collapse_spaces(str(entry.get("content") or ""))
        for entry in entries
        if _is_public(entry)
    ]
    return tuple(n for n in dict.fromkeys(names) if n and n != name)


def affiliations(block: Any) -> tuple[ParsedAffiliation, ...]:
    """Employments (v3.0 ``affiliation-group`` or v2.1 list), in ORCID's order."""
    found: list[ParsedAffiliation] = []
    for summary in _employment_summaries(block or {}):
        org = summary.get("organization") or {}
        name = collapse_spaces(str(org.get("name") or ""))
        if not name:
            continue
        disambiguated = org.get("disambiguated-organization") or {}
        ror_id = ""
        if str(disambiguated.get("disambiguation-source") or "").upper() == "ROR":
            ror_id = normalise_ror(
                str(disambiguated.get("disambiguated-organization-identifier") or "")
            )
        country = _value((org.get("address") or {}).get("country")).upper()
        found.append(
            ParsedAffiliation(
                institution=ParsedInstitution(
                    name=name,
                    ror_id=ror_id,
                    country_code=country if _COUNTRY.match(country) else "",
                ),
                start_year=_year(summary.get("start-date")),
                end_year=_year(summary.get("end-date")),
            )
        )
    return tuple(dict.fromkeys(found))


def _employment_summaries(block: dict[str, Any]) -> list[dict[str, Any]]:
    if "affiliation-group" in block:
        # v3.0: groups of versions of one affiliation; the first is preferred.
        summaries = []
        for group in block.get("affiliation-group") or []:
            first = next(
                (
                    s["employment-summary"]
                    for s in group.get("summaries") or []
                    if s.get("employment-summary")
                ),
                None,
            )
            if first:
                summaries.append(first)
        return summaries
    return list(block.get("employment-summary") or [])


def _parse_works(
    block: Any, *, orcid: str, person: str
) -> tuple[tuple[ParsedWork, ...], list[ParseFailure]]:
    works: list[ParsedWork] = []
    failures: list[ParseFailure] = []
    for group in (block or {}).get("group") or []:
        summaries = group.get("work-summary") or []
        if not summaries:
            continue
        summary = summaries[0]
        try:
            works.append(parse_work(summary, orcid=orcid, person=person))
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            put_code = summary.get("put-code") if isinstance(summary, dict) else ""
            failures.append(
                ParseFailure(
                    source=SOURCE,
                    error=_error_text(exc),
                    external_id=f"{orcid}/work/{put_code}",
                    payload=_dump(group),
                )
            )
    return tuple(works), failures


def parse_work(summary: dict[str, Any], *, orcid: str, person: str) -> ParsedWork:
    """One work summary to a ParsedWork carrying the person as its one author."""
    put_code = summary.get("put-code")
    if put_code in (None, ""):
        raise ValueError(f"{orcid}: work summary without put-code")
    external_id = f"{orcid}/work/{put_code}"
    title_block = (summary.get("title") or {}).get("title") or {}
    title_raw = str(title_block.get("value") or "")
    title = html_to_text(title_raw)
    if not title:
        raise ValueError(f"{external_id}: work has no title")
    doi, arxiv_id, identifiers = work_identifiers(summary.get("external-ids"))
    url = _value(summary.get("url"))
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": external_id,
        "title": title,
        "title_raw": title_raw,
        "work_type": work_type(summary.get("type"), arxiv_id=arxiv_id),
        "published": publication_date(summary.get("publication-date")),
        "arxiv_id": arxiv_id,
        "doi": doi,
        # Only web links: the URL is shown as a link on the work's page.
        "abs_url": url if url.startswith(("https://", "http://")) else "",
        "venue": _value(summary.get("journal-title")),
        "identifiers": identifiers,
        "authorships": (
            ParsedAuthorship(
                position=0,
                raw_name=person,
                name=display_name(person) if person else "",
                identifiers=((ORCID, orcid),),
            ),
        ),
        "complete": False,
    }
    return ParsedWork(payload_hash=parsed_fields_hash(fields), **fields)


def work_identifiers(block: Any) -> tuple[str, str, tuple[Identifier, ...]]:
    """(doi, arxiv_id, other identifiers) from the ``self`` external ids.

    The first DOI and the first arXiv id in ORCID's order are the work's; an
    arXiv DOI (10.48550/arXiv.X) gives the arXiv id and is not kept as DOI.
    """
    doi = arxiv_id = ""
    others: set[Identifier] = set()
    for entry in (block or {}).get("external-id") or []:
        relationship = str(entry.get("external-id-relationship") or "")
        if relationship.lower() != "self":
            continue
        scheme = str(entry.get("external-id-type") or "").strip().lower()
        value = str(entry.get("external-id-value") or "").strip()
        if scheme == "doi":
            found = normalise_doi(value)
            from_doi = arxiv_id_from_doi(found)
            if from_doi:
                arxiv_id = arxiv_id or normalise_arxiv_id(from_doi)
            elif found:
                doi = doi or found
        elif scheme == "arxiv":
            arxiv_id = arxiv_id or normalise_arxiv_id(value)
        elif scheme == "pmid":
            match = _PMID.match(value.upper())
            if match:
                others.add((PMID, match.group(1)))
        elif scheme == "pmc":
            match = _PMCID.match(value.upper())
            if match:
                others.add((PMCID, f"PMC{match.group(1)}"))
    return doi, arxiv_id, tuple(sorted(others))


def work_type(value: Any, *, arxiv_id: str = "") -> str:
    """ORCID's type in BZPEER's words; see the module docstring."""
    key = str(value or "").strip().lower().replace("_", "-")
    if key in _WORK_TYPES:
        return _WORK_TYPES[key]
    return "preprint" if key in ("", "other") and arxiv_id else "other"


def publication_date(value: Any) -> date | None:
    """The best date of year/month/day parts; see the module docstring."""
    if not isinstance(value, dict):
        return None
    year, month, day = (_value(value.get(part)) for part in ("year", "month", "day"))
    if not year:
        return None
    if not all(_DIGITS.match(part) for part in (year, month, day) if part):
        return None
    month_number = int(month or 0)
    day_number = int(day or 0)
    if month_number == 0:  # a day without its month says nothing
        month_number, day_number = 1, 1
    elif day_number == 0:
        day_number = 1
    try:
        return date(int(year), month_number, day_number)
    except ValueError:
        return None


def html_to_text(value: str) -> str:
    """Text of a title that may hold HTML tags or entities, on one line."""
    if "<" not in value and "&" not in value:
        return collapse_spaces(value)
    return markup_to_line(value, block=(), skipped=(), tidy=collapse_spaces)


def fetch_pages(
    *,
    orcids: Iterable[str] = (),
    checkpoint: dict[str, Any] | None = None,
    client: PoliteClient | None = None,
) -> Iterator[FeedPage]:
    """GET ``{ORCID_API_URL}/{iD}/record`` for each iD, one page per iD.

    ``orcids``: the iDs to read, bare ("0000-0002-1825-0097") or as
    ``https://orcid.org/...`` URLs; a resumed run must pass the same list.
    ``checkpoint``: ``{"index": n}`` from a page already written; reading
    goes on with the n-th iD (0-based). Every page's checkpoint is
    ``{"index": i + 1}``, so the last page's, ``{"index": len(orcids)}``,
    marks the end and a resumed finished run asks for nothing.

    An iD whose checksum fails, an iD ORCID does not know (404) or holds
    locked, deprecated or deactivated (409), and a record body that cannot
    be read are a ``ParseFailure`` for that iD; the run goes on. Any other
    4xx is a ``SourceError`` carrying ORCID's message (429 and 5xx are
    retried by ``PoliteClient`` first).
    """
    orcids = [str(raw) for raw in orcids]
    client = client or PoliteClient(min_interval=settings.ORCID_MIN_INTERVAL)
    base = settings.ORCID_API_URL.rstrip("/")

    def fetch_one(raw: str) -> FeedPage:
        orcid = normalise_orcid(raw)
        if not orcid:
            return failure_page(SOURCE, raw[:100], f"not a valid ORCID iD: {raw!r}")
        page = _fetch_record(client, f"{base}/{orcid}/record", orcid)
        page.items_per_page = 1
        return page

    yield from pages_by_id(orcids, fetch_one, checkpoint=checkpoint or {})


def _fetch_record(client: PoliteClient, url: str, orcid: str) -> FeedPage:
    response = client.get(url, {}, headers=ACCEPT_JSON)
    status = response.status_code
    if status >= 400:
        message = f"ORCID answered HTTP {status} for {orcid}: " + _response_message(
            response.content
        )
        if status not in RECORD_STATUSES:
            raise SourceError(message)
        logger.info("%s", message)
        return _failure_page(orcid, message, response.content)
    try:
        return parse(response.content)
    except SourceError as exc:
        # One person's unreadable record must not stop the others, nor make
        # a resumed run stop at the same iD for ever.
        return _failure_page(orcid, f"{orcid}: {exc}", response.content)


def _failure_page(orcid: str, error: str, content: bytes) -> FeedPage:
    payload = content[:PAYLOAD_KEPT].decode("utf-8", "replace")
    return failure_page(SOURCE, orcid, error, payload=payload)


def _response_message(content: bytes) -> str:
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = api_error_message(body)
        if message:
            return message
    return snippet(content) or "(no body)"


def _orcid_in(body: dict[str, Any], kind: str) -> str:
    """The iD as the response gives it: ``orcid-identifier`` or ``path``."""
    if kind == RECORD:
        identifier = body.get("orcid-identifier")
        if isinstance(identifier, dict) and identifier.get("path"):
            return str(identifier["path"])
    path = body.get("path")
    if isinstance(path, str) and path.strip("/"):
        return path.strip("/").split("/")[0]
    name = body.get("name")
    if kind == PERSON and isinstance(name, dict) and name.get("path"):
        return str(name["path"])
    return ""


def _is_public(item: dict[str, Any]) -> bool:
    visibility = item.get("visibility")
    return visibility is None or str(visibility).lower() == "public"


def _value(item: Any) -> str:
    """``{"value": "x"}`` (or a bare string) to "x", on one line."""
    if isinstance(item, dict):
        item = item.get("value")
    return collapse_spaces(str(item)) if item not in (None, "") else ""


def _year(value: Any) -> int | None:
    year = _value((value or {}).get("year"))
    return int(year) if _DIGITS.match(year) and int(year) > 0 else None


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:PAYLOAD_KEPT]


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValueError):
        return str(exc)
    return f"unexpected shape: {type(exc).__name__}: {exc}"
