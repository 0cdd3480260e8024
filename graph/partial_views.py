"""Partials htmx fetches alone: the research-graph block of a profile."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from graph.drawing import slice_block
from graph.selectors import cached_slice
from graph.services import graph_slice_request
from profiles.selectors import author_for_page, author_kept


@require_GET
def author_slice(request, author_id: int):
    """The slice if cached; else ask for it and answer "Building", to be polled."""
    try:
        attempt = max(0, int(request.GET.get("attempt", 0)))
    except ValueError:
        attempt = 0
    graph_slice = cached_slice(author_id)
    if graph_slice is None:
        author = author_for_page(author_id=author_id)  # 404 when unknown
        if author.merged_into_id:
            return redirect(
                "graph:author_slice", author_kept(author=author).pk, permanent=True
            )
        graph_slice_request(author_id=author_id)
        # With eager tasks (no broker) the slice was just built in-process.
        graph_slice = cached_slice(author_id)
    return render(
        request,
        "graph/_slice.html",
        slice_block(author_id=author_id, graph_slice=graph_slice, attempt=attempt),
    )
