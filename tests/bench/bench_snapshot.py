"""Benchmark: load a generated arXiv snapshot, print records/s. No assertions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bzpeer_bench \\
        .venv/bin/python -m tests.bench.bench_snapshot --records 10000

Generates N lines with scripts/generate_snapshot.py (seeded), then imports
them through the arxiv-snapshot run twice in a throwaway test database
(cold, then unchanged), and prints the parse-only rate for comparison.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

ROOT = Path(__file__).resolve().parents[2]


def parse_rate(path: str) -> None:
    from publications.sources.arxiv_snapshot import read_pages

    started = time.perf_counter()
    seen = sum(len(page.records) for page in read_pages([path]))
    elapsed = time.perf_counter() - started
    print(f"{'parse only':<22} {seen:>7} records in {elapsed:7.1f} s = "
          f"{seen / elapsed:8.1f} records/s")  # fmt: skip


def import_rate(label: str, path: str, page_size: int) -> None:
    from publications.services.import_runs import import_run_create, import_run_execute

    run = import_run_create(
        source="arxiv-snapshot", parameters={"files": [path], "page_size": page_size}
    )
    started = time.perf_counter()
    run = import_run_execute(run_id=run.pk)
    elapsed = time.perf_counter() - started
    print(
        f"{label:<22} {run.seen:>7} records in {elapsed:7.1f} s = "
        f"{run.seen / elapsed:8.1f} records/s (created {run.created}, "
        f"updated {run.updated}, unchanged {run.unchanged}, failed {run.failed})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "snapshot.jsonl.gz")
        subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [sys.executable, str(ROOT / "scripts" / "generate_snapshot.py"),
             "--records", str(args.records), "--out", path, "--seed", str(args.seed)],
            check=True,
        )  # fmt: skip
        setup_test_environment()
        config = setup_databases(verbosity=0, interactive=False)
        try:
            print(f"database: {connection.vendor}, {args.records} generated records")
            parse_rate(path)
            import_rate("import (cold)", path, args.page_size)
            import_rate("import (unchanged)", path, args.page_size)
        finally:
            teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
