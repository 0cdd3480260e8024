"""``manage.py import arxiv``: from saved responses, live, resumed.

Files are the real fixtures; the live API is served the real recorded 2026
pages through ``responses``.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
import responses
from django.conf import settings
from django.core.management import CommandError, call_command
from responses import matchers

from publications.models import ImportRun, Work
from publications.sources.arxiv import unwrap

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv_api"
DEL_MAESTRO = str(FIXTURES / "au_del_maestro_2016.xml")
ASTRO_PH = FIXTURES / "recorded" / "id_astro-ph_0601001_s0_m100_3150dca9dc76.json"
PAGES = {
    0: "q_testing_s0_m10_bc5a6c384fe9.json",
    10: "q_testing_s10_m10_34e56e15aaac.json",
}
SUMMARY = re.compile(
    r"Import run (?P<run>\d+) (?P<status>[a-z ]+): (?P<seen>\d+) seen, "
    r"(?P<created>\d+) created, (?P<updated>\d+) updated, "
    r"(?P<unchanged>\d+) unchanged, (?P<failed>\d+) failed in "
)


@pytest.fixture(autouse=True)
def _no_backoff(settings):
    settings.HTTP_RETRY_BACKOFF = 0


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def run_import(*args: str, verbosity: int = 0) -> str:
    out = StringIO()
    call_command("import", "arxiv", *args, stdout=out, verbosity=verbosity)
    return out.getvalue()


def summary(output: str) -> dict[str, str]:
    match = SUMMARY.search(output)
    assert match, output
    return match.groupdict()


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


def test_file_import_prints_a_summary_with_counts() -> None:
    output = run_import("--file", DEL_MAESTRO)

    assert summary(output) | {"run": "-"} == {
        "run": "-",
        "status": "done",
        "seen": "10",
        "created": "10",
        "updated": "0",
        "unchanged": "0",
        "failed": "0",
    }
    assert Work.objects.count() == 10


def test_summary_names_the_run() -> None:
    output = run_import("--file", DEL_MAESTRO)

    assert summary(output)["run"] == str(ImportRun.objects.get().pk)


def test_second_import_of_the_same_file_creates_nothing() -> None:
    run_import("--file", DEL_MAESTRO)

    output = run_import("--file", DEL_MAESTRO)

    counts = summary(output)
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (
        "0",
        "0",
        "10",
    )


def test_import_with_a_progress_bar_prints_the_same_summary() -> None:
    output = run_import("--file", DEL_MAESTRO, verbosity=1)

    assert summary(output)["created"] == "10"


def test_query_imports_from_the_live_api(api) -> None:
    serve_page(api, 0)
    serve_page(api, 10)

    output = run_import(
        "--query", "testing", "--page-size", "10", "--max-results", "20"
    )

    counts = summary(output)
    assert (counts["status"], counts["seen"], counts["failed"]) == ("done", "20", "0")
    assert ImportRun.objects.get().parameters["query"] == "testing"


def test_id_list_imports_the_asked_work(api) -> None:
    body, _ = unwrap(ASTRO_PH.read_bytes())
    api.get(
        settings.ARXIV_API_URL,
        body=body,
        match=[
            matchers.query_param_matcher(
                {"id_list": "astro-ph/0601001"}, strict_match=False
            )
        ],
    )

    output = run_import("--id-list", "astro-ph/0601001")

    assert summary(output)["created"] == "1"
    assert Work.objects.get().arxiv_id == "astro-ph/0601001"


def test_failed_live_import_is_a_command_error_naming_the_run(api) -> None:
    serve_page(api, 0, status=500)

    with pytest.raises(CommandError, match=r"Import run \d+ failed: .*HTTP 500"):
        run_import("--query", "testing", "--page-size", "10", "--max-results", "20")

    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


def test_resume_continues_a_failed_run_where_it_stopped(api) -> None:
    serve_page(api, 0)
    serve_page(api, 10, status=500)
    with pytest.raises(CommandError):
        run_import("--query", "testing", "--page-size", "10", "--max-results", "20")
    run = ImportRun.objects.get()
    api.reset()
    serve_page(api, 10)

    output = run_import("--resume", str(run.pk))

    assert [call.request.params["start"] for call in api.calls] == ["10"]
    assert (summary(output)["status"], summary(output)["seen"]) == ("done", "20")


def test_resume_of_an_unknown_run_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="No arxiv import run 999"):
        run_import("--resume", "999")


def test_resume_of_a_run_that_did_not_fail_is_a_command_error() -> None:
    run_import("--file", DEL_MAESTRO)
    run = ImportRun.objects.get()

    with pytest.raises(CommandError, match="only failed runs resume"):
        run_import("--resume", str(run.pk))


def test_file_that_is_not_xml_is_a_failure_and_the_command_completes(
    tmp_path,
) -> None:
    not_xml = tmp_path / "not_xml.xml"
    not_xml.write_bytes(b"Rate exceeded.")

    output = run_import("--file", str(not_xml), DEL_MAESTRO)

    counts = summary(output)
    assert (counts["status"], counts["created"], counts["failed"]) == (
        "done with errors",
        "10",
        "1",
    )
    assert f"failed {not_xml}: arXiv feed is not well-formed XML" in output


def test_missing_file_is_a_command_error_and_the_run_failed(tmp_path) -> None:
    missing = tmp_path / "missing.xml"

    with pytest.raises(CommandError, match=r"missing\.xml"):
        run_import("--file", str(missing))

    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


def test_async_import_runs_in_the_worker_and_prints_the_summary() -> None:
    # Celery runs tasks eagerly in tests (tests/conftest.py).
    output = run_import("--file", DEL_MAESTRO, "--async")

    assert summary(output)["created"] == "10"
