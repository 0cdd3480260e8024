"""Fetching from OpenAlex: cursor paging, checkpoints, look-ups, politeness, errors.

The network is mocked at the HTTP layer with ``responses``; the bodies served
are real recorded responses (tests/fixtures/openalex/, see SOURCES.md there).
Time is a fake clock handed to PoliteClient, so waits are asserted, not slept.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from responses import matchers

from publications.sources import openalex
from publications.sources.base import (
    ParsedAuthor,
    ParsedWork,
    ParseFailure,
    PoliteClient,
    SourceError,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "openalex"
VITAMINS = "b-vitamins_openalex-python/"
PRO = "openalexPro/extracted_body/"
# The real walk: filter=openalex:W3045921891|W3046863325, two pages.
WALK_FILTER = "openalex:W3045921891|W3046863325"
NEXT_CURSOR = "IlsnLUluZmluaXR5JywgMCwgJ2h0dHBzOi8vb3BlbmFsZXgub3JnL1czMDQ1OTIxODkxJ10i"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def client(clock) -> PoliteClient:
    # A back-off of its own, so the retry waits show on the clock.
    return PoliteClient(min_interval=0, backoff=5.0, sleep=clock.sleep, clock=clock)


def works_url(path: str = "") -> str:
    return f"{settings.OPENALEX_API_URL}/works{path}"


def serve_walk_page(api, name: str, *, cursor: str, status: int = 200) -> None:
    api.get(
        works_url(),
        body=read(name),
        status=status,
        content_type="application/json",
        match=[
            matchers.query_param_matcher(
                {"filter": WALK_FILTER, "cursor": cursor}, strict_match=False
            )
        ],
    )


def serve_whole_walk(api) -> None:
    serve_walk_page(api, PRO + "pro_snowball__03.json", cursor="*")
    serve_walk_page(api, PRO + "pro_snowball__04.json", cursor=NEXT_CURSOR)


def requested_cursors(api) -> list[str]:
    return [call.request.params["cursor"] for call in api.calls]


# --- cursor paging ------------------------------------------------------------


def test_walk_follows_next_cursor_to_the_last_page(api, client) -> None:
    serve_whole_walk(api)

    pages = list(openalex.fetch_pages(filter=WALK_FILTER, client=client))

    assert requested_cursors(api) == ["*", NEXT_CURSOR]
    assert [[r.external_id for r in page.records] for page in pages] == [
        ["W3046863325", "W3045921891"],
        [],
    ]
    assert [page.checkpoint for page in pages] == [
        {"cursor": NEXT_CURSOR, "fetched": 2},
        {"cursor": "", "fetched": 2},
    ]
    assert [page.start_index for page in pages] == [0, 2]


def test_each_call_asks_for_the_filter_page_size_and_polite_pool(api, client) -> None:
    serve_whole_walk(api)

    list(openalex.fetch_pages(filter=WALK_FILTER, per_page=50, client=client))

    assert api.calls[0].request.params == {
        "filter": WALK_FILTER,
        "per_page": "50",
        "cursor": "*",
        "mailto": settings.BZPEER_CONTACT_EMAIL,
    }


def test_resuming_after_the_first_page_fetches_only_the_rest(api, client) -> None:
    serve_whole_walk(api)
    [first, _] = openalex.fetch_pages(filter=WALK_FILTER, client=client)
    api.calls.reset()

    resumed = list(
        openalex.fetch_pages(
            filter=WALK_FILTER, checkpoint=first.checkpoint, client=client
        )
    )

    assert requested_cursors(api) == [NEXT_CURSOR]
    assert [page.records for page in resumed] == [[]]
    assert resumed[0].checkpoint == {"cursor": "", "fetched": 2}


def test_resuming_a_finished_walk_fetches_nothing(api, client) -> None:
    pages = list(
        openalex.fetch_pages(
            filter=WALK_FILTER, checkpoint={"cursor": "", "fetched": 2}, client=client
        )
    )

    assert pages == []
    assert len(api.calls) == 0


def test_max_results_ends_the_walk_despite_a_next_cursor(api, client) -> None:
    # The real cited_by page: 38 works and a next_cursor.
    api.get(
        works_url(),
        body=read(PRO + "oa_snowball__05.json"),
        match=[
            matchers.query_param_matcher(
                {"filter": openalex.cited_by_filter("W3046863325"), "per_page": "38"},
                strict_match=False,
            )
        ],
    )

    pages = list(
        openalex.fetch_pages(
            filter=openalex.cited_by_filter("W3046863325"),
            max_results=38,
            client=client,
        )
    )

    assert len(api.calls) == 1
    assert len(pages[0].records) == 38
    assert pages[0].checkpoint == {"cursor": "", "fetched": 38}


def test_resumed_walk_near_max_results_keeps_only_what_is_left(api, client) -> None:
    serve_walk_page(api, PRO + "pro_snowball__03.json", cursor="ABC")

    [page] = openalex.fetch_pages(
        filter=WALK_FILTER,
        max_results=11,
        checkpoint={"cursor": "ABC", "fetched": 10},
        client=client,
    )

    assert [r.external_id for r in page.records] == ["W3046863325"]
    assert page.checkpoint == {"cursor": "", "fetched": 11}


def test_search_of_authors_asks_the_authors_endpoint(api, client) -> None:
    # Constructed: the real author entity wrapped in a one-result last page.
    api.get(
        f"{settings.OPENALEX_API_URL}/authors",
        json={
            "meta": {"count": 1, "next_cursor": None},
            "results": [json.loads(read(VITAMINS + "A5023888391.json"))],
        },
        match=[matchers.query_param_matcher({"search": "priem"}, strict_match=False)],
    )

    [page] = openalex.fetch_pages(entity="authors", search="priem", client=client)

    [author] = page.records
    assert isinstance(author, ParsedAuthor)
    assert author.external_id == "A5023888391"
    assert page.checkpoint == {"cursor": "", "fetched": 1}


def test_filters_for_an_author_and_for_citations() -> None:
    assert openalex.author_works_filter("https://openalex.org/A5023888391") == (
        "author.id:A5023888391"
    )
    assert openalex.cites_filter("W2741809807") == "cites:W2741809807"
    assert openalex.cited_by_filter("w2741809807") == "cited_by:W2741809807"
    with pytest.raises(ValueError, match="not an OpenAlex W id"):
        openalex.cites_filter("A5023888391")


# --- look-ups by id -----------------------------------------------------------


def test_ids_are_looked_up_one_page_each(api, client) -> None:
    api.get(works_url("/W2741809807"), body=read(VITAMINS + "W2741809807.json"))
    api.get(
        works_url("/doi:10.1038/35002501"),
        body=read(PRO + "pro_request_single_identifier__00.json"),
    )

    pages = list(
        openalex.fetch_pages(
            ids=[
                "https://openalex.org/W2741809807",
                "https://doi.org/10.1038/35002501",
            ],
            client=client,
        )
    )

    assert [[r.external_id for r in page.records] for page in pages] == [
        ["W2741809807"],
        ["W2162348455"],
    ]
    assert [page.checkpoint for page in pages] == [{"index": 1}, {"index": 2}]
    assert api.calls[0].request.params == {"mailto": settings.BZPEER_CONTACT_EMAIL}


def test_resuming_ids_starts_at_the_saved_index(api, client) -> None:
    api.get(
        works_url("/doi:10.1038/35002501"),
        body=read(PRO + "pro_request_single_identifier__00.json"),
    )

    pages = list(
        openalex.fetch_pages(
            ids=["W2741809807", "10.1038/35002501"],
            checkpoint={"index": 1},
            client=client,
        )
    )

    assert len(api.calls) == 1
    assert [page.checkpoint for page in pages] == [{"index": 2}]


def test_unknown_id_is_a_failure_on_its_page_and_the_run_goes_on(api, client) -> None:
    api.get(works_url("/W1"), status=404, json={"error": "Not found"})
    api.get(works_url("/W2741809807"), body=read(VITAMINS + "W2741809807.json"))

    pages = list(openalex.fetch_pages(ids=["W1", "W2741809807"], client=client))

    [failure] = pages[0].records
    assert isinstance(failure, ParseFailure)
    assert failure.external_id == "W1"
    assert "OpenAlex has no works W1: HTTP 404" in failure.error
    assert isinstance(pages[1].records[0], ParsedWork)


def test_string_that_is_no_identifier_is_a_failure_without_a_call(api, client) -> None:
    [page] = openalex.fetch_pages(ids=["not an id"], client=client)

    assert isinstance(page.records[0], ParseFailure)
    assert "is not an OpenAlex works identifier" in page.records[0].error
    assert len(api.calls) == 0


def test_entity_paths_for_each_kind_of_identifier() -> None:
    assert openalex.entity_path("works", "W2741809807") == "works/W2741809807"
    assert openalex.entity_path("works", "doi:10.7717/peerj.4375") == (
        "works/doi:10.7717/peerj.4375"
    )
    assert openalex.entity_path("works", "pmid:29456894") == "works/pmid:29456894"
    assert openalex.entity_path("works", "arXiv:2304.04761v2") == (
        "works/doi:10.48550/arxiv.2304.04761"
    )
    assert openalex.entity_path("authors", "https://orcid.org/0000-0001-6187-6610") == (
        "authors/orcid:0000-0001-6187-6610"
    )


# --- politeness ---------------------------------------------------------------


def test_user_agent_carries_the_contact_email(api, client) -> None:
    serve_whole_walk(api)

    list(openalex.fetch_pages(filter=WALK_FILTER, client=client))

    user_agent = api.calls[0].request.headers["User-Agent"]
    assert f"mailto:{settings.BZPEER_CONTACT_EMAIL}" in user_agent


def test_api_key_is_sent_when_set(api, client, settings) -> None:
    settings.OPENALEX_API_KEY = "secret-key"
    serve_whole_walk(api)

    list(openalex.fetch_pages(filter=WALK_FILTER, client=client))

    assert all(call.request.params["api_key"] == "secret-key" for call in api.calls)


def test_walk_waits_the_minimum_interval_between_pages(api, clock) -> None:
    serve_whole_walk(api)
    polite = PoliteClient(min_interval=0.1, sleep=clock.sleep, clock=clock)

    list(openalex.fetch_pages(filter=WALK_FILTER, client=polite))

    assert clock.sleeps == [0.1]


def test_default_client_keeps_the_openalex_interval(api, settings) -> None:
    settings.OPENALEX_MIN_INTERVAL = 0
    serve_whole_walk(api)

    pages = list(openalex.fetch_pages(filter=WALK_FILTER))

    assert len(pages) == 2


# --- retries and errors -------------------------------------------------------


def test_503_with_retry_after_waits_that_long_then_succeeds(
    api, clock, settings
) -> None:
    settings.HTTP_RETRY_BACKOFF = 0
    # Both match the first call; responses answers in registration order.
    api.get(works_url(), status=503, headers={"Retry-After": "7"})
    serve_whole_walk(api)
    polite = PoliteClient(min_interval=0, sleep=clock.sleep, clock=clock)

    pages = list(openalex.fetch_pages(filter=WALK_FILTER, client=polite))

    assert [len(page.records) for page in pages] == [2, 0]
    assert clock.sleeps == [7]
    assert requested_cursors(api) == ["*", "*", NEXT_CURSOR]


def test_400_raises_source_error_with_openalex_message(api, client, clock) -> None:
    api.get(
        works_url(),
        status=400,
        body=read(PRO + "opt_filter_names__00.json"),
        content_type="application/json",
    )

    with pytest.raises(SourceError) as raised:
        list(openalex.fetch_pages(filter="DOESNTEXIST:1", client=client))

    assert str(raised.value).startswith(
        "OpenAlex answered HTTP 400: Invalid query parameters error.: "
        "DOESNTEXIST is not a valid field."
    )
    assert len(api.calls) == 1
    assert clock.sleeps == []


def test_401_raises_source_error_with_openalex_message(api, client, settings) -> None:
    settings.OPENALEX_API_KEY = "wrong"
    api.get(
        works_url("/W2741809807"),
        status=401,
        body=read(PRO + "pro_rate_limit_status_401__00.json"),
    )

    with pytest.raises(SourceError, match=r"HTTP 401 .*Invalid or missing API key"):
        list(openalex.fetch_pages(ids=["W2741809807"], client=client))


# --- arguments ----------------------------------------------------------------


def test_page_size_above_the_api_limit_is_refused(client) -> None:
    with pytest.raises(ValueError, match="1 to 200"):
        next(openalex.fetch_pages(filter=WALK_FILTER, per_page=201, client=client))


def test_ids_and_a_filter_together_are_refused(client) -> None:
    with pytest.raises(ValueError, match="not both"):
        next(openalex.fetch_pages(ids=["W1"], filter=WALK_FILTER, client=client))


def test_a_walk_needs_a_filter_or_search(client) -> None:
    with pytest.raises(ValueError, match="give ids, a filter or a search"):
        next(openalex.fetch_pages(client=client))


def test_unknown_entity_is_refused(client) -> None:
    with pytest.raises(ValueError, match="entity must be one of"):
        next(openalex.fetch_pages(entity="funders", filter="x:y", client=client))
