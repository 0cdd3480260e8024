"""publications.sources.arxiv_snapshot on real lines of the bulk snapshot.

Lines come from tests/fixtures/arxiv_snapshot/ (the first 200 lines of the
Kaggle snapshot, in its 2023 and 2025 copies; see SOURCES.md there). Where a
test needs a shape those lines do not have (an old-style id, TeX left in
``authors_parsed``, a broken line), it builds it from a real line and says so.
"""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import json
from datetime import UTC, date
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from publications.names import (
    display_name,
    latex_to_unicode,
    latex_to_unicode_paragraphs,
)
from publications.sources.arxiv_snapshot import (
    _version_date,
    iter_lines,
    parse_line,
    read_pages,
)
from publications.sources.base import (
    ParsedWork,
    ParseFailure,
    SourceError,
    parsed_fields_hash,
)

SNAPSHOT = Path(__file__).resolve().parents[2] / "fixtures" / "arxiv_snapshot"
COPY_2023 = (
    SNAPSHOT
    / "wanng-ide_arxivSpider_mnbvc"
    / "arxiv-metadata-oai-snapshot_first200.jsonl"
)
COPY_2025 = (
    SNAPSHOT
    / "Sharath-1736_Embedding-VecSearch"
    / "arxiv-metadata-oai-snapshot_first200_2025.jsonl"
)
LINES = COPY_2023.read_bytes().splitlines(keepends=True)


def line(arxiv_id: str) -> bytes:
    """The real line of one record (0704.0001 is line 1, 0704.0200 line 200)."""
    return LINES[int(arxiv_id.split(".")[1]) - 1]


def parsed(arxiv_id: str) -> ParsedWork:
    record = parse_line(line(arxiv_id))
    assert isinstance(record, ParsedWork), record
    return record


def edited(arxiv_id: str, **changes) -> bytes:
    """A real line with some fields replaced (for shapes the sample lacks)."""
    record = json.loads(line(arxiv_id))
    record.update(changes)
    return json.dumps(record).encode() + b"\n"


# --- fields, one by one -------------------------------------------------------


def test_every_real_line_parses() -> None:
    records = [parse_line(data, line_number=n) for n, data in enumerate(LINES, 1)]

    assert [type(r) for r in records] == [ParsedWork] * 200
    assert [r.arxiv_id for r in records] == [f"0704.{n:04d}" for n in range(1, 201)]


def test_new_style_id_is_the_external_id_and_arxiv_id() -> None:
    work = parsed("0704.0001")

    assert (work.source, work.external_id, work.arxiv_id) == (
        "arxiv-snapshot",
        "0704.0001",
        "0704.0001",
    )


def test_old_style_id_is_read() -> None:
    # No old-style id among the first 200 lines: a real line with its id changed.
    work = parse_line(edited("0704.0002", id="math.GT/0309136"))

    assert (work.external_id, work.arxiv_id) == ("math.GT/0309136", "math.GT/0309136")
    assert work.abs_url == "https://arxiv.org/abs/math.GT/0309136v2"


def test_title_keeps_its_raw_form_and_shows_on_one_line() -> None:
    work = parsed("0704.0001")

    assert work.title_raw == (
        "Calculation of prompt diphoton production cross sections at Tevatron and"
        "\n  LHC energies"
    )
    assert work.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and "
        "LHC energies"
    )


def test_abstract_tex_is_shown_in_unicode_and_kept_raw() -> None:
    work = parsed("0704.0002")

    assert work.abstract_raw.startswith(
        "  We describe a new algorithm, the $(k,\\ell)$"
    )
    assert work.abstract.startswith(
        "We describe a new algorithm, the (k,\N{SCRIPT SMALL L})-pebble"
    )


def test_names_come_from_authors_parsed_not_the_tex_string() -> None:
    # "authors" says C. Bal\'azs; authors_parsed says Balázs.
    work = parsed("0704.0001")

    assert [(a.position, a.raw_name, a.name) for a in work.authorships] == [
        (1, "C. Balázs", "C. Balázs"),
        (2, "E. L. Berger", "E. L. Berger"),
        (3, "P. M. Nadolsky", "P. M. Nadolsky"),
        (4, "C. -P. Yuan", "C. -P. Yuan"),
    ]


def test_suffix_follows_the_last_name() -> None:
    work = parsed("0704.0009")

    assert work.authorships[5].raw_name == "Neal J. Evans II"


def test_tex_left_in_authors_parsed_is_shown_in_unicode() -> None:
    # The sample's parsed names are all Unicode; real snapshots still carry
    # TeX in some. A real line with one such name put in.
    work = parse_line(edited("0704.0002", authors_parsed=[['M\\"uller', "Thomas", ""]]))

    assert work.authorships[0].raw_name == 'Thomas M\\"uller'
    assert work.authorships[0].name == "Thomas Müller"


def test_affiliations_after_the_suffix_become_raw_affiliations() -> None:
    work = parsed("0704.0163")

    assert work.authorships[0].raw_name == "Peter Brommer"
    assert work.authorships[0].raw_affiliations == (
        "Institut für Theoretische und Angewandte Physik, Universität Stuttgart",
    )


def test_every_version_is_kept_with_its_date() -> None:
    work = parsed("0704.0001")

    assert work.versions == ((1, date(2007, 4, 2)), (2, date(2007, 7, 24)))
    assert (work.published, work.updated, work.arxiv_version) == (
        date(2007, 4, 2),
        date(2007, 7, 24),
        2,
    )
    assert work.pdf_url == "https://arxiv.org/pdf/0704.0001v2"


def test_single_version_is_published_and_updated_the_same_day() -> None:
    work = parsed("0704.0009")

    assert work.versions == ((1, date(2007, 4, 2)),)
    assert work.published == work.updated == date(2007, 4, 2)


def test_five_versions_in_order() -> None:
    work = parsed("0704.0064")

    assert [number for number, _ in work.versions] == [1, 2, 3, 4, 5]
    assert work.updated == work.versions[-1][1]


def test_categories_are_split_primary_first() -> None:
    assert parsed("0704.0002").categories == ("math.CO", "cs.CG")
    assert parsed("0704.0001").categories == ("hep-ph",)


def test_doi_is_lower_cased() -> None:
    assert parsed("0704.0001").doi == "10.1103/physrevd.76.013009"


def test_first_of_several_dois_is_the_article_s_own() -> None:
    assert parsed("0704.0033").doi == "10.1364/josaa.23.002578"


def test_null_fields_are_empty() -> None:
    work = parsed("0704.0002")

    assert (work.doi, work.journal_ref) == ("", "")
    assert work.work_type == "preprint"


def test_journal_ref_makes_an_article() -> None:
    work = parsed("0704.0001")

    assert (work.journal_ref, work.work_type) == ("Phys.Rev.D76:013009,2007", "article")
    assert work.comments == "37 pages, 15 figures; published version"


# --- payload hash -------------------------------------------------------------


def test_hash_is_of_the_parsed_fields_so_a_reserialised_line_is_unchanged() -> None:
    # Line 163 differs byte-wise between the 2023 and 2025 copies, not in content.
    newer = COPY_2025.read_bytes().splitlines()[162]
    assert newer != line("0704.0163").rstrip(b"\n")

    assert parse_line(newer).payload_hash == parsed("0704.0163").payload_hash


def test_hash_is_parsed_fields_hash_of_the_fields_on_every_line() -> None:
    # The parser hashes plain lists and strings, for speed; the digest must
    # stay the one parsed_fields_hash gives (stored hashes would all differ).
    for data in LINES:
        record = parse_line(data)
        fields = {name: getattr(record, name) for name in HASHED_FIELDS}

        assert record.payload_hash == parsed_fields_hash(fields), record.arxiv_id


def test_records_are_the_parsed_works_their_fields_make_on_every_line() -> None:
    # parse_line fills the frozen dataclass without its __init__, for speed.
    for data in LINES:
        record = parse_line(data)
        fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
        made = ParsedWork(**fields)

        assert record == made, record.arxiv_id
        assert vars(record) == vars(made)
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.title = "changed"


HASHED_FIELDS = (
    "source",
    "external_id",
    "title",
    "title_raw",
    "abstract",
    "abstract_raw",
    "work_type",
    "published",
    "updated",
    "arxiv_id",
    "arxiv_version",
    "doi",
    "journal_ref",
    "comments",
    "categories",
    "abs_url",
    "pdf_url",
    "authorships",
    "versions",
)


def test_tex_is_converted_as_publications_names_converts_it() -> None:
    for data in LINES:
        record = parse_line(data)

        assert record.title == latex_to_unicode(record.title_raw)
        assert record.abstract == latex_to_unicode_paragraphs(record.abstract_raw)
        assert [a.name for a in record.authorships] == [
            display_name(a.raw_name) for a in record.authorships
        ]


@pytest.mark.parametrize(
    "created",
    [
        "Mon, 2 Apr 2007 19:18:42 GMT",
        "Sat, 31 Dec 2011 23:59:59 GMT",
        "Mon, 2 Apr 2007 23:30:00 -0500",  # not GMT: the general parser
        "2 Apr 2007 19:18:42 GMT",
    ],
)
def test_version_dates_are_the_utc_day(created) -> None:
    expected = parsedate_to_datetime(created).astimezone(UTC).date()

    assert _version_date(created, "0704.0001") == expected


def test_impossible_version_date_is_a_failure() -> None:
    record = json.loads(line("0704.0009"))
    record["versions"][0]["created"] = "Fri, 30 Feb 2007 10:00:00 GMT"

    failure = parse_line(json.dumps(record).encode())

    assert isinstance(failure, ParseFailure)
    assert "bad version date" in failure.error


def test_hash_changes_when_a_version_is_added() -> None:
    record = json.loads(line("0704.0009"))
    record["versions"].append(
        {"version": "v2", "created": "Fri, 6 Apr 2007 10:00:00 GMT"}
    )

    changed = parse_line(json.dumps(record).encode())

    assert changed.payload_hash != parsed("0704.0009").payload_hash


# --- malformed lines ----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (line("0704.0001")[:300], "line 7: "),
        (b"[1, 2]", "JSON list, not object"),
        (edited("0704.0002", id="not an id"), "not an arXiv id"),
        (edited("0704.0002", title="  "), "has no title"),
        (edited("0704.0002", versions=[]), "has no versions"),
        (
            edited("0704.0002", versions=[{"version": "v1", "created": "yesterday"}]),
            "bad version date 'yesterday'",
        ),
        (edited("0704.0002", authors_parsed=[]), "has no authors"),
        (edited("0704.0002", authors_parsed=[["", "", ""]]), "author 1 has no name"),
        (edited("0704.0002", doi=7), "doi is a int"),
        (b"\xff\xfe not utf-8", "line 7: "),
        # A lone surrogate, which PostgreSQL could not store.
        (line("0704.0001").replace(b'"title":"', b'"title":"\\ud800', 1), "line 7: "),
    ],
)
def test_malformed_line_is_a_failure_with_its_line_and_number(data, message) -> None:
    failure = parse_line(data, line_number=7)

    assert isinstance(failure, ParseFailure)
    assert failure.error.startswith("line 7: ")
    assert message in failure.error
    assert failure.payload == data.decode("utf-8", "replace")


def test_failure_names_the_record_when_its_id_was_read() -> None:
    failure = parse_line(edited("0704.0002", versions=None), line_number=2)

    assert failure.external_id == "0704.0002"


def test_failure_of_an_unreadable_line_is_named_by_its_number() -> None:
    assert parse_line(b"{", line_number=12).external_id == "line 12"


# --- files: plain, gzipped, paged ---------------------------------------------


def test_gzipped_file_reads_like_the_plain_one(tmp_path) -> None:
    packed = tmp_path / "snapshot.json"  # named without .gz: the content decides
    packed.write_bytes(gzip.compress(COPY_2023.read_bytes()))

    assert list(iter_lines(str(packed))) == list(iter_lines(str(COPY_2023)))


def test_lines_are_numbered_from_one_and_blank_ones_skipped(tmp_path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(LINES[0] + b"\n" + LINES[1])

    assert [n for n, _ in iter_lines(str(path))] == [1, 3]


def test_skip_reads_past_the_first_lines(tmp_path) -> None:
    assert [n for n, _ in iter_lines(str(COPY_2023), skip=198)] == [199, 200]


def test_over_long_line_is_cut_and_fails_alone(tmp_path, settings) -> None:
    settings.IMPORT_MAX_PAYLOAD_BYTES = 1600
    path = tmp_path / "s.jsonl"
    path.write_bytes(LINES[0] + LINES[1] + LINES[2])  # line 1 is 1,689 bytes

    pages = list(read_pages([str(path)]))

    records = pages[0].records
    assert isinstance(records[0], ParseFailure)
    assert [r.arxiv_id for r in records[1:]] == ["0704.0002", "0704.0003"]


def test_missing_file_is_a_source_error(tmp_path) -> None:
    with pytest.raises(SourceError, match="No such file"):
        list(iter_lines(str(tmp_path / "absent.jsonl")))


def test_truncated_gzip_is_a_source_error(tmp_path) -> None:
    path = tmp_path / "s.jsonl.gz"
    path.write_bytes(gzip.compress(COPY_2023.read_bytes())[:5000])

    with pytest.raises(SourceError):
        list(iter_lines(str(path)))


def test_pages_carry_where_they_end_and_do_not_span_files() -> None:
    pages = list(read_pages([str(COPY_2023), str(COPY_2025)], page_size=80))

    assert [(len(p.records), p.checkpoint) for p in pages] == [
        (80, {"file_index": 0, "line": 80}),
        (80, {"file_index": 0, "line": 160}),
        (40, {"file_index": 0, "line": 200}),
        (80, {"file_index": 1, "line": 80}),
        (80, {"file_index": 1, "line": 160}),
        (40, {"file_index": 1, "line": 200}),
    ]


def test_pages_start_from_a_checkpoint() -> None:
    pages = list(
        read_pages(
            [str(COPY_2023), str(COPY_2025)], page_size=80, file_index=0, line=160
        )
    )

    assert pages[0].records[0].arxiv_id == "0704.0161"
    assert [p.checkpoint for p in pages][:2] == [
        {"file_index": 0, "line": 200},
        {"file_index": 1, "line": 80},
    ]


def test_failure_in_a_file_names_the_file(tmp_path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(LINES[0] + b"{broken\n")

    [page] = read_pages([str(path)])

    assert page.records[1].error.startswith(f"{path}: line 2: ")


def test_parsing_in_worker_processes_gives_the_same_pages() -> None:
    paths = [str(COPY_2023), str(COPY_2025)]
    inline = list(read_pages(paths, page_size=70, line=30))

    pooled = list(read_pages(paths, page_size=70, line=30, workers=2))

    assert [(p.checkpoint, p.records) for p in pooled] == [
        (p.checkpoint, p.records) for p in inline
    ]


def numbers_sent_with_what_was_seen(
    numbered: list, records: list, known: object
) -> tuple[list, list]:
    """A prepare function: each record sent as its line's number, with what
    it was given."""
    return [n for n, _ in numbered], [
        (getattr(r, "external_id", None), known) for r in records
    ]


def lines_counted(numbered: list) -> int:
    return len(numbered)


def refusing(numbered: list, records: list, known: object) -> tuple[list, list]:
    raise RuntimeError("a bug in preparing")


@pytest.mark.parametrize("workers", [0, 2])
def test_pages_carry_what_prepare_made_of_them_with_what_look_up_found(
    workers: int,
) -> None:
    pages = list(
        read_pages(
            [str(COPY_2023)],
            page_size=150,
            workers=workers,
            prepare=numbers_sent_with_what_was_seen,
            look_up=lines_counted,
        )
    )
    parsed = next(read_pages([str(COPY_2023)], page_size=200)).records

    assert [len(p.prepared) for p in pages] == [150, 50]
    assert pages[1].records == list(range(151, 201))
    assert pages[1].prepared[0] == (parsed[150].external_id, 50)


@pytest.mark.parametrize("workers", [0, 2])
def test_a_page_that_cannot_be_prepared_still_comes_with_its_records(
    workers: int,
) -> None:
    [page] = read_pages(
        [str(COPY_2023)], page_size=200, workers=workers, prepare=refusing
    )

    assert page.prepared is None
    assert len(page.records) == 200


def test_worker_processes_end_the_run_after_the_pages_before_a_missing_file(
    tmp_path,
) -> None:
    pages = read_pages(
        [str(COPY_2023), str(tmp_path / "absent.jsonl")], page_size=80, workers=2
    )

    assert [p.checkpoint["line"] for p in itertools.islice(pages, 3)] == [
        80,
        160,
        200,
    ]
    with pytest.raises(SourceError, match=r"absent\.jsonl"):
        next(pages)
