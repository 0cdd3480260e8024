"""``manage.py import`` for the sources beyond arXiv: saved responses and
live calls (served the real recorded responses through ``responses``), the
same records either way, and runs that survive faults at the HTTP layer."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
import requests
import responses
from django.conf import settings
from django.core.management import call_command

from publications.models import ImportRun, SourceRecord, Work

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
