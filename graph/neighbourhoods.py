"""Reads of the explorer: the neighbourhood of one node, as nodes and edges.

The explorer (``/explore/``) starts from an author or a work and, each time a
node is tapped, fetches that node's neighbourhood and merges it into what it
shows. Node ids are the same whichever neighbourhood a node comes from, so
the merge is a union: ``author:<pk>``, ``work:<pk>``, ``institution:<pk>``
and ``topic:<scheme>:<code>`` (a topic by its code, which a person can read
in a shared URL, rather than by its row id). An edge's id is its type and
its two ends in sorted order, so the same link seen from both ends is one
edge.

"cites" is the one directed edge type: its source is the citing work, its
target the cited one, and its id keeps that order (two preprints can cite
each other).

An author's neighbourhood is their research-graph slice (cached, or built
and cached on the spot) with its ids and kinds renamed; the other kinds are
read here, each list cut in SQL, in a fixed number of queries.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from django.db.models import Count, F, Q

from graph.builders import Slice, count_noun
from graph.models import SimilarWork
from graph.selectors import cached_slice
from graph.services import graph_slice_compute
from publications.citation_network import cited_works, citing_works, source_name
from publications.models import (
    Affiliation,
    Author,
    Authorship,
    Citation,
    Institution,
    Topic,
    Work,
)

NODE_TYPES = ("author", "work", "topic", "institution")
EDGE_TYPES = ("co-authored", "wrote", "about", "affiliated", "similar", "cites")
DIRECTED_EDGE_TYPES = {"cites"}

MAX_WORK_AUTHORS = 15
MAX_SIMILAR_WORKS = 5
# Works that cite the work, and works it cites, each (most cited first).
MAX_CITATION_WORKS = 8
MAX_TOPIC_WORKS = 8
MAX_TOPIC_AUTHORS = 7
MAX_INSTITUTION_AUTHORS = 15
LABEL_CHARS = 40
# What graph.builders appends to a slice node's title, to get the name back.
_SLICE_TITLE_EXTRAS = {
    "author": re.compile(r"(?!)"),  # the centre: its title is its name
    "coauthor": re.compile(r": \d+ shared works?$"),
    "work": re.compile(r" \((\d+|year unknown)(, \d+ citations?)?\)$"),
    "institution": re.compile(r" \(\d+(-\d+)?\)$"),
}

_NODE_ID = re.compile(
    r"^(?:(?P<kind>author|work|institution):(?P<pk>[1-9][0-9]{0,17})"
    r"|topic:(?P<scheme>[a-z0-9_-]{1,20}):(?P<code>[^\s:/?#]{1,64}))$"
)


class MalformedNodeIdError(ValueError):
    """The node id is not of the form ``<type>:<id>``."""


@dataclass(frozen=True)
class NodeRef:
    type: str
    pk: int | None = None  # author, work, institution
    scheme: str = ""  # topic
    code: str = ""  # topic

    @property
    def id(self) -> str:
        if self.type == "topic":
            return f"topic:{self.scheme}:{self.code}"
        return f"{self.type}:{self.pk}"


@dataclass
class ExploreNode:
    id: str
    type: str  # author, work, topic, institution
    label: str
    url: str  # the node's page
    weight: float  # 0..1: how central it is to the neighbourhood; 1 = the node asked


@dataclass
class ExploreEdge:
    id: str
    source: str
    target: str
    type: str  # co-authored, wrote, about, affiliated, similar, cites
    label: str  # why the edge exists: "co-authored 3 works"
    weight: int


@dataclass
class Neighbourhood:
    nodes: list[ExploreNode]
    edges: list[ExploreEdge]

    def as_dict(self) -> dict:
        return {
            "nodes": [asdict(node) for node in self.nodes],
            "edges": [asdict(edge) for edge in self.edges],
        }


def node_ref(node_id: str) -> NodeRef:
    """Parse ``author:12``, ``work:34``, ``institution:5``, ``topic:arxiv:cs.LG``."""
    match = _NODE_ID.match(node_id or "")
    if match is None:
        raise MalformedNodeIdError(node_id)
    if match["kind"]:
        return NodeRef(type=match["kind"], pk=int(match["pk"]))
    return NodeRef(type="topic", scheme=match["scheme"], code=match["code"])


def edge_id(kind: str, source: str, target: str) -> str:
    if kind in DIRECTED_EDGE_TYPES:
        return f"{kind}|{source}|{target}"
    first, second = sorted((source, target))
    return f"{kind}|{first}|{second}"


def neighbourhood(ref: NodeRef) -> Neighbourhood | None:
    """The node and its neighbours; None when there is no such node."""
    reader = {
        "author": _author_neighbourhood,
        "work": _work_neighbourhood,
        "topic": _topic_neighbourhood,
        "institution": _institution_neighbourhood,
    }[ref.type]
    return reader(ref)


class _Builder:
    """Collects nodes and edges without duplicates, in the order added."""

    def __init__(self) -> None:
        self.nodes: dict[str, ExploreNode] = {}
        self.edges: dict[str, ExploreEdge] = {}

    def node(self, node_id: str, kind: str, label: str, url: str, weight: float):
        self.nodes.setdefault(
            node_id, ExploreNode(node_id, kind, _short(label), url, round(weight, 3))
        )

    def edge(self, kind: str, source: str, target: str, label: str, weight: int = 1):
        key = edge_id(kind, source, target)
        self.edges.setdefault(
            key, ExploreEdge(key, source, target, kind, label, weight)
        )

    def result(self) -> Neighbourhood:
        return Neighbourhood(list(self.nodes.values()), list(self.edges.values()))


# --- an author: their slice ---------------------------------------------------


def _author_neighbourhood(ref: NodeRef) -> Neighbourhood | None:
    """The slice, from the cache (1 query) or built now (10 queries)."""
    graph_slice = cached_slice(ref.pk)
    if graph_slice is None:
        try:
            graph_slice = graph_slice_compute(author_id=ref.pk)
        except Author.DoesNotExist:
            return None
    return slice_neighbourhood(graph_slice)


def slice_neighbourhood(graph_slice: Slice) -> Neighbourhood:
    """The slice's nodes and edges under the explorer's ids and types."""
    topic_pks = [
        int(node.id.split(":")[1]) for node in graph_slice.nodes if node.kind == "topic"
    ]
    topics = (
        {
            f"topic:{pk}": (f"topic:{scheme}:{code}", name)
            for pk, scheme, code, name in Topic.objects.filter(
                pk__in=topic_pks
            ).values_list("pk", "scheme", "code", "name")
        }
        if topic_pks
        else {}
    )
    topic_ids = {old: new for old, (new, _) in topics.items()}
    builder = _Builder()
    for node in graph_slice.nodes:
        if node.kind == "topic":
            if node.id not in topics:
                continue  # deleted since the slice was built
            key, label = topics[node.id]
        else:
            key, label = node.id, _SLICE_TITLE_EXTRAS[node.kind].sub("", node.title)
        builder.node(
            key,
            "author" if node.kind == "coauthor" else node.kind,
            label,
            node.url,
            node.rank,
        )
    for edge in graph_slice.edges:
        source = topic_ids.get(edge.source, edge.source)
        target = topic_ids.get(edge.target, edge.target)
        if source in builder.nodes and target in builder.nodes:
            builder.edge(edge.kind, source, target, edge.label, edge.weight)
    return builder.result()


# --- a work: its authors, topics, similar works and citations ----------------


def _work_neighbourhood(ref: NodeRef) -> Neighbourhood | None:
    """7 queries: the work, its first authors with a record, its topics, the
    works graph.models.SimilarWork found similar (none until computed), the
    works that cite it, the works it cites, and the citations among the
    works shown (6 when no other work is shown)."""
    work = Work.objects.filter(pk=ref.pk).values("pk", "title", "year").first()
    if work is None:
        return None
    builder = _Builder()
    me = f"work:{work['pk']}"
    builder.node(me, "work", work["title"], Work(pk=work["pk"]).get_absolute_url(), 1)
    authorships = (
        Authorship.objects.filter(
            work_id=ref.pk, author__isnull=False, author__merged_into__isnull=True
        )
        .values_list("author_id", "author__display_name", "position")
        .order_by("position")[:MAX_WORK_AUTHORS]
    )
    for author_id, name, position in authorships:
        key = f"author:{author_id}"
        builder.node(
            key,
            "author",
            name,
            Author(pk=author_id, display_name=name).get_absolute_url(),
            0.5,
        )
        builder.edge("wrote", key, me, f"wrote (author {position})")
    for scheme, code, name in (
        Topic.objects.filter(works__pk=ref.pk)
        .values_list("scheme", "code", "name")
        .order_by("code")
    ):
        key = f"topic:{scheme}:{code}"
        builder.node(
            key, "topic", name, Topic(scheme=scheme, code=code).get_absolute_url(), 0.5
        )
        builder.edge("about", me, key, "about")
    for pk, title, terms in (
        SimilarWork.objects.filter(work_id=ref.pk)
        .values_list("similar_id", "similar__title", "shared_terms")
        .order_by("rank")[:MAX_SIMILAR_WORKS]
    ):
        key = f"work:{pk}"
        builder.node(key, "work", title, Work(pk=pk).get_absolute_url(), 0.5)
        why = f"similar: {', '.join(terms)}" if terms else "similar"
        builder.edge("similar", me, key, why)
    _add_citations(builder, ref.pk)
    return builder.result()


def _add_citations(builder: _Builder, work_id: int) -> None:
    """The works that cite ``work_id`` and those it cites, each list cut to
    the most cited, then "cites" edges among every work shown."""
    me = f"work:{work_id}"
    for queryset, citing in (
        (citing_works(work_id=work_id), True),
        (cited_works(work_id=work_id), False),
    ):
        for pk, title, listed_by in queryset.values_list(
            "pk", "title", "citation_source"
        )[:MAX_CITATION_WORKS]:
            key = f"work:{pk}"
            builder.node(key, "work", title, Work(pk=pk).get_absolute_url(), 0.5)
            source, target = (key, me) if citing else (me, key)
            builder.edge("cites", source, target, _cites_label(listed_by))
    shown = [
        int(node_id.split(":")[1])
        for node_id, node in builder.nodes.items()
        if node.type == "work" and node_id != me
    ]
    if not shown:
        return
    # The work's own citations are drawn above; these link its neighbours.
    for citing_id, cited_id, source in (
        Citation.objects.filter(citing_id__in=shown, cited_id__in=shown)
        .values_list("citing_id", "cited_id", "source")
        .order_by("pk")
    ):
        builder.edge(
            "cites",
            f"work:{citing_id}",
            f"work:{cited_id}",
            _cites_label(source),
        )


def _cites_label(source: str) -> str:
    """Why a "cites" edge exists: "cites (in its references, per OpenAlex)"."""
    return (
        f"cites (in its references, per {source_name(source)})" if source else "cites"
    )


# --- a topic: its most cited or recent works and its most active authors -------


def _topic_neighbourhood(ref: NodeRef) -> Neighbourhood | None:
    """4 queries: the topic, its works, its authors, who wrote which shown work."""
    topic = (
        Topic.objects.filter(scheme=ref.scheme, code=ref.code)
        .values_list("pk", "name")
        .first()
    )
    if topic is None:
        return None
    topic_pk, topic_name = topic
    builder = _Builder()
    me = ref.id
    builder.node(
        me,
        "topic",
        topic_name,
        Topic(scheme=ref.scheme, code=ref.code).get_absolute_url(),
        1,
    )
    works = list(
        Work.objects.filter(work_topics__topic_id=topic_pk)
        .values_list("pk", "title")
        .order_by(
            F("citation_count").desc(nulls_last=True),
            F("published").desc(nulls_last=True),
            "-pk",
        )[:MAX_TOPIC_WORKS]
    )
    for pk, title in works:
        key = f"work:{pk}"
        builder.node(key, "work", title, Work(pk=pk).get_absolute_url(), 0.5)
        builder.edge("about", key, me, "about")
    authors = list(
        Author.objects.visible()
        .filter(authorships__work__work_topics__topic_id=topic_pk)
        .annotate(n_works=Count("authorships__work", distinct=True))
        .values_list("pk", "display_name", "n_works")
        .order_by("-n_works", "display_name", "pk")[:MAX_TOPIC_AUTHORS]
    )
    most = max((n for _, _, n in authors), default=1)
    for pk, name, n_works in authors:
        key = f"author:{pk}"
        builder.node(
            key,
            "author",
            name,
            Author(pk=pk, display_name=name).get_absolute_url(),
            n_works / most,
        )
        builder.edge("about", key, me, f"about: {count_noun(n_works, 'work')}", n_works)
    if works and authors:
        for author_id, work_id in (
            Authorship.objects.filter(
                work_id__in=[pk for pk, _ in works],
                author_id__in=[pk for pk, _, _ in authors],
            )
            .values_list("author_id", "work_id")
            .distinct()
            .order_by("author_id", "work_id")
        ):
            builder.edge("wrote", f"author:{author_id}", f"work:{work_id}", "wrote")
    return builder.result()


# --- an institution: its most recent affiliated authors -----------------------


def _institution_neighbourhood(ref: NodeRef) -> Neighbourhood | None:
    """2 queries: the institution and its latest affiliations."""
    name = Institution.objects.filter(pk=ref.pk).values_list("name", flat=True).first()
    if name is None:
        return None
    builder = _Builder()
    me = ref.id
    builder.node(me, "institution", name, Institution(pk=ref.pk).get_absolute_url(), 1)
    affiliations = (
        Affiliation.objects.filter(
            Q(institution_id=ref.pk), author__merged_into__isnull=True
        )
        .values_list("author_id", "author__display_name", "start_year", "end_year")
        .order_by(F("end_year").desc(nulls_last=True), "-pk")[:MAX_INSTITUTION_AUTHORS]
    )
    for author_id, author_name, start, end in affiliations:
        key = f"author:{author_id}"
        builder.node(
            key,
            "author",
            author_name,
            Author(pk=author_id, display_name=author_name).get_absolute_url(),
            0.5,
        )
        years = _years(start, end)
        builder.edge("affiliated", key, me, f"affiliated {years}".strip())
    return builder.result()


def _years(start: int | None, end: int | None) -> str:
    if start and end and start != end:
        return f"{start}-{end}"
    return str(start or end or "")


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"
