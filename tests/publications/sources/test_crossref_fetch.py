"""Fetching from the Crossref REST API: DOI look-ups, cursor walks, resuming,
politeness, retries and errors.

The network is mocked at the HTTP layer with ``responses``; the bodies served
are real recorded responses (tests/fixtures/crossref/, see SOURCES.md): the
six pages of dissemin's recorded cursor walk, habanero's recorded look-ups
and error bodies, with the status and content type they were recorded with.
Time is a fake clock handed to PoliteClient, so waits are asserted, not slept.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from responses import matchers

from publications.sources import crossref
from publications.sources.base import (
    ParsedWork,
    ParseFailure,
    PoliteClient,
    SourceError,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "crossref"
WORKS_URL = "https://api.crossref.org/works"
# dissemin recorded this walk with a from/until-update-date filter for one
# day of 2019; which day is not recorded, so this value is illustrative.
FILTER = "from-update-date:2019-12-03,until-update-date:2019-12-03"
# The walk in the order Crossref served it: the cursor each page was asked
# with (dissemin named each file after it; the first is initial.json).
CURSORS = [
    "*",
    "AoJ6y+XM5O4CPw1odHRwOi8vZHguZG9pLm9yZy8xMC4xMDE3L2Njb2wwNTIxNjYwMDMzLjAxMQ==",
    "AoJ+3OfM5O4CPw9odHRwOi8vZHguZG9pLm9yZy8xMC4xMDE3L2Nibzk3ODA1MTE0OTUwODMuMDA3",
    "AoJ4mejM5O4CPw9odHRwOi8vZHguZG9pLm9yZy8xMC4xMDE3L2Nibzk3ODA1MTE1MjkxMDguMDAz",
    "AoJylOrM5O4CPw9odHRwOi8vZHguZG9pLm9yZy8xMC4xMDE3L2Nibzk3ODA1MTE0OTE5MDAuMDA4",
    "AoJxzuvM5O4CPw9odHRwOi8vZHguZG9pLm9yZy8xMC4xMDE3L2Nibzk3ODA1MTE1NDM1MDAuMDEy",
]
PLOS = "10.1371/journal.pone.0033693"
NEUROBIOL = "10.1016/j.neurobiolaging.2010.03.024"
MISSING = "10.1371/notarealdoi"


@pytest.fixture(autouse=True)
def _no_backoff(settings):
    settings.HTTP_RETRY_BACKOFF = 0
    settings.CROSSREF_API_URL = "https://api.crossref.org"
    settings.BZPEER_CONTACT_EMAIL = "admin@bzpeer.example"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def walk_page(cursor: str) -> bytes:
    member = "initial.json" if cursor == "*" else f"{cursor}.json"
    with zipfile.ZipFile(FIXTURES / "dissemin" / "crossref.zip") as archive:
        return archive.read(member)


def serve_walk(api, cursors=CURSORS) -> None:
    for cursor in cursors:
        api.get(
            WORKS_URL,
            body=walk_page(cursor),
            content_type="application/json;charset=UTF-8",
            match=[
                matchers.query_param_matcher(
                    {"cursor": cursor, "filter": FILTER}, strict_match=False
                )
            ],
        )


def serve_work(api, doi: str, name: str) -> None:
    api.get(f"{WORKS_URL}/{doi}", body=read(name), content_type="application/json")


def serve_missing(api, doi: str = MISSING) -> None:
    # As recorded: HTTP 404, text/plain, "Resource not found."
    api.get(
        f"{WORKS_URL}/{doi}",
        body=read("habanero/test_works_bad_id_warn__00.txt"),
        status=404,
        content_type="text/plain",
    )


def requested_cursors(api) -> list[str]:
    return [call.request.params["cursor"] for call in api.calls]


def ids(pages) -> list[str]:
    return [r.external_id for page in pages for r in page.records]


# --- DOI look-ups ---------------------------------------------------------------


def test_each_doi_is_one_page_with_its_index_as_checkpoint(api, client) -> None:
    serve_work(api, PLOS, "habanero/test_works_with_one_id.0.body.json")
    serve_work(api, NEUROBIOL, "habanero/test_works_with_many_ids.0.body.json")

    pages = list(crossref.fetch_pages(dois=[PLOS, NEUROBIOL], client=client))

    assert ids(pages) == [PLOS, NEUROBIOL]
    assert [page.checkpoint for page in pages] == [{"index": 1}, {"index": 2}]
    assert [page.start_index for page in pages] == [0, 1]
    assert {page.total_results for page in pages} == {2}
    assert [call.request.path_url.split("?")[0] for call in api.calls] == [
        f"/works/{PLOS}",
        f"/works/{NEUROBIOL}",
    ]


def test_unknown_doi_is_a_failure_and_the_run_goes_on(api, client) -> None:
    serve_work(api, PLOS, "habanero/test_works_with_one_id.0.body.json")
    serve_missing(api)
    serve_work(api, NEUROBIOL, "habanero/test_works_with_many_ids.0.body.json")

    pages = list(crossref.fetch_pages(dois=[PLOS, MISSING, NEUROBIOL], client=client))

    first, missing, last = pages
    assert isinstance(first.records[0], ParsedWork)
    [failure] = missing.records
    assert isinstance(failure, ParseFailure)
    assert failure.source == "crossref"
    assert failure.external_id == MISSING
    assert failure.error == (
        "Crossref has no work 10.1371/notarealdoi: HTTP 404 Resource not found."
    )
    assert failure.payload == "Resource not found."
    assert missing.checkpoint == {"index": 2}
    assert last.records[0].external_id == NEUROBIOL
    assert len(api.calls) == 3


def test_dois_are_normalised_before_asking(api, client) -> None:
    serve_work(api, PLOS, "habanero/test_works_with_one_id.0.body.json")

    [page] = crossref.fetch_pages(
        dois=["https://doi.org/10.1371/JOURNAL.PONE.0033693"], client=client
    )

    assert page.records[0].external_id == PLOS
    assert api.calls[0].request.path_url.startswith(f"/works/{PLOS}?")


def test_a_string_that_is_not_a_doi_fails_without_asking(api, client) -> None:
    [page] = crossref.fetch_pages(dois=["not a doi"], client=client)

    [failure] = page.records
    assert isinstance(failure, ParseFailure)
    assert failure.error == "'not a doi' is not a DOI"
    assert page.checkpoint == {"index": 1}
    assert len(api.calls) == 0


def test_doi_look_ups_resume_after_the_checkpoint(api, client) -> None:
    serve_work(api, NEUROBIOL, "habanero/test_works_with_many_ids.0.body.json")

    pages = list(
        crossref.fetch_pages(
            dois=[PLOS, MISSING, NEUROBIOL], checkpoint={"index": 2}, client=client
        )
    )

    assert ids(pages) == [NEUROBIOL]
    assert pages[0].checkpoint == {"index": 3}
    assert len(api.calls) == 1


def test_finished_doi_look_ups_fetch_nothing(api, client) -> None:
    pages = list(
        crossref.fetch_pages(
            dois=[PLOS, MISSING], checkpoint={"index": 2}, client=client
        )
    )

    assert pages == []
    assert len(api.calls) == 0


def test_field_query_with_a_doi_is_refused_with_crossrefs_message(api, client) -> None:
    # Recorded: HTTP 400 for /works/{doi}?query.author=...; a 4xx other than
    # 404 ends the run.
    api.get(
        f"{WORKS_URL}/{PLOS}",
        body=read("habanero/test_works_query_filters_not_allowed_with_dois__00.json"),
        status=400,
        content_type="application/json;charset=utf-8",
    )

    with pytest.raises(SourceError) as raised:
        list(crossref.fetch_pages(dois=[PLOS], client=client))

    assert str(raised.value) == (
        "Crossref answered HTTP 400 for 10.1371/journal.pone.0033693: "
        "validation-failure: parameter-not-allowed (query.*): "
        "This route does not support field query parameters"
    )
    assert len(api.calls) == 1


# --- cursor walks ---------------------------------------------------------------


def test_walk_follows_next_cursor_to_the_empty_page(api, client) -> None:
    serve_walk(api)

    pages = list(crossref.fetch_pages(filter=FILTER, rows=50, client=client))

    assert requested_cursors(api) == CURSORS
    assert [len(page.records) for page in pages] == [50, 50, 50, 50, 50, 0]
    assert [page.checkpoint for page in pages] == [
        {"cursor": CURSORS[1], "fetched": 50},
        {"cursor": CURSORS[2], "fetched": 100},
        {"cursor": CURSORS[3], "fetched": 150},
        {"cursor": CURSORS[4], "fetched": 200},
        {"cursor": CURSORS[5], "fetched": 250},
        {"cursor": "", "fetched": 250},
    ]
    assert [page.start_index for page in pages] == [0, 50, 100, 150, 200, 250]
    assert {page.total_results for page in pages} == {237075}
    assert ids(pages)[0] == "10.1017/ccol052165310x"


def test_each_walk_call_asks_for_the_filter_rows_and_mailto(api, client) -> None:
    serve_walk(api, CURSORS[:1])

    list(
        crossref.fetch_pages(
            query="thomas mann", filter=FILTER, rows=50, max_results=50, client=client
        )
    )

    assert api.calls[0].request.params == {
        "rows": "50",
        "cursor": "*",
        "mailto": "admin@bzpeer.example",
        "query": "thomas mann",
        "filter": FILTER,
    }


def test_resuming_after_page_n_yields_exactly_the_remaining_pages(api, client) -> None:
    serve_walk(api)
    full = list(crossref.fetch_pages(filter=FILTER, rows=50, client=client))
    api.calls.reset()

    resumed = list(
        crossref.fetch_pages(
            filter=FILTER, rows=50, checkpoint=full[1].checkpoint, client=client
        )
    )

    assert requested_cursors(api) == CURSORS[2:]
    assert ids(resumed) == ids(full[2:])
    assert [page.checkpoint for page in resumed] == [
        page.checkpoint for page in full[2:]
    ]
    assert [page.start_index for page in resumed] == [100, 150, 200, 250]


def test_resuming_a_finished_walk_fetches_nothing(api, client) -> None:
    pages = list(
        crossref.fetch_pages(
            filter=FILTER, checkpoint={"cursor": "", "fetched": 250}, client=client
        )
    )

    assert pages == []
    assert len(api.calls) == 0


def test_walk_stops_at_max_results(api, client) -> None:
    serve_walk(api, CURSORS[:3])

    pages = list(
        crossref.fetch_pages(filter=FILTER, rows=50, max_results=120, client=client)
    )

    # The third page is served whole (50 works) and cut to the 20 asked for.
    assert [len(page.records) for page in pages] == [50, 50, 20]
    assert pages[-1].checkpoint == {"cursor": "", "fetched": 120}
    assert requested_cursors(api) == CURSORS[:3]


def test_rows_never_exceed_max_results(api, client) -> None:
    serve_walk(api, CURSORS[:1])

    [page] = crossref.fetch_pages(
        filter=FILTER, rows=1000, max_results=50, client=client
    )

    assert api.calls[0].request.params["rows"] == "50"
    assert page.checkpoint == {"cursor": "", "fetched": 50}


def test_expired_cursor_on_resume_starts_the_walk_again(api, client, caplog) -> None:
    # Crossref forgets a cursor five minutes after its last use; the saved
    # one is answered as the recorded invalid cursor was (404, JSON).
    api.get(
        WORKS_URL,
        body=read("habanero/test_cursor_fails_cursor_value__00.json"),
        status=404,
        content_type="application/json",
        match=[
            matchers.query_param_matcher({"cursor": CURSORS[3]}, strict_match=False)
        ],
    )
    serve_walk(api)

    pages = list(
        crossref.fetch_pages(
            filter=FILTER,
            rows=50,
            checkpoint={"cursor": CURSORS[3], "fetched": 150},
            client=client,
        )
    )

    assert requested_cursors(api) == [CURSORS[3], *CURSORS]
    assert len(pages) == 6
    assert pages[0].start_index == 0
    assert pages[-1].checkpoint == {"cursor": "", "fetched": 250}
    assert "starting the walk again" in caplog.text


def test_invalid_cursor_outside_a_resume_is_a_source_error(api, client) -> None:
    api.get(
        WORKS_URL,
        body=read("habanero/test_cursor_fails_cursor_value__00.json"),
        status=404,
        content_type="application/json",
    )

    with pytest.raises(SourceError) as raised:
        list(crossref.fetch_pages(query="widget", client=client))

    assert str(raised.value) == (
        "Crossref answered HTTP 404: resource-failure: cursor-invalid (thing): "
        "Cursor specified but it is invalid"
    )
    assert len(api.calls) == 1


# --- arguments ------------------------------------------------------------------


def test_more_rows_than_crossref_serves_are_refused(client) -> None:
    with pytest.raises(ValueError, match="1 to 1000 rows"):
        next(crossref.fetch_pages(query="ecology", rows=1001, client=client))


def test_dois_and_a_query_together_are_refused(client) -> None:
    with pytest.raises(ValueError, match="not both"):
        next(crossref.fetch_pages(dois=[PLOS], query="ecology", client=client))


def test_a_walk_over_all_of_crossref_is_refused(client) -> None:
    with pytest.raises(ValueError, match="give DOIs, a query or a filter"):
        next(crossref.fetch_pages(client=client))


# --- politeness and retries -----------------------------------------------------


def test_user_agent_and_mailto_name_the_contact(api, settings) -> None:
    settings.CROSSREF_MIN_INTERVAL = 0
    serve_work(api, PLOS, "habanero/test_works_with_one_id.0.body.json")

    list(crossref.fetch_pages(dois=[PLOS]))

    request = api.calls[0].request
    assert "mailto:admin@bzpeer.example" in request.headers["User-Agent"]
    assert request.params == {"mailto": "admin@bzpeer.example"}


def test_pages_wait_the_minimum_interval(api, clock) -> None:
    serve_walk(api, CURSORS[:2])
    polite = PoliteClient(min_interval=1.5, sleep=clock.sleep, clock=clock)

    list(crossref.fetch_pages(filter=FILTER, rows=50, max_results=100, client=polite))

    assert clock.sleeps == [1.5]


def test_503_with_retry_after_waits_that_long_then_succeeds(api, client, clock) -> None:
    # Both match the first call; responses answers in registration order.
    api.get(f"{WORKS_URL}/{PLOS}", status=503, headers={"Retry-After": "7"})
    serve_work(api, PLOS, "habanero/test_works_with_one_id.0.body.json")

    [page] = crossref.fetch_pages(dois=[PLOS], client=client)

    assert page.records[0].external_id == PLOS
    assert clock.sleeps == [7]
    assert len(api.calls) == 2


def test_server_errors_after_every_retry_end_the_run(api, clock) -> None:
    api.get(WORKS_URL, status=502)
    polite = PoliteClient(min_interval=0, max_retries=2, sleep=clock.sleep, clock=clock)

    with pytest.raises(SourceError, match="HTTP 502 after 3 attempts"):
        list(crossref.fetch_pages(query="ecology", client=polite))

    assert len(api.calls) == 3
