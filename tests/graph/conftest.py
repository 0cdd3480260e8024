"""A hand-made author for the graph tests: 3 works, 2 co-authors, 2 topics, 1 institution."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from publications.models import Affiliation, Author, Institution, Topic, Work
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    TopicFactory,
    WorkFactory,
    WorkTopicFactory,
)


@pytest.fixture(autouse=True)
def _precompute_slices(settings):
    """Graph tests check the worker rebuild after imports, as with Redis."""
    settings.GRAPH_PRECOMPUTE = True


@dataclass
class Researcher:
    author: Author
    ada: Author  # shares two works
    bo: Author  # shares one work
    old: Work
    middle: Work
    new: Work
    fluids: Topic
    stats: Topic
    lab: Institution


def work_of(*authors: Author, year: int, **fields) -> Work:
    work = WorkFactory(published=datetime.date(year, 6, 1), year=year, **fields)
    for position, author in enumerate(authors, start=1):
        AuthorshipFactory(work=work, author=author, position=position)
    return work


@pytest.fixture
def researcher(db) -> Researcher:
    author = AuthorFactory(display_name="Adrian Del Maestro")
    ada = AuthorFactory(display_name="Ada Lovelace")
    bo = AuthorFactory(display_name="Bo Peep")
    old = work_of(author, ada, year=2012, title="Superfluid helium in pores")
    middle = work_of(ada, author, year=2014, title="Quantum Monte Carlo methods")
    new = work_of(author, bo, year=2016, title="Entanglement entropy")
    fluids = TopicFactory(code="cond-mat.other", name="Other Condensed Matter")
    stats = TopicFactory(code="cond-mat.stat-mech", name="Statistical Mechanics")
    WorkTopicFactory(work=old, topic=fluids)
    WorkTopicFactory(work=middle, topic=fluids)
    WorkTopicFactory(work=new, topic=stats)
    lab = Institution.objects.create(
        name="University of Vermont", name_key="university of vermont"
    )
    Affiliation.objects.create(
        author=author, institution=lab, start_year=2012, end_year=2016
    )
    return Researcher(author, ada, bo, old, middle, new, fluids, stats, lab)
