"""Fetching from the arXiv API: paging, politeness, retries and errors.

The network is mocked at the HTTP layer with ``responses``; the bodies served
are the real recorded 2026 responses (``unwrap`` gives back their exact
bytes). Time is a fake clock handed to PoliteClient, so waits are asserted,
not slept.
"""

from __future__ import annotations

import re

import pytest
import requests
from django.conf import settings
from responses import matchers

from publications.sources.arxiv import fetch_pages, unwrap
from publications.sources.base import PoliteClient, SourceError

RECORDED = "arxiv_api/recorded/"
PAGES = {
    0: "q_testing_s0_m10_bc5a6c384fe9.json",
    10: "q_testing_s10_m10_34e56e15aaac.json",
    20: "q_testing_s20_m10_348a237fecab.json",
}


@pytest.fixture
def client(clock) -> PoliteClient:
    # A back-off of its own, so the retry waits show on the clock.
    return PoliteClient(min_interval=0, backoff=5.0, sleep=clock.sleep, clock=clock)


@pytest.fixture
def recorded_body(fixture_bytes):
    def read(name: str) -> bytes:
        body, _status = unwrap(fixture_bytes(RECORDED + name))
        return body

    return read


def serve_page(api, body: bytes, *, start: int, size: int = 10, status=200) -> None:
    api.get(
        settings.ARXIV_API_URL,
        body=body,
        status=status,
        content_type="application/atom+xml; charset=utf-8",
        match=[
            matchers.query_param_matcher(
                {"search_query": "testing", "start": start, "max_results": size},
                strict_match=False,
            )
        ],
    )


def requested_starts(api) -> list[int]:
    return [int(call.request.params["start"]) for call in api.calls]


def without_entries(body: bytes) -> bytes:
    return re.sub(rb"\s*<entry>.*?</entry>", b"", body, flags=re.DOTALL)


# --- paging -------------------------------------------------------------------


def test_paging_stops_at_max_results(api, client, recorded_body) -> None:
    for start, name in PAGES.items():
        serve_page(api, recorded_body(name), start=start)

    pages = list(
        fetch_pages(query="testing", page_size=10, max_results=30, client=client)
    )

    assert [page.start_index for page in pages] == [0, 10, 20]
    assert sum(len(page.records) for page in pages) == 30
    assert requested_starts(api) == [0, 10, 20]


def test_each_call_asks_for_the_query_and_its_window(
    api, client, recorded_body
) -> None:
    serve_page(api, recorded_body(PAGES[0]), start=0)

    list(fetch_pages(query="testing", page_size=10, max_results=10, client=client))

    assert api.calls[0].request.params == {
        "search_query": "testing",
        "id_list": "",
        "start": "0",
        "max_results": "10",
    }


def test_paging_starts_where_asked(api, client, recorded_body) -> None:
    serve_page(api, recorded_body(PAGES[10]), start=10)
    serve_page(api, recorded_body(PAGES[20]), start=20)

    pages = list(
        fetch_pages(
            query="testing", page_size=10, max_results=20, start=10, client=client
        )
    )

    assert [page.start_index for page in pages] == [10, 20]
    assert requested_starts(api) == [10, 20]


def test_unknown_id_is_one_call_and_one_empty_page(api, client, fixture_bytes) -> None:
    body, _ = unwrap(fixture_bytes(RECORDED + "id_0000.0000_s0_m100_8b51d9633a68.json"))
    api.get(
        settings.ARXIV_API_URL,
        body=body,
        match=[
            matchers.query_param_matcher({"id_list": "0000.0000"}, strict_match=False)
        ],
    )

    pages = list(fetch_pages(id_list="0000.0000", client=client))

    assert [page.records for page in pages] == [[]]
    assert len(api.calls) == 1


def test_empty_page_before_the_end_is_asked_again(api, client, recorded_body) -> None:
    # Constructed: the real page at start=10 with its entries removed, as the
    # API sometimes answers (totalResults still says 214881).
    real = recorded_body(PAGES[10])
    serve_page(api, recorded_body(PAGES[0]), start=0)
    serve_page(api, without_entries(real), start=10)
    serve_page(api, real, start=10)

    pages = list(
        fetch_pages(query="testing", page_size=10, max_results=20, client=client)
    )

    assert requested_starts(api) == [0, 10, 10]
    assert [len(page.records) for page in pages] == [10, 10]


def test_api_that_keeps_answering_empty_is_asked_three_more_times(
    api, client, recorded_body
) -> None:
    # Constructed as above: the real page at start=10 without its entries.
    serve_page(api, recorded_body(PAGES[0]), start=0)
    serve_page(api, without_entries(recorded_body(PAGES[10])), start=10)

    pages = list(
        fetch_pages(query="testing", page_size=10, max_results=30, client=client)
    )

    assert requested_starts(api) == [0, 10, 10, 10, 10]
    assert [len(page.records) for page in pages] == [10, 0]


def test_page_size_above_the_api_limit_is_refused(client) -> None:
    with pytest.raises(ValueError, match="at most 2000"):
        next(fetch_pages(query="testing", page_size=2001, client=client))


# --- politeness ---------------------------------------------------------------


def test_user_agent_carries_the_contact_email(api, client, recorded_body) -> None:
    serve_page(api, recorded_body(PAGES[0]), start=0)

    list(fetch_pages(query="testing", page_size=10, max_results=10, client=client))

    user_agent = api.calls[0].request.headers["User-Agent"]
    assert f"mailto:{settings.BZPEER_CONTACT_EMAIL}" in user_agent


def test_first_call_does_not_wait(api, clock) -> None:
    api.get(settings.ARXIV_API_URL, body=b"")
    polite = PoliteClient(min_interval=3, sleep=clock.sleep, clock=clock)

    polite.get(settings.ARXIV_API_URL, {})

    assert clock.sleeps == []


def test_next_call_waits_the_minimum_interval(api, clock) -> None:
    api.get(settings.ARXIV_API_URL, body=b"")
    polite = PoliteClient(min_interval=3, sleep=clock.sleep, clock=clock)

    polite.get(settings.ARXIV_API_URL, {})
    polite.get(settings.ARXIV_API_URL, {})

    assert clock.sleeps == [3]


def test_time_already_passed_counts_toward_the_interval(api, clock) -> None:
    api.get(settings.ARXIV_API_URL, body=b"")
    polite = PoliteClient(min_interval=3, sleep=clock.sleep, clock=clock)

    polite.get(settings.ARXIV_API_URL, {})
    clock.now += 1.0
    polite.get(settings.ARXIV_API_URL, {})

    assert clock.sleeps == [2.0]


def test_paging_waits_the_minimum_interval_between_pages(
    api, clock, recorded_body
) -> None:
    for start, name in PAGES.items():
        serve_page(api, recorded_body(name), start=start)
    polite = PoliteClient(min_interval=3, sleep=clock.sleep, clock=clock)

    list(fetch_pages(query="testing", page_size=10, max_results=30, client=polite))

    assert clock.sleeps == [3, 3]


# --- retries ------------------------------------------------------------------


def test_503_with_retry_after_waits_that_long_then_succeeds(
    api, clock, recorded_body
) -> None:
    # Both match the first call; responses answers in registration order.
    api.get(settings.ARXIV_API_URL, status=503, headers={"Retry-After": "7"})
    serve_page(api, recorded_body(PAGES[0]), start=0)
    polite = PoliteClient(min_interval=3, sleep=clock.sleep, clock=clock)

    [page] = fetch_pages(query="testing", page_size=10, max_results=10, client=polite)

    assert len(page.records) == 10
    assert clock.sleeps == [7]


def test_500_then_success_backs_off_exponentially(
    api, client, clock, recorded_body
) -> None:
    serve_page(api, b"", start=0, status=500)
    serve_page(api, b"", start=0, status=500)
    serve_page(api, recorded_body(PAGES[0]), start=0)

    [page] = fetch_pages(query="testing", page_size=10, max_results=10, client=client)

    assert len(page.records) == 10
    assert clock.sleeps == [5.0, 10.0]
    assert len(api.calls) == 3


def test_server_error_after_every_retry_raises_source_error(api, clock) -> None:
    api.get(settings.ARXIV_API_URL, status=502)
    polite = PoliteClient(
        min_interval=0, max_retries=2, backoff=1.0, sleep=clock.sleep, clock=clock
    )

    with pytest.raises(SourceError, match="HTTP 502 after 3 attempts"):
        polite.get(settings.ARXIV_API_URL, {})

    assert len(api.calls) == 3
    assert clock.sleeps == [1.0, 2.0]


def test_400_error_entry_raises_source_error_without_retrying(
    api, client, clock, fixture_bytes
) -> None:
    body, status = unwrap(fixture_bytes(RECORDED + "id_abc_s0_m100_b79c8dcf6bc3.json"))
    api.get(
        settings.ARXIV_API_URL,
        body=body,
        status=status,
        match=[matchers.query_param_matcher({"id_list": "abc"}, strict_match=False)],
    )

    with pytest.raises(SourceError, match="incorrect id format for abc") as raised:
        list(fetch_pages(id_list="abc", client=client))

    assert "HTTP 400" in str(raised.value)
    assert len(api.calls) == 1
    assert clock.sleeps == []


def test_connection_error_is_retried_then_raises_source_error(api, clock) -> None:
    api.get(settings.ARXIV_API_URL, body=requests.ConnectionError("connection refused"))
    polite = PoliteClient(
        min_interval=0, max_retries=2, backoff=5.0, sleep=clock.sleep, clock=clock
    )

    with pytest.raises(SourceError, match="connection refused"):
        polite.get(settings.ARXIV_API_URL, {})

    assert len(api.calls) == 3
    assert clock.sleeps == [5.0, 10.0]


def test_back_off_defaults_to_the_setting(settings) -> None:
    settings.HTTP_RETRY_BACKOFF = 0.25

    assert PoliteClient(min_interval=0).backoff == 0.25
