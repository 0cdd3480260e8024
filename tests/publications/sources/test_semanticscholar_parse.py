"""Semantic Scholar Graph API parsing, field by field, on real responses.

Files are byte-for-byte copies in tests/fixtures/semanticscholar/ (see its
SOURCES.md): bodies recorded by the danielnsilva/semanticscholar test suite
and two bulk search pages from anapaulagomes/peneira. Where a test needs a
shape no file has (a malformed record, markup in a title, an arXiv DOI), it
edits one real record in the bytes and says so.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from publications.sources import semanticscholar as s2
from publications.sources.base import (
    ParsedAuthor,
    ParsedWork,
    ParseFailure,
    SourceError,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "semanticscholar"
BODIES = "danielnsilva_semanticscholar/extracted_body/"
DATA = "danielnsilva_semanticscholar/data/"

TURING = "2d5673caa9e6af3a7b82a43f19ee920992db07ad"
MICROFINANCE = "cb1ebd913c3724c599f6b276b14b5c6253da68f3"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def record(page, external_id: str):
    return next(r for r in page.records if r.external_id == external_id)


@pytest.fixture(scope="module")
def turing_page():
    return s2.parse(read(DATA + "Paper.json"))


@pytest.fixture(scope="module")
def batch_page():
    return s2.parse(read(BODIES + "test_get_papers_not_found_warning__00.json"))


# --- a paper ------------------------------------------------------------------


def test_paper_fields(turing_page) -> None:
    paper = turing_page.records[0]

    assert isinstance(paper, ParsedWork)
    assert paper.source == "semanticscholar"
    assert paper.external_id == TURING
    assert paper.title == "Computing Machinery and Intelligence"
    assert paper.title_raw == "Computing Machinery and Intelligence"
    assert paper.abstract.startswith(
        "I propose to consider the question, \u201cCan machines think?\u201d\u2663"
    )
    assert paper.abstract == paper.abstract_raw
    assert paper.published == date(1950, 10, 1)
    assert paper.doi == "10.1093/mind/lix.236.433"  # "10.1093/MIND/LIX.236.433"
    assert paper.arxiv_id == ""
    assert paper.venue == "Mind"  # journal.name, not venue "The Philosophy of AI"
    assert paper.volume == "LIX"
    assert paper.pages == "433-460"
    assert paper.citation_count == 10059
    assert paper.abs_url == f"https://www.semanticscholar.org/paper/{TURING}"
    assert paper.oa_url == ""  # openAccessPdf: null
    assert paper.complete is True
    assert turing_page.total_results == 1
    assert turing_page.checkpoint is None


def test_journal_article_that_is_also_a_review_is_an_article(turing_page) -> None:
    # publicationTypes ["JournalArticle", "Review"]
    assert turing_page.records[0].work_type == "article"


def test_paper_identifiers_are_s2_and_mag_without_corpus_or_dblp(turing_page) -> None:
    # externalIds: DBLP journals/x/Turing50, MAG 2145482038, DOI, CorpusId
    assert turing_page.records[0].identifiers == (
        ("s2", TURING),
        ("mag", "2145482038"),
    )


def test_authors_carry_s2_and_dblp_ids(turing_page) -> None:
    [author] = turing_page.records[0].authorships

    assert author.position == 1
    assert author.raw_name == "A. Turing"
    assert author.name == "A. Turing"
    assert author.identifiers == (("s2", "2262347"), ("dblp", "Alan M. Turing"))
    assert author.raw_affiliations == ()


def test_embedded_references_by_strongest_id_unmatched_ones_left_out(
    turing_page,
) -> None:
    # 14 references: 8 with a DOI, 6 that S2 could not match (paperId and
    # externalIds null: "London Math. Soc", ...), which name nothing.
    assert turing_page.records[0].references == (
        ("doi", "10.2307/3610576"),
        ("doi", "10.1136/bmj.1.4616.1105"),
        ("doi", "10.2307/2268801"),
        ("doi", "10.2307/2371045"),
        ("doi", "10.1007/s00605-006-0423-7"),
        ("doi", "10.2307/2268810"),
        ("doi", "10.2307/2371199"),
        ("doi", "10.26686/wgtn.25018733"),
    )


def test_embedded_papers_follow_as_incomplete_records(turing_page) -> None:
    records = turing_page.records

    # the paper, its 8 matched references, its 1000 embedded citations
    assert len(records) == 1 + 8 + 1000
    assert all(isinstance(r, ParsedWork) for r in records)
    assert [r.complete for r in records[1:]] == [False] * 1008
    assert records[1].external_id == "348f436fd9a3965f5ff17db031a9f43426f89b8e"
    assert records[9].external_id == "619922f86647f431ab4e105683f1780605dd745d"
    assert records[-1].external_id == "16d852015f99773a3e2e10f2a2d78c1e34cf211a"


def test_embedded_reference_fields(turing_page) -> None:
    cited = record(turing_page, "55ddf1b6cbe79b963a5a9d4da6e0a15e0d6761b5")

    assert cited.title == "The Mind of Mechanical Man*"
    assert cited.doi == "10.1136/bmj.1.4616.1105"
    assert cited.identifiers == (
        ("s2", "55ddf1b6cbe79b963a5a9d4da6e0a15e0d6761b5"),
        ("mag", "1991116412"),
        ("pmid", "18153422"),
    )
    assert cited.venue == "British Medical Journal"
    assert cited.volume == "1"
    assert cited.pages == "1105 - 1110"
    assert cited.published == date(1949, 6, 25)
    assert cited.work_type == "article"
    assert cited.oa_url == "https://europepmc.org/articles/pmc2050428?pdf=render"
    assert cited.references == ()


def test_embedded_citing_papers_reference_the_paper_by_its_doi(turing_page) -> None:
    citing = turing_page.records[9:]

    assert {r.references for r in citing} == {(("doi", "10.1093/mind/lix.236.433"),)}


def test_pubmed_central_id_is_written_with_its_prefix(turing_page) -> None:
    citing = record(turing_page, "c22dd72b4acf93d1b3304f12d2cdcb6cb0cbc163")

    assert citing.identifiers == (
        ("s2", "c22dd72b4acf93d1b3304f12d2cdcb6cb0cbc163"),
        ("pmid", "38807956"),
        ("pmcid", "PMC11130558"),
    )
    assert citing.doi == "10.3389/fpsyg.2024.1364714"
    assert citing.venue == "Frontiers in Psychology"
    assert citing.volume == "15"


def test_arxiv_only_paper_is_a_preprint_without_venue(turing_page) -> None:
    citing = record(turing_page, "207d6ce83f82c0e2afa2a572dc96b05f85635217")

    assert citing.arxiv_id == "2405.19561"
    assert citing.doi == ""
    assert citing.work_type == "preprint"  # publicationTypes null, no venue
    assert citing.venue == ""
    assert citing.published == date(2024, 5, 29)


def test_arxiv_journal_is_no_venue_and_its_volume_no_volume(turing_page) -> None:
    # S2 files arXiv postings as JournalArticle in journal "ArXiv", volume
    # "abs/<id>"; this one has venue "arXiv.org" too.
    arxiv_papers = [r for r in turing_page.records if r.arxiv_id == "2404.13957"]

    [paper] = arxiv_papers
    assert paper.venue == ""
    assert paper.volume == ""
    assert paper.work_type == "preprint"


def test_arxiv_journal_with_a_real_venue_keeps_that_venue(turing_page) -> None:
    # journal {"name": "ArXiv", "volume": "abs/2404.04750"}, venue
    # "Communications of the ACM", publicationTypes ["JournalArticle"].
    [paper] = [r for r in turing_page.records if r.arxiv_id == "2404.04750"]

    assert paper.venue == "Communications of the ACM"
    assert paper.volume == ""
    assert paper.work_type == "article"


# --- batch --------------------------------------------------------------------


def test_batch_null_is_an_unknown_id_failure_and_the_rest_goes_on(
    batch_page,
) -> None:
    failure, *papers = batch_page.records

    assert isinstance(failure, ParseFailure)
    assert failure.error == "unknown id: Semantic Scholar has nothing for entry 1 of 4"
    assert failure.source == "semanticscholar"
    assert [p.external_id for p in papers] == [
        "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce",
        MICROFINANCE,
        "0f40b1f08821e22e859c6050916cec3667778613",
    ]
    assert batch_page.total_results == 4


def test_parse_batch_names_the_unknown_id() -> None:
    page = s2.parse_batch(
        read(BODIES + "test_get_papers_not_found_warning__00.json"),
        ids=["CorpusId:0", "CorpusId:470667", "CorpusId:3142471", "CorpusId:255313304"],
    )

    failure = page.records[0]
    assert failure.external_id == "CorpusId:0"
    assert failure.error == "unknown id: Semantic Scholar has nothing for CorpusId:0"


def test_parse_batch_refuses_ids_that_do_not_match_the_answer() -> None:
    with pytest.raises(SourceError, match="4 entries for 2 ids"):
        s2.parse_batch(
            read(BODIES + "test_get_papers_not_found_warning__00.json"),
            ids=["a", "b"],
        )


def test_review_alone_is_a_review_with_its_open_access_copy(batch_page) -> None:
    paper = record(batch_page, "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce")

    assert paper.work_type == "review"
    assert paper.venue == "Experimental & Empirical Studies eJournal"
    assert paper.oa_url == "http://papers.nber.org/papers/w8841.pdf"
    assert paper.doi == "10.2139/ssrn.288970"
    assert paper.citation_count == 10670
    assert [a.name for a in paper.authorships] == [
        "Marianne Bertrand",
        "E. Duflo",
        "S. Mullainathan",
    ]
    assert [a.position for a in paper.authorships] == [1, 2, 3]
    assert paper.complete is True


def test_no_publication_type_and_no_arxiv_id_is_other(batch_page) -> None:
    paper = record(batch_page, MICROFINANCE)

    assert paper.work_type == "other"
    assert paper.venue == "ERN: Credit Risk (Topic)"
    assert paper.published == date(2013, 4, 10)


def test_year_alone_stands_for_the_first_of_january(batch_page) -> None:
    # publicationDate null, year 2023
    paper = record(batch_page, "0f40b1f08821e22e859c6050916cec3667778613")

    assert paper.published == date(2023, 1, 1)
    assert paper.venue == ""
    assert paper.doi == "10.1257/rct.1355"


def test_batch_of_authors_only_is_incomplete() -> None:
    # POST /paper/batch?fields=authors: no title, no ids beyond paperId
    page = s2.parse(read(BODIES + "test_get_papers__00.json"))

    first = page.records[0]
    assert first.title == ""
    assert first.work_type == ""
    assert first.complete is False
    assert [a.identifiers for a in first.authorships] == [
        (("s2", "81141608"),),
        (("s2", "2259683"),),
        (("s2", "2062143"),),
    ]


def test_author_batch_with_an_unknown_id() -> None:
    page = s2.parse(read(BODIES + "test_get_authors_not_found_warning__00.json"))

    assert isinstance(page.records[0], ParseFailure)
    assert [(r.external_id, r.name) for r in page.records[1:]] == [
        ("3234559", "E. Dijkstra"),
        ("1726629", "D. Parnas"),
        ("1711844", "I. Sommerville"),
    ]


# --- authors ------------------------------------------------------------------


def test_author_fields() -> None:
    page = s2.parse(read(DATA + "Author.json"))
    author = page.records[0]

    assert isinstance(author, ParsedAuthor)
    assert author.source == "semanticscholar"
    assert author.external_id == "2262347"
    assert author.name == "A. Turing"
    assert author.identifiers == (("s2", "2262347"), ("dblp", "Alan M. Turing"))
    assert author.alternative_names == ("Alan M. Turing",)
    assert author.affiliations == ()
    assert author.works_count == 60
    assert author.cited_by_count == 12415
    assert author.h_index == 23


def test_author_embedded_papers_follow_the_author() -> None:
    page = s2.parse(read(DATA + "Author.json"))

    works = page.records[1:]
    assert len(works) == 60
    assert all(isinstance(w, ParsedWork) and w.complete for w in works)
    assert works[0].external_id == "5d10faffeae5e9f2ae868626b29e6e9b8047cecb"
    assert works[0].title == "Dystopian or Utopian? Two Images of Alan Turing"
    assert works[0].published == date(2022, 1, 1)


def test_dblp_homonym_number_is_not_part_of_the_alternative_name() -> None:
    page = s2.parse(read(BODIES + "test_get_paper_authors__00.json"))

    banerjee = record(page, "2237651454")
    assert banerjee.identifiers == (
        ("s2", "2237651454"),
        ("dblp", "Abhijit Banerjee 0001"),
    )
    assert banerjee.alternative_names == ("Abhijit Banerjee",)
    assert (banerjee.works_count, banerjee.cited_by_count, banerjee.h_index) == (
        347,
        47761,
        90,
    )


def test_author_without_external_ids_has_only_its_s2_id() -> None:
    page = s2.parse(read(BODIES + "test_get_paper_authors__00.json"))

    glennerster = record(page, "4249203")
    assert glennerster.identifiers == (("s2", "4249203"),)
    assert glennerster.alternative_names == ()
    assert page.checkpoint == {"next": None}
    assert [r.external_id for r in page.records] == [
        "2259683",
        "2237651454",
        "4249203",
        "31549526",
    ]


def test_author_with_only_a_name() -> None:
    page = s2.parse(read(BODIES + "test_get_author__00.json"))

    [author] = page.records
    assert (author.external_id, author.name) == ("2262347", "A. Turing")
    assert author.works_count is None


def test_author_orcid_is_kept_only_when_its_checksum_holds() -> None:
    # Constructed: the real author of test_get_author__00 with externalIds
    # as S2 gives them for people who linked an ORCID.
    body = json.loads(read(BODIES + "test_get_author__00.json"))
    body["externalIds"] = {"ORCID": "0000-0002-1825-0097", "DBLP": []}
    good = s2.parse(json.dumps(body).encode()).records[0]
    body["externalIds"] = {"ORCID": "0000-0002-1825-0098"}
    bad = s2.parse(json.dumps(body).encode()).records[0]

    assert good.identifiers == (("s2", "2262347"), ("orcid", "0000-0002-1825-0097"))
    assert bad.identifiers == (("s2", "2262347"),)


# --- citations and references pages --------------------------------------------


def test_citations_page_without_the_cited_paper_gives_citing_stubs() -> None:
    page = s2.parse(read(BODIES + "test_get_paper_citations__00.json"))

    assert len(page.records) == 100
    first = page.records[0]
    assert first.external_id == "344e7fb2000d9063cbc9deb550e46946bafe3c90"
    assert first.title == (
        "We\u2019ve got you covered! The effect of public health insurance on "
        "rural entrepreneurship in China"
    )
    assert first.complete is False
    assert first.references == ()
    assert page.checkpoint == {"next": 100}
    assert page.start_index == 0


def test_parse_citations_makes_each_citing_paper_reference_the_cited() -> None:
    page = s2.parse_citations(
        read(BODIES + "test_get_paper_citations__00.json"), ("s2", TURING)
    )

    assert {r.references for r in page.records} == {(("s2", TURING),)}
    assert {r.complete for r in page.records} == {False}


def test_unmatched_citing_papers_are_left_out_of_the_last_page() -> None:
    # 81 entries, 4 with paperId null ("The Construction of a Major
    # Macromarketing Research Collection", ...); no "next": the last page.
    page = s2.parse(read(BODIES + "test_get_paper_citations__18.json"))

    assert len(page.records) == 77
    assert page.items_per_page == 81
    assert page.start_index == 1800
    assert page.checkpoint == {"next": None}


def test_references_page_gives_cited_stubs() -> None:
    page = s2.parse(read(BODIES + "test_get_paper_references__00.json"))

    # 50 entries, 10 with paperId null
    assert len(page.records) == 40
    assert page.records[0].external_id == "e945ca4fdcf45b1a118f1462db7afa12629a131f"
    assert page.records[0].title == (
        "Group lending or individual lending? Evidence from a randomised field "
        "experiment in Mongolia"
    )
    assert {r.complete for r in page.records} == {False}
    assert page.checkpoint == {"next": 50}


def test_parse_references_adds_the_citing_paper_with_its_references() -> None:
    page = s2.parse_references(
        read(BODIES + "test_get_paper_references__00.json"),
        MICROFINANCE,
        title="The Miracle of Microfinance? Evidence from a Randomized Evaluation",
        doi="10.2139/SSRN.2250500",
    )

    *cited, citing = page.records
    assert len(cited) == 40
    assert citing.external_id == MICROFINANCE
    assert citing.complete is False
    assert citing.doi == "10.2139/ssrn.2250500"
    assert citing.identifiers == (("s2", MICROFINANCE),)
    assert citing.title == (
        "The Miracle of Microfinance? Evidence from a Randomized Evaluation"
    )
    # An empty type: the ingest service never writes it over a known one.
    assert citing.work_type == ""
    assert citing.authorships == ()
    assert citing.references == tuple(("s2", c.external_id) for c in cited)
    assert citing.references[0] == ("s2", "e945ca4fdcf45b1a118f1462db7afa12629a131f")


def test_last_references_page_lists_only_its_own_references() -> None:
    page = s2.parse_references(
        read(BODIES + "test_get_paper_references__01.json"), MICROFINANCE
    )

    # 17 entries, 13 unmatched
    assert page.records[-1].references == (
        ("s2", "dba9e61c454d9285dab4ce94def0be97bead4455"),
        ("s2", "dc26fcfebab98cf6d3b8ad59a69f450a90763558"),
        ("s2", "fac7b0fd84e24b13b0853d6064ccf013bbc616bf"),
        ("s2", "9db01c8f83a2ec898596792da910c5d2caa7796c"),
    )
    assert page.records[-1].title == ""
    assert page.checkpoint == {"next": None}


def test_author_papers_page_with_titles_only_is_incomplete() -> None:
    page = s2.parse(read(BODIES + "test_get_author_papers__00.json"))

    assert len(page.records) == 100
    assert page.records[0].external_id == "01063e45d9fc9635d29d8d78aa24ed8de351f36a"
    assert page.records[0].title == (
        "SARS-CoV-2 hijacks p38\u03b2/MAPK11 to promote virus replication"
    )
    assert {r.complete for r in page.records} == {False}
    assert page.checkpoint == {"next": 100}


# --- search pages -------------------------------------------------------------


def test_bulk_search_page_carries_its_token_and_total() -> None:
    page = s2.parse(
        read(BODIES + "test_search_paper_bulk_retrieval_traversing_results__00.json")
    )

    assert page.total_results == 2674
    assert len(page.records) == 1000
    assert page.checkpoint == {
        "token": "PCOKWVSKJJGM4TWNJNI3EUSQJIWVNUSRKBFEYK2JFUBHFI4VJRJU2DOMSMGIYLGM"
        "ZRG4YDJMCJGS3DIN2PGJGLKNFRGYZTINZXGFELETJQJ42DKNSVRGWAOXLUJSW"
    }
    assert page.records[0].title == (
        "Kubernetes Cluster for Automating Software Production Environment"
    )


def test_last_bulk_search_page_has_no_token() -> None:
    page = s2.parse(
        read(BODIES + "test_search_paper_bulk_retrieval_traversing_results__02.json")
    )

    assert len(page.records) == 674
    assert page.checkpoint == {"token": ""}


def test_bulk_search_full_record_drops_placeholder_ids() -> None:
    # peneira trimmed this record by hand: "ArXiv": "...", "PubMedCentral": "..."
    page = s2.parse(read("peneira/paper_search_bulk_with_token.json"))

    [paper] = page.records
    assert paper.external_id == "649def34f8be52c8b66281af98ae884c09aef38b"
    assert paper.arxiv_id == ""
    assert paper.identifiers == (("s2", "649def34f8be52c8b66281af98ae884c09aef38b"),)
    assert paper.work_type == "article"  # "Journal Article", spelt with a space
    assert paper.venue == "Remote Sensing of Environment"
    assert paper.volume == "176"
    assert paper.pages == "255-271"
    assert paper.published == date(2015, 1, 17)
    assert paper.oa_url == "https://www.aclweb.org/anthology/N18-3011.pdf"
    assert paper.citation_count == 987
    assert paper.abstract == (
        "We describe a deployed scalable system for organizing published "
        "scientific literature into a heterogeneous graph to facilitate "
        "algorithmic manipulation and discovery."
    )
    assert page.total_results == 15117
    assert page.checkpoint == {"token": "SDKJFHSDKFHWIEFSFSGHEIURYC"}


def test_bulk_search_last_page_without_token() -> None:
    page = s2.parse(read("peneira/paper_search_bulk_no_token.json"))

    assert page.checkpoint == {"token": ""}
    assert len(page.records) == 1


def test_publication_types_map_to_the_model_types() -> None:
    page = s2.parse(read(BODIES + "test_search_paper_publication_types__01.json"))
    by_id = {r.external_id: r.work_type for r in page.records}

    # ["JournalArticle", "Conference"], ["Book", "JournalArticle"]
    assert by_id["682918c9c1705907ca1fe3f1207561f403f6ea0e"] == "article"
    assert by_id["fc970ba489a2ae75965074583a105ca0ebc7785f"] == "article"
    types = json.loads(read(BODIES + "test_search_paper_publication_types__01.json"))
    conference_only = [
        d["paperId"] for d in types["data"] if d["publicationTypes"] == ["Conference"]
    ]
    book_only = [
        d["paperId"] for d in types["data"] if d["publicationTypes"] == ["Book"]
    ]
    assert conference_only
    assert book_only
    assert {by_id[i] for i in conference_only} == {"proceedings-article"}
    assert {by_id[i] for i in book_only} == {"book"}


def test_paper_asked_only_for_its_venue_has_no_type() -> None:
    # fields=venue: every venue is "arXiv.org", nothing else is known
    page = s2.parse(read(BODIES + "test_search_paper_venue__00.json"))

    first = page.records[0]
    assert first.venue == ""
    assert first.work_type == ""
    assert first.title == ""
    assert first.complete is False
    assert page.total_results == 839


def test_open_access_copy() -> None:
    page = s2.parse(read(BODIES + "test_search_paper_open_access_pdf__00.json"))

    assert page.records[0].oa_url == "https://mededu.jmir.org/2023/1/e46939/PDF"
    assert page.records[2].oa_url == "http://arxiv.org/pdf/2301.10035"


def test_empty_result_page() -> None:
    page = s2.parse(read(BODIES + "test_empty_paginated_results__00.json"))

    assert page.records == []
    assert page.total_results == 0
    assert page.checkpoint == {"next": None}


def test_paper_with_null_values_is_an_incomplete_record() -> None:
    page = s2.parse(read(DATA + "PaperWithNullValues.json"))

    [paper] = page.records
    assert paper.external_id == TURING
    assert paper.authorships == ()
    assert paper.references == ()
    assert paper.complete is False
    assert len(page.records) == 1  # citations: null embeds nothing


# --- failures and errors --------------------------------------------------------


def _batch_with(edit) -> bytes:
    """The real batch answer with one paper edited (constructed)."""
    body = json.loads(read(BODIES + "test_get_papers_not_found_warning__00.json"))
    edit(body[2])
    return json.dumps(body).encode()


def test_impossible_date_fails_that_record_only() -> None:
    data = _batch_with(lambda paper: paper.update(publicationDate="2013-02-30"))

    page = s2.parse(data)

    failure = page.records[2]
    assert isinstance(failure, ParseFailure)
    assert failure.external_id == MICROFINANCE
    assert "publicationDate '2013-02-30' is not a date" in failure.error
    assert json.loads(failure.payload)["paperId"] == MICROFINANCE
    assert isinstance(page.records[1], ParsedWork)
    assert isinstance(page.records[3], ParsedWork)


def test_author_of_the_wrong_shape_fails_that_record_only() -> None:
    data = _batch_with(lambda paper: paper.update(authors=["E. Duflo"]))

    page = s2.parse(data)

    assert isinstance(page.records[2], ParseFailure)
    assert "author is not an object" in page.records[2].error
    assert [type(r) for r in page.records[1:]] == [ParsedWork, ParseFailure, ParsedWork]


def test_empty_title_that_was_asked_for_fails_the_record() -> None:
    data = _batch_with(lambda paper: paper.update(title="  "))

    failure = s2.parse(data).records[2]

    assert failure.error == f"{MICROFINANCE}: paper has no title"


def test_failure_payload_is_cut_to_ten_thousand_characters() -> None:
    data = _batch_with(
        lambda paper: paper.update(publicationDate="x", abstract="a" * 20_000)
    )

    failure = s2.parse(data).records[2]

    assert len(failure.payload) == 10_000


def test_markup_in_a_title_is_read_as_text_and_kept_raw() -> None:
    raw = "The <i>Miracle</i> of Microfinance &amp; <sub>2</sub>"
    data = _batch_with(lambda paper: paper.update(title=raw))

    paper = s2.parse(data).records[2]

    assert paper.title == "The Miracle of Microfinance & 2"
    assert paper.title_raw == raw


def test_arxiv_doi_becomes_the_arxiv_id() -> None:
    def edit(paper):
        paper["externalIds"] = {"DOI": "10.48550/arXiv.2405.19561v2"}
        paper["publicationTypes"] = None
        paper["journal"] = None
        paper["venue"] = ""

    paper = s2.parse(_batch_with(edit)).records[2]

    assert paper.arxiv_id == "2405.19561"
    assert paper.doi == ""
    assert paper.work_type == "preprint"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("test_not_found__00.json", "Paper with id 0 not found"),
        ("test_not_found__01.json", "Author with id 0 not found"),
        ("test_bad_query_parameters__00.json", r"Unrecognized or unsupported fields"),
        ("test_debug__00.json", "Forbidden"),
    ],
)
def test_error_bodies_raise_source_error_with_the_api_message(name, message) -> None:
    with pytest.raises(SourceError, match=message):
        s2.parse(read(BODIES + name))


def test_invalid_json_raises_source_error() -> None:
    with pytest.raises(SourceError, match="not JSON"):
        s2.parse(read(BODIES + "test_get_author__00.json")[:-3])


def test_body_of_another_kind_raises_source_error() -> None:
    with pytest.raises(SourceError, match="not a Semantic Scholar response"):
        s2.parse(b'{"releases": []}')


def test_body_above_the_payload_limit_is_refused(settings) -> None:
    data = read(BODIES + "test_get_paper_references__00.json")
    settings.IMPORT_MAX_PAYLOAD_BYTES = len(data) - 1

    with pytest.raises(SourceError, match="larger than"):
        s2.parse(data)


def test_parse_citations_needs_the_cited_identifier() -> None:
    with pytest.raises(ValueError, match="needs an identifier"):
        s2.parse_citations(read(BODIES + "test_get_paper_citations__18.json"), ("", ""))


# --- determinism ----------------------------------------------------------------


def test_same_bytes_give_the_same_records() -> None:
    data = read(BODIES + "test_get_papers_not_found_warning__00.json")

    assert s2.parse(data).records == s2.parse(data).records


def test_reserialised_records_hash_the_same() -> None:
    data = read(BODIES + "test_get_papers_not_found_warning__00.json")
    reserialised = json.dumps(
        [
            None if p is None else dict(reversed(list(p.items())))
            for p in json.loads(data)
        ],
        indent=2,
        ensure_ascii=True,
    ).encode()

    before = [r.payload_hash for r in s2.parse(data).records[1:]]
    after = [r.payload_hash for r in s2.parse(reserialised).records[1:]]

    assert before == after
    assert len(set(before)) == 3


def test_a_changed_field_changes_the_hash() -> None:
    data = read(BODIES + "test_get_papers_not_found_warning__00.json")
    changed = _batch_with(lambda paper: paper.update(citationCount=2186))

    assert s2.parse(data).records[2].payload_hash != (
        s2.parse(changed).records[2].payload_hash
    )
