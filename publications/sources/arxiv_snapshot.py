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
change in content re-imports as unchanged.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, date
from email.utils import parsedate_to_datetime
from typing import IO, Any

from django.conf import settings

from publications.names import (
    collapse_spaces,
    display_name,
    latex_to_unicode,
    latex_to_unicode_paragraphs,
)

from .arxiv import split_arxiv_id
from .base import (
    FeedPage,
    ParsedAuthorship,
    ParsedWork,
    ParseFailure,
    SourceError,
    first_doi,
    parsed_fields_hash,
)

SOURCE = "arxiv-snapshot"
GZIP_MAGIC = b"\x1f\x8b"
PAYLOAD_KEPT = 10_000  # characters of a failed line kept on its ImportFailure


def parse_line(line: bytes, *, line_number: int = 0) -> ParsedWork | ParseFailure:
    """One snapshot line to a ParsedWork, or a ParseFailure carrying the line."""
    record: Any = None
    try:
        record = json.loads(line)
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
    authorships = _authorships(record.get("authors_parsed"), arxiv_id)
    categories = tuple(dict.fromkeys(_str(record, "categories").split()))
    doi = _str(record, "doi")
    journal_ref = " ".join(_str(record, "journal-ref").split())
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": arxiv_id,
        "title": latex_to_unicode(title_raw),
        "title_raw": title_raw,
        "abstract": latex_to_unicode_paragraphs(abstract_raw),
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
    return ParsedWork(payload_hash=parsed_fields_hash(fields), **fields)


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
        try:
            created = parsedate_to_datetime(item["created"])
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{arxiv_id}: bad version date {item['created']!r}"
            ) from exc
        if created.tzinfo is not None:
            created = created.astimezone(UTC)
        found[int(label[1:])] = created.date()
    return tuple(sorted(found.items()))


def _authorships(value: Any, arxiv_id: str) -> tuple[ParsedAuthorship, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{arxiv_id}: record has no authors")
    authorships = []
    for position, parts in enumerate(value, start=1):
        if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
            raise ValueError(f"{arxiv_id}: author {position} is not a list of names")
        last, first, suffix = [*parts, "", "", ""][:3]
        # Some records carry affiliations after the suffix.
        affiliations = tuple(a for a in map(collapse_spaces, parts[3:]) if a)
        raw_name = " ".join(p for p in map(str.strip, (first, last, suffix)) if p)
        if not raw_name:
            raise ValueError(f"{arxiv_id}: author {position} has no name")
        authorships.append(
            ParsedAuthorship(
                position=position,
                raw_name=raw_name,
                name=display_name(raw_name),
                raw_affiliations=affiliations,
            )
        )
    return tuple(authorships)


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


def read_pages(
    paths: list[str], *, page_size: int = 1000, file_index: int = 0, line: int = 0
) -> Iterator[FeedPage]:
    """Pages of parsed lines; each page's checkpoint says where it ends.

    ``{"file_index": i, "line": n}``: the first n lines of file i and every
    file before it are done. Pages do not span files.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    for index in range(file_index, len(paths)):
        path = paths[index]
        skip = line if index == file_index else 0
        records: list[ParsedWork | ParseFailure] = []
        last = skip
        for number, data in iter_lines(path, skip=skip):
            record = parse_line(data, line_number=number)
            if isinstance(record, ParseFailure):
                record = ParseFailure(
                    source=record.source,
                    error=f"{path}: {record.error}",
                    external_id=record.external_id,
                    payload=record.payload,
                )
            records.append(record)
            last = number
            if len(records) >= page_size:
                yield FeedPage(
                    records=records,
                    checkpoint={"file_index": index, "line": last},
                )
                records = []
        if records:
            yield FeedPage(
                records=records, checkpoint={"file_index": index, "line": last}
            )
