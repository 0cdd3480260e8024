"""A paper's citation network as a picture: what the SVG template draws.

The paper sits in the centre, the works it cites fan out on the left and
the works that cite it on the right, so time runs left to right and every
arrow (from the citing work to the cited one) points toward the older work.
Each side shows at most ``PER_SIDE`` works, the first of the lists
``publications.citation_network`` orders (most cited, then most recent);
the tables under the picture list the rest. A reference BZPEER does not
hold yet is a pale node that links to its identifier's page.

Like ``graph.drawing`` (whose shapes and lines this reuses), all geometry
lives here and the template only prints attributes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from graph.builders import count_noun
from graph.drawing import LegendEntry, Line, Shape, edge_line, node_shape
from publications.citation_network import CitationNetwork, CitationRow

# kind -> (shape, fill, legend text)
NODE_STYLES = {
    "paper": ("square", "#1f4e79", "This paper"),
    "reference": ("square", "#5b8fc7", "Referenced by this paper"),
    "elsewhere": ("square", "#b8c0cc", "Referenced, not in BZPEER yet"),
    "citing": ("circle", "#d9822b", "Cites this paper"),
}
# kind -> (stroke, dash pattern, legend text)
EDGE_STYLES = {
    "cites-paper": ("#e3a566", "", "cites this paper"),
    "cited-by-paper": ("#8db1da", "", "cited by this paper"),
    "cited-elsewhere": ("#b8c0cc", "4 3", "cited by this paper"),
}
PER_SIDE = 10
WIDTH = 800
ROW = 30  # vertical distance between two works on a side
TOP, BOTTOM = 46, 24  # room for the side headings, and under the last row
# Horizontal distance of a side's works from the paper: the middle ones
# farthest, so each side bows outward like an arc around the paper.
INNER, OUTER = 95, 145
PAPER_RADIUS = 13
MIN_RADIUS, MAX_RADIUS = 5, 10
LABEL_CHARS = 38


@dataclass
class Arrow:
    """A line with its arrowhead halfway, where arrows converging on the
    paper do not pile up: drawn as a polyline through (mid_x, mid_y)."""

    line: Line
    mid_x: float
    mid_y: float
    marker: str  # the id of the arrowhead's <marker>


@dataclass
class Heading:
    x: float
    y: float
    text: str


@dataclass
class Marker:
    id: str
    fill: str


@dataclass
class CitationPicture:
    width: int
    height: int
    arrows: list[Arrow]
    shapes: list[Shape]
    headings: list[Heading]  # the sides' titles, and "none known" notes
    markers: list[Marker]
    legend: list[LegendEntry]
    description: str


def citation_picture(
    network: CitationNetwork, *, per_side: int = PER_SIDE
) -> CitationPicture:
    references = network.references[:per_side]
    citing = network.citing[:per_side]
    rows = max(len(references), len(citing), 3)
    height = TOP + rows * ROW + BOTTOM
    cx, cy = WIDTH / 2, TOP + rows * ROW / 2
    paper = node_shape("paper", cx, cy, PAPER_RADIUS, styles=NODE_STYLES)
    # The centre is the page's own paper: named by the page, labelled below.
    paper = replace(
        paper,
        title="This paper",
        label="This paper",
        label_x=round(cx, 1),
        label_y=round(cy + PAPER_RADIUS + 16, 1),
        label_anchor="middle",
    )
    most = max((row.citation_count or 0 for row in [*references, *citing]), default=0)
    shapes: list[Shape] = []
    arrows: list[Arrow] = []
    for side, works in ((-1, references), (1, citing)):
        for (x, y), row in zip(
            _side_positions(len(works), cx, cy, side), works, strict=True
        ):
            kind = _kind(row, side)
            radius = _radius(row, most)
            shape = node_shape(
                kind,
                x,
                y,
                radius,
                url=row.url,
                title=_node_title(row, kind),
                label=_label(row),
                toward=(cx, cy),
                styles=NODE_STYLES,
            )
            shapes.append(shape)
            # Citing work -> paper on the right; paper -> cited work on the left.
            if side > 0:
                ends = ((x, y, radius), (cx, cy, PAPER_RADIUS))
                edge_kind = "cites-paper"
                why = f"“{_short(row.title)}” cites this paper"
            else:
                ends = ((cx, cy, PAPER_RADIUS), (x, y, radius))
                edge_kind = "cited-by-paper" if row.in_bzpeer else "cited-elsewhere"
                why = f"This paper cites “{_short(row.title)}”"
            if row.source:
                why += f" (listed by {row.source})"
            arrows.append(_arrow(edge_kind, *ends, title=why))
    headings = [
        Heading(
            round(cx - (INNER + OUTER) / 2, 1),
            18,
            f"Referenced by this paper ({network.references_count})",
        ),
        Heading(
            round(cx + (INNER + OUTER) / 2, 1),
            18,
            f"Cites this paper ({network.citing_count})",
        ),
    ]
    for side, works, total, text in (
        (-1, references, network.references_count, "No references known yet"),
        (1, citing, network.citing_count, "No citing work in BZPEER yet"),
    ):
        x = round(cx + side * (INNER + OUTER) / 2, 1)
        if not works:
            headings.append(Heading(x, round(cy + 4), text))
        elif total > len(works):
            headings.append(
                Heading(x, height - 6, f"and {total - len(works)} more in the table")
            )
    kinds = {shape.kind for shape in shapes}
    legend = [
        LegendEntry(text=text, shape=node_shape(kind, 12, 8, 6, styles=NODE_STYLES))
        for kind, (_, _, text) in NODE_STYLES.items()
        if kind == "paper" or kind in kinds
    ]
    return CitationPicture(
        width=WIDTH,
        height=height,
        arrows=arrows,
        # The paper last, on top.
        shapes=[*shapes, paper],
        headings=headings,
        markers=[
            Marker(id=f"citation-arrow-{kind}", fill=stroke)
            for kind, (stroke, _, _) in EDGE_STYLES.items()
        ],
        legend=legend,
        description=_description(network, references, citing),
    )


def _side_positions(
    n: int, cx: float, cy: float, side: int
) -> list[tuple[float, float]]:
    """n points evenly spaced top to bottom, on an arc around (cx, cy)."""
    half = (n - 1) * ROW / 2
    positions = []
    for i in range(n):
        y = cy - half + i * ROW
        t = (y - cy) / (half + ROW)  # -1 < t < 1
        dx = INNER + (OUTER - INNER) * math.sqrt(1 - t * t)
        positions.append((cx + side * dx, y))
    return positions


def _kind(row: CitationRow, side: int) -> str:
    if side > 0:
        return "citing"
    return "reference" if row.in_bzpeer else "elsewhere"


def _radius(row: CitationRow, most: int) -> float:
    """Bigger for more cited works, on a log scale."""
    if not row.in_bzpeer or not most:
        return MIN_RADIUS
    share = math.log1p(row.citation_count or 0) / math.log1p(most)
    return MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * share


def _arrow(
    kind: str,
    source: tuple[float, float, float],
    target: tuple[float, float, float],
    *,
    title: str,
) -> Arrow:
    """A line between the two nodes' edges, its arrowhead halfway."""
    (x1, y1, r1), (x2, y2, r2) = source, target
    length = math.hypot(x2 - x1, y2 - y1) or 1
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    start = (x1 + ux * (r1 + 1), y1 + uy * (r1 + 1))
    end = (x2 - ux * (r2 + 1), y2 - uy * (r2 + 1))
    line = edge_line(
        kind,
        round(start[0], 1),
        round(start[1], 1),
        round(end[0], 1),
        round(end[1], 1),
        weight=1,
        title=title,
        styles=EDGE_STYLES,
    )
    return Arrow(
        line=line,
        mid_x=round((start[0] + end[0]) / 2, 1),
        mid_y=round((start[1] + end[1]) / 2, 1),
        marker=f"citation-arrow-{kind}",
    )


def _node_title(row: CitationRow, kind: str) -> str:
    if not row.in_bzpeer:
        return f"{row.title}: referenced by this paper, not in BZPEER yet"
    facts = [row.authors_text, str(row.year) if row.year else "year unknown"]
    if row.citation_count is not None:
        facts.append(f"cited {count_noun(row.citation_count, 'time')}")
    relation = "cites this paper" if kind == "citing" else "referenced by this paper"
    return f"{row.title} ({'; '.join(filter(None, facts))}): {relation}"


def _label(row: CitationRow) -> str:
    if not row.year:
        return _short(row.title)
    return f"{_short(row.title, LABEL_CHARS - 7)} ({row.year})"


def _short(text: str, chars: int = LABEL_CHARS) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _description(
    network: CitationNetwork,
    references: list[CitationRow],
    citing: list[CitationRow],
) -> str:
    shown_citing = count_noun(len(citing), "work")
    if len(citing) < network.citing_count:
        shown_citing += f" of {network.citing_count}"
    elsewhere = sum(not row.in_bzpeer for row in references)
    shown_refs = count_noun(len(references), "reference")
    if len(references) < network.references_count:
        shown_refs += f" of {network.references_count}"
    if elsewhere:
        shown_refs += f", {elsewhere} not in BZPEER yet"
    return (
        f"This paper in the centre; on the right, {shown_citing} citing it; "
        f"on the left, {shown_refs}. Arrows point from the citing work to "
        "the cited one."
    )
