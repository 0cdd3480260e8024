"""The arXiv snapshot's set-based writer on PostgreSQL: a page in 26 queries.

``works_ingest`` writes one record at a time (a dozen queries each, about
30 records a second): right for feeds, days for a snapshot of millions.
``snapshot_page_ingest`` writes a page of snapshot records together, with
the rows the per-record path writes. SQLite runs (and runs asked to, see
``set_based_applies``) keep the per-record path. A page is first planned
(``page_plan``: sorted, ids drawn, every row made), then written
(``_plan_write``); ``pages_write`` writes each page in a second thread
while the next one is planned.

1. **Sort** the page: records whose SourceRecord holds the same payload
   hash are *unchanged* (skipped, nothing written). Records whose
   SourceRecord differs are *changed*: those whose work the snapshot alone
   wrote and whose authors are the same (``_updatable`` says exactly when)
   are *updated* set-based; the others, records whose arXiv id or DOI
   already belongs to a work (another reader or source wrote it), that
   share an identifier with another record of the page, or that the
   database would refuse (a value too long for its column, an empty
   title) take the *standard* path, ``works_ingest`` record by record, so
   precedence, merges and provenance hold and a bad record becomes an
   ImportFailure; the rest are *new* works.
2. **Write the new works set-based.** Their ids are drawn from the
   sequences (one query), so every row of a new work (work, identifiers,
   versions, topics, authorships, source record, and the name forms of new
   authors) goes into its real table with one ``COPY`` per table: none of
   those rows can already exist, so there is nothing to upsert and nothing
   to map back. What a row takes from the record alone is made beforehand
   by ``page_prepare``, which the snapshot reader runs in its parsing
   processes (the Work's values; the other rows as COPY text), so the
   planner only puts in ids and the time. Those processes send a new or
   unchanged record as a ``PageRecord``, the few values the writer reads,
   rather than the whole ``ParsedWork``, which costs more to unpickle than
   the rest of its planning. Rows that may already exist go
   through ``INSERT ... SELECT FROM unnest(...) ON CONFLICT``: name forms
   of known authors (DO NOTHING), institutions (DO NOTHING, then their
   ids), affiliations (DO UPDATE, widening the years). Topics for unknown
   arXiv codes are created with their names from
   ``publications.arxiv_taxonomy``. References other works made to the new
   ones are completed in one UPDATE.
3. **Authors by exact name.** Each authorship's author is the oldest
   visible Author with its ``name_key`` (as the run's committed pages
   found it, ``Known``), else one new Author per name on the page;
   attribution "name" for an existing author, "new" on the work
   that made the author, detail ``{"name_key": ...}``. The standard path
   decides by the same rule (``identity.authorships_resolve_by_name``),
   so that a load decides one way. Weighing evidence
   (``identity.authorships_resolve_authors``: co-authors, topics, years)
   is what a page of thousands of authors cannot afford, and at a
   million works it cost the 148 generated records that share a DOI 105
   s of a 543 s load (29 s by name; tests/bench/bench_snapshot.py).
   ``authors_changed`` then starts re-resolution
   (``reresolution.authorships_reresolve``), which decides these rows
   again with that evidence, as it does after any import.
4. **Update the changed works set-based** (``_updates_write``): what
   ``works_ingest`` writes for them, in one statement per table: every
   field from the record, new identifiers and versions, the arXiv topics,
   the source records. A monthly snapshot changes a few records in a
   hundred (new versions, journal references); one by one they cost more
   than the whole unchanged rest.

Why not stage every table and ``INSERT ... ON CONFLICT`` from it: new
works' rows cannot conflict once the page is sorted, so staging would
write them twice. Only a concurrent writer could make one conflict
between the sort and the COPY; the whole set-based write runs in a
savepoint, and a page that fails there for any reason is written again
record by record by ``works_ingest``, which loses nothing.

The new works' authors are recounted (as ``authors_recount`` counts them,
in one statement a batch) and ``authors_changed`` is sent for them once,
after the last page (``snapshot_run_finish``), not after every page as
``works_ingest`` does: an author's counts read all the author's works, so
recounting on every page that names a prolific author reads those works
again and again (the load turns quadratic). Until the run finishes, or if
it fails and is not resumed, those counters lag (``manage.py recount``
mends them). The works the standard path creates are the run's too, and
their authors wait for the same finish (``works_ingest(recount_created=
False)``); the authors of a work it updates are recounted with their page,
by this module's one-statement recount (``_authors_recount``). The caller
(``import_runs._ingest_page``) holds the page's transaction, in which the
run's checkpoint is saved.

PostgreSQL's planner is kept informed as the run fills the tables
(``ANALYZE`` when the run's works double, see ``_statistics_due``), and
JIT compilation is off for the page's statements, and PostgreSQL's
per-row foreign key checks are skipped where the role may skip them: the
rows cannot break a key (``_page_settings`` says why and how).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import chain, islice
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from publications.arxiv_taxonomy import is_arxiv_category
from publications.models import (
    Affiliation,
    Author,
    AuthorAlias,
    Authorship,
    Citation,
    ImportFailure,
    ImportRun,
    Institution,
    SourceRecord,
    Topic,
    Work,
    WorkIdentifier,
    WorkTopic,
    WorkVersion,
)
from publications.names import collapse_spaces, name_key
from publications.signals import authors_changed
from publications.sources import arxiv_snapshot
from publications.sources.arxiv import valid_arxiv_id
from publications.sources.base import (
    ARXIV,
    DOI,
    FeedPage,
    ParsedAuthorship,
    ParsedWork,
    ParseFailure,
)

from .identity import authorships_resolve_by_name
from .ingest import (
    IngestCounts,
    _record_values,
    arxiv_topics_create,
    works_ingest,
)

logger = logging.getLogger(__name__)

NAME = Authorship.Attribution.NAME
NEW = Authorship.Attribution.NEW
SOURCE = arxiv_snapshot.SOURCE


@dataclass
class PagePaths:
    """How many records of a page took each path."""

    set_based: int = 0  # new works, written set-based
    standard: int = 0  # through works_ingest, one by one
    skipped: int = 0  # unchanged payload hash, nothing written
    retried_pages: int = 0  # pages the set-based write gave back

    def add_to(self, totals: dict[str, int] | None) -> dict[str, int]:
        totals = dict(totals or {})
        for key, value in (
            ("set_based", self.set_based),
            ("standard", self.standard),
            ("skipped", self.skipped),
            ("retried_pages", self.retried_pages),
        ):
            totals[key] = totals.get(key, 0) + value
        return totals


@dataclass
class SnapshotPageCounts(IngestCounts):
    paths: PagePaths = field(default_factory=PagePaths)


@dataclass(frozen=True)
class PreparedWork:
    """A new work's rows, but for what only the database knows.

    ``work``: the Work's columns between its id and its timestamps, as
    values (they share the record's strings, so sending them to the writer
    costs little) or None when the database would refuse the record or the
    writer has no column for one of its fields: the standard path writes
    it. The other rows are COPY text (``_copy_text``), the columns a row
    takes from the record alone; the writer adds the ids (the work's, its
    authors', the run's) and the time. ``author_keys``: each authorship's
    name key, which picks its author: made where the record is prepared,
    so the writing process makes none (at a million records it made 1.6
    million, its cache of 65,536 names too small for 431,017 authors).
    """

    work: tuple | None
    identifiers: tuple[str, ...] = ()  # scheme, value
    versions: tuple[str, ...] = ()  # version, submitted
    authorships: tuple[str, ...] = ()  # position ... identifiers (_AUTHORSHIP_*)
    author_keys: tuple[str, ...] = ()  # name_key of each authorship's name
    source_record: str = ""  # source ... author (_SOURCE_*)


class PageRecord(NamedTuple):
    """A record as the writer takes it from the parsing processes when it is
    new or unchanged: what sorts it, and what its new work's rows need
    beyond its ``PreparedWork``.

    The parsing processes send it instead of the ``ParsedWork`` because
    unpickling a ParsedWork (33 fields, dates, authorship objects) cost the
    writing process 45 us a record, a third of its time on a cold load; a
    page of PageRecords and their prepared rows takes about 9 us a record. ``parsed()`` parses the
    line again for the few records the writer finds it needs whole (a
    changed record, or one for the standard path).
    """

    external_id: str
    payload_hash: str
    arxiv_id: str
    doi: str
    categories: tuple[str, ...]
    year: int | None  # of the first version: an affiliation's year
    authors: tuple[tuple[str, tuple[str, ...]], ...]  # (name, raw affiliations)
    line: bytes = b""
    line_number: int = 0

    def parsed(self) -> ParsedWork:
        record = arxiv_snapshot.parse_line(self.line, line_number=self.line_number)
        if not isinstance(record, ParsedWork):  # it parsed in the parsing process
            raise ValueError(
                f"line {self.line_number} no longer parses: {record.error}"
            )
        return record


def page_record(
    work: ParsedWork, line: bytes = b"", line_number: int = 0
) -> PageRecord:
    """A record's ``PageRecord``; with its line, it can be parsed again."""
    return PageRecord(
        external_id=work.external_id,
        payload_hash=work.payload_hash,
        arxiv_id=work.arxiv_id,
        doi=work.doi,
        categories=work.categories,
        year=work.published.year if work.published else None,
        authors=tuple((a.name, a.raw_affiliations) for a in work.authorships),
        line=line,
        line_number=line_number,
    )


def _whole(record: ParsedWork | PageRecord) -> ParsedWork:
    return record if isinstance(record, ParsedWork) else record.parsed()


def page_prepare(
    numbered: Sequence[tuple[int, bytes]],
    records: Sequence[ParsedWork | ParseFailure],
    stored: dict[str, str] | None = None,
) -> tuple[list[Any], list[PreparedWork | None]]:
    """A page's records as the writer takes them, and their ``PreparedWork``.

    ``numbered``: the page's lines, each with its number (one a record).
    A record ``stored`` (``page_look_up``) does not hold is prepared and
    sent as a ``PageRecord`` (or whole, when it does not fit a set-based
    write: the standard path writes it). A record stored with its payload
    hash will most likely be skipped as unchanged: a PageRecord, not
    prepared. A record stored with another hash is changed: sent whole, not
    prepared (the writer decides its path and prepares it). Failures go as
    they are. Pure (no database): the snapshot reader runs it in its
    parsing processes (``arxiv_snapshot.read_pages``), so the writing
    process, which takes turns with PostgreSQL, only puts in ids.
    """
    stored = stored or {}
    sent: list[Any] = []
    prepared: list[PreparedWork | None] = []
    for (number, line), record in zip(numbered, records, strict=True):
        ready = None
        if isinstance(record, ParsedWork):
            known = stored.get(record.external_id)
            if known is None:
                ready = _prepare(record)
                if ready.work is not None:
                    record = page_record(record, line, number)
            elif known == record.payload_hash:
                record = page_record(record, line, number)
        sent.append(record)
        prepared.append(ready)
    return sent, prepared


# How every snapshot line begins: {"id":"0704.0001", ...
_LINE_ID = re.compile(rb'\s*\{\s*"id"\s*:\s*"([^"\\]{1,64})"')


def page_look_up(numbered: list[tuple[int, bytes]]) -> dict[str, str]:
    """The stored payload hashes of a page's records, before it is parsed.

    Read in the reading process (between pages, outside their
    transactions) for ``page_prepare``, with the ids read off the start of
    each line. Only advice: pages written meanwhile may change what is
    stored, so ``_page_write`` sorts the page on its own query.
    """
    ids = []
    for _, line in numbered:
        match = _LINE_ID.match(line)
        if match:
            arxiv_id = valid_arxiv_id(match.group(1).decode("ascii", "replace"))
            if arxiv_id:
                ids.append(arxiv_id)
    return _stored_hashes(ids) if ids else {}


class PageLookUp:
    """``page_look_up``, asked for fewer pages while pages find nothing.

    A cold load (new records into a database that holds none of them)
    finds nothing stored page after page, and each look-up costs
    PostgreSQL an index probe per record. After a page that found nothing,
    the next ``SKIPPED_AFTER_NOTHING`` pages are not looked up (their
    records are all prepared, as they would be); a page that finds
    something stored starts looking up every page again. Advice only, like
    ``page_look_up``: a page not looked up is sorted right by the writer.
    """

    SKIPPED_AFTER_NOTHING = 7

    def __init__(self) -> None:
        self._skip = 0

    def __call__(self, numbered: list[tuple[int, bytes]]) -> dict[str, str]:
        if self._skip:
            self._skip -= 1
            return {}
        stored = page_look_up(numbered)
        self._skip = 0 if stored else self.SKIPPED_AFTER_NOTHING
        return stored


def _prepare(work: ParsedWork) -> PreparedWork:
    authorships = tuple(map(_authorship_prepared, work.authorships))
    if not _fits(work) or not all(fits for _, fits, _ in authorships):
        return PreparedWork(work=None)
    try:
        values = _work_values(work)
    except KeyError:
        return PreparedWork(work=None)
    text = _copy_text
    return PreparedWork(
        work=values,
        identifiers=tuple(f"{text(s)}\t{text(v)}" for s, v in _identifiers(work)),
        versions=tuple(f"{n}\t{d.isoformat()}" for n, d in work.versions),
        authorships=tuple(line for line, _, _ in authorships),
        author_keys=tuple(key for _, _, key in authorships),
        source_record=f"{text(SOURCE)}\t{text(work.external_id)}\t"
        f"{text(work.payload_hash)}\t{{}}\t\\N",
    )


class _ByIdentity:
    """A function's value for each object, kept while the object is.

    For the authorships of snapshot records: the parser makes one object
    per distinct authorship (``arxiv_snapshot._authorship``) and records
    share them, so their COPY text and checks are made once. An
    ``lru_cache`` would hash and compare the frozen dataclasses' fields on
    every call, which cost more than a record's other rows. The cache holds
    the objects, so an id it holds cannot be another object's; it is
    emptied when full.
    """

    def __init__(self, function: Callable[[Any], Any], size: int = 65536) -> None:
        self._function = function
        self._size = size
        self._values: dict[int, tuple[Any, Any]] = {}

    def __call__(self, item: Any) -> Any:
        entry = self._values.get(id(item))
        if entry is not None and entry[0] is item:
            return entry[1]
        if len(self._values) >= self._size:
            self._values.clear()
        value = self._function(item)
        self._values[id(item)] = (item, value)
        return value


def _authorship_row(authorship: ParsedAuthorship) -> tuple[str, bool, str]:
    """An authorship's COPY text, whether the database takes it, its name key."""
    key = _name_key(authorship.name)
    return _authorship_text(authorship), _authorship_fits(authorship, key), key


_authorship_prepared = _ByIdentity(_authorship_row)


def _authorship_text(authorship: ParsedAuthorship) -> str:
    affiliations = (
        json.dumps(list(authorship.raw_affiliations))
        if authorship.raw_affiliations
        else "[]"
    )
    return "\t".join(
        map(
            _copy_text,
            (
                authorship.position,
                authorship.raw_name,
                authorship.name,
                affiliations,
                "[]",
            ),
        )
    )


def set_based_applies(run: ImportRun) -> bool:
    """Snapshot runs on PostgreSQL, unless the setting or the run says no."""
    return (
        run.source == SOURCE
        and connection.vendor == "postgresql"
        and settings.SNAPSHOT_SET_BASED
        and not run.parameters.get("standard_path")
    )


def pages_write_applies(run: ImportRun) -> bool:
    """Whether ``pages_write`` writes the run's pages (in a second thread).

    Set-based runs, unless ``SNAPSHOT_PIPELINE`` is off or the caller holds
    a transaction open: the writing thread's connection could neither see
    nor join it (a test's transaction, say).
    """
    return set_based_applies(run) and _threads_apply()


def _threads_apply() -> bool:
    """Whether work may go to threads with connections of their own."""
    return settings.SNAPSHOT_PIPELINE and not connection.in_atomic_block


def snapshot_page_ingest(
    *,
    records: Sequence[ParsedWork | PageRecord | ParseFailure],
    import_run: ImportRun,
    prepared: Sequence[PreparedWork | None] | None = None,
    plan: PagePlan | None = None,
) -> SnapshotPageCounts:
    """Write one page of snapshot records; run inside the page's transaction.

    ``records`` whole or as ``PageRecord``s, with ``prepared`` from
    ``page_prepare`` when the parsing process made it
    (``arxiv_snapshot.read_pages(prepare=...)``); made here otherwise.
    ``plan``: ``page_plan`` of these records, when it was made beforehand
    (``pages_write``, while the page before was written); made here
    otherwise.
    """
    try:
        with transaction.atomic():
            if plan is None:
                plan = page_plan(records, import_run, prepared)
            counts = _plan_write(plan, import_run)
        if _statistics_due(import_run.created, import_run.created + counts.created):
            _statistics_refresh()
        return counts
    except Exception:
        # Anything: a concurrent writer's row, a value PostgreSQL refuses, a
        # bug. The savepoint is gone; the standard path writes the page.
        logger.warning(
            "Run %s: set-based write of a page failed; writing its %d records "
            "one by one",
            import_run.pk,
            len(records),
            exc_info=True,
        )
    counts = works_ingest(
        records=[r if isinstance(r, ParseFailure) else _whole(r) for r in records],
        import_run=import_run,
        resolve_authors=authorships_resolve_by_name,
        recount_created=False,
    )
    return SnapshotPageCounts(
        seen=counts.seen,
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        failed=counts.failed,
        author_ids=counts.author_ids,
        paths=PagePaths(standard=counts.seen, retried_pages=1),
    )


def pages_write(
    pages: Iterable[FeedPage],
    run: ImportRun,
    write: Callable[[FeedPage, PagePlan], SnapshotPageCounts],
) -> None:
    """Write pages in a second thread while the next one is planned.

    ``write(page, plan)`` writes a page in its transaction (it calls
    ``snapshot_page_ingest`` with the plan); it runs in a thread of its
    own, with its own database connection, one page at a time, in order.
    Meanwhile this thread reads the next page and plans it
    (``page_plan``): what is stored, which authors it names, its ids, and
    every row as COPY text. The page being written has not committed, so
    the plan adds what that page will have written (``PagePlan.written``)
    to what it reads. That holds only if the page is written as planned:
    the next page is planned again once the page is written when its
    set-based write failed (``retried_pages``), or when its records for the
    standard path (which decide their authors as they are written) name an
    author the next plan makes (``PagePlan.holds_after``). The writing
    thread locks what a plan refers to and checks it is still there (``_plan_lock``,
    ``_updates_lock``), so a plan made outside the page's transaction
    writes what a plan made inside it would. Once a page has committed, its
    authors by name key and its name forms are kept (``Known``): later
    plans take them without looking them up again.

    Python and PostgreSQL take turns within a page; across pages they
    overlap (100,000 records: see the README). A page is committed before
    the next is handed over, so checkpoints stay in order; an error in
    either thread stops the run after the page being written.
    """
    known = Known()
    with ThreadPoolExecutor(1, thread_name_prefix="snapshot-writer") as writer:
        try:
            pending: tuple[Future, PagePlan] | None = None
            for page in pages:
                written = pending[1].written if pending else None
                plan = page_plan(page.records, run, page.prepared, written, known)
                if pending is not None:
                    before, result = pending[1], pending[0].result()
                    if result.paths.retried_pages:
                        known.forget()
                    else:
                        known.learn(before)
                    if result.paths.retried_pages or not plan.holds_after(before):
                        plan = None  # planned on what did not happen
                    pending = None
                if plan is None:
                    plan = page_plan(page.records, run, page.prepared, None, known)
                pending = (writer.submit(write, page, plan), plan)
            if pending is not None:
                pending[0].result()
        finally:
            # The writing thread's own connection (Django's are per thread).
            writer.submit(_connection_close).result()


# Tables each page reads while the run fills them (the last two: the name
# forms and institutions that identity resolution reads, re-resolution
# after the run among it); the recount's joins.
PAGE_TABLES = (SourceRecord, WorkIdentifier, Author, AuthorAlias, Affiliation)
RECOUNT_TABLES = (Authorship, WorkTopic)
STATISTICS_FIRST = 5000


def _connection_close() -> None:
    connection.close()


def _statistics_due(before: int, after: int) -> bool:
    """After 5,000 works a run wrote, then 10,000, 20,000, 40,000...

    A run that fills empty tables leaves PostgreSQL planning with the
    statistics of empty tables (autovacuum may be off, or a minute late):
    the page's look-ups then scan whole tables, and the load turns
    quadratic. Refreshing them as the tables double costs a few ANALYZEs.
    """
    if after < STATISTICS_FIRST:
        return False
    if before < STATISTICS_FIRST:
        return True
    return math.floor(math.log2(after / STATISTICS_FIRST)) > math.floor(
        math.log2(before / STATISTICS_FIRST)
    )


def _statistics_refresh(tables: Iterable[type[models.Model]] = PAGE_TABLES) -> None:
    # A table this database user does not own is skipped with a warning.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(_table(model) for model in tables))


def _recount_tables_refresh() -> None:
    """``_statistics_refresh`` of the recount's tables and, outside a
    transaction, VACUUM of WorkTopic, which marks its pages all-visible.

    The recount reads WorkTopic by index only, but until a VACUUM it
    fetched each row from the table as well: a third of the recount's page
    reads at a million records. Autovacuum would, in time; after a load it
    has not yet, or is off.
    """
    _statistics_refresh(RECOUNT_TABLES)
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {_table(WorkTopic)}")


def snapshot_run_finish(*, run: ImportRun) -> int:
    """After the last page: recount the run's authors, then say they changed.

    Every author of a work this run created (its source records name the
    run; works it updated recount their authors as their page is written,
    when their topics changed), in batches of about ``RECOUNT_BATCH``
    (blocks of consecutive ids, see ``_recount_batches``), each in its own
    transaction with ``authors_changed`` sent after its commit, in order;
    two batches at a time in threads where ``pages_write`` would use one.
    A resumed run finishes again, over the works of all its attempts.
    Returns how many authors were recounted.
    """
    if not set_based_applies(run):
        return 0
    if not _threads_apply():
        author_ids = _run_authors(run)
        if author_ids:
            _recount_tables_refresh()
        for batch in _recount_batches(author_ids, 1):
            with transaction.atomic():
                _authors_recount(batch)
                transaction.on_commit(
                    lambda batch=batch: authors_changed.send(
                        sender=Work, author_ids=batch
                    )
                )
        return len(author_ids)
    # Two batches at once, each on its connection: the run's last minutes
    # would otherwise leave a core idle (one statement a batch). The
    # statistics the recount plans with are refreshed while its authors are
    # read, when the run created works.
    with ThreadPoolExecutor(
        RECOUNT_THREADS, thread_name_prefix="snapshot-recount"
    ) as pool:
        analyzed = pool.submit(_statistics_refreshed) if run.created else None
        author_ids = _run_authors(run)
        if analyzed is not None:
            analyzed.result()
        batches = _recount_batches(author_ids, RECOUNT_THREADS)
        for batch in pool.map(_recount_committed, batches):
            authors_changed.send(sender=Work, author_ids=batch)
    return len(author_ids)


def _run_authors(run: ImportRun) -> list[int]:
    """The authors of the works the run created, in order."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT a.author_id FROM {_table(Authorship)} AS a "  # noqa: S608 - table names from the models
            f"JOIN {_table(SourceRecord)} AS s ON s.work_id = a.work_id "
            f"JOIN {_table(Work)} AS w ON w.id = a.work_id "
            "WHERE s.import_run_id = %s AND w.created_at >= %s "
            "AND a.author_id IS NOT NULL ORDER BY a.author_id",
            [run.pk, run.created_at],
        )
        return [row[0] for row in cursor.fetchall()]


def _recount_batches(author_ids: list[int], threads: int) -> list[list[int]]:
    """About ``RECOUNT_BATCH`` authors a batch, at least one batch a thread.

    Blocks of ``RECOUNT_BLOCK`` consecutive ids (smaller when the authors
    are too few to give every batch one), dealt to the batches in turn.
    Authors made together (by the same works) have neighbouring ids, so a
    block of them reads fewer distinct pages than as many authors taken
    every n-th. And every batch takes blocks from the whole range, so the
    batches cost about the same: the oldest authors (the lowest ids) have
    the most works, and a run of them, or a large collaboration's members
    made by one paper, would make a batch far heavier than the rest (why
    9cd517e took every n-th author). The finish of a million generated
    records (431,017 authors, alone on the loaded database, stop 18):
    every n-th author 39.3 / 41.2 / 41.9 s, blocks of 64 37.4 / 38.6 /
    40.8 / 40.5 / 40.5 s, plain runs of 2,000 ids 34.8-38.2 s (five runs).
    """
    if not author_ids:
        return []
    count = max(
        math.ceil(len(author_ids) / RECOUNT_BATCH), min(threads, len(author_ids))
    )
    size = max(1, min(RECOUNT_BLOCK, len(author_ids) // count))
    blocks = [
        author_ids[start : start + size] for start in range(0, len(author_ids), size)
    ]
    return [
        [author_id for block in blocks[index::count] for author_id in block]
        for index in range(count)
    ]


def _statistics_refreshed() -> None:
    """``_recount_tables_refresh``, on this thread's connection."""
    try:
        _recount_tables_refresh()
    finally:
        connection.close()


RECOUNT_BATCH = 2000
RECOUNT_BLOCK = 64
RECOUNT_THREADS = 2


def _recount_committed(batch: list[int]) -> list[int]:
    """Recount a batch in its own transaction, on this thread's connection."""
    try:
        with transaction.atomic():
            _authors_recount(batch)
    finally:
        connection.close()
    return batch


# --- sorting the page ---------------------------------------------------------


def _identifiers(record: ParsedWork) -> list[tuple[str, str]]:
    keys = [(ARXIV, record.arxiv_id)]
    if record.doi:
        keys.append((DOI, record.doi))
    return keys


def _stored_hashes(external_ids: list[str]) -> dict[str, str]:
    """Payload hashes of the page's records already written (with a work)."""
    if not external_ids:
        return {}
    with connection.cursor() as cursor:
        # One index probe a record (_PROBE says why).
        cursor.execute(
            "SELECT s.external_id, s.payload_hash, s.work_id "  # noqa: S608 - table names from the models
            "FROM unnest(%s::text[]) AS k(id) CROSS JOIN LATERAL ("
            f"SELECT external_id, payload_hash, work_id FROM {_table(SourceRecord)} "
            "WHERE source = %s AND external_id = k.id LIMIT 1) AS s",
            [_text_array(external_ids), SOURCE],
        )
        rows = cursor.fetchall()
    # A record without a work (never written through) is not "unchanged":
    # give it a hash no record has, so the standard path writes it.
    return {e: (h if w is not None else "") for e, h, w in rows}


def _identifier_owners(keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The stored work holding each of these (scheme, value) that one holds."""
    if not keys:
        return {}
    with connection.cursor() as cursor:
        # One index probe a key (_PROBE).
        cursor.execute(
            "SELECT i.scheme, i.value, i.work_id "  # noqa: S608 - table names from the models
            "FROM unnest(%s::text[], %s::text[]) AS k(scheme, value) "
            "CROSS JOIN LATERAL (SELECT scheme, value, work_id "
            f"FROM {_table(WorkIdentifier)} "
            "WHERE scheme = k.scheme AND value = k.value LIMIT 1) AS i",
            [_text_array(k[0] for k in keys), _text_array(k[1] for k in keys)],
        )
        return {(scheme, value): work for scheme, value, work in cursor.fetchall()}


def _limit(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


@lru_cache(maxsize=1)
def _limits() -> dict[str, int]:
    return {
        "doi": _limit(Work, "doi"),
        "arxiv_id": _limit(Work, "arxiv_id"),
        "journal_ref": _limit(Work, "journal_ref"),
        "venue": _limit(Work, "venue"),
        "url": _limit(Work, "abs_url"),
        "identifier": _limit(WorkIdentifier, "value"),
        "raw_name": _limit(Authorship, "raw_name"),
        "name": _limit(Authorship, "name"),
        "author": min(_limit(Author, "display_name"), _limit(AuthorAlias, "name")),
        "key": _limit(Author, "name_key"),
        "external_id": _limit(SourceRecord, "external_id"),
    }


def _fits(work: ParsedWork) -> bool:
    """Whether the database takes the record as the standard path writes it.

    The standard path validates (full_clean) and lets PostgreSQL refuse
    what is too long, turning either into an ImportFailure; a record that
    would fail here is sent there, so one bad record does not cost the
    page its set-based write. Its authorships: ``_authorship_fits``.
    """
    limits = _limits()
    if not work.title or not work.published:
        return False
    return not (
        len(work.doi) > min(limits["doi"], limits["identifier"])
        or len(work.arxiv_id) > min(limits["arxiv_id"], limits["identifier"])
        or len(work.external_id) > limits["external_id"]
        or len(work.journal_ref or "arXiv")
        > min(limits["journal_ref"], limits["venue"])
        or len(work.abs_url) > limits["url"]
        or len(work.pdf_url) > limits["url"]
        or (work.arxiv_version or 0) > 32767
        or any(number > 32767 for number, _ in work.versions)
    )


def _authorship_fits(authorship: ParsedAuthorship, key: str) -> bool:
    """Whether the database takes the authorship; ``key``: its name's key."""
    limits = _limits()
    return not (
        len(authorship.raw_name) > limits["raw_name"]
        or len(authorship.name) > min(limits["name"], limits["author"])
        or len(key) > limits["key"]
        or authorship.position > 32767
    )


@lru_cache(maxsize=65536)
def _name_key(name: str) -> str:
    """``names.name_key``, once per distinct name: authors recur."""
    return name_key(name)


@lru_cache(maxsize=65536)
def _detail(key: str) -> str:
    """An authorship's attribution_detail, as JSON in COPY text (one per name)."""
    return _copy_text(json.dumps({"name_key": key}))


# --- writing the new works ----------------------------------------------------


@dataclass
class Written:
    """What a page will have written once it commits, for planning the next
    page while it is written (``pages_write``)."""

    hashes: dict[str, str] = field(default_factory=dict)  # external id -> hash
    identifiers: set[tuple[str, str]] = field(default_factory=set)
    authors: dict[str, int] = field(default_factory=dict)  # name key -> new id


class Known:
    """What the run's committed pages hold, for planning the pages after.

    ``pages_write`` learns each page once it has committed as planned
    (``learn``): the author each name key went to, and the name forms
    (author, name) it wrote or found. A page's plan then takes those authors
    without asking the database again (``_authors_resolve``) and writes only
    the name forms not known to exist (``_aliases_add``). Most of a late
    page's authors were met by the pages before: on a million records the
    bench's two steps took 118 s and 70 s of a 628 s load before, 94-97 s
    and 17-20 s with this (stop 15, README).

    What was true when a page committed may not be now: another process may
    merge or delete a known author. The page locks every existing author it
    names and finds it still there and not merged (``_plan_lock``), or its
    set-based write fails and is written record by record; ``forget`` then
    drops everything known. Only an author made visible again (a merge
    undone) could be older than the known author of its name: the page goes
    to the known one, and re-resolution weighs the authorship afterwards as
    it weighs every authorship by name.

    Bounded: past ``SIZE`` name keys or name forms (about 160 bytes each,
    so some 160 MB at most), both are forgotten and learnt again.
    """

    SIZE = 500_000

    def __init__(self) -> None:
        self.authors: dict[str, int] = {}  # name key -> author id
        self.aliases: set[tuple[int, str]] = set()  # (author id, name)

    def learn(self, plan: PagePlan) -> None:
        if max(len(self.authors), len(self.aliases)) >= self.SIZE:
            self.forget()
        self.authors.update(plan.author_keys)
        self.aliases.update(plan.aliases)

    def forget(self) -> None:
        self.authors.clear()
        self.aliases.clear()


@dataclass(frozen=True)
class StoredWork:
    """A work a changed record updates set-based, as the plan read it."""

    work_id: int
    topic_ids: tuple[int, ...]  # its arXiv categories' topics, in order


@dataclass
class PagePlan:
    """How a page is written: what ``page_plan`` decided and made.

    ``new`` works are written set-based from ``work_rows`` and ``lines``
    (COPY text by table, ids in), ``standard`` ones by ``works_ingest``.
    ``locks``: rows the page refers to that it did not make (authors,
    topics), locked and checked when it is written.
    """

    failures: list[ParseFailure]
    unchanged: int
    standard: list[ParsedWork]
    new: list[PageRecord]
    written: Written
    work_ids: list[int] = field(default_factory=list)
    author_rows: list[tuple] = field(default_factory=list)
    work_rows: list[tuple] = field(default_factory=list)
    lines: list[tuple[type[models.Model], Sequence[str], list[str]]] = field(
        default_factory=list
    )
    aliases: dict[tuple[int, str], str] = field(default_factory=dict)
    # Of ``aliases``, those the run's committed pages hold (``Known``).
    aliases_known: set[tuple[int, str]] = field(default_factory=set)
    author_keys: dict[str, int] = field(default_factory=dict)  # name key -> id
    new_author_ids: set[int] = field(default_factory=set)
    affiliations: list[tuple[int, str, int | None]] = field(default_factory=list)
    locks: dict[str, list[int]] = field(default_factory=dict)
    # Changed records updating their work set-based: (record, prepared, stored)
    updates: list[tuple[ParsedWork, PreparedWork, StoredWork]] = field(
        default_factory=list
    )

    def holds_after(self, before: PagePlan) -> bool:
        """Whether this plan, made while ``before`` was being written, holds
        now that it is.

        ``before.written`` is all that page writes but for the authors its
        standard records decide as they are written (the rest they write,
        their hashes and identifiers, sends the records that meet it to
        the standard path). A new author is the oldest of its name only where
        no author had the name, which is where this plan makes one.
        """
        made = self.written.authors.keys()
        return not made or not any(
            _name_key(a.name) in made for w in before.standard for a in w.authorships
        )

    @property
    def author_ids(self) -> set[int]:
        return {author_id for author_id, _ in self.aliases}


def page_plan(
    records: Sequence[ParsedWork | PageRecord | ParseFailure],
    run: ImportRun,
    prepared: Sequence[PreparedWork | None] | None = None,
    after: Written | None = None,
    known: Known | None = None,
) -> PagePlan:
    """Sort a page's records, make the rows of its new works, and pick the
    changed records that update their works set-based (``_updatable``).

    Reads, writes nothing but missing arXiv topics (reference rows, created
    as ``works_ingest`` would) and draws ids. ``after``: what the page
    being written will have written (``pages_write``), read as if stored;
    ``known``: what the run's committed pages hold (``Known``).
    A record may come whole or as a ``PageRecord`` (``page_prepare``); one
    that turns out changed, or bound for the standard path, is parsed again.
    """
    after = after or Written()
    if prepared is None or len(prepared) != len(records):
        prepared = [None] * len(records)
    failures = [r for r in records if isinstance(r, ParseFailure)]
    # (index in the page, record, its PreparedWork when made)
    works: list[tuple[int, Any, PreparedWork | None]] = [
        (index, record, ready)
        for index, (record, ready) in enumerate(zip(records, prepared, strict=True))
        if not isinstance(record, ParseFailure)
    ]

    stored = _stored_hashes([w.external_id for _, w, _ in works])
    stored.update(
        (e, after.hashes[e])
        for e in after.hashes.keys() & {w.external_id for _, w, _ in works}
    )
    unchanged, fresh = [], []
    for entry in works:
        work = entry[1]
        same = stored.get(work.external_id) == work.payload_hash
        (unchanged if same else fresh).append(entry)
    keys = [k for _, w, _ in fresh for k in _identifiers(w)]
    owners = _identifier_owners(keys)
    owners.update(dict.fromkeys(after.identifiers & set(keys), 0))
    seen_ids: dict[Any, int] = {}
    for _, work, _ in fresh:
        for key in (("external_id", work.external_id), *_identifiers(work)):
            seen_ids[key] = seen_ids.get(key, 0) + 1
    new, changed, standard = [], [], []
    for entry in fresh:
        work = entry[1]
        keys = _identifiers(work)
        if any(seen_ids[key] > 1 for key in keys) or (
            seen_ids[("external_id", work.external_id)] > 1
        ):
            standard.append(entry)
        elif work.external_id in stored:
            # Changed since it was written: updated set-based if its work
            # is the snapshot's alone (_updatable), by works_ingest if not.
            stays_apart = stored[work.external_id] and (
                work.external_id not in after.hashes
            )
            (changed if stays_apart else standard).append(entry)
        elif any(key in owners for key in keys):
            standard.append(entry)
        else:
            new.append(entry)
    changed = [(i, _whole(w), p) for i, w, p in changed]
    updatable = _updatable([w for _, w, _ in changed], owners) if changed else {}
    updates = []
    for entry in changed:
        (updates if entry[1].external_id in updatable else standard).append(entry)
    # Prepared here when the parsing process did not (or could not) do it.
    new = [(i, w, p or _prepare(_whole(w))) for i, w, p in new]
    updates = [(i, w, p or _prepare(w)) for i, w, p in updates]
    standard += [e for e in new + updates if e[2].work is None]
    new = [e for e in new if e[2].work is not None]
    updates = [e for e in updates if e[2].work is not None]
    standard_works = [_whole(w) for _, w, _ in sorted(standard, key=lambda e: e[0])]

    written = Written(
        # A record of the standard path may be written or not, changed or
        # not: no hash matches "", so the next page sends it there too.
        hashes={w.external_id: w.payload_hash for _, w, _ in new + updates}
        | {w.external_id: "" for w in standard_works},
        identifiers={k for _, w, _ in fresh for k in _identifiers(w)},
    )
    plan = PagePlan(
        failures=failures,
        unchanged=len(unchanged),
        standard=standard_works,
        new=[w if isinstance(w, PageRecord) else page_record(w) for _, w, _ in new],
        written=written,
        updates=[(w, p, updatable[w.external_id]) for _, w, p in updates],
    )
    if new:
        _plan_new_works(plan, [p for _, _, p in new], run, after, known or Known())
    return plan


def _plan_new_works(
    plan: PagePlan,
    prepared: list[PreparedWork],
    run: ImportRun,
    after: Written,
    known: Known,
) -> None:
    """Ids and every row of the new works, as COPY text where prepared.

    The prepared text gets the ids (the work's, its authors', the run's)
    and the time put in.
    """
    works = plan.new
    stamp = timezone.now().isoformat()
    work_ids = _next_ids(Work, len(works))
    topic_ids = _topic_ids([c for w in works for c in w.categories])
    # Each work's (name, name key) pairs, the keys made with its prepared rows.
    named = [
        tuple(zip((name for name, _ in w.authors), p.author_keys, strict=True))
        for w, p in zip(works, prepared, strict=True)
    ]
    authors = _authors_resolve(named, after.authors, known.authors)
    triples = list(zip(works, prepared, work_ids, strict=True))

    plan.work_ids = work_ids
    plan.written.authors = {key: authors.ids[key][0] for key in authors.new}
    plan.author_rows = [
        (authors.ids[key][0], display, key, *_NEW_AUTHOR, stamp, stamp)
        for key, display in authors.new.items()
    ]
    plan.work_rows = [(*p.work, work_id, stamp, stamp) for _, p, work_id in triples]
    plan.lines = [
        (
            WorkIdentifier,
            ("scheme", "value", "work"),
            [
                f"{row}\t{work_id}\n"
                for _, p, work_id in triples
                for row in p.identifiers
            ],
        ),
        (
            WorkVersion,
            ("version", "submitted", "work"),
            [f"{row}\t{work_id}\n" for _, p, work_id in triples for row in p.versions],
        ),
        (
            WorkTopic,
            ("work", "topic", "position", "is_primary"),
            [
                f"{work_id}\t{topic_ids[code]}\t{position}\t{'t' if position == 0 else 'f'}\n"
                for w, _, work_id in triples
                for position, code in enumerate(
                    c for c in w.categories if is_arxiv_category(c)
                )
            ],
        ),
        (
            Authorship,
            _AUTHORSHIP_COPY_COLUMNS,
            list(_authorship_lines(triples, authors)),
        ),
        (
            SourceRecord,
            _SOURCE_COPY_COLUMNS,
            [
                f"{p.source_record}\t{work_id}\t{stamp}\t{run.pk}\n"
                for _, p, work_id in triples
            ],
        ),
    ]
    for work, p, _ in triples:
        for (name, affiliations), key in zip(work.authors, p.author_keys, strict=True):
            author_id = authors.ids[key][0]
            plan.aliases.setdefault((author_id, name), key)
            for raw in affiliations:
                affiliation = collapse_spaces(raw)
                if affiliation:
                    plan.affiliations.append((author_id, affiliation, work.year))
    plan.aliases_known = plan.aliases.keys() & known.aliases
    plan.author_keys = {key: author_id for key, (author_id, _) in authors.ids.items()}
    plan.new_author_ids = {authors.ids[key][0] for key in authors.new}
    plan.locks = {
        "authors": sorted(
            author_id
            for author_id, introduced_by in authors.ids.values()
            if introduced_by < 0
        ),
        "topics": sorted(set(topic_ids.values())),
    }


def _plan_write(plan: PagePlan, run: ImportRun) -> SnapshotPageCounts:
    """Write what ``page_plan`` decided, in the page's savepoint."""
    counts = SnapshotPageCounts(
        seen=len(plan.failures)
        + plan.unchanged
        + len(plan.standard)
        + len(plan.new)
        + len(plan.updates)
    )
    if plan.failures:
        ImportFailure.objects.bulk_create(
            ImportFailure(
                import_run=run,
                external_id=f.external_id[:255],
                error=f.error,
                payload=f.payload,
            )
            for f in plan.failures
        )
        counts.failed += len(plan.failures)
    if plan.new:
        _new_works_write(plan, run)
    if plan.updates:
        _updates_write(plan.updates, run)
    counts.created += len(plan.new)
    counts.updated += len(plan.updates)
    counts.unchanged += plan.unchanged
    counts.paths = PagePaths(
        set_based=len(plan.new) + len(plan.updates),
        standard=len(plan.standard),
        skipped=plan.unchanged,
    )
    # The new works' authors are recounted once, after the last page
    # (snapshot_run_finish): recounting them on every page they appear on
    # reads all their works again each time.
    counts.author_ids |= plan.author_ids
    if plan.standard:
        # In page order, after the new works: a changed record or one that
        # names another source's work is decided against what is stored.
        result = works_ingest(
            records=plan.standard,
            import_run=run,
            recount=_authors_recount,
            resolve_authors=authorships_resolve_by_name,
            recount_created=False,
        )
        counts.created += result.created
        counts.updated += result.updated
        counts.unchanged += result.unchanged
        counts.failed += result.failed
        counts.author_ids |= result.author_ids
    return counts


def _new_works_write(plan: PagePlan, run: ImportRun) -> None:
    """Every row of the page's new works; COPY where they cannot exist yet."""
    checks_skipped = _page_settings(run)
    _plan_lock(plan, run)
    _copy(Author, _AUTHOR_COLUMNS, plan.author_rows)
    _copy(Work, _WORK_COPY_COLUMNS, plan.work_rows)
    for model, fields, lines in plan.lines:
        _copy_lines(model, fields, lines)
    _aliases_add(
        {k: v for k, v in plan.aliases.items() if k not in plan.aliases_known},
        new_authors=plan.new_author_ids,
    )
    if plan.affiliations:
        _affiliations_extend(plan.affiliations)
    _citations_complete(plan.work_ids)
    if checks_skipped:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")


# --- updating changed records ----------------------------------------------------


def _updatable(
    works: list[ParsedWork],
    owners: dict[tuple[str, str], int],
    *,
    lock: bool = False,
) -> dict[str, StoredWork]:
    """The changed records ``_updates_write`` may write, by external id.

    Those whose work this snapshot alone wrote and that change nothing
    ``works_ingest`` decides with more than the record: the work is not
    merged away, no other source has a record of it, every field is the
    snapshot's (none set by hand, none by another source), its topics are
    arXiv categories only, the record names the same authors in the same
    order (same raw names and affiliations: ``works_ingest`` keeps such
    rows as they are), and its arXiv id and DOI belong to no other work.
    For those, ``works_ingest`` sets every field from the record as on a
    new work, adds the new identifiers and versions, replaces the topics
    and updates the source record; ``_updates_write`` does that for a page
    at once. ``lock``: lock the works (at write time, see ``_updates_lock``).
    """
    by_id = {w.external_id: w for w in works}
    work_table, record = _table(Work), _table(SourceRecord)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.external_id, w.id FROM {record} AS s "  # noqa: S608 - table names from the models
            f"JOIN {work_table} AS w ON w.id = s.work_id "
            "WHERE s.source = %s AND s.external_id = ANY(%s::text[]) "
            "AND w.merged_into_id IS NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {record} AS o "
            "WHERE o.work_id = w.id AND o.source <> %s) "
            "AND NOT EXISTS (SELECT 1 FROM jsonb_each_text(w.field_sources) AS f "
            "WHERE f.value <> %s)" + (" ORDER BY w.id FOR UPDATE OF w" if lock else ""),
            [SOURCE, _text_array(by_id), SOURCE, SOURCE],
        )
        found = dict(cursor.fetchall())
        if not found:
            return {}
        work_ids = _int_array(found.values())
        cursor.execute(
            "SELECT work_id, position, raw_name, raw_affiliations::text "  # noqa: S608 - table names from the models
            f"FROM {_table(Authorship)} WHERE work_id = ANY(%s::bigint[]) "
            "ORDER BY work_id, position",
            [work_ids],
        )
        authors: dict[int, list] = {}
        for work_id, position, raw_name, affiliations in cursor.fetchall():
            authors.setdefault(work_id, []).append(
                (position, raw_name, json.loads(affiliations))
            )
        cursor.execute(
            "SELECT wt.work_id, wt.topic_id, t.scheme "  # noqa: S608 - table names from the models
            f"FROM {_table(WorkTopic)} AS wt JOIN {_table(Topic)} AS t "
            "ON t.id = wt.topic_id WHERE wt.work_id = ANY(%s::bigint[]) "
            "ORDER BY wt.work_id, wt.position",
            [work_ids],
        )
        topics: dict[int, list] = {}
        for work_id, topic_id, scheme in cursor.fetchall():
            topics.setdefault(work_id, []).append((topic_id, scheme))
    updatable = {}
    for external_id, work_id in found.items():
        work = by_id[external_id]
        wanted = [
            (a.position, a.raw_name, list(a.raw_affiliations)) for a in work.authorships
        ]
        own = topics.get(work_id, [])
        if (
            authors.get(work_id, []) == wanted
            # works_ingest keeps a version and topics the record does not
            # give; these rows would not.
            and work.arxiv_version is not None
            and work.categories
            and all(scheme == Topic.Scheme.ARXIV for _, scheme in own)
            and all(owners.get(key, work_id) == work_id for key in _identifiers(work))
        ):
            updatable[external_id] = StoredWork(
                work_id=work_id, topic_ids=tuple(t for t, _ in own)
            )
    return updatable


def _updates_lock(updates: list[tuple[ParsedWork, PreparedWork, StoredWork]]) -> None:
    """Lock the works to update and check the plan still holds for them.

    The plan read them outside the page's transaction (``pages_write``);
    another writer may have changed one since.
    """
    works = [w for w, _, _ in updates]
    keys = [k for w in works for k in _identifiers(w)]
    now = _updatable(works, _identifier_owners(keys), lock=True)
    planned = {w.external_id: stored for w, _, stored in updates}
    if now != planned:
        raise StalePlanError("a work to update changed since the page was planned")


def _updates_write(
    updates: list[tuple[ParsedWork, PreparedWork, StoredWork]], run: ImportRun
) -> None:
    """What ``works_ingest`` writes for these changed records, set-based.

    Every field from the record (as on a new work: ``_work_values``, made by
    ``page_prepare``), new identifiers and versions added and changed
    version dates set, the arXiv topics replaced where they differ, the
    source records' hash, time and run, and references to the works
    completed.
    """
    _updates_lock(updates)
    now = timezone.now()
    stamp = now.isoformat()
    work_ids = [stored.work_id for _, _, stored in updates]
    topic_ids = _topic_ids([c for w, _, _ in updates for c in w.categories])
    work_rows = ",".join(
        _work_json(prepared.work, stored.work_id, stamp)
        for _, prepared, stored in updates
    )
    columns = [
        connection.ops.quote_name(Work._meta.get_field(name).column)
        for name in (*_WORK_DEFAULTS, "modified_at")
        if name != "merged_into"
    ]
    identifiers = [
        (*key, stored.work_id)
        for work, _, stored in updates
        for key in _identifiers(work)
    ]
    versions = [
        (stored.work_id, number, submitted)
        for work, _, stored in updates
        for number, submitted in work.versions
    ]
    topics = {
        stored.work_id: wanted
        for work, _, stored in updates
        if (wanted := [topic_ids[c] for c in work.categories if is_arxiv_category(c)])
        != list(stored.topic_ids)
    }
    work_table, version_table = _table(Work), _table(WorkVersion)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {work_table} AS w SET "  # noqa: S608 - table and column names from the models
            + ", ".join(f"{c} = v.{c}" for c in columns)
            + f" FROM jsonb_populate_recordset(NULL::{work_table}, %s::jsonb) AS v "
            "WHERE w.id = v.id",
            ["[" + work_rows + "]"],
        )
        cursor.execute(
            f"INSERT INTO {_table(WorkIdentifier)} (scheme, value, work_id) "  # noqa: S608 - table names from the models
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::bigint[]) "
            "ON CONFLICT (scheme, value) DO NOTHING",
            [
                _text_array(s for s, _, _ in identifiers),
                _text_array(v for _, v, _ in identifiers),
                _int_array(w for _, _, w in identifiers),
            ],
        )
        if versions:
            cursor.execute(
                f"INSERT INTO {version_table} (work_id, version, submitted) "  # noqa: S608 - table names from the models
                "SELECT * FROM unnest(%s::bigint[], %s::int[], %s::date[]) "
                "ON CONFLICT (work_id, version) DO UPDATE SET submitted = "
                f"EXCLUDED.submitted WHERE {version_table}.submitted "
                "IS DISTINCT FROM EXCLUDED.submitted",
                [
                    _int_array(w for w, _, _ in versions),
                    _int_array(n for _, n, _ in versions),
                    _text_array(d.isoformat() for _, _, d in versions),
                ],
            )
        if topics:
            cursor.execute(
                f"DELETE FROM {_table(WorkTopic)} WHERE work_id = ANY(%s::bigint[])",  # noqa: S608 - table names from the models
                [_int_array(topics)],
            )
            rows = [
                (work_id, topic_id, position)
                for work_id, wanted in topics.items()
                for position, topic_id in enumerate(wanted)
            ]
            cursor.execute(
                f"INSERT INTO {_table(WorkTopic)} "  # noqa: S608 - table names from the models
                "(work_id, topic_id, position, is_primary) "
                "SELECT w, t, p, p = 0 FROM unnest(%s::bigint[], %s::bigint[], "
                "%s::int[]) AS r(w, t, p)",
                [
                    _int_array(w for w, _, _ in rows),
                    _int_array(t for _, t, _ in rows),
                    _int_array(p for _, _, p in rows),
                ],
            )
        cursor.execute(
            f"UPDATE {_table(SourceRecord)} AS s SET payload_hash = v.h, "  # noqa: S608 - table names from the models
            "fetched_at = %s, import_run_id = %s "
            "FROM unnest(%s::text[], %s::text[]) AS v(e, h) "
            "WHERE s.source = %s AND s.external_id = v.e",
            [
                now,
                run.pk,
                _text_array(w.external_id for w, _, _ in updates),
                _text_array(w.payload_hash for w, _, _ in updates),
                SOURCE,
            ],
        )
    _citations_complete(work_ids)
    if topics:
        _topic_changes_recount(list(topics))


def _topic_changes_recount(work_ids: list[int]) -> None:
    """Recount the authors of works whose topics changed, and say so after
    the commit, as ``works_ingest`` does for a record it updates."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT author_id FROM {_table(Authorship)} "  # noqa: S608 - table names from the models
            "WHERE work_id = ANY(%s::bigint[]) AND author_id IS NOT NULL "
            "ORDER BY author_id",
            [_int_array(work_ids)],
        )
        author_ids = [row[0] for row in cursor.fetchall()]
    if author_ids:
        _authors_recount(author_ids)
        transaction.on_commit(
            lambda: authors_changed.send(sender=Work, author_ids=author_ids)
        )


def _work_json(values: tuple, work_id: int, stamp: str) -> str:
    """A Work row as a JSON object for ``jsonb_populate_recordset``."""
    parts = [f'"id": {work_id}', f'"modified_at": "{stamp}"']
    for name, value in zip(_WORK_DEFAULTS, values, strict=True):
        # JSON columns hold JSON already; dates are ISO text (_work_values).
        text = value if name in _JSON_NAMES else json.dumps(value)
        parts.append(f"{_JSON_KEYS[name]}: {text}")
    return "{" + ", ".join(parts) + "}"


class StalePlanError(Exception):
    """A row the plan refers to is gone (deleted or merged since)."""


def _plan_lock(plan: PagePlan, run: ImportRun) -> None:
    """Lock what the page refers to and did not make, as foreign key checks
    would (``_page_settings``), and check that it is still there.

    The run, the existing authors the page's authorships name (still
    visible: not merged away) and the topics. A plan made before the page's
    transaction (``pages_write``) read them outside it.
    """
    authors, topics = plan.locks["authors"], plan.locks["topics"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH r AS (SELECT id FROM {_table(ImportRun)} WHERE id = %s "  # noqa: S608 - table names from the models
            "FOR KEY SHARE), "
            # One index probe an author (_PROBE).
            "a AS (SELECT a.id FROM unnest(%s::bigint[]) AS k(id) "
            f"CROSS JOIN LATERAL (SELECT id FROM {_table(Author)} "
            "WHERE id = k.id AND merged_into_id IS NULL FOR KEY SHARE) AS a), "
            f"t AS (SELECT id FROM {_table(Topic)} WHERE id = ANY(%s::bigint[]) "
            "FOR KEY SHARE) "
            "SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM a), "
            "(SELECT count(*) FROM t)",
            [run.pk, _int_array(authors), _int_array(topics)],
        )
        found = cursor.fetchone()
    if tuple(found) != (1, len(authors), len(topics)):
        raise StalePlanError(
            f"run, authors, topics: {tuple(found)} found of "
            f"{(1, len(authors), len(topics))}"
        )


def _authorship_lines(
    triples: list[tuple[PageRecord, PreparedWork, int]], authors: _Authors
) -> Iterator[str]:
    for index, (_, prepared, work_id) in enumerate(triples):
        for key, text in zip(prepared.author_keys, prepared.authorships, strict=True):
            author_id, introduced_by = authors.ids[key]
            attribution = NEW if introduced_by == index else NAME
            yield f"{text}\t{work_id}\t{author_id}\t{attribution}\t{_detail(key)}\t\\N\tf\n"


def _work_values(work: ParsedWork) -> tuple:
    """The columns of a new Work between its id and its timestamps, JSON
    columns as JSON and dates as ISO text.

    As ingest._apply_fields sets them: a fresh work takes every value the
    record gives (its source becomes the field's source) and keeps the
    model's default for the others. A KeyError for a field this writer has
    no column for (the standard path writes that record). ``ingest._empty``
    is spelled out in the loop: a call for each of 23 fields was most of
    the time this took.
    """
    row = list(_WORK_DEFAULTS.values())
    given = []
    for name, value in _record_values(work).items():
        if value is None or value == "" or value == []:
            continue
        columns = _COLUMNS_OF[name]  # KeyError: no column
        if len(columns) == 1:
            row[columns[0]] = value
        elif value[0]:  # (text, raw)
            row[columns[0]], row[columns[1]] = value
        else:
            continue
        given.append(name)
    if work.published is not None:
        row[_COLUMN["year"]] = work.published.year
    if work.authorships:
        given.append("authorships")
    row[_COLUMN["field_sources"]] = _field_sources(work.source, tuple(given))
    for index in _JSON_COLUMNS:
        row[index] = _json(row[index])
    for index in _DATE_COLUMNS:
        if row[index] is not None:
            row[index] = row[index].isoformat()
    return tuple(row)


_WITH_RAW = {"title": "title_raw", "abstract": "abstract_raw"}


@lru_cache(maxsize=1024)
def _field_sources(source: str, names: tuple[str, ...]) -> str:
    """The JSON of field_sources: each field given, by this source.

    Once per set of fields a record gives (most records give the same).
    """
    return json.dumps(dict.fromkeys(names, source))


def _json(value: Any) -> str:
    """``json.dumps(value)``, once per distinct value of a JSON column.

    Many records share their categories; most have no counts by year.
    """
    if isinstance(value, str):  # made already (field_sources)
        return value
    if value == []:
        return "[]"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return _json_cached(tuple(value))
    return json.dumps(value)


@lru_cache(maxsize=4096)
def _json_cached(strings: tuple[str, ...]) -> str:
    return json.dumps(list(strings))


# Every column of Work with its default, read from the model so that a new
# field cannot be left out of the COPY.
_WORK_DEFAULTS: dict[str, Any] = {
    # A choices default is an Enum: its value goes into the column.
    field.name: getattr(field.get_default(), "value", field.get_default())
    for field in Work._meta.concrete_fields
    if not field.primary_key and field.name not in ("created_at", "modified_at")
}
_COLUMN = {name: index for index, name in enumerate(_WORK_DEFAULTS)}
# The columns each of ingest._record_values's fields sets: (text, raw) for two.
_COLUMNS_OF = {name: (index,) for name, index in _COLUMN.items()} | {
    name: (_COLUMN[name], _COLUMN[raw]) for name, raw in _WITH_RAW.items()
}
# Each field's column name as a JSON key (_work_json).
_JSON_KEYS = {
    name: json.dumps(Work._meta.get_field(name).column) for name in _WORK_DEFAULTS
}
_JSON_NAMES = frozenset(
    field.name
    for field in Work._meta.concrete_fields
    if isinstance(field, models.JSONField)
)
_JSON_COLUMNS = [
    _COLUMN[field.name]
    for field in Work._meta.concrete_fields
    if isinstance(field, models.JSONField)
]
# Dates go as ISO text, as the JSON columns go as JSON: psycopg formats a
# row of strings in C, a date in Python (half the time of a Work's COPY).
_DATE_COLUMNS = [
    _COLUMN[field.name]
    for field in Work._meta.concrete_fields
    if isinstance(field, models.DateField)
    and not isinstance(field, models.DateTimeField)
    and field.name in _COLUMN
]
_WORK_COPY_COLUMNS = (*_WORK_DEFAULTS, "id", "created_at", "modified_at")
# Columns in the order of their COPY text: what the record gives, then ids.
_AUTHORSHIP_COPY_COLUMNS = (
    "position",
    "raw_name",
    "name",
    "raw_affiliations",
    "identifiers",
    "work",
    "author",
    "attribution",
    "attribution_detail",
    "confidence",
    "locked",
)
# A new author's columns between its name key and its timestamps.
_NEW_AUTHOR = (False, "", False, None, 0, 0, 0)
_AUTHOR_COLUMNS = (
    "id",
    "display_name",
    "name_key",
    "display_name_chosen",
    "headline",
    "open_to_collaborate",
    "merged_into",
    "works_count",
    "topics_count",
    "collaborators_count",
    "created_at",
    "modified_at",
)
_SOURCE_COPY_COLUMNS = (
    "source",
    "external_id",
    "payload_hash",
    "extra",
    "author",
    "work",
    "fetched_at",
    "import_run",
)


@dataclass
class _Authors:
    # name_key -> (author id, index of the work that introduced it, or -1)
    ids: dict[str, tuple[int, int]] = field(default_factory=dict)
    # name_key -> display name, for the authors to create, in page order
    new: dict[str, str] = field(default_factory=dict)


def _authors_resolve(
    named: list[tuple[tuple[str, str], ...]],
    made: dict[str, int] | None = None,
    known: dict[str, int] | None = None,
) -> _Authors:
    """The oldest visible Author of each name; the others are new.

    ``named``: each work's authorships as (name, name key), in page order.
    ``made``: authors (name key -> id) the page before will have made,
    when it is still being written (``pages_write``). ``known``: the
    authors the run's committed pages went to (``Known``), not looked up
    again.
    """
    keys = {key for pairs in named for _, key in pairs}
    existing = {key: known[key] for key in keys & (known or {}).keys()}
    unknown = keys - existing.keys()
    with connection.cursor() as cursor:
        # Locked when the page is written (_plan_lock).
        # One index probe a name (_PROBE).
        cursor.execute(
            "SELECT k.key, a.id FROM unnest(%s::text[]) AS k(key) "  # noqa: S608 - table names from the models
            f"CROSS JOIN LATERAL (SELECT min(id) AS id FROM {_table(Author)} "
            "WHERE merged_into_id IS NULL AND name_key = k.key) AS a "
            "WHERE a.id IS NOT NULL",
            [_text_array(unknown)],
        )
        existing.update(cursor.fetchall())
    for key in keys & (made or {}).keys():
        existing[key] = min(existing.get(key, made[key]), made[key])
    authors = _Authors()
    for key, author_id in existing.items():
        authors.ids[key] = (author_id, -1)
    for index, pairs in enumerate(named):
        for name, key in pairs:
            if key not in authors.ids and key not in authors.new:
                authors.new[key] = name
                authors.ids[key] = (0, index)
    if authors.new:
        for key, author_id in zip(
            authors.new, _next_ids(Author, len(authors.new)), strict=True
        ):
            authors.ids[key] = (author_id, authors.ids[key][1])
    return authors


def _topic_ids(codes: Iterable[str]) -> dict[str, int]:
    """Ids of the arXiv topics, creating the codes not seen before."""
    wanted = sorted({c for c in codes if is_arxiv_category(c)})
    if not wanted:
        return {}

    def found() -> dict[str, int]:
        # Locked when the page is written (_plan_lock).
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT code, id FROM {_table(Topic)} "  # noqa: S608 - table names from the models
                "WHERE scheme = %s AND code = ANY(%s::text[])",
                [Topic.Scheme.ARXIV.value, _text_array(wanted)],
            )
            return dict(cursor.fetchall())

    ids = found()
    missing = [code for code in wanted if code not in ids]
    if missing:
        arxiv_topics_create(missing)
        ids = found()
    return ids


def _aliases_add(aliases: dict[tuple[int, str], str], *, new_authors: set[int]) -> None:
    """Each (author, name form) once; a form seen before is left as it is.

    The forms of authors created on this page cannot exist yet: COPY.
    """
    _copy(
        AuthorAlias,
        ("author", "name", "name_key", "hidden"),
        ((a, n, k, False) for (a, n), k in aliases.items() if a in new_authors),
    )
    aliases = {(a, n): k for (a, n), k in aliases.items() if a not in new_authors}
    if not aliases:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(AuthorAlias)} (author_id, name, name_key, hidden) "  # noqa: S608 - table names from the models
            "SELECT a, n, k, false FROM unnest(%s::bigint[], %s::text[], %s::text[]) "
            "AS t(a, n, k) ON CONFLICT (author_id, name) DO NOTHING",
            [
                _int_array(a for a, _ in aliases),
                _text_array(n for _, n in aliases),
                _text_array(aliases.values()),
            ],
        )


def _affiliations_extend(rows: list[tuple[int, str, int | None]]) -> None:
    """ingest._affiliations_extend for many raw affiliations at once.

    Institutions by name key (created when new); each (author, institution)
    widened to include the work's year, as ``affiliation_extend`` does.
    """
    institutions: dict[str, str] = {}
    for _, name, _ in rows:
        institutions.setdefault(name_key(name)[:500], name[:500])
    table = _table(Institution)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (name, name_key, country_code, domains) "  # noqa: S608 - table names from the models
            "SELECT n, k, '', '[]'::jsonb FROM unnest(%s::text[], %s::text[]) "
            "AS t(n, k) ON CONFLICT (name_key) DO NOTHING",
            [_text_array(institutions.values()), _text_array(institutions)],
        )
        cursor.execute(
            f"SELECT name_key, id FROM {table} WHERE name_key = ANY(%s::text[]) "  # noqa: S608 - table names from the models
            "FOR KEY SHARE",  # as a foreign key check locks them (_page_settings)
            [_text_array(institutions)],
        )
        ids = dict(cursor.fetchall())
        years: dict[tuple[int, int], tuple[int | None, int | None]] = {}
        for author_id, name, year in rows:
            key = (author_id, ids[name_key(name)[:500]])
            low, high = years.get(key, (None, None))
            if year is not None:
                low = year if low is None else min(low, year)
                high = year if high is None else max(high, year)
            years[key] = (low, high)
        # LEAST and GREATEST skip NULLs, as affiliation_extend's min and max
        # over the years it has.
        cursor.execute(
            f"INSERT INTO {_table(Affiliation)} "  # noqa: S608 - table names from the models
            "(author_id, institution_id, start_year, end_year) "
            "SELECT a, i, s, e FROM unnest(%s::bigint[], %s::bigint[], "
            "%s::int[], %s::int[]) AS t(a, i, s, e) "
            "ON CONFLICT (author_id, institution_id) DO UPDATE SET "
            f"start_year = LEAST({_table(Affiliation)}.start_year, "
            "EXCLUDED.start_year), "
            f"end_year = GREATEST({_table(Affiliation)}.end_year, EXCLUDED.end_year)",
            [
                _int_array(k[0] for k in years),
                _int_array(k[1] for k in years),
                _int_array(v[0] for v in years.values()),
                _int_array(v[1] for v in years.values()),
            ],
        )


def _authors_recount(author_ids: Iterable[int]) -> None:
    """``counters.authors_recount`` in one statement, for thousands of authors.

    The same three figures (distinct works; distinct topics of those works;
    distinct other authors on them), computed and written by PostgreSQL:
    ``authors_recount`` builds its bulk update in Python, which costs more
    than the rest of the page. tests/publications/services/
    test_snapshot_set_based.py checks that ``authors_recount`` then finds
    nothing to change.

    One subquery an author reads the author's own rows once and, for each
    of their works, probes the work's topics and its other authors (a
    LATERAL ``UNION ALL`` of the two, which is not merged into a join; see
    _PROBE); the three counts are taken over those rows. So a batch costs
    what its authors' works cost, whatever the tables hold. Written as
    joins of the batch's rows, PostgreSQL hashed the whole Authorship and
    WorkTopic tables for every batch, and a run's recount grew with the
    square of its size (a batch of 2,000 authors took 1.6 s against 0.5 s
    once the tables held a million generated works); as plain joins in the
    subqueries, statistics taken halfway through a load (1,205 works an
    author, where most have a few) had it merge whole indexes for each
    author: 1.3 s an author. Until stop 18 each count was a subquery of its
    own, which read the author's rows again: the finish of a million
    generated records (431,017 authors) took 59.4 and 60.0 s that way,
    39.9 and 38.8 s this way. Reading the works into an array and probing
    with ``work_id = ANY`` was faster on a small warm database but slower
    there (66.5 and 67.6 s).
    """
    authorship, topic = _table(Authorship), _table(WorkTopic)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # see _page_settings
        cursor.execute(
            "WITH c AS (SELECT ids.id, n.w, n.t, n.k "  # noqa: S608 - table names from the models
            "FROM (SELECT DISTINCT unnest(%s::bigint[]) AS id) AS ids "
            "CROSS JOIN LATERAL (SELECT count(DISTINCT s.work_id) AS w, "
            "count(DISTINCT p.topic_id) AS t, count(DISTINCT p.author_id) AS k "
            f"FROM {authorship} AS s LEFT JOIN LATERAL ("
            f"SELECT topic_id, NULL::bigint AS author_id FROM {topic} "
            "WHERE work_id = s.work_id UNION ALL "
            f"SELECT NULL, author_id FROM {authorship} "
            "WHERE work_id = s.work_id AND author_id <> ids.id) AS p ON true "
            "WHERE s.author_id = ids.id) AS n) "
            f"UPDATE {_table(Author)} AS a SET works_count = c.w, "
            "topics_count = c.t, collaborators_count = c.k FROM c "
            "WHERE a.id = c.id AND (a.works_count, a.topics_count, "
            "a.collaborators_count) IS DISTINCT FROM (c.w, c.t, c.k)",
            [_int_array(sorted(author_ids))],
        )


def _citations_complete(work_ids: list[int]) -> None:
    """ingest.citations_complete for the new works: references now resolve."""
    citation, identifier = _table(Citation), _table(WorkIdentifier)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {citation} AS c SET cited_id = i.work_id FROM {identifier} AS i "  # noqa: S608 - table names from the models
            "WHERE i.work_id = ANY(%s::bigint[]) AND c.cited_scheme = i.scheme "
            "AND c.cited_value = i.value AND c.citing_id <> i.work_id "
            "AND c.cited_id IS DISTINCT FROM i.work_id",
            [_int_array(work_ids)],
        )


# --- PostgreSQL helpers -------------------------------------------------------


def _page_settings(run: ImportRun) -> bool:
    """Settings for the new works' statements; True if foreign keys go unchecked.

    JIT compilation is off: the statements are large but simple, and
    compiling them costs PostgreSQL more than running them.

    The page's commit does not wait for its WAL to reach the disk
    (``synchronous_commit = off``, for this transaction only): the run's
    checkpoint is saved in the same transaction, so a server crash that
    loses the last pages loses their checkpoint with them, and the resumed
    run writes them again. The run's next synchronous commit (its status at
    the end) flushes them all.

    Foreign key checks: Django's foreign keys are checked at commit, one
    trigger call per row and key, which cost PostgreSQL more than half its
    time on a cold load (measured: 11 of 29 CPU seconds for 100,000
    records). Every row this path writes refers to a row drawn from a
    sequence in the same transaction (its work, a new author) or to one it
    read and locked FOR KEY SHARE, as the checks would (an existing author,
    topic, institution, the run itself): the checks cannot fail, so when
    the database role may (a superuser, or on PostgreSQL 15+ a role granted
    ``SET`` on the parameter), the writes run with
    ``session_replication_role = replica``, as ``pg_restore
    --disable-triggers`` loads, and the caller sets it back to ``origin``
    afterwards. ``SNAPSHOT_SKIP_FOREIGN_KEY_CHECKS = False`` keeps the
    checks.
    """
    skip = settings.SNAPSHOT_SKIP_FOREIGN_KEY_CHECKS and _role_may_skip_triggers()
    with connection.cursor() as cursor:
        # SET LOCAL both, in one statement.
        cursor.execute(
            "SELECT set_config('jit', 'off', true), "
            "set_config('synchronous_commit', 'off', true)"
        )
        if skip:
            cursor.execute("SET LOCAL session_replication_role = replica")
    return skip


def _role_may_skip_triggers() -> bool:
    """Whether the current role may set ``session_replication_role``."""
    query = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
    if connection.pg_version >= 150000:
        query = (
            "SELECT rolsuper OR has_parameter_privilege("
            "'session_replication_role', 'SET') "
            "FROM pg_roles WHERE rolname = current_user"
        )
    with connection.cursor() as cursor:
        cursor.execute(query)
        row = cursor.fetchone()
    return bool(row and row[0])


# _PROBE: the page's look-ups (source records, identifiers, authors by
# name and by id) join a LATERAL subquery to the page's keys, which
# PostgreSQL runs as one index probe a key, whatever the table's size. With
# ``col = ANY(array)`` of a page's thousands of keys it often estimated that
# reading the whole table cost less (its statistics lag between two
# ANALYZEs, and the table doubles in between), and read it on every page:
# at 100,000 generated records, 23 ms a page for the source records alone,
# more with every page. A LATERAL subquery with LIMIT (or an aggregate, or
# a row lock) is not merged into the join, so it stays a probe a key.


def _text_array(values: Iterable[str | None]) -> str:
    """A text[] literal for one parameter: ``'{"a","b"}'``.

    psycopg adapts a list parameter element by element in Python (about
    3 microseconds each); a page's statements carry tens of thousands of
    names, keys and ids. Written as one literal (backslashes and double
    quotes escaped, as PostgreSQL's array input reads them) the same
    parameter costs a sixth of that. Cast it in the SQL: ``%s::text[]``.
    """
    return _array_literal(
        None
        if value is None
        else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for value in values
    )


def _int_array(values: Iterable[int | None]) -> str:
    """An integer array literal for one parameter (see ``_text_array``)."""
    return _array_literal(None if v is None else str(int(v)) for v in values)


def _array_literal(items: Iterable[str | None]) -> str:
    return "{" + ",".join("NULL" if item is None else item for item in items) + "}"


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _next_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` ids from the table's identity sequence, in order.

    The sequence's name is looked up once per table, not for every id.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s) ORDER BY 1",
            [_sequence(model._meta.db_table), count],
        )
        return [row[0] for row in cursor.fetchall()]


_SEQUENCES: dict[tuple[str, str], str] = {}


def _sequence(table: str) -> str:
    """The id sequence of a table, by database (a test database differs)."""
    key = (connection.settings_dict["NAME"], table)
    if key not in _SEQUENCES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            _SEQUENCES[key] = cursor.fetchone()[0]
    return _SEQUENCES[key]


_COPY_SPECIAL = re.compile(r"[\\\n\r\t]")


def _copy_text(value: Any) -> str:
    """A value in COPY's text format, as psycopg's ``write_row`` writes it.

    None is ``\\N``; booleans ``t``/``f``; dates ISO; strings with their
    backslashes, newlines, carriage returns and tabs escaped.
    """
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if _COPY_SPECIAL.search(value) is None:
            return value
        # Backslashes first; str.replace is many times faster than translate.
        return (
            value.replace("\\", "\\\\")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    raise TypeError(f"no COPY text for {type(value).__name__}")


COPY_CHUNK = 500  # lines joined into one write


def _copy_lines(
    model: type[models.Model], fields: Sequence[str], lines: Iterable[str]
) -> None:
    """COPY lines of text (``_copy_text`` values, tab-separated, ending in a
    newline) into the model's table, streamed in chunks as they are made.
    Nothing is sent when there are none.
    """
    lines = _unless_empty(lines)
    if lines is not None:
        with _copy_into(model, fields) as copy:
            while chunk := "".join(islice(lines, COPY_CHUNK)):
                copy.write(chunk)


def _copy(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple]
) -> None:
    """COPY rows of values into the model's table, psycopg formatting them.

    ``rows`` may be a generator: rows stream to PostgreSQL as they are made.
    Nothing is sent when there are none.
    """
    rows = _unless_empty(rows)
    if rows is not None:
        with _copy_into(model, fields) as copy:
            for row in rows:
                copy.write_row(row)


def _unless_empty(items: Iterable[Any]) -> Iterator[Any] | None:
    """The items, or None when there are none (a generator is looked into)."""
    items = iter(items)
    first = next(items, _NOTHING)
    return None if first is _NOTHING else chain([first], items)


_NOTHING = object()


@contextmanager
def _copy_into(model: type[models.Model], fields: Sequence[str]) -> Iterator[Any]:
    """A COPY into these columns of the model's table (query logs show it)."""
    columns = ", ".join(
        connection.ops.quote_name(model._meta.get_field(name).column) for name in fields
    )
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {_table(model)} ({columns}) FROM STDIN") as copy,
    ):
        yield copy
