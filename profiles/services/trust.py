"""Verification level and trust score, computed from stored facts only.

The rules are DESIGN.md's "Identity, verification and trust", in a first
version that uses the facts BZPEER stores today; claims, reports and
cross-source agreement feed the same components as those features land.

``trust_figures(facts)`` is pure and deterministic: the same facts always
give the same figures. ``author_standings_recompute`` gathers the facts of
some authors in a fixed number of queries and stores the figures.

Components (points are rounded half up, the total is capped at 100):

- identity (max 40): L0 0, L1 10, L2 25, L3 35; +5 when an ORCID iD was
  authenticated by sign-in.
- record integrity (max 20): 10 x the share of works whose persistent id is
  confirmed by a second source, + 5 x the mean attribution confidence (an
  attribution by name alone counts 0.5, by identifier or claim 1.0), + 5
  when no merge, split or claim dispute is open.
- external validation (max 15): 1.5 per work that two independent sources
  describe, up to 10, + 1 per affiliation two sources agree on, up to 5.
- community corroboration (max 15): 3 per co-author at L2 or above, up to
  13; followers add 1 per 10, up to 2.
- longevity and activity (max 10): 1 per two years since the first work,
  up to 5, + 1 per work in the last five years, up to 5.
- penalties: 10 per upheld abuse report, 5 per rejected or disputed claim,
  10 per retraction.

Bands: 0-19 New, 20-39 Emerging, 40-59 Established, 60-79 Trusted,
80-100 Highly trusted. Citation counts are deliberately not an input.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from profiles.models import AuthorStanding, Claim
from publications.models import Author, AuthorIdentifier, Authorship

BANDS = ((80, "Highly trusted"), (60, "Trusted"), (40, "Established"), (20, "Emerging"))
IDENTITY_POINTS = {0: 0, 1: 10, 2: 25, 3: 35}
NAME_ONLY_CONFIDENCE = 0.5


@dataclass(frozen=True)
class TrustFacts:
    """Everything the figures depend on, as stored facts."""

    verification_level: int = 0
    orcid_authenticated: bool = False
    works_total: int = 0
    works_confirmed: int = 0
    attribution_confidence: float = NAME_ONLY_CONFIDENCE
    open_disputes: int = 0
    works_multi_source: int = 0
    affiliations_multi_source: int = 0
    verified_coauthors: int = 0
    followers: int = 0
    first_year: int | None = None
    recent_works: int = 0
    upheld_reports: int = 0
    rejected_or_disputed_claims: int = 0
    retractions: int = 0
    # Not a score input: the record's claim state, stored beside the score.
    claim_status: str = "unclaimed"
    today: date = field(default_factory=date.today)


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    points: int
    max_points: int | None
    inputs: dict[str, object]
    rule: str


@dataclass(frozen=True)
class TrustFigures:
    score: int
    band: str
    verification_level: int
    components: tuple[Component, ...]


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


def band_for(score: int) -> str:
    for floor, name in BANDS:
        if score >= floor:
            return name
    return "New"


def trust_figures(facts: TrustFacts) -> TrustFigures:
    """Compute the verification level's points and the trust score."""
    identity = min(
        40,
        IDENTITY_POINTS[facts.verification_level]
        + (5 if facts.orcid_authenticated else 0),
    )
    confirmed_share = (
        facts.works_confirmed / facts.works_total if facts.works_total else 0
    )
    integrity = min(
        20,
        _half_up(
            10 * confirmed_share
            + 5 * facts.attribution_confidence
            + (5 if facts.open_disputes == 0 else 0)
        ),
    )
    external = min(10, _half_up(1.5 * facts.works_multi_source)) + min(
        5, facts.affiliations_multi_source
    )
    community = min(13, 3 * facts.verified_coauthors) + min(2, facts.followers // 10)
    years = facts.today.year - facts.first_year if facts.first_year else 0
    longevity = min(5, years // 2) + min(5, facts.recent_works)
    penalties = (
        10 * facts.upheld_reports
        + 5 * facts.rejected_or_disputed_claims
        + 10 * facts.retractions
    )
    components = (
        Component(
            "identity",
            "Identity",
            identity,
            40,
            {
                "verification_level": f"L{facts.verification_level}",
                "orcid_authenticated": facts.orcid_authenticated,
            },
            "L0 0, L1 10, L2 25, L3 35; +5 for an ORCID iD authenticated by sign-in",
        ),
        Component(
            "integrity",
            "Record integrity",
            integrity,
            20,
            {
                "works": facts.works_total,
                "works_confirmed_by_second_source": facts.works_confirmed,
                "attribution_confidence": facts.attribution_confidence,
                "open_disputes": facts.open_disputes,
            },
            "10 x share of works confirmed by a second source + 5 x attribution "
            "confidence + 5 with no open dispute",
        ),
        Component(
            "external",
            "External validation",
            external,
            15,
            {
                "works_described_by_two_sources": facts.works_multi_source,
                "affiliations_confirmed": facts.affiliations_multi_source,
            },
            "1.5 per work two independent sources describe (max 10) + 1 per "
            "affiliation two sources agree on (max 5)",
        ),
        Component(
            "community",
            "Community corroboration",
            community,
            15,
            {
                "verified_coauthors": facts.verified_coauthors,
                "followers": facts.followers,
            },
            "3 per co-author at L2 or above (max 13) + 1 per 10 followers (max 2)",
        ),
        Component(
            "longevity",
            "Longevity and activity",
            longevity,
            10,
            {
                "first_year": facts.first_year,
                "works_in_last_five_years": facts.recent_works,
            },
            "1 per two years since the first work (max 5) + 1 per work in the "
            "last five years (max 5)",
        ),
        Component(
            "penalties",
            "Penalties",
            -penalties,
            None,
            {
                "upheld_reports": facts.upheld_reports,
                "rejected_or_disputed_claims": facts.rejected_or_disputed_claims,
                "retractions": facts.retractions,
            },
            "-10 per upheld report, -5 per rejected or disputed claim, -10 per retraction",
        ),
    )
    score = max(0, min(100, sum(c.points for c in components)))
    return TrustFigures(
        score=score,
        band=band_for(score),
        verification_level=facts.verification_level,
        components=components,
    )


def verification_level_for(
    *, has_persistent_id: bool, sources: int, approved_claim_method: str | None = None
) -> int:
    """The record's verification level from its stored facts.

    L3 an evidence claim approved by staff; L2 a claim proven by ORCID
    sign-in or institutional e-mail; L1 a persistent id asserted by a source
    or two sources agreeing; L0 a name cluster.
    """
    if approved_claim_method == Claim.Method.EVIDENCE:
        return 3
    if approved_claim_method in (Claim.Method.ORCID, Claim.Method.EMAIL):
        return 2
    return 1 if has_persistent_id or sources >= 2 else 0


def author_facts(
    author_ids: Iterable[int], *, today: date | None = None
) -> dict[int, TrustFacts]:
    """Gather the stored facts of some authors in a fixed number of queries."""
    ids = list(author_ids)
    today = today or timezone.now().date()
    recent_from = today.year - 4
    work_stats = {
        row["author_id"]: row
        for row in Authorship.objects.filter(author_id__in=ids)
        .values("author_id")
        .annotate(
            works=Count("work_id", distinct=True),
            first_year=Min("work__year"),
            recent=Count(
                "work_id", distinct=True, filter=Q(work__year__gte=recent_from)
            ),
            sources=Count("work__source_records__source", distinct=True),
        )
    }
    with_id = set(
        AuthorIdentifier.objects.filter(
            author_id__in=ids,
            scheme__in=[
                AuthorIdentifier.Scheme.ORCID,
                AuthorIdentifier.Scheme.OPENALEX,
            ],
        ).values_list("author_id", flat=True)
    )
    followers = dict(
        AuthorStanding.objects.filter(author_id__in=ids).values_list(
            "author_id", "followers_count"
        )
    )
    claims = _claim_facts(ids)
    # Co-authors at L2 or above: pairs (target author, other author) over
    # shared works, counted once per other author.
    verified_coauthors = dict(
        Authorship.objects.filter(author__standing__verification_level__gte=2)
        .annotate(target=F("work__authorships__author_id"))
        .filter(target__in=ids)
        .exclude(author_id=F("target"))
        .values_list("target")
        .annotate(n=Count("author_id", distinct=True))
        .order_by()
    )
    facts = {}
    for author_id in ids:
        stats = work_stats.get(author_id, {})
        claim = claims.get(author_id, {})
        facts[author_id] = TrustFacts(
            verification_level=verification_level_for(
                has_persistent_id=author_id in with_id,
                sources=stats.get("sources", 0),
                approved_claim_method=claim.get("approved_method"),
            ),
            orcid_authenticated=claim.get("approved_method") == Claim.Method.ORCID,
            open_disputes=claim.get("disputed", 0),
            rejected_or_disputed_claims=claim.get("rejected", 0),
            claim_status=claim.get("status", AuthorStanding.ClaimStatus.UNCLAIMED),
            verified_coauthors=verified_coauthors.get(author_id, 0),
            works_total=stats.get("works", 0),
            first_year=stats.get("first_year"),
            recent_works=stats.get("recent", 0),
            followers=followers.get(author_id, 0),
            today=today,
        )
    return facts


def _claim_facts(ids: list[int]) -> dict[int, dict[str, object]]:
    """Per author: approved claim method, open disputes, rejected claims, status."""
    facts: dict[int, dict[str, object]] = {}
    rows = Claim.objects.filter(
        author_id__in=ids,
        status__in=[Claim.Status.PENDING, Claim.Status.APPROVED, Claim.Status.REJECTED],
    ).values_list("author_id", "status", "method", "disputed")
    for author_id, status, method, disputed in rows:
        fact = facts.setdefault(author_id, {"disputed": 0, "rejected": 0})
        if status == Claim.Status.APPROVED:
            fact["approved_method"] = method
        if status == Claim.Status.REJECTED:
            fact["rejected"] += 1
        elif disputed:
            fact["disputed"] += 1
    for fact in facts.values():
        if fact["disputed"]:
            fact["status"] = AuthorStanding.ClaimStatus.UNDER_REVIEW
        elif "approved_method" in fact:
            fact["status"] = AuthorStanding.ClaimStatus.CLAIMED
    return facts


@transaction.atomic
def author_standings_recompute(*, author_ids: Iterable[int]) -> list[AuthorStanding]:
    """Recompute and store the figures of these authors (bulk writes)."""
    ids = list(
        Author.objects.filter(pk__in=list(author_ids)).values_list("pk", flat=True)
    )
    now = timezone.now()
    existing = AuthorStanding.objects.in_bulk(ids)
    standings, new = [], []
    for author_id, facts in author_facts(ids).items():
        figures = trust_figures(facts)
        standing = existing.get(author_id)
        if standing is None:
            standing = AuthorStanding(author_id=author_id)
            new.append(standing)
        standing.trust_score = figures.score
        standing.trust_band = figures.band
        standing.verification_level = figures.verification_level
        standing.claim_status = facts.claim_status
        standing.components = [asdict(c) for c in figures.components]
        standing.computed_at = now
        standings.append(standing)
    AuthorStanding.objects.bulk_create(new)
    AuthorStanding.objects.bulk_update(
        [s for s in standings if s.author_id in existing],
        [
            "trust_score",
            "trust_band",
            "verification_level",
            "claim_status",
            "components",
            "computed_at",
        ],
        batch_size=500,
    )
    return standings
