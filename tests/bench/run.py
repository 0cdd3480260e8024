"""Benchmarks: print figures, assert nothing. ``make bench``.

Runs in a throwaway test database (in-memory SQLite by default, or a
``test_`` database on the server ``DATABASE_URL`` names) and prints:
the import rate of the bundled demo feeds (cold, then re-imported
unchanged) and of the demo's other sources (Crossref, OpenAlex, ORCID);
the research-graph slice build time of the author with the most works,
cold and cached; and the query count and render time of that author's
profile, of the paper with the most citations in BZPEER and of other pages.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "arxiv_api"
DEMO = sorted(
    str(p)
    for p in [
        *FIXTURES.glob("*.xml"),
        *FIXTURES.glob("more/*.xml"),
        *FIXTURES.glob("recorded/*.json"),
    ]
)


def import_rate(label: str) -> None:
    from publications.services.import_runs import import_run_create, import_run_execute

    run = import_run_create(source="arxiv", parameters={"files": DEMO})
    started = time.perf_counter()
    run = import_run_execute(run_id=run.pk)
    elapsed = time.perf_counter() - started
    print(
        f"{label:<28} {run.seen:>5} records in {elapsed:6.2f} s = "
        f"{run.seen / elapsed:7.1f} records/s "
        f"(created {run.created}, updated {run.updated}, unchanged {run.unchanged}, "
        f"failed {run.failed})"
    )


SOURCES = FIXTURES.parent
OTHER_SOURCES = {
    "crossref": [
        *sorted(str(p) for p in (SOURCES / "demo/constructed").glob("crossref_*.json")),
        str(SOURCES / "crossref/habanero/test_works_with_one_id.0.body.json"),
        str(SOURCES / "crossref/habanero/test_works_query.0.body.json"),
    ],
    "openalex": [
        *(
            str(
                SOURCES
                / "openalex/openalexPro/extracted_body"
                / f"oa_snowball__0{i}.json"
            )
            for i in (1, 3, 5)
        ),
        str(SOURCES / "openalex/works_search_page.json"),
    ],
    "orcid": [
        str(SOURCES / "orcid_api" / f"v2.1_record_{orcid}.json")
        for orcid in (
            "0000-0001-7935-7720",
            "0000-0002-8612-8827",
            "0000-0003-3397-9895",
        )
    ],
}


def source_rate(source: str, files: list[str]) -> None:
    from publications.services.import_runs import import_run_create, import_run_execute

    run = import_run_create(source=source, parameters={"files": files})
    started = time.perf_counter()
    run = import_run_execute(run_id=run.pk)
    elapsed = time.perf_counter() - started
    print(
        f"{'import ' + source:<28} {run.seen:>5} records in {elapsed:6.2f} s = "
        f"{run.seen / elapsed:7.1f} records/s (created {run.created}, "
        f"updated {run.updated}, failed {run.failed})"
    )


def slice_times(author_id: int, repeat: int = 20) -> None:
    from graph.selectors import cached_slice
    from graph.services import graph_slice_compute, graph_slice_invalidate

    cold = []
    for _ in range(repeat):
        graph_slice_invalidate(author_ids=[author_id])
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            graph_slice_compute(author_id=author_id)
            cold.append(time.perf_counter() - started)
    cached = []
    for _ in range(repeat):
        started = time.perf_counter()
        assert cached_slice(author_id) is not None
        cached.append(time.perf_counter() - started)
    print(
        f"{'graph slice, cold':<28} {len(queries.captured_queries):>3} queries, median "
        f"{statistics.median(cold) * 1000:6.1f} ms over {repeat} builds"
    )
    print(
        f"{'graph slice, cached':<28}   0 queries, median "
        f"{statistics.median(cached) * 1000:6.2f} ms ({settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]})"
    )


def page(label: str, client: Client, url: str, repeat: int = 20) -> None:
    client.get(url)  # warm caches and templates
    timings = []
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    print(
        f"{label:<28} {len(queries.captured_queries):>3} queries, median "
        f"{statistics.median(timings) * 1000:6.1f} ms over {repeat} requests ({url})"
    )


def main() -> int:
    from django.db.models import Count

    from publications.models import Author, Work

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    old = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"database: {connection.vendor}, {len(DEMO)} demo files")
        import_rate("import demo feeds (cold)")
        import_rate("import again (unchanged)")
        for source, files in OTHER_SOURCES.items():
            source_rate(source, files)
        author = Author.objects.order_by("-works_count").first()
        work = (
            Work.objects.visible()
            .annotate(cited=Count("incoming_citations"))
            .order_by("-cited", "pk")
            .first()
        )
        slice_times(author.pk)
        client = Client()
        page(f"profile ({author.works_count} works)", client, author.get_absolute_url())
        page(
            "profile, sorted by title",
            client,
            author.get_absolute_url() + "?sort=title",
        )
        page(f"paper page ({work.cited} citing)", client, work.get_absolute_url())
        page(
            "explorer JSON, that paper",
            client,
            f"/graph/explore.json?node=work:{work.pk}",
        )
        page("search", client, "/search/?q=test")
        page("home", client, "/")
    finally:
        teardown_databases(old, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
