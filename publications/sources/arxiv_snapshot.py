"""The arXiv metadata snapshot: JSON lines, as arXiv distributes it in bulk.

One record a line (id, submitter, authors, authors_parsed, title, comments,
journal-ref, doi, report-no, categories, license, abstract, versions,
update_date), the file plain or gzipped. ``iter_lines`` streams a file in
bounded memory, ``parse_line`` turns one line into a ``ParsedWork`` (pure),
``read_pages`` cuts the lines of several files into pages that carry their
checkpoint.

Names come from ``authors_parsed`` ([last, first, suffix, affiliation...],
already in Unicode) rather than from ``authors`` (TeX, free text joined with
commas and "and"): splitting that string again would be guessing. The raw
name kept is the parsed parts joined in reading order ("Neal J. Evans II").

The payload hash is the API parser's: a hash of the parsed fields
(``parsed_fields_hash``), so a line the snapshot re-serialised without a
change in content re-imports as unchanged. ``_fields_hash`` writes the
same JSON out itself (same bytes, so the same digest), several times
sooner than ``json.dumps`` of a view of the record.

Speed matters here (millions of lines): TeX goes through
``publications.tex`` (the text ``publications.names`` gives, without
pylatexenc for the common TeX), an authorship is checked and built once per
distinct parts and position (authors recur), and version dates in arXiv's
one format are read without ``email.utils``. ``read_pages`` can hand the
parsing to worker processes, which also run a writer's ``prepare``.
Lines are read by orjson (the same objects as the json module's, in 60 %
of its time; a lone surrogate escape, which PostgreSQL could not store,
fails the line there instead).
"""

from __future__ import annotations

import dataclasses
import gc
import gzip
import logging
import multiprocessing
import re
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, date
from email.utils import parsedate_to_datetime
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _json_str
from typing import IO, Any

import orjson
from django.conf import settings

from publications import tex
from publications.names import collapse_spaces

from .arxiv import split_arxiv_id
from .base import (
    FeedPage,
    ParsedAuthorship,
    ParsedWork,
    ParseFailure,
    SourceError,
    first_doi,
    payload_hash,
)

logger = logging.getLogger(__name__)

SOURCE = "arxiv-snapshot"
GZIP_MAGIC = b"\x1f\x8b"
PAYLOAD_KEPT = 10_000  # characters of a failed line kept on its ImportFailure


def parse_line(line: bytes, *, line_number: int = 0) -> ParsedWork | ParseFailure:
    """One snapshot line to a ParsedWork, or a ParseFailure carrying the line."""
    record: Any = None
    try:
        record = orjson.loads(line)
        if not isinstance(record, dict):
            raise ValueError(f"a line holds a JSON {type(record).__name__}, not object")
        return _parse_record(record)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        external_id = ""
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            external_id = record["id"]
        return ParseFailure(
            source=SOURCE,
            error=f"line {line_number}: {exc}",
            external_id=external_id or f"line {line_number}",
            payload=line[:PAYLOAD_KEPT].decode("utf-8", "replace"),
        )


def _parse_record(record: dict[str, Any]) -> ParsedWork:
    arxiv_id, _ = split_arxiv_id(_str(record, "id"))
    title_raw = _str(record, "title")
    if not title_raw.strip():
        raise ValueError(f"{arxiv_id}: record has no title")
    abstract_raw = _str(record, "abstract")
    versions = parse_versions(record.get("versions"), arxiv_id)
    latest = versions[-1][0]
    authored = _authorships(record.get("authors_parsed"), arxiv_id)
    authorships = tuple(a for a, _ in authored)
    categories = tuple(dict.fromkeys(_str(record, "categories").split()))
    doi = _str(record, "doi")
    journal_ref = " ".join(_str(record, "journal-ref").split())
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": arxiv_id,
        "title": tex.to_unicode(title_raw),
        "title_raw": title_raw,
        "abstract": tex.to_unicode_paragraphs(abstract_raw),
        "abstract_raw": abstract_raw,
        "work_type": "article" if (doi.strip() or journal_ref) else "preprint",
        "published": versions[0][1],
        "updated": versions[-1][1],
        "arxiv_id": arxiv_id,
        "arxiv_version": latest,
        # Several DOIs are separated by spaces; the first is the article's own.
        "doi": first_doi(doi),
        "journal_ref": journal_ref,
        "comments": " ".join(_str(record, "comments").split()),
        "categories": categories,
        "abs_url": f"https://arxiv.org/abs/{arxiv_id}v{latest}",
        "pdf_url": f"https://arxiv.org/pdf/{arxiv_id}v{latest}",
        "authorships": authorships,
        "versions": versions,
    }
    fields["payload_hash"] = _fields_hash(fields, [j for _, j in authored])
    return _parsed_work(fields)


def _parsed_work(fields: dict[str, Any]) -> ParsedWork:
    """``ParsedWork(**fields)``, the same object, in a sixth of the time.

    A frozen dataclass's ``__init__`` sets each of its 33 fields through
    ``object.__setattr__``: 6 us a record against 1 here (with the garbage
    collector off; more with it on).
    Here the instance's ``__dict__`` is filled at once, with the defaults
    (all immutable, see ``_WORK_DEFAULTS``) and then the fields.
    tests/publications/sources/test_arxiv_snapshot_parse.py checks it is
    equal to ``ParsedWork(**fields)`` on every real line.
    """
    work = object.__new__(ParsedWork)
    state = work.__dict__
    state.update(_WORK_DEFAULTS)
    state.update(fields)
    return work


# The defaults of ParsedWork's fields; the fields without one (source,
# external_id, payload_hash, title, title_raw) every record sets.
_WORK_DEFAULTS = {
    f.name: f.default
    for f in dataclasses.fields(ParsedWork)
    if f.default is not dataclasses.MISSING
}
assert not any(  # noqa: S101 - a factory's value would be shared by every record
    f.default_factory is not dataclasses.MISSING for f in dataclasses.fields(ParsedWork)
)


def _fields_hash(fields: dict[str, Any], authorships_json: list[str]) -> str:
    """``parsed_fields_hash(fields)``, the same digest, several times sooner.

    The same bytes ``json.dumps(fields, sort_keys=True)`` gives (dates as
    ISO strings, dataclasses as dicts, its separators and ASCII escapes),
    written out for the kinds of value a snapshot record has: the keys in
    sorted order (``_hash_order``, made once), strings escaped by the json
    module's own C escaper, each authorship's JSON made once per distinct
    authorship (``_authorship``). tests/publications/sources/
    test_arxiv_snapshot_parse.py checks the digest against
    ``parsed_fields_hash`` on every real line.
    """
    parts = [
        key + write(authorships_json if name == "authorships" else fields[name])
        for name, key, write in _hash_order(tuple(fields))
    ]
    return payload_hash(("{" + ", ".join(parts) + "}").encode())


def _json_strs(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(map(_json_str, values)) + "]"


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def _json_date(value: date) -> str:
    return f'"{value.isoformat()}"'


def _json_versions(versions: tuple[tuple[int, date], ...]) -> str:
    return "[" + ", ".join(f"[{n}, {_json_date(d)}]" for n, d in versions) + "]"


# How each field that is not a string is written (authorships: their JSON).
_JSON_WRITERS = {
    "arxiv_version": _json_int,
    "authorships": lambda texts: "[" + ", ".join(texts) + "]",
    "categories": _json_strs,
    "published": _json_date,
    "updated": _json_date,
    "versions": _json_versions,
}


@lru_cache(maxsize=8)
def _hash_order(names: tuple[str, ...]) -> list[tuple[str, str, Callable]]:
    """The fields in sorted order: (name, '"name": ', its writer)."""
    return [
        (name, f"{_json_str(name)}: ", _JSON_WRITERS.get(name, _json_str))
        for name in sorted(names)
    ]


def _authorship_json(authorship: ParsedAuthorship) -> str:
    """An authorship as ``json.dumps(asdict(a), sort_keys=True)`` writes it.

    Snapshot authorships carry no identifiers and no institutions.
    """
    return (
        '{"identifiers": [], "institutions": [], "name": '
        + _json_str(authorship.name)
        + ', "position": '
        + str(int(authorship.position))
        + ', "raw_affiliations": '
        + _json_strs(authorship.raw_affiliations)
        + ', "raw_name": '
        + _json_str(authorship.raw_name)
        + "}"
    )


def _str(record: dict[str, Any], key: str) -> str:
    """A text field; JSON null (how the snapshot says "none") is ""."""
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} is a {type(value).__name__}, not a string")
    return value


def parse_versions(value: Any, arxiv_id: str) -> tuple[tuple[int, date], ...]:
    """[{"version": "v2", "created": "Tue, 24 Jul 2007 ..."}] -> ((2, date), ...)."""
    if not isinstance(value, list) or not value:
        raise ValueError(f"{arxiv_id}: record has no versions")
    found: dict[int, date] = {}
    for item in value:
        label = str(item["version"])
        if not label.startswith("v") or not label[1:].isdigit():
            raise ValueError(f"{arxiv_id}: bad version {label!r}")
        found[int(label[1:])] = _version_date(item["created"], arxiv_id)
    return tuple(sorted(found.items()))


# "Mon, 2 Apr 2007 19:18:42 GMT": how every snapshot version is dated.
_GMT_DATE = re.compile(
    r"[A-Z][a-z]{2}, (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) \d\d:\d\d:\d\d GMT"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "Jan",
            "Feb",
            "Mar",
            "Apr",
            "May",
            "Jun",
            "Jul",
            "Aug",
            "Sep",
            "Oct",
            "Nov",
            "Dec",
        ],
        start=1,
    )
}


def _version_date(created: Any, arxiv_id: str) -> date:
    """The UTC day of a version's RFC 2822 date."""
    match = _GMT_DATE.fullmatch(created) if isinstance(created, str) else None
    if match is not None and match.group(2) in _MONTHS:
        try:
            day, month, year = match.groups()
            return date(int(year), _MONTHS[month], int(day))
        except ValueError:
            pass  # an impossible day: the general parser says why
    try:
        parsed = parsedate_to_datetime(created)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{arxiv_id}: bad version date {created!r}") from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.date()


def _authorships(value: Any, arxiv_id: str) -> list[tuple[ParsedAuthorship, str]]:
    """Each authorship with its JSON for the payload hash."""
    if not isinstance(value, list) or not value:
        raise ValueError(f"{arxiv_id}: record has no authors")
    authorships = []
    for position, parts in enumerate(value, start=1):
        try:
            if not isinstance(parts, list):
                raise _AuthorError("is not a list of names")
            authorships.append(_authorship(position, tuple(parts)))
        except _AuthorError as exc:
            raise ValueError(f"{arxiv_id}: author {position} {exc}") from None
        except TypeError:  # a part that is a list or an object
            raise ValueError(
                f"{arxiv_id}: author {position} is not a list of names"
            ) from None
    return authorships


class _AuthorError(ValueError):
    """What is wrong with one author's parts (the caller names the record)."""


@lru_cache(maxsize=65536)
def _authorship(position: int, parts: tuple[str, ...]) -> tuple[ParsedAuthorship, str]:
    """One (frozen, so shareable) authorship per distinct parts and position.

    Authors recur across records: their parts are checked, their names
    converted and their JSON for the payload hash written once. ``parts``
    is [last, first, suffix, affiliation...]; an error is not cached.
    """
    if not all(isinstance(p, str) for p in parts):
        raise _AuthorError("is not a list of names")
    last, first, suffix = [*parts, "", "", ""][:3]
    # Some records carry affiliations after the suffix.
    affiliations = (
        tuple(a for a in map(collapse_spaces, parts[3:]) if a) if len(parts) > 3 else ()
    )
    raw_name = " ".join(p for p in (first.strip(), last.strip(), suffix.strip()) if p)
    if not raw_name:
        raise _AuthorError("has no name")
    authorship = ParsedAuthorship(
        position=position,
        raw_name=raw_name,
        name=tex.to_unicode(raw_name),
        raw_affiliations=affiliations,
    )
    return authorship, _authorship_json(authorship)


def iter_lines(path: str, *, skip: int = 0) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of a plain or gzipped file, one line in memory.

    Lines are numbered from 1; the first ``skip`` are read past unparsed. A
    line longer than IMPORT_MAX_PAYLOAD_BYTES is yielded cut short (its
    parse then fails and is recorded) and the rest of it is skipped. A file
    that cannot be opened or read is a SourceError, which ends the run as
    FAILED and resumable.
    """
    limit = settings.IMPORT_MAX_PAYLOAD_BYTES
    try:
        with _open(path) as handle:
            number = 0
            while True:
                line = handle.readline(limit + 1)
                if not line:
                    return
                number += 1
                if len(line) > limit and not line.endswith(b"\n"):
                    while True:  # drop the rest of the over-long line
                        rest = handle.readline(limit)
                        if not rest or rest.endswith(b"\n"):
                            break
                if number <= skip or not line.strip():
                    continue
                yield number, line
    except (OSError, EOFError) as exc:
        # gzip.BadGzipFile is an OSError; a truncated gzip ends with EOFError.
        raise SourceError(f"{path}: {getattr(exc, 'strerror', None) or exc}") from exc


def _open(path: str) -> IO[bytes]:
    """The file's lines, gunzipped when it starts with the gzip magic.

    The content decides, not the name: snapshots are renamed.
    """
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == GZIP_MAGIC
    if gzipped:
        return gzip.open(path, "rb")
    return open(path, "rb")


GC_YOUNG_THRESHOLD = 50_000

# prepare(numbered lines, their records, known) -> (records to send, one
# entry per record); look_up(numbered lines) -> known
Prepare = Callable[
    [list[tuple[int, bytes]], list[ParsedWork | ParseFailure], Any],
    tuple[list[Any], list[Any]],
]
LookUp = Callable[[list[tuple[int, bytes]]], Any]


def read_pages(
    paths: list[str],
    *,
    page_size: int = 1000,
    file_index: int = 0,
    line: int = 0,
    workers: int = 0,
    freeze_heap: bool = False,
    prepare: Prepare | None = None,
    look_up: LookUp | None = None,
) -> Iterator[FeedPage]:
    """Pages of parsed lines; each page's checkpoint says where it ends.

    ``{"file_index": i, "line": n}``: the first n lines of file i and every
    file before it are done. Pages do not span files.

    With ``workers`` > 0, that many processes parse pages ahead of the one
    being written (at most two pages each, so memory stays bounded); pages
    still come in file order. A process that cannot have children (a
    daemonic Celery worker) parses inline.

    ``prepare``: a pure function of a page's numbered lines and their
    records giving the records as the writer takes them (a lighter stand-in
    for a record it will not need whole, say) and one entry for each, which
    the page carries as ``prepared`` (a writer's per-record work, done
    where the page is parsed: in a parsing process, beside the writer).
    ``look_up``, called here with a page's numbered lines before they go to
    be parsed, gives ``prepare`` its third argument (what the writer
    already holds, say, so that work is not prepared for nothing).

    ``freeze_heap``: while the pages are read, the objects that existed
    before (modules, Django) are left out of the garbage collector's full
    passes (``gc.freeze``), which a load of millions of records triggers
    thousands of times; a quarter of the writing process's time otherwise.
    The young generation is also collected less often (every
    ``GC_YOUNG_THRESHOLD`` allocations rather than 700): a page's records
    hold no cycles, so most of what a collection looked at was still in
    use and was promoted, to be looked at again by the older generations.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    thresholds = gc.get_threshold()
    if freeze_heap:
        gc.collect()
        gc.freeze()
        gc.set_threshold(GC_YOUNG_THRESHOLD, *thresholds[1:])
    try:
        lines = _raw_pages(paths, page_size, file_index, line)
        if workers > 0 and not multiprocessing.current_process().daemon:
            yield from _parsed_in_pool(lines, workers, prepare, look_up)
            return
        for path, numbered, checkpoint in lines:
            known = look_up(numbered) if look_up else None
            records, prepared = _parse_page(path, numbered, prepare, known)
            yield FeedPage(records=records, checkpoint=checkpoint, prepared=prepared)
    finally:
        if freeze_heap:
            gc.set_threshold(*thresholds)
            gc.unfreeze()


RawPage = tuple[str, list[tuple[int, bytes]], dict[str, int]]


def _raw_pages(
    paths: list[str], page_size: int, file_index: int, line: int
) -> Iterator[RawPage]:
    """(path, numbered lines, checkpoint) of each page, unparsed."""
    for index in range(file_index, len(paths)):
        path = paths[index]
        skip = line if index == file_index else 0
        numbered: list[tuple[int, bytes]] = []
        for number, data in iter_lines(path, skip=skip):
            numbered.append((number, data))
            if len(numbered) >= page_size:
                yield path, numbered, {"file_index": index, "line": number}
                numbered = []
        if numbered:
            yield path, numbered, {"file_index": index, "line": numbered[-1][0]}


def _parse_page(
    path: str,
    numbered: list[tuple[int, bytes]],
    prepare: Prepare | None = None,
    known: Any = None,
) -> tuple[list[ParsedWork | ParseFailure], list[Any] | None]:
    records: list[ParsedWork | ParseFailure] = []
    for number, data in numbered:
        record = parse_line(data, line_number=number)
        if isinstance(record, ParseFailure):
            record = ParseFailure(
                source=record.source,
                error=f"{path}: {record.error}",
                external_id=record.external_id,
                payload=record.payload,
            )
        records.append(record)
    if prepare is None:
        return records, None
    try:
        return prepare(numbered, records, known)
    except Exception:
        # Preparing is the writer's work done ahead; the writer does what
        # is missing itself (and writes a record it cannot, one by one).
        logger.warning("%s: preparing a page failed", path, exc_info=True)
        return records, None


def _parsed_in_pool(
    lines: Iterator[RawPage],
    workers: int,
    prepare: Prepare | None,
    look_up: LookUp | None,
) -> Iterator[FeedPage]:
    # Forked parsers share the parent's open database connection but never
    # use it (parsing is pure) and leave without closing it (os._exit).
    context = multiprocessing.get_context("fork")
    pending: deque[tuple[dict[str, int], Any]] = deque()
    with context.Pool(workers) as pool:
        try:
            for path, numbered, checkpoint in lines:
                pending.append(
                    (
                        checkpoint,
                        pool.apply_async(
                            _parse_page,
                            (
                                path,
                                numbered,
                                prepare,
                                look_up(numbered) if look_up else None,
                            ),
                        ),
                    )
                )
                if len(pending) > 2 * workers:
                    checkpoint, result = pending.popleft()
                    yield _page(result.get(), checkpoint)
        except SourceError:
            # A file that cannot be read ends the run after the pages
            # before it, as reading inline does.
            while pending:
                checkpoint, result = pending.popleft()
                yield _page(result.get(), checkpoint)
            raise
        while pending:
            checkpoint, result = pending.popleft()
            yield _page(result.get(), checkpoint)


def _page(parsed: tuple[list[Any], list[Any] | None], checkpoint: dict) -> FeedPage:
    records, prepared = parsed
    return FeedPage(records=records, checkpoint=checkpoint, prepared=prepared)
