"""ORCID public API parsing, field by field, on real v2.1 and v3.0 responses.

Files are byte-for-byte copies in tests/fixtures/orcid_api/ (see SOURCES.md
there). No real v3.0 ``/record`` or ``/employments`` response was collected:
the v3.0 record below is assembled from the real v3.0 ``/person`` and
``/works`` bodies of one person, and the v3.0 employments are written in the
API's shape; those tests say so. Malformed records are real bodies with one
value changed in the bytes.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from publications.models import Work
from publications.sources import orcid
from publications.sources.base import (
    FeedPage,
    ParsedAffiliation,
    ParsedAuthor,
    ParsedAuthorship,
    ParsedInstitution,
    ParsedWork,
    ParseFailure,
    SourceError,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "orcid_api"
DELPEUCH = "v2.1_record_0000-0002-8612-8827.json"
BECK = "v2.1_record_0000-0001-7935-7720.json"
BECK_WORKS = "v2.1_works_0000-0001-7935-7720.json"
PRIVATE_NAME = "v2.1_record_0000-0002-6091-2701.json"
NATANZON = "v2.1_record_0000-0003-3397-9895.json"
EGLEN_PERSON = "v3.0_person_0000-0001-8607-8025.json"
EGLEN_WORKS = "v3.0_works_0000-0001-8607-8025.json"
CHAMBERLAIN_PERSON = "v3.0_person_0000-0003-1444-9135.json"
NO_WORKS = "v3.0_works_0000-0003-1620-1408.json"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def edited(name: str, old: bytes, new: bytes) -> bytes:
    """A real body with one occurrence of ``old`` replaced."""
    data = read(name)
    assert data.count(old) == 1, old
    return data.replace(old, new)


def author_of(page: FeedPage) -> ParsedAuthor:
    authors = [r for r in page.records if isinstance(r, ParsedAuthor)]
    assert len(authors) == 1
    return authors[0]


def work(author: ParsedAuthor, put_code: int) -> ParsedWork:
    return next(w for w in author.works if w.external_id.endswith(f"/{put_code}"))


@pytest.fixture(scope="module")
def delpeuch() -> ParsedAuthor:
    return author_of(orcid.parse(read(DELPEUCH)))


@pytest.fixture(scope="module")
def beck() -> ParsedAuthor:
    return author_of(orcid.parse(read(BECK)))


@pytest.fixture(scope="module")
def eglen_works() -> ParsedAuthor:
    return author_of(orcid.parse(read(EGLEN_WORKS)))


# --- v2.1 record: the person ---------------------------------------------------


def test_record_is_one_author_with_the_id_as_external_id(delpeuch) -> None:
    page = orcid.parse(read(DELPEUCH))

    assert page.records == [delpeuch]
    assert page.checkpoint is None
    assert delpeuch.source == "orcid"
    assert delpeuch.external_id == "0000-0002-8612-8827"
    assert delpeuch.identifiers == (("orcid", "0000-0002-8612-8827"),)


def test_name_is_given_names_and_family_name_without_credit_name(delpeuch) -> None:
    assert delpeuch.name == "Antonin Delpeuch"
    assert delpeuch.alternative_names == ()
    assert delpeuch.affiliations == ()


def test_credit_name_is_preferred_and_other_names_are_alternatives() -> None:
    author = author_of(orcid.parse(read(NATANZON)))

    assert author.external_id == "0000-0003-3397-9895"
    assert author.name == "Sergey M. Natanzon"
    assert author.alternative_names == (
        "S.M. Natanzon",
        "S. Natanzon",
        "Sergey Natanzon",
    )
    assert author.works == ()


def test_private_name_is_unknown_and_the_rest_is_kept() -> None:
    author = author_of(orcid.parse(read(PRIVATE_NAME)))

    assert author.external_id == "0000-0002-6091-2701"
    assert author.name == ""
    assert author.affiliations == (
        ParsedAffiliation(
            institution=ParsedInstitution(name="Kiler Holding", country_code="TR"),
            start_year=2019,
            end_year=None,
        ),
    )


def test_name_that_is_not_public_is_not_used() -> None:
    data = edited(
        BECK,
        b'"visibility" : "PUBLIC",\n      "path" : "0000-0001-7935-7720"',
        b'"visibility" : "LIMITED",\n      "path" : "0000-0001-7935-7720"',
    )

    assert author_of(orcid.parse(data)).name == ""


def test_employments_become_affiliations_without_ringgold_ids(beck) -> None:
    assert beck.affiliations == (
        ParsedAffiliation(
            institution=ParsedInstitution(
                name="Universitäts- und Landesbibliothek Darmstadt",
                country_code="DE",
            ),
            start_year=2019,
            end_year=None,
        ),
        ParsedAffiliation(
            institution=ParsedInstitution(
                name="Philipps-Universität Marburg Universitätsbibliothek",
                country_code="DE",
            ),
            start_year=2016,
            end_year=2018,
        ),
        ParsedAffiliation(
            institution=ParsedInstitution(
                name=(
                    "Philipps-Universität Marburg Fachbereich 12 Mathematik "
                    "und Informatik"
                ),
                country_code="DE",
            ),
            start_year=2012,
            end_year=2015,
        ),
    )


# --- v2.1 record: the works ----------------------------------------------------


def test_one_work_per_group_in_orcids_order(delpeuch) -> None:
    assert [w.external_id for w in delpeuch.works] == [
        f"0000-0002-8612-8827/work/{code}"
        for code in (
            80370714,
            80370724,
            75367814,
            75367815,
            62044200,
            59690883,
            58268879,
            58268880,
            56391706,
            45993824,
            47337044,
            47337045,
            46050270,
            15894056,
            16667185,
        )
    ]


def test_every_work_is_incomplete_with_the_person_as_its_one_author(
    delpeuch,
) -> None:
    expected = (
        ParsedAuthorship(
            position=0,
            raw_name="Antonin Delpeuch",
            name="Antonin Delpeuch",
            identifiers=(("orcid", "0000-0002-8612-8827"),),
        ),
    )
    assert all(w.authorships == expected for w in delpeuch.works)
    assert all(w.complete is False for w in delpeuch.works)
    assert all(w.source == "orcid" for w in delpeuch.works)


def test_journal_article_with_doi_keeps_only_self_ids(delpeuch) -> None:
    record = work(delpeuch, 80370714)

    assert record.title == "A Complete Language for Faceted Dataflow Programs"
    assert record.title_raw == "A Complete Language for Faceted Dataflow Programs"
    assert record.work_type == "article"
    assert record.doi == "10.4204/eptcs.323.1"
    # The ISSN 2075-2180 is PART_OF: the journal's, not the work's.
    assert record.identifiers == ()
    assert record.arxiv_id == ""
    assert record.published == date(2020, 9, 1)
    assert (record.venue, record.abs_url) == ("", "")


def test_arxiv_id_loses_prefix_and_version(delpeuch) -> None:
    double = work(delpeuch, 62044200)  # "arXiv:1907.09927v3", JOURNAL_ARTICLE
    faceted = work(delpeuch, 59690883)  # "arXiv:1906.05937v1", OTHER
    planar = work(delpeuch, 45993824)  # "1804.07832", year only

    assert (double.arxiv_id, double.doi) == ("1907.09927", "")
    assert double.work_type == "article"
    assert double.published == date(2020, 1, 2)
    assert faceted.arxiv_id == "1906.05937"
    assert faceted.work_type == "preprint"
    assert faceted.published == date(2019, 6, 13)
    assert planar.arxiv_id == "1804.07832"
    assert planar.published == date(2018, 1, 1)


def test_doi_is_lower_case(delpeuch) -> None:
    record = work(delpeuch, 47337044)

    assert record.doi == "10.5281/zenodo.1299049"
    assert record.work_type == "other"
    assert record.published == date(2015, 1, 1)


def test_v21_types_map_to_the_shared_vocabulary(delpeuch, beck) -> None:
    assert work(delpeuch, 58268879).work_type == "dataset"
    assert work(delpeuch, 46050270).work_type == "other"  # supervised student pub.
    assert work(delpeuch, 16667185).work_type == "proceedings-article"
    assert work(beck, 56272110).work_type == "dissertation"


@pytest.mark.parametrize(
    ("orcid_type", "arxiv_id", "expected"),
    [
        ("WORKING_PAPER", "", "preprint"),
        ("EDITED_BOOK", "", "book"),
        ("book-review", "", "review"),
        ("dissertation-thesis", "", "dissertation"),
        ("preprint", "", "preprint"),
        ("other", "2101.00001", "preprint"),
        ("journal-article", "2101.00001", "article"),
        ("software", "", "other"),
        (None, "", "other"),
    ],
)
def test_work_type_rules(orcid_type, arxiv_id, expected) -> None:
    assert orcid.work_type(orcid_type, arxiv_id=arxiv_id) == expected


# ORCID's v3.0 work types (the v2.1 ones are these, upper-case with "_").
V3_TYPES = [
    "annotation",
    "artistic-performance",
    "book-chapter",
    "book-review",
    "book",
    "conference-abstract",
    "conference-paper",
    "conference-poster",
    "data-set",
    "dictionary-entry",
    "disclosure",
    "dissertation-thesis",
    "edited-book",
    "encyclopedia-entry",
    "invention",
    "journal-article",
    "journal-issue",
    "lecture-speech",
    "license",
    "magazine-article",
    "manual",
    "newsletter-article",
    "newspaper-article",
    "online-resource",
    "other",
    "patent",
    "physical-object",
    "preprint",
    "registered-copyright",
    "report",
    "research-technique",
    "research-tool",
    "review",
    "software",
    "spin-off-company",
    "standards-and-policy",
    "supervised-student-publication",
    "technical-standard",
    "test",
    "trademark",
    "translation",
    "website",
    "working-paper",
    "data-management-plan",
]


def test_every_type_is_one_the_work_model_accepts() -> None:
    accepted = set(Work.Type.values)

    produced = {orcid.work_type(t) for t in V3_TYPES}
    produced |= {orcid.work_type(t.upper().replace("-", "_")) for t in V3_TYPES}

    assert produced == accepted


def test_work_without_ids_has_none(delpeuch) -> None:
    record = work(delpeuch, 56391706)

    assert record.title == "OpenTapioca: Lightweight Entity Linking for Wikidata"
    assert (record.doi, record.arxiv_id, record.identifiers) == ("", "", ())


def test_first_summary_of_a_group_is_the_work(beck) -> None:
    # The group lists 56272110 (the person's own, display index 1) before
    # 56270438 (BASE's copy, display index 0).
    assert [w.external_id for w in beck.works] == [
        "0000-0001-7935-7720/work/56270398",
        "0000-0001-7935-7720/work/56272110",
    ]
    record = work(beck, 56272110)
    assert record.title == "A Family of Right Coideal Subalgebras of U_q(sl_(n+1))"
    assert record.title_raw == (
        "A Family of Right Coideal Subalgebras of U_q(sl_(n+1)) "
    )
    assert record.doi == "10.17192/z2016.0217"
    # source-work-id (BASE) is not an identifier scheme kept for works.
    assert record.identifiers == ()
    assert record.published == date(2016, 1, 1)


# --- v2.1 works summary alone ------------------------------------------------------


def test_works_response_takes_the_id_from_its_path_and_has_no_name(beck) -> None:
    author = author_of(orcid.parse(read(BECK_WORKS)))

    assert author.external_id == "0000-0001-7935-7720"
    assert author.identifiers == (("orcid", "0000-0001-7935-7720"),)
    assert author.name == ""
    assert author.affiliations == ()
    assert [w.external_id for w in author.works] == [w.external_id for w in beck.works]
    assert [(w.title, w.doi, w.published) for w in author.works] == [
        (w.title, w.doi, w.published) for w in beck.works
    ]
    (authorship,) = author.works[0].authorships
    assert (authorship.raw_name, authorship.name) == ("", "")
    assert authorship.identifiers == (("orcid", "0000-0001-7935-7720"),)


# --- v3.0 works and person ---------------------------------------------------------


def test_v3_works_response(eglen_works) -> None:
    assert eglen_works.external_id == "0000-0001-8607-8025"
    assert eglen_works.name == ""
    assert len(eglen_works.works) == 74


def test_v3_work_has_url_and_journal_title(eglen_works) -> None:
    record = work(eglen_works, 68392001)

    assert record.title == "Open Code and Peer Review"
    assert record.work_type == "article"
    assert record.doi == "10.7557/19.5311"
    assert record.abs_url == "https://doi.org/10.7557/19.5311"
    assert record.venue == "Open Science Talk"
    assert record.published == date(2020, 2, 4)


def test_v3_pubmed_ids_are_identifiers(eglen_works) -> None:
    record = work(eglen_works, 28902900)

    assert record.title == "Ten Simple Rules for Taking Advantage of Git and GitHub."
    assert record.doi == "10.1371/journal.pcbi.1004947"
    assert record.identifiers == (("pmcid", "PMC4945047"), ("pmid", "27415786"))
    assert record.abs_url == "http://europepmc.org/abstract/med/27415786"
    assert record.venue == ""
    assert record.published == date(2016, 7, 1)


def test_v3_pmc_only_work(eglen_works) -> None:
    record = work(eglen_works, 12746006)

    assert (record.doi, record.identifiers) == ("", (("pmcid", "PMC3240407"),))
    assert record.published == date(2011, 1, 1)


def test_mixed_case_doi_is_lower_cased(eglen_works) -> None:
    assert work(eglen_works, 31209656).doi == "10.7554/elife.20470"


def test_month_00_means_month_not_given(eglen_works) -> None:
    # Europe PMC wrote {"year": "2013", "month": "00"}.
    assert work(eglen_works, 10043957).published == date(2013, 1, 1)


def test_work_without_date_and_with_only_other_id(eglen_works) -> None:
    record = work(eglen_works, 10043979)

    assert record.published is None
    assert record.work_type == "other"
    assert (record.doi, record.identifiers) == ("", ())
    assert record.abs_url == "http://europepmc.org/abstract/CIT/115891"


def test_v3_types_and_spaces_in_titles(eglen_works) -> None:
    dataset = work(eglen_works, 12235397)

    assert dataset.work_type == "dataset"
    assert dataset.title.startswith('Supporting material for "A data repository')
    assert dataset.title_raw.startswith("Supporting material  for")
    assert work(eglen_works, 12235396).work_type == "other"  # conference-abstract
    assert work(eglen_works, 21557929).work_type == "other"  # report


def test_v3_person_response_prefers_the_credit_name() -> None:
    author = author_of(orcid.parse(read(CHAMBERLAIN_PERSON)))

    assert author.external_id == "0000-0003-1444-9135"
    assert author.name == "Scott A Chamberlain"
    assert (author.works, author.affiliations) == ((), ())


def test_v3_works_response_without_works() -> None:
    page = orcid.parse(read(NO_WORKS))

    (author,) = page.records
    assert author.external_id == "0000-0003-1620-1408"
    assert (author.name, author.works) == ("", ())


# --- v3.0 record and employments (constructed from real parts) -----------------------

V3_EMPLOYMENTS = {
    # Written in the v3.0 shape; no real v3.0 employments were collected.
    "last-modified-date": None,
    "affiliation-group": [
        {
            "external-ids": {"external-id": []},
            "summaries": [
                {
                    "employment-summary": {
                        "put-code": 1,
                        "department-name": "Department of Applied Mathematics",
                        "start-date": {
                            "year": {"value": "2004"},
                            "month": {"value": "10"},
                            "day": None,
                        },
                        "end-date": None,
                        "organization": {
                            "name": "University  of Cambridge",
                            "address": {
                                "city": "Cambridge",
                                "region": None,
                                "country": "GB",
                            },
                            "disambiguated-organization": {
                                "disambiguated-organization-identifier": (
                                    "https://ror.org/013meh722"
                                ),
                                "disambiguation-source": "ROR",
                            },
                        },
                        "visibility": "public",
                    }
                }
            ],
        },
        {
            "external-ids": {"external-id": []},
            "summaries": [
                {
                    "employment-summary": {
                        "put-code": 2,
                        "start-date": {"year": {"value": "2001"}},
                        "end-date": {"year": {"value": "2004"}},
                        "organization": {
                            "name": "University of Edinburgh",
                            "address": {"country": "GB"},
                            "disambiguated-organization": {
                                "disambiguated-organization-identifier": "3124",
                                "disambiguation-source": "RINGGOLD",
                            },
                        },
                        "visibility": "public",
                    }
                },
                {
                    "employment-summary": {
                        "put-code": 3,
                        "organization": {"name": "Edinburgh University"},
                        "visibility": "public",
                    }
                },
            ],
        },
    ],
    "path": "/0000-0001-8607-8025/employments",
}


def v3_record() -> bytes:
    return json.dumps(
        {
            "orcid-identifier": {
                "uri": "https://orcid.org/0000-0001-8607-8025",
                "path": "0000-0001-8607-8025",
                "host": "orcid.org",
            },
            "person": json.loads(read(EGLEN_PERSON)),
            "activities-summary": {
                "employments": V3_EMPLOYMENTS,
                "works": json.loads(read(EGLEN_WORKS)),
            },
            "path": "/0000-0001-8607-8025",
        }
    ).encode()


V3_AFFILIATIONS = (
    ParsedAffiliation(
        institution=ParsedInstitution(
            name="University of Cambridge", ror_id="013meh722", country_code="GB"
        ),
        start_year=2004,
        end_year=None,
    ),
    ParsedAffiliation(
        institution=ParsedInstitution(
            name="University of Edinburgh", country_code="GB"
        ),
        start_year=2001,
        end_year=2004,
    ),
)


def test_v3_record_gives_name_ror_affiliations_and_works(eglen_works) -> None:
    author = author_of(orcid.parse(v3_record()))

    assert author.external_id == "0000-0001-8607-8025"
    assert author.name == "Stephen Eglen"
    assert author.affiliations == V3_AFFILIATIONS
    assert [w.external_id for w in author.works] == [
        w.external_id for w in eglen_works.works
    ]
    (authorship,) = author.works[0].authorships
    assert authorship.raw_name == "Stephen Eglen"
    assert authorship.identifiers == (("orcid", "0000-0001-8607-8025"),)


def test_v3_employments_response_alone() -> None:
    author = author_of(orcid.parse(json.dumps(V3_EMPLOYMENTS).encode()))

    assert author.external_id == "0000-0001-8607-8025"
    assert (author.name, author.works) == ("", ())
    assert author.affiliations == V3_AFFILIATIONS


# --- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("2020", "02", "29"), date(2020, 2, 29)),
        (("2019", "02", "29"), None),
        (("2019", "13", None), None),
        (("2019", "ab", None), None),
        (("0", None, None), None),
        (("2019", "00", "15"), date(2019, 1, 1)),
        (("2019", "04", "00"), date(2019, 4, 1)),
        ((None, "04", "01"), None),
    ],
)
def test_publication_date_rules(parts, expected) -> None:
    value = {
        key: None if part is None else {"value": part}
        for key, part in zip(("year", "month", "day"), parts, strict=True)
    }

    assert orcid.publication_date(value) == expected


def test_impossible_date_is_none_and_the_work_is_kept() -> None:
    data = edited(
        DELPEUCH,
        b'"value" : "2020"\n            },\n            "month" : {\n'
        b'              "value" : "01"\n            },\n            "day" : {\n'
        b'              "value" : "02"',
        b'"value" : "2020"\n            },\n            "month" : {\n'
        b'              "value" : "02"\n            },\n            "day" : {\n'
        b'              "value" : "31"',
    )

    record = work(author_of(orcid.parse(data)), 62044200)

    assert record.published is None
    assert record.arxiv_id == "1907.09927"
    assert record.title == "The word problem for double categories"


# --- titles --------------------------------------------------------------------------


def test_html_in_a_title_is_text_and_kept_raw() -> None:
    data = edited(
        EGLEN_WORKS,
        b'"value":"Open Code and Peer Review"',
        b'"value":"Open <i>Code</i> &amp; Peer\\nReview"',
    )

    record = work(author_of(orcid.parse(data)), 68392001)

    assert record.title == "Open Code & Peer Review"
    assert record.title_raw == "Open <i>Code</i> &amp; Peer\nReview"


# --- failures ------------------------------------------------------------------------


def test_work_without_title_fails_alone_and_the_rest_is_kept() -> None:
    data = edited(
        DELPEUCH,
        b'"value" : "The word problem for double categories"',
        b'"value" : "  "',
    )

    page = orcid.parse(data)

    author, failure = page.records
    assert isinstance(failure, ParseFailure)
    assert failure.source == "orcid"
    assert failure.external_id == "0000-0002-8612-8827/work/62044200"
    assert "no title" in failure.error
    assert '"put-code": 62044200' in failure.payload
    assert len(author.works) == 14
    assert "0000-0002-8612-8827/work/62044200" not in {
        w.external_id for w in author.works
    }


def test_work_group_of_the_wrong_shape_fails_alone() -> None:
    data = edited(
        BECK,
        b'"title" : {\n              "value" : "dissemin/dissemin: v0.3.1"\n'
        b"            },",
        b'"title" : "dissemin/dissemin: v0.3.1",',
    )

    author, failure = orcid.parse(data).records

    assert failure.external_id == "0000-0001-7935-7720/work/56270398"
    assert failure.error.startswith("unexpected shape: AttributeError")
    assert [w.external_id for w in author.works] == [
        "0000-0001-7935-7720/work/56272110"
    ]


def test_record_with_an_invalid_id_is_a_failure_with_its_payload() -> None:
    data = read(DELPEUCH).replace(
        b'"path" : "0000-0002-8612-8827",\n    "host"',
        b'"path" : "0000-0002-8612-8828",\n    "host"',
    )

    (failure,) = orcid.parse(data).records

    assert isinstance(failure, ParseFailure)
    assert failure.external_id == "0000-0002-8612-8828"
    assert "no valid ORCID iD" in failure.error
    assert failure.payload == data[:10_000].decode()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("v3.0_error_404.json", "404: The resource was not found. (404 Not Found"),
        ("v3.0_error_500.json", "500: Something went wrong in ORCID."),
        ("v3.0_error_400.json", "rows parameter must be an integer"),
    ],
)
def test_error_body_raises_source_error_with_the_apis_message(name, message) -> None:
    with pytest.raises(SourceError, match="ORCID API error") as raised:
        orcid.parse(read(name))

    assert message in str(raised.value)


def test_older_error_desc_body_raises_source_error() -> None:
    # Constructed in the pre-2.0 shape: no such real body was collected.
    body = b'{"error-desc": {"value": "Not found : No entity found for query"}}'

    with pytest.raises(SourceError, match="No entity found for query"):
        orcid.parse(body)


def test_body_that_is_not_json_raises_source_error() -> None:
    with pytest.raises(SourceError, match="not valid JSON"):
        orcid.parse(read(DELPEUCH)[:500])


def test_json_that_is_not_an_object_raises_source_error() -> None:
    with pytest.raises(SourceError, match="not a JSON object but list"):
        orcid.parse(b"[]")


def test_other_endpoints_raise_source_error() -> None:
    with pytest.raises(SourceError, match=r"not an ORCID record.*num-found"):
        orcid.parse(read("v3.0_search_empty.json"))


def test_body_above_the_payload_limit_is_refused(settings) -> None:
    settings.IMPORT_MAX_PAYLOAD_BYTES = 1000

    with pytest.raises(SourceError, match="larger than 1000 bytes"):
        orcid.parse(read(DELPEUCH))


# --- hashes --------------------------------------------------------------------------


def test_reserialised_response_gives_the_same_records_and_hashes(delpeuch) -> None:
    again = json.dumps(json.loads(read(DELPEUCH)), sort_keys=True).encode()

    author = author_of(orcid.parse(again))

    assert author == delpeuch
    assert author.payload_hash == delpeuch.payload_hash
    assert [w.payload_hash for w in author.works] == [
        w.payload_hash for w in delpeuch.works
    ]


def test_changed_title_changes_the_work_and_person_hashes(delpeuch) -> None:
    data = edited(
        DELPEUCH,
        b'"value" : "The word problem for double categories"',
        b'"value" : "The word problem for double categories, revised"',
    )

    author = author_of(orcid.parse(data))

    changed = {
        w.external_id
        for w, old in zip(author.works, delpeuch.works, strict=True)
        if w.payload_hash != old.payload_hash
    }
    assert changed == {"0000-0002-8612-8827/work/62044200"}
    assert author.payload_hash != delpeuch.payload_hash
