"""Page-shaped reads of the people side: the profile page, claim and edit pages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.http import Http404

from profiles.models import AuthorStanding, Claim, Follow, Profile
from profiles.services.claims import author_email_domains
from profiles.services.trust import author_standings_recompute
from publications.models import (
    Affiliation,
    Author,
    AuthorAlias,
    AuthorIdentifier,
    Authorship,
    Topic,
    Work,
)
from publications.selectors import work_rows

# The sorts the works list offers: key -> (label, ordering).
WORK_SORTS = {
    "-year": ("Newest first", ("-published", "-pk")),
    "year": ("Oldest first", ("published", "pk")),
    "title": ("Title A-Z", ("title", "pk")),
    "-title": ("Title Z-A", ("-title", "-pk")),
}
DEFAULT_SORT = "-year"
WORKS_PER_PAGE = 20
SIDEBAR_ROWS = 10
# What "why is this paper here" reads, loaded with the works list's authorships.
ATTRIBUTION_FIELDS = (
    "raw_name",
    "attribution",
    "attribution_detail",
    "confidence",
    "locked",
)
# A merge chain longer than this is a loop in bad data, not a real history.
MERGE_CHAIN_LIMIT = 50


@dataclass
class Collaborator:
    author: Author
    shared_works: int


@dataclass
class ProfilePage:
    author: Author
    standing: AuthorStanding
    affiliation: Affiliation | None
    collaborators: list[Collaborator]
    topics: list[Topic]
    works: Page
    sort: str
    sorts: dict[str, str]
    is_following: bool
    # What the researcher set by hand, shown while the record is claimed or
    # under review (None otherwise: a withdrawn or rejected claimant's text
    # does not stay on an unclaimed page).
    profile: Profile | None
    # The researcher asked search engines not to index the page.
    noindex: bool
    # The viewer's own pending or approved claim on this record.
    viewer_claim: Claim | None
    # The other name forms the sources printed, hidden ones left out.
    name_variants: list[str] = field(default_factory=list)


@dataclass
class ClaimPage:
    author: Author
    standing: AuthorStanding
    # The viewer's own claims on this record, newest first (superseded ones,
    # replaced by a newer claim, left out).
    claims: list[Claim]
    active_claim: Claim | None
    # The ORCID iD the viewer authenticated with ORCID sign-in, if any.
    orcid_account: SocialAccount | None
    orcid_configured: bool
    email_domains: list[str]
    # How long the e-mailed link stays valid.
    link_hours: int


def author_for_page(*, author_id: int) -> Author:
    """The author, its stored figures and its researcher profile (one query).

    404 when unknown. A merged-away author is returned as is: the view
    redirects to the kept record.
    """
    author = (
        Author.objects.select_related("standing", "profile")
        .filter(pk=author_id)
        .first()
    )
    if author is None:
        raise Http404("No such author")
    return author


def author_kept(*, author: Author) -> Author:
    """The record a merged-away author lives in now, following chains.

    ``author`` itself when it was not merged. One query per hop: a chain
    grows only when a kept record is merged again later, so it stays short.
    """
    seen = {author.pk}
    while author.merged_into_id and len(seen) < MERGE_CHAIN_LIMIT:
        author = (
            Author.objects.only("display_name", "merged_into")
            .filter(pk=author.merged_into_id)
            .get()
        )
        if author.pk in seen:
            break
        seen.add(author.pk)
    return author


def author_standing(author: Author) -> AuthorStanding:
    """The stored figures, computed once if the recompute task has not run yet."""
    try:
        return author.standing
    except AuthorStanding.DoesNotExist:
        return author_standings_recompute(author_ids=[author.pk])[0]


def author_profile(author: Author) -> Profile | None:
    """The researcher's Profile row, read by ``author_for_page``'s join."""
    try:
        return author.profile
    except Profile.DoesNotExist:
        return None


def viewer_claim(*, author: Author, user) -> Claim | None:
    """The viewer's pending or approved claim on the author (one query)."""
    if not user.is_authenticated:
        return None
    return Claim.objects.active().filter(author=author, user=user).first()


def profile_page(
    *, author: Author, sort: str, page_number: str | int | None, user
) -> ProfilePage:
    """Everything the profile template shows, in a fixed number of queries.

    Expect 8 queries (10 when signed in), whatever the number of works: the
    author with standing and profile (done by the caller), latest
    affiliation, close collaborators, topics, works count, one page of
    works, their authorships (with what "why is this paper here" says), the
    visible name variants, and for a signed-in viewer their follow and their
    own claim.
    """
    if sort not in WORK_SORTS:
        sort = DEFAULT_SORT
    page = author_works(author=author, sort=sort, page_number=page_number)
    works_attributions_attach(page=page, author=author)
    standing = author_standing(author)
    profile = author_profile(author)
    return ProfilePage(
        author=author,
        standing=standing,
        affiliation=latest_affiliation(author=author),
        collaborators=close_collaborators(author=author),
        topics=author_topics(author=author),
        works=page,
        sort=sort,
        sorts={key: label for key, (label, _) in WORK_SORTS.items()},
        is_following=bool(
            user.is_authenticated
            and Follow.objects.filter(user=user, author=author).exists()
        ),
        profile=(
            profile
            if standing.claim_status != AuthorStanding.ClaimStatus.UNCLAIMED
            else None
        ),
        noindex=bool(profile and profile.hide_from_search_engines),
        viewer_claim=viewer_claim(author=author, user=user),
        name_variants=author_name_variants(author=author),
    )


def author_name_variants(*, author: Author) -> list[str]:
    """The name forms the sources printed for the author, as the public sees
    them: hidden ones (a former name) and the display name left out."""
    return [
        name
        for name in AuthorAlias.objects.filter(author=author, hidden=False)
        .order_by("name")
        .values_list("name", flat=True)
        if name != author.display_name
    ]


def author_aliases(*, author: Author) -> list[AuthorAlias]:
    """Every name form of the record, hidden ones included: the claimant's
    names page (one query)."""
    return list(AuthorAlias.objects.filter(author=author).order_by("name", "pk"))


def claim_page(*, author: Author, user) -> ClaimPage:
    """What the claim page shows a signed-in user, in 3 queries.

    The viewer's claims on the record, their ORCID account, and the e-mail
    domains of the record's institutions; the author with standing comes
    from ``author_for_page``.
    """
    claims = list(
        Claim.objects.filter(author=author, user=user).exclude(
            status=Claim.Status.SUPERSEDED
        )
    )
    active = [
        c for c in claims if c.status in (Claim.Status.PENDING, Claim.Status.APPROVED)
    ]
    return ClaimPage(
        author=author,
        standing=author_standing(author),
        claims=claims,
        active_claim=active[0] if active else None,
        orcid_account=SocialAccount.objects.filter(user=user, provider="orcid").first(),
        orcid_configured=orcid_sign_in_configured(),
        email_domains=sorted(author_email_domains(author)),
        link_hours=settings.CLAIM_EMAIL_LINK_HOURS,
    )


def orcid_sign_in_configured() -> bool:
    """True when an ORCID app (client id and secret) is set up in settings."""
    providers = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {})
    return bool(providers.get("orcid", {}).get("APPS"))


def author_works(*, author: Author, sort: str, page_number: str | int | None) -> Page:
    """One page of the author's works in a known sort (2 queries + 1 prefetch).

    The prefetched authorships carry their attribution fields, so that "why
    is this paper here" costs no query of its own.
    """
    works = work_rows(
        # DISTINCT: a paper may print two authors that resolve to one record.
        Work.objects.filter(authorships__author=author)
        .distinct()
        .order_by(*WORK_SORTS[sort][1]),
        authorship_fields=ATTRIBUTION_FIELDS,
    )
    return Paginator(works, WORKS_PER_PAGE).get_page(page_number)


# -- why is this paper here --------------------------------------------------

SOURCE_LABELS = {
    "arxiv": "arXiv",
    "arxiv-oai": "arXiv",
    "arxiv-snapshot": "arXiv",
    "openalex": "OpenAlex",
    "crossref": "Crossref",
    "orcid": "ORCID",
    "s2": "Semantic Scholar",
    "semantic_scholar": "Semantic Scholar",
}
SCHEME_LABELS = dict(AuthorIdentifier.Scheme.choices)
EVIDENCE_LABELS = {
    "coauthors": "shared co-authors",
    "co-authors": "shared co-authors",
    "coauthor": "shared co-authors",
    "shared_coauthors": "shared co-authors",
    "topics": "shared topics",
    "topic": "shared topics",
    "shared_topics": "shared topics",
    "institution": "shared institution",
    "institutions": "shared institution",
    "affiliation": "shared institution",
    "affiliations": "shared institution",
    "years": "active in the same years",
    "time": "active in the same years",
    "time_overlap": "active in the same years",
}
ATTRIBUTION_HEADINGS = {
    Authorship.Attribution.IDENTIFIER: "Matched by a persistent identifier",
    Authorship.Attribution.NAME_EVIDENCE: "Matched by name and supporting evidence",
    Authorship.Attribution.NAME: "Matched by name",
    Authorship.Attribution.NEW: "New record",
    Authorship.Attribution.CLAIM: "Claimed by the researcher",
    Authorship.Attribution.MODERATOR: "Moderator decision",
}
_EMAIL = re.compile(r"[^\s@<>]+@[^\s@<>]+")


@dataclass(frozen=True)
class AttributionNote:
    """What the works list says about how one authorship reached the record."""

    kind: str
    heading: str
    # One sentence: the identifier and who gave it, the evidence, the decision.
    summary: str
    evidence: list[str]
    # 0-100, or None when the decision carries no figure.
    confidence: int | None
    locked: bool
    # The name as printed on the paper; "" when the researcher hid that form.
    printed_name: str
    # The source's text when it differs (TeX accents, say).
    raw_name: str
    position: int


def works_attributions_attach(*, page: Page, author: Author) -> None:
    """Give each work of the page ``attributions``: notes on the authorships
    that put it on this record (usually one), from the prefetched rows."""
    page.object_list = list(page.object_list)
    for work in page.object_list:
        work.attributions = [
            attribution_note(authorship)
            for authorship in work.authorships.all()
            if authorship.author_id == author.pk
        ]


def attribution_note(authorship: Authorship) -> AttributionNote:
    """Explain one authorship's attribution in words, e-mail addresses removed.

    Reads only what ``author_works`` loads; ``shown_name`` differs from
    ``name`` when the researcher hid the printed form, which is then not
    repeated here either.
    """
    kind = authorship.attribution
    detail = authorship.attribution_detail or {}
    if not isinstance(detail, dict):
        detail = {}
    evidence: list[str] = []
    if kind == Authorship.Attribution.IDENTIFIER:
        scheme = str(detail.get("scheme", ""))
        label = SCHEME_LABELS.get(scheme, scheme.upper() or "An identifier")
        summary = f"{label} {_clean(detail.get('value', ''))}".strip()
        if source := detail.get("source"):
            summary += f", given by {_source_label(source)}"
        summary += ", is held by this record."
    elif kind == Authorship.Attribution.NAME_EVIDENCE:
        evidence = [_evidence_text(item) for item in detail.get("evidence") or []]
        evidence = [text for text in evidence if text]
        summary = "The name matches, and other evidence points to this record."
        if isinstance(candidates := detail.get("candidates"), int) and candidates > 1:
            summary += f" {candidates} records have this name."
    elif kind == Authorship.Attribution.NAME:
        summary = "The name matches this record and no other record has it."
    elif kind == Authorship.Attribution.NEW:
        summary = (
            "No existing record matched this name, so this record was "
            "started from this paper."
        )
    elif kind == Authorship.Attribution.CLAIM:
        summary = "The researcher who claimed this record said this paper is theirs."
    elif kind == Authorship.Attribution.MODERATOR:
        summary = "A moderator attached this paper to this record."
        if reason := _clean(detail.get("reason", "")):
            summary += f" Reason: {reason}"
    else:
        summary = ""
    hidden = getattr(authorship, "shown_name", authorship.name) != authorship.name
    confidence = authorship.confidence
    return AttributionNote(
        kind=kind,
        heading=ATTRIBUTION_HEADINGS.get(kind, kind.replace("_", " ").capitalize()),
        summary=summary,
        evidence=evidence,
        confidence=round(confidence * 100) if confidence is not None else None,
        locked=authorship.locked,
        printed_name="" if hidden else authorship.name,
        raw_name=(
            ""
            if hidden or authorship.raw_name == authorship.name
            else _clean(authorship.raw_name)
        ),
        position=authorship.position,
    )


def _source_label(source: object) -> str:
    text = _clean(source)
    return SOURCE_LABELS.get(text.lower(), text)


def _evidence_text(item: object) -> str:
    """One piece of evidence in words: a key ("coauthors"), a sentence, or a
    mapping {"kind": ..., "detail"|"value"|"names": ...}."""
    if isinstance(item, dict):
        kind = str(item.get("kind") or item.get("type") or "")
        label = EVIDENCE_LABELS.get(kind, kind.replace("_", " "))
        value = item.get("detail") or item.get("value") or item.get("names") or ""
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        value = _clean(value)
        return f"{label}: {value}" if label and value else label or value
    text = _clean(item)
    return EVIDENCE_LABELS.get(text, text)


def _clean(value: object) -> str:
    """Text for the page: one line, no e-mail address."""
    return " ".join(_EMAIL.sub("[address removed]", str(value or "")).split())[:300]


def latest_affiliation(*, author: Author) -> Affiliation | None:
    return (
        Affiliation.objects.filter(author=author)
        .select_related("institution")
        .order_by("-end_year", "-pk")
        .first()
    )


def close_collaborators(
    *, author: Author, limit: int = SIDEBAR_ROWS
) -> list[Collaborator]:
    """Co-authors ranked by the number of works shared with the author."""
    rows = (
        Author.objects.filter(authorships__work__authorships__author=author)
        .exclude(pk=author.pk)
        .annotate(shared=Count("authorships__work", distinct=True))
        .only("display_name")
        .order_by("-shared", "display_name", "pk")[:limit]
    )
    return [Collaborator(author=row, shared_works=row.shared) for row in rows]


def author_topics(*, author: Author, limit: int = SIDEBAR_ROWS) -> list[Topic]:
    """The author's topics, most frequent first, each with ``works`` annotated."""
    return list(
        Topic.objects.filter(works__authorships__author=author)
        .annotate(
            n_works=Count(
                "works", distinct=True, filter=Q(works__authorships__author=author)
            )
        )
        .order_by("-n_works", "code")[:limit]
    )
