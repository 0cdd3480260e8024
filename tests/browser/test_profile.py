"""The researcher profile in a real browser: snapshot, sorting, abstracts, paper."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from graph.services import graph_slice_invalidate
from publications.models import Work

pytestmark = [pytest.mark.browser, pytest.mark.enable_socket]


def squash(text: str) -> str:
    """Whitespace as the browser renders it: runs collapsed, ends stripped."""
    return " ".join(text.split())


def author_works(author):
    return Work.objects.filter(authorships__author=author).distinct()


def shown_titles(page: Page) -> list[str]:
    return [squash(t) for t in page.locator("#works .work-title a").all_inner_texts()]


def shown_years(page: Page) -> list[int]:
    return [int(y) for y in page.locator("#works .work-year").all_inner_texts()]


def open_profile(page: Page, author) -> None:
    page.goto(f"/authors/{author.pk}/")
    expect(page).to_have_url(re.compile(re.escape(author.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(author.display_name)


def sort_by(page: Page, label: str, key: str, *, htmx: bool) -> None:
    """Click a sort link and wait until the works list shows that sort."""
    if htmx:
        # A marker on window survives an htmx swap but not a page load.
        page.evaluate("window.__sameDocument = true")
    page.locator("#works nav.sort").get_by_role("link", name=label).click()
    current = page.locator("#works nav.sort a[aria-current='true']")
    expect(current).to_have_text(label)
    expect(current).to_have_attribute("data-sort", key)
    expect(page).to_have_url(re.compile(rf"\?sort={re.escape(key)}(#works)?$"))
    if htmx:
        assert page.evaluate("window.__sameDocument === true"), "page reloaded"


def check_sorts(page: Page, author, *, htmx: bool) -> None:
    titles_in_db_order = [
        squash(title)
        for title in author_works(author)
        .order_by("title", "pk")
        .values_list("title", flat=True)
    ]
    n_works = len(titles_in_db_order)
    assert n_works > 2, "the demo data should give a list worth sorting"

    sort_by(page, "Oldest first", "year", htmx=htmx)
    years = shown_years(page)
    assert len(years) == n_works
    assert years == sorted(years), years
    assert years[0] < years[-1]

    sort_by(page, "Newest first", "-year", htmx=htmx)
    years = shown_years(page)
    assert len(years) == n_works
    assert years == sorted(years, reverse=True), years

    sort_by(page, "Title A-Z", "title", htmx=htmx)
    # The database's ORDER BY is the truth (collations differ between
    # backends); the demo titles all start with a capital, so it also agrees
    # with a case-insensitive sort.
    assert shown_titles(page) == titles_in_db_order
    assert shown_titles(page) == sorted(titles_in_db_order, key=str.casefold)

    sort_by(page, "Title Z-A", "-title", htmx=htmx)
    titles_in_db_order_desc = [
        squash(title)
        for title in author_works(author)
        .order_by("-title", "-pk")
        .values_list("title", flat=True)
    ]
    assert shown_titles(page) == titles_in_db_order_desc
    assert titles_in_db_order_desc == titles_in_db_order[::-1]


def test_bare_author_url_redirects_to_the_slug_url(page: Page, del_maestro):
    response = page.goto(f"/authors/{del_maestro.pk}/")
    assert del_maestro.get_absolute_url() == (
        f"/authors/{del_maestro.pk}-adrian-del-maestro/"
    )
    assert response.url.endswith(del_maestro.get_absolute_url())
    redirect = response.request.redirected_from
    assert redirect is not None
    assert redirect.url.endswith(f"/authors/{del_maestro.pk}/")
    assert redirect.response().status == 301
    expect(page.locator("link[rel=canonical]")).to_have_attribute(
        "href", re.compile(re.escape(del_maestro.get_absolute_url()) + "$")
    )


def test_profile_shows_snapshot_counts_and_claim_prompts(page: Page, del_maestro):
    open_profile(page, del_maestro)
    n_works = author_works(del_maestro).count()

    snapshot = page.locator("section.trust-snapshot")
    expect(snapshot.get_by_role("heading", name="Trust snapshot")).to_be_visible()
    expect(snapshot.locator(".trust-score")).to_have_text(
        re.compile(r"^Trust \d+ - (New|Emerging|Established|Trusted|Highly trusted)$")
    )
    expect(snapshot.locator(".trust-verification")).to_have_text("Verification L0")
    expect(snapshot.locator(".trust-claim")).to_have_text("Unclaimed author")
    works_figure = snapshot.locator(".counts div", has_text="Works").locator("dd")
    expect(works_figure).to_have_text(str(n_works))

    affiliation = page.locator(".profile-header .affiliation")
    if del_maestro.affiliations.exists():
        expect(affiliation).not_to_contain_text("Affiliation not imported")
    else:
        expect(affiliation).to_have_text("Affiliation not imported")

    expect(page.locator("#works .works-count")).to_have_text(
        f"{n_works} published items"
    )
    expect(page.locator("#works .work-row")).to_have_count(n_works)
    expect(page.get_by_role("link", name="Log in to claim")).to_be_visible()
    expect(
        page.get_by_text("Claim this author entity first to unlock direct invitations")
    ).to_be_visible()
    # The default sort is newest first.
    expect(page.locator("#works nav.sort a[aria-current='true']")).to_have_text(
        "Newest first"
    )
    years = shown_years(page)
    assert years == sorted(years, reverse=True)


def test_sort_links_swap_the_works_list_with_htmx(page: Page, del_maestro):
    open_profile(page, del_maestro)
    check_sorts(page, del_maestro, htmx=True)
    # The swap replaced only #works: the rest of the page is still there.
    expect(page.locator("section.trust-snapshot")).to_have_count(1)
    expect(page.locator("#works")).to_have_count(1)


def test_show_abstract_expands_the_full_text(page: Page, del_maestro):
    open_profile(page, del_maestro)
    work = (
        author_works(del_maestro)
        .exclude(abstract="")
        .order_by("-published", "-pk")
        .first()
    )
    row = page.locator("#works .work-row").filter(
        has=page.get_by_role("link", name=squash(work.title), exact=True)
    )
    details = row.locator("details.abstract")
    full = details.locator(".abstract-full")
    expect(full).to_be_hidden()
    assert len(squash(work.abstract)) > 220, "pick a work whose abstract is cut"
    expect(details.locator(".abstract-preview")).to_contain_text("…")

    details.locator("summary", has_text="Show abstract").click()

    expect(details).to_have_attribute("open", "")
    expect(full).to_be_visible()
    assert squash(full.inner_text()) == squash(work.abstract)
    expect(details.locator(".abstract-preview")).to_be_hidden()


def test_paper_page_from_the_profile(page: Page, del_maestro):
    open_profile(page, del_maestro)
    # A paper with co-authors, so several profile links are checked.
    work = next(
        w
        for w in author_works(del_maestro).exclude(arxiv_id="").order_by("-published")
        if w.authorships.filter(author__isnull=False).count() > 1
    )
    title = squash(work.title)

    page.locator("#works .work-title").get_by_role(
        "link", name=title, exact=True
    ).click()

    expect(page).to_have_url(re.compile(re.escape(work.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page).to_have_title(re.compile("^" + re.escape(title)))

    # Every resolved author links to their profile.
    author_links = page.locator(".work-page .work-authors a")
    authorships = list(
        work.authorships.filter(author__isnull=False).select_related("author")
    )
    expect(author_links).to_have_count(len(authorships))
    for authorship, link in zip(authorships, author_links.all(), strict=True):
        expect(link).to_have_text(authorship.name)
        expect(link).to_have_attribute("href", authorship.author.get_absolute_url())

    cite = page.locator("section.cite")
    expect(cite.get_by_role("heading", name="How to cite")).to_be_visible()
    for style in ("APA", "MLA", "BibTeX"):
        expect(cite.get_by_role("heading", name=style, exact=True)).to_be_visible()
    expect(page.locator("#cite-apa")).to_contain_text(title[:30])
    # MLA writes titles in title case.
    expect(page.locator("#cite-mla")).to_contain_text(
        re.compile(re.escape(title[:30]), re.IGNORECASE)
    )
    expect(page.locator("#cite-apa")).not_to_be_empty()
    expect(page.locator("#cite-mla")).not_to_be_empty()
    expect(page.locator("#cite-bibtex")).to_contain_text("@")
    expect(page.locator("#cite-bibtex")).to_contain_text(work.arxiv_id)

    arxiv_link = page.get_by_role("link", name=f"arXiv:{work.arxiv_id}", exact=True)
    expect(arxiv_link).to_have_attribute(
        "href", f"https://arxiv.org/abs/{work.arxiv_id}"
    )

    # And back to the profile through the author link, under the name the
    # paper prints ("A. Del Maestro" on some).
    printed = work.authorships.get(author=del_maestro).name
    page.locator(".work-page .work-authors").get_by_role(
        "link", name=printed, exact=True
    ).click()
    expect(page).to_have_url(
        re.compile(re.escape(del_maestro.get_absolute_url()) + "$")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Adrian Del Maestro")


def test_profile_works_without_javascript(page_without_js: Page, del_maestro):
    page = page_without_js
    open_profile(page, del_maestro)
    n_works = author_works(del_maestro).count()
    expect(page.locator("#works .works-count")).to_have_text(
        f"{n_works} published items"
    )
    expect(page.locator("section.trust-snapshot .trust-claim")).to_have_text(
        "Unclaimed author"
    )
    check_sorts(page, del_maestro, htmx=False)
    # <details> needs no script either.
    details = page.locator("#works details.abstract").first
    details.locator("summary").click()
    expect(details.locator(".abstract-full")).to_be_visible()


def test_research_graph_builds_then_shows_the_picture(page: Page, del_maestro):
    # Whether or not a worker precomputed it after the import, start from a
    # profile whose slice is not built yet.
    graph_slice_invalidate(author_ids=[del_maestro.pk])
    page.goto(del_maestro.get_absolute_url())
    block = page.locator(f"#research-graph-{del_maestro.pk}")
    expect(block).to_contain_text("Building this graph slice")

    # htmx polls the partial, which builds the slice and swaps it in.
    expect(block.locator("svg.graph-svg")).to_be_visible()
    expect(block.locator("a.graph-node-author").first).to_have_attribute(
        "href", re.compile(r"^/authors/\d+")
    )
    expect(block.locator(".graph-legend")).to_be_visible()
