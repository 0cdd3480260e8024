"""arxiv-snapshot import runs: the 200 real lines in, resumable, idempotent.

Lines are the real ones of tests/fixtures/arxiv_snapshot/. A killed run is
simulated by making the parser raise on one line, as a worker dying there
would stop it; its resumption must leave exactly the rows of a run that was
never interrupted.
"""

from __future__ import annotations

import gzip
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from publications.models import (
    Author,
    Authorship,
    ImportRun,
    SourceRecord,
    Topic,
    Work,
    WorkIdentifier,
    WorkVersion,
)
from publications.services.import_runs import (
    SOURCES,
    import_run_create,
    import_run_execute,
    import_run_resume,
)
from publications.sources import arxiv_snapshot

pytestmark = pytest.mark.django_db

SNAPSHOT = Path(__file__).resolve().parents[2] / "fixtures" / "arxiv_snapshot"
COPY_2023 = str(
    SNAPSHOT
    / "wanng-ide_arxivSpider_mnbvc"
    / "arxiv-metadata-oai-snapshot_first200.jsonl"
)
COPY_2025 = str(
    SNAPSHOT
    / "Sharath-1736_Embedding-VecSearch"
    / "arxiv-metadata-oai-snapshot_first200_2025.jsonl"
)


def snapshot_run(*paths: str, page_size: int = 50) -> ImportRun:
    return import_run_create(
        source="arxiv-snapshot",
        parameters={"files": list(paths), "page_size": page_size},
    )


def execute(run: ImportRun) -> ImportRun:
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def position(run: ImportRun) -> dict[str, int]:
    """Where the run stands (the checkpoint also counts records per path)."""
    return {key: run.checkpoint[key] for key in ("file_index", "line")}


def counts(run: ImportRun) -> tuple[int, int, int, int, int]:
    return (run.seen, run.created, run.updated, run.unchanged, run.failed)


def rows() -> dict[str, list]:
    """What an import wrote, without database ids, for comparing two imports."""
    return {
        "works": sorted(
            Work.objects.values_list(
                "arxiv_id", "title", "published", "updated", "arxiv_version", "doi"
            )
        ),
        "identifiers": sorted(
            WorkIdentifier.objects.values_list("scheme", "value", "work__arxiv_id")
        ),
        "versions": sorted(
            WorkVersion.objects.values_list("work__arxiv_id", "version", "submitted")
        ),
        "topics": sorted(
            Work.objects.values_list("arxiv_id", "work_topics__topic__code")
        ),
        "authorships": sorted(
            Authorship.objects.values_list(
                "work__arxiv_id", "position", "raw_name", "author__name_key"
            )
        ),
        "authors": sorted(
            Author.objects.values_list(
                "name_key", "display_name", "works_count", "collaborators_count"
            )
        ),
        "sources": sorted(
            SourceRecord.objects.values_list("source", "external_id", "payload_hash")
        ),
    }


def test_snapshot_is_a_registered_source() -> None:
    assert "arxiv-snapshot" in SOURCES


def test_snapshot_run_without_files_is_refused() -> None:
    with pytest.raises(ValueError, match="reads files"):
        import_run_create(source="arxiv-snapshot", parameters={"query": "x"})


def test_200_real_lines_make_200_works_with_their_versions() -> None:
    run = execute(snapshot_run(COPY_2023))

    assert run.status == ImportRun.Status.DONE
    assert counts(run) == (200, 200, 0, 0, 0)
    assert Work.objects.count() == 200
    assert WorkIdentifier.objects.filter(scheme="arxiv").count() == 200
    expected_versions = sum(
        len(json.loads(line)["versions"])
        for line in Path(COPY_2023).read_bytes().splitlines()
    )
    assert WorkVersion.objects.count() == expected_versions
    assert position(run) == {"file_index": 0, "line": 200}
    assert run.total is None


def test_versions_keep_the_date_of_each_one() -> None:
    execute(snapshot_run(COPY_2023))

    work = Work.objects.get(arxiv_id="0704.0064")
    assert [str(v.submitted) for v in work.versions.all()] == [
        "2007-04-01",
        "2007-05-03",
        "2007-12-06",
        "2008-06-05",
        "2008-10-24",
    ]
    assert str(work.updated) == "2008-10-24"


def test_names_topics_and_doi_are_written() -> None:
    execute(snapshot_run(COPY_2023))

    work = Work.objects.get(arxiv_id="0704.0002")
    assert list(work.authorships.values_list("name", flat=True)) == [
        "Ileana Streinu",
        "Louis Theran",
    ]
    assert list(
        work.work_topics.order_by("position").values_list("topic__code", "is_primary")
    ) == [("math.CO", True), ("cs.CG", False)]
    assert Work.objects.get(arxiv_id="0704.0033").doi == "10.1364/josaa.23.002578"
    assert Topic.objects.filter(code="hep-ph").exists()


def test_second_run_leaves_everything_unchanged() -> None:
    execute(snapshot_run(COPY_2023))
    before = rows()

    run = execute(snapshot_run(COPY_2023))

    assert counts(run) == (200, 0, 0, 200, 0)
    assert rows() == before


def test_the_2025_copy_after_the_2023_one_is_unchanged() -> None:
    # The copies differ in bytes on one line, not in what it says.
    execute(snapshot_run(COPY_2023))

    assert counts(execute(snapshot_run(COPY_2025))) == (200, 0, 0, 200, 0)


def test_malformed_line_is_a_failure_and_the_rest_is_written(tmp_path) -> None:
    lines = Path(COPY_2023).read_bytes().splitlines(keepends=True)
    path = tmp_path / "s.jsonl"
    path.write_bytes(lines[0] + b'{"id": "0704.9999", "title"\n' + lines[1])

    run = execute(snapshot_run(str(path)))

    assert run.status == ImportRun.Status.DONE_WITH_ERRORS
    assert counts(run) == (3, 2, 0, 0, 1)
    assert run.failures.get().error.startswith(f"{path}: line 2: ")


def test_missing_second_file_fails_the_run_after_the_first(tmp_path) -> None:
    run = execute(snapshot_run(COPY_2023, str(tmp_path / "absent.jsonl")))

    assert run.status == ImportRun.Status.FAILED
    assert "absent.jsonl" in run.error
    assert position(run) == {"file_index": 0, "line": 200}
    assert run.seen == 200


def test_killed_run_resumes_to_exactly_the_rows_of_an_uninterrupted_run(
    monkeypatch,
) -> None:
    execute(snapshot_run(COPY_2023, COPY_2025))
    uninterrupted = rows()
    for model in (Work, Author, Topic, SourceRecord, ImportRun):
        model.objects.all().delete()

    real_parse_line = arxiv_snapshot.parse_line

    def dies_on_line_120(line: bytes, *, line_number: int = 0):
        if line_number == 120:
            raise RuntimeError("worker killed")
        return real_parse_line(line, line_number=line_number)

    monkeypatch.setattr(arxiv_snapshot, "parse_line", dies_on_line_120)
    run = snapshot_run(COPY_2023, COPY_2025)
    with pytest.raises(RuntimeError):
        import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, position(run), run.seen) == (
        ImportRun.Status.FAILED,
        {"file_index": 0, "line": 100},
        100,
    )
    assert Work.objects.count() == 100

    monkeypatch.setattr(arxiv_snapshot, "parse_line", real_parse_line)
    run = execute(import_run_resume(run=run))

    assert run.status == ImportRun.Status.DONE
    assert counts(run) == (400, 200, 0, 200, 0)
    assert position(run) == {"file_index": 1, "line": 200}
    assert rows() == uninterrupted


# --- manage.py import arxiv-snapshot -------------------------------------------


def test_command_imports_a_snapshot_and_prints_a_summary() -> None:
    out = StringIO()

    call_command("import", "arxiv-snapshot", "--file", COPY_2023, stdout=out)

    assert "done: 200 seen, 200 created, 0 updated, 0 unchanged, 0 failed" in (
        out.getvalue()
    )
    run = ImportRun.objects.get()
    assert run.parameters == {"files": [COPY_2023], "page_size": 1000}


def test_command_imports_a_gzipped_snapshot_twice_unchanged(tmp_path) -> None:
    path = tmp_path / "snapshot.jsonl.gz"
    path.write_bytes(gzip.compress(Path(COPY_2023).read_bytes()))
    call_command("import", "arxiv-snapshot", "--file", str(path), stdout=StringIO())
    out = StringIO()

    call_command("import", "arxiv-snapshot", "--file", str(path), stdout=out)

    assert "0 created, 0 updated, 200 unchanged, 0 failed" in out.getvalue()


def test_command_refuses_a_snapshot_query() -> None:
    with pytest.raises(CommandError, match="reads files"):
        call_command("import", "arxiv-snapshot", "--query", "au:x", stdout=StringIO())
