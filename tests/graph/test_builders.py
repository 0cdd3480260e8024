"""graph.builders: pure functions, from rows to a ranked, laid-out slice."""

from __future__ import annotations

import math

import pytest

from graph.builders import HEIGHT, WIDTH, node_ranks, slice_build, works_stats
from graph.selectors import (
    AuthorRow,
    CoauthorRow,
    SliceRows,
    TopicRow,
    WorkRow,
)


def rows(n_coauthors: int = 3, n_works: int = 4) -> SliceRows:
    return SliceRows(
        author=AuthorRow(1, "Centre Person"),
        coauthors=[
            CoauthorRow(100 + i, f"Co {i}", n_coauthors - i) for i in range(n_coauthors)
        ],
        works=[WorkRow(200 + i, f"Work {i}", 2020 - i, None) for i in range(n_works)],
        topics=[TopicRow(300, "arxiv", "cs.LG", "Machine Learning", 2)],
        institutions=[],
        coauthor_works=[(100, 200), (101, 201)],
        work_topics=[(200, 300), (202, 300)],
        all_works=[(2020 - i, None) for i in range(n_works)],
    )


def test_layout_puts_the_author_in_the_centre_and_everyone_inside_the_picture():
    graph_slice = slice_build(rows())

    assert graph_slice.positions["author:1"] == (WIDTH / 2, HEIGHT / 2)
    for x, y in graph_slice.positions.values():
        assert 0 < x < WIDTH
        assert 0 < y < HEIGHT


def test_works_sit_on_the_inner_ring_and_others_on_the_outer_ring():
    graph_slice = slice_build(rows())
    cx, cy = WIDTH / 2, HEIGHT / 2

    def ring(node_id):
        x, y = graph_slice.positions[node_id]
        return math.hypot(x - cx, y - cy)

    assert max(ring(f"work:{200 + i}") for i in range(4)) < min(
        ring(f"author:{100 + i}") for i in range(3)
    )


def test_layout_is_deterministic():
    assert slice_build(rows()) == slice_build(rows())


def test_ranks_are_weighted_degrees_relative_to_the_largest():
    graph_slice = slice_build(rows())
    ranks = {node.id: node.rank for node in graph_slice.nodes}

    assert ranks["author:1"] == 1.0
    assert max(rank for key, rank in ranks.items() if key != "author:1") == 1.0
    # Co 0 shares 3 works, Co 2 only 1: Co 0 weighs more.
    assert ranks["author:100"] > ranks["author:102"]


def test_ranks_of_a_lone_author():
    import networkx as nx

    graph = nx.Graph()
    graph.add_node("author:1")
    assert node_ranks(graph, centre="author:1") == {"author:1": 1.0}


def test_only_the_author_when_there_is_nothing_around():
    lone = SliceRows(AuthorRow(1, "Alone"), [], [], [], [], [], [], [])

    graph_slice = slice_build(lone)

    assert [n.id for n in graph_slice.nodes] == ["author:1"]
    assert graph_slice.edges == []
    assert graph_slice.stats.per_year == []


def test_works_per_year_fills_the_years_between():
    stats = works_stats([(2010, None), (2012, None), (2012, None), (None, None)])

    assert stats.per_year == [(2010, 1), (2011, 0), (2012, 2)]
    assert stats.undated == 1
    assert stats.works == 4


def test_no_citation_indexes_without_citation_counts():
    stats = works_stats([(2010, None), (2011, None)])

    assert stats.h_index is None
    assert stats.i10_index is None
    assert stats.citations is None


@pytest.mark.parametrize(
    ("counts", "h", "i10"),
    [
        ([10, 8, 5, 4, 3], 4, 1),
        ([25, 8, 5, 3, 3], 3, 1),
        ([0, 0], 0, 0),
        ([100], 1, 1),
    ],
)
def test_h_and_i10_index_count_only_known_citation_counts(counts, h, i10):
    stats = works_stats([(2020, c) for c in counts] + [(2021, None)])

    assert (stats.h_index, stats.i10_index) == (h, i10)
    assert stats.cited_works == len(counts)
    assert stats.citations == sum(counts)


def test_very_long_careers_sum_up_the_oldest_years():
    stats = works_stats([(1950, None), (2020, None)])

    assert stats.per_year[0] == (1981, 0)
    assert stats.per_year[-1] == (2020, 1)
    assert stats.earlier == 1


def test_citations_per_year_fill_the_years_between():
    stats = works_stats([(2018, 30)], citations_by_year=[(2019, 4), (2021, 9)])

    assert stats.citations_per_year == [(2019, 4), (2020, 0), (2021, 9)]


def test_no_citations_by_year_no_citations_chart():
    from graph.drawing import citations_chart

    stats = works_stats([(2018, 30)])

    assert stats.citations_per_year == []
    assert citations_chart(stats) is None
