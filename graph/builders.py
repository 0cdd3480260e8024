"""Pure functions that turn a slice's rows into a ranked, laid-out graph.

No database and no cache here: ``slice_graph`` builds a networkx graph from
the rows ``graph.selectors.slice_rows`` read, ``node_ranks`` weighs its
nodes, ``shell_positions`` places them, ``works_stats`` sums up the works,
and ``slice_build`` puts it all in a ``Slice``, a plain dataclass that
round-trips through JSON (the cache stores its dict).

The layout is hand-written rather than ``nx.shell_layout`` or
``nx.spring_layout``: those need numpy, which BZPEER does not otherwise
depend on, and a fixed two-ring layout is easier to read than a force
layout anyway: the author in the centre, their works on the inner ring, the
people, topics and institutions around them on the outer ring, each work
turned toward the neighbours it shares.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx

from publications.models import Author, Institution, Topic, Work

if TYPE_CHECKING:
    from graph.selectors import InstitutionRow, SliceRows

WIDTH = 640
HEIGHT = 440
# Room left of and right of the outer ring for the labels.
MARGIN_X = 160
MARGIN_Y = 40
INNER_RING = 0.5  # the works' ring, as a share of the outer ring
LABEL_CHARS = 22
# The statistics show at most this many years; older works are summed up.
MAX_YEARS = 40


@dataclass
class Node:
    id: str
    kind: str  # author (the centre), coauthor, work, topic, institution
    label: str  # short, drawn beside the node
    title: str  # the full text, shown on hover
    url: str  # "" when the node has no page
    rank: float = 0.0  # 0..1, the centre is 1


@dataclass
class Edge:
    source: str
    target: str
    kind: str  # co-authored, wrote, about, affiliated
    weight: int
    label: str  # why the edge exists: "co-authored 3 works"
    title: str  # the same, with names: "A and B co-authored 3 works"


@dataclass
class Stats:
    works: int = 0
    per_year: list[tuple[int, int]] = field(default_factory=list)
    earlier: int = 0  # works older than the years in per_year
    undated: int = 0
    cited_works: int = 0  # works whose citation count is known
    citations: int | None = None
    h_index: int | None = None
    i10_index: int | None = None
    # Citations received each year, summed over the works a source counts
    # by year (OpenAlex); empty when none does.
    citations_per_year: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Slice:
    """An author's research-graph slice, ready to draw."""

    author_id: int
    nodes: list[Node]
    edges: list[Edge]
    positions: dict[str, tuple[float, float]]
    stats: Stats
    width: int = WIDTH
    height: int = HEIGHT
    # The cache version it was built under (see graph.services); 0 if never cached.
    version: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Slice:
        stats = dict(data["stats"])
        stats["per_year"] = [tuple(pair) for pair in stats["per_year"]]
        stats["citations_per_year"] = [
            tuple(pair) for pair in stats.get("citations_per_year", [])
        ]
        return cls(
            author_id=data["author_id"],
            nodes=[Node(**node) for node in data["nodes"]],
            edges=[Edge(**edge) for edge in data["edges"]],
            positions={key: tuple(xy) for key, xy in data["positions"].items()},
            stats=Stats(**stats),
            width=data["width"],
            height=data["height"],
            version=data["version"],
        )


def slice_build(rows: SliceRows) -> Slice:
    """The slice of the rows: nodes, edges, positions and statistics."""
    graph = slice_graph(rows)
    centre = node_id("author", rows.author.id)
    ranks = node_ranks(graph, centre=centre)
    positions = shell_positions(graph, centre=centre)
    return Slice(
        author_id=rows.author.id,
        nodes=[
            Node(
                id=key,
                kind=data["kind"],
                label=data["label"],
                title=data["title"],
                url=data["url"],
                rank=ranks[key],
            )
            for key, data in graph.nodes(data=True)
        ],
        edges=[
            Edge(
                source=data["source"],
                target=data["target"],
                kind=data["kind"],
                weight=data["weight"],
                label=data["label"],
                title=data["title"],
            )
            for _, _, data in graph.edges(data=True)
        ],
        positions=positions,
        stats=works_stats(rows.all_works, citations_by_year=rows.citations_by_year),
    )


def node_id(kind: str, pk: int) -> str:
    return f"{kind}:{pk}"


def slice_graph(rows: SliceRows) -> nx.Graph:
    """The slice as a graph; nodes and edges carry their kind, labels and weight.

    Nodes are added centre first, then co-authors, works, topics and
    institutions, each in the order of the rows, so the graph (and all that
    is computed from it) is the same for the same rows.
    """
    graph = nx.Graph()
    me = rows.author
    centre = node_id("author", me.id)
    graph.add_node(
        centre,
        kind="author",
        label=_short(me.name),
        title=me.name,
        url=Author(pk=me.id, display_name=me.name).get_absolute_url(),
    )

    def link(source: str, target: str, kind: str, weight: int, label: str, title):
        graph.add_edge(
            source,
            target,
            source=source,
            target=target,
            kind=kind,
            weight=weight,
            label=label,
            title=title,
        )

    for row in rows.coauthors:
        key = node_id("author", row.id)
        shared = count_noun(row.shared_works, "shared work")
        graph.add_node(
            key,
            kind="coauthor",
            label=_short(row.name),
            title=f"{row.name}: {shared}",
            url=Author(pk=row.id, display_name=row.name).get_absolute_url(),
        )
        done = count_noun(row.shared_works, "work")
        link(
            centre,
            key,
            "co-authored",
            row.shared_works,
            f"co-authored {done}",
            f"{me.name} and {row.name} co-authored {done}",
        )

    titles = {}
    for row in rows.works:
        key = node_id("work", row.id)
        titles[row.id] = row.title
        details = [str(row.year) if row.year else "year unknown"]
        if row.citation_count is not None:
            details.append(count_noun(row.citation_count, "citation"))
        graph.add_node(
            key,
            kind="work",
            label=str(row.year) if row.year else "n.d.",
            title=f"{row.title} ({', '.join(details)})",
            url=Work(pk=row.id).get_absolute_url(),
        )
        link(centre, key, "wrote", 1, "wrote", f"{me.name} wrote “{row.title}”")

    names = {row.id: row.name for row in rows.coauthors}
    for author_id, work_id in rows.coauthor_works:
        link(
            node_id("author", author_id),
            node_id("work", work_id),
            "wrote",
            1,
            "wrote",
            f"{names[author_id]} wrote “{titles[work_id]}”",
        )

    topics = {}
    for row in rows.topics:
        key = node_id("topic", row.id)
        topics[row.id] = row.name
        about = count_noun(row.works, "work")
        graph.add_node(
            key,
            kind="topic",
            label=_short(row.name),
            title=row.name if row.name == row.code else f"{row.name} ({row.code})",
            url=Topic(scheme=row.scheme, code=row.code).get_absolute_url(),
        )
        link(
            centre,
            key,
            "about",
            row.works,
            f"about: {about}",
            f"{me.name} has {about} about {row.name}",
        )
    for work_id, topic_id in rows.work_topics:
        link(
            node_id("work", work_id),
            node_id("topic", topic_id),
            "about",
            1,
            "about",
            f"“{titles[work_id]}” is about {topics[topic_id]}",
        )

    for row in rows.institutions:
        key = node_id("institution", row.id)
        years = _years(row)
        graph.add_node(
            key,
            kind="institution",
            label=_short(row.name),
            title=f"{row.name} ({years})" if years else row.name,
            url=Institution(pk=row.id).get_absolute_url(),
        )
        link(
            centre,
            key,
            "affiliated",
            1,
            f"affiliated {years}" if years else "affiliated",
            f"{me.name} affiliated with {row.name}" + (f", {years}" if years else ""),
        )
    return graph


def node_ranks(graph: nx.Graph, *, centre: str) -> dict[str, float]:
    """Each node's weighted degree as a share of the largest; the centre is 1."""
    degrees = dict(graph.degree(weight="weight"))
    top = max((d for key, d in degrees.items() if key != centre), default=0) or 1
    return {
        key: 1.0 if key == centre else round(degree / top, 3)
        for key, degree in degrees.items()
    }


def shell_positions(
    graph: nx.Graph,
    *,
    centre: str,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> dict[str, tuple[float, float]]:
    """Two rings around the centre, in drawing units (y grows downward).

    The outer ring holds co-authors, topics and institutions in that order,
    clockwise from near the top; each work on the inner ring sits toward the
    circular mean of its outer neighbours, so few lines cross.
    """
    cx, cy = width / 2, height / 2
    rx, ry = cx - MARGIN_X, cy - MARGIN_Y
    order = {"coauthor": 0, "topic": 1, "institution": 2}
    outer = sorted(
        (key for key, kind in graph.nodes(data="kind") if kind in order),
        key=lambda key: order[graph.nodes[key]["kind"]],  # stable: keeps row order
    )
    works = [key for key, kind in graph.nodes(data="kind") if kind == "work"]

    # Start half a step off the vertical: fewer nodes sit on the axis, where
    # labels are centred above or below and may run into a neighbour's.
    angles = _ring(len(outer), start=-math.pi / 2 + math.pi / max(len(outer), 1))
    outer_angle = dict(zip(outer, angles, strict=True))
    pulls = {
        work: _circular_mean(
            [outer_angle[other] for other in graph[work] if other in outer_angle]
        )
        for work in works
    }
    # Works with neighbours by the direction they are pulled; the others last.
    works.sort(key=lambda w: (pulls[w] is None, pulls[w] or 0.0))
    slots = _ring(len(works), start=0.0)
    offsets = [
        pulls[work] - slot
        for work, slot in zip(works, slots, strict=True)
        if pulls[work] is not None
    ]
    start = _circular_mean(offsets) if offsets else -math.pi / 2

    positions = {centre: (round(cx, 1), round(cy, 1))}
    for key, angle in outer_angle.items():
        positions[key] = _point(cx, cy, rx, ry, angle)
    for work, slot in zip(works, slots, strict=True):
        positions[work] = _point(cx, cy, rx * INNER_RING, ry * INNER_RING, start + slot)
    return {key: positions[key] for key in graph}  # in node order


def works_stats(
    works: list[tuple[int | None, int | None]],
    *,
    citations_by_year: list[tuple[int, int]] = (),
) -> Stats:
    """Works per year and, where citation counts are known, h- and i10-index.

    ``works`` holds (year, citation_count) per work. The indexes count only
    the works whose citation count is known; they are None when none is.
    ``citations_by_year`` (year, citations received) gives the citations
    chart, its last MAX_YEARS years with the years between filled in.
    """
    years = [year for year, _ in works if year]
    counts = sorted((c for _, c in works if c is not None), reverse=True)
    stats = Stats(works=len(works), undated=len(works) - len(years))
    if years:
        last = max(years)
        first = max(min(years), last - MAX_YEARS + 1)
        per_year = dict.fromkeys(range(first, last + 1), 0)
        for year in years:
            if year < first:
                stats.earlier += 1
            else:
                per_year[year] += 1
        stats.per_year = list(per_year.items())
    if counts:
        stats.cited_works = len(counts)
        stats.citations = sum(counts)
        stats.h_index = sum(1 for i, c in enumerate(counts, start=1) if c >= i)
        stats.i10_index = sum(1 for c in counts if c >= 10)
    if citations_by_year:
        received = dict(citations_by_year)
        last = max(received)
        first = max(min(received), last - MAX_YEARS + 1)
        stats.citations_per_year = [
            (year, received.get(year, 0)) for year in range(first, last + 1)
        ]
    return stats


def _ring(n: int, *, start: float) -> list[float]:
    return [start + 2 * math.pi * i / n for i in range(n)]


def _circular_mean(angles: list[float]) -> float | None:
    if not angles:
        return None
    return math.atan2(
        sum(math.sin(a) for a in angles), sum(math.cos(a) for a in angles)
    )


def _point(
    cx: float, cy: float, rx: float, ry: float, angle: float
) -> tuple[float, float]:
    return (
        round(cx + rx * math.cos(angle), 1),
        round(cy + ry * math.sin(angle), 1),
    )


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def count_noun(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _years(row: InstitutionRow) -> str:
    start, end = row.start_year, row.end_year
    if start and end and start != end:
        return f"{start}-{end}"
    return str(start or end or "")
