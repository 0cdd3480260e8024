"""Crossref REST API parsing, field by field, on real responses.

Files are byte-for-byte copies in tests/fixtures/crossref/ (habanero's
cassettes, dissemin's and hepcrawl's recorded responses; see the SOURCES.md
there). Where no recorded response has the shape a rule is about (a ROR id
on an affiliation, an arXiv relation, a malformed record), a test edits a
real record in memory and says so.
"""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from publications.sources import crossref
from publications.sources.base import (
    PAYLOAD_KEPT,
    ParsedInstitution,
    ParsedWork,
    ParseFailure,
    SourceError,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "crossref"
PLOS = "habanero/test_works_with_one_id.0.body.json"
JCLINPATH = "habanero/test_workscontainer_with_two_ids__00.json"
FIELD_QUERIES = "habanero/test_works_field_queries__00.json"
QUERY_PAGE = "habanero/test_works_query.0.body.json"
CURSOR_ZIP = "dissemin/crossref.zip"
FIRST_PAGE = "initial.json"
EMPTY_PAGE = (
    "AoJxzuvM5O4CPw9odHRwOi8vZHguZG9pLm9yZy8xMC4xMDE3L2Nibzk3ODA1MTE1NDM1MDAuMDEy.json"
)


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def read_zipped(member: str) -> bytes:
    with zipfile.ZipFile(FIXTURES / CURSOR_ZIP) as archive:
        return archive.read(member)


def edited(name: str, change) -> bytes:
    """A real response with one change made to its JSON, for shapes none has."""
    body = json.loads(read(name))
    change(body["message"])
    return json.dumps(body).encode()


def only_work(data: bytes) -> ParsedWork:
    [record] = crossref.parse(data).records
    assert isinstance(record, ParsedWork), record
    return record


def work(page, doi: str) -> ParsedWork:
    return next(r for r in page.records if r.external_id == doi)


@pytest.fixture(scope="module")
def plos() -> ParsedWork:
    return only_work(read(PLOS))


@pytest.fixture(scope="module")
def jclinpath() -> ParsedWork:
    return only_work(read(JCLINPATH))


@pytest.fixture(scope="module")
def field_queries():
    return crossref.parse(read(FIELD_QUERIES))


# --- a single work ------------------------------------------------------------


def test_single_work_is_one_record_without_checkpoint() -> None:
    page = crossref.parse(read(PLOS))

    assert len(page.records) == 1
    assert page.total_results == 1
    assert page.checkpoint is None


def test_journal_article_fields(plos) -> None:
    assert plos.source == "crossref"
    assert plos.external_id == "10.1371/journal.pone.0033693"
    assert plos.doi == "10.1371/journal.pone.0033693"
    assert plos.arxiv_id == ""
    assert plos.title == (
        "Methylphenidate Exposure Induces Dopamine Neuron Loss and Activation of "
        "Microglia in the Basal Ganglia of Mice"
    )
    assert plos.title_raw == plos.title
    assert plos.work_type == "article"
    assert plos.published == date(2012, 3, 21)
    assert plos.venue == "PLoS ONE"
    assert plos.volume == "7"
    assert plos.issue == "3"
    assert plos.pages == "e33693"
    assert plos.publisher == "Public Library of Science (PLoS)"
    assert plos.language == "en"
    assert plos.citation_count == 72
    assert plos.abs_url == "https://dx.plos.org/10.1371/journal.pone.0033693"
    assert plos.abstract == ""
    assert plos.complete is True


def test_authors_in_order_as_given_and_family(plos) -> None:
    assert [(a.position, a.raw_name, a.name) for a in plos.authorships] == [
        (1, "Shankar Sadasivan", "Shankar Sadasivan"),
        (2, "Brooks B. Pond", "Brooks B. Pond"),
        (3, "Amar K. Pani", "Amar K. Pani"),
        (4, "Chunxu Qu", "Chunxu Qu"),
        (5, "Yun Jiao", "Yun Jiao"),
        (6, "Richard J. Smeyne", "Richard J. Smeyne"),
    ]


def test_editors_are_not_authors(plos) -> None:
    # The record's one editor is Cesario V. Borlongan.
    assert "Cesario V. Borlongan" not in [a.raw_name for a in plos.authorships]
    assert len(plos.authorships) == 6


def test_references_are_the_cited_dois_in_order(plos) -> None:
    # 70 entries, of which ref5, ref6, ref23, ref24 and ref63 carry no DOI.
    assert len(plos.references) == 65
    assert plos.references[:2] == (
        ("doi", "10.1038/sj.npp.1301164"),
        ("doi", "10.1586/14737175.5.3.325"),
    )
    assert plos.references[-1] == ("doi", "10.2202/1544-6115.1027")


def test_title_html_is_plain_text_and_raw_is_kept(jclinpath) -> None:
    assert jclinpath.title == (
        "Construction of a reference material panel for detecting "
        "KRAS / NRAS / EGFR / BRAF / MET mutations in plasma ctDNA"
    )
    assert jclinpath.title_raw.startswith(
        "Construction of a reference material panel for detecting\n"
    )
    assert "<i>KRAS</i>" in jclinpath.title_raw


def test_jats_sections_become_paragraphs(jclinpath) -> None:
    paragraphs = jclinpath.abstract.split("\n\n")

    assert paragraphs[:2] == [
        "Background",
        "The absence of high-quality next-generation sequencing (NGS) reference "
        "material (RM) has impeded the clinical use of liquid biopsies with plasma "
        "cell-free DNA (cfDNA) in China.",
    ]
    assert paragraphs[2] == "Objective"
    # Pretty-printed JATS put line breaks around <jats:italic>.
    assert "Kirsten rat sarcoma viral oncogene (KRAS)/neuroblastoma" in paragraphs[3]
    assert "six mutations in KRAS, two mutations in NRAS" in jclinpath.abstract
    assert jclinpath.abstract_raw.startswith("<jats:sec>\n")
    assert "<" not in jclinpath.abstract


def test_journal_article_with_both_dates_and_references(jclinpath) -> None:
    # print 2021-05, online 2020-08-17.
    assert jclinpath.published == date(2020, 8, 17)
    assert jclinpath.venue == "Journal of Clinical Pathology"
    assert (jclinpath.volume, jclinpath.issue, jclinpath.pages) == (
        "74",
        "5",
        "314-320",
    )
    assert jclinpath.abs_url == (
        "https://jcp.bmj.com/lookup/doi/10.1136/jclinpath-2020-206745"
    )
    # 36 entries, 4 without a DOI.
    assert len(jclinpath.references) == 32
    assert jclinpath.references[0] == ("doi", "10.3322/caac.21338")


def test_affiliations_and_validated_orcid(jclinpath) -> None:
    first = jclinpath.authorships[0]
    yang = jclinpath.authorships[13]

    assert first.raw_name == "Jun Xu"
    assert first.raw_affiliations == (
        "Department of Neurosurgery, China-Japan Friendship Hospital, Beijing, China",
    )
    assert first.identifiers == ()
    assert first.institutions == ()
    assert yang.raw_name == "Xuexi Yang"
    assert yang.identifiers == (("orcid", "0000-0002-3513-6501"),)
    assert yang.raw_affiliations == (
        "School of Laboratory Medicine and Biotechnology, Southern Medical "
        "University, Guangzhou, China",
    )
    assert len(jclinpath.authorships) == 15


def test_orcid_with_a_wrong_checksum_is_dropped() -> None:
    # Constructed: Xuexi Yang's real ORCID with its check digit changed.
    def spoil(message) -> None:
        message["author"][13]["ORCID"] = "https://orcid.org/0000-0002-3513-6502"

    record = only_work(edited(JCLINPATH, spoil))

    assert record.authorships[13].identifiers == ()


def test_ror_id_of_an_affiliation_becomes_an_institution() -> None:
    # Constructed: no recorded response has affiliation ids. The shape is
    # Crossref's ({"id", "id-type", "asserted-by"}); the values are made up.
    def add_ids(message) -> None:
        message["author"][0]["affiliation"][0]["id"] = [
            {
                "id": "https://ror.org/012345a67",
                "id-type": "ROR",
                "asserted-by": "publisher",
            },
            {"id": "grid.12345.6", "id-type": "GRID", "asserted-by": "publisher"},
            {
                "id": "https://ror.org/not-a-ror",
                "id-type": "ROR",
                "asserted-by": "publisher",
            },
        ]

    record = only_work(edited(JCLINPATH, add_ids))

    assert record.authorships[0].institutions == (
        ParsedInstitution(
            name="Department of Neurosurgery, China-Japan Friendship Hospital, "
            "Beijing, China",
            ror_id="012345a67",
        ),
    )


def test_html_entities_in_affiliations_are_resolved(field_queries) -> None:
    boettiger = work(field_queries, "10.1002/ece3.2314").authorships[1]

    assert boettiger.raw_affiliations == (
        "Department of Environmental Science, Policy, & Management University of "
        "California, Berkeley Berkeley California",
    )


def test_author_with_family_name_only() -> None:
    record = only_work(read("habanero/test_works_with_many_ids.4.body.json"))

    assert [(a.raw_name, a.name) for a in record.authorships] == [
        ("Stravopodis", "Stravopodis")
    ]


def test_author_entry_without_any_name_is_skipped() -> None:
    page = crossref.parse(read("habanero/test_cursor_max__02.json"))
    thesis = work(page, "10.31390/gradschool_theses.6125")

    # The record lists a nameless "additional" author before Joshua Rovira.
    assert [(a.position, a.raw_name) for a in thesis.authorships] == [
        (1, "Joshua Rovira")
    ]
    assert thesis.authorships[0].raw_affiliations == (
        "Louisiana State University and Agricultural and Mechanical College",
    )
    assert thesis.work_type == "dissertation"


# --- titles ---------------------------------------------------------------------


def test_small_caps_markup_joins_without_space(field_queries) -> None:
    record = work(field_queries, "10.1111/j.2041-210x.2012.00247.x")

    # The publisher left out the spaces around <scp>R</scp>; kept as given.
    assert record.title_raw == (
        "<scp>T</scp>reebase: an<scp>R</scp>package for discovery, access and "
        "manipulation of online phylogenies"
    )
    assert record.title == (
        "Treebase: anRpackage for discovery, access and manipulation of online "
        "phylogenies"
    )


def test_subtitle_is_appended_after_a_colon() -> None:
    page = crossref.parse(read_zipped(FIRST_PAGE))
    record = work(page, "10.1017/ccol052165310x.006")

    assert record.title == "Classicism and its pitfalls: Death in Venice"
    assert record.title_raw == "Classicism and its pitfalls: Death in Venice"


def test_subtitle_already_in_the_title_is_not_repeated() -> None:
    page = crossref.parse(read("habanero/test_workscontainer_with_cursor__01.json"))

    chestnuts = work(page, "10.1111/jfpp.12874")
    assert chestnuts.title == (
        "Microbial Contamination in Peeled Chestnuts and the Efficacy of "
        "Postprocessing Treatments for Microbial Spoilage Management"
    )


def test_subtitle_after_a_question_mark_follows_a_space() -> None:
    page = crossref.parse(read("habanero/test_workscontainer_with_cursor__01.json"))

    edema = work(page, "10.1046/j.1399543x.2000.010407.x")
    assert edema.title == (
        "Do doctors cause or prevent cerebral edema in children with diabetic "
        "ketoacidosis? Cerebral edema in DKA"
    )


def test_empty_subtitle_is_ignored() -> None:
    page = crossref.parse(
        read(
            "dissemin/6020a8e2d1ab1a25bc23afb936ae0a7e3c70d8d62e9236ed42eff85379e2fc52.json"
        )
    )

    # subtitle: [""]
    assert work(page, "10.1097/meg.0b013e328365aba9").title == (
        "Eradication of Helicobacter pylori infection might have a positive impact "
        "on subpopulations with endoscopic gastro-oesophageal reflux disease"
    )


# --- abstracts ------------------------------------------------------------------


def test_abstract_heading_abstract_is_dropped(field_queries) -> None:
    record = work(field_queries, "10.1111/ele.14024")

    assert record.abstract_raw.startswith("<jats:title>Abstract</jats:title>")
    assert record.abstract.startswith(
        "Encouraged by decision makers\N{RIGHT SINGLE QUOTATION MARK} appetite for future"
    )


def test_summary_list_items_become_paragraphs(field_queries) -> None:
    record = work(field_queries, "10.1111/2041-210x.13440")

    assert record.abstract.split("\n\n") == [
        "A familiar and growing challenge in ecological and evolutionary research "
        "is that of establishing consistent taxonomy when combining data from "
        "separate sources. While this problem is already well understood and "
        "numerous naming authorities have been created to address the issue, most "
        "researchers lack a fast, consistent, and intuitive way to retrieve "
        "taxonomic names.",
        "We present taxadb R package which creates a local database, managed "
        "automatically from within R, to provide fast operations on millions of "
        "taxonomic names.",
        "taxadb provides access to established naming authorities to resolve "
        "synonyms, taxonomic identifiers, and hierarchical classification in a "
        "consistent and intuitive data format.",
        "taxadb makes operation on millions of taxonomic names fast and manageable.",
    ]


def test_section_headings_other_than_abstract_are_kept(field_queries) -> None:
    record = work(field_queries, "10.1111/geb.13950")

    # <jats:title>ABSTRACT</jats:title><jats:sec><jats:title>Aim</jats:title>...
    assert record.abstract.startswith("Aim\n\nDespite unprecedented environmental")


def test_html_paragraph_abstract() -> None:
    page = crossref.parse(read(QUERY_PAGE))

    record = work(page, "10.1093/obo/9780199830060-0238")
    assert record.abstract.startswith(
        "Communication is perhaps the most important, but least formally discussed,"
    )
    assert record.abstract_raw.startswith("<p>Communication is perhaps")


# --- types and identifiers ------------------------------------------------------


def test_posted_content_is_a_preprint(field_queries) -> None:
    record = work(field_queries, "10.1101/055319")

    assert record.work_type == "preprint"
    assert record.title == (
        "Measurement uncertainty matters: ecological management using POMDPs"
    )
    assert record.published == date(2016, 5, 30)
    assert record.publisher == "openRxiv"
    assert record.venue == ""
    assert record.abs_url == "http://biorxiv.org/lookup/doi/10.1101/055319"
    assert [(a.raw_name, a.identifiers) for a in record.authorships] == [
        ("Milad Memarzadeh", (("orcid", "0000-0001-7672-6033"),)),
        ("Carl Boettiger", (("orcid", "0000-0002-1642-628X"),)),
    ]


def test_other_crossref_types_are_kept(field_queries) -> None:
    proceedings = only_work(read("habanero/test_works_with_many_ids.3.body.json"))
    entries = crossref.parse(read(QUERY_PAGE))

    assert proceedings.work_type == "proceedings-article"
    assert proceedings.venue == (
        "23rd International Conference on Distributed Computing Systems "
        "Workshops, 2003. Proceedings."
    )
    assert proceedings.language == ""
    assert {r.work_type for r in entries.records} == {"reference-entry"}
    assert work(field_queries, "10.32614/cran.package.rfishbase").work_type == "dataset"


def test_record_without_type_is_other() -> None:
    def drop_type(message) -> None:
        del message["type"]

    assert only_work(edited(PLOS, drop_type)).work_type == "other"


def test_a_preprint_relation_to_a_non_arxiv_doi_gives_no_arxiv_id(
    field_queries,
) -> None:
    # has-preprint -> 10.1101/014852 (bioRxiv).
    assert work(field_queries, "10.1002/ece3.2314").arxiv_id == ""


def test_a_preprint_relation_to_arxiv_gives_the_arxiv_id() -> None:
    # Constructed: the real has-preprint relation pointed at arXiv instead.
    def point_at_arxiv(message) -> None:
        [item] = message["items"]
        item["relation"]["has-preprint"] = [
            {"id-type": "arxiv", "id": "arXiv:1412.00001v2", "asserted-by": "subject"}
        ]

    record = only_work(
        edited(
            "dissemin/c4b5da60ac5754fb3cfade494065f3e53773cb2f0641cb35cc1568efcab829c1.json",
            point_at_arxiv,
        )
    )

    assert record.arxiv_id == "1412.00001"
    assert record.doi == "10.4204/eptcs.172.16"


def test_a_relation_by_arxiv_doi_gives_the_arxiv_id() -> None:
    # Constructed, as above, with the arXiv DOI form.
    def point_at_arxiv_doi(message) -> None:
        [item] = message["items"]
        item["relation"]["has-preprint"] = [
            {
                "id-type": "doi",
                "id": "10.48550/arXiv.1412.00001",
                "asserted-by": "object",
            }
        ]

    record = only_work(
        edited(
            "dissemin/c4b5da60ac5754fb3cfade494065f3e53773cb2f0641cb35cc1568efcab829c1.json",
            point_at_arxiv_doi,
        )
    )

    assert record.arxiv_id == "1412.00001"


def test_real_has_preprint_relation_to_osf_gives_no_arxiv_id() -> None:
    record = only_work(
        read(
            "dissemin/c4b5da60ac5754fb3cfade494065f3e53773cb2f0641cb35cc1568efcab829c1.json"
        )
    )

    assert record.arxiv_id == ""
    assert record.title == "Complexity of Grammar Induction for Quantum Types"
    assert record.authorships[0].raw_affiliations == (
        "École Normale Supérieure, Paris",
    )


def test_alternative_id_naming_arxiv_gives_the_arxiv_id() -> None:
    # Constructed: a real record's alternative-id list with an arXiv entry.
    def add(message) -> None:
        message["alternative-id"] = [
            "10.1136/jclinpath-2020-206745",
            "arXiv:2008.01234v3",
        ]

    assert only_work(edited(JCLINPATH, add)).arxiv_id == "2008.01234"


def test_an_arxiv_doi_is_the_arxiv_id_not_the_doi() -> None:
    # Constructed: a real record given an arXiv DOI, and citing one.
    def make_arxiv(message) -> None:
        message["DOI"] = "10.48550/arXiv.2101.00001"
        message["reference"][0]["DOI"] = "10.48550/ARXIV.1706.03762"

    record = only_work(edited(PLOS, make_arxiv))

    assert record.external_id == "10.48550/arxiv.2101.00001"
    assert record.arxiv_id == "2101.00001"
    assert record.doi == ""
    assert record.references[0] == ("arxiv", "1706.03762")


# --- dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "doi", "expected"),
    [
        # published-print [2012, 3] only: the 1st of the month.
        (
            "habanero/test_works_with_many_ids.0.body.json",
            "10.1016/j.neurobiolaging.2010.03.024",
            date(2012, 3, 1),
        ),
        # print [1997, 7], online 2005-02-18: the earlier, the print month.
        (
            "habanero/test_works_with_many_ids.1.body.json",
            "10.1002/jor.1100150407",
            date(1997, 7, 1),
        ),
        # print [2018, 7], online 2018-07-05: the fuller date in that month.
        (
            "dissemin/6020a8e2d1ab1a25bc23afb936ae0a7e3c70d8d62e9236ed42eff85379e2fc52.json",
            "10.1002/hep.29897",
            date(2018, 7, 5),
        ),
        # issued [[null]] and no other date.
        (
            "habanero/test_works_with_many_ids.3.body.json",
            "10.1109/icdcsw.2003.1203662",
            None,
        ),
        # issued [[]] and no other date.
        ("hepcrawl/9781316535783.011.json", "10.1017/9781316535783.011", None),
    ],
)
def test_published_date(name, doi, expected) -> None:
    assert work(crossref.parse(read(name)), doi).published == expected


def test_year_only_date_is_the_first_of_january() -> None:
    def year_only(message) -> None:
        message["published-online"] = {"date-parts": [[2012]]}
        message["issued"] = {"date-parts": [[2012]]}
        del message["published"]

    assert only_work(edited(PLOS, year_only)).published == date(2012, 1, 1)


def test_nonsense_date_fails_that_record_and_keeps_the_rest() -> None:
    # Constructed: month 13 in the first work of a real page.
    def spoil(message) -> None:
        message["items"][0]["published-online"] = {"date-parts": [[2022, 13, 40]]}

    page = crossref.parse(edited(QUERY_PAGE, spoil))

    failure, kept = page.records
    assert isinstance(failure, ParseFailure)
    assert failure.external_id == "10.1093/obo/9780199830060-0238"
    assert "published-online [2022, 13, 40] is not a calendar date" in failure.error
    assert isinstance(kept, ParsedWork)
    assert kept.external_id == "10.1093/obo/9780199830060-0023"


# --- pages ----------------------------------------------------------------------


def test_query_page_gives_total_and_no_checkpoint_without_cursor() -> None:
    page = crossref.parse(read(QUERY_PAGE))

    assert page.total_results == 586628
    assert page.items_per_page == 2
    assert page.start_index == 0
    assert page.checkpoint is None
    assert [r.external_id for r in page.records] == [
        "10.1093/obo/9780199830060-0238",
        "10.1093/obo/9780199830060-0023",
    ]


def test_cursor_page_checkpoint_is_the_next_cursor() -> None:
    page = crossref.parse(read_zipped(FIRST_PAGE))

    assert page.checkpoint == {
        "cursor": "AoJ6y+XM5O4CPw1odHRwOi8vZHguZG9pLm9yZy8xMC4xMDE3L2Njb2wwNTIxNjYwMDMzLjAxMQ=="
    }
    assert page.total_results == 237075
    assert len(page.records) == 50
    assert all(isinstance(r, ParsedWork) for r in page.records)
    assert page.records[0].external_id == "10.1017/ccol052165310x"
    assert page.records[0].work_type == "book"


def test_empty_cursor_page_ends_the_walk() -> None:
    page = crossref.parse(read_zipped(EMPTY_PAGE))

    assert page.records == []
    assert page.checkpoint == {"cursor": ""}
    assert page.total_results == 237075


def test_batch_lookup_page_keeps_every_work() -> None:
    page = crossref.parse(
        read(
            "dissemin/6020a8e2d1ab1a25bc23afb936ae0a7e3c70d8d62e9236ed42eff85379e2fc52.json"
        )
    )

    assert len(page.records) == 30
    assert page.total_results == 30
    assert all(isinstance(r, ParsedWork) for r in page.records)


# --- failures -------------------------------------------------------------------


def test_work_without_title_is_a_failure_and_the_page_goes_on() -> None:
    page = crossref.parse(read("habanero/test_works_sample__00.json"))

    kept, issue = page.records
    assert isinstance(kept, ParsedWork)
    assert kept.title == "Icônes"
    assert isinstance(issue, ParseFailure)
    assert issue.source == "crossref"
    assert issue.external_id == "10.7752/jpes.2018.03256"
    assert issue.error == "10.7752/jpes.2018.03256: record has no title"
    assert json.loads(issue.payload)["type"] == "journal-issue"


def test_malformed_record_is_a_failure_with_its_json() -> None:
    # Constructed: the first work's authors replaced by a string.
    def spoil(message) -> None:
        message["items"][0]["author"] = "Kessler, André"

    page = crossref.parse(edited(QUERY_PAGE, spoil))

    failure, kept = page.records
    assert isinstance(failure, ParseFailure)
    assert "author is not a list" in failure.error
    assert json.loads(failure.payload)["DOI"] == "10.1093/obo/9780199830060-0238"
    assert isinstance(kept, ParsedWork)


def test_work_without_doi_is_a_failure() -> None:
    def drop_doi(message) -> None:
        del message["DOI"]

    [failure] = crossref.parse(edited(PLOS, drop_doi)).records

    assert isinstance(failure, ParseFailure)
    assert failure.external_id == ""
    assert "work has no DOI" in failure.error


def test_long_payload_is_truncated() -> None:
    def spoil(message) -> None:
        message["title"] = 42

    [failure] = crossref.parse(
        edited("habanero/test_works_with_many_ids.0.body.json", spoil)
    ).records

    assert isinstance(failure, ParseFailure)
    assert len(failure.payload) == PAYLOAD_KEPT


# --- error bodies ---------------------------------------------------------------


def test_plain_text_not_found_body_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=r"not JSON .*'Resource not found\.'"):
        crossref.parse(read("habanero/test_works_bad_id_warn__00.txt"))


def test_validation_failure_body_carries_crossrefs_message() -> None:
    with pytest.raises(SourceError) as raised:
        crossref.parse(
            read("habanero/test_works_query_filters_not_allowed_with_dois__00.json")
        )

    assert str(raised.value) == (
        "Crossref error: validation-failure: parameter-not-allowed (query.*): "
        "This route does not support field query parameters"
    )


def test_invalid_cursor_body_is_a_source_error() -> None:
    with pytest.raises(
        SourceError, match="cursor-invalid \\(thing\\): Cursor specified"
    ):
        crossref.parse(read("habanero/test_cursor_fails_cursor_value__00.json"))


def test_a_message_that_is_not_works_is_refused() -> None:
    with pytest.raises(SourceError, match="'prefix', not a work or a work-list"):
        crossref.parse(read("habanero/test_workscontainer_failure_behavior__00.json"))


def test_body_over_the_size_limit_is_refused(settings) -> None:
    settings.IMPORT_MAX_PAYLOAD_BYTES = 1000

    with pytest.raises(SourceError, match="larger than 1000 bytes"):
        crossref.parse(read(PLOS))


# --- determinism ----------------------------------------------------------------


def test_reserialised_response_gives_the_same_hashes() -> None:
    original = crossref.parse(read(FIELD_QUERIES))
    compact = json.dumps(json.loads(read(FIELD_QUERIES)), separators=(",", ":"))

    again = crossref.parse(compact.encode())

    assert [r.payload_hash for r in again.records] == [
        r.payload_hash for r in original.records
    ]
    assert again.records == original.records


def test_a_changed_field_changes_the_hash(plos) -> None:
    def recount(message) -> None:
        message["is-referenced-by-count"] = 73

    assert only_work(edited(PLOS, recount)).payload_hash != plos.payload_hash
