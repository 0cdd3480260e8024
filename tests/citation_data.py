"""A hand-made citation network for the paper page, picture and explorer tests.

The paper (2015) is cited by two works in BZPEER, one of them listed by two
sources under two identifiers (one work, not two), and by a work merged into
another (left out). It cites one work in BZPEER, also under two identifiers,
and three works BZPEER does not hold: by DOI, arXiv id and OpenAlex id.
OpenAlex counts 120 citations of it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from html.parser import HTMLParser

from publications.models import Author, Citation, Work
from tests.factories import AuthorFactory, AuthorshipFactory, WorkFactory


@dataclass
class Network:
    paper: Work
    ada: Author
    popular: Work  # cites the paper; 40 citations of its own, 2018
    recent: Work  # cites the paper (two rows), 3 citations, 2020
    merged: Work  # cited the paper, then merged into ``popular``
    classic: Work  # cited by the paper (two rows), 2010


def work(title: str, year: int, *names: str, **fields) -> Work:
    made = WorkFactory(
        title=title, published=datetime.date(year, 3, 1), year=year, **fields
    )
    for position, name in enumerate(names, start=1):
        AuthorshipFactory(
            work=made, author=AuthorFactory(display_name=name), position=position
        )
    return made


def cite(citing: Work, cited: Work | None, scheme: str, value: str, source: str):
    return Citation.objects.create(
        citing=citing,
        cited=cited,
        cited_scheme=scheme,
        cited_value=value,
        source=source,
    )


def make_network() -> Network:
    paper = work(
        "Superfluid helium in nanopores",
        2015,
        "Ada Lovelace",
        "Bo Peep",
        citation_count=120,
        field_sources={"citation_count": "openalex"},
    )
    ada = paper.authorships.get(position=1).author
    popular = work(
        "Luttinger liquids in narrow pores",
        2018,
        "Cy Young",
        "Di Chen",
        citation_count=40,
    )
    recent = work("Helium films on graphene", 2020, "Ed Wood", citation_count=3)
    merged = work("Helium films on graphene (preprint)", 2019, "Ed Wood")
    merged.merged_into = recent
    merged.save(update_fields=["merged_into"])
    classic = work(
        "Bose condensation in porous media", 2010, "Fay Lin", citation_count=100
    )

    cite(popular, paper, "doi", "10.1000/paper", "crossref")
    cite(recent, paper, "doi", "10.1000/paper", "crossref")
    cite(recent, paper, "openalex", "W100", "openalex")
    cite(merged, paper, "arxiv", "1501.00001", "semanticscholar")
    cite(paper, classic, "doi", "10.1000/classic", "crossref")
    cite(paper, classic, "openalex", "W200", "openalex")
    cite(paper, None, "doi", "10.1103/physrevb.99.014501", "crossref")
    cite(paper, None, "arxiv", "cond-mat/0601001", "semanticscholar")
    cite(paper, None, "openalex", "W2741809807", "openalex")
    return Network(paper, ada, popular, recent, merged, classic)


def cited_by(paper: Work, n: int, *, start: int = 0) -> list[Work]:
    """``n`` more works that cite ``paper``, each with three authors."""
    works = []
    for i in range(start, start + n):
        citing = work(
            f"Follow-up study {i}", 2016 + i % 8, f"Author A{i}", "B Bee", "C Sea"
        )
        cite(citing, paper, "doi", f"10.1000/paper-{i}", "openalex")
        works.append(citing)
    return works


class _TableReader(HTMLParser):
    """The body rows of one <table id=...>: each cell's text and first link."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.inside = self.in_body = False
        self.rows: list[list[tuple[str, str]]] = []
        self.cell: list[str] | None = None
        self.link = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag == "td":
            self.cell, self.link = [], ""
        elif self.cell is not None and tag == "a" and not self.link:
            self.link = attrs.get("href", "")

    def handle_endtag(self, tag):
        if self.in_body and tag == "td" and self.cell is not None:
            self.rows[-1].append((" ".join("".join(self.cell).split()), self.link))
            self.cell = None
        elif self.inside and tag == "table":
            self.inside = self.in_body = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, table_id: str) -> list[list[tuple[str, str]]]:
    """[[(title text, link), (authors, ""), (year, "")], ...] of a citation table."""
    reader = _TableReader(table_id)
    reader.feed(html)
    return reader.rows
