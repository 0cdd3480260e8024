# ruff: noqa: N999 - the command is named after what it does: manage.py import
"""``manage.py import arxiv --query ... | --id-list ... | --file PATH...``.

``manage.py import arxiv-snapshot --file PATH...`` loads bulk JSON-lines
snapshots (plain or gzipped) in pages of --page-size lines, set-based on
PostgreSQL unless ``--standard-path`` (see services/snapshot_bulk.py).

``manage.py import arxiv-oai [--from DATE] [--until DATE] [--set SPEC]
[--metadata-prefix arXiv|arXivRaw]`` harvests OAI-PMH ListRecords
(arXivRaw by default), or ``--file PATH...`` reads saved ListRecords
responses of either format, one page a file.

``manage.py import crossref --doi DOI... | --search TEXT [--filter F]``,
``openalex --work ID... | --author A... | --search TEXT | --filter F``,
``orcid --orcid ID...`` and ``semanticscholar --work ID... | --author ID |
--search TEXT`` fetch live; each also reads ``--file PATH...``, saved
responses in the exact format the API returns.

Creates an ImportRun and executes it with a progress bar: inline by default
(the same service the Celery task calls), or through the worker with
``--async``, polling the run for progress. ``--resume RUN_ID`` continues a
failed run from its checkpoint.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from publications.models import ImportRun
from publications.services.import_runs import (
    SNAPSHOT_PAGE_SIZE,
    SOURCES,
    import_run_create,
    import_run_execute,
    import_run_resume,
)
from publications.sources.arxiv_oai import METADATA_PREFIXES
from publications.sources.arxiv_oai import SOURCE as OAI
from publications.sources.arxiv_snapshot import SOURCE as SNAPSHOT
from publications.tasks import import_run_execute_task

FINISHED = {
    ImportRun.Status.DONE,
    ImportRun.Status.DONE_WITH_ERRORS,
    ImportRun.Status.FAILED,
}


def _crossref(options) -> dict:
    if options["file"]:
        return {"files": options["file"]}
    if options["doi"]:
        return {"dois": options["doi"]}
    if options["search"] or options["filter"]:
        return {
            "query": options["search"] or "",
            "filter": options["filter"] or "",
            "rows": options["page_size"] or 100,
            "max_results": options["max_results"],
        }
    raise CommandError("crossref: give --doi, --search, --filter or --file")


def _openalex(options) -> dict:
    if options["file"]:
        return {"files": options["file"]}
    common = {"per_page": options["page_size"] or 200}
    if options["max_results"]:
        common["max_results"] = options["max_results"]
    if options["author"]:
        return {"author": options["author"], **common}
    if options["work"]:
        return {"works": options["work"], "citations": options["citations"], **common}
    if options["search"] or options["filter"]:
        return {
            "entity": options["entity"],
            "search": options["search"] or "",
            "filter": options["filter"] or "",
            **common,
        }
    raise CommandError("openalex: give --work, --author, --search, --filter or --file")


def _orcid(options) -> dict:
    if options["file"]:
        return {"files": options["file"]}
    if options["orcid"]:
        return {"orcids": options["orcid"]}
    raise CommandError("orcid: give --orcid ID... or --file")


def _semanticscholar(options) -> dict:
    if options["file"]:
        return {"files": options["file"]}
    common = {"limit": options["page_size"] or 100}
    if options["max_results"]:
        common["max_results"] = options["max_results"]
    if options["work"]:
        return {"paper_ids": options["work"], **common}
    if options["author"]:
        return {"author_id": options["author"], **common}
    if options["search"]:
        return {"query": options["search"], **common}
    raise CommandError("semanticscholar: give --work, --author, --search or --file")


# Sources whose runs take their parameters straight from the options.
LIVE_PARAMETERS = {
    "crossref": _crossref,
    "openalex": _openalex,
    "orcid": _orcid,
    "semanticscholar": _semanticscholar,
}


class Command(BaseCommand):
    help = "Import works from a source, live or from saved responses."

    def add_arguments(self, parser):
        parser.add_argument("source", choices=SOURCES)
        # Not required: an arxiv-oai harvest needs none of these (checked
        # per source in _run).
        what = parser.add_mutually_exclusive_group()
        what.add_argument("--query", help='arXiv search_query, e.g. "au:Dherin_B"')
        what.add_argument("--id-list", help="comma-separated arXiv ids")
        what.add_argument(
            "--file", nargs="+", help="saved API responses (Atom or JSON envelope)"
        )
        what.add_argument(
            "--resume", type=int, metavar="RUN_ID", help="resume a failed run"
        )
        what.add_argument(
            "--search", help="openalex, crossref, semanticscholar: a free-text search"
        )
        what.add_argument("--doi", nargs="+", help="crossref: look these DOIs up")
        what.add_argument(
            "--orcid", nargs="+", help="orcid: these researchers' records"
        )
        what.add_argument(
            "--work",
            nargs="+",
            help="openalex: works by id (W..., doi:..); semanticscholar: papers"
            " (S2 id, DOI:..., ARXIV:...) with their citations and references",
        )
        what.add_argument(
            "--author",
            help="openalex: an author (A...) and their works;"
            " semanticscholar: an author id and their papers",
        )
        parser.add_argument(
            "--filter", help="openalex, crossref: the API's filter expression"
        )
        parser.add_argument(
            "--entity",
            choices=["works", "authors", "institutions"],
            default="works",
            help="openalex --search/--filter: what to walk (default: works)",
        )
        parser.add_argument(
            "--citations",
            action="store_true",
            help="openalex --work: also the works citing it and the works it cites",
        )
        parser.add_argument(
            "--from",
            dest="from_date",
            help="arxiv-oai: records changed on or after this day (YYYY-MM-DD)",
        )
        parser.add_argument(
            "--until", help="arxiv-oai: records changed up to this day (YYYY-MM-DD)"
        )
        parser.add_argument(
            "--set", dest="set_spec", help='arxiv-oai: an OAI set, e.g. "cs"'
        )
        parser.add_argument(
            "--metadata-prefix",
            choices=METADATA_PREFIXES,
            help="arxiv-oai: the metadata format to harvest (default: arXivRaw;"
            " saved files are read in whichever format they hold)",
        )
        parser.add_argument(
            "--max-results", type=int, help="stop after this many records"
        )
        parser.add_argument(
            "--page-size",
            type=int,
            help="records a page (default: 100 for the API, 1000 for a snapshot)",
        )
        parser.add_argument(
            "--standard-path",
            action="store_true",
            help="arxiv-snapshot: write record by record, not set-based",
        )
        parser.add_argument(
            "--async",
            dest="use_worker",
            action="store_true",
            help="run in a Celery worker and follow its progress",
        )

    def handle(self, *args, source, **options):
        run = self._run(source, options)
        # Saved API responses count files; snapshot files hold millions of
        # lines and count records, with no total (see _snapshot_pages).
        unit = (
            "file" if "files" in run.parameters and run.source != SNAPSHOT else "record"
        )
        bar = tqdm(total=run.total, unit=unit, disable=options["verbosity"] == 0)

        def show(current: ImportRun) -> None:
            if current.total != bar.total:
                bar.total = current.total
            position = (
                current.checkpoint.get("files_done", 0)
                if unit == "file"
                else current.seen
            )
            if position > bar.n:
                bar.set_postfix(
                    new=current.created,
                    updated=current.updated,
                    unchanged=current.unchanged,
                    failed=current.failed,
                    refresh=False,
                )
                bar.update(position - bar.n)

        if options["use_worker"]:
            import_run_execute_task.delay(run.pk)
            while run.status not in FINISHED:
                time.sleep(0.5)
                run.refresh_from_db()
                show(run)
        else:
            run = import_run_execute(run_id=run.pk, on_progress=show) or run
        bar.close()
        self._summary(run)
        if run.status == ImportRun.Status.FAILED:
            raise CommandError(f"Import run {run.pk} failed: {run.error}")

    def _run(self, source: str, options) -> ImportRun:
        if options["resume"]:
            run = ImportRun.objects.filter(pk=options["resume"], source=source).first()
            if run is None:
                raise CommandError(f"No {source} import run {options['resume']}")
            try:
                return import_run_resume(run=run)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        if source == OAI:
            if options["query"] or options["id_list"]:
                raise CommandError(
                    "arxiv-oai harvests by date and set: give --from/--until/--set"
                )
            if options["file"]:
                return import_run_create(
                    source=source, parameters={"files": options["file"]}
                )
            parameters = {
                key: options[option]
                for key, option in (
                    ("from", "from_date"),
                    ("until", "until"),
                    ("set", "set_spec"),
                    ("metadata_prefix", "metadata_prefix"),
                )
                if options[option]
            }
            return import_run_create(source=source, parameters=parameters)
        if source in LIVE_PARAMETERS:
            return import_run_create(
                source=source, parameters=LIVE_PARAMETERS[source](options)
            )
        if (
            options["from_date"]
            or options["until"]
            or options["set_spec"]
            or options["metadata_prefix"]
        ):
            raise CommandError(
                "--from, --until, --set and --metadata-prefix are for arxiv-oai"
            )
        if not (options["query"] or options["id_list"] or options["file"]):
            raise CommandError(
                "one of the arguments --query --id-list --file --resume is required"
            )
        if source == SNAPSHOT:
            if not options["file"]:
                raise CommandError("arxiv-snapshot reads files: give --file PATH...")
            parameters = {
                "files": options["file"],
                "page_size": options["page_size"] or SNAPSHOT_PAGE_SIZE,
            }
            if options["standard_path"]:
                parameters["standard_path"] = True
        elif options["file"]:
            parameters = {"files": options["file"]}
        else:
            parameters = {
                "query": options["query"] or "",
                "id_list": options["id_list"] or "",
                "page_size": options["page_size"] or 100,
                "max_results": options["max_results"],
            }
        return import_run_create(source=source, parameters=parameters)

    def _summary(self, run: ImportRun) -> None:
        elapsed = (
            (run.finished_at - run.started_at).total_seconds()
            if run.finished_at and run.started_at
            else 0
        )
        rate = run.seen / elapsed if elapsed else 0
        self.stdout.write(
            f"Import run {run.pk} {run.get_status_display().lower()}: "
            f"{run.seen} seen, {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged, {run.failed} failed "
            f"in {elapsed:.1f}s ({rate:.0f} records/s)"
        )
        for failure in run.failures.all()[:10]:
            self.stdout.write(
                self.style.WARNING(f"  failed {failure.external_id}: {failure.error}")
            )
