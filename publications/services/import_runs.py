"""Import runs: create one, execute it (in a worker or inline), resume it.

A run is claimed with a conditional update (PENDING -> RUNNING), so a task
delivered twice executes once. Live API runs save their position after
every page in ``checkpoint``; a run that failed half-way resumes from there.

The run's ``source`` picks its reader in ``READERS``: a function from the
run to its pages. "arxiv" reads the live API or saved responses;
"arxiv-snapshot" reads bulk JSON-lines files, whose pages carry their own
checkpoint ({"file_index", "line"}), saved in the page's transaction.
"arxiv-oai" harvests OAI-PMH ListRecords; its checkpoint is the
resumptionToken of the next page (with the first page's response date,
from which the next daily incremental harvest starts).

Records a source lists as deleted (OAI-PMH) count as seen and unchanged:
nothing is written or deleted for them, so the counts still add up to what
the source listed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from publications.models import ImportRun
from publications.sources import (
    arxiv,
    arxiv_oai,
    arxiv_snapshot,
    crossref,
    openalex,
    orcid,
    semanticscholar,
)
from publications.sources.base import FeedPage, ParseFailure, SourceError, iter_files

from . import snapshot_bulk
from .ingest import IngestCounts, works_ingest

logger = logging.getLogger(__name__)

Progress = Callable[[ImportRun], None]
Reader = Callable[[ImportRun], Iterator[FeedPage]]

SNAPSHOT_PAGE_SIZE = 1000


def import_run_create(*, source: str, parameters: dict[str, Any]) -> ImportRun:
    if source not in READERS:
        raise ValueError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    if source == arxiv_snapshot.SOURCE and not parameters.get("files"):
        raise ValueError("an arxiv-snapshot run reads files: give them in 'files'")
    return ImportRun.objects.create(source=source, parameters=parameters)


def import_run_resume(*, run: ImportRun) -> ImportRun:
    """Put a failed run back in the queue; it continues from its checkpoint."""
    updated = ImportRun.objects.filter(
        pk=run.pk, status=ImportRun.Status.FAILED
    ).update(status=ImportRun.Status.PENDING, error="")
    if not updated:
        raise ValueError(f"run {run.pk} is {run.status}; only failed runs resume")
    run.refresh_from_db()
    return run


# Sources whose failed records can be asked for again by id: the source of
# the retry run and its parameters for those ids. Every arXiv reader's ids
# are arXiv ids, which the API looks up.
RETRY_BY_ID: dict[str, tuple[str, Callable[[list[str]], dict[str, Any]]]] = {
    arxiv.SOURCE: (arxiv.SOURCE, lambda ids: {"id_list": ",".join(ids)}),
    arxiv_oai.SOURCE: (arxiv.SOURCE, lambda ids: {"id_list": ",".join(ids)}),
    arxiv_snapshot.SOURCE: (arxiv.SOURCE, lambda ids: {"id_list": ",".join(ids)}),
    crossref.SOURCE: (crossref.SOURCE, lambda ids: {"dois": ids}),
    openalex.SOURCE: (openalex.SOURCE, lambda ids: {"entity": "works", "ids": ids}),
    orcid.SOURCE: (orcid.SOURCE, lambda ids: {"orcids": ids}),
    semanticscholar.SOURCE: (
        semanticscholar.SOURCE,
        lambda ids: {
            "paper_ids": ids,
            "with_citations": False,
            "with_references": False,
        },
    ),
}


@transaction.atomic
def import_run_retry_failures(*, run: ImportRun) -> ImportRun:
    """A new run that tries the run's failed records again.

    A run over files reads its files again: every record written before is
    unchanged and skipped, the failed ones are parsed and written anew. A
    live run asks the source for the failed records by id where the source
    can look records up (``RETRY_BY_ID``), else repeats its parameters.
    The failures are marked with the run that retried them.
    """
    failures = list(run.failures.filter(retried_in__isnull=True))
    if not failures:
        raise ValueError(f"run {run.pk} has no failed records left to retry")
    parameters: dict[str, Any] = {**run.parameters, "retry_of": run.pk}
    source = run.source
    ids = [f.external_id for f in failures if f.external_id]
    if "files" not in run.parameters and run.source in RETRY_BY_ID and ids:
        source, make = RETRY_BY_ID[run.source]
        parameters = {**make(sorted(set(ids))), "retry_of": run.pk}
    retry = import_run_create(source=source, parameters=parameters)
    run.failures.filter(pk__in=[f.pk for f in failures]).update(retried_in=retry)
    return retry


def import_run_execute(
    *, run_id: int, on_progress: Progress | None = None
) -> ImportRun | None:
    """Execute a pending run; return it, or None if another worker has it."""
    claimed = ImportRun.objects.filter(
        pk=run_id, status=ImportRun.Status.PENDING
    ).update(status=ImportRun.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        logger.info("Import run %s is not pending; skipping", run_id)
        return None
    run = ImportRun.objects.get(pk=run_id)
    reader = READERS[run.source]
    try:
        if snapshot_bulk.pages_write_applies(run):
            snapshot_bulk.pages_write(
                reader(run),
                run,
                lambda page, plan: _ingest_page(run, page, on_progress, plan=plan),
            )
        else:
            for page in reader(run):
                _ingest_page(run, page, on_progress)
        if run.source == arxiv_snapshot.SOURCE:
            snapshot_bulk.snapshot_run_finish(run=run)
    except SourceError as exc:
        _fail(run, str(exc))
        return run
    except BaseException as exc:
        # An unexpected error (a bug, a lost database, a killed worker) still
        # leaves the run FAILED with its checkpoint, so it can be resumed,
        # and then surfaces to the caller.
        _fail(run, f"{type(exc).__name__}: {exc}")
        raise
    else:
        run.status = (
            ImportRun.Status.DONE_WITH_ERRORS
            if run.failures.exists()
            else ImportRun.Status.DONE
        )
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    if on_progress:
        on_progress(run)
    return run


def _fail(run: ImportRun, error: str) -> None:
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.FAILED, error=error, finished_at=timezone.now()
    )
    run.refresh_from_db()


def _ingest_page(
    run: ImportRun,
    page: FeedPage,
    on_progress: Progress | None,
    *,
    plan: snapshot_bulk.PagePlan | None = None,
) -> IngestCounts:
    """Write a page and its checkpoint in one transaction; returns its counts.

    ``plan``: the set-based writer's plan of the page, made beforehand
    (``snapshot_bulk.pages_write``).
    """
    with transaction.atomic():
        if snapshot_bulk.set_based_applies(run):
            counts = snapshot_bulk.snapshot_page_ingest(
                records=page.records,
                import_run=run,
                prepared=page.prepared,
                plan=plan,
            )
            if page.checkpoint is not None:
                page.checkpoint["paths"] = counts.paths.add_to(
                    run.checkpoint.get("paths")
                )
        else:
            counts = works_ingest(
                records=page.records,
                import_run=run,
                on_record=(lambda: on_progress(run)) if on_progress else None,
            )
        for identifier in page.deleted:
            logger.info("Run %s: %s is deleted at the source; kept", run.pk, identifier)
        ImportRun.objects.filter(pk=run.pk).update(
            seen=F("seen") + counts.seen + len(page.deleted),
            created=F("created") + counts.created,
            updated=F("updated") + counts.updated,
            unchanged=F("unchanged") + counts.unchanged + len(page.deleted),
            failed=F("failed") + counts.failed,
        )
        run.refresh_from_db(
            fields=["seen", "created", "updated", "unchanged", "failed"]
        )
        if page.checkpoint is not None:
            run.checkpoint = page.checkpoint
            fields = ["checkpoint"]
            if page.total_results is not None:
                run.total = page.total_results
                fields.append("total")
            run.save(update_fields=fields)
        elif "files" not in run.parameters:
            # Live runs count records against the total the API announces.
            run.total = page.total_results
            if run.total is not None and run.parameters.get("max_results"):
                run.total = min(run.total, run.parameters["max_results"])
            run.checkpoint = {"start": page.start_index + len(page.records)}
            run.save(update_fields=["total", "checkpoint"])
    if on_progress:
        on_progress(run)
    return counts


def _arxiv_pages(run: ImportRun) -> Iterator[FeedPage]:
    params = run.parameters
    if "files" in params:
        yield from _file_pages(run, params["files"])
        return
    start = run.checkpoint.get("start", 0)
    max_results = params.get("max_results")
    yield from arxiv.fetch_pages(
        query=params.get("query", ""),
        id_list=params.get("id_list", ""),
        page_size=params.get("page_size", 100),
        max_results=None if max_results is None else max(0, max_results - start),
        start=start,
    )


def _file_pages(
    run: ImportRun,
    paths: list[str],
    parse: Callable[[bytes], FeedPage] = arxiv.parse,
) -> Iterator[FeedPage]:
    """Parse saved responses; a file that is not a feed is a failure, not a stop.

    The checkpoint counts the files written, so a resumed run skips them.
    """
    # File runs count files: the total is known before reading any.
    if run.total is None:
        run.total = len(paths)
        run.save(update_fields=["total"])
    done = run.checkpoint.get("files_done", 0)
    for index, (path, data) in enumerate(iter_files(paths[done:]), start=done):
        try:
            page = parse(data)
            # A saved OAI page's token means nothing here: files count.
            page.checkpoint = None
        except SourceError as exc:
            page = FeedPage(
                records=[
                    ParseFailure(source=run.source, error=str(exc), external_id=path)
                ]
            )
        yield page
        run.checkpoint = {"files_done": index + 1}
        run.save(update_fields=["checkpoint"])


def _snapshot_pages(run: ImportRun) -> Iterator[FeedPage]:
    """Pages of snapshot lines, from where the run's checkpoint stands.

    No total: counting a multi-gigabyte snapshot's lines would read it
    twice, so progress shows the count of records and their rate. After
    the last page is written, the set-based path recounts the run's
    authors (``import_run_execute`` calls ``snapshot_run_finish``).
    """
    set_based = snapshot_bulk.set_based_applies(run)
    yield from arxiv_snapshot.read_pages(
        run.parameters["files"],
        page_size=run.parameters.get("page_size") or SNAPSHOT_PAGE_SIZE,
        file_index=run.checkpoint.get("file_index", 0),
        line=run.checkpoint.get("line", 0),
        workers=settings.SNAPSHOT_PARSE_WORKERS,
        freeze_heap=True,
        # The set-based writer's per-record work, done by the parsing
        # processes, except for records stored already.
        prepare=snapshot_bulk.page_prepare if set_based else None,
        look_up=snapshot_bulk.PageLookUp() if set_based else None,
    )


def _oai_pages(run: ImportRun) -> Iterator[FeedPage]:
    """OAI-PMH pages, from the saved resumptionToken when there is one.

    Every page's checkpoint keeps the first page's response date as
    ``harvest_date``: a resumed harvest still started then. The metadata
    format is ``parameters["metadata_prefix"]`` (arXivRaw when absent);
    saved files are read in whichever format they hold.
    """
    params = run.parameters
    if "files" in params:
        yield from _file_pages(run, params["files"], arxiv_oai.parse)
        return
    if run.checkpoint.get("resumption_token") == "":
        return  # the last page was written: the list is complete
    harvest_date = run.checkpoint.get("harvest_date", "")
    for page in arxiv_oai.fetch_pages(
        from_date=params.get("from", ""),
        until=params.get("until", ""),
        set_spec=params.get("set", ""),
        resumption_token=run.checkpoint.get("resumption_token", ""),
        metadata_prefix=params.get("metadata_prefix") or arxiv_oai.METADATA_PREFIX,
    ):
        if page.checkpoint is not None:
            harvest_date = harvest_date or page.checkpoint["response_date"][:10]
            page.checkpoint["harvest_date"] = harvest_date
        yield page


def arxiv_oai_incremental_create(*, today: date | None = None) -> ImportRun:
    """The daily harvest's run: from where the last successful one ended.

    ``from`` is the last finished arxiv-oai run's ``until`` or, without one, the
    day it started harvesting (its first response date), or yesterday when
    no harvest has succeeded. OAI-PMH ``from`` is inclusive, so that day is
    read again: the overlap costs a few unchanged records, a gap would lose
    some. A run DONE_WITH_ERRORS counts as finished: the list was read to
    its end and its failed records are kept as ImportFailures; not moving
    on would re-read an ever longer range every day. The metadata format
    is the last finished run's, so a deployment that harvested in ``arXiv``
    goes on in it.
    """
    today = today or timezone.now().date()
    last = (
        ImportRun.objects.filter(
            source=arxiv_oai.SOURCE,
            status__in=[ImportRun.Status.DONE, ImportRun.Status.DONE_WITH_ERRORS],
        )
        .exclude(parameters__has_key="files")
        .order_by("-finished_at", "-pk")
        .first()
    )
    start = (today - timedelta(days=1)).isoformat()
    if last is not None:
        start = (
            last.parameters.get("until")
            or last.checkpoint.get("harvest_date")
            or (last.started_at or last.created_at).date().isoformat()
        )
    parameters = {"from": start}
    if settings.ARXIV_OAI_SET:
        parameters["set"] = settings.ARXIV_OAI_SET
    if last is not None and last.parameters.get("metadata_prefix"):
        parameters["metadata_prefix"] = last.parameters["metadata_prefix"]
    return import_run_create(source=arxiv_oai.SOURCE, parameters=parameters)


def _source_pages(module: Any, live_keys: tuple[str, ...]) -> Reader:
    """The reader of a source whose live pages carry their own checkpoint.

    A run over files reads saved responses with the module's ``parse``; a
    live run calls its ``fetch_pages`` with the run's parameters named in
    ``live_keys``, from the saved checkpoint, which names the next page.
    """

    def read(run: ImportRun) -> Iterator[FeedPage]:
        params = run.parameters
        if "files" in params:
            yield from _file_pages(run, params["files"], module.parse)
            return
        kwargs = {key: params[key] for key in live_keys if key in params}
        yield from module.fetch_pages(**kwargs, checkpoint=run.checkpoint or None)

    return read


def openalex_phases(params: dict[str, Any]) -> list[dict[str, Any]]:
    """The OpenAlex walks a run's parameters ask for, in order.

    ``author``: the author record, then their works. ``works`` (ids): the
    works, then, with ``citations``, for each the works citing it and the
    works it cites, as full records, so its citation network is complete.
    Otherwise one look-up (``ids``) or one walk (``filter``/``search``).
    """
    common = {k: params[k] for k in ("per_page", "max_results") if k in params}
    if params.get("author"):
        author = params["author"]
        return [
            {"entity": "authors", "ids": [author]},
            {
                "entity": "works",
                "filter": openalex.author_works_filter(author),
                **common,
            },
        ]
    if params.get("works"):
        phases = [{"entity": "works", "ids": list(params["works"])}]
        if params.get("citations"):
            for work in params["works"]:
                phases.append({"filter": openalex.cites_filter(work), **common})
                phases.append({"filter": openalex.cited_by_filter(work), **common})
        return phases
    keys = ("entity", "filter", "search", "ids")
    return [{**{k: params[k] for k in keys if params.get(k)}, **common}]


def _openalex_pages(run: ImportRun) -> Iterator[FeedPage]:
    """OpenAlex pages, phase by phase; the checkpoint names the phase too."""
    params = run.parameters
    if "files" in params:
        yield from _file_pages(run, params["files"], openalex.parse)
        return
    phases = openalex_phases(params)
    start = run.checkpoint.get("phase", 0)
    inner = run.checkpoint.get("inner") or None
    for index in range(start, len(phases)):
        for page in openalex.fetch_pages(
            **phases[index], checkpoint=inner if index == start else None
        ):
            page.checkpoint = {"phase": index, "inner": page.checkpoint}
            yield page


READERS: dict[str, Reader] = {
    arxiv.SOURCE: _arxiv_pages,
    arxiv_snapshot.SOURCE: _snapshot_pages,
    arxiv_oai.SOURCE: _oai_pages,
    crossref.SOURCE: _source_pages(
        crossref, ("dois", "query", "filter", "rows", "max_results")
    ),
    openalex.SOURCE: _openalex_pages,
    orcid.SOURCE: _source_pages(orcid, ("orcids",)),
    semanticscholar.SOURCE: _source_pages(
        semanticscholar,
        (
            "paper_ids",
            "with_citations",
            "with_references",
            "author_id",
            "query",
            "limit",
            "max_results",
        ),
    ),
}
SOURCES = tuple(READERS)
