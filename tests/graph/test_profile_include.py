"""The profile page with the graph block included: still no extra SQL query.

The profile template belongs to profiles; until it includes the block, this
test renders a copy of it with the include added, so the promise holds for
the real page either way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from graph.services import graph_slice_compute
from tests.factories import AuthorStandingFactory

pytestmark = pytest.mark.django_db

PROFILE = (
    Path(django_settings.BASE_DIR) / "templates" / "profiles" / "author_detail.html"
)
INCLUDE = "{% research_graph_slice author.pk %}"


@pytest.fixture
def profile_with_graph(settings, tmp_path):
    source = PROFILE.read_text()
    if "research_graph_slice" not in source:
        source = source.replace(
            '{% extends "base.html" %}',
            '{% extends "base.html" %}{% load research_graph %}',
            1,
        ).replace(
            '<div class="profile-main">',
            f'<div class="profile-main">\n      {INCLUDE}',
            1,
        )
        assert INCLUDE in source
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "author_detail.html").write_text(source)
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]


@pytest.fixture
def researcher(researcher):
    """With stored figures, as after an import (else the page computes them)."""
    AuthorStandingFactory(author=researcher.author)
    return researcher


# Expect 9 queries for a visitor, the profile's own count (see
# tests/profiles/test_author_detail.py): the graph block reads only the cache.
PROFILE_QUERIES = 9


def test_profile_shows_cached_slice_without_extra_queries(
    client, researcher, profile_with_graph, django_assert_num_queries
):
    graph_slice_compute(author_id=researcher.author.pk)

    with django_assert_num_queries(PROFILE_QUERIES):
        html = client.get(researcher.author.get_absolute_url()).content.decode()

    assert "Research graph" in html
    assert '<svg class="graph-svg"' in html
    assert "Building this graph slice" not in html


def test_profile_shows_building_block_without_extra_queries(
    client, researcher, profile_with_graph, django_assert_num_queries
):
    with django_assert_num_queries(PROFILE_QUERIES):
        html = client.get(researcher.author.get_absolute_url()).content.decode()

    assert "Building this graph slice" in html
    assert 'hx-trigger="load delay:2s"' in html
