"""An Author's evidence as a Candidate without one of its works
(services/identity.py ``_Profile.candidate``): built from the whole
Candidate and per-work counts, it must equal building it from the other
works, whatever the works hold."""

from __future__ import annotations

import random

import pytest

from publications.models import Author
from publications.services.identity import _Profile


def _random_works(rng: random.Random, n: int) -> dict:
    pool_keys = [f"k{i}" for i in range(12)]
    pool_topics = [f"t{i}" for i in range(6)]
    works = {}
    for work_id in rng.sample(range(1, 1000), n):
        works[work_id] = (
            rng.choice([None, 2001, 2003, 2003, 2007, 2010]),
            set(rng.sample(pool_keys, rng.randint(0, 4))),
            set(rng.sample(pool_topics, rng.randint(0, 2))),
            rng.choice(
                [[], [], ["Brown University"], ["Wesleyan", "Brown University"]]
            ),
        )
    return works


@pytest.mark.parametrize("seed", range(40))
def test_without_one_work_equals_a_build_from_the_others(seed) -> None:
    rng = random.Random(seed)
    profile = _Profile(Author(pk=1, display_name="A. B", works_count=3))
    profile.works = _random_works(rng, rng.randint(1, 9))
    profile.institutions = rng.choice([[], ["Wesleyan"]])

    for work_id in list(profile.works):
        fast = profile.candidate(without_work=work_id)
        others = {w: v for w, v in profile.works.items() if w != work_id}
        assert fast == profile._build(others, without=True)
    assert profile.candidate() == profile._build(profile.works)


def test_counts_follow_a_change_of_works() -> None:
    profile = _Profile(Author(pk=1, display_name="A. B", works_count=0))
    profile.works = {1: (2001, {"x"}, set(), []), 2: (2005, {"x"}, set(), [])}
    assert profile.candidate(without_work=1).coauthors == {"x"}

    profile.works.pop(2)
    profile.changed()

    assert profile.candidate(without_work=1).coauthors == frozenset()
    assert profile.candidate(without_work=1).first_year is None
