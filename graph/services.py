"""Writes of the research graph: compute, cache, invalidate and request slices.

A slice is cached under a key that holds a per-author version number, itself
kept in the cache. Invalidating bumps the version, so every process stops
seeing the old slice at once, without deleting keys it may not know. The
version is read before the rows: if the author changes while a slice is
being built, the result lands under the old version and is never served.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from graph.builders import Slice, slice_build
from graph.selectors import (
    SLICE_TIMEOUT,
    cached_slice,
    slice_key,
    slice_rows,
    slice_version,
    slice_version_key,
)
from graph.tasks import graph_slice_compute_task
from publications.models import Author

# A page asks for a missing slice at most once per this many seconds.
REQUEST_INTERVAL = 60
# Authors per task after an import.
TASK_BATCH = 100


def graph_slice_compute(*, author_id: int) -> Slice:
    """Build the author's slice and cache it; Author.DoesNotExist if unknown."""
    version = slice_version(author_id)
    rows = slice_rows(author_id=author_id)
    if rows is None:
        raise Author.DoesNotExist(f"No author {author_id}")
    graph_slice = slice_build(rows)
    graph_slice.version = version
    cache.set(
        slice_key(author_id, version), graph_slice.as_dict(), timeout=SLICE_TIMEOUT
    )
    return graph_slice


def graph_slices_compute(*, author_ids: Iterable[int]) -> int:
    """Build the slices that are not cached yet; return how many were built.

    Safe to run twice: a slice already cached at the current version is
    left alone, and unknown authors are skipped.
    """
    built = 0
    for author_id in author_ids:
        if cached_slice(author_id) is not None:
            continue
        try:
            graph_slice_compute(author_id=author_id)
        except Author.DoesNotExist:
            continue
        built += 1
    return built


def graph_slice_invalidate(*, author_ids: Iterable[int]) -> None:
    """Bump each author's slice version, so their cached slices are ignored."""
    keys = [slice_version_key(author_id) for author_id in author_ids]
    if not keys:
        return
    current = cache.get_many(keys)
    now = time.time_ns()
    cache.set_many(
        {key: max(now, current.get(key, 0) + 1) for key in keys}, timeout=None
    )


def graph_slices_refresh(*, author_ids: list[int]) -> None:
    """After the authors' records changed: drop their slices, rebuild after commit.

    The rebuild is skipped unless GRAPH_PRECOMPUTE is on (the default with a
    Redis cache): with a per-process local-memory cache, slices built by an
    import command would vanish with it, and pages build them on demand.
    """
    graph_slice_invalidate(author_ids=author_ids)
    if not settings.GRAPH_PRECOMPUTE:
        return
    for start in range(0, len(author_ids), TASK_BATCH):
        batch = list(author_ids[start : start + TASK_BATCH])
        transaction.on_commit(lambda batch=batch: graph_slice_compute_task.delay(batch))


def graph_slice_request(*, author_id: int) -> bool:
    """Ask a worker to build a missing slice; True if a task was enqueued.

    Pages poll while the slice is being built: the first poll enqueues, the
    following ones within REQUEST_INTERVAL do not pile up duplicate tasks.
    """
    pending = f"graph:slice-requested:{author_id}:{slice_version(author_id)}"
    if not cache.add(pending, True, timeout=REQUEST_INTERVAL):
        return False
    # No on_commit: a page asks for a slice of data already committed, and
    # with eager tasks the block can then show the slice straight away.
    graph_slice_compute_task.delay([author_id])
    return True
