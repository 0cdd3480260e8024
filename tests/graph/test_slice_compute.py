"""graph_slice_compute: the slice of an author, cached, invalidated, rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from graph.builders import Slice
from graph.selectors import cached_slice
from graph.services import graph_slice_compute, graph_slice_invalidate
from publications.models import Author, Work
from publications.signals import authors_changed
from tests.factories import AuthorshipFactory, WorkFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv_api"


def test_slice_has_the_authors_people_works_topics_and_institution(researcher):
    r = researcher
    graph_slice = graph_slice_compute(author_id=r.author.pk)

    me, ada, bo = (f"author:{a.pk}" for a in (r.author, r.ada, r.bo))
    old, middle, new = (f"work:{w.pk}" for w in (r.old, r.middle, r.new))
    fluids, stats = f"topic:{r.fluids.pk}", f"topic:{r.stats.pk}"
    lab = f"institution:{r.lab.pk}"
    assert [(n.id, n.kind, n.label, n.url) for n in graph_slice.nodes] == [
        (me, "author", "Adrian Del Maestro", r.author.get_absolute_url()),
        (ada, "coauthor", "Ada Lovelace", r.ada.get_absolute_url()),
        (bo, "coauthor", "Bo Peep", r.bo.get_absolute_url()),
        (new, "work", "2016", r.new.get_absolute_url()),
        (middle, "work", "2014", r.middle.get_absolute_url()),
        (old, "work", "2012", r.old.get_absolute_url()),
        (fluids, "topic", "Other Condensed Matter", r.fluids.get_absolute_url()),
        (stats, "topic", "Statistical Mechanics", r.stats.get_absolute_url()),
        (lab, "institution", "University of Vermont", r.lab.get_absolute_url()),
    ]
    assert {
        (e.source, e.target, e.kind, e.weight, e.label) for e in graph_slice.edges
    } == {
        (me, ada, "co-authored", 2, "co-authored 2 works"),
        (me, bo, "co-authored", 1, "co-authored 1 work"),
        (me, new, "wrote", 1, "wrote"),
        (me, middle, "wrote", 1, "wrote"),
        (me, old, "wrote", 1, "wrote"),
        (ada, old, "wrote", 1, "wrote"),
        (ada, middle, "wrote", 1, "wrote"),
        (bo, new, "wrote", 1, "wrote"),
        (me, fluids, "about", 2, "about: 2 works"),
        (me, stats, "about", 1, "about: 1 work"),
        (old, fluids, "about", 1, "about"),
        (middle, fluids, "about", 1, "about"),
        (new, stats, "about", 1, "about"),
        (me, lab, "affiliated", 1, "affiliated 2012-2016"),
    }
    assert len(graph_slice.edges) == 14


def test_edges_and_nodes_say_why_they_are_there(researcher):
    graph_slice = graph_slice_compute(author_id=researcher.author.pk)

    titles = {e.title for e in graph_slice.edges}
    assert "Adrian Del Maestro and Ada Lovelace co-authored 2 works" in titles
    assert "Adrian Del Maestro has 2 works about Other Condensed Matter" in titles
    assert "Ada Lovelace wrote “Superfluid helium in pores”" in titles
    assert "“Entanglement entropy” is about Statistical Mechanics" in titles
    assert (
        "Adrian Del Maestro affiliated with University of Vermont, 2012-2016" in titles
    )
    node_titles = {n.title for n in graph_slice.nodes}
    assert "Ada Lovelace: 2 shared works" in node_titles
    assert "Entanglement entropy (2016)" in node_titles
    assert "Statistical Mechanics (cond-mat.stat-mech)" in node_titles


def test_slice_round_trips_through_json(researcher):
    graph_slice = graph_slice_compute(author_id=researcher.author.pk)

    assert Slice.from_dict(json.loads(json.dumps(graph_slice.as_dict()))) == (
        graph_slice
    )


def test_slice_is_the_same_when_built_twice(researcher):
    first = graph_slice_compute(author_id=researcher.author.pk)
    second = graph_slice_compute(author_id=researcher.author.pk)

    assert first == second


def test_computed_slice_is_cached(researcher, django_assert_num_queries):
    assert cached_slice(researcher.author.pk) is None
    graph_slice = graph_slice_compute(author_id=researcher.author.pk)

    with django_assert_num_queries(0):
        assert cached_slice(researcher.author.pk) == graph_slice


def test_invalidate_drops_only_the_named_authors_slices(researcher):
    graph_slice_compute(author_id=researcher.author.pk)
    graph_slice_compute(author_id=researcher.ada.pk)

    graph_slice_invalidate(author_ids=[researcher.author.pk])

    assert cached_slice(researcher.author.pk) is None
    assert cached_slice(researcher.ada.pk) is not None


def test_unknown_author_cannot_be_computed():
    with pytest.raises(Author.DoesNotExist):
        graph_slice_compute(author_id=987654)


def test_authors_changed_rebuilds_the_slice_with_the_new_data(
    researcher, django_capture_on_commit_callbacks
):
    graph_slice_compute(author_id=researcher.author.pk)
    newer = WorkFactory(title="A brand new paper", year=2020)
    AuthorshipFactory(work=newer, author=researcher.author, position=1)

    with django_capture_on_commit_callbacks(execute=True):
        authors_changed.send(sender=Work, author_ids=[researcher.author.pk])

    # Rebuilt by the (eager) task after commit, not stale and not missing.
    graph_slice = cached_slice(researcher.author.pk)
    assert f"work:{newer.pk}" in {n.id for n in graph_slice.nodes}


def test_reimport_with_a_changed_author_list_shows_in_the_slice(
    tmp_path, django_capture_on_commit_callbacks
):
    feed = FIXTURES / "au_del_maestro_2016.xml"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import", "arxiv", "--file", str(feed), verbosity=0)
    author = Author.objects.get(display_name="Adrian Del Maestro")
    before = cached_slice(author.pk)
    assert before is not None  # precomputed after the import
    assert "Zed Newcomer" not in {n.label for n in before.nodes}

    # The same feed, one co-author renamed: a new author on the same works.
    text = feed.read_text()
    first_coauthor = _first_coauthor_of(author)
    changed = tmp_path / "changed.xml"
    changed.write_text(text.replace(first_coauthor, "Zed Newcomer"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import", "arxiv", "--file", str(changed), verbosity=0)

    after = cached_slice(author.pk)
    assert after is not None
    labels = {n.label for n in after.nodes}
    assert "Zed Newcomer" in labels
    assert first_coauthor not in labels


def _first_coauthor_of(author: Author) -> str:
    """The closest co-author (most shared works), whom the slice shows."""
    return (
        Author.objects.filter(authorships__work__authorships__author=author)
        .exclude(pk=author.pk)
        .annotate(shared=Count("authorships"))
        .order_by("-shared", "display_name")
        .values_list("display_name", flat=True)
        .first()
    )
