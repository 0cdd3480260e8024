"""Fetching ORCID records: one page per iD, checkpoints, failures, retries.

The network is mocked at the HTTP layer with ``responses``; the bodies are
the real recorded responses in tests/fixtures/orcid_api/. The two records
are v2.1 bodies served at the v3.0 ``/record`` URL: no real v3.0 record was
collected, and the record's top level (``orcid-identifier``, ``person``,
``activities-summary``) is the same in both. Time is a fake clock handed to
PoliteClient, so waits are asserted, not slept.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from publications.sources import orcid
from publications.sources.base import (
    ParsedAuthor,
    ParseFailure,
    PoliteClient,
    SourceError,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "orcid_api"
DELPEUCH = "0000-0002-8612-8827"
BECK = "0000-0001-7935-7720"
BODIES = {
    DELPEUCH: "v2.1_record_0000-0002-8612-8827.json",
    BECK: "v2.1_record_0000-0001-7935-7720.json",
}


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def record_url(orcid_id: str) -> str:
    return f"{settings.ORCID_API_URL}/{orcid_id}/record"


@pytest.fixture(autouse=True)
def _no_backoff(settings):
    settings.HTTP_RETRY_BACKOFF = 0
    settings.ORCID_MIN_INTERVAL = 0


def serve(api, orcid_id: str, *, body: bytes | None = None, status: int = 200):
    api.get(
        record_url(orcid_id),
        body=read(BODIES[orcid_id]) if body is None else body,
        status=status,
        content_type="application/json;charset=UTF-8",
    )


def requested(api) -> list[str]:
    return [call.request.url for call in api.calls]


# --- one page per iD ---------------------------------------------------------


def test_each_id_is_one_page_with_its_person(api, client) -> None:
    serve(api, DELPEUCH)
    serve(api, BECK)

    pages = list(orcid.fetch_pages(orcids=[DELPEUCH, BECK], client=client))

    assert [[r.external_id for r in page.records] for page in pages] == [
        [DELPEUCH],
        [BECK],
    ]
    assert all(isinstance(page.records[0], ParsedAuthor) for page in pages)
    assert pages[0].records[0].name == "Antonin Delpeuch"
    assert [page.checkpoint for page in pages] == [{"index": 1}, {"index": 2}]
    assert [page.start_index for page in pages] == [0, 1]
    assert [page.total_results for page in pages] == [2, 2]
    assert requested(api) == [record_url(DELPEUCH), record_url(BECK)]


def test_request_asks_for_json_and_says_who_asks(api, client) -> None:
    serve(api, DELPEUCH)

    list(orcid.fetch_pages(orcids=[DELPEUCH], client=client))

    headers = api.calls[0].request.headers
    assert headers["Accept"] == "application/json"
    assert f"mailto:{settings.BZPEER_CONTACT_EMAIL}" in headers["User-Agent"]


def test_id_given_as_url_is_asked_for_bare(api, client) -> None:
    serve(api, DELPEUCH)

    [page] = orcid.fetch_pages(orcids=[f"https://orcid.org/{DELPEUCH}"], client=client)

    assert requested(api) == [record_url(DELPEUCH)]
    assert page.records[0].external_id == DELPEUCH


def test_client_is_built_from_the_settings_when_not_given(api) -> None:
    serve(api, DELPEUCH)

    [page] = orcid.fetch_pages(orcids=[DELPEUCH])

    assert page.records[0].external_id == DELPEUCH


def test_ids_are_read_with_the_minimum_interval_between_them(api, clock) -> None:
    serve(api, DELPEUCH)
    serve(api, BECK)
    polite = PoliteClient(min_interval=3, sleep=clock.sleep, clock=clock)

    list(orcid.fetch_pages(orcids=[DELPEUCH, BECK], client=polite))

    assert clock.sleeps == [3]


# --- checkpoints -------------------------------------------------------------------


def test_resuming_after_the_first_page_reads_only_the_rest(api, client) -> None:
    serve(api, BECK)

    pages = list(
        orcid.fetch_pages(
            orcids=[DELPEUCH, BECK], checkpoint={"index": 1}, client=client
        )
    )

    assert [page.records[0].external_id for page in pages] == [BECK]
    assert [page.checkpoint for page in pages] == [{"index": 2}]
    assert requested(api) == [record_url(BECK)]


def test_resuming_a_finished_run_asks_for_nothing(api, client) -> None:
    pages = list(
        orcid.fetch_pages(
            orcids=[DELPEUCH, BECK], checkpoint={"index": 2}, client=client
        )
    )

    assert pages == []
    assert len(api.calls) == 0


def test_run_resumed_from_each_checkpoint_gives_the_remaining_pages(
    api, client
) -> None:
    serve(api, DELPEUCH)
    serve(api, BECK)
    ids = [DELPEUCH, BECK]
    full = list(orcid.fetch_pages(orcids=ids, client=client))

    resumed = list(
        orcid.fetch_pages(orcids=ids, checkpoint=full[0].checkpoint, client=client)
    )

    assert [p.records for p in resumed] == [p.records for p in full[1:]]


# --- per-iD failures -----------------------------------------------------------------


def test_invalid_id_is_a_failure_without_a_request_and_the_run_goes_on(
    api, client
) -> None:
    serve(api, BECK)

    pages = list(orcid.fetch_pages(orcids=["0000-0002-8612-8828", BECK], client=client))

    (failure,) = pages[0].records
    assert isinstance(failure, ParseFailure)
    assert failure.source == "orcid"
    assert failure.external_id == "0000-0002-8612-8828"
    assert "not a valid ORCID iD" in failure.error
    assert pages[0].checkpoint == {"index": 1}
    assert pages[1].records[0].external_id == BECK
    assert requested(api) == [record_url(BECK)]


def test_unknown_id_404_is_a_failure_with_orcids_message(api, client) -> None:
    serve(api, DELPEUCH, body=read("v3.0_error_404.json"), status=404)
    serve(api, BECK)

    pages = list(orcid.fetch_pages(orcids=[DELPEUCH, BECK], client=client))

    (failure,) = pages[0].records
    assert isinstance(failure, ParseFailure)
    assert failure.external_id == DELPEUCH
    assert "HTTP 404" in failure.error
    assert "The resource was not found." in failure.error
    assert failure.payload == read("v3.0_error_404.json").decode()
    assert isinstance(pages[1].records[0], ParsedAuthor)
    assert len(api.calls) == 2


def test_locked_or_deactivated_record_409_is_a_failure_for_that_id(api, client) -> None:
    # Constructed in ORCID's error shape: no real 409 body was collected.
    body = (
        b'{"response-code":409,"developer-message":"409 Conflict: The ORCID '
        b'record is locked and cannot be edited.","user-message":"The ORCID '
        b'record is locked.","error-code":9018}'
    )
    serve(api, DELPEUCH, body=body, status=409)
    serve(api, BECK)

    pages = list(orcid.fetch_pages(orcids=[DELPEUCH, BECK], client=client))

    (failure,) = pages[0].records
    assert failure.external_id == DELPEUCH
    assert "HTTP 409" in failure.error
    assert "The ORCID record is locked." in failure.error
    assert pages[1].records[0].external_id == BECK


def test_record_body_that_cannot_be_read_is_a_failure_for_that_id(api, client) -> None:
    serve(api, DELPEUCH, body=read(BODIES[DELPEUCH])[:300])
    serve(api, BECK)

    pages = list(orcid.fetch_pages(orcids=[DELPEUCH, BECK], client=client))

    (failure,) = pages[0].records
    assert failure.external_id == DELPEUCH
    assert "not valid JSON" in failure.error
    assert pages[1].records[0].external_id == BECK


# --- errors that end the run ------------------------------------------------------------


def test_other_4xx_raises_source_error_with_orcids_message(api, client, clock) -> None:
    serve(api, DELPEUCH, body=read("v3.0_error_400.json"), status=400)

    with pytest.raises(SourceError, match="HTTP 400") as raised:
        list(orcid.fetch_pages(orcids=[DELPEUCH, BECK], client=client))

    assert "rows parameter must be an integer" in str(raised.value)
    assert len(api.calls) == 1
    assert clock.sleeps == []


def test_503_with_retry_after_waits_then_succeeds(api, client, clock) -> None:
    # Both match the first call; responses answers in registration order.
    api.get(record_url(DELPEUCH), status=503, headers={"Retry-After": "7"})
    serve(api, DELPEUCH)

    [page] = orcid.fetch_pages(orcids=[DELPEUCH], client=client)

    assert page.records[0].external_id == DELPEUCH
    assert clock.sleeps == [7]
    assert len(api.calls) == 2


def test_500_after_every_retry_raises_source_error(api, clock) -> None:
    api.get(record_url(DELPEUCH), body=read("v3.0_error_500.json"), status=500)
    polite = PoliteClient(min_interval=0, max_retries=2, sleep=clock.sleep, clock=clock)

    with pytest.raises(SourceError, match="HTTP 500 after 3 attempts"):
        list(orcid.fetch_pages(orcids=[DELPEUCH], client=polite))

    assert len(api.calls) == 3
