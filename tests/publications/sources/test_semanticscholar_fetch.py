"""Fetching from the Semantic Scholar Graph API: walks, checkpoints, errors.

The network is mocked at the HTTP layer with ``responses``, serving the real
recorded bodies in tests/fixtures/semanticscholar/. Two stand-ins, because
no recording holds them: the ``/paper/{id}`` answer for 10.2139/ssrn.2250500
is that paper's entry in the real batch answer (the same object the batch
gives for the same fields), and the citations pages are the real pages of
another paper (CorpusID:14514057), as the author-papers pages are those of
author 1723755 served for author 2262347. The walk cannot tell; these tests
ask which pages are fetched, in which order, and what the checkpoints say.
Time is a fake clock handed to PoliteClient, so waits are asserted, not
slept.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from responses import matchers

from publications.sources import semanticscholar as s2
from publications.sources.base import (
    ParsedAuthor,
    ParsedWork,
    ParseFailure,
    PoliteClient,
    SourceError,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "semanticscholar"
BODIES = "danielnsilva_semanticscholar/extracted_body/"

PAPER_ID = "DOI:10.2139/ssrn.2250500"
MICROFINANCE = "cb1ebd913c3724c599f6b276b14b5c6253da68f3"
PAPER_STATE = {
    "paper_id": MICROFINANCE,
    "doi": "10.2139/ssrn.2250500",
    "arxiv_id": "",
    "cited": ["doi", "10.2139/ssrn.2250500"],
}
TOKEN_1 = (
    "PCOKWVSKJJGM4TWNJNI3EUSQJIWVNUSRKBFEYK2JFUBHFI4VJRJU2DOMSMGIYLGMZRG4YDJMCJGS3"
    "DIN2PGJGLKNFRGYZTINZXGFELETJQJ42DKNSVRGWAOXLUJSW"
)
TOKEN_2 = (
    "PCOA3RZLB2ADAEAFYCVZBJYRUVFZWLKXEGEP3VMQEAAEPOB3RSNQOKVWY7QVQBWEQVYYB5B3Z27SX"
    "VE3E2PUTJTA4ZCIKMSV4ONEXVMWLS5JVNZQYH3H55F4CTBQ"
)


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def api_url(path: str) -> str:
    return f"{settings.SEMANTIC_SCHOLAR_API_URL}{path}"


@pytest.fixture(autouse=True)
def _no_key_no_wait(settings):
    settings.SEMANTIC_SCHOLAR_API_KEY = ""
    settings.SEMANTIC_SCHOLAR_MIN_INTERVAL = 0
    settings.HTTP_RETRY_BACKOFF = 0


def paper_body() -> bytes:
    """The batch answer's entry for 10.2139/ssrn.2250500 (see the docstring)."""
    batch = json.loads(read(BODIES + "test_get_papers_not_found_warning__00.json"))
    [paper] = [p for p in batch if p and p["paperId"] == MICROFINANCE]
    return json.dumps(paper).encode()


def serve_paper(api, paper_id: str = PAPER_ID, body: bytes | None = None, status=200):
    api.get(
        api_url(f"/paper/{paper_id}"),
        body=paper_body() if body is None else body,
        status=status,
        content_type="application/json",
        match=[matchers.query_param_matcher({"fields": ",".join(s2.PAPER_FIELDS)})],
    )


def serve_edges(api, phase: str, name: str, *, offset: int, limit: int) -> None:
    api.get(
        api_url(f"/paper/{MICROFINANCE}/{phase}"),
        body=read(BODIES + name),
        content_type="application/json",
        match=[
            matchers.query_param_matcher(
                {
                    "fields": ",".join(s2.PAPER_FIELDS),
                    "offset": offset,
                    "limit": limit,
                }
            )
        ],
    )


def serve_references(api) -> None:
    serve_edges(
        api, "references", "test_get_paper_references__00.json", offset=0, limit=50
    )
    serve_edges(
        api, "references", "test_get_paper_references__01.json", offset=50, limit=50
    )


def requested(api) -> list[str]:
    """Each call as "path?offset" (offset only where there is one)."""
    calls = []
    for call in api.calls:
        path = call.request.path_url.split("?")[0].removeprefix("/graph/v1")
        offset = call.request.params.get("offset")
        calls.append(f"{path}@{offset}" if offset is not None else path)
    return calls


# --- a paper and its references ---------------------------------------------------


def test_paper_then_its_references_to_the_last_page(api, client) -> None:
    serve_paper(api)
    serve_references(api)

    pages = list(
        s2.fetch_pages(
            paper_ids=[PAPER_ID], with_citations=False, limit=50, client=client
        )
    )

    assert requested(api) == [
        f"/paper/{PAPER_ID}",
        f"/paper/{MICROFINANCE}/references@0",
        f"/paper/{MICROFINANCE}/references@50",
    ]
    assert [p.checkpoint for p in pages] == [
        {"paper_index": 0, "phase": "references", "offset": 0, "paper": PAPER_STATE},
        {"paper_index": 0, "phase": "references", "offset": 50, "paper": PAPER_STATE},
        {"done": True},
    ]
    [paper] = pages[0].records
    assert paper.external_id == MICROFINANCE
    assert paper.complete is True
    # 40 + 4 cited papers, each page closed by the citing paper's own record
    assert [len(p.records) for p in pages[1:]] == [41, 5]
    citing = pages[2].records[-1]
    assert citing.external_id == MICROFINANCE
    assert citing.doi == "10.2139/ssrn.2250500"
    assert len(citing.references) == 4


def test_resuming_after_the_second_page_fetches_only_the_last(api, client) -> None:
    serve_edges(
        api, "references", "test_get_paper_references__01.json", offset=50, limit=50
    )
    checkpoint = {
        "paper_index": 0,
        "phase": "references",
        "offset": 50,
        "paper": PAPER_STATE,
    }

    pages = list(
        s2.fetch_pages(
            paper_ids=[PAPER_ID],
            with_citations=False,
            limit=50,
            checkpoint=checkpoint,
            client=client,
        )
    )

    assert requested(api) == [f"/paper/{MICROFINANCE}/references@50"]
    assert [p.checkpoint for p in pages] == [{"done": True}]


def test_a_finished_walk_resumed_fetches_nothing(api, client) -> None:
    pages = list(
        s2.fetch_pages(paper_ids=[PAPER_ID], checkpoint={"done": True}, client=client)
    )

    assert pages == []
    assert len(api.calls) == 0


def test_checkpoints_survive_a_json_round_trip(api, client) -> None:
    # Runs store the checkpoint in a JSON field.
    serve_paper(api)
    serve_references(api)

    pages = s2.fetch_pages(
        paper_ids=[PAPER_ID], with_citations=False, limit=50, client=client
    )
    first = next(pages)
    stored = json.loads(json.dumps(first.checkpoint))
    rest = list(
        s2.fetch_pages(
            paper_ids=[PAPER_ID],
            with_citations=False,
            limit=50,
            checkpoint=stored,
            client=client,
        )
    )

    assert [p.checkpoint for p in rest][-1] == {"done": True}
    assert requested(api)[1:] == [
        f"/paper/{MICROFINANCE}/references@0",
        f"/paper/{MICROFINANCE}/references@50",
    ]


# --- citations --------------------------------------------------------------------


def test_citations_stop_at_max_results_and_reference_the_paper(api, client) -> None:
    serve_paper(api)
    serve_edges(
        api, "citations", "test_get_paper_citations__00.json", offset=0, limit=100
    )
    serve_edges(
        api, "citations", "test_get_paper_citations__01.json", offset=100, limit=100
    )

    pages = list(
        s2.fetch_pages(
            paper_ids=[PAPER_ID], with_references=False, max_results=200, client=client
        )
    )

    assert requested(api) == [
        f"/paper/{PAPER_ID}",
        f"/paper/{MICROFINANCE}/citations@0",
        f"/paper/{MICROFINANCE}/citations@100",
    ]
    assert [p.checkpoint for p in pages] == [
        {"paper_index": 0, "phase": "citations", "offset": 0, "paper": PAPER_STATE},
        {"paper_index": 0, "phase": "citations", "offset": 100, "paper": PAPER_STATE},
        {"done": True},
    ]
    citing = pages[1].records + pages[2].records
    assert len(citing) == 200
    assert {r.references for r in citing} == {(("doi", "10.2139/ssrn.2250500"),)}
    assert {r.complete for r in citing} == {False}


def test_last_citations_page_leads_to_the_references(api, client) -> None:
    serve_edges(
        api, "citations", "test_get_paper_citations__18.json", offset=1800, limit=50
    )
    serve_references(api)
    checkpoint = {
        "paper_index": 0,
        "phase": "citations",
        "offset": 1800,
        "paper": PAPER_STATE,
    }

    pages = list(
        s2.fetch_pages(
            paper_ids=[PAPER_ID], limit=50, checkpoint=checkpoint, client=client
        )
    )

    assert requested(api) == [
        f"/paper/{MICROFINANCE}/citations@1800",
        f"/paper/{MICROFINANCE}/references@0",
        f"/paper/{MICROFINANCE}/references@50",
    ]
    assert pages[0].checkpoint == {
        "paper_index": 0,
        "phase": "references",
        "offset": 0,
        "paper": PAPER_STATE,
    }
    assert pages[-1].checkpoint == {"done": True}


def test_max_results_shrinks_the_last_page(api, client) -> None:
    serve_paper(api)
    serve_edges(
        api, "citations", "test_get_paper_citations__00.json", offset=0, limit=100
    )
    # Asked for 30 from offset 100; the recorded answer to a 100-item ask
    # stands in for it (its "next" is 200, beyond max_results).
    serve_edges(
        api, "citations", "test_get_paper_citations__01.json", offset=100, limit=30
    )

    pages = list(
        s2.fetch_pages(
            paper_ids=[PAPER_ID], with_references=False, max_results=130, client=client
        )
    )

    assert requested(api)[-1] == f"/paper/{MICROFINANCE}/citations@100"
    assert api.calls[-1].request.params["limit"] == "30"
    assert pages[-1].checkpoint == {"done": True}


# --- several papers, unknown ones --------------------------------------------------


def test_unknown_paper_is_a_failure_and_the_walk_goes_on(api, client) -> None:
    serve_paper(api)
    serve_paper(api, "0", read(BODIES + "test_not_found__00.json"), status=404)

    pages = list(
        s2.fetch_pages(
            paper_ids=[PAPER_ID, "0"],
            with_citations=False,
            with_references=False,
            client=client,
        )
    )

    assert [p.checkpoint for p in pages] == [
        {"paper_index": 1, "phase": "paper", "offset": 0},
        {"done": True},
    ]
    [failure] = pages[1].records
    assert isinstance(failure, ParseFailure)
    assert failure.external_id == "0"
    assert failure.error == (
        "Semantic Scholar has no paper 0: HTTP 404 Paper with id 0 not found"
    )


def test_unknown_paper_has_no_citations_to_walk(api, client) -> None:
    serve_paper(api, "0", read(BODIES + "test_not_found__00.json"), status=404)

    pages = list(s2.fetch_pages(paper_ids=["0"], client=client))

    assert len(api.calls) == 1
    assert [p.checkpoint for p in pages] == [{"done": True}]


def test_resuming_at_the_second_paper(api, client) -> None:
    serve_paper(api, "0", read(BODIES + "test_not_found__00.json"), status=404)

    pages = list(
        s2.fetch_pages(
            paper_ids=[PAPER_ID, "0"],
            checkpoint={"paper_index": 1, "phase": "paper", "offset": 0},
            client=client,
        )
    )

    assert requested(api) == ["/paper/0"]
    assert pages[-1].checkpoint == {"done": True}


def test_bad_fields_raise_source_error_without_retrying(api, client, clock) -> None:
    serve_paper(
        api, body=read(BODIES + "test_bad_query_parameters__00.json"), status=400
    )

    with pytest.raises(SourceError) as raised:
        list(s2.fetch_pages(paper_ids=[PAPER_ID], client=client))

    assert str(raised.value) == (
        f"Semantic Scholar answered HTTP 400 for paper {PAPER_ID}: "
        "Unrecognized or unsupported fields: [unknown]"
    )
    assert len(api.calls) == 1
    assert clock.sleeps == []


def test_forbidden_raises_source_error_with_the_api_message(api, client) -> None:
    serve_paper(api)
    api.get(
        api_url(f"/paper/{MICROFINANCE}/citations"),
        body=read(BODIES + "test_debug__00.json"),
        status=403,
    )

    pages = s2.fetch_pages(paper_ids=[PAPER_ID], client=client)
    next(pages)
    with pytest.raises(
        SourceError, match=r"HTTP 403 for the citations of .*: Forbidden"
    ):
        next(pages)


# --- politeness and retries -----------------------------------------------------


def test_503_with_retry_after_waits_that_long_then_succeeds(api, clock) -> None:
    # Both match the first call; responses answers in registration order.
    api.get(api_url(f"/paper/{PAPER_ID}"), status=503, headers={"Retry-After": "7"})
    serve_paper(api)
    polite = PoliteClient(min_interval=0, sleep=clock.sleep, clock=clock)

    [page] = s2.fetch_pages(
        paper_ids=[PAPER_ID],
        with_citations=False,
        with_references=False,
        client=polite,
    )

    assert page.records[0].external_id == MICROFINANCE
    assert clock.sleeps == [7]
    assert len(api.calls) == 2


def test_429_without_retry_after_backs_off_and_succeeds(api, clock, settings) -> None:
    api.get(api_url(f"/paper/{PAPER_ID}"), status=429)
    serve_paper(api)
    polite = PoliteClient(min_interval=0, sleep=clock.sleep, clock=clock)

    [page] = s2.fetch_pages(
        paper_ids=[PAPER_ID],
        with_citations=False,
        with_references=False,
        client=polite,
    )

    assert isinstance(page.records[0], ParsedWork)
    assert clock.sleeps == [0]  # HTTP_RETRY_BACKOFF = 0 in these tests


def test_calls_wait_the_minimum_interval(api, clock) -> None:
    serve_paper(api)
    serve_references(api)
    polite = PoliteClient(min_interval=1.1, sleep=clock.sleep, clock=clock)

    list(
        s2.fetch_pages(
            paper_ids=[PAPER_ID], with_citations=False, limit=50, client=polite
        )
    )

    assert clock.sleeps == [1.1, 1.1]


def test_user_agent_carries_the_contact_email_and_no_key_by_default(api) -> None:
    serve_paper(api)

    list(
        s2.fetch_pages(
            paper_ids=[PAPER_ID], with_citations=False, with_references=False
        )
    )

    headers = api.calls[0].request.headers
    assert f"mailto:{settings.BZPEER_CONTACT_EMAIL}" in headers["User-Agent"]
    assert "x-api-key" not in headers


def test_api_key_travels_in_its_header(api, settings) -> None:
    settings.SEMANTIC_SCHOLAR_API_KEY = "test-key"
    serve_paper(api)

    list(
        s2.fetch_pages(
            paper_ids=[PAPER_ID], with_citations=False, with_references=False
        )
    )

    assert api.calls[0].request.headers["x-api-key"] == "test-key"


# --- an author ----------------------------------------------------------------------


def serve_author_papers(api, name: str, *, offset: int, limit: int = 100) -> None:
    api.get(
        api_url("/author/2262347/papers"),
        body=read(BODIES + name),
        content_type="application/json",
        match=[
            matchers.query_param_matcher(
                {
                    "fields": ",".join(s2.PAPER_FIELDS),
                    "offset": offset,
                    "limit": limit,
                }
            )
        ],
    )


def test_author_then_their_papers(api, client) -> None:
    api.get(
        api_url("/author/2262347"),
        body=read(BODIES + "test_get_author__00.json"),
        match=[matchers.query_param_matcher({"fields": ",".join(s2.AUTHOR_FIELDS)})],
    )
    serve_author_papers(api, "test_get_author_papers__00.json", offset=0)
    serve_author_papers(api, "test_get_author_papers__01.json", offset=100)

    pages = list(s2.fetch_pages(author_id="2262347", max_results=200, client=client))

    assert requested(api) == [
        "/author/2262347",
        "/author/2262347/papers@0",
        "/author/2262347/papers@100",
    ]
    assert [p.checkpoint for p in pages] == [
        {"phase": "papers", "offset": 0},
        {"phase": "papers", "offset": 100},
        {"done": True},
    ]
    [author] = pages[0].records
    assert isinstance(author, ParsedAuthor)
    assert author.name == "A. Turing"
    assert [len(p.records) for p in pages[1:]] == [100, 100]


def test_author_papers_resume_to_the_last_page(api, client) -> None:
    serve_author_papers(api, "test_get_author_papers__08.json", offset=800)

    pages = list(
        s2.fetch_pages(
            author_id="2262347",
            checkpoint={"phase": "papers", "offset": 800},
            client=client,
        )
    )

    assert requested(api) == ["/author/2262347/papers@800"]
    assert len(pages[0].records) == 75
    assert pages[0].checkpoint == {"done": True}


def test_unknown_author_raises_source_error(api, client) -> None:
    api.get(
        api_url("/author/0"), body=read(BODIES + "test_not_found__01.json"), status=404
    )

    with pytest.raises(SourceError, match="HTTP 404 for author 0: Author with id 0"):
        list(s2.fetch_pages(author_id="0", client=client))


# --- bulk search --------------------------------------------------------------------


def serve_search(api, name: str, token: str = "") -> None:
    params = {"query": "kubernetes", "fields": ",".join(s2.PAPER_FIELDS)}
    if token:
        params["token"] = token
    api.get(
        api_url("/paper/search/bulk"),
        body=read(BODIES + name),
        content_type="application/json",
        match=[matchers.query_param_matcher(params)],
    )


def serve_search_chain(api) -> None:
    serve_search(api, "test_search_paper_bulk_retrieval_traversing_results__00.json")
    serve_search(
        api, "test_search_paper_bulk_retrieval_traversing_results__01.json", TOKEN_1
    )
    serve_search(
        api, "test_search_paper_bulk_retrieval_traversing_results__02.json", TOKEN_2
    )


def test_bulk_search_follows_the_token_to_the_last_page(api, client) -> None:
    serve_search_chain(api)

    pages = list(s2.fetch_pages(query="kubernetes", client=client))

    assert [call.request.params.get("token") for call in api.calls] == [
        None,
        TOKEN_1,
        TOKEN_2,
    ]
    assert [p.checkpoint for p in pages] == [
        {"token": TOKEN_1, "fetched": 1000},
        {"token": TOKEN_2, "fetched": 2000},
        {"done": True, "fetched": 2674},
    ]
    assert [p.start_index for p in pages] == [0, 1000, 2000]
    assert {p.total_results for p in pages} == {2674}


def test_bulk_search_resumes_with_the_saved_token(api, client) -> None:
    serve_search(
        api, "test_search_paper_bulk_retrieval_traversing_results__02.json", TOKEN_2
    )

    pages = list(
        s2.fetch_pages(
            query="kubernetes",
            checkpoint={"token": TOKEN_2, "fetched": 2000},
            client=client,
        )
    )

    assert [call.request.params.get("token") for call in api.calls] == [TOKEN_2]
    assert len(pages[0].records) == 674
    assert pages[0].checkpoint == {"done": True, "fetched": 2674}


def test_bulk_search_cuts_the_last_page_to_max_results(api, client) -> None:
    serve_search_chain(api)
    api.assert_all_requests_are_fired = False

    pages = list(s2.fetch_pages(query="kubernetes", max_results=1500, client=client))

    assert [len(p.records) for p in pages] == [1000, 500]
    assert pages[-1].checkpoint == {"done": True, "fetched": 1500}
    assert len(api.calls) == 2


# --- arguments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "paper ids, an author id or a query"),
        ({"paper_ids": [PAPER_ID], "query": "kubernetes"}, "paper ids, an author"),
        ({"author_id": "2262347", "query": "kubernetes"}, "paper ids, an author"),
        ({"paper_ids": [PAPER_ID, " "]}, "an empty Semantic Scholar paper id"),
        ({"query": "kubernetes", "limit": 1001}, "1 to 1000 a page, not 1001"),
        ({"query": "kubernetes", "max_results": 0}, "at least 1, not 0"),
    ],
)
def test_bad_arguments_are_refused_before_any_call(
    api, client, kwargs, message
) -> None:
    with pytest.raises(ValueError, match=message):
        next(s2.fetch_pages(client=client, **kwargs))

    assert len(api.calls) == 0


def test_checkpoint_in_a_phase_without_its_paper_is_refused(api, client) -> None:
    with pytest.raises(ValueError, match="names no paper"):
        next(
            s2.fetch_pages(
                paper_ids=[PAPER_ID],
                checkpoint={"paper_index": 0, "phase": "citations", "offset": 0},
                client=client,
            )
        )
