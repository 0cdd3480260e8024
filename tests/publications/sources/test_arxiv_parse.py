"""publications.sources.arxiv.parse on real arXiv API responses.

Every payload is a real response from tests/fixtures/arxiv_api/ (see
/work/shared/fixtures/SOURCES.md): the 2016 format, the 2025 format, the 2026
format raw and in the recorded-call JSON envelope. Where a test needs a shape
no real response has (a malformed entry, a second DOI, a hostile DTD), it
builds it from the real bytes with a string replace and says so.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import tostring

import pytest
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from publications.sources.arxiv import ATOM, parse, split_arxiv_id, unwrap
from publications.sources.base import ParsedWork, ParseFailure, SourceError

ARXIV_API = Path(__file__).resolve().parents[2] / "fixtures" / "arxiv_api"

DEL_MAESTRO_2016 = "arxiv_api/au_del_maestro_2016.xml"
DEL_MAESTRO_ANDNOT_2016 = (
    "arxiv_api/more/au_del_maestro_ANDNOT_ti_checkerboard_OR_ti_Pyrochlore.xml"
)
CS_RO_2025 = "arxiv_api/more/arxiv_response_cat_cs.RO_AND_neural_2025-10.xml"
NICOTINE_2026 = "arxiv_api/more/arxiv_response_all_nicotine_2026-07.xml"
ASTRO_PH_2026 = "arxiv_api/recorded/id_astro-ph_0601001_s0_m100_3150dca9dc76.json"
QUANT_PH_2026 = "arxiv_api/recorded/id_quant-ph_0201082v1_s0_m100_86989fe779ef.json"
HEP_EX_2026 = "arxiv_api/recorded/id_hep-ex_0406020v1_s0_m100_84b15d66c0ce.json"
ID_ABC_2026 = "arxiv_api/recorded/id_abc_s0_m100_b79c8dcf6bc3.json"

# file, entries, totalResults, startIndex, itemsPerPage, error entries
FEEDS = [
    ("au_del_maestro_2016.xml", 10, 31, 0, 10, 0),
    ("au_del_maestro_and_ti_checkerboard_2016.xml", 1, 1, 0, 10, 0),
    ("au_del_maestro_and_ti_quantum_criticality.xml", 2, 2, 0, 10, 0),
    ("id_list_1111.2011v2.xml", 1, 1, 0, 10, 0),
    ("more/arxiv_response_all_nicotine_2026-07.xml", 10, 58, 0, 10, 0),
    ("more/arxiv_response_cat_cs.RO_AND_neural_2025-10.xml", 2, 5619, 0, 2, 0),
    (
        "more/au_del_maestro_ANDNOT_ti_checkerboard_OR_ti_Pyrochlore.xml",
        10,
        24,
        0,
        10,
        0,
    ),
    ("recorded/id_0000.0000_s0_m100_8b51d9633a68.json", 0, 0, 0, 100, 0),
    ("recorded/id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json", 1, 1, 0, 100, 0),
    ("recorded/id_0808.05394_s0_m100_7b0c7d0a7cdd.json", 0, 0, 0, 100, 0),
    ("recorded/id_1605.08386_s0_m100_199195aa31ad.json", 1, 1, 0, 100, 0),
    ("recorded/id_1707.08567_s0_m100_6a1afebfc6a3.json", 1, 1, 0, 100, 0),
    ("recorded/id_2104.12255v1_s0_m100_6ae69987ffe1.json", 1, 1, 0, 100, 0),
    ("recorded/id_abc_s0_m100_b79c8dcf6bc3.json", 1, 1, 0, 1, 1),
    ("recorded/id_astro-ph_0601001_s0_m100_3150dca9dc76.json", 1, 1, 0, 100, 0),
    ("recorded/id_hep-ex_0406020v1_s0_m100_84b15d66c0ce.json", 1, 1, 0, 100, 0),
    ("recorded/id_quant-ph_0201082v1_s0_m100_86989fe779ef.json", 1, 1, 0, 100, 0),
    ("recorded/q_testing_s0_m100_cfe7536492ca.json", 100, 214881, 0, 100, 0),
    ("recorded/q_testing_s0_m10_bc5a6c384fe9.json", 10, 214881, 0, 10, 0),
    ("recorded/q_testing_s0_m10_df962dbeea2e.json", 10, 214881, 0, 10, 0),
    ("recorded/q_testing_s0_m15_80c242b59d59.json", 15, 214881, 0, 15, 0),
    ("recorded/q_testing_s10_m10_34e56e15aaac.json", 10, 214881, 10, 10, 0),
    ("recorded/q_testing_s20_m10_348a237fecab.json", 10, 214881, 20, 10, 0),
    ("recorded/q_testing_s30_m10_f2e39f0143dc.json", 10, 214881, 30, 10, 0),
    ("recorded/q_testing_s40_m10_96dd32eb854c.json", 10, 214881, 40, 10, 0),
    ("recorded/q_testing_s50_m10_7f488ab8598c.json", 10, 214881, 50, 10, 0),
    ("recorded/q_testing_s5_m10_c0e94a259d4a.json", 10, 214881, 5, 10, 0),
    ("recorded/q_testing_s5_m15_bbcf6b23085b.json", 15, 214881, 5, 15, 0),
    ("recorded/q_testing_s9_m15_0b78d4b4d476.json", 15, 214881, 9, 15, 0),
]


def works(page) -> dict[str, ParsedWork]:
    return {r.external_id: r for r in page.records if isinstance(r, ParsedWork)}


def entry_of(fixture_bytes, path: str, external_id: str) -> ParsedWork:
    return works(parse(fixture_bytes(path)))[external_id]


# --- every file ---------------------------------------------------------------


def test_every_fixture_file_is_checked_below() -> None:
    on_disk = {
        str(p.relative_to(ARXIV_API)) for p in ARXIV_API.rglob("*") if p.is_file()
    }

    assert on_disk == {row[0] for row in FEEDS}


@pytest.mark.parametrize(
    ("name", "entries", "total", "start", "per_page", "errors"),
    FEEDS,
    ids=[row[0] for row in FEEDS],
)
def test_fixture_parses_with_its_entry_count_and_paging_figures(
    fixture_bytes, name, entries, total, start, per_page, errors
) -> None:
    data = fixture_bytes(f"arxiv_api/{name}")

    page = parse(data)

    assert unwrap(data)[0].count(b"<entry>") == entries
    assert len(page.records) == entries
    assert (page.total_results, page.start_index, page.items_per_page) == (
        total,
        start,
        per_page,
    )
    assert sum(isinstance(r, ParseFailure) for r in page.records) == errors


# --- ids ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://arxiv.org/abs/1201.4869v1", ("1201.4869", 1)),
        ("https://arxiv.org/abs/2409.05654v9", ("2409.05654", 9)),
        ("http://arxiv.org/abs/astro-ph/0601001v1", ("astro-ph/0601001", 1)),
        ("quant-ph/0201082v1", ("quant-ph/0201082", 1)),
        ("hep-ex/0406020v1", ("hep-ex/0406020", 1)),
        ("http://arxiv.org/abs/cond-mat/0607501v2", ("cond-mat/0607501", 2)),
        ("math.GT/0309136", ("math.GT/0309136", None)),
        ("arXiv:2510.14968", ("2510.14968", None)),
        ("1111.2011v2", ("1111.2011", 2)),
    ],
)
def test_arxiv_id_is_split_from_its_version(value, expected) -> None:
    assert split_arxiv_id(value) == expected


@pytest.mark.parametrize(
    "value", ["abc", "", "https://arxiv.org/api/errors#incorrect_id_format_for_abc"]
)
def test_text_that_is_not_an_arxiv_id_is_refused(value) -> None:
    with pytest.raises(ValueError, match="not an arXiv id"):
        split_arxiv_id(value)


# --- 2016 format --------------------------------------------------------------


def test_2016_entry_fields(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, DEL_MAESTRO_2016, "1201.4869")

    assert work.source == "arxiv"
    assert (work.external_id, work.arxiv_id, work.arxiv_version) == (
        "1201.4869",
        "1201.4869",
        1,
    )
    assert work.title == "A Luttinger Liquid Core Inside Helium-4 Filled Nanopores"
    assert work.title_raw == work.title
    assert [(a.position, a.raw_name, a.name) for a in work.authorships] == [
        (1, "Adrian Del Maestro", "Adrian Del Maestro")
    ]
    assert (work.published, work.updated) == (date(2012, 1, 23), date(2012, 1, 23))
    assert work.categories == ("cond-mat.mes-hall", "cond-mat.other")
    assert work.doi == "10.1142/s021797921244002x"
    assert work.journal_ref == "Int. J. Mod. Phys. B, 26, 1244002 (2012)"
    assert work.comments == "26 pages, 10 figures"
    assert work.abs_url == "http://arxiv.org/abs/1201.4869v1"
    assert work.pdf_url == "http://arxiv.org/pdf/1201.4869v1"
    assert work.work_type == "article"


def test_2016_abstract_is_collapsed_and_its_raw_text_kept(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, DEL_MAESTRO_2016, "1201.4869")

    assert work.abstract.startswith(
        "As helium-4 is cooled below 2.17 K it undergoes a phase transition to a "
        "fundamentally new state of matter"
    )
    assert "\n" not in work.abstract
    assert work.abstract.endswith("this intriguing low dimensional state of matter.")
    assert "transition to a\nfundamentally new state" in work.abstract_raw


def test_2016_wrapped_title_is_joined_and_raw_title_kept(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, DEL_MAESTRO_2016, "cond-mat/0607501")

    assert work.title == (
        "A striped supersolid phase and the search for deconfined quantum "
        "criticality in hard-core bosons on the triangular lattice"
    )
    assert work.title_raw == (
        "A striped supersolid phase and the search for deconfined quantum\n"
        "  criticality in hard-core bosons on the triangular lattice"
    )


def test_2016_later_version_keeps_first_and_last_dates(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, DEL_MAESTRO_2016, "cond-mat/0607501")

    assert work.arxiv_version == 2
    assert (work.published, work.updated) == (date(2006, 7, 19), date(2006, 11, 6))
    assert work.abs_url == "http://arxiv.org/abs/cond-mat/0607501v2"


def test_2016_authors_keep_their_order(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, DEL_MAESTRO_2016, "cond-mat/0607501")

    assert [(a.position, a.raw_name) for a in work.authorships] == [
        (1, "R. G. Melko"),
        (2, "A. Del Maestro"),
        (3, "A. A. Burkov"),
    ]


def test_2016_wrapped_comment_is_joined(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, DEL_MAESTRO_2016, "1412.6529")

    assert work.comments == (
        "10 pages, 8 figures; updated figure 5, added references, revised text, "
        "reformatted"
    )


# --- 2025 format --------------------------------------------------------------


def test_2025_entry_fields(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, CS_RO_2025, "2510.14968")

    assert work.arxiv_version == 1
    assert work.title == (
        "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in "
        "Long-Horizon Tasks"
    )
    assert "\n" in work.title_raw
    assert [a.raw_name for a in work.authorships] == [
        "Mingxuan Yan",
        "Yuping Wang",
        "Zechun Liu",
        "Jiachen Li",
    ]
    assert (work.published, work.updated) == (date(2025, 10, 16), date(2025, 10, 16))
    assert work.comments == (
        "39th Conference on Neural Information Processing Systems (NeurIPS 2025); "
        "Project Website: rdd-neurips.github.io"
    )
    assert work.abs_url == "http://arxiv.org/abs/2510.14968v1"
    assert work.pdf_url == "http://arxiv.org/pdf/2510.14968v1"


def test_2025_primary_category_comes_first_without_duplicates(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, CS_RO_2025, "2510.14968")

    assert work.categories == ("cs.RO", "cs.AI", "cs.CV", "cs.LG", "cs.SY", "eess.SY")


def test_entry_without_doi_or_journal_ref_is_a_preprint(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, CS_RO_2025, "2510.14968")

    assert (work.doi, work.journal_ref) == ("", "")
    assert work.work_type == "preprint"


# --- 2026 format, raw ---------------------------------------------------------


def test_2026_raw_entry_fields(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, NICOTINE_2026, "1509.01687")

    assert (work.arxiv_id, work.arxiv_version) == ("1509.01687", 1)
    assert work.title == (
        "Single Molecule Transistor based Nanopore for the detection of Nicotine"
    )
    assert [a.raw_name for a in work.authorships] == ["S. J. Ray"]
    assert (work.published, work.updated) == (date(2015, 9, 5), date(2015, 9, 5))
    assert work.categories == ("cond-mat.mes-hall", "physics.comp-ph")
    assert work.doi == "10.1063/1.4904358"
    assert work.journal_ref == "Journal of Applied Physics 116, 244307 (2014)"
    assert work.comments == "4 figures"
    assert work.abs_url == "https://arxiv.org/abs/1509.01687v1"
    assert work.pdf_url == "https://arxiv.org/pdf/1509.01687v1"
    assert work.work_type == "article"
    assert work.abstract.startswith("A nanopore based detection methodology")


# --- 2026 format, recorded envelope -------------------------------------------


def test_2026_envelope_old_style_id_and_fields(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, ASTRO_PH_2026, "astro-ph/0601001")

    assert (work.arxiv_id, work.arxiv_version) == ("astro-ph/0601001", 1)
    assert work.title == (
        "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit "
        "Surveys Toward the Galactic Bulge and Carina"
    )
    assert (work.published, work.updated) == (date(2006, 1, 2), date(2006, 1, 2))
    assert work.categories == ("astro-ph",)
    assert work.journal_ref == "ActaAstron.56:1-50,2006"
    assert work.comments.startswith("62 pages including 16 figures and 9 tables.")
    assert work.abs_url == "https://arxiv.org/abs/astro-ph/0601001v1"
    assert work.pdf_url == "https://arxiv.org/pdf/astro-ph/0601001v1"


def test_2026_envelope_abstract_keeps_bare_percent_and_entities(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, ASTRO_PH_2026, "astro-ph/0601001")

    assert "is only 4--16% of those in the OGLE-III fields" in work.abstract
    assert "limit of V_max<17.5." in work.abstract
    assert "following Gould & Morgan (2003)" in work.abstract


def test_journal_ref_alone_makes_an_article(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, ASTRO_PH_2026, "astro-ph/0601001")

    assert work.doi == ""
    assert work.work_type == "article"


def test_doi_alone_makes_an_article(fixture_bytes) -> None:
    path = "arxiv_api/recorded/q_testing_s20_m10_348a237fecab.json"
    work = entry_of(fixture_bytes, path, "2306.03845")

    assert (work.doi, work.journal_ref) == ("10.1145/3597926.3598112", "")
    assert work.work_type == "article"


def test_arxiv_affiliations_are_kept_per_author(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, ASTRO_PH_2026, "astro-ph/0601001")

    assert [(a.raw_name, a.raw_affiliations) for a in work.authorships] == [
        ("Andrew Gould", ("Ohio State",)),
        ("Susan Dorsher", ("Ohio State",)),
        ("B. Scott Gaudi", ("CfA",)),
        ("Andrzej Udalski", ("Warsaw University Observatory",)),
    ]


def test_collaboration_affiliation_is_kept_as_given(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, HEP_EX_2026, "hep-ex/0406020")

    assert (work.arxiv_id, work.arxiv_version) == ("hep-ex/0406020", 1)
    assert [(a.raw_name, a.raw_affiliations) for a in work.authorships] == [
        ("Alessia Tricomi", ("for the ATLAS and CMS Collaborations",))
    ]


def test_old_style_id_with_cross_list(fixture_bytes) -> None:
    work = entry_of(fixture_bytes, QUANT_PH_2026, "quant-ph/0201082")

    assert (work.arxiv_id, work.arxiv_version) == ("quant-ph/0201082", 1)
    assert work.categories == ("quant-ph", "cs.PL")
    assert work.comments == "32 pages"
    assert work.work_type == "preprint"


def test_envelope_body_is_read_back_as_utf8(fixture_bytes) -> None:
    path = "arxiv_api/recorded/id_1707.08567_s0_m100_6a1afebfc6a3.json"
    work = entry_of(fixture_bytes, path, "1707.08567")

    assert len(work.authorships) == 34
    assert work.authorships[32].raw_name == "Dirk Wübben"


def test_envelope_gives_back_its_http_status(fixture_bytes) -> None:
    body, status = unwrap(fixture_bytes(ID_ABC_2026))

    assert status == 400
    assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_raw_atom_has_no_status(fixture_bytes) -> None:
    data = fixture_bytes(DEL_MAESTRO_2016)

    assert unwrap(data) == (data, None)


# --- errors and empty results -------------------------------------------------


def test_error_entry_is_one_parse_failure_with_the_api_message(fixture_bytes) -> None:
    page = parse(fixture_bytes(ID_ABC_2026))

    [failure] = page.records
    assert isinstance(failure, ParseFailure)
    assert failure.error == "arXiv API error: incorrect id format for abc"
    assert failure.external_id == (
        "https://arxiv.org/api/errors#incorrect_id_format_for_abc"
    )
    assert "incorrect id format for abc" in failure.payload


@pytest.mark.parametrize(
    "name",
    [
        "recorded/id_0000.0000_s0_m100_8b51d9633a68.json",
        "recorded/id_0808.05394_s0_m100_7b0c7d0a7cdd.json",
    ],
)
def test_unknown_id_gives_no_records(fixture_bytes, name) -> None:
    page = parse(fixture_bytes(f"arxiv_api/{name}"))

    assert page.records == []
    assert page.total_results == 0


def test_missing_id_in_a_list_gives_only_the_found_entry(fixture_bytes) -> None:
    path = "arxiv_api/recorded/id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json"

    page = parse(fixture_bytes(path))

    assert list(works(page)) == ["1707.08567"]


# --- TeX ----------------------------------------------------------------------


def test_math_in_title_is_shown_in_unicode(fixture_bytes) -> None:
    path = "arxiv_api/recorded/q_testing_s20_m10_348a237fecab.json"
    work = entry_of(fixture_bytes, path, "2306.03845")

    assert work.title == "ωTest: WebView-Oriented Testing for Android Applications"
    assert work.title_raw == (
        "$ω$Test: WebView-Oriented Testing for Android Applications"
    )


def test_tex_markup_in_abstract_is_shown_as_text(fixture_bytes) -> None:
    # No fixture has a TeX accent in a name or title (grep for backslashes
    # finds TeX only in abstracts), so TeX markup is pinned on an abstract.
    path = "arxiv_api/recorded/q_testing_s30_m10_f2e39f0143dc.json"
    work = entry_of(fixture_bytes, path, "1904.08007")

    assert r"AFP tools face the \emph{oracle problem}" in work.abstract_raw
    assert "AFP tools face the oracle problem" in work.abstract


def test_escaped_percent_in_abstract_math_is_shown(fixture_bytes) -> None:
    path = "arxiv_api/recorded/q_testing_s0_m15_80c242b59d59.json"
    work = next(
        w
        for w in works(parse(fixture_bytes(path))).values()
        if r"$25\%$ accuracy" in w.abstract_raw
    )

    assert "to achieve 25% accuracy" in work.abstract


# --- constructed from real bytes ----------------------------------------------


def test_entry_without_id_is_a_failure_and_the_others_still_parse(
    fixture_bytes,
) -> None:
    # Constructed: the real 2016 feed with the first entry's <id> removed.
    data = fixture_bytes(DEL_MAESTRO_2016).replace(
        b"<id>http://arxiv.org/abs/1201.4869v1</id>", b""
    )

    page = parse(data)

    failure = page.records[0]
    assert isinstance(failure, ParseFailure)
    assert "not an arXiv id" in failure.error
    assert "A Luttinger Liquid Core Inside Helium-4 Filled Nanopores" in (
        failure.payload
    )
    assert len(works(page)) == 9


def test_entry_with_bad_date_is_a_failure_carrying_its_xml(fixture_bytes) -> None:
    # Constructed: the real 2016 feed with an impossible published date.
    data = fixture_bytes(DEL_MAESTRO_2016).replace(
        b"<published>2012-01-23T21:15:02Z</published>",
        b"<published>2012-01-32T21:15:02Z</published>",
    )

    page = parse(data)

    failure = page.records[0]
    assert isinstance(failure, ParseFailure)
    assert failure.error == "bad published date '2012-01-32T21:15:02Z'"
    assert failure.external_id == "http://arxiv.org/abs/1201.4869v1"
    assert "2012-01-32T21:15:02Z" in failure.payload
    assert len(works(page)) == 9


def test_first_of_several_dois_is_kept_lower_cased(fixture_bytes) -> None:
    # Constructed: no real entry has two DOIs; a second one is appended to a
    # real 2016 entry's field, as arXiv prints them (space separated).
    data = fixture_bytes(DEL_MAESTRO_2016).replace(
        b">10.1142/S021797921244002X</arxiv:doi>",
        b">10.1142/S021797921244002X 10.48550/ARXIV.1201.4869</arxiv:doi>",
    )

    work = works(parse(data))["1201.4869"]

    assert work.doi == "10.1142/s021797921244002x"


def test_primary_category_comes_first_wherever_it_is_listed(fixture_bytes) -> None:
    # Constructed: in every real entry the primary is also the first
    # <category>; here the real 2026 entry's primary is its second one.
    data = fixture_bytes(NICOTINE_2026).replace(
        b'<arxiv:primary_category term="cond-mat.mes-hall"/>\n'
        b"    <arxiv:journal_ref>Journal of Applied Physics 116",
        b'<arxiv:primary_category term="physics.comp-ph"/>\n'
        b"    <arxiv:journal_ref>Journal of Applied Physics 116",
    )

    work = works(parse(data))["1509.01687"]

    assert work.categories == ("physics.comp-ph", "cond-mat.mes-hall")


def test_acm_and_msc_classes_are_kept_in_categories(fixture_bytes) -> None:
    # Constructed: no fixture carries ACM/MSC classes; two are added to a
    # real 2025 entry the way arXiv lists them (as <category> terms).
    scheme = b' scheme="http://arxiv.org/schemas/atom"/>'
    data = fixture_bytes(CS_RO_2025).replace(
        b'<category term="eess.SY"' + scheme,
        b'<category term="eess.SY"' + scheme + b'\n    <category term="68T40"'
        b" " + scheme + b'\n    <category term="I.2.9"' + scheme,
    )

    work = works(parse(data))["2510.14968"]

    assert work.categories[-2:] == ("68T40", "I.2.9")
    assert work.categories[0] == "cs.RO"


# --- hostile and broken payloads ----------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE feed [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&lol9;</title></entry></feed>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&x;</title></entry></feed>
"""


def test_entity_bomb_is_refused_unexpanded() -> None:
    with pytest.raises(SourceError) as raised:
        parse(BILLION_LAUGHS)

    assert isinstance(raised.value.__cause__, DefusedXmlException)
    assert "lollol" not in str(raised.value)


def test_entity_bomb_in_an_envelope_is_refused() -> None:
    data = json.dumps(
        {"url": "x", "status_code": 200, "body": BILLION_LAUGHS.decode()}
    ).encode()

    with pytest.raises(SourceError):
        parse(data)


def test_external_entity_is_refused_unread() -> None:
    with pytest.raises(SourceError) as raised:
        parse(EXTERNAL_ENTITY)

    assert isinstance(raised.value.__cause__, DefusedXmlException)
    assert "root:" not in str(raised.value)


@pytest.mark.parametrize(
    "data",
    [
        b"Rate exceeded.",
        b"",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>",
    ],
    ids=["text", "empty", "binary", "truncated"],
)
def test_bytes_that_are_not_xml_raise_source_error(data) -> None:
    with pytest.raises(SourceError, match="not well-formed XML"):
        parse(data)


def test_xml_that_is_not_an_atom_feed_raises_source_error() -> None:
    with pytest.raises(SourceError, match="not an Atom feed"):
        parse(b"<html><body>Service unavailable</body></html>")


@pytest.mark.parametrize(
    "data",
    [b"{not json", b'{"url": "https://export.arxiv.org/api/query"}', b'{"body": 5}'],
    ids=["not-json", "no-body", "body-not-text"],
)
def test_bytes_that_only_look_like_an_envelope_raise_source_error(data) -> None:
    with pytest.raises(SourceError, match="not a recorded API call envelope"):
        parse(data)


# --- payload hash -------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "external_id"),
    [
        (DEL_MAESTRO_2016, DEL_MAESTRO_ANDNOT_2016, "1201.4869"),
        (
            DEL_MAESTRO_2016,
            "arxiv_api/au_del_maestro_and_ti_checkerboard_2016.xml",
            "cond-mat/0603029",
        ),
        (
            "arxiv_api/id_list_1111.2011v2.xml",
            "arxiv_api/au_del_maestro_and_ti_quantum_criticality.xml",
            "1111.2011",
        ),
        (
            "arxiv_api/recorded/id_1707.08567_s0_m100_6a1afebfc6a3.json",
            "arxiv_api/recorded/id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json",
            "1707.08567",
        ),
    ],
)
def test_same_entry_in_two_recordings_has_one_payload_hash(
    fixture_bytes, first, second, external_id
) -> None:
    a = entry_of(fixture_bytes, first, external_id)
    b = entry_of(fixture_bytes, second, external_id)

    assert a.payload_hash == b.payload_hash


def test_envelope_and_its_raw_body_have_one_payload_hash(fixture_bytes) -> None:
    data = fixture_bytes(ASTRO_PH_2026)
    raw, _status = unwrap(data)

    [from_envelope] = parse(data).records
    [from_raw] = parse(raw).records

    assert from_envelope.payload_hash == from_raw.payload_hash


def test_payload_hash_ignores_namespace_placement_and_element_order(
    fixture_bytes,
) -> None:
    # Constructed from the real 2016 bytes: re-serialised with every
    # namespace declared on the root (as in 2026) and each entry's elements
    # in reverse order, authors kept in their order.
    data = fixture_bytes(DEL_MAESTRO_2016)
    root = fromstring(data)
    for element in root.iter(f"{ATOM}entry"):
        children = list(element)
        authors = [c for c in children if c.tag == f"{ATOM}author"]
        for child in children:
            element.remove(child)
        element.extend(reversed([c for c in children if c not in authors]))
        element.extend(authors)
    reshaped = tostring(root, encoding="utf-8")
    root_tag = reshaped.split(b">", 1)[0]
    assert root_tag.count(b"xmlns:") == 3  # Atom, OpenSearch, arxiv: on the root

    original = works(parse(data))
    reparsed = works(parse(reshaped))

    assert {k: w.payload_hash for k, w in reparsed.items()} == {
        k: w.payload_hash for k, w in original.items()
    }


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            b"<title>A Luttinger Liquid Core Inside Helium-4 Filled Nanopores</title>",
            b"<title>A Luttinger Liquid Core Inside Helium-4 Nanopores</title>",
        ),
        (b">26 pages, 10 figures<", b">27 pages, 10 figures<"),
        (
            b"<updated>2012-01-23T21:15:02Z</updated>\n    <published>",
            b"<updated>2012-02-01T10:00:00Z</updated>\n    <published>",
        ),
    ],
    ids=["title", "comment", "updated"],
)
def test_payload_hash_changes_when_a_field_changes(fixture_bytes, old, new) -> None:
    data = fixture_bytes(DEL_MAESTRO_2016)
    assert data.count(old) == 1
    edited = data.replace(old, new)

    before = works(parse(data))["1201.4869"]
    after = works(parse(edited))["1201.4869"]

    assert before.payload_hash != after.payload_hash
