"""Record pages: home, search and the paper page."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from publications import selectors


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
    return render(
        request, "publications/work_detail.html", {"page": page, "work": page.work}
    )
