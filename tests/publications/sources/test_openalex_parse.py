"""OpenAlex parsing, field by field, on real API responses.

Files are byte-for-byte copies in tests/fixtures/openalex/ (see SOURCES.md
there). Where a test needs a record the real files do not hold (a date that
is not a date, a record of the wrong shape), it edits one real record in
memory and says so.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from publications.sources import openalex
from publications.sources.base import (
    PAYLOAD_KEPT,
    FeedPage,
    ParsedAffiliation,
    ParsedAuthor,
    ParsedAuthorship,
    ParsedInstitution,
    ParsedInstitutionRecord,
    ParsedTopic,
    ParsedWork,
    ParseFailure,
    SourceError,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "openalex"
VITAMINS = "b-vitamins_openalex-python/"
PRO = "openalexPro/extracted_body/"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str) -> FeedPage:
    return openalex.parse(read(name))


def record(page: FeedPage, key: str):
    return next(r for r in page.records if r.external_id == key)


def edited(name: str, key: str, **changes) -> bytes:
    """A real list page with one record's fields changed (for bad data)."""
    body = json.loads(read(name))
    for entity in body["results"]:
        if entity["id"].endswith(f"/{key}"):
            entity.update(changes)
    return json.dumps(body).encode()


@pytest.fixture(scope="module")
def search_page() -> FeedPage:
    return parse("works_search_page.json")


@pytest.fixture(scope="module")
def snowball() -> FeedPage:
    return parse(PRO + "oa_snowball__05.json")


# --- list pages ---------------------------------------------------------------


def test_search_page_gives_every_work_in_order(search_page) -> None:
    assert len(search_page.records) == 49
    assert all(isinstance(r, ParsedWork) for r in search_page.records)
    assert search_page.records[0].external_id == "W2068311567"
    assert search_page.records[-1].external_id == "W4317212455"
    assert search_page.total_results == 49
    assert search_page.items_per_page == 49
    assert search_page.start_index == 0


def test_page_read_without_a_cursor_has_no_checkpoint(search_page) -> None:
    assert search_page.checkpoint is None


def test_cursor_page_checkpoint_is_the_next_cursor() -> None:
    page = parse(PRO + "pro_snowball__03.json")

    assert page.checkpoint == {
        "cursor": "IlsnLUluZmluaXR5JywgMCwgJ2h0dHBzOi8vb3BlbmFsZXgub3JnL1czMDQ1OTIxODkxJ10i"
    }
    assert [r.external_id for r in page.records] == ["W3046863325", "W3045921891"]
    assert page.total_results == 2


def test_last_cursor_page_is_empty_and_ends_the_walk() -> None:
    page = parse(PRO + "pro_snowball__04.json")

    assert page.records == []
    assert page.checkpoint == {"cursor": ""}
    assert page.total_results == 2


# --- one work, field by field -------------------------------------------------


def test_work_fields(search_page) -> None:
    work = record(search_page, "W2068311567")

    assert work.source == "openalex"
    assert work.title == (
        "Redefining climate regions in the United States of America using "
        "satellite remote sensing and machine learning for public health "
        "applications"
    )
    assert work.title_raw == work.title
    assert work.work_type == "article"
    assert work.published == date(2014, 12, 1)
    assert work.language == "en"
    assert work.doi == "10.4081/gh.2014.294"
    assert work.arxiv_id == ""
    assert work.identifiers == (
        ("mag", "2068311567"),
        ("openalex", "W2068311567"),
        ("pmid", "25599636"),
    )
    assert work.venue == "Geospatial Health"
    assert work.publisher == "PAGEPress (Italy)"
    assert (work.volume, work.issue, work.pages) == ("8", "3", "467")
    assert work.abs_url == "https://doi.org/10.4081/gh.2014.294"
    assert work.pdf_url == (
        "https://www.geospatialhealth.net/index.php/gh/article/download/294/291"
    )
    assert work.oa_url == work.pdf_url
    assert work.citation_count == 8
    assert work.counts_by_year == (
        (2016, 1),
        (2018, 2),
        (2019, 3),
        (2020, 1),
        (2022, 1),
    )
    assert work.complete is True


def test_abstract_is_rebuilt_from_the_inverted_index(search_page) -> None:
    work = record(search_page, "W2068311567")

    assert work.abstract.startswith(
        "Existing climate classification has not been designed for an efficient "
        "handling of public health scenarios. This work aims to design"
    )
    assert "(≥65 year olds)" in work.abstract
    assert work.abstract == work.abstract_raw  # no markup in this one
    # Positions 0 to 239 in the index, each word placed once.
    assert len(work.abstract_raw.split(" ")) == 240
    assert work.abstract_raw.endswith(
        "Its utility in forecasting and mitigating these effects has to be "
        "further explored."
    )


def test_references_are_openalex_work_ids_in_number_order(search_page) -> None:
    work = record(search_page, "W2068311567")

    assert len(work.references) == 50
    assert work.references[:3] == (
        ("openalex", "W34240753"),
        ("openalex", "W1890385034"),
        ("openalex", "W1952692938"),
    )
    assert all(scheme == "openalex" for scheme, _ in work.references)


def test_topics_carry_score_and_their_subfield_field_domain(search_page) -> None:
    work = record(search_page, "W2068311567")

    domain = ParsedTopic("openalex", "domains/3", "Physical Sciences")
    field = ParsedTopic("openalex", "fields/23", "Environmental Science", parent=domain)
    subfield = ParsedTopic(
        "openalex", "subfields/2307", "Health, Toxicology and Mutagenesis", parent=field
    )
    assert work.topics[0] == ParsedTopic(
        "openalex",
        "T11244",
        "Impact of Climate Change on Human Health",
        score=1.0,
        parent=subfield,
    )
    assert [(t.code, t.score) for t in work.topics] == [
        ("T11244", 1.0),
        ("T10190", 0.9937),
        ("T10235", 0.9502),
    ]
    assert work.topics[2].parent.parent.parent.code == "domains/2"


def test_authorships_in_order_with_ids_affiliations_and_institutions(
    search_page,
) -> None:
    work = record(search_page, "W2068311567")

    assert [a.position for a in work.authorships] == [1, 2, 3]
    assert [a.name for a in work.authorships] == [
        "Alexander Liss",
        "Magaly Koch",
        "Elena N. Naumova",
    ]
    koch = work.authorships[1]
    assert koch == ParsedAuthorship(
        position=2,
        raw_name="Magaly Koch",
        name="Magaly Koch",
        # OpenAlex's strings hold "\r\n" line breaks: tidied to one space.
        raw_affiliations=(
            "Center for Remote Sensing, Boston University, Boston",
            "Tufts Initiative for Forecasting and Modeling of Infectious "
            "Diseases, Medford",
        ),
        identifiers=(("openalex", "A5056924374"), ("orcid", "0000-0002-6186-1619")),
        institutions=(
            ParsedInstitution(
                name="Institute for Forecasting",
                ror_id="05b5a6q69",
                openalex_id="I4210162109",
                country_code="SK",
            ),
            ParsedInstitution(
                name="Center For Remote Sensing (United States)",
                ror_id="021wvg932",
                openalex_id="I4210117728",
                country_code="US",
            ),
            ParsedInstitution(
                name="Boston University",
                ror_id="05qwgg493",
                openalex_id="I111088046",
                country_code="US",
            ),
        ),
    )
    # No ORCID on the first author: only the OpenAlex id.
    assert work.authorships[0].identifiers == (("openalex", "A5040992156"),)


def test_single_work_in_the_2025_schema() -> None:
    page = parse(VITAMINS + "W2741809807.json")

    [work] = page.records
    assert page.total_results == 1
    assert page.checkpoint is None
    assert work.external_id == "W2741809807"
    assert work.title == (
        "The state of OA: a large-scale analysis of the prevalence and impact "
        "of Open Access articles"
    )
    assert work.identifiers == (
        ("mag", "2741809807"),
        ("openalex", "W2741809807"),
        ("pmcid", "PMC5815332"),
        ("pmid", "29456894"),
    )
    assert work.doi == "10.7717/peerj.4375"
    assert work.venue == "PeerJ"
    assert work.publisher == "PeerJ, Inc."
    # biblio: issue null, first and last page the same article number.
    assert (work.volume, work.issue, work.pages) == ("6", "", "e4375")
    assert work.published == date(2018, 2, 13)
    assert work.citation_count == 962
    assert work.counts_by_year[0] == (2017, 9)
    assert work.counts_by_year[-1] == (2025, 30)
    assert len(work.references) == 45
    assert len(work.authorships) == 9
    assert work.authorships[1].name == "Jason Priem"
    assert work.authorships[1].identifiers == (
        ("openalex", "A5023888391"),
        ("orcid", "0000-0001-6187-6610"),
    )
    assert work.authorships[1].raw_affiliations == ("Impactstory, Sanford, NC, USA",)
    assert [t.code for t in work.topics] == ["T10102", "T13607", "T11937"]
    assert work.abstract.startswith("Despite growing interest in Open Access (OA)")


def test_first_and_last_page_make_a_range() -> None:
    [work] = parse(PRO + "pro_request_single_identifier__00.json").records

    assert work.external_id == "W2162348455"
    assert (work.volume, work.issue, work.pages) == ("403", "6772", "853-858")
    assert work.venue == "Nature"
    assert work.publisher == "Nature Portfolio"
    assert work.abstract == work.abstract_raw == ""  # abstract_inverted_index null
    assert work.oa_url == ""  # closed access: no best_oa_location, no oa_url


def test_authorship_without_raw_name_takes_the_display_name() -> None:
    [work] = parse(VITAMINS + "W-api-response.json").records

    [author] = work.authorships
    assert author.raw_name == "B. P. Abbott"
    assert author.raw_affiliations == (
        "LIGO Laboratory, California Institute of Technology, Pasadena, CA 91125, USA",
    )
    # No "language" in this older record.
    assert work.language == ""
    assert work.venue == "Physical Review Letters"


# --- arXiv, types, names ------------------------------------------------------


def test_arxiv_doi_becomes_the_arxiv_id_and_no_doi(search_page) -> None:
    work = record(search_page, "W4365441044")

    assert work.arxiv_id == "2304.04761"
    assert work.doi == ""
    assert work.work_type == "preprint"
    assert work.venue == "arXiv (Cornell University)"
    assert work.abs_url == "https://arxiv.org/abs/2304.04761"
    # DataCite gave the year only: OpenAlex writes it 1 January.
    assert work.published == date(2023, 1, 1)


def test_arxiv_location_beside_a_journal_doi(search_page) -> None:
    work = record(search_page, "W4307407919")

    assert work.doi == "10.1162/99608f92.18da72db"
    assert work.arxiv_id == "2208.03461"
    assert work.work_type == "article"


def test_arxiv_id_from_a_location_url_and_article_in_a_repository(snowball) -> None:
    # word2vec: its DOI is a dataset DOI, its primary location arXiv.
    work = record(snowball, "W2153579005")

    assert work.doi == "10.57702/kcdhx0zi"
    assert work.arxiv_id == "1310.4546"
    assert work.work_type == "preprint"


def test_arxiv_urls_with_version_and_pdf_suffix() -> None:
    assert openalex.arxiv_id_from_url("https://arxiv.org/pdf/1310.4546.pdf") == (
        "1310.4546"
    )
    assert openalex.arxiv_id_from_url("http://arxiv.org/abs/1806.03537v2") == (
        "1806.03537"
    )
    assert openalex.arxiv_id_from_url("https://arxiv.org/abs/hep-th/9901001") == (
        "hep-th/9901001"
    )
    assert openalex.arxiv_id_from_url("https://doi.org/10.48550/arxiv.2007.14454") == (
        "2007.14454"
    )
    assert openalex.arxiv_id_from_url("https://arxiv.org/abs/not-an-id") == ""


def test_posted_content_is_a_preprint(search_page) -> None:
    work = record(search_page, "W4243312951")

    assert work.work_type == "preprint"


def test_proceedings_and_other_types(search_page, snowball) -> None:
    types = {
        r.work_type
        for r in search_page.records + snowball.records
        if isinstance(r, ParsedWork)
    }

    assert "proceedings-article" in types
    assert {"article", "preprint", "book", "book-chapter"} <= types
    assert all(len(t) <= 20 for t in types)


def test_inverted_raw_name_is_shown_given_name_first(search_page) -> None:
    work = record(search_page, "W4365441044")

    [author] = work.authorships
    assert author.raw_name == "Raza, Shaina"
    assert author.name == "Shaina Raza"


def test_placeholder_author_is_skipped_and_positions_kept(search_page) -> None:
    work = record(search_page, "W4206064211")

    # The second authorship is OpenAlex's "NULL AUTHOR_ID" with no raw name.
    assert [(a.position, a.name) for a in work.authorships][:3] == [
        (1, "Cyrille Agossou"),
        (3, "Mintodê Nicodème Atchadé"),
        (4, "Aliou Moussa Djibril"),
    ]
    assert all(
        ("openalex", "A9999999999") not in a.identifiers for a in work.authorships
    )


# --- markup -------------------------------------------------------------------


def test_html_in_a_title_becomes_text(snowball) -> None:
    work = record(snowball, "W2091406001")

    assert work.title == (
        "Tests for departure from normality. Empirical results for the "
        "distributions of b2 and √b1"
    )
    assert work.title_raw.endswith("<i>b</i><sup>2</sup> and √<i>b</i><sup>1</sup>")


def test_jats_sections_in_an_abstract_become_paragraphs(search_page) -> None:
    work = record(search_page, "W4243312951")

    paragraphs = work.abstract.split("\n\n")
    assert paragraphs[0] == "BACKGROUND"
    assert paragraphs[1].startswith("Crowdsourcing services, such as Amazon")
    assert "OBJECTIVE" in paragraphs
    assert "<sec>" not in work.abstract
    assert work.abstract_raw.startswith("<sec> <title>BACKGROUND</title> Crowdsourcing")


def test_leading_abstract_label_is_dropped(snowball) -> None:
    work = record(snowball, "W2166481425")

    assert work.abstract_raw.startswith("Abstract The test is based on")
    assert work.abstract.startswith("The test is based on the maximum difference")


def test_abstract_words_are_placed_by_position() -> None:
    rebuilt = openalex.abstract_from_inverted_index(
        {"world": [1], "Hello": [0], "again": [3], "hello": [2]}
    )

    assert rebuilt == "Hello world hello again"


# --- failures -----------------------------------------------------------------


def test_work_without_title_is_a_failure_and_the_page_goes_on(snowball) -> None:
    failure = record(snowball, "W2963341956")

    assert isinstance(failure, ParseFailure)
    assert failure.source == "openalex"
    assert failure.error == "W2963341956: record has no title"
    assert failure.payload.startswith(
        '{"id": "https://openalex.org/W2963341956", '
        '"doi": "https://doi.org/10.18653/v1/n19-1423", "title": ""'
    )
    assert len(snowball.records) == 38
    assert sum(isinstance(r, ParsedWork) for r in snowball.records) == 37


def test_date_that_is_not_a_date_is_a_failure_of_that_record() -> None:
    # Edited: a real record's publication_date set to month 13.
    page = openalex.parse(
        edited("works_search_page.json", "W2068311567", publication_date="2014-13-01")
    )

    failure = page.records[0]
    assert isinstance(failure, ParseFailure)
    assert failure.external_id == "W2068311567"
    assert "publication_date '2014-13-01' is not a date" in failure.error
    assert all(isinstance(r, ParsedWork) for r in page.records[1:])
    assert len(page.records) == 49


def test_field_of_the_wrong_shape_is_a_failure() -> None:
    # Edited: authorships given as a string.
    page = openalex.parse(
        edited("works_search_page.json", "W2068311567", authorships="Liss")
    )

    assert isinstance(page.records[0], ParseFailure)
    assert "expected a list" in page.records[0].error
    assert isinstance(page.records[1], ParsedWork)


def test_payload_of_a_failure_is_truncated() -> None:
    # Edited: a huge abstract index that is not an object.
    page = openalex.parse(
        edited(
            "works_search_page.json",
            "W2068311567",
            abstract_inverted_index=["x" * 50_000],
        )
    )

    failure = page.records[0]
    assert isinstance(failure, ParseFailure)
    assert len(failure.payload) == PAYLOAD_KEPT


# --- authors ------------------------------------------------------------------


def test_author_fields() -> None:
    page = parse(VITAMINS + "A5023888391.json")

    [author] = page.records
    assert isinstance(author, ParsedAuthor)
    assert author.source == "openalex"
    assert author.external_id == "A5023888391"
    assert author.name == "Jason Priem"
    assert author.identifiers == (
        ("openalex", "A5023888391"),
        ("orcid", "0000-0001-6187-6610"),
    )
    assert author.alternative_names == ("Jason Priem", "Priem Jason")
    assert author.works_count == 62
    assert author.cited_by_count == 3890
    assert (author.h_index, author.i10_index) == (17, 20)


def test_author_affiliations_span_their_years() -> None:
    [author] = parse(VITAMINS + "A5023888391.json").records

    assert author.affiliations[0] == ParsedAffiliation(
        institution=ParsedInstitution(
            name="OurResearch",
            ror_id="02nr0ka47",
            openalex_id="I4200000001",
            country_code="CA",
        ),
        start_year=2019,
        end_year=2023,
    )
    assert [
        (a.institution.openalex_id, a.start_year, a.end_year)
        for a in author.affiliations
    ] == [
        ("I4200000001", 2019, 2023),
        ("I145311948", 2020, 2020),
        ("I103163165", 2020, 2020),
        ("I4210166736", 2013, 2018),
        ("I114027177", 2010, 2014),
        ("I4210161256", 2013, 2013),
        ("I94062374", 2008, 2008),
        ("I33213144", 2008, 2008),
    ]


def test_author_topics_have_their_hierarchy_and_no_score() -> None:
    [author] = parse(VITAMINS + "A5023888391.json").records

    first = author.topics[0]
    assert (first.code, first.name, first.score) == (
        "T10102",
        "scientometrics and bibliometrics research",
        None,
    )
    assert first.parent.code == "subfields/1804"
    assert first.parent.parent.code == "fields/18"
    assert first.parent.parent.parent.code == "domains/2"
    assert len(author.topics) == 25


def test_old_author_falls_back_to_last_known_institution() -> None:
    [author] = parse(VITAMINS + "A-api-response.json").records

    assert author.external_id == "A2150889177"
    assert author.affiliations == (
        ParsedAffiliation(
            institution=ParsedInstitution(
                name="California Institute of Technology",
                ror_id="05dxps055",
                openalex_id="I157725225",
                country_code="US",
            )
        ),
    )
    # Its ORCID 0000-0002-3666-1234 fails the checksum: not kept.
    assert author.identifiers == (("openalex", "A2150889177"),)
    assert author.h_index is None


def test_deleted_author_is_listed_as_deleted_not_imported() -> None:
    page = parse(VITAMINS + "A5317838346.json")

    assert page.records == []
    assert page.deleted == ["A5317838346"]


# --- institutions and other entities -----------------------------------------


def test_institution_entity_is_read_by_parse_institution() -> None:
    entity = json.loads(read(VITAMINS + "I27837315.json"))

    assert openalex.parse_institution(entity) == ParsedInstitution(
        name="University of Michigan",
        ror_id="00jmfr291",
        openalex_id="I27837315",
        country_code="US",
    )


def test_institution_entity_is_an_institution_record() -> None:
    [record] = parse(VITAMINS + "I27837315.json").records

    assert isinstance(record, ParsedInstitutionRecord)
    assert (record.source, record.external_id) == ("openalex", "I27837315")
    assert record.institution == ParsedInstitution(
        name="University of Michigan",
        ror_id="00jmfr291",
        openalex_id="I27837315",
        country_code="US",
    )
    assert record.alternative_names == (
        "UM",
        "UMich",
        "University of Michigan\N{EN DASH}Ann Arbor",
        "Université du Michigan",
    )
    assert record.homepage == "https://www.umich.edu"
    assert (record.works_count, record.cited_by_count) == (932812, 22780242)


# --- errors -------------------------------------------------------------------


def test_invalid_json_raises_source_error() -> None:
    with pytest.raises(SourceError, match="not JSON"):
        openalex.parse(b"<html>502 Bad Gateway</html>")


def test_400_error_body_raises_source_error_with_the_message() -> None:
    with pytest.raises(SourceError) as raised:
        parse(PRO + "opt_filter_names__00.json")

    message = str(raised.value)
    assert message.startswith(
        "OpenAlex error: Invalid query parameters error.: DOESNTEXIST is not a "
        "valid field."
    )
    assert len(message) < 600  # the list of every valid field is cut


def test_401_error_body_raises_source_error_with_the_message() -> None:
    with pytest.raises(SourceError, match="Invalid or missing API key: API key not"):
        parse(PRO + "pro_rate_limit_status_401__00.json")


def test_group_by_answer_is_not_a_page_of_records() -> None:
    with pytest.raises(SourceError, match="neither a list of results nor an entity"):
        parse(PRO + "pro_request_biodiversity_and_group_by_type__00.json")


def test_body_above_the_payload_limit_is_refused(settings) -> None:
    data = read(VITAMINS + "W2741809807.json")
    settings.IMPORT_MAX_PAYLOAD_BYTES = len(data) - 1

    with pytest.raises(SourceError, match="larger than"):
        openalex.parse(data)


# --- determinism --------------------------------------------------------------


def test_same_bytes_give_the_same_records_and_hashes() -> None:
    data = read("works_search_page.json")

    assert openalex.parse(data).records == openalex.parse(data).records


def test_reserialised_records_hash_the_same(search_page) -> None:
    body = json.loads(read("works_search_page.json"))
    for entity in body["results"]:
        # Another key order, including the abstract index's.
        index = entity.get("abstract_inverted_index") or {}
        entity["abstract_inverted_index"] = dict(reversed(list(index.items())))
    data = json.dumps(body, indent=2, sort_keys=True, ensure_ascii=True).encode()

    again = openalex.parse(data)

    assert [r.payload_hash for r in again.records] == [
        r.payload_hash for r in search_page.records
    ]


def test_a_changed_field_changes_the_hash(search_page) -> None:
    # Edited: one more citation.
    page = openalex.parse(
        edited("works_search_page.json", "W2068311567", cited_by_count=9)
    )

    assert page.records[0].citation_count == 9
    assert page.records[0].payload_hash != search_page.records[0].payload_hash
    assert page.records[1].payload_hash == search_page.records[1].payload_hash


def test_an_author_list_listed_twice_is_read_once():
    """W7104728135 lists its two authors twice, with the same author ids."""
    data = (FIXTURES / "openalexPro/extracted_body/oa_snowball__03.json").read_bytes()
    [work] = [r for r in openalex.parse(data).records if r.external_id == "W7104728135"]

    assert [(a.position, a.name) for a in work.authorships] == [
        (1, "Abhijit Thakuria"),
        (2, "Dipen Deka"),
    ]
