"""Snapshot pages written in a second thread while the next is planned.

``snapshot_bulk.pages_write``: its promise is the rows of writing the pages
one after the other, in one thread (``SNAPSHOT_PIPELINE = False``). The
writing thread has its own connection, which cannot see a test's open
transaction: these tests commit (``transaction=True``) and run on
PostgreSQL only, like the set-based writer they drive.
"""

from __future__ import annotations

import json
import threading

import pytest
from django.db import DataError, connection, transaction

from publications.models import Author, Authorship, ImportRun, Work
from publications.services import snapshot_bulk
from publications.services.counters import authors_recount
from publications.services.import_runs import (
    import_run_create,
    import_run_execute,
    import_run_resume,
)
from publications.signals import authors_changed
from tests.publications.services.test_snapshot_set_based import (
    COPY_2023,
    LINES,
    counts,
    dies_on_call,
    edited,
    everything,
    generated_lines,
    killed_run,
    load,
    paths,
    postgresql,
    wipe,
    write,
)

pytestmark = [pytest.mark.django_db(transaction=True), postgresql]


def one_thread_then_two(
    settings, path: str, *, same_paths: bool = True
) -> tuple[dict, dict, ImportRun]:
    """Rows of the pages written in turn, then of the pipeline, on one file."""
    settings.SNAPSHOT_PIPELINE = False
    serial = load(path)
    expected = everything()
    wipe()
    settings.SNAPSHOT_PIPELINE = True
    run = load(path)
    assert counts(run) == counts(serial)
    if same_paths:
        assert paths(run) == paths(serial)
    return expected, everything(), run


def test_the_real_lines_make_the_rows_of_one_thread(settings) -> None:
    expected, written, run = one_thread_then_two(settings, str(COPY_2023))

    assert counts(run) == (200, 200, 0, 0, 0)
    assert written == expected


def test_authors_a_page_being_written_makes_are_those_of_the_next(
    settings, tmp_path
) -> None:
    # Generated names recur across pages: the next page is planned while
    # the page that makes an author has not committed, and must name it.
    expected, written, run = one_thread_then_two(
        settings, write(tmp_path, generated_lines(300))
    )

    assert counts(run) == (300, 300, 0, 0, 0)
    assert written == expected
    assert Author.objects.count() < Authorship.objects.count()


def test_a_record_repeated_on_the_next_page_is_decided_as_after_a_commit(
    settings, tmp_path
) -> None:
    # Line 50 ends page 1; page 2 repeats it unchanged, then changed.
    lines = [*LINES[:50], LINES[49], edited(49, title="A title changed"), *LINES[50:]]

    expected, written, run = one_thread_then_two(
        settings, write(tmp_path, lines), same_paths=False
    )

    assert counts(run) == (202, 200, 1, 1, 0)
    # Its work was being written when page 2 was planned: the changed
    # record is written by works_ingest, where one thread updates it
    # set-based; the same rows.
    assert paths(run) == {
        "set_based": 200,
        "standard": 1,
        "skipped": 1,
        "retried_pages": 0,
    }
    assert written == expected


def test_the_next_page_is_planned_while_a_page_is_written(monkeypatch) -> None:
    planned, threads = threading.Event(), []
    plan, write_plan = snapshot_bulk.page_plan, snapshot_bulk._plan_write

    def planning(records, *args):
        if records[0].external_id == "0704.0051":  # page 2's first record
            planned.set()
        return plan(records, *args)

    def writing(page_plan, run):
        threads.append(threading.current_thread().name)
        if page_plan.new[0].external_id == "0704.0001":
            # Page 1 is not written before page 2 is planned: one thread
            # doing both in turn would wait here for ever.
            assert planned.wait(timeout=30)
        return write_plan(page_plan, run)

    monkeypatch.setattr(snapshot_bulk, "page_plan", planning)
    monkeypatch.setattr(snapshot_bulk, "_plan_write", writing)
    run = load(str(COPY_2023))

    assert counts(run) == (200, 200, 0, 0, 0)
    assert len(threads) == 4
    assert all(name.startswith("snapshot-writer") for name in threads)


def shared_doi(lines: list[bytes], *indexes: int) -> list[bytes]:
    """The lines, those at ``indexes`` giving one DOI (the standard path)."""
    lines = list(lines)
    for index in indexes:
        record = json.loads(lines[index])
        record["doi"] = "10.1234/shared"
        lines[index] = json.dumps(record).encode() + b"\n"
    return lines


def with_author(line: bytes, parts: list[str]) -> bytes:
    record = json.loads(line)
    record["authors_parsed"].append(parts)
    return json.dumps(record).encode() + b"\n"


def first_ids_planned(monkeypatch) -> list[str]:
    plans, plan = [], snapshot_bulk.page_plan

    def planning(records, *args):
        plans.append(records[0].external_id)
        return plan(records, *args)

    monkeypatch.setattr(snapshot_bulk, "page_plan", planning)
    return plans


def test_a_page_with_records_written_one_by_one_does_not_hold_up_the_next(
    monkeypatch, settings, tmp_path
) -> None:
    path = write(tmp_path, shared_doi(LINES, 10, 11))
    settings.SNAPSHOT_PIPELINE = False
    expected = (load(path), everything())
    wipe()
    settings.SNAPSHOT_PIPELINE = True
    planned, write_plan = threading.Event(), snapshot_bulk._plan_write
    plans = first_ids_planned(monkeypatch)
    plan = snapshot_bulk.page_plan

    def planning(records, *args):
        made = plan(records, *args)
        if records[0].external_id == "0704.0051":
            planned.set()
        return made

    def writing(page_plan, run):
        if page_plan.standard:
            # Page 1 is not written before page 2 is planned.
            assert planned.wait(timeout=30)
        return write_plan(page_plan, run)

    monkeypatch.setattr(snapshot_bulk, "page_plan", planning)
    monkeypatch.setattr(snapshot_bulk, "_plan_write", writing)
    run = load(path)

    assert counts(run) == counts(expected[0])
    assert paths(run)["standard"] == 2
    assert plans == ["0704.0001", "0704.0051", "0704.0101", "0704.0151"]
    assert everything() == expected[1]


def test_a_page_naming_an_author_made_one_by_one_before_it_is_planned_again(
    monkeypatch, settings, tmp_path
) -> None:
    # Lines 11 and 12 share a DOI: works_ingest writes them, and makes the
    # author only line 12 names; line 51, on page 2, names them too.
    lines = shared_doi(LINES, 10, 11)
    lines[11] = with_author(lines[11], ["Quuxley", "Zebedee", ""])
    lines[50] = with_author(lines[50], ["Quuxley", "Zebedee", ""])
    path = write(tmp_path, lines)
    settings.SNAPSHOT_PIPELINE = False
    expected = (load(path), everything())
    wipe()
    settings.SNAPSHOT_PIPELINE = True
    plans = first_ids_planned(monkeypatch)

    run = load(path)

    assert counts(run) == counts(expected[0])
    # Page 2 was planned making the author, then again, naming theirs.
    assert plans == ["0704.0001", "0704.0051", "0704.0051", "0704.0101", "0704.0151"]
    assert everything() == expected[1]
    assert Author.objects.filter(display_name="Zebedee Quuxley").count() == 1


def test_the_page_after_one_written_record_by_record_is_planned_again(
    monkeypatch, settings
) -> None:
    settings.SNAPSHOT_PIPELINE = False
    expected = (load(str(COPY_2023)), everything())
    wipe()
    settings.SNAPSHOT_PIPELINE = True
    copy, plans, pages = snapshot_bulk._copy_lines, [], []
    plan = snapshot_bulk.page_plan

    def planning(records, *args):
        plans.append(records[0].external_id)
        return plan(records, *args)

    def refusing_on_page_2(model, fields, lines):
        if model is Authorship:
            pages.append(1)
            if len(pages) == 2:
                raise DataError("as a concurrent writer or a bad value would")
        copy(model, fields, lines)

    monkeypatch.setattr(snapshot_bulk, "page_plan", planning)
    monkeypatch.setattr(snapshot_bulk, "_copy_lines", refusing_on_page_2)
    run = load(str(COPY_2023))

    assert counts(run) == counts(expected[0])
    assert paths(run) == {
        "set_based": 150,
        "standard": 50,
        "skipped": 0,
        "retried_pages": 1,
    }
    # Page 3 was planned on what page 2 would have made, then again.
    assert plans == ["0704.0001", "0704.0051", "0704.0101", "0704.0101", "0704.0151"]
    assert everything() == expected[1]


def test_a_plan_whose_author_was_merged_meanwhile_is_not_written(
    monkeypatch, tmp_path
) -> None:
    load(str(COPY_2023))
    known = Authorship.objects.get(work__arxiv_id="0704.0001", position=1).author
    stale = []
    lock = snapshot_bulk._plan_lock

    def merging_first(page_plan, run):
        if known.pk in page_plan.locks["authors"] and not stale:
            # A moderator merges the author between the plan and the write.
            other = Author.objects.create(display_name="Other", name_key="other")
            Author.objects.filter(pk=known.pk).update(merged_into=other)
            try:
                lock(page_plan, run)
            except snapshot_bulk.StalePlanError as error:
                stale.append(error)
                raise
        return lock(page_plan, run)

    monkeypatch.setattr(snapshot_bulk, "_plan_lock", merging_first)
    # A new record by the same author: its page refers to the known author.
    run = load(write(tmp_path, [edited(0, id="2611.00001", doi=None)]))

    assert len(stale) == 1
    assert counts(run) == (1, 1, 0, 0, 0)
    assert paths(run)["retried_pages"] == 1
    work = Work.objects.get(arxiv_id="2611.00001")
    assert work.authorships.filter(author__merged_into__isnull=False).count() == 0


def test_later_pages_take_what_committed_pages_met_without_asking_again(
    monkeypatch, settings, tmp_path
) -> None:
    """``Known``: a page's authors by name and name forms that a committed
    page of the run met are neither looked up nor inserted again, and the
    rows are those of one thread, which asks the database every time."""
    looked_up, written = [], []
    resolve, write_new = snapshot_bulk._authors_resolve, snapshot_bulk._new_works_write

    def resolving(named, made=None, known=None):
        keys = {key for pairs in named for _, key in pairs}
        looked_up.append(len(keys - (known or {}).keys()) / len(keys))
        return resolve(named, made, known)

    def writing(page_plan, run):
        written.append(len(page_plan.aliases_known) / len(page_plan.aliases))
        return write_new(page_plan, run)

    monkeypatch.setattr(snapshot_bulk, "_authors_resolve", resolving)
    monkeypatch.setattr(snapshot_bulk, "_new_works_write", writing)
    expected, rows, run = one_thread_then_two(
        settings, write(tmp_path, generated_lines(300))
    )

    assert counts(run) == (300, 300, 0, 0, 0)
    assert rows == expected
    one_thread, two = looked_up[:6], looked_up[6:]
    assert len(two) == 6
    assert set(one_thread) == {1.0}
    # The first two pages are planned before any page has committed.
    assert two[:2] == [1.0, 1.0]
    assert max(two[2:]) < 1.0
    # One thread's six pages and the pipeline's first two knew nothing.
    assert set(written[:8]) == {0.0}
    assert max(written[8:]) > 0.0


def test_a_known_author_merged_since_is_forgotten_with_the_rest(
    monkeypatch, settings, tmp_path
) -> None:
    """A page names an author a committed page met, and a moderator has
    merged that author since: the page is written record by record, the
    run forgets what it knew, and the pages after ask the database."""
    settings.SNAPSHOT_PIPELINE = True
    shared = ["Quist", "Ada", ""]
    lines = [
        with_author(line, shared) if index % 50 == 0 else line
        for index, line in enumerate(generated_lines(250))
    ]
    merged, forgotten = [], []
    plan, forget = snapshot_bulk.page_plan, snapshot_bulk.Known.forget
    plan_write, third_written = snapshot_bulk._plan_write, threading.Event()

    def writing(page, run):
        try:
            return plan_write(page, run)
        finally:
            if page.new and page.new[0].external_id == json.loads(lines[100])["id"]:
                third_written.set()

    def planning(records, *args, **kwargs):
        if records[0].external_id == json.loads(lines[150])["id"] and not merged:
            # Before page 4 is planned (pages 1 and 2 known), committed; once
            # page 3, planned with the author known too, has locked and
            # checked it (else page 3 finds the merge, by chance).
            assert third_written.wait(timeout=60)
            quist = Author.objects.get(name_key="ada quist")
            other = Author.objects.create(display_name="Other", name_key="other")
            Author.objects.filter(pk=quist.pk).update(merged_into=other)
            merged.append(quist.pk)
        return plan(records, *args, **kwargs)

    def forgetting(known):
        forgotten.append(dict(known.authors))
        forget(known)

    monkeypatch.setattr(snapshot_bulk, "page_plan", planning)
    monkeypatch.setattr(snapshot_bulk, "_plan_write", writing)
    monkeypatch.setattr(snapshot_bulk.Known, "forget", forgetting)
    run = load(write(tmp_path, lines))

    assert counts(run) == (250, 250, 0, 0, 0)
    # Page 4 only: the database, asked again, gives page 5 no merged author.
    assert paths(run)["retried_pages"] == 1
    assert [k["ada quist"] for k in forgotten] == merged
    quists = Authorship.objects.filter(name="Ada Quist")
    assert quists.count() == 5
    assert quists.filter(author__merged_into__isnull=False).count() == 3


def test_what_a_run_knows_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(snapshot_bulk.Known, "SIZE", 3)
    known = snapshot_bulk.Known()
    for number in range(4):
        plan = snapshot_bulk.PagePlan(
            failures=[], unchanged=0, standard=[], new=[], written=None
        )
        plan.author_keys = {f"key {number}": number}
        plan.aliases = {(number, f"Name {number}"): f"key {number}"}
        known.learn(plan)

    assert known.authors == {"key 3": 3}
    assert known.aliases == {(3, "Name 3")}


def test_a_run_killed_in_the_writing_thread_resumes_to_the_rows_of_a_whole_run(
    monkeypatch, settings
) -> None:
    whole = (load(str(COPY_2023)), everything())
    wipe()
    write_plan = dies_on_call(monkeypatch, "_plan_write", 3)

    run = killed_run(str(COPY_2023))
    assert (run.status, run.checkpoint["line"], Work.objects.count()) == (
        ImportRun.Status.FAILED,
        100,
        100,
    )

    monkeypatch.setattr(snapshot_bulk, "_plan_write", write_plan)
    import_run_execute(run_id=import_run_resume(run=run).pk)
    run.refresh_from_db()

    assert counts(run) == counts(whole[0])
    assert everything() == whole[1]


def test_a_run_killed_while_planning_keeps_the_page_being_written(
    monkeypatch,
) -> None:
    dies_on_call(monkeypatch, "page_plan", 4)

    run = killed_run(str(COPY_2023))

    # Page 3 was being written while page 4 was planned: it is committed.
    assert (run.status, run.checkpoint["line"], Work.objects.count()) == (
        ImportRun.Status.FAILED,
        150,
        150,
    )


def test_authors_are_recounted_two_batches_at_a_time_and_said_changed_in_order(
    monkeypatch, tmp_path
) -> None:
    monkeypatch.setattr(snapshot_bulk, "RECOUNT_BATCH", 40)
    threads, sent = set(), []
    recount = snapshot_bulk._authors_recount

    def recounting(author_ids):
        threads.add(threading.current_thread().name)
        recount(author_ids)

    def receiver(sender, author_ids, **kwargs):
        # Each batch is committed when it is said changed.
        assert all(Author.objects.get(pk=pk).works_count > 0 for pk in author_ids[:3])
        sent.append(author_ids)

    monkeypatch.setattr(snapshot_bulk, "_authors_recount", recounting)
    authors_changed.connect(receiver)
    try:
        load(write(tmp_path, generated_lines(300)))
    finally:
        authors_changed.disconnect(receiver)

    ids = sorted(Author.objects.values_list("pk", flat=True))
    batches = snapshot_bulk._recount_batches(ids, 2)  # blocks of ids, dealt out
    # After those of the pages written record by record, if any.
    assert sent[-len(batches) :] == batches
    assert len(batches) > 2
    assert all(name.startswith("snapshot-recount") for name in threads)
    assert authors_recount(author_ids=ids) == 0


def test_the_recount_reads_work_topics_by_index_only(tmp_path) -> None:
    """Before the recount, the run's finish vacuums WorkTopic: its pages are
    all-visible, so the recount reads it by index only."""
    load(write(tmp_path, generated_lines(300)))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class "
            "WHERE relname = 'publications_worktopic'"
        )
        pages, visible = cursor.fetchone()
    assert 0 < visible == pages


def test_a_caller_holding_a_transaction_writes_in_its_own_thread(settings) -> None:
    run = import_run_create(
        source="arxiv-snapshot", parameters={"files": [str(COPY_2023)]}
    )
    assert snapshot_bulk.pages_write_applies(run)
    with transaction.atomic():
        assert not snapshot_bulk.pages_write_applies(run)
    settings.SNAPSHOT_PIPELINE = False
    assert not snapshot_bulk.pages_write_applies(run)


def test_a_work_changed_after_its_page_was_planned_is_not_updated_set_based(
    monkeypatch, tmp_path
) -> None:
    load(str(COPY_2023))
    lines = list(LINES)
    lines[4] = edited(4, title="A corrected title")
    plan = snapshot_bulk.page_plan

    def planned_then_changed(*args, **kwargs):
        result = plan(*args, **kwargs)
        if result.updates:
            # A moderator corrects the title by hand before the page is
            # written (this thread commits at once).
            Work.objects.filter(arxiv_id="0704.0005").update(
                title="Set by hand", field_sources={"title": "manual"}
            )
        return result

    monkeypatch.setattr(snapshot_bulk, "page_plan", planned_then_changed)
    run = load(write(tmp_path, lines))

    assert counts(run) == (200, 0, 1, 199, 0)
    assert paths(run)["retried_pages"] == 1
    assert Work.objects.get(arxiv_id="0704.0005").title == "Set by hand"
