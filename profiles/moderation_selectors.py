"""Page-shaped reads of moderation: the staff queue, the claim review page,
the merge, split and undo pages, and the public history of an author record.

Privacy rule for everything here: no page shows another person's e-mail
address. The claim review page shows the claimant's account facts and, for an
e-mail claim, only the domain of the address that was proven; the public
history never names a person, it says "Moderator" or "The claimant".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from profiles.models import AuditLog, AuthorStanding, Claim, Profile
from profiles.selectors import author_standing
from profiles.services.claims import normalise_orcid
from profiles.services.identity_changes import (
    AUTHOR_SET_FIELDS,
    MERGE,
    SPLIT,
    UNDO_SUFFIX,
    UNDOABLE,
    identifiers_carried_only_by,
    profile_gifts,
    undo_blockers,
)
from publications.models import (
    Affiliation,
    Author,
    AuthorAlias,
    AuthorIdentifier,
    Authorship,
    Work,
)

QUEUE_PER_PAGE = 25
HISTORY_PER_PAGE = 50
REVIEW_WORKS = 20
SPLIT_PER_PAGE = 100
MERGE_CANDIDATES = 20
CLAIM_OBJECT_TYPE = Claim._meta.label
AUTHOR_OBJECT_TYPE = Author._meta.label
ACTIVE = (Claim.Status.PENDING, Claim.Status.APPROVED)
# A superseded claim was a rejected claim that its user replaced by a new one.
REJECTED = (Claim.Status.REJECTED, Claim.Status.SUPERSEDED)

ACTION_WORDS = {
    "claim.submit": "Claim submitted",
    "claim.dispute": "Claim disputed by a second claimant",
    "claim.approve": "Claim approved",
    "claim.reject": "Claim rejected",
    "claim.withdraw": "Claim withdrawn",
    "claim.edit": "Claim edited by staff",
    "claim.prove": "Claimant's proof confirmed",
    "claim.undispute": "Record no longer under review",
    "claim.supersede": "Rejected claim replaced by a new one",
    "profile.edit": "Profile edited by staff",
    "profile.update": "Profile edited by the researcher",
    "profile.reset": "Researcher's headline cleared after the claim ended",
    "author.names": "Names edited by the researcher",
    MERGE: "Records merged",
    MERGE + UNDO_SUFFIX: "Merge undone",
    SPLIT: "Works split off to another record",
    SPLIT + UNDO_SUFFIX: "Split undone",
}


def action_words(action: str) -> str:
    """'claim.approve' -> 'Claim approved'; unknown actions read as words."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    return action.replace(".", " ").replace("_", " ").capitalize()


# -- permission -------------------------------------------------------------


def access_claim_for_review(*, user, claim_id: int) -> Claim:
    """The claim with its record, standing and claimant, for staff only.

    PermissionDenied for anyone but active staff, Http404 for an unknown id.
    """
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise PermissionDenied("Moderation is for staff.")
    claim = (
        Claim.objects.select_related("author__standing", "user")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise Http404("No such claim")
    return claim


# -- the queue --------------------------------------------------------------


@dataclass
class ModerationQueue:
    # Authors, each with ``active_claim_list`` (oldest first), ``n_active``
    # and ``first_claim_at`` annotated.
    disputed: Page
    # Claims with author and user, ``claimant_claims`` and
    # ``claimant_rejected`` annotated (the claimant's other claims).
    pending: Page


def moderation_queue(
    *, disputed_page: str | int | None, pending_page: str | int | None
) -> ModerationQueue:
    """Both queues, oldest first, in 5 queries whatever their length.

    Disputed records: a count, one page of authors, their active claims
    with claimants. Pending evidence claims: a count, one page of claims
    with record, claimant and the claimant's claim counts.
    """
    active = Q(claims__status__in=ACTIVE)
    disputed = (
        Author.objects.annotate(
            n_active=Count("claims", filter=active),
            n_disputed=Count("claims", filter=active & Q(claims__disputed=True)),
            first_claim_at=Min("claims__created_at", filter=active),
        )
        .filter(Q(n_active__gt=1) | Q(n_disputed__gt=0))
        .only("display_name", "works_count")
        .order_by("first_claim_at", "pk")
        .prefetch_related(
            Prefetch(
                "claims",
                queryset=Claim.objects.active()
                .select_related("user")
                .only(
                    "author_id",
                    "method",
                    "status",
                    "disputed",
                    "created_at",
                    "evidence_links",
                    "user__username",
                )
                .order_by("created_at", "pk"),
                to_attr="active_claim_list",
            )
        )
    )
    pending = (
        Claim.objects.filter(
            method=Claim.Method.EVIDENCE,
            status=Claim.Status.PENDING,
            disputed=False,
        )
        .select_related("author", "user")
        .only(
            "method",
            "status",
            "created_at",
            "evidence_links",
            "author__display_name",
            "author__works_count",
            "user__username",
        )
        .annotate(
            claimant_claims=_other_claims_of_claimant(),
            claimant_rejected=_other_claims_of_claimant(status__in=REJECTED),
        )
        .order_by("created_at", "pk")
    )
    return ModerationQueue(
        disputed=Paginator(disputed, QUEUE_PER_PAGE).get_page(disputed_page),
        pending=Paginator(pending, QUEUE_PER_PAGE).get_page(pending_page),
    )


def _other_claims_of_claimant(**filters) -> Coalesce:
    counted = (
        Claim.objects.filter(user=OuterRef("user"), **filters)
        .exclude(pk=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# -- the claim review page --------------------------------------------------


@dataclass(frozen=True)
class EvidenceLink:
    text: str
    # Empty when the link is not a plain http(s) URL: then it is shown as text.
    href: str


@dataclass
class ClaimantFacts:
    username: str
    date_joined: datetime
    email_verified: bool
    previous_claims: int
    previous_rejected: int
    # ("ORCID", "0000-0002-1825-0097") or ("GitHub", "") for other providers.
    social_accounts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ClaimCard:
    claim: Claim
    claimant: ClaimantFacts
    links: list[EvidenceLink]
    # The domain for e-mail claims, the iD for ORCID claims, never an address.
    proof_shown: str
    can_approve: bool
    can_reject: bool


@dataclass(frozen=True)
class StaffHistoryRow:
    created_at: datetime
    action: str
    actor: str
    before: dict
    after: dict
    reason: str


@dataclass
class ClaimReviewPage:
    card: ClaimCard
    author: Author
    standing: AuthorStanding
    identifiers: list[AuthorIdentifier]
    affiliations: list[Affiliation]
    works: list[Work]
    others: list[ClaimCard]
    history: list[StaffHistoryRow]


def claim_review_page(*, claim: Claim) -> ClaimReviewPage:
    """Everything a moderator needs to decide a claim, in 8 queries.

    The claim itself (with record, standing and claimant) comes from
    ``access_claim_for_review``. Then: identifiers, affiliations, up to 20
    works, the other active claims, the claimants' claim counts, verified
    e-mails, social accounts, and the claim's audit rows.
    """
    author = claim.author
    others = list(
        Claim.objects.active()
        .filter(author=author)
        .exclude(pk=claim.pk)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    claims = [claim, *others]
    facts = _claimant_facts(claims)
    cards = [_card(c, facts[c.pk]) for c in claims]
    return ClaimReviewPage(
        card=cards[0],
        author=author,
        standing=author_standing(author),
        identifiers=list(author.identifiers.order_by("scheme", "value")),
        affiliations=list(
            Affiliation.objects.filter(author=author)
            .select_related("institution")
            .order_by("-end_year", "-start_year", "pk")
        ),
        works=list(
            Work.objects.filter(authorships__author=author)
            .distinct()
            .only("title", "year", "published", "arxiv_id")
            .order_by("-published", "-pk")[:REVIEW_WORKS]
        ),
        others=cards[1:],
        history=[
            StaffHistoryRow(
                created_at=entry.created_at,
                action=action_words(entry.action),
                actor=entry.actor.username if entry.actor else "BZPEER",
                before=entry.before,
                after=entry.after,
                reason=entry.reason,
            )
            for entry in AuditLog.objects.filter(
                object_type=CLAIM_OBJECT_TYPE, object_id=str(claim.pk)
            )
            .select_related("actor")
            .order_by("-created_at", "-pk")
        ],
    )


def _card(claim: Claim, claimant: ClaimantFacts) -> ClaimCard:
    return ClaimCard(
        claim=claim,
        claimant=claimant,
        links=[evidence_link(str(link)) for link in claim.evidence_links or []],
        proof_shown=proof_shown(claim),
        can_approve=claim.status == Claim.Status.PENDING
        or (claim.status == Claim.Status.APPROVED and claim.disputed),
        can_reject=claim.status in ACTIVE,
    )


def _claimant_facts(claims: list[Claim]) -> dict[int, ClaimantFacts]:
    """Account facts of each claim's user, keyed by claim id (3 queries)."""
    user_ids = {c.user_id for c in claims}
    shown = [c.pk for c in claims]
    counts = {
        row["user_id"]: row
        for row in Claim.objects.filter(user_id__in=user_ids)
        .exclude(pk__in=shown)
        .order_by()
        .values("user_id")
        .annotate(
            total=Count("pk"), rejected=Count("pk", filter=Q(status__in=REJECTED))
        )
    }
    verified = set(
        EmailAddress.objects.filter(user_id__in=user_ids, verified=True).values_list(
            "user_id", flat=True
        )
    )
    accounts: dict[int, list[tuple[str, str]]] = {}
    for user_id, provider, uid in SocialAccount.objects.filter(
        user_id__in=user_ids
    ).values_list("user_id", "provider", "uid"):
        accounts.setdefault(user_id, []).append(social_account_shown(provider, uid))
    facts = {}
    for claim in claims:
        row = counts.get(claim.user_id, {})
        facts[claim.pk] = ClaimantFacts(
            username=claim.user.username,
            date_joined=claim.user.date_joined,
            email_verified=claim.user_id in verified,
            previous_claims=row.get("total", 0),
            previous_rejected=row.get("rejected", 0),
            social_accounts=sorted(accounts.get(claim.user_id, [])),
        )
    return facts


def format_orcid(value: str) -> str:
    digits = normalise_orcid(value)
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4)) if digits else ""


def social_account_shown(provider: str, uid: str) -> tuple[str, str]:
    """An ORCID iD is public and shown; other providers' uids are not."""
    if provider == "orcid":
        return ("ORCID", format_orcid(uid))
    return (provider.replace("_", " ").title(), "")


def proof_shown(claim: Claim) -> str:
    """What the page may show of the proof: never a full e-mail address."""
    if not claim.proof:
        return ""
    if claim.method == Claim.Method.EMAIL:
        return claim.proof.rsplit("@", 1)[-1].strip().lower()
    if claim.method == Claim.Method.ORCID:
        return format_orcid(claim.proof)
    return ""


def evidence_link(value: str) -> EvidenceLink:
    """A claimant's link: clickable only when it is a plain http(s) URL."""
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return EvidenceLink(text=text, href="")
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return EvidenceLink(text=text, href=text)
    return EvidenceLink(text=text, href="")


# -- the public history of an author ----------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    created_at: datetime
    action: str
    actor: str
    method: str
    reason: str
    entry_id: int = 0
    # Records by id ("Record #12 merged into #5"), never by name: a merged
    # record's name may be a form its researcher hid since.
    detail: str = ""
    # A merge or split that staff can still try to undo.
    undoable: bool = False
    undone: bool = False


@dataclass
class AuthorHistory:
    author: Author
    page: Page
    rows: list[HistoryRow]


def author_for_history(*, author_id: int) -> Author:
    author = Author.objects.only("display_name", "merged_into").filter(pk=author_id)
    found = author.first()
    if found is None:
        raise Http404("No such author")
    return found


def author_history(
    *, author: Author, page_number: str | int | None, show_usernames: bool
) -> AuthorHistory:
    """The author's audit rows, newest first, with people named by role.

    The rows about the record (``author``) and the merges and splits where
    it is the other side (the object). 3 queries: a count, one page of rows
    with actors and whether each was undone, and the claimants of the
    claims on that page (to tell "The claimant" from a second claimant).
    Usernames are added only for staff viewers (``show_usernames``).
    """
    entries = (
        AuditLog.objects.filter(
            Q(author=author)
            | Q(object_type=AUTHOR_OBJECT_TYPE, object_id=str(author.pk))
        )
        .annotate(undone=Exists(AuditLog.objects.filter(undoes=OuterRef("pk"))))
        .select_related("actor")
        .only(
            "created_at",
            "action",
            "object_type",
            "object_id",
            "after",
            "reason",
            "actor__username",
            "actor__is_staff",
        )
        .order_by("-created_at", "-pk")
    )
    page = Paginator(entries, HISTORY_PER_PAGE).get_page(page_number)
    claim_ids = {
        int(e.object_id)
        for e in page
        if e.object_type == CLAIM_OBJECT_TYPE and e.object_id.isdigit()
    }
    claimants = (
        dict(Claim.objects.filter(pk__in=claim_ids).values_list("pk", "user_id"))
        if claim_ids
        else {}
    )
    methods = dict(Claim.Method.choices)
    rows = []
    for entry in page:
        claimant_id = (
            claimants.get(int(entry.object_id))
            if entry.object_type == CLAIM_OBJECT_TYPE and entry.object_id.isdigit()
            else None
        )
        rows.append(
            HistoryRow(
                created_at=entry.created_at,
                action=action_words(entry.action),
                actor=actor_role(
                    entry, claimant_id=claimant_id, show_username=show_usernames
                ),
                method=methods.get((entry.after or {}).get("method", ""), ""),
                reason=entry.reason,
                entry_id=entry.pk,
                detail=identity_change_detail(entry),
                undoable=entry.action in UNDOABLE and not entry.undone,
                undone=entry.undone,
            )
        )
    return AuthorHistory(author=author, page=page, rows=rows)


def identity_change_detail(entry: AuditLog) -> str:
    """What a merge, split or undo did, by record id."""
    data = entry.after or {}
    if entry.action == MERGE:
        return f"Record #{data.get('other')} merged into #{data.get('keep')}."
    if entry.action == SPLIT:
        n = len(data.get("authorships", []))
        new = " (a new record)" if data.get("created") else ""
        ids = len(data.get("identifiers", []))
        with_ids = f", with {ids} identifier{'s' if ids != 1 else ''}" if ids else ""
        return (
            f"{n} work{'s' if n != 1 else ''} moved to record "
            f"#{data.get('into')}{new}{with_ids}."
        )
    if entry.action == MERGE + UNDO_SUFFIX:
        return f"Record #{entry.object_id} has its own page again."
    if entry.action == SPLIT + UNDO_SUFFIX:
        n = len((data.get("restored") or {}).get("authorships", []))
        return f"{n} work{'s' if n != 1 else ''} moved back from record #{entry.object_id}."
    return ""


# -- merge, split and undo (staff) -------------------------------------------


def _require_staff(user) -> None:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise PermissionDenied("Moderation is for staff.")


def access_author_for_moderation(*, user, author_id: int) -> Author:
    """An author record for the merge and split pages: staff only.

    PermissionDenied for anyone but active staff, Http404 for an unknown
    id. A merged-away record is returned as is: the view redirects.
    """
    _require_staff(user)
    author = Author.objects.select_related("standing").filter(pk=author_id).first()
    if author is None:
        raise Http404("No such author")
    return author


def access_audit_entry_for_undo(*, user, entry_id: int) -> AuditLog:
    """A merge or split audit entry, for staff only; Http404 for any other."""
    _require_staff(user)
    entry = (
        AuditLog.objects.select_related("actor", "author")
        .filter(pk=entry_id, action__in=UNDOABLE)
        .first()
    )
    if entry is None:
        raise Http404("No such merge or split")
    return entry


@dataclass
class RecordFacts:
    """One side of a merge, as staff compare them."""

    author: Author
    identifiers: list[AuthorIdentifier]
    # Every name form, hidden ones marked: staff decide on all the facts.
    aliases: list[AuthorAlias]
    affiliations: list[Affiliation]
    active_claims: list[Claim]
    followers: int


@dataclass
class MergePreview:
    keep: RecordFacts
    other: RecordFacts
    # Facts that suggest two different people; staff may still merge.
    warnings: list[str]
    # Why the merge would be refused ("" when it can go ahead).
    blocker: str
    # What the claimant set by hand on the other record that the kept one
    # takes (``profile_gifts``): field labels.
    profile_fields: list[str] = field(default_factory=list)


def merge_candidates(*, author: Author, query: str) -> list[Author]:
    """Records staff may merge into ``author``: by id, or by name or name form."""
    query = " ".join(query.split())[:200]
    if not query:
        return []
    rows = Author.objects.visible().exclude(pk=author.pk)
    if query.lstrip("#").isdigit():
        rows = rows.filter(pk=int(query.lstrip("#")))
    else:
        rows = rows.filter(
            Q(display_name__icontains=query) | Q(aliases__name__icontains=query)
        ).distinct()
    return list(
        rows.only("display_name", "works_count").order_by(
            "-works_count", "display_name", "pk"
        )[:MERGE_CANDIDATES]
    )


def merge_preview(*, keep: Author, other: Author) -> MergePreview:
    """Both records side by side, in 6 queries (both authors come loaded)."""
    ids = [keep.pk, other.pk]
    identifiers = _by_author(
        AuthorIdentifier.objects.filter(author_id__in=ids).order_by("scheme", "value")
    )
    aliases = _by_author(
        AuthorAlias.objects.filter(author_id__in=ids).order_by("name", "pk")
    )
    affiliations = _by_author(
        Affiliation.objects.filter(author_id__in=ids)
        .select_related("institution")
        .order_by("-end_year", "pk")
    )
    claims = _by_author(
        Claim.objects.active()
        .filter(author_id__in=ids)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    followers = dict(
        AuthorStanding.objects.filter(author_id__in=ids).values_list(
            "author_id", "followers_count"
        )
    )
    profiles = {p.author_id: p for p in Profile.objects.filter(author_id__in=ids)}

    def facts(author: Author) -> RecordFacts:
        return RecordFacts(
            author=author,
            identifiers=identifiers.get(author.pk, []),
            aliases=aliases.get(author.pk, []),
            affiliations=affiliations.get(author.pk, []),
            active_claims=claims.get(author.pk, []),
            followers=followers.get(author.pk, 0),
        )

    keep_facts, other_facts = facts(keep), facts(other)
    warnings = []
    for scheme, label in AuthorIdentifier.Scheme.choices:
        mine = {i.value for i in keep_facts.identifiers if i.scheme == scheme}
        theirs = {i.value for i in other_facts.identifiers if i.scheme == scheme}
        if mine and theirs and not mine & theirs:
            warnings.append(
                f"The records carry different {label} identifiers: they may be "
                "two people."
            )
    approved = {
        c.author_id: c.user_id
        for c in keep_facts.active_claims + other_facts.active_claims
        if c.status == Claim.Status.APPROVED
    }
    blocker = ""
    if len(set(approved.values())) > 1:
        blocker = (
            "Both records have an approved claim, by different people. Decide "
            "between the claimants first (reject one claim), then merge."
        )
    elif (
        len({c.user_id for c in keep_facts.active_claims + other_facts.active_claims})
        > 1
    ):
        warnings.append(
            "Different people claim these records: the merged record will be "
            "under review until staff decide between them."
        )
    theirs = profiles.get(other.pk)
    mine = profiles.get(keep.pk)
    gifts = {}
    if (
        theirs is not None
        and theirs.user_id in approved.values()
        and (mine is None or mine.user_id == theirs.user_id)
    ):
        gifts = profile_gifts(keep, mine, other, theirs)
    return MergePreview(
        keep=keep_facts,
        other=other_facts,
        warnings=warnings,
        blocker=blocker,
        profile_fields=[_field_label(name) for name in gifts],
    )


def _field_label(name: str) -> str:
    model = Author if name in AUTHOR_SET_FIELDS else Profile
    return str(model._meta.get_field(name).verbose_name)


def _by_author(rows) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.author_id, []).append(row)
    return grouped


@dataclass
class SplitPage:
    author: Author
    # The record's authorships with their works, newest first.
    authorships: Page
    # The authorships chosen for the confirmation step (the record's own).
    selected: list[Authorship]
    # The record's identifiers that only the chosen works carry: they go
    # with them (unless the target record holds one of that scheme).
    identifiers: list[AuthorIdentifier]


def split_page(
    *, author: Author, page_number: str | int | None, selected_ids: list[int]
) -> SplitPage:
    """The record's authorships to choose from, and the chosen ones: 3 queries
    (a count, one page, the selection), 2 more for the identifiers that
    would go with a selection carrying some."""
    rows = (
        Authorship.objects.filter(author=author)
        .select_related("work")
        .only(
            "work_id",
            "author_id",
            "position",
            "name",
            "attribution",
            "locked",
            "work__title",
            "work__year",
            "work__published",
            "identifiers",
        )
        .order_by("-work__published", "-work_id", "position")
    )
    selected = list(rows.filter(pk__in=selected_ids)) if selected_ids else []
    return SplitPage(
        author=author,
        authorships=Paginator(rows, SPLIT_PER_PAGE).get_page(page_number),
        selected=selected,
        identifiers=identifiers_carried_only_by(selected),
    )


@dataclass
class UndoPreview:
    entry: AuditLog
    action: str
    detail: str
    # What the change moved, kind -> how many rows.
    moved: dict[str, int]
    # The records involved, by id: a merge's two, a split's source and target.
    record_ids: list[int]
    # Why undo is refused now; empty when it can go ahead.
    blockers: list[str]


def undo_preview(*, entry: AuditLog) -> UndoPreview:
    """What undoing a merge or split would put back, and whether it can."""
    data = entry.after or {}
    if entry.action == MERGE:
        kinds = {
            "works": "authorships",
            "name forms": "aliases",
            "identifiers": "identifiers",
            "affiliations": "affiliations",
            "source records": "source_records",
            "follows": "follows",
            "claims": "claims",
        }
        record_ids = [data.get("keep"), data.get("other")]
    else:
        kinds = {"works": "authorships", "identifiers": "identifiers"}
        record_ids = [data.get("from"), data.get("into")]
    return UndoPreview(
        entry=entry,
        action=action_words(entry.action),
        detail=identity_change_detail(entry),
        moved={label: len(data.get(key) or []) for label, key in kinds.items()},
        record_ids=[pk for pk in record_ids if pk],
        blockers=undo_blockers(entry),
    )


def actor_role(entry: AuditLog, *, claimant_id: int | None, show_username: bool) -> str:
    """Who acted, by role: the public never sees a name."""
    actor = entry.actor
    if actor is None:
        role = "BZPEER"
    elif claimant_id is not None and actor.pk == claimant_id:
        role = "The claimant"
    elif actor.is_staff:
        role = "Moderator"
    elif claimant_id is not None:
        # A claim.dispute row: the second claimant acted on the first's claim.
        role = "Another claimant"
    else:
        role = "A user"
    if show_username and actor is not None:
        return f"{role} ({actor.username})"
    return role
