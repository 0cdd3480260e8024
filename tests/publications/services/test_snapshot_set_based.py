"""The snapshot's set-based writer on PostgreSQL (services/snapshot_bulk.py).

Its promise is to write what the standard path (works_ingest, record by
record) writes, faster: most tests load the same lines both ways and
compare every row. They need PostgreSQL (COPY, unnest, ON CONFLICT); on
the SQLite default they are skipped, and CI runs them in its PostgreSQL
pass (.ci/run sets DATABASE_URL). Lines are the 200 real ones of
tests/fixtures/arxiv_snapshot/, edited where a test needs a shape they lack,
and lines from scripts/generate_snapshot.py.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import DataError, connection
from django.test.utils import CaptureQueriesContext

from publications.models import (
    Affiliation,
    Author,
    AuthorAlias,
    Authorship,
    ImportRun,
    Institution,
    SourceRecord,
    Topic,
    Work,
    WorkIdentifier,
    WorkTopic,
    WorkVersion,
)
from publications.names import name_key
from publications.services import snapshot_bulk
from publications.services.counters import authors_recount
from publications.services.import_runs import (
    import_run_create,
    import_run_execute,
    import_run_resume,
)
from publications.signals import authors_changed
from publications.sources.arxiv_snapshot import parse_line
from publications.sources.base import ParsedWork
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    TopicFactory,
    WorkFactory,
    WorkTopicFactory,
)

pytestmark = pytest.mark.django_db

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the set-based path writes with PostgreSQL's COPY; on SQLite "
    "snapshot runs take the standard path (CI runs these on PostgreSQL)",
)

SNAPSHOT = Path(__file__).resolve().parents[2] / "fixtures" / "arxiv_snapshot"
COPY_2023 = (
    SNAPSHOT
    / "wanng-ide_arxivSpider_mnbvc"
    / "arxiv-metadata-oai-snapshot_first200.jsonl"
)
LINES = COPY_2023.read_bytes().splitlines(keepends=True)


def generated_lines(count: int, seed: int = 3) -> list[bytes]:
    spec = importlib.util.spec_from_file_location(
        "generate_snapshot",
        Path(__file__).resolve().parents[3] / "scripts" / "generate_snapshot.py",
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [json.dumps(r).encode() + b"\n" for r in module.generate(count, seed)]


def edited(index: int, **changes) -> bytes:
    record = json.loads(LINES[index])
    record.update(changes)
    return json.dumps(record).encode() + b"\n"


def write(tmp_path: Path, lines: list[bytes], name: str = "s.jsonl") -> str:
    path = tmp_path / name
    path.write_bytes(b"".join(lines))
    return str(path)


def load(path: str, *, standard: bool = False, page_size: int = 50) -> ImportRun:
    parameters = {"files": [path], "page_size": page_size}
    if standard:
        parameters["standard_path"] = True
    run = import_run_create(source="arxiv-snapshot", parameters=parameters)
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def counts(run: ImportRun) -> tuple[int, int, int, int, int]:
    return (run.seen, run.created, run.updated, run.unchanged, run.failed)


def paths(run: ImportRun) -> dict[str, int]:
    return run.checkpoint.get("paths", {})


def wipe() -> None:
    for model in (Work, Author, Topic, Institution, SourceRecord, ImportRun):
        model.objects.all().delete()


def table(queryset, *fields) -> list:
    return sorted((tuple(row) for row in queryset.values_list(*fields)), key=repr)


WORK_FIELDS = [
    f.name
    for f in Work._meta.concrete_fields
    if f.name not in ("id", "created_at", "modified_at")
]


def everything(*, authors: bool = True) -> dict[str, list]:
    """Every row an import writes, without ids, to compare two imports.

    Authorships compare by their author's name key and by whether their
    author was made for them ("new"): how an existing author was chosen
    (attribution, confidence) is what the two paths decide differently.
    The set-based path takes the author with the same name; the standard
    path weighs evidence (publications.services.identity), which on the
    real lines picks the same authors, and on generated ones, whose few
    names recur across unrelated works, often does not: ``authors=False``
    leaves out what depends on that choice.
    """
    if not authors:
        rows = everything()
        for name in ("authors", "aliases", "affiliations"):
            del rows[name]
        # Without the author's name key and "new".
        rows["authorships"] = [(*row[:6], row[7]) for row in rows["authorships"]]
        return rows
    return {
        "works": table(Work.objects, *WORK_FIELDS),
        "identifiers": table(
            WorkIdentifier.objects, "scheme", "value", "work__arxiv_id"
        ),
        "versions": table(
            WorkVersion.objects, "work__arxiv_id", "version", "submitted"
        ),
        "work topics": table(
            WorkTopic.objects,
            "work__arxiv_id",
            "topic__code",
            "position",
            "is_primary",
        ),
        "topics": table(Topic.objects, "scheme", "code", "name", "parent"),
        "authorships": [
            (*row[:-1], row[-1] == Authorship.Attribution.NEW)
            for row in table(
                Authorship.objects,
                "work__arxiv_id",
                "position",
                "raw_name",
                "name",
                "raw_affiliations",
                "identifiers",
                "author__name_key",
                "locked",
                "attribution",
            )
        ],
        "authors": table(
            Author.objects,
            "name_key",
            "display_name",
            "display_name_chosen",
            "headline",
            "merged_into",
            "works_count",
            "topics_count",
            "collaborators_count",
        ),
        "aliases": table(
            AuthorAlias.objects, "author__name_key", "name", "name_key", "hidden"
        ),
        "institutions": table(
            Institution.objects, "name", "name_key", "ror_id", "country_code"
        ),
        "affiliations": table(
            Affiliation.objects,
            "author__name_key",
            "institution__name_key",
            "start_year",
            "end_year",
        ),
        "source records": table(
            SourceRecord.objects,
            "source",
            "external_id",
            "payload_hash",
            "work__arxiv_id",
            "author",
            "extra",
        ),
    }


def both_ways(
    path: str, *, authors: bool = True, page_size: int = 50
) -> tuple[dict, dict, ImportRun]:
    """Rows of the standard path, then of the set-based path, on one file."""
    standard = load(path, standard=True, page_size=page_size)
    assert "paths" not in standard.checkpoint
    expected = everything(authors=authors)
    wipe()
    run = load(path, page_size=page_size)
    return expected, everything(authors=authors), run


# --- the same rows ---------------------------------------------------------------


@postgresql
def test_the_200_real_lines_make_the_rows_of_the_standard_path() -> None:
    expected, written, run = both_ways(str(COPY_2023))

    assert counts(run) == (200, 200, 0, 0, 0)
    assert paths(run) == {
        "set_based": 200,
        "standard": 0,
        "skipped": 0,
        "retried_pages": 0,
    }
    assert written == expected
    assert written["affiliations"]  # the real lines carry some


@postgresql
def test_generated_lines_make_the_rows_of_the_standard_path(tmp_path) -> None:
    # Generated names recur across works and carry TeX and affiliations.
    path = write(tmp_path, generated_lines(150))

    expected, written, run = both_ways(path, authors=False)

    assert paths(run)["set_based"] == 150
    assert written == expected


@postgresql
def test_set_based_authors_are_chosen_by_exact_name_and_say_so(tmp_path) -> None:
    load(write(tmp_path, generated_lines(150)))

    rows = Authorship.objects.select_related("author")
    assert {a.attribution for a in rows} == {"name", "new"}
    for authorship in rows:
        assert authorship.author.name_key == name_key(authorship.name)
        assert authorship.attribution_detail == {"name_key": name_key(authorship.name)}
    assert (
        Author.objects.values("name_key").distinct().count() == Author.objects.count()
    )
    # Each (author, institution) spans the years of the works that name it.
    years: dict[tuple[str, str], list[int]] = {}
    for authorship in rows.select_related("work"):
        for raw in authorship.raw_affiliations:
            key = (authorship.author.name_key, name_key(raw))
            years.setdefault(key, []).append(authorship.work.year)
    assert years
    assert {key: [min(found), max(found)] for key, found in years.items()} == {
        (a.author.name_key, a.institution.name_key): [a.start_year, a.end_year]
        for a in Affiliation.objects.select_related("author", "institution")
    }


@postgresql
def test_affiliation_years_widen_over_the_pages(tmp_path) -> None:
    def on(index: int, day: str) -> bytes:
        return edited(
            index,
            authors_parsed=[["Streinu", "Ileana", "", "CERN"]],
            versions=[{"version": "v1", "created": f"{day} 10:00:00 GMT"}],
        )

    path = write(
        tmp_path,
        [
            on(0, "Mon, 2 Apr 2010"),
            on(1, "Mon, 3 Apr 2006"),
            on(2, "Mon, 2 Apr 2012"),
            on(3, "Mon, 2 Apr 2008"),
        ],
    )

    expected, written, _ = both_ways(path, page_size=1)

    assert written == expected
    assert written["affiliations"] == [("ileana streinu", "cern", 2006, 2012)]


@postgresql
def test_records_sharing_a_doi_take_the_standard_path(tmp_path) -> None:
    # Two preprints naming one DOI: the standard path decides who keeps it.
    shared = "10.1000/one.journal.article"
    path = write(
        tmp_path,
        [LINES[0], edited(1, doi=shared), LINES[2], edited(3, doi=shared.upper())],
    )

    expected, written, run = both_ways(path)

    assert paths(run) == {
        "set_based": 2,
        "standard": 2,
        "skipped": 0,
        "retried_pages": 0,
    }
    assert written == expected


@postgresql
def test_records_of_the_standard_path_take_their_authors_by_name(tmp_path) -> None:
    # The second preprint names a DOI the first holds: it is written one by
    # one, and its authors are decided as the set-based rows' are.
    shared = "10.1000/one.journal.article"
    first = json.loads(LINES[0])
    path = write(
        tmp_path,
        [
            edited(0, doi=shared),
            edited(
                1,
                doi=shared,
                authors_parsed=[*first["authors_parsed"], ["Quinn", "Ada", ""]],
            ),
        ],
    )

    run = load(path, page_size=1)

    assert paths(run)["standard"] == 1
    rows = Authorship.objects.filter(work__source_records__import_run=run)
    assert rows.count() == 2 * len(first["authors_parsed"]) + 1
    for row in rows.select_related("author"):
        assert row.attribution_detail == {"name_key": name_key(row.name)}
        assert row.author.name_key == name_key(row.name)
    later = rows.filter(work__arxiv_id=json.loads(LINES[1])["id"])
    assert {row.attribution for row in later} == {"name", "new"}
    assert later.get(name="Ada Quinn").attribution == "new"
    assert Author.objects.count() == len(first["authors_parsed"]) + 1


def recount_statements(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "count(distinct" in q["sql"].lower()
    ]


@postgresql
def test_authors_of_standard_records_are_recounted_after_the_last_page(
    tmp_path,
) -> None:
    shared = "10.1000/one.journal.article"
    path = write(tmp_path, [LINES[0], edited(1, doi=shared), edited(3, doi=shared)])

    with CaptureQueriesContext(connection) as queries:
        run = load(path)

    assert paths(run)["standard"] == 2
    # The works they created are the run's: their authors are recounted
    # with the others after the last page, in one statement.
    [recount] = recount_statements(queries)
    assert recount.startswith("WITH c AS (SELECT ids.id")
    assert authors_recount(author_ids=Author.objects.values_list("pk", flat=True)) == 0


@postgresql
def test_authors_of_a_work_the_standard_path_updates_are_recounted_with_its_page(
    tmp_path,
) -> None:
    load(write(tmp_path, [LINES[0]]))
    first = json.loads(LINES[0])
    last = Authorship.objects.order_by("position").last()
    dropped = Author.objects.get(pk=last.author_id)
    assert dropped.works_count == 1
    # Another author list: the work is updated one by one (_updatable).
    changed = edited(0, authors_parsed=first["authors_parsed"][:-1])

    with CaptureQueriesContext(connection) as queries:
        run = load(write(tmp_path, [changed], name="changed.jsonl"))

    assert counts(run) == (1, 0, 1, 0, 0)
    assert paths(run)["standard"] == 1
    [recount] = recount_statements(queries)
    assert recount.startswith("WITH c AS (SELECT ids.id")
    dropped.refresh_from_db()
    assert dropped.works_count == 0
    assert authors_recount(author_ids=Author.objects.values_list("pk", flat=True)) == 0


# --- loading again -------------------------------------------------------------


@postgresql
def test_loading_again_changes_nothing() -> None:
    load(str(COPY_2023))
    before = everything()

    run = load(str(COPY_2023))

    assert counts(run) == (200, 0, 0, 200, 0)
    assert paths(run)["skipped"] == 200
    assert everything() == before


@postgresql
def test_records_already_stored_are_not_prepared_for_writing() -> None:
    load(str(COPY_2023))
    lines = list(LINES)
    lines[4] = edited(4, title="A corrected title")  # stored: standard path
    lines[7] = edited(7, id="2611.00007", doi=None)  # not stored: new
    numbered = list(enumerate(lines, 1))

    stored = snapshot_bulk.page_look_up(numbered)
    records = page_records(lines)
    sent, prepared = snapshot_bulk.page_prepare(numbered, records, stored)

    assert len(stored) == 199
    assert [i for i, p in enumerate(prepared) if p is not None] == [7]
    assert prepared[7].work is not None
    # The changed record goes whole; the new and the unchanged ones as
    # PageRecords, which parse again to the same records.
    assert [i for i, r in enumerate(sent) if isinstance(r, ParsedWork)] == [4]
    assert sent[7].parsed() == records[7]
    assert sent[0].parsed() == records[0]
    # A line that does not start with its id is prepared, whatever is stored.
    assert snapshot_bulk.page_look_up([(1, b'{"title": "x", "id": "0704.0001"}')]) == {}


@postgresql
def test_page_records_the_writer_needs_whole_are_parsed_again() -> None:
    # Sent as PageRecords, as if nothing were stored: line 4 has changed
    # since the first load (an update, set-based) and lines 10 and 11 share
    # a DOI (the standard path); both need the records whole.
    run = import_run_create(
        source="arxiv-snapshot", parameters={"files": [str(COPY_2023)]}
    )
    first = page_records(LINES[:20])
    snapshot_bulk.snapshot_page_ingest(records=first[:10], import_run=run)
    lines = list(LINES[:20])
    lines[4] = edited(4, title="A corrected title")
    lines[10] = edited(10, doi="10.1234/shared")
    lines[11] = edited(11, doi="10.1234/shared")
    numbered = list(enumerate(lines, 1))
    sent, prepared = snapshot_bulk.page_prepare(numbered, page_records(lines), {})
    assert not any(isinstance(r, ParsedWork) for r in sent)

    counts = snapshot_bulk.snapshot_page_ingest(
        records=sent, import_run=run, prepared=prepared
    )

    assert (counts.created, counts.updated, counts.unchanged) == (10, 1, 9)
    assert (counts.paths.set_based, counts.paths.standard) == (9, 2)
    assert Work.objects.get(arxiv_id=json.loads(LINES[4])["id"]).title == (
        "A corrected title"
    )
    assert Work.objects.filter(doi="10.1234/shared").count() == 1
    assert WorkIdentifier.objects.filter(value="10.1234/shared").count() == 1


@postgresql
def test_pages_are_looked_up_less_while_they_find_nothing_stored(
    django_assert_num_queries,
) -> None:
    load(str(COPY_2023))
    stored = list(enumerate(LINES, 1))[:5]
    new = [(n, edited(n, id=f"2611.{n:05d}")) for n in range(5)]
    look_up = snapshot_bulk.PageLookUp()
    found = []
    with django_assert_num_queries(3):
        # New records: asked, then 7 pages not; stored ones: asked, and
        # asked again.
        for page in [new] * 8 + [stored, stored]:
            found.append(len(look_up(page)))

    assert found == [0] * 8 + [5, 5]


@postgresql
def test_a_record_prepared_by_nobody_is_prepared_by_the_writer() -> None:
    expected, _, _ = both_ways(str(COPY_2023))
    wipe()
    run = import_run_create(
        source="arxiv-snapshot", parameters={"files": [str(COPY_2023)]}
    )
    records = page_records(LINES)

    snapshot_bulk.snapshot_page_ingest(
        records=records, import_run=run, prepared=[None] * len(records)
    )
    snapshot_bulk.snapshot_run_finish(run=run)

    assert everything() == expected


def changed_lines() -> list[bytes]:
    """The real lines, some changed as a later snapshot changes them."""
    lines = list(LINES)
    record = json.loads(LINES[2])
    record["versions"].append(
        {"version": "v9", "created": "Mon, 2 Nov 2026 10:00:00 GMT"}
    )
    record["versions"][0]["created"] = "Tue, 3 Apr 2007 10:00:00 GMT"  # re-dated
    lines[2] = json.dumps(record).encode() + b"\n"
    lines[4] = edited(4, title="A corrected title", comments=None)  # one cleared
    lines[6] = edited(6, doi="10.1000/new.doi", **{"journal-ref": "J. Test 1 (2026)"})
    lines[8] = edited(8, categories="math.CO hep-th")  # topics replaced
    lines[10] = edited(10, abstract="An abstract rewritten, with $x^2$.")
    lines[12] = edited(12, authors_parsed=[["Newman", "A.", ""]])  # other authors
    lines[14] = edited(14, doi=json.loads(LINES[16])["doi"] or "10.1000/taken")
    return lines


@postgresql
def test_changed_records_are_updated_as_the_standard_path_updates_them(
    tmp_path,
) -> None:
    path = write(tmp_path, changed_lines())
    load(str(COPY_2023))
    load(path, standard=True)
    expected = everything()
    wipe()
    load(str(COPY_2023))

    run = load(path)

    assert counts(run) == (200, 0, 7, 193, 0)
    # The new author list is decided by evidence, record by record; so is
    # a DOI another work holds (when line 16 has one).
    standard = 1 + bool(json.loads(LINES[16])["doi"])
    assert paths(run) == {
        "set_based": 7 - standard,
        "standard": standard,
        "skipped": 193,
        "retried_pages": 0,
    }
    assert everything() == expected
    work = Work.objects.get(arxiv_id="0704.0005")
    assert (work.title, work.comments) == ("A corrected title", "")
    assert "comments" not in work.field_sources


@postgresql
def test_a_changed_record_of_a_work_another_source_also_wrote_is_not_updated_set_based(
    tmp_path,
) -> None:
    load(str(COPY_2023))
    work = Work.objects.get(arxiv_id="0704.0005")
    SourceRecord.objects.create(
        source="openalex", external_id="W1", work=work, fetched_at=work.created_at
    )
    Work.objects.filter(arxiv_id="0704.0007").update(field_sources={"title": "manual"})
    lines = list(LINES)
    lines[4] = edited(4, title="A corrected title")
    lines[6] = edited(6, title="Another corrected title")
    lines[8] = edited(8, title="A third corrected title")

    run = load(write(tmp_path, lines))

    assert counts(run) == (200, 0, 3, 197, 0)
    assert (paths(run)["set_based"], paths(run)["standard"]) == (1, 2)
    assert Work.objects.get(arxiv_id="0704.0009").title == "A third corrected title"


@postgresql
def test_a_work_another_source_wrote_keeps_its_hand_set_title() -> None:
    work = WorkFactory(
        arxiv_id="0704.0002", title="Set by hand", field_sources={"title": "manual"}
    )
    WorkIdentifier.objects.create(work=work, scheme="arxiv", value="0704.0002")

    run = load(str(COPY_2023))

    assert (paths(run)["standard"], paths(run)["set_based"]) == (1, 199)
    assert Work.objects.count() == 200
    work.refresh_from_db()
    assert work.title == "Set by hand"
    assert work.abstract.startswith("We describe a new algorithm")
    assert work.field_sources["abstract"] == "arxiv-snapshot"


# --- bad input -----------------------------------------------------------------


@postgresql
def test_a_malformed_line_is_a_failure_and_the_page_goes_on(tmp_path) -> None:
    path = write(tmp_path, [LINES[0], b'{"id": "0704.9999", "title"\n', LINES[1]])

    run = load(path)

    assert counts(run) == (3, 2, 0, 0, 1)
    assert paths(run)["set_based"] == 2
    assert run.failures.get().error.startswith(f"{path}: line 2: ")


@postgresql
def test_a_record_postgresql_would_refuse_fails_alone(tmp_path) -> None:
    record = json.loads(LINES[1])
    record["authors_parsed"][0][0] = "Streinu" * 50  # longer than a name may be
    path = write(tmp_path, [LINES[0], json.dumps(record).encode() + b"\n", LINES[2]])

    run = load(path)

    assert counts(run) == (3, 2, 0, 0, 1)
    assert paths(run) == {
        "set_based": 2,
        "standard": 1,
        "skipped": 0,
        "retried_pages": 0,
    }
    assert run.failures.get().external_id == "0704.0002"


@postgresql
def test_a_page_the_set_based_write_fails_is_written_record_by_record(
    monkeypatch,
) -> None:
    expected, _, _ = both_ways(str(COPY_2023))
    wipe()
    copy = snapshot_bulk._copy_lines

    def refusing(model, fields, lines):
        if model is Authorship:
            raise DataError("as a concurrent writer or a bad value would")
        copy(model, fields, lines)

    monkeypatch.setattr(snapshot_bulk, "_copy_lines", refusing)
    run = load(str(COPY_2023))

    assert counts(run) == (200, 200, 0, 0, 0)
    assert paths(run) == {
        "set_based": 0,
        "standard": 200,
        "skipped": 0,
        "retried_pages": 4,
    }
    assert everything() == expected
    # The failed savepoint took the skipped foreign key checks with it.
    assert _role() == "origin"
    assert _dangling_references() == []


class Killed(BaseException):
    """A worker dying mid-page (not an Exception: nothing may catch it)."""


def dies_on_call(monkeypatch, name: str, number: int):
    """``snapshot_bulk.<name>`` dying on its ``number``-th call; returns the
    function it replaced."""
    original, calls = getattr(snapshot_bulk, name), []

    def dying(*args, **kwargs):
        calls.append(1)
        if len(calls) == number:
            raise Killed
        return original(*args, **kwargs)

    monkeypatch.setattr(snapshot_bulk, name, dying)
    return original


def killed_run(path: str) -> ImportRun:
    """A run of pages of 50 lines, executed until it dies, as stored then."""
    run = import_run_create(
        source="arxiv-snapshot", parameters={"files": [path], "page_size": 50}
    )
    with pytest.raises(Killed):
        import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


@postgresql
def test_a_run_killed_while_writing_resumes_to_the_rows_of_a_whole_run(
    monkeypatch,
) -> None:
    load(str(COPY_2023))
    whole = everything()
    wipe()
    resolve = dies_on_call(monkeypatch, "_authors_resolve", 3)

    run = killed_run(str(COPY_2023))
    assert (run.status, run.checkpoint["line"], Work.objects.count()) == (
        ImportRun.Status.FAILED,
        100,
        100,
    )

    monkeypatch.setattr(snapshot_bulk, "_authors_resolve", resolve)
    import_run_execute(run_id=import_run_resume(run=run).pk)
    run.refresh_from_db()

    assert counts(run) == (200, 200, 0, 0, 0)
    assert run.checkpoint["paths"]["set_based"] == 200
    assert everything() == whole


# --- counters, signals, queries ------------------------------------------------


@postgresql
def test_counters_are_those_authors_recount_counts() -> None:
    load(str(COPY_2023))

    assert Author.objects.filter(works_count=0).count() == 0
    assert authors_recount(author_ids=Author.objects.values_list("pk", flat=True)) == 0


@postgresql
def test_the_one_statement_recount_counts_every_kind_of_work() -> None:
    """Works with no topics or no other author, an author printed twice
    on one work, an authorship without an author, and an author with no
    works left: the figures ``authors_recount`` gives, each."""
    alone, pair, other, left = AuthorFactory.create_batch(4)
    topic, second = TopicFactory(), TopicFactory()
    solo = WorkFactory()  # no topics, no other author
    AuthorshipFactory(work=solo, author=alone, position=1)
    shared = WorkFactory()
    WorkTopicFactory(work=shared, topic=topic)
    WorkTopicFactory(work=shared, topic=second, position=1, is_primary=False)
    for position, author in enumerate([alone, pair, other, pair], start=1):
        AuthorshipFactory(work=shared, author=author, position=position)
    AuthorshipFactory(
        work=shared, author=None, position=5, raw_name="Anon", name="Anon"
    )
    no_topic = WorkFactory()
    AuthorshipFactory(work=no_topic, author=pair, position=1)
    AuthorshipFactory(work=no_topic, author=other, position=2)
    Author.objects.filter(pk=left.pk).update(
        works_count=3, topics_count=2, collaborators_count=5
    )

    snapshot_bulk._authors_recount([alone.pk, pair.pk, other.pk, left.pk])

    counted = {
        a.pk: (a.works_count, a.topics_count, a.collaborators_count)
        for a in Author.objects.all()
    }
    assert counted == {
        alone.pk: (2, 2, 2),
        pair.pk: (2, 2, 2),
        other.pk: (2, 2, 2),
        left.pk: (0, 0, 0),
    }
    ids = list(counted)
    assert authors_recount(author_ids=ids) == 0


@contextmanager
def said_changed() -> Iterator[list[list[int]]]:
    """The author ids of each ``authors_changed`` sent meanwhile."""
    sent: list[list[int]] = []

    def receiver(sender, author_ids, **kwargs):
        sent.append(author_ids)

    authors_changed.connect(receiver)
    try:
        yield sent
    finally:
        authors_changed.disconnect(receiver)


@postgresql
def test_authors_changed_is_sent_after_the_last_page(
    django_capture_on_commit_callbacks,
) -> None:
    with said_changed() as sent, django_capture_on_commit_callbacks(execute=True):
        load(str(COPY_2023))

    # Once, not once a page (the run has four).
    assert sent == [sorted(Author.objects.values_list("pk", flat=True))]


@postgresql
def test_a_re_load_says_changed_only_the_authors_whose_figures_may_change(
    tmp_path, django_capture_on_commit_callbacks
) -> None:
    load(str(COPY_2023))
    lines = list(LINES)
    lines[4] = edited(4, title="A corrected title")  # same authors, topics
    lines[8] = edited(8, categories="math.CO")  # topics replaced

    with said_changed() as sent, django_capture_on_commit_callbacks(execute=True):
        run = load(write(tmp_path, lines))

    assert paths(run)["set_based"] == 2
    topics_changed = Work.objects.get(arxiv_id="0704.0009")
    assert sent == [
        sorted(topics_changed.authorships.values_list("author_id", flat=True))
    ]
    assert authors_recount(author_ids=Author.objects.values_list("pk", flat=True)) == 0


def page_records(lines: list[bytes]) -> list:
    return [parse_line(line, line_number=n) for n, line in enumerate(lines, 1)]


@postgresql
def test_queries_a_page_do_not_grow_with_its_size() -> None:
    # Each page has new and known authors, an affiliation and a DOI; topics
    # exist, so both pages take the same branches.
    run = import_run_create(
        source="arxiv-snapshot", parameters={"files": [str(COPY_2023)]}
    )
    lines = list(LINES)
    record = json.loads(lines[5])
    record["authors_parsed"][0].append("Harvard University")
    # ... and an author of the first page (known) beside its new ones.
    record["authors_parsed"].append(json.loads(lines[0])["authors_parsed"][0][:3])
    lines[5] = json.dumps(record).encode()
    records = page_records(lines)
    snapshot_bulk._topic_ids([c for r in records for c in r.categories])
    snapshot_bulk.snapshot_page_ingest(records=records[:5], import_run=run)
    numbers = []
    for page in (records[5:15], records[15:200]):
        with CaptureQueriesContext(connection) as queries:
            snapshot_bulk.snapshot_page_ingest(records=page, import_run=run)
        numbers.append(len(queries.captured_queries))

    # savepoint, sort (2), role, jit off, run lock, replica, ids (2), topics,
    # authors, 8 COPY, aliases, institutions (2), affiliations, references,
    # origin, release (the test database's role is a superuser)
    assert numbers[0] == numbers[1] == 26
    with CaptureQueriesContext(connection) as queries:
        counts = snapshot_bulk.snapshot_page_ingest(records=records, import_run=run)
    assert counts.unchanged == 200
    assert len(queries.captured_queries) == 3  # savepoint, source records, release


@postgresql
def test_a_run_keeps_the_statistics_of_the_tables_its_pages_read(
    tmp_path, monkeypatch
) -> None:
    """Each table a page reads, the per-record path's identity tables
    included, has statistics once the run has written a few works, whether
    or not autovacuum runs (it is off on some servers, and late on all)."""
    monkeypatch.setattr(snapshot_bulk, "STATISTICS_FIRST", 100)
    tables = [
        "publications_sourcerecord",
        "publications_workidentifier",
        "publications_author",
        "publications_authoralias",
        "publications_affiliation",
    ]
    load(write(tmp_path, generated_lines(300)), page_size=100)
    with connection.cursor() as cursor:
        # What ANALYZE found of each column (none before it ran).
        cursor.execute(
            "SELECT DISTINCT tablename FROM pg_stats WHERE tablename = ANY(%s)",
            [tables],
        )
        analyzed = {name for (name,) in cursor.fetchall()}
    assert analyzed == set(tables)


@postgresql
def test_page_look_ups_probe_an_index_whatever_the_table_holds(tmp_path) -> None:
    load(write(tmp_path, generated_lines(3000)), page_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # A page's keys, most of them not stored (as on a cold load).
    keys = [f"9{n:03d}.{n:05d}" for n in range(1000)] + ["0704.0001"]
    named = [((f"Name {k}", name_key(f"Name {k}")),) for k in keys]
    author_ids = list(Author.objects.values_list("pk", flat=True)[:500])
    run = ImportRun.objects.get()

    with CaptureQueriesContext(connection) as queries:
        snapshot_bulk._stored_hashes(keys)
        snapshot_bulk._identifier_owners([("arxiv", k) for k in keys])
        snapshot_bulk._authors_resolve(named)
        snapshot_bulk._plan_lock(
            SimpleNamespace(locks={"authors": author_ids, "topics": []}), run
        )
    look_ups = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(("SELECT", "WITH")) and "nextval(" not in q["sql"]
    ]
    plans = []
    with connection.cursor() as cursor:
        for sql in look_ups:
            cursor.execute("EXPLAIN " + sql)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))

    assert len(plans) == 4
    for plan in plans:
        for table in ("sourcerecord", "workidentifier", "author"):
            assert f"Seq Scan on publications_{table}" not in plan, plan


@postgresql
def test_queries_a_page_of_changed_records_do_not_grow_with_their_number() -> None:
    load(str(COPY_2023))
    run = import_run_create(
        source="arxiv-snapshot", parameters={"files": [str(COPY_2023)]}
    )
    numbers, lines = [], list(LINES)
    for changed in (range(4), range(100, 140)):
        for index in changed:
            lines[index] = edited(index, comments=f"changed {index}")
        with CaptureQueriesContext(connection) as queries:
            counts = snapshot_bulk.snapshot_page_ingest(
                records=page_records(lines), import_run=run
            )
        assert (counts.updated, counts.paths.set_based) == (len(changed),) * 2
        numbers.append(len(queries.captured_queries))

    # savepoint, sort (2), changed works (3), then locked (4), topics,
    # work, identifiers, versions, source records, references, release
    assert numbers[0] == numbers[1] == 17


@postgresql
def test_array_parameters_reach_postgresql_as_the_lists_they_were() -> None:
    texts = ['a "quoted" name', "back\\slash\\", "{braces}, commas", "", "NULL",
             "Ødegaard, É.", "tab\there", None]  # fmt: skip
    numbers = [1, None, 9_007_199_254_740_993, 0]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::text[], %s::bigint[]",
            [snapshot_bulk._text_array(texts), snapshot_bulk._int_array(numbers)],
        )
        assert cursor.fetchone() == (texts, numbers)
        cursor.execute(
            "SELECT %s::text[], %s::bigint[]",
            [snapshot_bulk._text_array([]), snapshot_bulk._int_array([])],
        )
        assert cursor.fetchone() == ([], [])


@postgresql
def test_copy_text_reaches_postgresql_as_the_values_it_was() -> None:
    values = [
        ("tab\there", "line\nbreak\r\n", "back\\slash \\N \\t", None, "Ødegaard"),
        (date(2007, 4, 2), 9_007_199_254_740_993, True, False, '{"k": "\\u00e9\\n"}'),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE copied (a text, b text, c text, d text, e text, "
            "f date, g bigint, h boolean, i boolean, j jsonb)"
        )
        line = "\t".join(map(snapshot_bulk._copy_text, values[0] + values[1]))
        with cursor.copy("COPY copied FROM STDIN") as copy:
            copy.write(line + "\n")
        cursor.execute("SELECT * FROM copied")
        row = cursor.fetchone()

    assert row[:9] == values[0] + values[1][:4]
    assert json.loads(row[9]) == {"k": "é\n"}
    with pytest.raises(TypeError):
        snapshot_bulk._copy_text(1.5)


def test_json_columns_are_written_as_json_dumps_writes_them() -> None:
    for value in (
        {"title": "arxiv"},
        ["cs.LG", "stat.ML"],
        [],
        {"a": [1, 2]},
        [[2020, 3]],
    ):
        assert snapshot_bulk._json(value) == json.dumps(value)
        assert snapshot_bulk._json(value) == json.dumps(value)  # cached


# --- which path ------------------------------------------------------------------


def test_snapshot_runs_are_set_based_on_postgresql_only(settings) -> None:
    run = ImportRun(source="arxiv-snapshot", parameters={"files": ["f"]})

    assert snapshot_bulk.set_based_applies(run) == (connection.vendor == "postgresql")
    run.parameters["standard_path"] = True
    assert not snapshot_bulk.set_based_applies(run)
    run.parameters = {"files": ["f"]}
    settings.SNAPSHOT_SET_BASED = False
    assert not snapshot_bulk.set_based_applies(run)
    settings.SNAPSHOT_SET_BASED = True
    assert not snapshot_bulk.set_based_applies(ImportRun(source="arxiv"))


def test_command_can_force_the_standard_path() -> None:
    call_command(
        "import",
        "arxiv-snapshot",
        "--file",
        str(COPY_2023),
        "--standard-path",
        stdout=StringIO(),
    )

    run = ImportRun.objects.get()
    assert run.parameters["standard_path"] is True
    assert "paths" not in run.checkpoint
    assert run.created == 200


# --- foreign key checks ------------------------------------------------------------


def _role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


def _dangling_references() -> list[str]:
    """Foreign keys of the tables a page writes that point at no row."""
    found = []
    for model in (WorkIdentifier, WorkVersion, WorkTopic, Authorship, SourceRecord):
        for field in model._meta.concrete_fields:
            if not field.is_relation:
                continue
            target = field.related_model
            dangling = (
                model.objects.exclude(**{f"{field.name}__isnull": True})
                .exclude(**{f"{field.attname}__in": target.objects.values("pk")})
                .count()
            )
            if dangling:
                found.append(f"{model.__name__}.{field.name}: {dangling}")
    return found


@postgresql
@pytest.mark.parametrize("skip", [True, False])
def test_foreign_key_checks_skipped_only_while_the_new_works_are_written(
    settings, skip
) -> None:
    settings.SNAPSHOT_SKIP_FOREIGN_KEY_CHECKS = skip
    run = import_run_create(
        source="arxiv-snapshot", parameters={"files": [str(COPY_2023)]}
    )
    records = page_records(LINES)
    with CaptureQueriesContext(connection) as queries:
        snapshot_bulk.snapshot_page_ingest(records=records[:20], import_run=run)
        snapshot_bulk.snapshot_page_ingest(records=records[20:], import_run=run)

    statements = [q["sql"] for q in queries.captured_queries]
    replica = [s for s in statements if "session_replication_role = replica" in s]
    assert len(replica) == (2 if skip else 0)
    assert _role() == "origin"
    assert Work.objects.count() == len(LINES)
    assert _dangling_references() == []


@postgresql
def test_a_page_commits_without_waiting_for_the_disk() -> None:
    # Its checkpoint is in the same transaction: a crash loses both.
    run = import_run_create(
        source="arxiv-snapshot", parameters={"files": [str(COPY_2023)]}
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"

        snapshot_bulk.snapshot_page_ingest(
            records=page_records(LINES[:10]), import_run=run
        )

        cursor.execute("SHOW synchronous_commit")  # until the page's commit
        assert cursor.fetchone()[0] == "off"


@postgresql
def test_a_role_that_may_not_skip_them_keeps_the_checks() -> None:
    run = import_run_create(
        source="arxiv-snapshot", parameters={"files": [str(COPY_2023)]}
    )
    assert snapshot_bulk._role_may_skip_triggers() is True  # the test role
    with connection.cursor() as cursor:
        # A plain role for the rest of the test's transaction (rolled back).
        cursor.execute("CREATE ROLE bzpeer_test_plain NOSUPERUSER")
        cursor.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO bzpeer_test_plain")
        cursor.execute(
            "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO bzpeer_test_plain"
        )
        cursor.execute("SET LOCAL ROLE bzpeer_test_plain")
    assert snapshot_bulk._role_may_skip_triggers() is False
    with CaptureQueriesContext(connection) as queries:
        snapshot_bulk.snapshot_page_ingest(records=page_records(LINES), import_run=run)

    assert not any("= replica" in q["sql"] for q in queries.captured_queries)
    assert Work.objects.count() == len(LINES)
    assert _dangling_references() == []


@postgresql
def test_abstracts_are_compressed_with_lz4_where_the_server_has_it() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
            "WHERE name = 'default_toast_compression'"
        )
        (available,) = cursor.fetchone()
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = "
            "'publications_work'::regclass AND attname LIKE 'abstract%%' "
            "ORDER BY attname"
        )
        methods = cursor.fetchall()

    expected = "l" if available else ""
    assert methods == [("abstract", expected), ("abstract_raw", expected)]


def test_recount_batches_deal_out_blocks_of_consecutive_ids(monkeypatch) -> None:
    monkeypatch.setattr(snapshot_bulk, "RECOUNT_BATCH", 4)
    monkeypatch.setattr(snapshot_bulk, "RECOUNT_BLOCK", 2)
    ids = list(range(1, 11))

    assert snapshot_bulk._recount_batches(ids, 2) == [
        [1, 2, 7, 8],
        [3, 4, 9, 10],
        [5, 6],
    ]
    # One batch a thread, however few the authors; none when there are none.
    assert snapshot_bulk._recount_batches(ids[:6], 2) == [[1, 2, 5, 6], [3, 4]]
    assert snapshot_bulk._recount_batches([7], 2) == [[7]]
    assert snapshot_bulk._recount_batches([], 2) == []
    # Smaller blocks where the authors are too few for a block a batch.
    monkeypatch.setattr(snapshot_bulk, "RECOUNT_BLOCK", 64)
    assert snapshot_bulk._recount_batches(ids[:3], 2) == [[1, 3], [2]]


def test_what_is_made_by_identity_is_made_once_per_object() -> None:
    made = []
    cached = snapshot_bulk._ByIdentity(lambda item: made.append(item) or len(made), 2)
    first, equal, other = ["a"], ["a"], ["b"]

    assert [cached(first), cached(first), cached(equal)] == [1, 1, 2]
    # Full: emptied, then made again.
    assert [cached(other), cached(first)] == [3, 4]
    assert made == [first, equal, other, first]
