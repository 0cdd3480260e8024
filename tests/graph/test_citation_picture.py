"""The citation network's picture on the paper page: server-rendered SVG."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree
from django.template import Context, Template

from graph.citation_drawing import PER_SIDE, citation_picture
from publications.citation_network import citation_network
from tests.citation_data import cite, cited_by, make_network
from tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
TAG = Template("{% load citation_network %}{% citation_network_picture network %}")


def citation_svg(html: str) -> Element:
    """The picture's <svg>, parsed as XML: it must be well-formed."""
    match = re.search(r'<svg class="graph-svg citation-svg".*?</svg>', html, re.DOTALL)
    assert match, "no citation SVG in the page"
    return ElementTree.fromstring(match.group(0))


def nodes(svg: Element, kind: str) -> list[Element]:
    return [
        element
        for element in svg.iter()
        if element.get("class", "") == f"graph-node graph-node-{kind}"
    ]


def test_paper_page_picture_is_valid_xml_with_links_on_every_work(client):
    net = make_network()

    svg = citation_svg(client.get(net.paper.get_absolute_url()).content.decode())

    links = {a.get("href") for a in svg.iter(f"{SVG}a")}
    assert links == {
        net.popular.get_absolute_url(),
        net.recent.get_absolute_url(),
        net.classic.get_absolute_url(),
        "https://doi.org/10.1103/physrevb.99.014501",
        "https://arxiv.org/abs/cond-mat/0601001",
        "https://openalex.org/W2741809807",
    }
    assert svg.get("aria-labelledby") == "citation-network-heading"


def test_nodes_are_typed_and_the_paper_is_in_the_centre(client):
    net = make_network()

    svg = citation_svg(client.get(net.paper.get_absolute_url()).content.decode())

    assert len(nodes(svg, "citing")) == 2
    assert len(nodes(svg, "reference")) == 1
    assert len(nodes(svg, "elsewhere")) == 3
    (paper,) = nodes(svg, "paper")
    mark = paper.find(f"{SVG}rect")
    width = float(svg.get("viewBox").split()[2])
    centre = float(mark.get("x")) + float(mark.get("width")) / 2
    assert centre == pytest.approx(width / 2, abs=0.2)
    # References on the left of the paper, citing works on the right.
    for kind, left in (("citing", False), ("reference", True), ("elsewhere", True)):
        for node in nodes(svg, kind):
            circle, square = node.find(f"{SVG}circle"), node.find(f"{SVG}rect")
            x = circle.get("cx") if circle is not None else square.get("x")
            assert (float(x) < width / 2) is left


def test_hover_titles_say_what_each_node_and_line_is(client):
    net = make_network()

    svg = citation_svg(client.get(net.paper.get_absolute_url()).content.decode())

    titles = {t.text for t in svg.iter(f"{SVG}title")}
    assert (
        "Luttinger liquids in narrow pores (Cy Young, Di Chen; 2018; cited 40 times): "
        "cites this paper"
    ) in titles
    assert (
        "Bose condensation in porous media (Fay Lin; 2010; cited 100 times): "
        "referenced by this paper"
    ) in titles
    assert "OpenAlex W2741809807: referenced by this paper, not in BZPEER yet" in titles
    assert (
        "“Luttinger liquids in narrow pores” cites this paper (listed by Crossref)"
        in titles
    )
    assert (
        "This paper cites “Bose condensation in porous media” (listed by Crossref)"
        in titles
    )


def test_legend_tells_citing_works_from_references(client):
    net = make_network()

    html = client.get(net.paper.get_absolute_url()).content.decode()

    legend = html.split('<ul class="graph-legend">')[1].split("</ul>")[0]
    texts = re.findall(r"</svg>([^<]+)</li>", legend)
    assert texts == [
        "This paper",
        "Referenced by this paper",
        "Referenced, not in BZPEER yet",
        "Cites this paper",
        "cites (the arrow points to the cited work)",
    ]


def test_picture_shows_at_most_ten_works_a_side_the_most_cited(client):
    net = make_network()
    cited_by(net.paper, 30)

    svg = citation_svg(client.get(net.paper.get_absolute_url()).content.decode())

    citing = nodes(svg, "citing")
    assert len(citing) == PER_SIDE
    assert citing[0].get("href") == net.popular.get_absolute_url()
    headings = [t.text for t in svg.iter(f"{SVG}text") if t.text]
    assert "Cites this paper (32)" in headings
    assert "and 22 more in the table" in headings


def test_every_arrow_has_its_marker_defined(client):
    net = make_network()

    svg = citation_svg(client.get(net.paper.get_absolute_url()).content.decode())

    markers = {m.get("id") for m in svg.iter(f"{SVG}marker")}
    arrows = list(svg.iter(f"{SVG}polyline"))
    assert len(arrows) == 6
    for arrow in arrows:
        assert arrow.get("marker-mid")[len("url(#") : -1] in markers


def test_side_without_works_says_so():
    paper = WorkFactory()
    cite(paper, None, "doi", "10.1/x", "crossref")

    picture = citation_picture(citation_network(work=paper))

    assert "No citing work in BZPEER yet" in {h.text for h in picture.headings}


def test_no_picture_without_citation_data(django_assert_num_queries):
    network = citation_network(work=WorkFactory())

    with django_assert_num_queries(0):
        html = TAG.render(Context({"network": network}))

    assert "<svg" not in html


def test_drawing_costs_no_query(django_assert_num_queries):
    net = make_network()
    network = citation_network(work=net.paper)

    with django_assert_num_queries(0):
        html = TAG.render(Context({"network": network}))

    citation_svg(html)


def test_markup_in_titles_is_escaped_and_the_svg_still_parses(client):
    paper = WorkFactory()
    cite(
        WorkFactory(title='Eve <script>alert(1)</script> & "friends"'),
        paper,
        "doi",
        "10.1/x",
        "openalex",
    )

    html = client.get(paper.get_absolute_url()).content.decode()

    svg = citation_svg(html)
    assert any(
        (t.text or "").startswith('Eve <script>alert(1)</script> & "friends"')
        for t in svg.iter(f"{SVG}title")
    )
