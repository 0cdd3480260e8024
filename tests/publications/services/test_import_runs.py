"""Import runs: created, claimed once, executed to a status, resumed.

File runs read the real fixtures; live runs are served the real recorded
2026 pages through ``responses``. Retries do not wait: ARXIV_MIN_INTERVAL is
0 (tests/conftest.py) and HTTP_RETRY_BACKOFF is set to 0 here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
from django.conf import settings
from responses import matchers

from publications.models import ImportFailure, ImportRun, Work
from publications.services.import_runs import (
    import_run_create,
    import_run_execute,
    import_run_resume,
)
from publications.sources.arxiv import unwrap

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "arxiv_api"
DEL_MAESTRO = FIXTURES / "au_del_maestro_2016.xml"
CHECKERBOARD = FIXTURES / "au_del_maestro_and_ti_checkerboard_2016.xml"
ID_ABC = FIXTURES / "recorded" / "id_abc_s0_m100_b79c8dcf6bc3.json"
PAGES = {
    0: "q_testing_s0_m10_bc5a6c384fe9.json",
    10: "q_testing_s10_m10_34e56e15aaac.json",
    20: "q_testing_s20_m10_348a237fecab.json",
}
LIVE = {"query": "testing", "id_list": "", "page_size": 10, "max_results": 30}


@pytest.fixture(autouse=True)
def _no_backoff(settings):
    settings.HTTP_RETRY_BACKOFF = 0


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def file_run(*paths: Path | str) -> ImportRun:
    return import_run_create(
        source="arxiv", parameters={"files": [str(p) for p in paths]}
    )


def serve_page(api, start: int, *, status: int = 200) -> None:
    body = b""
    if status == 200:
        body, _ = unwrap((FIXTURES / "recorded" / PAGES[start]).read_bytes())
    api.get(
        settings.ARXIV_API_URL,
        body=body,
        status=status,
        match=[
            matchers.query_param_matcher(
                {"search_query": "testing", "start": start}, strict_match=False
            )
        ],
    )


def requested_starts(api) -> list[int]:
    return [int(call.request.params["start"]) for call in api.calls]


# --- creating and claiming ----------------------------------------------------


def test_unknown_source_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown source 'dblp'"):
        import_run_create(source="dblp", parameters={})


def test_new_run_is_pending() -> None:
    run = file_run(DEL_MAESTRO)

    assert run.status == ImportRun.Status.PENDING


def test_run_is_executed_once() -> None:
    run = file_run(DEL_MAESTRO)

    first = import_run_execute(run_id=run.pk)
    second = import_run_execute(run_id=run.pk)

    assert first is not None
    assert second is None
    run.refresh_from_db()
    assert (run.seen, run.created) == (10, 10)


def test_run_another_worker_holds_is_not_executed() -> None:
    run = file_run(DEL_MAESTRO)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)

    assert import_run_execute(run_id=run.pk) is None
    assert Work.objects.count() == 0


# --- file runs ----------------------------------------------------------------


def test_file_run_ends_done_with_its_counts() -> None:
    run = file_run(DEL_MAESTRO)

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert (run.seen, run.created, run.updated, run.unchanged, run.failed) == (
        10,
        10,
        0,
        0,
        0,
    )
    assert run.started_at is not None
    assert run.finished_at >= run.started_at


def test_file_run_counts_files_as_its_total_and_checkpoint() -> None:
    run = file_run(DEL_MAESTRO, CHECKERBOARD)

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.total == 2
    assert run.checkpoint == {"files_done": 2}


def test_run_with_an_error_entry_ends_done_with_errors() -> None:
    run = file_run(ID_ABC)

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE_WITH_ERRORS
    assert run.failed == 1
    assert run.failures.get().error == "arXiv API error: incorrect id format for abc"


def test_file_that_is_not_a_feed_is_a_failure_not_a_stop(tmp_path) -> None:
    not_xml = tmp_path / "not_a_feed.xml"
    not_xml.write_bytes(b"Rate exceeded.")
    run = file_run(not_xml, DEL_MAESTRO)

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE_WITH_ERRORS
    assert (run.created, run.failed) == (10, 1)
    failure = ImportFailure.objects.get(import_run=run)
    assert failure.external_id == str(not_xml)
    assert "not well-formed XML" in failure.error


def test_file_that_only_looks_like_an_envelope_is_a_failure(tmp_path) -> None:
    fake = tmp_path / "fake.json"
    fake.write_bytes(b'{"url": "https://export.arxiv.org/api/query"}')
    run = file_run(fake)

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE_WITH_ERRORS
    assert "not a recorded API call envelope" in run.failures.get().error


def test_missing_file_fails_the_run_instead_of_leaving_it_running(tmp_path) -> None:
    missing = tmp_path / "missing.xml"
    run = file_run(missing)

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert str(missing) in run.error


def test_resumed_file_run_skips_the_files_it_wrote(tmp_path) -> None:
    missing = tmp_path / "later.xml"
    run = file_run(CHECKERBOARD, missing)
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.checkpoint) == (
        ImportRun.Status.FAILED,
        {"files_done": 1},
    )
    missing.write_bytes(DEL_MAESTRO.read_bytes())

    import_run_execute(run_id=import_run_resume(run=run).pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    # cond-mat/0603029 is in both files: written once, by the first file.
    assert (run.seen, run.created, run.unchanged) == (11, 10, 1)


# --- live runs ----------------------------------------------------------------


def test_live_run_ends_done_with_the_announced_total_capped(api) -> None:
    for start in PAGES:
        serve_page(api, start)
    run = import_run_create(source="arxiv", parameters=LIVE)

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert (run.seen, run.total) == (30, 30)
    assert run.checkpoint == {"start": 30}
    assert requested_starts(api) == [0, 10, 20]


def test_live_run_answering_500_forever_fails_after_its_retries(api) -> None:
    serve_page(api, 0, status=500)
    run = import_run_create(source="arxiv", parameters=LIVE)

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert "HTTP 500 after 5 attempts" in run.error
    assert len(api.calls) == 5
    assert run.finished_at is not None


def test_live_run_with_a_malformed_id_fails_with_the_api_message(api) -> None:
    body, status = unwrap(ID_ABC.read_bytes())
    api.get(settings.ARXIV_API_URL, body=body, status=status)
    run = import_run_create(
        source="arxiv", parameters={**LIVE, "query": "", "id_list": "abc"}
    )

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert "incorrect id format for abc" in run.error
    assert len(api.calls) == 1


def test_failed_live_run_keeps_the_pages_it_wrote_and_its_checkpoint(api) -> None:
    serve_page(api, 0)
    serve_page(api, 10, status=500)
    run = import_run_create(source="arxiv", parameters=LIVE)

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert run.checkpoint == {"start": 10}
    assert run.seen == 10
    assert Work.objects.count() == 10


def test_failed_live_run_resumes_from_its_checkpoint(api) -> None:
    serve_page(api, 0)
    serve_page(api, 10, status=500)
    run = import_run_create(source="arxiv", parameters=LIVE)
    import_run_execute(run_id=run.pk)
    api.reset()
    serve_page(api, 10)
    serve_page(api, 20)

    resumed = import_run_resume(run=run)
    import_run_execute(run_id=resumed.pk)

    assert requested_starts(api) == [10, 20]
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert (run.seen, run.error) == (30, "")
    assert run.checkpoint == {"start": 30}


def test_resume_puts_a_failed_run_back_to_pending(api) -> None:
    serve_page(api, 0, status=500)
    run = import_run_create(source="arxiv", parameters=LIVE)
    import_run_execute(run_id=run.pk)

    resumed = import_run_resume(run=run)

    assert resumed.status == ImportRun.Status.PENDING
    assert resumed.error == ""


def test_resume_refuses_a_run_that_did_not_fail() -> None:
    run = file_run(DEL_MAESTRO)
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()

    with pytest.raises(ValueError, match="only failed runs resume"):
        import_run_resume(run=run)


def test_progress_is_reported_and_ends_with_the_finished_run() -> None:
    seen: list[tuple[str, int]] = []
    run = file_run(DEL_MAESTRO)

    import_run_execute(
        run_id=run.pk, on_progress=lambda r: seen.append((r.status, r.seen))
    )

    assert seen[-1] == (ImportRun.Status.DONE, 10)
    assert len(seen) > 1
