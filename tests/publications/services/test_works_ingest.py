"""works_ingest: real parsed feeds in, works, authors and provenance out.

Records come from parsing the real fixtures; where a test needs a record the
fixtures do not have (one that cannot be written), it edits a parsed record
with ``dataclasses.replace`` and says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date

import pytest
from django.apps import apps

from profiles.models import AuthorStanding
from publications.arxiv_taxonomy import category_name
from publications.models import (
    Affiliation,
    Author,
    AuthorAlias,
    Authorship,
    ImportFailure,
    ImportRun,
    Institution,
    SourceRecord,
    Topic,
    Work,
    WorkIdentifier,
    WorkTopic,
)
from publications.services.counters import authors_recount_all
from publications.services.ingest import works_ingest
from publications.signals import authors_changed
from publications.sources.arxiv import parse
from publications.sources.base import ParsedWork

pytestmark = pytest.mark.django_db

DEL_MAESTRO = "arxiv_api/au_del_maestro_2016.xml"
DEL_MAESTRO_ANDNOT = (
    "arxiv_api/more/au_del_maestro_ANDNOT_ti_checkerboard_OR_ti_Pyrochlore.xml"
)
ASTRO_PH = "arxiv_api/recorded/id_astro-ph_0601001_s0_m100_3150dca9dc76.json"
TESTING_S20 = "arxiv_api/recorded/q_testing_s20_m10_348a237fecab.json"
ID_ABC = "arxiv_api/recorded/id_abc_s0_m100_b79c8dcf6bc3.json"


def new_run() -> ImportRun:
    return ImportRun.objects.create(source="arxiv", parameters={"files": ["test"]})


def ingest(records, run: ImportRun | None = None):
    return works_ingest(records=records, import_run=run or new_run())


@pytest.fixture
def records_of(fixture_bytes):
    def read(path: str, data: bytes | None = None) -> list:
        return parse(data if data is not None else fixture_bytes(path)).records

    return read


@pytest.fixture
def signal_calls():
    calls: list[list[int]] = []

    def listener(sender, author_ids, **kwargs) -> None:
        calls.append(author_ids)

    authors_changed.connect(listener)
    yield calls
    authors_changed.disconnect(listener)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def counters_by_hand() -> dict[int, tuple[int, int, int]]:
    """Works, topics and co-authors of every author, counted in Python."""
    works_of = defaultdict(set)
    authors_of = defaultdict(set)
    for author_id, work_id in Authorship.objects.values_list("author_id", "work_id"):
        works_of[author_id].add(work_id)
        authors_of[work_id].add(author_id)
    topics_of = defaultdict(set)
    for work_id, topic_id in WorkTopic.objects.values_list("work_id", "topic_id"):
        topics_of[work_id].add(topic_id)
    counts = {}
    for author_id in Author.objects.values_list("pk", flat=True):
        works = works_of[author_id]
        topics = set().union(*(topics_of[w] for w in works))
        coauthors = set().union(*(authors_of[w] for w in works)) - {author_id}
        counts[author_id] = (len(works), len(topics), len(coauthors))
    return counts


# --- works and what hangs off them --------------------------------------------


def test_import_creates_one_work_per_entry(records_of) -> None:
    counts = ingest(records_of(DEL_MAESTRO))

    assert (counts.seen, counts.created, counts.updated, counts.failed) == (
        10,
        10,
        0,
        0,
    )
    assert Work.objects.count() == 10


def test_work_fields_are_stored(records_of) -> None:
    ingest(records_of(DEL_MAESTRO))

    work = Work.objects.get(arxiv_id="1201.4869")
    assert work.title == "A Luttinger Liquid Core Inside Helium-4 Filled Nanopores"
    assert work.title_raw == work.title
    assert work.abstract.startswith("As helium-4 is cooled below 2.17 K")
    assert "\n" in work.abstract_raw
    assert (work.published, work.updated, work.year) == (
        date(2012, 1, 23),
        date(2012, 1, 23),
        2012,
    )
    assert work.arxiv_version == 1
    assert work.doi == "10.1142/s021797921244002x"
    assert work.journal_ref == "Int. J. Mod. Phys. B, 26, 1244002 (2012)"
    assert work.venue == work.journal_ref
    assert work.comments == "26 pages, 10 figures"
    assert work.work_type == Work.Type.ARTICLE
    assert work.categories == ["cond-mat.mes-hall", "cond-mat.other"]
    assert work.abs_url == "http://arxiv.org/abs/1201.4869v1"
    assert work.pdf_url == "http://arxiv.org/pdf/1201.4869v1"


def test_preprint_venue_is_arxiv(records_of) -> None:
    ingest(records_of("arxiv_api/more/arxiv_response_cat_cs.RO_AND_neural_2025-10.xml"))

    work = Work.objects.get(arxiv_id="2510.14968")
    assert work.work_type == Work.Type.PREPRINT
    assert work.venue == "arXiv"


def test_arxiv_id_and_doi_become_identifiers_of_the_work(records_of) -> None:
    ingest(records_of(DEL_MAESTRO))

    work = Work.objects.get(arxiv_id="1201.4869")
    assert set(work.identifiers.values_list("scheme", "value")) == {
        ("arxiv", "1201.4869"),
        ("doi", "10.1142/s021797921244002x"),
    }


def test_work_without_doi_has_only_its_arxiv_identifier(records_of) -> None:
    ingest(records_of(ASTRO_PH))

    work = Work.objects.get(arxiv_id="astro-ph/0601001")
    assert list(work.identifiers.values_list("scheme", "value")) == [
        ("arxiv", "astro-ph/0601001")
    ]


def test_versions_run_from_one_to_the_last_with_first_and_last_dates(
    records_of,
) -> None:
    ingest(records_of(TESTING_S20))

    work = Work.objects.get(arxiv_id="2409.05654")
    assert list(work.versions.values_list("version", "submitted")) == [
        (1, date(2024, 9, 9)),
        *[(n, None) for n in range(2, 9)],
        (9, date(2025, 5, 8)),
    ]


def test_version_two_carries_both_dates(records_of) -> None:
    ingest(records_of(DEL_MAESTRO))

    work = Work.objects.get(arxiv_id="cond-mat/0607501")
    assert list(work.versions.values_list("version", "submitted")) == [
        (1, date(2006, 7, 19)),
        (2, date(2006, 11, 6)),
    ]


def test_topics_carry_their_arxiv_names(records_of) -> None:
    ingest(records_of(DEL_MAESTRO))

    topic = Topic.objects.get(scheme=Topic.Scheme.ARXIV, code="cond-mat.mes-hall")
    assert topic.name == category_name("cond-mat.mes-hall")
    assert topic.name == "Mesoscale and Nanoscale Physics"


def test_primary_topic_comes_first(records_of) -> None:
    ingest(records_of(DEL_MAESTRO))

    work = Work.objects.get(arxiv_id="1201.4869")
    assert list(
        work.work_topics.order_by("position").values_list("topic__code", "is_primary")
    ) == [("cond-mat.mes-hall", True), ("cond-mat.other", False)]


def test_acm_and_msc_classes_stay_in_categories_but_are_not_topics(
    records_of,
) -> None:
    # Constructed: no fixture carries ACM/MSC classes, so two are added to a
    # real parsed record.
    [record] = records_of(ASTRO_PH)
    ingest([replace(record, categories=(*record.categories, "85A04", "J.2"))])

    work = Work.objects.get(arxiv_id="astro-ph/0601001")
    assert work.categories == ["astro-ph", "85A04", "J.2"]
    assert list(work.topics.values_list("code", flat=True)) == ["astro-ph"]


def test_authorships_keep_order_raw_names_and_affiliations(records_of) -> None:
    ingest(records_of(ASTRO_PH))

    work = Work.objects.get(arxiv_id="astro-ph/0601001")
    assert list(
        work.authorships.order_by("position").values_list(
            "position", "raw_name", "name", "raw_affiliations"
        )
    ) == [
        (1, "Andrew Gould", "Andrew Gould", ["Ohio State"]),
        (2, "Susan Dorsher", "Susan Dorsher", ["Ohio State"]),
        (3, "B. Scott Gaudi", "B. Scott Gaudi", ["CfA"]),
        (4, "Andrzej Udalski", "Andrzej Udalski", ["Warsaw University Observatory"]),
    ]


def test_one_author_per_normalised_name(records_of) -> None:
    ingest(records_of(DEL_MAESTRO))

    keys = list(Author.objects.values_list("name_key", flat=True))
    assert len(keys) == len(set(keys))
    assert Authorship.objects.filter(author__isnull=True).count() == 0


def test_same_name_on_several_works_is_one_author(records_of) -> None:
    ingest(records_of(DEL_MAESTRO))

    author = Author.objects.get(display_name="Adrian Del Maestro")
    assert author.authorships.filter(name="Adrian Del Maestro").count() == 6


def test_initialled_name_joins_the_only_full_name_its_evidence_points_to(
    records_of,
) -> None:
    ingest(records_of(DEL_MAESTRO))

    full = Author.objects.get(name_key="adrian del maestro")
    initialled = Authorship.objects.filter(name="A. Del Maestro")
    assert {a.author_id for a in initialled} == {full.pk}
    assert not Author.objects.filter(name_key="a del maestro").exists()
    for authorship in initialled:
        if authorship.attribution == Authorship.Attribution.NAME_EVIDENCE:
            assert authorship.attribution_detail["evidence"]


def test_printed_name_is_kept_as_an_alias(records_of) -> None:
    ingest(records_of(DEL_MAESTRO))

    alias = AuthorAlias.objects.get(name="A. Del Maestro")
    assert alias.author.name_key == "adrian del maestro"


def test_arxiv_affiliations_become_institutions(records_of) -> None:
    ingest(records_of(ASTRO_PH))

    assert sorted(Institution.objects.values_list("name", flat=True)) == [
        "CfA",
        "Ohio State",
        "Warsaw University Observatory",
    ]


def test_affiliation_links_author_and_institution_for_the_work_year(
    records_of,
) -> None:
    ingest(records_of(ASTRO_PH))

    affiliation = Affiliation.objects.get(author__display_name="Andrew Gould")
    assert affiliation.institution.name == "Ohio State"
    assert (affiliation.start_year, affiliation.end_year) == (2006, 2006)


def test_two_authors_share_one_institution(records_of) -> None:
    ingest(records_of(ASTRO_PH))

    ohio = Institution.objects.get(name="Ohio State")
    assert sorted(ohio.affiliations.values_list("author__display_name", flat=True)) == [
        "Andrew Gould",
        "Susan Dorsher",
    ]


def test_affiliation_years_stretch_to_a_later_work(records_of) -> None:
    # Constructed: no author appears with one affiliation in two years in
    # the fixtures, so the real record is copied as a later, different work.
    [record] = records_of(ASTRO_PH)
    later = replace(
        record,
        external_id="astro-ph/0901001",
        arxiv_id="astro-ph/0901001",
        published=date(2009, 1, 5),
        title="A later paper",
        payload_hash="later",
    )

    ingest([record, later])

    affiliation = Affiliation.objects.get(author__display_name="Andrew Gould")
    assert (affiliation.start_year, affiliation.end_year) == (2006, 2009)


def test_every_entry_gets_a_source_record_of_the_run(records_of) -> None:
    records = records_of(DEL_MAESTRO)
    run = new_run()

    ingest(records, run)

    assert set(
        SourceRecord.objects.values_list(
            "source", "external_id", "payload_hash", "import_run"
        )
    ) == {("arxiv", r.external_id, r.payload_hash, run.pk) for r in records}


def test_parse_failure_is_kept_as_an_import_failure(records_of) -> None:
    run = new_run()

    counts = ingest(records_of(ID_ABC), run)

    failure = ImportFailure.objects.get(import_run=run)
    assert failure.error == "arXiv API error: incorrect id format for abc"
    assert counts.failed == 1
    assert Work.objects.count() == 0


# --- counters -----------------------------------------------------------------


def test_stored_counters_equal_a_recount_right_after_import(records_of) -> None:
    ingest(records_of(DEL_MAESTRO))

    assert authors_recount_all() == 0


def test_stored_counters_equal_counts_made_by_hand(records_of) -> None:
    ingest(records_of(DEL_MAESTRO))
    ingest(records_of(TESTING_S20))

    stored = {
        a.pk: (a.works_count, a.topics_count, a.collaborators_count)
        for a in Author.objects.all()
    }
    assert stored == counters_by_hand()


def test_adrian_del_maestro_counters(records_of) -> None:
    ingest(records_of(DEL_MAESTRO))

    author = Author.objects.get(display_name="Adrian Del Maestro")
    # Works 1201.4869, cond-mat/0412498, cond-mat/0603029, 1005.5383,
    # cond-mat/0702661, 0807.2873 and, as A. Del Maestro, 1303.6954,
    # 1312.6177, 1412.6529, cond-mat/0607501; co-authors Sachdev, Rosenow,
    # Affleck, Gingras, Kulchytskyy, Gervais, Herdman, Rommal, Melko, Burkov;
    # topics mes-hall, other, str-el, stat-mech, supr-con, mtrl-sci,
    # quant-gas, quant-ph.
    assert (author.works_count, author.collaborators_count, author.topics_count) == (
        10,
        10,
        8,
    )


# --- idempotency --------------------------------------------------------------


def test_second_import_of_the_same_feed_reports_all_unchanged(records_of) -> None:
    ingest(records_of(DEL_MAESTRO))

    counts = ingest(records_of(DEL_MAESTRO))

    assert (counts.created, counts.updated, counts.unchanged, counts.failed) == (
        0,
        0,
        10,
        0,
    )
    assert counts.author_ids == set()


def test_second_import_adds_no_row_to_any_table(records_of) -> None:
    first, second = new_run(), new_run()
    ingest(records_of(DEL_MAESTRO), first)
    before = row_counts()

    ingest(records_of(DEL_MAESTRO), second)

    assert row_counts() == before


def test_second_import_modifies_nothing(records_of) -> None:
    ingest(records_of(DEL_MAESTRO))
    works = dict(Work.objects.values_list("pk", "modified_at"))
    authors = dict(Author.objects.values_list("pk", "modified_at"))
    sources = set(
        SourceRecord.objects.values_list("pk", "fetched_at", "import_run", "work")
    )

    ingest(records_of(DEL_MAESTRO))

    assert dict(Work.objects.values_list("pk", "modified_at")) == works
    assert dict(Author.objects.values_list("pk", "modified_at")) == authors
    assert (
        set(SourceRecord.objects.values_list("pk", "fetched_at", "import_run", "work"))
        == sources
    )


def test_overlapping_feed_adds_only_the_works_it_did_not_have(records_of) -> None:
    first = records_of(DEL_MAESTRO)
    second = records_of(DEL_MAESTRO_ANDNOT)
    known = {r.external_id for r in first}
    ingest(first)

    counts = ingest(second)

    new = {r.external_id for r in second} - known
    assert (counts.created, counts.unchanged) == (len(new), 10 - len(new))
    assert Work.objects.count() == 10 + len(new)


def test_changed_record_counts_as_updated(fixture_bytes, records_of) -> None:
    ingest(records_of(DEL_MAESTRO))
    # The same feed with one title edited in the bytes.
    edited = fixture_bytes(DEL_MAESTRO).replace(
        b"<title>A Luttinger Liquid Core Inside Helium-4 Filled Nanopores</title>",
        b"<title>A Luttinger Liquid Core Inside Helium-4 Nanopores</title>",
    )

    counts = ingest(records_of(DEL_MAESTRO, edited))

    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 9)


def test_changed_record_updates_the_work_in_place(fixture_bytes, records_of) -> None:
    ingest(records_of(DEL_MAESTRO))
    work = Work.objects.get(arxiv_id="1201.4869")
    edited = fixture_bytes(DEL_MAESTRO).replace(
        b"<title>A Luttinger Liquid Core Inside Helium-4 Filled Nanopores</title>",
        b"<title>A Luttinger Liquid Core Inside Helium-4 Nanopores</title>",
    )
    [changed] = [
        r for r in records_of(DEL_MAESTRO, edited) if r.external_id == "1201.4869"
    ]

    ingest([changed])

    work.refresh_from_db()
    assert work.title == "A Luttinger Liquid Core Inside Helium-4 Nanopores"
    assert Work.objects.count() == 10
    assert SourceRecord.objects.get(external_id="1201.4869").payload_hash == (
        changed.payload_hash
    )


def test_changed_author_list_moves_the_work_and_recounts_both_authors(
    fixture_bytes, records_of
) -> None:
    ingest(records_of(DEL_MAESTRO))
    # The same feed with the first entry's author replaced by another person.
    edited = fixture_bytes(DEL_MAESTRO).replace(
        b"<name>Adrian Del Maestro</name>", b"<name>Benoit Dherin</name>", 1
    )

    ingest(records_of(DEL_MAESTRO, edited))

    assert Author.objects.get(name_key="adrian del maestro").works_count == 9
    assert Author.objects.get(name_key="benoit dherin").works_count == 1
    assert authors_recount_all() == 0


# --- failures -----------------------------------------------------------------


def test_record_that_fails_validation_is_a_failure_and_the_rest_goes_on(
    records_of,
) -> None:
    # Constructed: a real parsed record given an abs URL the model refuses.
    records = records_of(DEL_MAESTRO)
    records[3] = replace(records[3], abs_url="not a url")
    run = new_run()

    counts = ingest(records, run)

    assert (counts.created, counts.failed) == (9, 1)
    failure = ImportFailure.objects.get(import_run=run)
    assert failure.external_id == "1005.5383"
    assert "ValidationError" in failure.error
    assert "abs_url" in failure.error
    assert not Work.objects.filter(arxiv_id="1005.5383").exists()


def test_record_failing_in_the_database_leaves_no_partial_rows(records_of) -> None:
    # Constructed: a real parsed record whose second author has no raw name,
    # so the write fails at the database after the work row was saved.
    records = records_of(DEL_MAESTRO)
    record = records[1]
    assert isinstance(record, ParsedWork)
    broken = replace(
        record,
        authorships=(
            record.authorships[0],
            replace(record.authorships[1], raw_name=None),
        ),
    )
    records[1] = broken
    run = new_run()

    counts = ingest(records, run)

    assert (counts.created, counts.failed) == (9, 1)
    failure = ImportFailure.objects.get(import_run=run)
    assert failure.external_id == "cond-mat/0412498"
    assert failure.error.startswith("IntegrityError")
    assert not Work.objects.filter(arxiv_id="cond-mat/0412498").exists()
    assert not WorkIdentifier.objects.filter(value="cond-mat/0412498").exists()
    assert not SourceRecord.objects.filter(external_id="cond-mat/0412498").exists()
    assert authors_recount_all() == 0


# --- after commit -------------------------------------------------------------


def test_authors_changed_is_sent_once_with_the_touched_authors(
    records_of, signal_calls, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ingest(records_of(DEL_MAESTRO))

    assert signal_calls == [sorted(Author.objects.values_list("pk", flat=True))]


def test_authors_changed_waits_for_the_commit(records_of, signal_calls) -> None:
    # Without a commit (the test transaction never commits) nothing is sent.
    ingest(records_of(DEL_MAESTRO))

    assert signal_calls == []


def test_unchanged_import_sends_no_authors_changed(
    records_of, signal_calls, django_capture_on_commit_callbacks
) -> None:
    ingest(records_of(DEL_MAESTRO))

    with django_capture_on_commit_callbacks(execute=True):
        ingest(records_of(DEL_MAESTRO))

    assert signal_calls == []


def test_every_imported_author_has_a_standing_afterwards(
    records_of, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ingest(records_of(DEL_MAESTRO))

    assert set(AuthorStanding.objects.values_list("author_id", flat=True)) == set(
        Author.objects.values_list("pk", flat=True)
    )
