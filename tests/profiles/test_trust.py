"""Trust figures: hand-made facts pin every component; stored figures match."""

from __future__ import annotations

from datetime import date

import pytest

from profiles.models import AuthorStanding
from profiles.services.trust import (
    TrustFacts,
    author_facts,
    author_standings_recompute,
    band_for,
    trust_figures,
)
from publications.models import AuthorIdentifier
from tests.factories import AuthorFactory, AuthorshipFactory, WorkFactory

TODAY = date(2026, 11, 23)


def _points(figures) -> dict[str, int]:
    return {c.key: c.points for c in figures.components}


def test_bare_name_cluster_scores_only_integrity_for_name_attribution():
    figures = trust_figures(TrustFacts(today=TODAY))

    assert _points(figures) == {
        "identity": 0,
        "integrity": 8,
        "external": 0,
        "community": 0,
        "longevity": 0,
        "penalties": 0,
    }
    assert (figures.score, figures.band, figures.verification_level) == (8, "New", 0)


def test_design_worked_example_scores_21_emerging():
    # DESIGN.md: L1 (10), some works confirmed by a second source (6),
    # a little external agreement (3), no verified co-authors (0), a few
    # years of activity (2) = 21.
    facts = TrustFacts(
        verification_level=1,
        works_total=10,
        works_confirmed=1,
        attribution_confidence=0.0,
        works_multi_source=2,
        first_year=2024,
        recent_works=1,
        today=TODAY,
    )
    figures = trust_figures(facts)

    assert _points(figures) == {
        "identity": 10,
        "integrity": 6,
        "external": 3,
        "community": 0,
        "longevity": 2,
        "penalties": 0,
    }
    assert (figures.score, figures.band) == (21, "Emerging")


@pytest.mark.parametrize(
    ("level", "orcid", "points"),
    [
        (0, False, 0),
        (1, False, 10),
        (2, False, 25),
        (2, True, 30),
        (3, False, 35),
        (3, True, 40),
    ],
)
def test_identity_points_by_verification_level(level, orcid, points):
    facts = TrustFacts(verification_level=level, orcid_authenticated=orcid, today=TODAY)
    assert _points(trust_figures(facts))["identity"] == points


def test_integrity_is_capped_at_20():
    facts = TrustFacts(
        works_total=4, works_confirmed=4, attribution_confidence=1.0, today=TODAY
    )
    assert _points(trust_figures(facts))["integrity"] == 20


def test_open_dispute_costs_integrity_points():
    calm = trust_figures(TrustFacts(today=TODAY))
    disputed = trust_figures(TrustFacts(open_disputes=1, today=TODAY))
    assert _points(calm)["integrity"] - _points(disputed)["integrity"] == 5


def test_external_validation_caps_each_part():
    facts = TrustFacts(
        works_multi_source=100, affiliations_multi_source=100, today=TODAY
    )
    assert _points(trust_figures(facts))["external"] == 15


def test_followers_count_for_little_and_are_capped():
    few = trust_figures(TrustFacts(followers=9, today=TODAY))
    some = trust_figures(TrustFacts(followers=10, today=TODAY))
    many = trust_figures(TrustFacts(followers=100_000, today=TODAY))
    assert [_points(f)["community"] for f in (few, some, many)] == [0, 1, 2]


def test_verified_coauthors_are_capped_at_13_plus_followers():
    facts = TrustFacts(verified_coauthors=50, followers=50, today=TODAY)
    assert _points(trust_figures(facts))["community"] == 15


def test_longevity_counts_years_and_recent_works():
    facts = TrustFacts(first_year=2016, recent_works=3, today=TODAY)
    assert _points(trust_figures(facts))["longevity"] == 5 + 3


def test_penalties_subtract_and_score_never_goes_below_zero():
    facts = TrustFacts(
        upheld_reports=2, rejected_or_disputed_claims=1, retractions=1, today=TODAY
    )
    figures = trust_figures(facts)
    assert _points(figures)["penalties"] == -35
    assert figures.score == 0


def test_maximum_facts_reach_100_highly_trusted():
    facts = TrustFacts(
        verification_level=3,
        orcid_authenticated=True,
        works_total=10,
        works_confirmed=10,
        attribution_confidence=1.0,
        works_multi_source=10,
        affiliations_multi_source=5,
        verified_coauthors=5,
        followers=20,
        first_year=2000,
        recent_works=9,
        today=TODAY,
    )
    figures = trust_figures(facts)
    assert (figures.score, figures.band) == (100, "Highly trusted")


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "New"),
        (19, "New"),
        (20, "Emerging"),
        (39, "Emerging"),
        (40, "Established"),
        (59, "Established"),
        (60, "Trusted"),
        (79, "Trusted"),
        (80, "Highly trusted"),
        (100, "Highly trusted"),
    ],
)
def test_bands(score, band):
    assert band_for(score) == band


def test_same_facts_give_same_figures():
    facts = TrustFacts(
        verification_level=1, works_total=3, first_year=2010, today=TODAY
    )
    assert trust_figures(facts) == trust_figures(facts)


@pytest.mark.django_db
def test_facts_come_from_stored_records():
    author = AuthorFactory()
    for year in (2008, 2015, 2024, 2025):
        AuthorshipFactory(
            author=author, work=WorkFactory(published=date(year, 3, 1), year=year)
        )

    facts = author_facts([author.pk], today=TODAY)[author.pk]

    assert (facts.works_total, facts.first_year, facts.recent_works) == (4, 2008, 2)
    assert facts.verification_level == 0


@pytest.mark.django_db
def test_orcid_asserted_by_a_source_anchors_the_record_at_l1():
    author = AuthorFactory()
    AuthorIdentifier.objects.create(
        author=author, scheme="orcid", value="0000000218250097", source="openalex"
    )
    standing = author_standings_recompute(author_ids=[author.pk])[0]
    assert standing.verification_level == 1
    assert standing.trust_score >= 10


@pytest.mark.django_db
def test_stored_figures_equal_the_module_and_keep_followers(client):
    author = AuthorFactory()
    AuthorshipFactory(
        author=author, work=WorkFactory(published=date(2012, 1, 1), year=2012)
    )
    AuthorStanding.objects.create(author=author, followers_count=25)

    standing = author_standings_recompute(author_ids=[author.pk])[0]

    expected = trust_figures(author_facts([author.pk])[author.pk])
    assert standing.trust_score == expected.score
    assert standing.trust_band == expected.band
    assert standing.followers_count == 25
    html = client.get(author.get_absolute_url()).content.decode()
    assert f"Trust {expected.score} - {expected.band}" in html
