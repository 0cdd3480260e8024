"""{% research_graph_slice %}: the block the profile includes, from the cache only."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from graph.services import graph_slice_compute, graph_slice_invalidate

pytestmark = pytest.mark.django_db

INCLUDE = Template("{% load research_graph %}{% research_graph_slice author.pk %}")


def render(author) -> str:
    return INCLUDE.render(Context({"author": author}))


def test_cached_slice_renders_the_picture_without_a_query(
    researcher, django_assert_num_queries
):
    graph_slice_compute(author_id=researcher.author.pk)

    with django_assert_num_queries(0):
        html = render(researcher.author)

    assert '<svg class="graph-svg"' in html
    assert researcher.ada.get_absolute_url() in html
    assert "Building this graph slice" not in html


def test_missing_slice_renders_the_polling_block_without_a_query(
    researcher, django_assert_num_queries
):
    with django_assert_num_queries(0):
        html = render(researcher.author)

    assert "Building this graph slice" in html
    assert f'hx-get="/graph/authors/{researcher.author.pk}/slice/?attempt=1"' in html
    assert "<noscript>" in html


def test_invalidated_slice_is_not_shown(researcher):
    graph_slice_compute(author_id=researcher.author.pk)
    graph_slice_invalidate(author_ids=[researcher.author.pk])

    assert "Building this graph slice" in render(researcher.author)
