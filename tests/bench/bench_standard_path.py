"""Benchmark: the per-record path on a loaded database. No assertions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bzpeer_1m \\
        .venv/bin/python -m tests.bench.bench_standard_path --file F

A snapshot load writes most records set-based, but a record whose DOI
already belongs to a work takes the per-record path (``works_ingest``:
precedence, merges, provenance), and on a database of a million works
those few records took a large share of the load. This times that path:
on the database ``DATABASE_URL`` names, already loaded (with ``manage.py
import arxiv-snapshot --file F``), it takes every ``--every``-th line of
F that has a DOI, gives it a fresh arXiv id (so it is a new preprint of a
published work, as in the load) and writes it with ``works_ingest`` as
the snapshot's writer does: authors by name
(``identity.authorships_resolve_by_name``), recounted at the run's finish
with the rest. With ``--evidence``, as every other import does (and the
load did before stop 17): authors by evidence, recounted at once. Each
record is written in a savepoint rolled back, the whole in a transaction
rolled back: the database is left as it was. For each record it prints
the time, the queries and the authors; then the mean, and how much of
the time was spent waiting for PostgreSQL.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import statistics
import sys
import time
from collections import defaultdict

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from publications.models import ImportRun  # noqa: E402
from publications.services.identity import (  # noqa: E402
    authorships_resolve_authors,
    authorships_resolve_by_name,
)
from publications.services.ingest import works_ingest  # noqa: E402
from publications.services.snapshot_bulk import _authors_recount  # noqa: E402
from publications.sources import arxiv_snapshot  # noqa: E402
from publications.sources.base import ParsedWork  # noqa: E402


def sample(path: str, every: int, count: int) -> list[ParsedWork]:
    """``count`` records with a DOI, from every ``every``-th line, renamed."""
    records = []
    for number, line in arxiv_snapshot.iter_lines(path):
        if number % every:
            continue
        work = arxiv_snapshot.parse_line(line, line_number=number)
        if isinstance(work, ParsedWork) and work.doi:
            fresh = f"2999.{len(records):05d}"  # no snapshot id has year 29
            records.append(dataclasses.replace(work, external_id=fresh, arxiv_id=fresh))
            if len(records) == count:
                break
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", required=True, help="the snapshot file loaded")
    parser.add_argument("--every", type=int, default=25_000)
    parser.add_argument("--records", type=int, default=15)
    parser.add_argument(
        "--queries", type=int, default=0, help="print the N costliest queries"
    )
    parser.add_argument(
        "--evidence",
        action="store_true",
        help="decide authors by evidence, as imports other than the snapshot do",
    )
    options = parser.parse_args()
    resolve_authors = (
        authorships_resolve_authors if options.evidence else authorships_resolve_by_name
    )

    records = sample(options.file, options.every, options.records)
    print(
        f"database {connection.settings_dict['NAME']}, {len(records)} records "
        f"from every {options.every}th line of {options.file}, authors by "
        f"{'evidence' if options.evidence else 'name'}"
    )
    times, waits = [], []
    # The queries' shape (numbers as N) -> [how many, seconds]
    shapes: dict[str, list] = defaultdict(lambda: [0, 0.0])
    with transaction.atomic():
        run = ImportRun.objects.create(source=arxiv_snapshot.SOURCE, parameters={})
        for work in records:
            sid = transaction.savepoint()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                works_ingest(
                    records=[work],
                    import_run=run,
                    recount=_authors_recount,
                    resolve_authors=resolve_authors,
                    recount_created=options.evidence,
                )
                elapsed = time.perf_counter() - started
            transaction.savepoint_rollback(sid)
            waited = sum(float(q["time"]) for q in queries.captured_queries)
            for query in queries.captured_queries:
                shape = shapes[re.sub(r"\d+", "N", query["sql"])[:200]]
                shape[0] += 1
                shape[1] += float(query["time"])
            times.append(elapsed)
            waits.append(waited)
            print(
                f"  {work.doi:<40} {elapsed * 1000:8.1f} ms "
                f"({waited * 1000:6.1f} in PostgreSQL) "
                f"{len(queries.captured_queries):3d} queries "
                f"{len(work.authorships):3d} authors"
            )
        transaction.set_rollback(True)
    if times:
        print(
            f"mean {statistics.mean(times) * 1000:.0f} ms a record "
            f"(median {statistics.median(times) * 1000:.0f}), of which "
            f"{statistics.mean(waits) * 1000:.0f} ms waiting for PostgreSQL; "
            f"{sum(times):.2f} s in all"
        )
    costliest = sorted(shapes.items(), key=lambda item: -item[1][1])
    for shape, (count, seconds) in costliest[: options.queries]:
        print(f"{seconds:8.3f} s {count:4d}x  {shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
