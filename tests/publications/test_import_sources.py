"""``manage.py import`` for the sources beyond arXiv: saved responses and
live calls (served the real recorded responses through ``responses``), the
same records either way, and runs that survive faults at the HTTP layer."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
import requests
import responses
from django.conf import settings
from django.core.management import CommandError, call_command

from publications.models import (
    Author,
    AuthorIdentifier,
    Citation,
    ImportRun,
    Institution,
    SourceRecord,
    Work,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CROSSREF_ONE = FIXTURES / "crossref/habanero/test_works_with_one_id.0.body.json"
CROSSREF_QUERY = FIXTURES / "crossref/habanero/test_works_query.0.body.json"
PLOS_DOI = "10.1371/journal.pone.0033693"


@pytest.fixture(autouse=True)
def _no_waiting(settings):
    settings.HTTP_RETRY_BACKOFF = 0
    settings.CROSSREF_MIN_INTERVAL = 0
    settings.OPENALEX_MIN_INTERVAL = 0
    settings.ORCID_MIN_INTERVAL = 0
    settings.SEMANTIC_SCHOLAR_MIN_INTERVAL = 0


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("import", *args, stdout=out, verbosity=1)
    return out.getvalue()


def works_snapshot() -> set[tuple]:
    return set(
        Work.objects.values_list("title", "doi", "arxiv_id", "venue", "published")
    )


def test_crossref_from_files():
    output = run_command("crossref", "--file", str(CROSSREF_ONE), str(CROSSREF_QUERY))

    assert re.search(r"3 seen, 3 created, 0 updated, 0 unchanged, 0 failed", output)
    work = Work.objects.get(doi=PLOS_DOI)
    assert work.title.startswith("Methylphenidate Exposure Induces Dopamine")
    assert work.field_sources["title"] == "crossref"
    assert SourceRecord.objects.filter(source="crossref").count() == 3


def test_crossref_live_by_doi_gives_the_records_of_the_file():
    run_command("crossref", "--file", str(CROSSREF_ONE))
    from_file = works_snapshot()
    Work.objects.all().delete()
    SourceRecord.objects.all().delete()

    with responses.RequestsMock() as api:
        api.get(
            f"{settings.CROSSREF_API_URL}/works/{PLOS_DOI}",
            body=CROSSREF_ONE.read_bytes(),
        )
        output = run_command("crossref", "--doi", PLOS_DOI)

    assert "1 created" in output
    assert works_snapshot() == from_file
    run = ImportRun.objects.get(parameters__dois=[PLOS_DOI])
    assert run.status == ImportRun.Status.DONE


def test_crossref_live_survives_a_503_and_a_reset_connection():
    with responses.RequestsMock() as api:
        url = f"{settings.CROSSREF_API_URL}/works/{PLOS_DOI}"
        api.get(url, status=503, headers={"Retry-After": "0"})
        api.get(url, body=requests.ConnectionError("Connection reset by peer"))
        api.get(url, body=CROSSREF_ONE.read_bytes())
        output = run_command("crossref", "--doi", PLOS_DOI)

    assert "1 created" in output
    assert Work.objects.filter(doi=PLOS_DOI).count() == 1


SNOWBALL = FIXTURES / "openalex/openalexPro/extracted_body"
KEY_PAPERS = SNOWBALL / "oa_snowball__01.json"
CITING = SNOWBALL / "oa_snowball__03.json"
REFERENCED = SNOWBALL / "oa_snowball__05.json"
OPENALEX_WORKS = "https://api.openalex.org/works"


def openalex_ids(path: Path) -> list[str]:
    return [
        w["id"].rsplit("/", 1)[-1] for w in json.loads(path.read_bytes())["results"]
    ]


def test_openalex_snowball_from_files_is_one_citation_network():
    output = run_command(
        "openalex", "--file", str(KEY_PAPERS), str(CITING), str(REFERENCED)
    )

    # One referenced work has no title at OpenAlex: kept as a failure.
    assert re.search(r"45 seen, 44 created, 0 updated, 0 unchanged, 1 failed", output)
    assert "W2963341956: record has no title" in output
    key = Work.objects.get(
        identifiers__scheme="openalex", identifiers__value="W3045921891"
    )
    # Its arXiv DOI is its arXiv id.
    assert (key.arxiv_id, key.doi) == ("2007.14454", "")
    key_refs = json.loads(KEY_PAPERS.read_bytes())["results"][1]["referenced_works"]
    assert key.outgoing_citations.count() == len(key_refs)
    written = Work.objects.filter(
        identifiers__scheme="openalex",
        identifiers__value__in=[r.rsplit("/", 1)[-1] for r in key_refs],
    )
    resolved = key.outgoing_citations.exclude(cited=None)
    assert set(resolved.values_list("cited", flat=True)) == set(
        written.values_list("pk", flat=True)
    )
    assert resolved.count() == 33  # of 37: one has no title, three are not here
    # The citing works point at the key papers.
    citing = Citation.objects.filter(
        cited__in=Work.objects.filter(
            identifiers__scheme="openalex",
            identifiers__value__in=openalex_ids(KEY_PAPERS),
        )
    )
    assert set(citing.values_list("citing__identifiers__value", flat=True)) >= set(
        openalex_ids(CITING)
    )


def test_openalex_files_twice_changes_nothing():
    run_command("openalex", "--file", str(KEY_PAPERS), str(CITING))
    before = (Work.objects.count(), Citation.objects.count(), Author.objects.count())

    output = run_command("openalex", "--file", str(KEY_PAPERS), str(CITING))

    assert re.search(r"7 seen, 0 created, 0 updated, 7 unchanged", output)
    assert (Work.objects.count(), Citation.objects.count(), Author.objects.count()) == (
        before
    )


def test_openalex_live_walk_gives_the_records_of_the_file():
    run_command("openalex", "--file", str(CITING))
    from_file = works_snapshot()
    Work.objects.all().delete()
    SourceRecord.objects.all().delete()

    with responses.RequestsMock() as api:
        api.get(OPENALEX_WORKS, body=CITING.read_bytes())
        output = run_command(
            "openalex",
            "--filter",
            "cites:W3046863325|W3045921891",
            "--max-results",
            "5",
        )
        assert "cursor=%2A" in api.calls[0].request.url
        assert "mailto=" in api.calls[0].request.url

    assert "5 created" in output
    assert works_snapshot() == from_file


def test_openalex_run_cut_by_a_truncated_body_resumes_to_the_same_records():
    run_command("openalex", "--file", str(CITING))
    clean = works_snapshot()
    Work.objects.all().delete()
    SourceRecord.objects.all().delete()

    with responses.RequestsMock() as api:
        api.get(OPENALEX_WORKS, status=503, headers={"Retry-After": "0"})
        api.get(OPENALEX_WORKS, body=CITING.read_bytes()[:5000])  # cut short
        with pytest.raises(CommandError, match="failed"):
            run_command("openalex", "--filter", "cites:W3046863325|W3045921891")
    run = ImportRun.objects.get(source="openalex", status=ImportRun.Status.FAILED)
    assert Work.objects.count() == 0

    with responses.RequestsMock() as api:
        api.get(OPENALEX_WORKS, body=CITING.read_bytes())
        api.get(
            OPENALEX_WORKS,
            body=(SNOWBALL / "pro_snowball__04.json").read_bytes(),  # the last page
        )
        run_command("openalex", "--resume", str(run.pk))

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert works_snapshot() == clean
    assert Work.objects.count() == 5


ORCID_DIR = FIXTURES / "orcid_api"


def test_orcid_record_from_file_names_the_person_with_works_and_employers():
    path = ORCID_DIR / "v2.1_record_0000-0002-8612-8827.json"
    run_command("orcid", "--file", str(path))

    identifier = AuthorIdentifier.objects.get(
        scheme="orcid", value="0000-0002-8612-8827"
    )
    author = identifier.author
    assert author.display_name
    works = Work.objects.filter(authorships__author=author)
    assert works.exists()
    assert all(w.field_sources.get("authorships") == "orcid" for w in works)


def test_orcid_live_by_id():
    path = ORCID_DIR / "v2.1_record_0000-0002-8612-8827.json"
    with responses.RequestsMock() as api:
        api.get(
            f"{settings.ORCID_API_URL}/0000-0002-8612-8827/record",
            body=path.read_bytes(),
        )
        output = run_command("orcid", "--orcid", "0000-0002-8612-8827")
        assert api.calls[0].request.headers["Accept"] == "application/json"

    assert "1 seen, 1 created" in output
    assert AuthorIdentifier.objects.filter(value="0000-0002-8612-8827").exists()


S2 = FIXTURES / "semanticscholar/danielnsilva_semanticscholar"
S2_REFERENCES = S2 / "extracted_body/test_get_paper_references__01.json"


def test_semanticscholar_paper_with_embedded_citations_from_file():
    output = run_command("semanticscholar", "--file", str(S2 / "data/Paper.json"))

    paper = json.loads((S2 / "data/Paper.json").read_bytes())
    work = Work.objects.get(
        identifiers__scheme="s2", identifiers__value=paper["paperId"]
    )
    assert "failed" in output
    # Its references and the works citing it are written and linked to it.
    assert work.outgoing_citations.exclude(cited=None).count() > 0
    assert work.incoming_citations.count() > 0
    assert work.citation_count == paper["citationCount"]


def test_semanticscholar_live_paper_walks_its_citations_and_references():
    # The paper's own answer is its entry in a real batch answer.
    batch = json.loads(
        (S2 / "extracted_body/test_get_papers_not_found_warning__00.json").read_bytes()
    )
    paper = next(p for p in batch if p)
    base = settings.SEMANTIC_SCHOLAR_API_URL
    with responses.RequestsMock() as api:
        api.get(f"{base}/paper/{paper['paperId']}", json=paper)
        api.get(
            f"{base}/paper/{paper['paperId']}/citations",
            body=(
                S2 / "extracted_body/test_empty_paginated_results__00.json"
            ).read_bytes(),
        )
        api.get(
            f"{base}/paper/{paper['paperId']}/references",
            body=(
                S2 / "extracted_body/test_empty_paginated_results__00.json"
            ).read_bytes(),
        )
        output = run_command("semanticscholar", "--work", paper["paperId"])
        assert [
            c.request.path_url.split("?")[0].rsplit("/", 1)[-1] for c in api.calls
        ] == [
            paper["paperId"],
            "citations",
            "references",
        ]

    assert "1 created" in output
    work = Work.objects.get(
        identifiers__scheme="s2", identifiers__value=paper["paperId"]
    )
    assert work.title == paper["title"]


def test_demo_journal_versions_join_their_arxiv_preprints():
    """The demo's Crossref records (constructed, see their README) and the
    real arXiv feed end as one work each, fields from the stronger source."""
    run_command("arxiv", "--file", str(FIXTURES / "arxiv_api/au_del_maestro_2016.xml"))
    works_before = Work.objects.count()

    run_command(
        "crossref",
        "--file",
        *map(
            str, sorted((FIXTURES / "demo/constructed").glob("crossref_10.1103_*.json"))
        ),
    )

    assert Work.objects.count() == works_before
    work = Work.objects.get(arxiv_id="1005.5383")
    assert (work.venue, work.volume, work.pages) == (
        "Physical Review B",
        "82",
        "060515",
    )
    assert work.field_sources["venue"] == "crossref"
    assert work.field_sources["abstract"] == "arxiv"
    assert set(work.source_records.values_list("source", flat=True)) == {
        "arxiv",
        "crossref",
    }
    # Crossref's "A. Del Maestro" lends nothing new; the arXiv list stays.
    assert work.field_sources["authorships"] == "arxiv"


def test_demo_openalex_key_papers_join_their_arxiv_and_crossref_records():
    """arXiv, Crossref (both constructed from OpenAlex's records, see their
    README) and OpenAlex (real) records end as one work per paper, and the
    OpenAlex author ids and ORCIDs reach the arXiv author list."""
    constructed = FIXTURES / "demo/constructed"
    run_command("arxiv", "--file", str(constructed / "arxiv_2007.14454.xml"))
    run_command(
        "crossref", "--file", str(constructed / "crossref_10.1145_3383583.3398584.json")
    )
    run_command("openalex", "--file", str(KEY_PAPERS))

    assert Work.objects.visible().count() == 2
    preprint = Work.objects.get(arxiv_id="2007.14454")
    assert set(preprint.source_records.values_list("source", flat=True)) == {
        "arxiv",
        "openalex",
    }
    assert preprint.field_sources["authorships"] == "arxiv"
    assert preprint.field_sources["citation_count"] == "openalex"
    first = preprint.authorships.get(position=1)
    assert ["orcid", "0000-0003-0293-9452"] in first.identifiers
    assert first.author.identifiers.filter(scheme="openalex").exists()

    paper = Work.objects.get(doi="10.1145/3383583.3398584")
    assert set(paper.source_records.values_list("source", flat=True)) == {
        "crossref",
        "openalex",
    }
    assert paper.field_sources["pages"] == "crossref"
    assert paper.identifiers.filter(scheme="openalex", value="W3046863325").exists()


def test_openalex_institution_record_fills_the_institution_works_named():
    run_command("openalex", "--file", str(KEY_PAPERS))
    institution = FIXTURES / "openalex/b-vitamins_openalex-python/I27837315.json"

    output = run_command("openalex", "--file", str(institution))
    again = run_command("openalex", "--file", str(institution))

    assert "1 seen" in output
    assert "1 unchanged" in again
    umich = Institution.objects.get(openalex_id="I27837315")
    assert (umich.name, umich.ror_id, umich.country_code) == (
        "University of Michigan",
        "00jmfr291",
        "US",
    )
    # Its homepage is shown, never an e-mail domain that proves claims.
    assert umich.domains == []
    record = SourceRecord.objects.get(source="openalex", external_id="I27837315")
    assert record.institution == umich
    assert record.extra["homepage"] == "https://www.umich.edu"
