"""arxiv-oai harvests: paged by resumptionToken, resumable, polite.

The OAI server is ``responses`` at the HTTP layer. Its three pages are
constructed from the real ListRecordsResponse.xml (tests/fixtures/arxiv_oai/):
its six records cut into pages of two, each page ending with the real
resumptionToken element with its token, cursor and text edited in the bytes
(the last page's token empty, as OAI-PMH ends a list). Retries do not wait:
ARXIV_MIN_INTERVAL is 0 (tests/conftest.py) and HTTP_RETRY_BACKOFF is 0 here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path

import pytest
import responses
from django.conf import settings
from django.core.management import CommandError, call_command
from responses import matchers

from publications.models import Authorship, ImportRun, Work, WorkVersion
from publications.services.import_runs import (
    arxiv_oai_incremental_create,
    import_run_create,
    import_run_execute,
    import_run_resume,
)
from publications.sources import arxiv_oai
from publications.sources.base import PoliteClient
from publications.tasks import arxiv_oai_harvest_incremental_task

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "arxiv_oai"
REAL = (FIXTURES / "ListRecordsResponse.xml").read_bytes()
TOKENS = ["726959|1001", "726959|2001", ""]


def _pages() -> list[bytes]:
    """Three pages of two records, constructed from the real file."""
    head, _, rest = REAL.partition(b"<record>")
    body, _, _ = rest.rpartition(b"</record>")
    records = [
        b"<record>" + r + b"</record>\n" for r in body.split(b"</record>\n<record>")
    ]
    records = [r.replace(b"</record>\n</record>\n", b"</record>\n") for r in records]
    assert len(records) == 6
    token_start = REAL.index(b"<resumptionToken")
    token_end = REAL.index(b"</resumptionToken>") + len(b"</resumptionToken>")
    tail = REAL[token_end:]
    original = REAL[token_start:token_end]
    pages = []
    for number in range(3):
        token = original.replace(b'cursor="0"', f'cursor="{number * 2}"'.encode())
        token = token.replace(b'completeListSize="58011"', b'completeListSize="6"')
        token = token.replace(b"726959|1001", TOKENS[number].encode())
        pages.append(
            head + b"".join(records[number * 2 : number * 2 + 2]) + token + tail
        )
    return pages


PAGES = _pages()


@pytest.fixture(autouse=True)
def _no_backoff(settings):
    settings.HTTP_RETRY_BACKOFF = 0
    settings.ARXIV_MIN_INTERVAL = 0


@pytest.fixture
def oai():
    with responses.RequestsMock() as mock:
        yield mock


def serve(oai, number: int, *, status: int = 200, headers=None) -> None:
    """Page ``number`` (0, 1, 2), asked for by the token of the page before."""
    if number == 0:
        params = {"verb": "ListRecords", "metadataPrefix": "arXivRaw"}
    else:
        params = {"verb": "ListRecords", "resumptionToken": TOKENS[number - 1]}
    oai.get(
        settings.ARXIV_OAI_URL,
        body=PAGES[number] if status == 200 else b"",
        status=status,
        headers=headers,
        match=[matchers.query_param_matcher(params, strict_match=False)],
    )


def harvest(**parameters) -> ImportRun:
    run = import_run_create(source="arxiv-oai", parameters=parameters)
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def rows() -> list[tuple]:
    """What a harvest leaves in the database, comparable between runs."""
    works = sorted(
        Work.objects.values_list("arxiv_id", "title", "doi", "journal_ref", "published")
    )
    authorships = sorted(
        Authorship.objects.values_list("work__arxiv_id", "position", "raw_name")
    )
    versions = sorted(
        WorkVersion.objects.values_list("work__arxiv_id", "version", "submitted")
    )
    return [works, authorships, versions]


def test_the_constructed_pages_hold_the_real_records_once_each() -> None:
    ids = [r.external_id for page in PAGES for r in arxiv_oai.parse(page).records]

    assert ids == [r.external_id for r in arxiv_oai.parse(REAL).records]


def test_harvest_follows_tokens_to_the_last_page(oai) -> None:
    for number in range(3):
        serve(oai, number)

    run = harvest(**{"from": "2014-10-01"})

    assert run.status == ImportRun.Status.DONE
    assert (run.seen, run.created, run.total) == (6, 6, 6)
    assert run.checkpoint["resumption_token"] == ""
    assert run.checkpoint["harvest_date"] == "2015-01-06"
    assert oai.calls[0].request.params == {
        "verb": "ListRecords",
        "metadataPrefix": "arXivRaw",
        "from": "2014-10-01",
    }
    assert "BZPEER" in oai.calls[0].request.headers["User-Agent"]


def test_killed_harvest_saves_the_token_of_its_last_page(oai) -> None:
    serve(oai, 0)
    serve(oai, 1)
    serve(oai, 2, status=500)

    run = harvest()

    assert run.status == ImportRun.Status.FAILED
    assert "HTTP 500" in run.error
    assert run.checkpoint["resumption_token"] == TOKENS[1]
    assert (run.seen, run.created) == (4, 4)
    # 1 + max_retries attempts at page 3, then the run stops.
    assert len(oai.calls) == 2 + 5


def test_resumed_harvest_leaves_exactly_the_rows_of_an_uninterrupted_one(oai) -> None:
    for number in range(3):
        serve(oai, number)
    harvest()
    uninterrupted = rows()
    Work.objects.all().delete()
    oai.reset()

    serve(oai, 0)
    serve(oai, 1)
    serve(oai, 2, status=500)
    run = harvest()
    oai.reset()
    serve(oai, 2)
    import_run_resume(run=run)
    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert [call.request.params["resumptionToken"] for call in oai.calls] == [TOKENS[1]]
    assert (run.seen, run.created) == (6, 6)
    assert rows() == uninterrupted


def test_resumed_harvest_that_had_finished_asks_nothing(oai) -> None:
    run = import_run_create(source="arxiv-oai", parameters={})
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.FAILED, checkpoint={"resumption_token": ""}
    )
    run.refresh_from_db()
    import_run_resume(run=run)

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert len(oai.calls) == 0


def test_503_retry_after_is_honoured(oai) -> None:
    serve(oai, 0, status=503, headers={"Retry-After": "7"})
    serve(oai, 0)
    serve(oai, 1)
    serve(oai, 2)
    slept: list[float] = []
    client = PoliteClient(min_interval=0, sleep=slept.append)

    pages = list(arxiv_oai.fetch_pages(client=client))

    assert [len(p.records) for p in pages] == [2, 2, 2]
    assert 7.0 in slept


def test_no_records_match_is_an_empty_successful_harvest(oai) -> None:
    oai.get(
        settings.ARXIV_OAI_URL,
        body=(FIXTURES / "ErrorResponseNoRecordsMatch.xml").read_bytes(),
    )

    run = harvest(set="moo")

    assert run.status == ImportRun.Status.DONE
    assert (run.seen, run.total) == (0, 0)


def test_bad_resumption_token_fails_the_run(oai) -> None:
    serve(oai, 0)
    oai.get(
        settings.ARXIV_OAI_URL,
        body=(FIXTURES / "ErrorResponseBadResumptionToken.xml").read_bytes(),
    )

    run = harvest()

    assert run.status == ImportRun.Status.FAILED
    assert "badResumptionToken" in run.error
    assert run.checkpoint["resumption_token"] == TOKENS[0]


def test_deleted_records_count_as_seen_and_unchanged(oai) -> None:
    # Constructed from the real file: its first record marked deleted.
    start = PAGES[2].index(b"<metadata>")
    end = PAGES[2].index(b"</metadata>") + len(b"</metadata>")
    last = PAGES[2][:start] + PAGES[2][end:]
    last = last.replace(b"<header>", b'<header status="deleted">', 1)
    serve(oai, 0)
    serve(oai, 1)
    oai.get(
        settings.ARXIV_OAI_URL,
        body=last,
        match=[
            matchers.query_param_matcher(
                {"resumptionToken": TOKENS[1]}, strict_match=False
            )
        ],
    )

    run = harvest()

    assert run.status == ImportRun.Status.DONE
    assert (run.seen, run.created, run.unchanged, run.failed) == (6, 5, 1, 0)
    assert not Work.objects.filter(arxiv_id="0704.1114").exists()


def test_file_run_reads_saved_pages(tmp_path) -> None:
    paths = []
    for number, page in enumerate(PAGES):
        path = tmp_path / f"page{number}.xml"
        path.write_bytes(page)
        paths.append(str(path))

    run = harvest(files=paths)

    assert run.status == ImportRun.Status.DONE
    assert (run.seen, run.created, run.total) == (6, 6, 3)
    assert run.checkpoint == {"files_done": 3}


def test_command_harvests_with_from_until_and_set(oai) -> None:
    for number in range(3):
        serve(oai, number)
    out = StringIO()

    call_command(
        "import",
        "arxiv-oai",
        "--from",
        "2014-10-01",
        "--until",
        "2014-12-31",
        "--set",
        "physics",
        stdout=out,
        verbosity=0,
    )

    run = ImportRun.objects.get()
    assert run.parameters == {
        "from": "2014-10-01",
        "until": "2014-12-31",
        "set": "physics",
    }
    assert oai.calls[0].request.params["set"] == "physics"
    assert "6 created" in out.getvalue()


def test_command_resumes_a_killed_harvest(oai) -> None:
    serve(oai, 0)
    serve(oai, 1)
    serve(oai, 2, status=500)
    with pytest.raises(CommandError, match="HTTP 500"):
        call_command("import", "arxiv-oai", stdout=StringIO(), verbosity=0)
    run = ImportRun.objects.get()
    oai.reset()
    serve(oai, 2)

    call_command(
        "import", "arxiv-oai", "--resume", str(run.pk), stdout=StringIO(), verbosity=0
    )

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert Work.objects.count() == 6


def test_command_refuses_oai_options_for_the_api() -> None:
    with pytest.raises(CommandError, match="for arxiv-oai"):
        call_command("import", "arxiv", "--from", "2024-01-01", stdout=StringIO())


# --- the daily incremental harvest -------------------------------------------


def finished_run(status: str, **fields) -> ImportRun:
    run = import_run_create(source="arxiv-oai", parameters=fields.pop("parameters", {}))
    ImportRun.objects.filter(pk=run.pk).update(status=status, **fields)
    return run


def test_incremental_starts_yesterday_without_a_finished_run() -> None:
    finished_run(ImportRun.Status.FAILED, checkpoint={"harvest_date": "2026-01-01"})

    run = arxiv_oai_incremental_create(today=date(2026, 3, 10))

    assert run.parameters == {"from": "2026-03-09"}


def test_incremental_starts_at_the_last_done_runs_harvest_date() -> None:
    when = datetime(2026, 3, 1, 5, tzinfo=UTC)
    finished_run(
        ImportRun.Status.DONE,
        checkpoint={"harvest_date": "2026-03-01"},
        finished_at=when,
    )
    finished_run(
        ImportRun.Status.DONE,
        checkpoint={"harvest_date": "2026-03-05"},
        finished_at=when.replace(day=5),
    )
    finished_run(
        ImportRun.Status.FAILED,
        checkpoint={"harvest_date": "2026-03-08"},
        finished_at=when.replace(day=8),
    )

    run = arxiv_oai_incremental_create(today=date(2026, 3, 10))

    assert run.parameters == {"from": "2026-03-05"}


def test_incremental_starts_at_the_last_runs_until_when_it_had_one() -> None:
    finished_run(
        ImportRun.Status.DONE,
        parameters={"from": "2026-01-01", "until": "2026-02-01"},
        checkpoint={"harvest_date": "2026-03-05"},
        finished_at=datetime(2026, 3, 5, tzinfo=UTC),
    )

    run = arxiv_oai_incremental_create(today=date(2026, 3, 10))

    assert run.parameters == {"from": "2026-02-01"}


def test_incremental_task_harvests_from_the_last_done_run(oai) -> None:
    finished_run(
        ImportRun.Status.DONE,
        checkpoint={"harvest_date": "2014-10-01"},
        finished_at=datetime(2014, 10, 1, tzinfo=UTC),
    )
    for number in range(3):
        serve(oai, number)

    arxiv_oai_harvest_incremental_task.delay()

    run = ImportRun.objects.filter(status=ImportRun.Status.DONE).latest("pk")
    assert run.parameters == {"from": "2014-10-01"}
    assert oai.calls[0].request.params["from"] == "2014-10-01"
    assert run.created == 6


def test_daily_harvest_is_scheduled() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["harvest-arxiv-oai-daily"]

    assert entry["task"] == arxiv_oai_harvest_incremental_task.name
