"""arXiv OAI-PMH (export.arxiv.org/oai2): harvest ListRecords, arXivRaw or arXiv.

``parse`` turns one OAI-PMH response (ListRecords or GetRecord) into a
``FeedPage`` (pure); ``fetch_pages`` walks a harvest page by page, following
the ``resumptionToken``. Each page's checkpoint holds the token that asks
for the *next* page, so a run saved after page n resumes with page n + 1.

Two of arXiv's metadata formats are read, both into the same ParsedWork
fields: ``arXivRaw`` (the default; authors as one TeX string, every version
with its date) and ``arXiv`` (authors parsed by arXiv into keyname,
forenames, suffix and affiliations; only a ``created`` and an ``updated``
date). ``fetch_pages`` asks for the one it is given; ``parse`` does not
need telling: each record's format is recognised by the namespace of its
metadata element, so a saved page of either format (or a page mixing them)
reads the same way, and a record in any other format (``oai_dc``, or an
``<arXiv>`` element in no arXiv namespace) is a ParseFailure of its own
while the rest of the page goes on.

Why a thin loop here and not sickle: sickle sends its requests with the
module-level ``requests.get``/``post`` (``Sickle.harvest``), so it cannot be
given our ``PoliteClient`` session without overriding the one method that
does the protocol; its own 503 handling ignores our 3 s rate limit and
Retry-After bound; and its iterators hide the page boundary, which is where
our checkpoint must be saved. The loop OAI-PMH needs is ten lines (ask, read
records, follow the token), and the parser is defusedxml, like the API's:
no DTDs, no entity expansion, no network.

Choices a reader may question:

- **Authors.** arXivRaw gives the authors as one TeX string ("D.V. Shetty,
  S.J. Yennello, and G.A. Souliotis"). It is split on commas and on the word
  "and" (surrounded by spaces), outside parentheses; a parenthesised part
  after a name is that author's affiliation ("A. Smith (MIT)", or a key
  "(1)" whose legend is not resolved); a piece that is only a suffix
  ("Jr.", "III") is joined to the name before it.
- **Deleted records** (header ``status="deleted"``) carry no metadata. They
  are listed on the page as ``deleted`` ids: the run counts them as seen and
  unchanged, logs them, and deletes nothing — arXiv does not withdraw works
  through OAI in practice, and a work may be known from other sources.
- **Errors.** ``noRecordsMatch`` is an empty, successful page (nothing
  changed since ``from``); every other OAI error (``badResumptionToken``,
  ``badArgument``, ...) is a ``SourceError``, which ends the run as FAILED.
- **Dates.** ``published`` is the v1 date, ``updated`` the latest version's,
  as the bulk snapshot reader does; the OAI datestamp is not the work's date.
- **The arXiv format.** ``published`` is ``<created>`` (the v1 date),
  ``updated`` is ``<updated>`` or, for a paper never revised, ``<created>``.
  The format has no list of versions and does not say which version is the
  latest, so ``versions`` is empty, ``arxiv_version`` is None and the
  links point at the unversioned abstract and PDF (which arXiv serves as
  the latest). An author is "Forenames Keyname Suffix" (the snapshot's
  order) with every ``<affiliation>`` kept; an "author" with no letter or
  digit in it is skipped: arXiv's own splitting leaves a ":" where a
  collaboration's name ended ("Keck Array and BICEP2 Collaborations: P.
  Ade, ..."). Harvest one format per deployment: a work last written from
  arXivRaw and then from arXiv has its arxiv_version cleared by the same
  source's emptier record (its WorkVersion rows stay).
- **Not kept, in either format:** ``license``, ``report-no``,
  ``msc-class``, ``acm-class`` and arXivRaw's ``submitter``/``proxy``:
  ParsedWork and Work have no field for them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date
from typing import Any
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings

from publications.names import (
    collapse_spaces,
    display_name,
)

from .arxiv import split_arxiv_id, text_fields
from .arxiv_snapshot import parse_versions
from .base import (
    FeedPage,
    ParsedAuthorship,
    ParsedWork,
    ParseFailure,
    PoliteClient,
    SourceError,
    parsed_fields_hash,
    to_int,
)

logger = logging.getLogger(__name__)

SOURCE = "arxiv-oai"
METADATA_PREFIX = "arXivRaw"  # the default: it dates every version
METADATA_PREFIXES = ("arXivRaw", "arXiv")
OAI = "{http://www.openarchives.org/OAI/2.0/}"
RAW = "{http://arxiv.org/OAI/arXivRaw/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"
# The OAI answer for "nothing in this range": an empty harvest, not an error.
NO_RECORDS = "noRecordsMatch"
SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
PAYLOAD_KEPT = 10_000

_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def parse(data: bytes) -> FeedPage:
    """One OAI-PMH response to a page of records.

    The checkpoint is ``{"resumption_token", "cursor", "response_date"}``;
    an empty token means the list is complete. ``total_results`` is the
    ``completeListSize`` when the server gives it.
    """
    try:
        root = fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except (ParseError, DefusedXmlException) as exc:
        raise SourceError(f"OAI-PMH response is not well-formed XML: {exc}") from exc
    if root.tag != f"{OAI}OAI-PMH":
        raise SourceError(f"not an OAI-PMH response: root element {root.tag!r}")
    response_date = (root.findtext(f"{OAI}responseDate") or "").strip()
    errors = root.findall(f"{OAI}error")
    if errors:
        codes = [e.get("code", "") for e in errors]
        if codes == [NO_RECORDS]:
            return FeedPage(
                total_results=0,
                checkpoint={
                    "resumption_token": "",
                    "cursor": 0,
                    "response_date": response_date,
                },
            )
        detail = "; ".join(
            f"{e.get('code', '?')}: {(e.text or '').strip()}" for e in errors
        )
        raise SourceError(f"arXiv OAI-PMH error {detail}")

    page = FeedPage()
    for record in root.iter(f"{OAI}record"):
        header = record.find(f"{OAI}header")
        if header is not None and header.get("status") == "deleted":
            page.deleted.append(_identifier(header))
            continue
        page.records.append(parse_record(record))

    token = root.find(f".//{OAI}resumptionToken")
    cursor = 0
    if token is not None:
        cursor = to_int(token.get("cursor")) or 0
        page.total_results = to_int(token.get("completeListSize"))
    page.start_index = cursor
    page.items_per_page = len(page.records) + len(page.deleted)
    page.checkpoint = {
        "resumption_token": (token.text or "").strip() if token is not None else "",
        "cursor": cursor + page.items_per_page,
        "response_date": response_date,
    }
    return page


def parse_record(record: Element) -> ParsedWork | ParseFailure:
    """One ``<record>`` to a ParsedWork, or a ParseFailure carrying its XML."""
    header = record.find(f"{OAI}header")
    external_id = _identifier(header) if header is not None else ""
    try:
        metadata = record.find(f"{OAI}metadata")
        element = next(iter(metadata), None) if metadata is not None else None
        if element is None:
            raise ValueError(f"{external_id or 'record'}: no metadata")
        if element.tag == f"{RAW}arXivRaw":
            return _parse_raw(element)
        if element.tag == f"{ARXIV}arXiv":
            return _parse_arxiv(element)
        raise ValueError(
            f"{external_id or 'record'}: metadata {element.tag!r} is neither"
            f" arXivRaw ({RAW[1:-1]}) nor arXiv ({ARXIV[1:-1]})"
        )
    except (ValueError, KeyError) as exc:
        return ParseFailure(
            source=SOURCE,
            error=str(exc),
            external_id=external_id,
            payload=tostring(record, encoding="unicode")[:PAYLOAD_KEPT],
        )


def _parse_raw(raw: Element) -> ParsedWork:
    arxiv_id, _ = split_arxiv_id(_text(raw, "id"))
    title_raw = _raw_text(raw, "title")
    if not title_raw.strip():
        raise ValueError(f"{arxiv_id}: record has no title")
    abstract_raw = _raw_text(raw, "abstract")
    versions = parse_versions(
        [
            {"version": v.get("version", ""), "created": _text(v, "date")}
            for v in raw.findall(f"{RAW}version")
        ],
        arxiv_id,
    )
    latest = versions[-1][0]
    authorships = authorships_from_string(_text(raw, "authors"), arxiv_id)
    categories = tuple(dict.fromkeys(_text(raw, "categories").split()))
    doi = _text(raw, "doi")
    journal_ref = collapse_spaces(_text(raw, "journal-ref"))
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": arxiv_id,
        **text_fields(
            title_raw=title_raw,
            abstract_raw=abstract_raw,
            doi=doi,
            journal_ref=journal_ref,
        ),
        "published": versions[0][1],
        "updated": versions[-1][1],
        "arxiv_id": arxiv_id,
        "arxiv_version": latest,
        "journal_ref": journal_ref,
        "comments": collapse_spaces(_text(raw, "comments")),
        "categories": categories,
        "abs_url": f"https://arxiv.org/abs/{arxiv_id}v{latest}",
        "pdf_url": f"https://arxiv.org/pdf/{arxiv_id}v{latest}",
        "authorships": authorships,
        "versions": versions,
    }
    return ParsedWork(payload_hash=parsed_fields_hash(fields), **fields)


def _parse_arxiv(meta: Element) -> ParsedWork:
    """An ``arXiv``-format record; see the module docstring for what differs."""
    arxiv_id, _ = split_arxiv_id(_text(meta, "id"))
    title_raw = _raw_text(meta, "title")
    if not title_raw.strip():
        raise ValueError(f"{arxiv_id}: record has no title")
    abstract_raw = _raw_text(meta, "abstract")
    published = _iso_date(meta, "created", arxiv_id)
    if published is None:
        raise ValueError(f"{arxiv_id}: record has no created date")
    authorships = authorships_from_elements(meta.find(f"{ARXIV}authors"), arxiv_id)
    categories = tuple(dict.fromkeys(_text(meta, "categories").split()))
    doi = _text(meta, "doi")
    journal_ref = collapse_spaces(_text(meta, "journal-ref"))
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": arxiv_id,
        **text_fields(
            title_raw=title_raw,
            abstract_raw=abstract_raw,
            doi=doi,
            journal_ref=journal_ref,
        ),
        "published": published,
        "updated": _iso_date(meta, "updated", arxiv_id) or published,
        "arxiv_id": arxiv_id,
        "arxiv_version": None,
        "journal_ref": journal_ref,
        "comments": collapse_spaces(_text(meta, "comments")),
        "categories": categories,
        "abs_url": f"https://arxiv.org/abs/{arxiv_id}",
        "pdf_url": f"https://arxiv.org/pdf/{arxiv_id}",
        "authorships": authorships,
        "versions": (),
    }
    return ParsedWork(payload_hash=parsed_fields_hash(fields), **fields)


def authorships_from_elements(
    authors: Element | None, arxiv_id: str
) -> tuple[ParsedAuthorship, ...]:
    """``<authors><author><keyname/><forenames/>...`` to authorships, in order.

    Every ``keyname``/``forenames``/``suffix`` element is read, in case a
    record repeats one (a real, if edited, record does); positions count
    the authors kept, so skipping a ":" leaves no gap.
    """
    found = authors.findall(f"{ARXIV}author") if authors is not None else []
    authorships: list[ParsedAuthorship] = []
    for author in found:
        raw_name = " ".join(
            part
            for name in ("forenames", "keyname", "suffix")
            for part in (collapse_spaces(e.text or "") for e in _all(author, name))
            if part
        )
        if not any(char.isalnum() for char in raw_name):
            continue
        affiliations = tuple(
            text
            for text in (
                collapse_spaces(e.text or "") for e in _all(author, "affiliation")
            )
            if text
        )
        authorships.append(
            ParsedAuthorship(
                position=len(authorships) + 1,
                raw_name=raw_name,
                name=display_name(raw_name),
                raw_affiliations=affiliations,
            )
        )
    if not authorships:
        raise ValueError(f"{arxiv_id}: record has no authors")
    return tuple(authorships)


def split_authors(value: str) -> list[tuple[str, str]]:
    """'A. Smith (MIT), B. Jones, Jr. and C. Li' -> [(name, affiliation), ...].

    Splits on commas and " and " outside parentheses; see the module
    docstring for the rule.
    """
    pieces: list[str] = []
    depth = 0
    current: list[str] = []
    for char in collapse_spaces(value):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if char == "," and depth == 0:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))

    names: list[tuple[str, str]] = []
    for piece in pieces:
        for part in _split_and_outside_parens(piece):
            part = part.strip()
            if part.lower().startswith("and "):
                part = part[4:].strip()
            if not part:
                continue
            if part.lower() in SUFFIXES and names:
                name, affiliation = names[-1]
                names[-1] = (f"{name} {part}", affiliation)
                continue
            name, affiliation = _name_and_affiliation(part)
            if name:
                names.append((name, affiliation))
    return names


def _split_and_outside_parens(piece: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _AND.finditer(piece):
        before = piece[: match.start()]
        if before.count("(") == before.count(")"):
            parts.append(piece[start : match.start()])
            start = match.end()
    parts.append(piece[start:])
    return parts


def _name_and_affiliation(part: str) -> tuple[str, str]:
    """'A. Smith (MIT)' -> ('A. Smith', 'MIT').

    Only the first parenthesised group is the author's: in 'M. Bayer (1)
    ((1) Dortmund, (2) Bochum)' it is the key "1" and the rest is the
    legend of the keys, which is not resolved.
    """
    if "(" not in part:
        return part, ""
    name, _, rest = part.partition("(")
    depth = 1
    for index, char in enumerate(rest):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            rest = rest[:index]
            break
    return name.strip(), collapse_spaces(rest)


def authorships_from_string(value: str, arxiv_id: str) -> tuple[ParsedAuthorship, ...]:
    names = split_authors(value)
    if not names:
        raise ValueError(f"{arxiv_id}: record has no authors")
    return tuple(
        ParsedAuthorship(
            position=position,
            raw_name=name,
            name=display_name(name),
            raw_affiliations=(affiliation,) if affiliation else (),
        )
        for position, (name, affiliation) in enumerate(names, start=1)
    )


def fetch_pages(
    *,
    from_date: str = "",
    until: str = "",
    set_spec: str = "",
    resumption_token: str = "",
    metadata_prefix: str = METADATA_PREFIX,
    client: PoliteClient | None = None,
) -> Iterator[FeedPage]:
    """Harvest ListRecords page by page, from the start or from a token.

    Every page's checkpoint carries the token of the next page; the harvest
    ends at the page whose token is empty (or at ``noRecordsMatch``).
    ``metadata_prefix`` ("arXivRaw" or "arXiv") is sent with the first
    request only: the server keeps it in the token.
    """
    if metadata_prefix not in METADATA_PREFIXES:
        raise ValueError(
            f"unknown metadata prefix {metadata_prefix!r};"
            f" known: {', '.join(METADATA_PREFIXES)}"
        )
    client = client or PoliteClient(min_interval=settings.ARXIV_MIN_INTERVAL)
    token = resumption_token
    while True:
        if token:
            # OAI-PMH: a resumptionToken is exclusive of every other argument.
            params: dict[str, str | int] = {
                "verb": "ListRecords",
                "resumptionToken": token,
            }
        else:
            params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
            for key, value in (
                ("from", from_date),
                ("until", until),
                ("set", set_spec),
            ):
                if value:
                    params[key] = value
        response = client.get(settings.ARXIV_OAI_URL, params)
        if response.status_code >= 400:
            raise SourceError(
                f"arXiv OAI-PMH answered HTTP {response.status_code}: "
                + response.content[:200].decode("utf-8", "replace")
            )
        page = parse(response.content)
        for identifier in page.deleted:
            logger.info("arXiv OAI-PMH lists %s as deleted; kept", identifier)
        yield page
        token = page.checkpoint["resumption_token"] if page.checkpoint else ""
        if not token:
            return


def _identifier(header: Element) -> str:
    """'oai:arXiv.org:0704.0471' -> '0704.0471'."""
    value = (header.findtext(f"{OAI}identifier") or "").strip()
    return value.removeprefix("oai:arXiv.org:")


def _namespace(element: Element) -> str:
    """'{http://arxiv.org/OAI/arXiv/}id' -> '{http://arxiv.org/OAI/arXiv/}'.

    A child is looked up in its parent's namespace, so one set of helpers
    reads both formats.
    """
    return element.tag[: element.tag.index("}") + 1] if "}" in element.tag else ""


def _all(element: Element, name: str) -> list[Element]:
    return element.findall(f"{_namespace(element)}{name}")


def _raw_text(element: Element, name: str) -> str:
    found = element.find(f"{_namespace(element)}{name}")
    if found is None or found.text is None:
        return ""
    return found.text


def _text(element: Element, name: str) -> str:
    return _raw_text(element, name).strip()


def _iso_date(element: Element, name: str, arxiv_id: str) -> date | None:
    """The arXiv format's dates are 'YYYY-MM-DD'; None when absent."""
    value = _text(element, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{arxiv_id}: bad {name} date {value!r}") from exc
