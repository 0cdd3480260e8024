"""/graph/authors/<id>/slice/: the research-graph partial htmx polls."""

from __future__ import annotations

import re
from unittest import mock
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree
from django.urls import reverse

from bzpeer.celery import app as celery_app
from graph.services import graph_slice_compute
from graph.tasks import graph_slice_compute_task
from tests.factories import AuthorFactory, AuthorshipFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def slice_url(author, **params) -> str:
    url = reverse("graph:author_slice", args=[author.pk])
    return url + "".join(f"?{k}={v}" for k, v in params.items())


def graph_svg(html: str) -> Element:
    """The graph's <svg> element, parsed as XML (it must be well-formed).

    defusedxml is xml.etree.ElementTree with the entity attacks turned off.
    """
    match = re.search(r'<svg class="graph-svg".*?</svg>', html, re.DOTALL)
    assert match, "no graph SVG in the page"
    return ElementTree.fromstring(match.group(0))


@pytest.fixture
def queued_tasks():
    """Tasks go to a (pretend) broker instead of running in-process."""
    celery_app.conf.task_always_eager = False
    with mock.patch.object(graph_slice_compute_task, "delay") as delay:
        yield delay


def test_first_visit_without_a_worker_result_says_building_and_polls(
    client, researcher, queued_tasks
):
    html = client.get(slice_url(researcher.author)).content.decode()

    assert "Building this graph slice" in html
    assert f'hx-get="{slice_url(researcher.author, attempt=1)}"' in html
    assert 'hx-trigger="load delay:2s"' in html
    assert 'hx-swap="outerHTML"' in html
    assert "<svg" not in html
    queued_tasks.assert_called_once_with([researcher.author.pk])


def test_polling_again_does_not_enqueue_the_task_twice(
    client, researcher, queued_tasks
):
    client.get(slice_url(researcher.author))
    client.get(slice_url(researcher.author, attempt=1))

    assert queued_tasks.call_count == 1


def test_polling_stops_after_many_attempts(client, researcher, queued_tasks):
    html = client.get(slice_url(researcher.author, attempt=60)).content.decode()

    assert "taking longer than usual" in html
    assert "hx-get" not in html


def test_with_eager_tasks_the_slice_is_built_and_shown_at_once(client, researcher):
    html = client.get(slice_url(researcher.author)).content.decode()

    assert "Building this graph slice" not in html
    assert "hx-get" not in html
    graph_svg(html)


def test_cached_slice_costs_no_query(client, researcher, django_assert_num_queries):
    graph_slice_compute(author_id=researcher.author.pk)

    with django_assert_num_queries(0):
        response = client.get(slice_url(researcher.author))

    assert response.status_code == 200
    assert "Research graph" in response.content.decode()


def test_block_has_heading_subtext_and_explorer_link(client, researcher):
    graph_slice_compute(author_id=researcher.author.pk)

    html = client.get(slice_url(researcher.author)).content.decode()

    assert '<h2 id="research-graph-heading">Research graph</h2>' in html
    assert (
        "See the researcher in context: nearby papers, people, topics and institutions"
        in html
    )
    assert (
        f'<a class="small" href="/explore/?author={researcher.author.pk}">'
        "Open full explorer</a>"
    ) in html


def test_svg_is_valid_xml_with_links_to_every_nodes_page(client, researcher):
    graph_slice_compute(author_id=researcher.author.pk)

    svg = graph_svg(client.get(slice_url(researcher.author)).content.decode())

    hrefs = {a.get("href") for a in svg.iter(f"{SVG}a")}
    assert researcher.author.get_absolute_url() in hrefs
    assert researcher.ada.get_absolute_url() in hrefs
    assert researcher.new.get_absolute_url() in hrefs
    assert researcher.stats.get_absolute_url() in hrefs
    assert researcher.lab.get_absolute_url() in hrefs
    assert len(hrefs) == 9  # 3 people, 3 works, 2 topics, 1 institution
    titles = {t.text for t in svg.iter(f"{SVG}title")}
    assert "Adrian Del Maestro and Ada Lovelace co-authored 2 works" in titles
    assert "Adrian Del Maestro and Bo Peep co-authored 1 work" in titles
    assert "University of Vermont (2012-2016)" in titles
    assert "Statistical Mechanics (cond-mat.stat-mech)" in titles


def test_nodes_of_each_kind_have_their_own_shape(client, researcher):
    graph_slice_compute(author_id=researcher.author.pk)

    svg = graph_svg(client.get(slice_url(researcher.author)).content.decode())

    nodes = svg.find(f"{SVG}g[@class='graph-nodes']")
    assert len(nodes.findall(f".//{SVG}circle")) == 3  # the author, 2 co-authors
    assert len(nodes.findall(f".//{SVG}rect")) == 3  # works
    assert len(nodes.findall(f".//{SVG}polygon")) == 3  # 2 topics, 1 institution
    widths = {
        line.get("stroke-width")
        for line in svg.iter(f"{SVG}line")
        if line.get("class") != "graph-edge-hit"
    }
    assert {"1.0", "1.9"} <= widths  # 1 and 2 shared works


def test_names_are_escaped(client):
    author = AuthorFactory(display_name="Eve <script>alert(1)</script>")
    coauthor = AuthorFactory(display_name='Mal "&" <b>Bold</b>')
    work = AuthorshipFactory(author=author, position=1).work
    AuthorshipFactory(work=work, author=coauthor, position=2)
    graph_slice_compute(author_id=author.pk)

    html = client.get(slice_url(author)).content.decode()

    assert "<script>" not in html
    assert "<b>" not in html
    assert "Eve &lt;script&gt;alert(1)&lt;/script&gt;" in html
    svg = graph_svg(html)
    assert "Eve <script>alert(1)</script>" in {t.text for t in svg.iter(f"{SVG}title")}


def test_legend_names_the_kinds_shown(client, researcher):
    graph_slice_compute(author_id=researcher.author.pk)

    html = client.get(slice_url(researcher.author)).content.decode()
    legend = html[html.index('class="graph-legend"') :]

    for text in ("This researcher", "Co-author", "Work", "Topic", "Institution"):
        assert text in legend
    assert "co-authored (wider: more shared works)" in legend


def test_author_without_works_shows_an_empty_note(client):
    author = AuthorFactory()

    html = client.get(slice_url(author)).content.decode()

    assert "No works imported yet" in html
    assert "<svg" not in html


def test_unknown_author_is_404(client):
    assert client.get("/graph/authors/999999/slice/").status_code == 404


def test_merged_author_redirects_to_the_kept_record(client):
    kept = AuthorFactory()
    gone = AuthorFactory(merged_into=kept)

    response = client.get(slice_url(gone))

    assert response.status_code == 301
    assert response["Location"] == slice_url(kept)


def test_rejects_post(client, researcher):
    assert client.post(slice_url(researcher.author)).status_code == 405


def test_works_per_year_chart_without_citation_indexes_when_counts_are_unknown(
    client, researcher
):
    graph_slice_compute(author_id=researcher.author.pk)

    html = client.get(slice_url(researcher.author)).content.decode()

    assert "Works per year" in html
    chart = ElementTree.fromstring(
        re.search(r'<svg class="graph-chart".*?</svg>', html, re.DOTALL).group(0)
    )
    bar_titles = [t.text for t in chart.iter(f"{SVG}title")]
    assert bar_titles == [
        "2012: 1 work",
        "2013: 0 works",
        "2014: 1 work",
        "2015: 0 works",
        "2016: 1 work",
    ]
    assert "h-index" not in html
    assert "i10-index" not in html


def test_citation_indexes_show_where_counts_are_known(client, researcher):
    for work, count in [(researcher.old, 12), (researcher.middle, 3)]:
        work.citation_count = count
        work.save()
    graph_slice_compute(author_id=researcher.author.pk)

    html = client.get(slice_url(researcher.author)).content.decode()

    assert "h-index</dt><dd>2</dd>" in html
    assert "i10-index</dt><dd>1</dd>" in html
    assert "From the 2 of 3 works whose citation count is known." in html
