"""The citation network on a paper page, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.citation_data import make_network

pytestmark = [pytest.mark.browser, pytest.mark.enable_socket]


@pytest.fixture
def network(transactional_db):
    # Committed rows: the live server answers from another thread.
    return make_network()


def test_paper_page_shows_the_citation_picture_and_table(page: Page, network):
    page.goto(network.paper.get_absolute_url())

    section = page.locator("#citation-network")
    expect(section.get_by_role("heading", name="Citation network")).to_be_visible()
    expect(section).to_contain_text(
        "Cited by 120 according to OpenAlex; 2 of them are in BZPEER."
    )

    # The picture: drawn, with a box, its works linked.
    picture = section.locator("svg.citation-svg")
    expect(picture).to_be_visible()
    box = picture.bounding_box()
    assert box["width"] > 300
    assert box["height"] > 100
    citing = picture.locator("a.graph-node-citing")
    expect(citing).to_have_count(2)
    expect(picture.locator("a.graph-node-elsewhere")).to_have_count(3)
    expect(section.locator(".graph-legend")).to_contain_text("Cites this paper")
    expect(section.locator(".graph-legend")).to_contain_text("Referenced by this paper")

    # The tables.
    citing_table = section.get_by_role("table", name="Cites this paper")
    expect(citing_table.locator("tbody tr")).to_have_count(2)
    expect(citing_table.locator("tbody tr").first).to_contain_text(
        "Luttinger liquids in narrow pores"
    )
    expect(citing_table.locator("tbody tr").first).to_contain_text("Cy Young, Di Chen")
    references = section.get_by_role("table", name="Referenced by this paper")
    expect(references.locator("tbody tr")).to_have_count(4)
    expect(
        references.get_by_role("link", name="DOI 10.1103/physrevb.99.014501")
    ).to_have_attribute("href", "https://doi.org/10.1103/physrevb.99.014501")

    # A work in the picture is a link to its page.
    citing.first.click()
    expect(page).to_have_url(
        f"{page.url.split('/works/')[0]}{network.popular.get_absolute_url()}"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Luttinger liquids in narrow pores"
    )


def test_citation_picture_reads_without_javascript(page_without_js: Page, network):
    page_without_js.goto(network.paper.get_absolute_url())

    picture = page_without_js.locator("#citation-network svg.citation-svg")
    expect(picture).to_be_visible()
    expect(picture.locator("a.graph-node-reference")).to_have_count(1)
