"""The research-graph explorer: its page and the JSON it fetches."""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from graph.neighbourhoods import (
    EDGE_TYPES,
    NODE_TYPES,
    MalformedNodeIdError,
    neighbourhood,
    node_ref,
)
from profiles.selectors import author_kept
from publications.models import Author, Work
from publications.selectors import work_merged_into

FILTER_LABELS = {
    "author": "Authors",
    "work": "Works",
    "topic": "Topics",
    "institution": "Institutions",
    "co-authored": "co-authored",
    "wrote": "wrote",
    "about": "about",
    "affiliated": "affiliated",
    "similar": "similar",
    "cites": "cites",
}


@require_GET
@ratelimit(key="ip", rate="120/m", block=True)
def explore_data(request):
    """The neighbourhood of one node, as JSON: ``?node=author:12``.

    ``node`` is ``author:<id>``, ``work:<id>``, ``institution:<id>`` or
    ``topic:<scheme>:<code>`` (``topic:arxiv:cs.LG``). The answer::

        {"nodes": [{"id": str,      # "author:12", the same id in every answer
                    "type": str,    # author | work | topic | institution
                    "label": str,   # the name or title, at most 40 characters
                    "url": str,     # the node's page
                    "weight": float # 0..1, how central; 1 for the node asked
                   }, ...],
         "edges": [{"id": str,      # "co-authored|author:12|author:40"
                    "source": str, "target": str,  # node ids
                    "type": str,    # co-authored | wrote | about | affiliated
                                    # | similar | cites (from the citing work
                                    # to the cited one)
                    "label": str,   # why it exists: "co-authored 3 works"
                    "weight": int   # shared works, works about a topic; else 1
                   }, ...]}

    The first node is the node asked. A malformed ``node`` is a 400, an
    unknown one a 404, both as ``{"error": str}``.
    """
    try:
        ref = node_ref(request.GET.get("node", ""))
    except MalformedNodeIdError:
        return JsonResponse(
            {
                "error": "node must look like author:12, work:34, institution:5 "
                "or topic:arxiv:cs.LG"
            },
            status=400,
        )
    result = neighbourhood(ref)
    if result is None:
        return JsonResponse({"error": f"No node {ref.id}"}, status=404)
    return JsonResponse(result.as_dict())


@require_GET
def explore(request):
    """The explorer page, focused on ``?author=<id>`` or ``?work=<id>``.

    The view only checks that the node exists (one query) and names it; the
    script fetches the graph from ``explore_data`` and keeps the view
    (expanded nodes, hidden types) in this page's query string.
    """
    hidden = set(request.GET.get("hide", "").split(","))
    context = {
        "focus": None,
        "node_filters": [
            (kind, FILTER_LABELS[kind], kind not in hidden) for kind in NODE_TYPES
        ],
        "edge_filters": [
            (kind, FILTER_LABELS[kind], kind not in hidden) for kind in EDGE_TYPES
        ],
    }
    author_id, work_id = request.GET.get("author"), request.GET.get("work")
    if author_id is not None:
        author = _object_or_404(Author, author_id, "display_name", "merged_into_id")
        if author["merged_into_id"]:
            kept = author_kept(
                author=Author(pk=author["pk"], merged_into_id=author["merged_into_id"])
            )
            query = request.GET.copy()
            query["author"] = kept.pk
            query.pop("expand", None)
            return redirect(f"{reverse('explore')}?{query.urlencode()}", permanent=True)
        context["focus"] = {
            "id": f"author:{author['pk']}",
            "label": author["display_name"],
            "url": Author(
                pk=author["pk"], display_name=author["display_name"]
            ).get_absolute_url(),
            "kind": "researcher",
        }
    elif work_id is not None:
        work = _object_or_404(Work, work_id, "title", "merged_into_id")
        if work["merged_into_id"]:
            # The work is now part of another: the view moves there.
            query = request.GET.copy()
            query["work"] = work_merged_into(work_id=work["pk"]).pk
            query.pop("expand", None)
            return redirect(f"{reverse('explore')}?{query.urlencode()}", permanent=True)
        context["focus"] = {
            "id": f"work:{work['pk']}",
            "label": work["title"],
            "url": Work(pk=work["pk"]).get_absolute_url(),
            "kind": "paper",
        }
    return render(request, "graph/explore.html", context)


def _object_or_404(model, pk: str, *fields: str) -> dict:
    if not pk.isdigit():
        raise Http404("No such record")
    row = model.objects.filter(pk=int(pk)).values("pk", *fields).first()
    if row is None:
        raise Http404("No such record")
    return row
