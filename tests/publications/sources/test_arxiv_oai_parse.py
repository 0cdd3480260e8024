"""arXiv OAI-PMH parsing, field by field, on the real arXivRaw responses.

Files are byte-for-byte copies in tests/fixtures/arxiv_oai/ (from
mikesaelim/arXivOAIHarvester, see tests/fixtures/arxiv_oai/SOURCES.md). No
real response holds a deleted record, so that one test edits a real record's
header in the bytes, as the OAI-PMH spec shapes it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from publications.sources import arxiv_oai
from publications.sources.base import ParsedWork, SourceError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "arxiv_oai"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def page():
    return arxiv_oai.parse(read("ListRecordsResponse.xml"))


def work(page, arxiv_id: str) -> ParsedWork:
    return next(r for r in page.records if r.external_id == arxiv_id)


def test_list_records_gives_every_record_in_order(page) -> None:
    assert [r.external_id for r in page.records] == [
        "0704.0471",
        "0704.0716",
        "0704.0874",
        "0704.1109",
        "0704.1114",
        "0704.1586",
    ]
    assert all(isinstance(r, ParsedWork) for r in page.records)
    assert page.deleted == []


def test_resumption_token_cursor_and_size_become_checkpoint_and_total(page) -> None:
    assert page.checkpoint == {
        "resumption_token": "726959|1001",
        "cursor": 6,
        "response_date": "2015-01-06T20:49:59Z",
    }
    assert page.total_results == 58011
    assert page.start_index == 0


def test_record_fields(page) -> None:
    record = work(page, "0704.0471")

    assert record.source == "arxiv-oai"
    assert record.arxiv_id == "0704.0471"
    assert record.title == (
        "Density dependence of the symmetry energy and the nuclear equation of "
        "state: A Dynamical and Statistical model perspective"
    )
    assert record.title_raw.startswith("Density dependence of the symmetry energy")
    assert "\n  state" in record.title_raw
    assert record.categories == ("nucl-ex", "nucl-th")
    assert record.comments == "16 pages, 14 figures"
    assert record.journal_ref == (
        "Phys.Rev.C76:024606,2007; Erratum-ibid.C76:039902,2007"
    )
    assert record.abstract.startswith("The density dependence of the symmetry")
    assert '" stiff "' in record.abstract
    assert record.work_type == "article"
    assert record.abs_url == "https://arxiv.org/abs/0704.0471v1"


def test_first_of_several_dois_is_the_works(page) -> None:
    assert work(page, "0704.0471").doi == "10.1103/physrevc.76.024606"
    assert work(page, "0704.1109").doi == "10.1007/s10773-009-0204-x"
    assert work(page, "0704.0716").doi == ""


def test_versions_with_their_dates(page) -> None:
    record = work(page, "0704.0716")

    assert record.versions == (
        (1, date(2007, 4, 5)),
        (2, date(2007, 9, 28)),
        (3, date(2008, 2, 29)),
        (4, date(2008, 11, 14)),
    )
    assert record.arxiv_version == 4
    assert (record.published, record.updated) == (date(2007, 4, 5), date(2008, 11, 14))


def test_authors_split_on_commas_and_and(page) -> None:
    shetty = work(page, "0704.0471")
    rosa = work(page, "0704.1109")

    assert [a.raw_name for a in shetty.authorships] == [
        "D.V. Shetty",
        "S.J. Yennello",
        "G.A. Souliotis",
    ]
    assert [a.position for a in shetty.authorships] == [1, 2, 3]
    assert [a.name for a in rosa.authorships] == [
        "Valeria M. Rosa",
        "Patricio S. letelier",
    ]


def test_author_string_rules() -> None:
    assert arxiv_oai.split_authors("John Smith, Jr., Ann Lee and Bob Anderson") == [
        ("John Smith Jr.", ""),
        ("Ann Lee", ""),
        ("Bob Anderson", ""),
    ]
    assert arxiv_oai.split_authors("A. Roe (MIT, Boston), and B. Doe (Lab and Co)") == [
        ("A. Roe", "MIT, Boston"),
        ("B. Doe", "Lab and Co"),
    ]


def test_tex_in_names_is_converted_and_kept_raw() -> None:
    (author,) = arxiv_oai.authorships_from_string('J. M\\"uller', "x")

    assert author.raw_name == 'J. M\\"uller'
    assert author.name == "J. Müller"


def test_same_content_gives_same_payload_hash(page) -> None:
    again = arxiv_oai.parse(read("ListRecordsResponse.xml"))

    assert [r.payload_hash for r in again.records] == [
        r.payload_hash for r in page.records
    ]


def test_get_record_response() -> None:
    page = arxiv_oai.parse(read("GetRecordResponse.xml"))

    (record,) = page.records
    assert record.arxiv_id == "1302.2146"
    assert record.title == "The Same-Sign Dilepton Signature of RPV/MFV SUSY"
    assert [a.raw_name for a in record.authorships] == [
        "Joshua Berger",
        "Maxim Perelstein",
        "Michael Saelim",
        "Philip Tanedo",
    ]
    assert record.categories == ("hep-ph", "hep-ex")
    assert record.versions == ((1, date(2013, 2, 8)), (2, date(2013, 4, 2)))
    assert record.work_type == "preprint"
    assert page.checkpoint["resumption_token"] == ""


def test_no_records_match_is_an_empty_finished_page() -> None:
    page = arxiv_oai.parse(read("ErrorResponseNoRecordsMatch.xml"))

    assert page.records == []
    assert page.total_results == 0
    assert page.checkpoint["resumption_token"] == ""


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("ErrorResponseBadResumptionToken.xml", "badResumptionToken"),
        ("ErrorResponseBadArgument.xml", "badArgument"),
        ("ErrorResponseBadVerb.xml", "badVerb"),
        ("ErrorResponseIdDoesNotExist.xml", "idDoesNotExist"),
    ],
)
def test_other_oai_errors_are_source_errors(name: str, code: str) -> None:
    with pytest.raises(SourceError, match=code):
        arxiv_oai.parse(read(name))


def test_not_xml_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="not well-formed"):
        arxiv_oai.parse(b"<html><body>Service unavailable")


def test_entities_are_refused() -> None:
    hostile = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'

    with pytest.raises(SourceError):
        arxiv_oai.parse(hostile)


def test_deleted_record_is_listed_not_parsed() -> None:
    # Constructed from the real file: the first record's header marked
    # deleted and its metadata removed, as OAI-PMH sends a deletion.
    data = read("ListRecordsResponse.xml")
    start = data.index(b"<metadata>")
    end = data.index(b"</metadata>") + len(b"</metadata>")
    data = data[:start] + data[end:]
    data = data.replace(b"<header>", b'<header status="deleted">', 1)

    page = arxiv_oai.parse(data)

    assert page.deleted == ["0704.0471"]
    assert page.records[0].external_id == "0704.0716"
    assert len(page.records) == 5
    assert page.checkpoint["cursor"] == 6


def test_record_without_title_is_a_failure_with_its_xml() -> None:
    data = read("GetRecordResponse.xml").replace(
        b"<title>The Same-Sign Dilepton Signature of RPV/MFV SUSY</title>", b""
    )

    (failure,) = arxiv_oai.parse(data).records

    assert failure.external_id == "1302.2146"
    assert "no title" in failure.error
    assert "1302.2146" in failure.payload
