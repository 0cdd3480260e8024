"""Record pages: home, search, the paper page, topic and institution pages."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from publications import selectors
from publications.citation_network import work_citations_page


@require_GET
def home(request):
    return render(request, "publications/home.html", {"page": selectors.home_page()})


@require_GET
def search(request):
    results = selectors.search(
        query=request.GET.get("q", ""), page_number=request.GET.get("page")
    )
    return render(request, "publications/search.html", {"results": results})


@require_GET
def work_detail(request, work_id: int):
    page = selectors.work_page(work_id=work_id)
    if page.work.merged_into_id is not None:
        # A work found to be another's duplicate answers 301 there, for ever.
        return redirect(selectors.work_merged_into(work_id=work_id), permanent=True)
    return render(
        request, "publications/work_detail.html", {"page": page, "work": page.work}
    )


@require_GET
def work_citations(request, work_id: int):
    """Every work that cites this one and every reference, paginated."""
    page = work_citations_page(
        work_id=work_id,
        citing_page=request.GET.get("citing_page"),
        references_page=request.GET.get("references_page"),
    )
    if page.work.merged_into_id is not None:
        kept = selectors.work_merged_into(work_id=work_id)
        return redirect(
            reverse("publications:work_citations", args=[kept.pk]), permanent=True
        )
    return render(
        request, "publications/work_citations.html", {"page": page, "work": page.work}
    )


@require_GET
def topic_detail(request, scheme: str, code: str):
    page = selectors.topic_page(
        scheme=scheme,
        code=code,
        page_number=request.GET.get("page"),
        sort=request.GET.get("sort", selectors.DEFAULT_TOPIC_SORT),
    )
    return render(
        request, "publications/topic_detail.html", {"page": page, "topic": page.topic}
    )


@require_GET
def institution_detail(request, institution_id: int):
    page = selectors.institution_page(
        institution_id=institution_id, page_number=request.GET.get("page")
    )
    return render(
        request,
        "publications/institution_detail.html",
        {"page": page, "institution": page.institution},
    )
