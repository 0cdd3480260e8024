"""The research-graph explorer in a real browser: expand, filter, reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.enable_socket]


def wait_ready(page: Page) -> None:
    expect(page.locator("#explorer")).to_have_attribute("data-state", "ready")
    page.wait_for_function(
        "window.bzpeerExplorer && window.bzpeerExplorer.nodes().length > 1"
    )


def node_count(page: Page) -> int:
    return page.evaluate("window.bzpeerExplorer.nodes().length")


VISIBLE = (
    '(kind) => window.bzpeerExplorer.nodes(`[type = "${kind}"]`)'
    ".filter((n) => n.visible()).length"
)


def visible_count(page: Page, kind: str) -> int:
    return page.evaluate(VISIBLE, kind)


def wait_visible(page: Page, kind: str, *, shown: bool) -> None:
    """Wait until nodes of ``kind`` are shown (some) or hidden (none).

    Cytoscape settles an element's visibility a moment after its style
    changes, so an answer read at once can still be the old one.
    """
    test = "> 0" if shown else "=== 0"
    page.wait_for_function(f"(kind) => ({VISIBLE})(kind) {test}", arg=kind)


def tap_node(page: Page, node_id: str) -> None:
    """Click the node where Cytoscape drew it, as a person would."""
    x, y = page.evaluate(
        """(id) => {
            const cy = window.bzpeerExplorer;
            const node = cy.getElementById(id);
            const box = cy.container().getBoundingClientRect();
            const p = node.renderedPosition();
            return [box.left + p.x, box.top + p.y];
        }""",
        node_id,
    )
    page.mouse.click(x, y)


def test_explorer_expands_filters_and_restores_from_the_url(page: Page, del_maestro):
    page.goto(f"/explore/?author={del_maestro.pk}")
    wait_ready(page)
    before = node_count(page)
    wait_visible(page, "topic", shown=True)

    # Tap the co-author with the most shared works (heaviest co-authored edge).
    coauthor = page.evaluate(
        """(me) => window.bzpeerExplorer.edges('[type = "co-authored"]')
            .sort((a, b) => b.data('weight') - a.data('weight'))
            .map((e) => e.data('source') === me ? e.data('target') : e.data('source'))[0]""",
        f"author:{del_maestro.pk}",
    )
    assert coauthor.startswith("author:")
    tap_node(page, coauthor)

    expect(page).to_have_url(re.compile(rf"expand={re.escape(coauthor)}"))
    wait_ready(page)
    after = node_count(page)
    assert after > before, (before, after)
    panel = page.locator("#explorer-panel")
    expect(panel.get_by_role("link", name="Open its page")).to_be_visible()

    # Why an edge exists shows in the side panel.
    # (In braces: returning the collection would make Playwright serialise it.)
    page.evaluate(
        "() => { window.bzpeerExplorer.edges('[type = \"co-authored\"]')[0]"
        ".emit('tap'); }"
    )
    expect(panel.locator(".explorer-edge-label")).to_have_text(
        re.compile(r"^co-authored \d+ works?$")
    )

    page.get_by_role("checkbox", name="Topics").uncheck()
    wait_visible(page, "topic", shown=False)
    assert visible_count(page, "work") > 0
    expect(page).to_have_url(re.compile(r"hide=topic"))

    page.reload()
    wait_ready(page)
    assert node_count(page) == after
    wait_visible(page, "topic", shown=False)
    expect(page.get_by_role("checkbox", name="Topics")).not_to_be_checked()
    assert page.evaluate(
        "(id) => window.bzpeerExplorer.getElementById(id).hasClass('expanded')",
        coauthor,
    )

    page.get_by_role("checkbox", name="Topics").check()
    wait_visible(page, "topic", shown=True)
    expect(page).not_to_have_url(re.compile(r"hide="))


def test_unknown_author_is_a_404_page(page: Page, demo_data):
    response = page.goto("/explore/?author=999999")
    assert response.status == 404
