"""One work from several sources: identifiers join records, each field keeps
the strongest source's value, references become citations, nothing is lost.

The arXiv record is parsed from a real feed. The fixtures hold no record of
another source for the same paper, so the Crossref- and OpenAlex-shaped
records here are that real record re-labelled with ``dataclasses.replace``
(constructed: the values they add are marked where they are set). The
parsers of those sources are tested field by field on real payloads in
tests/publications/sources/.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.apps import apps

from publications.models import (
    AuthorIdentifier,
    Authorship,
    Citation,
    ImportRun,
    Work,
    WorkIdentifier,
)
from publications.services.ingest import works_ingest
from publications.sources.arxiv import parse
from publications.sources.base import ParsedAuthorship, parsed_fields_hash

pytestmark = pytest.mark.django_db

DEL_MAESTRO = "arxiv_api/au_del_maestro_2016.xml"
ORCID = "0000-0002-1825-0097"  # ORCID's documented example iD


def row_counts() -> dict[str, int]:
    """Rows of every table but the runs' own."""
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m is not ImportRun
    }


def ingest(*records):
    run = ImportRun.objects.create(source="test", parameters={"files": ["test"]})
    return works_ingest(records=list(records), import_run=run)


@pytest.fixture
def arxiv_record(fixture_bytes):
    """A real arXiv record that carries a journal DOI."""
    records = parse(fixture_bytes(DEL_MAESTRO)).records
    return next(r for r in records if r.doi == "10.1103/physrevb.82.060515")


def as_source(record, source: str, **changes):
    """The record as another source would give it (constructed)."""
    changed = replace(record, source=source, **changes)
    fields = {k: v for k, v in vars(changed).items() if k != "payload_hash"}
    return replace(changed, payload_hash=parsed_fields_hash(fields))


def crossref_of(record):
    return as_source(
        record,
        "crossref",
        external_id=record.doi,
        arxiv_id="",
        arxiv_version=None,
        categories=(),
        versions=(),
        abstract="",
        abstract_raw="",
        work_type="article",
        venue="Physical Review B",  # constructed
        volume="82",  # constructed
        pages="060515",  # constructed
        publisher="American Physical Society",  # constructed
        title=record.title + " (published)",  # constructed: differs on purpose
        title_raw=record.title_raw + " (published)",
    )


def openalex_of(record, *, references=(), authorships=None):
    return as_source(
        record,
        "openalex",
        external_id="W2000000001",  # constructed id
        identifiers=(("openalex", "W2000000001"),),
        citation_count=42,  # constructed
        counts_by_year=((2015, 20), (2016, 22)),
        references=references,
        authorships=authorships if authorships is not None else record.authorships,
        categories=(),
        versions=(),
    )


def test_arxiv_then_crossref_is_one_work_with_each_field_from_its_source(
    arxiv_record,
):
    ingest(arxiv_record)
    ingest(crossref_of(arxiv_record))

    work = Work.objects.get()
    assert set(work.identifiers.values_list("scheme", "value")) == {
        ("arxiv", arxiv_record.arxiv_id),
        ("doi", arxiv_record.doi),
    }
    # Journal metadata and title from Crossref, abstract and date from arXiv.
    assert work.venue == "Physical Review B"
    assert (work.volume, work.pages) == ("82", "060515")
    assert work.title.endswith("(published)")
    assert work.abstract == arxiv_record.abstract
    assert work.published == arxiv_record.published
    assert work.field_sources["venue"] == "crossref"
    assert work.field_sources["title"] == "crossref"
    assert work.field_sources["abstract"] == "arxiv"
    assert work.field_sources["authorships"] == "arxiv"
    assert work.work_type == "article"


def test_the_order_of_arrival_does_not_change_the_result(arxiv_record):
    ingest(crossref_of(arxiv_record))
    ingest(arxiv_record)

    work = Work.objects.get()
    assert work.title.endswith("(published)")
    assert work.abstract == arxiv_record.abstract
    assert work.venue == "Physical Review B"
    assert work.field_sources["authorships"] == "arxiv"
    # arXiv's list replaced Crossref's: same people, one row per position.
    assert work.authorships.count() == len(arxiv_record.authorships)


def test_importing_everything_twice_changes_nothing(arxiv_record):
    records = [arxiv_record, crossref_of(arxiv_record), openalex_of(arxiv_record)]
    ingest(*records)
    before = row_counts()
    sources_before = Work.objects.get().field_sources

    counts = ingest(*records)

    assert counts.unchanged == 3
    assert row_counts() == before
    assert Work.objects.get().field_sources == sources_before


def test_references_become_citations_completed_when_the_cited_work_arrives(
    arxiv_record, fixture_bytes
):
    other = next(
        r for r in parse(fixture_bytes(DEL_MAESTRO)).records if r is not arxiv_record
    )
    ingest(arxiv_record)
    ingest(
        openalex_of(
            arxiv_record,
            references=(("arxiv", other.arxiv_id), ("openalex", "W1")),
        )
    )
    citation = Citation.objects.get(cited_scheme="arxiv")
    assert citation.cited is None
    assert Citation.objects.count() == 2

    ingest(other)

    citation.refresh_from_db()
    assert citation.cited == Work.objects.get(arxiv_id=other.arxiv_id)
    assert citation.citing.arxiv_id == arxiv_record.arxiv_id
    assert Citation.objects.get(cited_scheme="openalex").cited is None
    assert Work.objects.get(arxiv_id=arxiv_record.arxiv_id).citation_count == 42


def test_a_record_naming_two_known_works_merges_them_and_the_old_url_moves(
    arxiv_record, client
):
    ingest(replace(arxiv_record, doi=""))  # the preprint, before its DOI was known
    ingest(crossref_of(arxiv_record))  # the journal version, by DOI only
    assert Work.objects.visible().count() == 2
    journal = Work.objects.get(doi=arxiv_record.doi)

    # OpenAlex knows both ids of the one paper.
    ingest(openalex_of(arxiv_record))

    kept = Work.objects.visible().get()
    assert kept.arxiv_id == arxiv_record.arxiv_id
    assert set(kept.identifiers.values_list("scheme", flat=True)) == {
        "arxiv",
        "doi",
        "openalex",
    }
    assert kept.venue == "Physical Review B"
    assert kept.authorships.count() == len(arxiv_record.authorships)
    journal.refresh_from_db()
    assert journal.merged_into == kept
    assert not journal.authorships.exists()
    response = client.get(journal.get_absolute_url())
    assert response.status_code == 301
    assert response.headers["Location"] == kept.get_absolute_url()


def test_two_preprints_sharing_a_doi_stay_two_works(arxiv_record):
    ingest(arxiv_record)
    ingest(replace(arxiv_record, external_id="9999.99999", arxiv_id="9999.99999"))

    assert Work.objects.visible().count() == 2
    assert WorkIdentifier.objects.get(scheme="doi").work.arxiv_id == (
        arxiv_record.arxiv_id
    )


def test_a_value_set_by_hand_is_never_overwritten(arxiv_record):
    ingest(arxiv_record)
    work = Work.objects.get()
    work.title = "Corrected by the author"
    work.field_sources = {**work.field_sources, "title": "manual"}
    work.save()

    ingest(crossref_of(arxiv_record))
    ingest(replace(arxiv_record, payload_hash="changed", title="Another title"))

    work.refresh_from_db()
    assert work.title == "Corrected by the author"


def test_person_ids_from_a_weaker_list_attach_to_the_kept_authorship(arxiv_record):
    ingest(arxiv_record)
    first = arxiv_record.authorships[0]
    lent = (
        ParsedAuthorship(
            position=first.position,
            raw_name=first.raw_name,
            name=first.name,
            identifiers=(("orcid", ORCID), ("openalex", "A5000000001")),
        ),
        *arxiv_record.authorships[1:],
    )

    ingest(openalex_of(arxiv_record, authorships=lent))

    row = Authorship.objects.get(position=first.position)
    assert ["orcid", ORCID] in row.identifiers
    assert set(
        AuthorIdentifier.objects.filter(author=row.author).values_list(
            "scheme", "value"
        )
    ) == {("orcid", ORCID), ("openalex", "A5000000001")}
    # The arXiv list stays the work's list.
    assert Work.objects.get().field_sources["authorships"] == "arxiv"


def test_a_later_work_with_that_orcid_resolves_to_the_same_author(
    arxiv_record, fixture_bytes
):
    ingest(arxiv_record)
    first = arxiv_record.authorships[0]
    ingest(
        openalex_of(
            arxiv_record,
            authorships=(
                replace(first, identifiers=(("orcid", ORCID),)),
                *arxiv_record.authorships[1:],
            ),
        )
    )
    author = Authorship.objects.get(position=first.position).author

    # Another paper whose source prints the name differently but gives the iD.
    other = next(
        r for r in parse(fixture_bytes(DEL_MAESTRO)).records if r is not arxiv_record
    )
    stranger = ParsedAuthorship(
        position=0,
        raw_name="Q. Somebody-Else",
        name="Q. Somebody-Else",
        identifiers=(("orcid", ORCID),),
    )
    ingest(as_source(other, "openalex", external_id="W3", authorships=(stranger,)))

    row = Authorship.objects.get(name="Q. Somebody-Else")
    assert row.author == author
    assert row.attribution == Authorship.Attribution.IDENTIFIER
    assert row.attribution_detail == {
        "scheme": "orcid",
        "value": ORCID,
        "source": "openalex",
    }


def test_a_format_without_versions_keeps_the_known_version(arxiv_record):
    ingest(arxiv_record)
    version = Work.objects.get().arxiv_version
    assert version

    # The same paper from OAI's "arXiv" format, which lists no versions.
    ingest(as_source(arxiv_record, "arxiv-oai", arxiv_version=None, versions=()))

    assert Work.objects.get().arxiv_version == version
