"""Benchmark: load a generated arXiv snapshot, print records/s. No assertions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bzpeer_bench \\
        .venv/bin/python -m tests.bench.bench_snapshot --records 100000

Generates N lines with scripts/generate_snapshot.py (seeded; or reads
``--file``), prints the parse-only rate, then imports them through an
arxiv-snapshot run three times in a throwaway test database (cold,
unchanged, then with one line in a hundred changed: ``--changed-every``;
only cold with ``--cold-only``). On PostgreSQL the run takes the set-based path
(publications.services.snapshot_bulk) unless ``--standard``; elsewhere the
per-record path. For each import it prints the rate, the records per path,
and where the wall time went: parsing, the set-based write by step, the
standard path, commits with their after-commit work (the authors_changed
receivers), and the CPU seconds of this process, of its parsing processes
and of its PostgreSQL backend (read from /proc when the server runs on
this machine).

Celery tasks that receivers start run inline when no REDIS_URL is set
(CELERY_TASK_ALWAYS_EAGER): set REDIS_URL to a spare Redis database to
measure the load with those tasks queued, as a deployment with workers has
them; the header says which.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from functools import wraps
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

ROOT = Path(__file__).resolve().parents[2]

# (module, function, label): wall time spent in each. Labels starting with
# two spaces are steps inside the label above them that does not, and are
# not added up again. With the pipeline (SNAPSHOT_PIPELINE), planning and
# writing run in two threads at once: their times add up to more than the
# wall time, and "other" is what neither thread spent (it may be negative).
BULK = "publications.services.snapshot_bulk"
TIMED = [
    ("publications.sources.arxiv_snapshot", "parse_line", "parse lines (inline)"),
    (BULK, "page_plan", "plan pages"),
    (BULK, "_stored_hashes", "  sort: source records"),
    (BULK, "_identifier_owners", "  sort: identifiers"),
    (BULK, "_updatable", "  sort: changed works"),
    (BULK, "_topic_ids", "  topics"),
    (BULK, "_authors_resolve", "  authors by name"),
    (BULK, "_next_ids", "  ids"),
    (BULK, "_prepare", "  prepare (inline)"),
    (BULK, "page_prepare", "prepare (inline)"),
    (BULK, "_new_works_write", "write new works"),
    (BULK, "_plan_lock", "  lock"),
    (BULK, "_copy", "  COPY"),
    (BULK, "_copy_lines", "  COPY"),
    (BULK, "_aliases_add", "  aliases"),
    (BULK, "_affiliations_extend", "  affiliations"),
    (BULK, "_citations_complete", "  references"),
    (BULK, "snapshot_run_finish", "after the last page"),
    (BULK, "_authors_recount", "  recount (each batch; two at a time)"),
    (BULK, "_statistics_refresh", "ANALYZE"),
    (BULK, "works_ingest", "standard path"),
    ("publications.services.import_runs", "works_ingest", "standard path"),
    # Django's foreign keys are deferred: PostgreSQL checks them at commit.
    ("django.db.backends.base.base", "BaseDatabaseWrapper.commit", "commit"),
    (
        "django.db.backends.base.base",
        "BaseDatabaseWrapper.run_and_clear_commit_hooks",
        "after commit (receivers)",
    ),
]
# Each step ("  ...") under the label listed last before it.
PARENTS: dict[str, str] = {}
for _, _, _label in TIMED:
    if not _label.startswith("  "):
        _parent = _label
    else:
        PARENTS.setdefault(_label, _parent)
spent: dict[str, float] = defaultdict(float)
_spent_lock = threading.Lock()
_gc_started: list[float] = []


def _gc_timer(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_started.append(time.perf_counter())
    elif _gc_started:
        spent[f"gc (generation {info['generation']})"] += (
            time.perf_counter() - _gc_started.pop()
        )


def _timed(function, label):
    @wraps(function)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            name = label
            if label == "  COPY":
                name = f"  COPY {args[0].__name__}"
                PARENTS.setdefault(name, PARENTS[label])
            with _spent_lock:  # two threads with the pipeline
                spent[name] += time.perf_counter() - started

    return wrapper


def instrument() -> None:
    import importlib

    gc.callbacks.append(_gc_timer)
    for module_name, name, label in TIMED:
        owner = importlib.import_module(module_name)
        if "." in name:
            class_name, name = name.split(".")
            owner = getattr(owner, class_name)
        if hasattr(owner, name):  # an older commit may lack a step (A/B runs)
            setattr(owner, name, _timed(getattr(owner, name), label))


def postgres_cpu() -> float | None:
    """CPU seconds of the local PostgreSQL server's processes, so far.

    Every backend counts (the pipeline writes on a second connection) and
    those that ended too: the postmaster's children's times include them.
    None when the server does not run on this machine.
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    if not Path(f"/proc/{pid}").exists():
        return None
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        if name == "postgres":
            fields = rest.split()
            # utime, stime, cutime, cstime (fields 14-17 of proc(5)).
            ticks += sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def parse_rate(path: str) -> None:
    from publications.sources.arxiv_snapshot import read_pages

    started = time.perf_counter()
    seen = sum(len(page.records) for page in read_pages([path]))
    elapsed = time.perf_counter() - started
    print(f"{'parse only':<22} {seen:>7} records in {elapsed:7.1f} s = "
          f"{seen / elapsed:8.1f} records/s")  # fmt: skip


def children_cpu() -> float:
    """CPU seconds of this process's ended children (the parsing processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def import_rate(label: str, path: str, page_size: int, standard: bool) -> None:
    from publications.services.import_runs import import_run_create, import_run_execute

    parameters = {"files": [path], "page_size": page_size}
    if standard:
        parameters["standard_path"] = True
    run = import_run_create(source="arxiv-snapshot", parameters=parameters)
    spent.clear()
    cpu_db = postgres_cpu()
    cpu = time.process_time()
    cpu_parsers = children_cpu()
    started = time.perf_counter()
    run = import_run_execute(run_id=run.pk)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    cpu_parsers = children_cpu() - cpu_parsers
    db_after = postgres_cpu()
    print(
        f"{label:<22} {run.seen:>7} records in {elapsed:7.1f} s = "
        f"{run.seen / elapsed:8.1f} records/s (created {run.created}, "
        f"updated {run.updated}, unchanged {run.unchanged}, failed {run.failed})"
    )
    paths = run.checkpoint.get("paths")
    if paths:
        print(f"    paths: {paths}")
    cpu_line = (
        f"    CPU: this process {cpu:.1f} s, parsing processes {cpu_parsers:.1f} s"
    )
    if cpu_db is not None and db_after is not None:
        cpu_line += f", PostgreSQL {db_after - cpu_db:.1f} s"
    print(cpu_line + f", wall {elapsed:.1f} s")
    top = 0.0
    for name, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        nested = name.startswith(("  ", "gc "))
        if not nested:
            top += seconds
        if seconds >= 0.05 and not name.startswith("  "):
            print(f"    {name:<30} {seconds:7.1f} s")
            steps = [(n, t) for n, t in spent.items() if PARENTS.get(n) == name]
            for step, step_seconds in sorted(steps, key=lambda item: -item[1]):
                if step_seconds >= 0.05:
                    print(f"    {step:<30} {step_seconds:7.1f} s")
    print(f"    {'other (read, counts, tx)':<30} {elapsed - top:7.1f} s")


def lines_change(path: str, out: str, *, every: int) -> None:
    """A copy of the snapshot with one line in ``every`` changed, as a later
    snapshot changes them: a new version, a journal reference, an abstract
    corrected, in turn."""
    from publications.sources.arxiv_snapshot import iter_lines

    with open(out, "wb") as target:
        for number, line in iter_lines(path):
            if number % every == 0:
                record = json.loads(line)
                kind = number // every % 3
                if kind == 0:
                    record["versions"].append(
                        {
                            "version": f"v{len(record['versions']) + 1}",
                            "created": "Mon, 2 Nov 2026 10:00:00 GMT",
                        }
                    )
                elif kind == 1:
                    record["journal-ref"] = "Phys. Rev. D 99, 012345 (2026)"
                else:
                    record["abstract"] += " Corrected."
                line = json.dumps(record).encode() + b"\n"
            target.write(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--file", help="a snapshot file to load instead of one made")
    parser.add_argument(
        "--standard", action="store_true", help="force the per-record path"
    )
    parser.add_argument(
        "--cold-only",
        action="store_true",
        help="load the file once, into empty tables (a million records, say)",
    )
    parser.add_argument(
        "--changed-every",
        type=int,
        default=100,
        help="the third load changes one line in N (default 100)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file
        if not path:
            path = str(Path(tmp) / "snapshot.jsonl.gz")
            subprocess.run(  # noqa: S603 - our own script, fixed arguments
                [sys.executable, str(ROOT / "scripts" / "generate_snapshot.py"),
                 "--records", str(args.records), "--out", path,
                 "--seed", str(args.seed)],
                check=True,
            )  # fmt: skip
        setup_test_environment()
        config = setup_databases(verbosity=0, interactive=False)
        try:
            celery = (
                "tasks run inline (eager)"
                if settings.CELERY_TASK_ALWAYS_EAGER
                else "tasks queued to the broker"
            )
            checks = "n/a"
            if connection.vendor == "postgresql":
                from publications.services.snapshot_bulk import (
                    _role_may_skip_triggers,
                )

                skipped = (
                    settings.SNAPSHOT_SKIP_FOREIGN_KEY_CHECKS
                    and _role_may_skip_triggers()
                )
                checks = "skipped" if skipped else "checked"
            print(
                f"database: {connection.vendor}, {path}, page size "
                f"{args.page_size}, parse workers {settings.SNAPSHOT_PARSE_WORKERS}, "
                f"pipeline {'on' if getattr(settings, 'SNAPSHOT_PIPELINE', False) else 'off'}, "
                f"celery: {celery}, foreign keys on new works: {checks}"
            )
            if not args.cold_only:
                parse_rate(path)
            instrument()
            import_rate("import (cold)", path, args.page_size, args.standard)
            if args.cold_only:
                return
            import_rate("import (unchanged)", path, args.page_size, args.standard)
            changed = str(Path(tmp) / "changed.jsonl")
            lines_change(path, changed, every=args.changed_every)
            import_rate(
                f"import ({100 / args.changed_every:g}% changed)",
                changed,
                args.page_size,
                args.standard,
            )
        finally:
            teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
