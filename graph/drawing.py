"""What the SVG templates draw: shapes, lines, labels and bars, precomputed.

The templates only loop over these and print attributes (Django escapes
every name and title); all geometry and the choice of shape and colour per
kind of node live here. Colours are written into the SVG itself so the
picture reads the same without the stylesheet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from graph.builders import Slice, Stats, count_noun
from graph.selectors import SLICE_SCHEMA, SLICE_TIMEOUT

# kind -> (shape, fill, legend text)
NODE_STYLES = {
    "author": ("circle", "#1f4e79", "This researcher"),
    "coauthor": ("circle", "#5b8fc7", "Co-author"),
    "work": ("square", "#d9822b", "Work"),
    "topic": ("diamond", "#2e8b57", "Topic"),
    "institution": ("triangle", "#8e5ea2", "Institution"),
}
# kind -> (stroke, dash pattern, legend text)
EDGE_STYLES = {
    "co-authored": ("#5b8fc7", "", "co-authored (wider: more shared works)"),
    "wrote": ("#9aa5b1", "", "wrote"),
    "about": ("#2e8b57", "", "about (wider: more works)"),
    "affiliated": ("#8e5ea2", "4 3", "affiliated"),
}
CENTRE_RADIUS = 15
MIN_RADIUS, MAX_RADIUS = 6, 12
# Polls of a slice that is being built, 2 s apart, before the block gives up.
MAX_POLLS = 60


def slice_block(*, author_id: int, graph_slice: Slice | None, attempt: int = 0) -> dict:
    """The context of templates/graph/_slice.html.

    The drawing is computed only when the template's fragment cache misses
    (the template caches the rendered SVG per slice version), so showing a
    cached slice costs three cache reads (version, slice, fragment): well
    under a millisecond, where drawing and rendering the SVG take ~15 ms.
    """
    if graph_slice is None:
        return {
            "author_id": author_id,
            "drawing": None,
            "next_attempt": attempt + 1,
            "gave_up": attempt >= MAX_POLLS,
        }
    return {
        "author_id": author_id,
        "drawing": Drawing(graph_slice),
        "fragment_key": f"{SLICE_SCHEMA}:{author_id}:{graph_slice.version}",
        "fragment_timeout": SLICE_TIMEOUT,
    }


class Drawing:
    """A slice's picture and works chart, drawn on first use."""

    def __init__(self, graph_slice: Slice) -> None:
        self.stats = graph_slice.stats
        self._slice = graph_slice

    @cached_property
    def picture(self) -> Picture:
        return slice_picture(self._slice)

    @cached_property
    def chart(self) -> Chart | None:
        return works_chart(self.stats)

    @cached_property
    def citations_chart(self) -> Chart | None:
        return citations_chart(self.stats)


@dataclass
class Shape:
    """A node: one of circle/square/diamond/triangle, with its label."""

    kind: str
    shape: str
    fill: str
    cx: float
    cy: float
    r: float
    # Square: top-left corner and side; diamond and triangle: points.
    x: float
    y: float
    side: float
    points: str
    url: str
    title: str
    label: str
    label_x: float
    label_y: float
    label_anchor: str


@dataclass
class Line:
    kind: str
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float
    dash: str
    title: str


@dataclass
class LegendEntry:
    text: str
    shape: Shape | None = None
    line: Line | None = None


@dataclass
class Picture:
    width: int
    height: int
    lines: list[Line]
    shapes: list[Shape]
    legend: list[LegendEntry]
    description: str


def slice_picture(graph_slice: Slice) -> Picture:
    positions = graph_slice.positions
    centre_x, centre_y = graph_slice.width / 2, graph_slice.height / 2
    shapes = []
    for node in graph_slice.nodes:
        radius = (
            CENTRE_RADIUS
            if node.kind == "author"
            else MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * node.rank
        )
        x, y = positions[node.id]
        shapes.append(
            node_shape(
                node.kind,
                x,
                y,
                radius,
                url=node.url,
                title=node.title,
                # The centre goes unlabelled: it is the page's own researcher
                # (named in its hover title), and its label would cross works.
                label="" if node.kind == "author" else node.label,
                toward=(centre_x, centre_y),
            )
        )
    lines = [
        edge_line(
            edge.kind,
            *positions[edge.source],
            *positions[edge.target],
            weight=edge.weight,
            title=edge.title,
        )
        for edge in graph_slice.edges
    ]
    kinds = {node.kind for node in graph_slice.nodes}
    edge_kinds = {edge.kind for edge in graph_slice.edges}
    legend = [
        LegendEntry(text=text, shape=node_shape(kind, 12, 8, 6))
        for kind, (_, _, text) in NODE_STYLES.items()
        if kind in kinds
    ] + [
        LegendEntry(text=text, line=edge_line(kind, 1, 8, 23, 8, weight=2))
        for kind, (_, _, text) in EDGE_STYLES.items()
        if kind in edge_kinds
    ]
    counts = [
        count_noun(sum(node.kind == kind for node in graph_slice.nodes), noun)
        for kind, noun in [
            ("coauthor", "co-author"),
            ("work", "work"),
            ("topic", "topic"),
            ("institution", "institution"),
        ]
    ]
    description = (
        f"{', '.join(counts[:3])} and {counts[3]} around the researcher, "
        "linked by co-authorship, authorship, subject and affiliation."
    )
    # Edges under nodes; the centre last, on top.
    return Picture(
        width=graph_slice.width,
        height=graph_slice.height,
        lines=lines,
        shapes=shapes[1:] + shapes[:1],
        legend=legend,
        description=description,
    )


def node_shape(
    kind: str,
    cx: float,
    cy: float,
    r: float,
    *,
    url: str = "",
    title: str = "",
    label: str = "",
    toward: tuple[float, float] | None = None,
    styles: dict[str, tuple[str, str, str]] = NODE_STYLES,
) -> Shape:
    """A node of ``kind`` centred on (cx, cy), its label placed away from
    ``toward``; ``styles`` maps kinds to (shape, fill, legend text)."""
    shape, fill, _ = styles[kind]
    if shape == "diamond":
        r *= 1.2  # a diamond looks smaller than a circle of the same radius
        points = [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)]
    elif shape == "triangle":
        r *= 1.2
        points = [
            (cx, cy - r),
            (cx + r * 0.87, cy + r / 2),
            (cx - r * 0.87, cy + r / 2),
        ]
    else:
        points = []
    side = r * 1.7  # a square of about the circle's area
    label_x, label_y, anchor = _label_place(cx, cy, r, toward)
    return Shape(
        kind=kind,
        shape=shape,
        fill=fill,
        cx=round(cx, 1),
        cy=round(cy, 1),
        r=round(r, 1),
        x=round(cx - side / 2, 1),
        y=round(cy - side / 2, 1),
        side=round(side, 1),
        points=" ".join(f"{px:.1f},{py:.1f}" for px, py in points),
        url=url,
        title=title,
        label=label,
        label_x=label_x,
        label_y=label_y,
        label_anchor=anchor,
    )


def _label_place(
    cx: float, cy: float, r: float, toward: tuple[float, float] | None
) -> tuple[float, float, str]:
    """Put a label outward: right of nodes on the right, left of nodes on
    the left, above or below the few near the vertical axis."""
    if toward is None:
        return 0.0, 0.0, "start"
    dx, dy = cx - toward[0], cy - toward[1]
    distance = math.hypot(dx, dy)
    if distance and abs(dx) / distance > 0.15:
        if dx > 0:
            return round(cx + r + 4, 1), round(cy + 4, 1), "start"
        return round(cx - r - 4, 1), round(cy + 4, 1), "end"
    if dy < 0:
        return round(cx, 1), round(cy - r - 5, 1), "middle"
    return round(cx, 1), round(cy + r + 14, 1), "middle"


def edge_line(
    kind: str,
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    *,
    weight: int,
    title: str = "",
    styles: dict[str, tuple[str, str, str]] = EDGE_STYLES,
) -> Line:
    """A line of ``kind``, wider for a heavier ``weight``; ``styles`` maps
    kinds to (stroke, dash pattern, legend text)."""
    stroke, dash, _ = styles[kind]
    return Line(
        kind=kind,
        x1=x1,
        y1=y1,
        x2=x2,
        y2=y2,
        stroke=stroke,
        width=round(1 + 0.9 * min(max(weight, 1) - 1, 4), 1),
        dash=dash,
        title=title,
    )


# --- works per year -------------------------------------------------------------


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass
class Tick:
    x: float
    label: str
    anchor: str


@dataclass
class Chart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    most: int  # the tallest bar's count, printed at the top
    summary: str  # the chart in words, for screen readers
    heading: str = "Works per year"
    noun: str = "work"  # what a bar counts


CHART_WIDTH, CHART_HEIGHT = 320, 90
CHART_TOP, CHART_BOTTOM = 12, 16


def works_chart(stats: Stats) -> Chart | None:
    """Works per year as bars; None when no work has a year."""
    return bar_chart(stats.per_year, noun="work", heading="Works per year")


def citations_chart(stats: Stats) -> Chart | None:
    """Citations received per year as bars; None when no source counts them."""
    return bar_chart(
        stats.citations_per_year, noun="citation", heading="Citations per year"
    )


def bar_chart(
    per_year: list[tuple[int, int]], *, noun: str, heading: str
) -> Chart | None:
    """Counts per year as bars, with a few year labels; None when empty."""
    if not per_year:
        return None
    most = max(count for _, count in per_year) or 1
    slot = CHART_WIDTH / len(per_year)
    baseline = CHART_HEIGHT - CHART_BOTTOM
    bars, ticks = [], []
    for i, (year, count) in enumerate(per_year):
        height = (baseline - CHART_TOP) * count / most
        bars.append(
            Bar(
                x=round(i * slot + slot * 0.1, 1),
                y=round(baseline - height, 1),
                width=round(slot * 0.8, 1),
                height=round(height, 1),
                title=f"{year}: {count_noun(count, noun)}",
            )
        )
    # The first and last years, and a few between when there is room.
    last = len(per_year) - 1
    step = max(1, math.ceil(len(per_year) / 6))
    for i in sorted({*range(0, last, step), last}):
        if 0 < i < last and last - i < step:
            continue  # too close to the last label
        anchor = (
            "start" if i == 0 and last else "end" if i == last and last else "middle"
        )
        x = {"start": i * slot, "end": (i + 1) * slot}.get(anchor, i * slot + slot / 2)
        ticks.append(Tick(x=round(x, 1), label=str(per_year[i][0]), anchor=anchor))
    return Chart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        baseline=baseline,
        bars=bars,
        ticks=ticks,
        most=most,
        heading=heading,
        noun=noun,
        summary=(
            f"{heading} from {per_year[0][0]} to {per_year[-1][0]}: "
            + ", ".join(f"{year}: {n}" for year, n in per_year if n)
        ),
    )
