"""Benchmarks: print figures, assert nothing. ``make bench``.

Runs in a throwaway test database (in-memory SQLite by default, or a
``test_`` database on the server ``DATABASE_URL`` names) and prints:
the import rate of the bundled demo feeds (cold, then re-imported
unchanged), and the query count and render time of the profile page of the
author with the most works and of a paper page.
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
from django.db import connection  # noqa: E402
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


def page(label: str, client: Client, url: str, repeat: int = 20) -> None:
    client.get(url)  # warm caches and templates
    timings = []
    for _ in range(repeat):
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
    from publications.models import Author, Work

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    old = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"database: {connection.vendor}, {len(DEMO)} demo files")
        import_rate("import demo feeds (cold)")
        import_rate("import again (unchanged)")
        author = Author.objects.order_by("-works_count").first()
        work = Work.objects.order_by("-pk").first()
        client = Client()
        page(f"profile ({author.works_count} works)", client, author.get_absolute_url())
        page(
            "profile, sorted by title",
            client,
            author.get_absolute_url() + "?sort=title",
        )
        page("paper page", client, work.get_absolute_url())
        page("search", client, "/search/?q=test")
        page("home", client, "/")
    finally:
        teardown_databases(old, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
