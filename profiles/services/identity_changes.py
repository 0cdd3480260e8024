"""Merging two author records and splitting authorships off one, reversibly.

Staff use these from the moderation pages; claimed researchers will later
merge their own duplicates through the same functions (the caller checks
permission). Each change writes ONE AuditLog row in the same transaction:
``after`` lists, by id, exactly the rows that moved or were created, and
``before`` the values that were overwritten in place, so that
``identity_change_undo`` can put everything back from the log alone.

Ids are never reused and author rows never deleted: a merged-away Author
keeps its row with ``merged_into`` (its URLs answer 301 to the kept record);
an Author that a split created and whose undo emptied it is merged into the
record its rows went back to.

Undo refuses, with a message that says why, when later changes make it
unsafe: rows that moved on since (another merge or split), a claim decided
since, a record merged again, or an entry already undone. Authorships are
found by id, then by their natural key (work, position), because a re-import
that changes a work's author list writes new rows at the same positions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from profiles.models import AuditLog, AuthorStanding, Claim, Follow, Profile
from profiles.services.audit import audit_record
from profiles.services.claims import mail_after_commit
from profiles.services.trust import author_standings_recompute
from publications.models import (
    Affiliation,
    Author,
    AuthorAlias,
    AuthorIdentifier,
    Authorship,
    SourceRecord,
)
from publications.names import name_key
from publications.services.counters import authors_recount
from publications.signals import authors_changed

MERGE = "author.merge"
SPLIT = "authorships.split"
UNDO_SUFFIX = ".undo"
UNDOABLE = (MERGE, SPLIT)
ACTIVE = (Claim.Status.PENDING, Claim.Status.APPROVED)

# Rows that move with a merge, by the key under which ``after`` lists them.
# Authorships, claims and follows have their own rules below.
MOVED_WITH_AUTHOR = {
    "aliases": AuthorAlias,
    "identifiers": AuthorIdentifier,
    "affiliations": Affiliation,
    "source_records": SourceRecord,
}


class IdentityChangeError(Exception):
    """A merge, split or undo that cannot happen; the message says why."""


@dataclass(frozen=True)
class IdentityChange:
    entry: AuditLog
    # The record the rows are on now: the kept one, the split's target, or
    # after an undo the record that got its rows back.
    author: Author


# -- merge ------------------------------------------------------------------


@transaction.atomic
def authors_merge(*, keep: Author, other: Author, actor, reason: str) -> IdentityChange:
    """Merge ``other`` into ``keep``: everything moves, ``other`` redirects.

    Authorships, aliases, identifiers, affiliations (years combined where
    both have the institution), person source records, follows (a user who
    follows both keeps one) and claims move; what the researcher set by
    hand follows their claim (``_profile_merge``). Of two active claims by one
    user, the stronger stays active and the other is superseded; claims by
    several users on the kept record put it under review. Refused when both
    records have an approved claim by different people: staff decide the
    claims first.
    """
    if keep.pk == other.pk:
        raise IdentityChangeError("A record cannot be merged into itself.")
    keep, other = _lock_authors(keep.pk, other.pk)
    for author in (keep, other):
        if author.merged_into_id:
            raise IdentityChangeError(
                f"Record #{author.pk} was already merged into #{author.merged_into_id}."
            )

    before: dict = {"claims": {}, "affiliation_years": {}}
    after: dict = {"keep": keep.pk, "other": other.pk}
    after["claims"], claim_states = _claims_merge(keep, other, before["claims"])
    after["profile"], before["profile"] = _profile_merge(keep, other)

    rows = list(
        Authorship.objects.select_for_update()
        .filter(author=other)
        .values_list("pk", "work_id", "position")
    )
    after["authorships"] = [list(row) for row in rows]
    Authorship.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(author=keep)

    after["aliases"], after["aliases_hidden"] = _aliases_merge(keep, other)
    after["aliases_created"] = _alias_ensure(keep, other.display_name)
    after["identifiers"] = _move_all(AuthorIdentifier, other, keep)
    after["affiliations"] = _affiliations_merge(
        keep, other, before["affiliation_years"]
    )
    after["source_records"] = _move_all(SourceRecord, other, keep)
    keep_followers = Follow.objects.filter(author=keep).values("user_id")
    follows = list(
        Follow.objects.filter(author=other)
        .exclude(user_id__in=keep_followers)
        .values_list("pk", flat=True)
    )
    Follow.objects.filter(pk__in=follows).update(author=keep)
    after["follows"] = follows
    after["claim_states"] = claim_states

    Author.objects.filter(pk=other.pk).update(merged_into=keep)
    other.merged_into = keep
    before["other"] = {"merged_into": None}
    after["merged_into"] = keep.pk

    entry = audit_record(
        actor=actor,
        action=MERGE,
        obj=other,
        author=keep,
        before=before,
        after=after,
        reason=reason,
    )
    _figures_refresh(
        author_ids=[keep.pk, other.pk],
        work_ids=[work_id for _, work_id, _ in rows],
    )
    return IdentityChange(entry=entry, author=keep)


def _claims_merge(
    keep: Author, other: Author, before: dict[str, list]
) -> tuple[list[int], dict[str, list]]:
    """Move ``other``'s claims to ``keep``; return their ids and new states.

    ``before`` gets the (status, disputed) of every claim changed in place.
    The returned states (of every moved or changed claim) let undo see
    whether a claim was decided since.
    """
    keep_claims = list(Claim.objects.select_for_update().filter(author=keep))
    other_claims = list(Claim.objects.select_for_update().filter(author=other))
    approved = {
        c.author_id: c for c in keep_claims + other_claims if c.status == "approved"
    }
    if (
        keep.pk in approved
        and other.pk in approved
        and approved[keep.pk].user_id != approved[other.pk].user_id
    ):
        raise IdentityChangeError(
            "Both records have an approved claim, by different people. Decide "
            "between the claimants first (reject one claim), then merge."
        )
    changed: list[Claim] = []
    keep_active = {c.user_id: c for c in keep_claims if c.status in ACTIVE}
    for claim in other_claims:
        mine = keep_active.get(claim.user_id)
        if claim.status not in ACTIVE or mine is None:
            continue
        # One person, an active claim on each record: the approved one (the
        # kept record's when equal) stays active, the other is superseded.
        loser = (
            mine
            if claim.status == Claim.Status.APPROVED
            and mine.status != Claim.Status.APPROVED
            else claim
        )
        before[str(loser.pk)] = [loser.status, loser.disputed]
        loser.status, loser.disputed = Claim.Status.SUPERSEDED, False
        changed.append(loser)
        if loser is mine:
            keep_active[claim.user_id] = claim
    for claim in other_claims:
        if claim.status in ACTIVE:
            keep_active.setdefault(claim.user_id, claim)
    moved = [c.pk for c in other_claims]
    for claim in changed:
        Claim.objects.filter(pk=claim.pk).update(
            status=claim.status, disputed=claim.disputed
        )
    Claim.objects.filter(pk__in=moved).update(author=keep)
    # Several people now claim one record: it is under review, as when a
    # second claimant arrives (profiles.services.claims).
    if len(keep_active) > 1:
        for claim in keep_active.values():
            told = claim.disputed and claim.author_id == keep.pk
            if not claim.disputed:
                before.setdefault(str(claim.pk), [claim.status, claim.disputed])
                claim.disputed = True
                Claim.objects.filter(pk=claim.pk).update(disputed=True)
                changed.append(claim)
            if not told:
                # As when a second claimant arrives: the claimant hears of it.
                claim.author = keep
                mail_after_commit(claim, "disputed")
    states = {
        str(c.pk): [c.status, c.disputed]
        for c in [*other_claims, *changed]
        if c.pk in moved or str(c.pk) in before
    }
    return moved, states


# What a researcher sets by hand: on the Author row, and on its Profile.
AUTHOR_SET_FIELDS = ("headline", "open_to_collaborate")
PROFILE_FIELDS = ("affiliation", "bio", "links", "hide_from_search_engines")


def profile_gifts(
    keep: Author, mine: Profile | None, other: Author, theirs: Profile
) -> dict[str, Any]:
    """What ``keep`` (and its Profile ``mine``, if any) takes from ``other``
    and its Profile ``theirs`` in a merge: each field set there and empty
    here (a headline, a bio, links; being open to collaborate, or hidden from
    search engines, when either record said so), by name."""
    gifts: dict[str, Any] = {}
    for owner, source, fields in (
        (keep, other, AUTHOR_SET_FIELDS),
        (mine, theirs, PROFILE_FIELDS),
    ):
        for name in fields:
            value = getattr(source, name)
            if owner is None:
                kept = Profile._meta.get_field(name).get_default()
            else:
                kept = getattr(owner, name)
            if value and not kept:
                gifts[name] = value
    return gifts


def _profile_merge(keep: Author, other: Author) -> tuple[dict, dict]:
    """Give ``keep`` what the researcher of ``other`` set by hand.

    Only when the person who set it (``other``'s Profile user) now holds an
    approved claim on ``keep``, and ``keep`` has no Profile of someone
    else's: ``profile_gifts`` fills what ``keep`` lacks (a Profile is made
    for it when it has none). ``other`` keeps its own, unchanged. Returns
    (``after``: {"copied": bool, "filled": {field: value}}, ``before``:
    {field: value overwritten}) for the audit entry and undo.
    """
    nothing: tuple[dict, dict] = ({"copied": False, "filled": {}}, {})
    theirs = Profile.objects.filter(author=other).first()
    if (
        theirs is None
        or not Claim.objects.filter(
            author=keep, user_id=theirs.user_id, status=Claim.Status.APPROVED
        ).exists()
    ):
        return nothing
    mine = Profile.objects.select_for_update().filter(author=keep).first()
    if mine is not None and mine.user_id != theirs.user_id:
        return nothing
    filled = profile_gifts(keep, mine, other, theirs)
    if not filled:
        return nothing
    profile_filled = any(name in PROFILE_FIELDS for name in filled)
    copied = mine is None and profile_filled
    if copied:
        mine = Profile(author=keep, user_id=theirs.user_id)
    before: dict = {}
    for name, value in filled.items():
        owner = keep if name in AUTHOR_SET_FIELDS else mine
        before[name] = getattr(owner, name)
        setattr(owner, name, value)
    if profile_filled:
        mine.save()
    author_fields = [name for name in AUTHOR_SET_FIELDS if name in filled]
    if author_fields:
        keep.save(update_fields=[*author_fields, "modified_at"])
    return {"copied": copied, "filled": filled}, before


def _aliases_merge(keep: Author, other: Author) -> tuple[list[int], list[int]]:
    """Move name forms the kept record lacks; a form hidden on either stays hidden.

    Returns the moved alias ids and the kept record's aliases that were
    hidden because the researcher of ``other`` had hidden the same name.
    """
    mine = {a.name: a for a in AuthorAlias.objects.filter(author=keep)}
    moved, hidden = [], []
    for alias in AuthorAlias.objects.filter(author=other):
        same = mine.get(alias.name)
        if same is None:
            moved.append(alias.pk)
        elif alias.hidden and not same.hidden:
            hidden.append(same.pk)
    AuthorAlias.objects.filter(pk__in=moved).update(author=keep)
    AuthorAlias.objects.filter(pk__in=hidden).update(hidden=True)
    return moved, hidden


def _alias_ensure(author: Author, name: str) -> list[int]:
    """Record ``name`` as a name form of ``author``; return the id if created."""
    name = name.strip()[:255]
    if not name or AuthorAlias.objects.filter(author=author, name=name).exists():
        return []
    alias = AuthorAlias.objects.create(
        author=author, name=name, name_key=name_key(name)[:255]
    )
    return [alias.pk]


def _affiliations_merge(
    keep: Author, other: Author, before_years: dict[str, list]
) -> list[int]:
    """Move affiliations; where both have the institution, widen the kept years."""
    mine = {a.institution_id: a for a in Affiliation.objects.filter(author=keep)}
    moved = []
    for affiliation in Affiliation.objects.filter(author=other):
        same = mine.get(affiliation.institution_id)
        if same is None:
            moved.append(affiliation.pk)
            continue
        years = (
            _min_year(same.start_year, affiliation.start_year),
            _max_year(same.end_year, affiliation.end_year),
        )
        if years != (same.start_year, same.end_year):
            before_years[str(same.pk)] = [same.start_year, same.end_year]
            Affiliation.objects.filter(pk=same.pk).update(
                start_year=years[0], end_year=years[1]
            )
    Affiliation.objects.filter(pk__in=moved).update(author=keep)
    return moved


def _min_year(a: int | None, b: int | None) -> int | None:
    return min(y for y in (a, b) if y) if (a or b) else None


def _max_year(a: int | None, b: int | None) -> int | None:
    return max(y for y in (a, b) if y) if (a or b) else None


def _move_all(model, source: Author, target: Author) -> list[int]:
    ids = list(model.objects.filter(author=source).values_list("pk", flat=True))
    model.objects.filter(pk__in=ids).update(author=target)
    return ids


# -- split ------------------------------------------------------------------


@transaction.atomic
def authorships_split(
    *,
    authorships: Iterable[Authorship],
    into: Author | None = None,
    actor,
    reason: str,
) -> IdentityChange:
    """Move these authorships to ``into``, or to a new record named after them.

    A moderator's decision: each row gets attribution "moderator", locked,
    so that nothing automatic moves it back. The name forms move with them
    as aliases of the target, and so do the person identifiers only these
    rows carry (``identifiers_carried_only_by``).
    """
    ids = sorted({a.pk for a in authorships})
    if not ids:
        raise IdentityChangeError("Select at least one work to split off.")
    rows = list(
        Authorship.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    )
    if len(rows) != len(ids):
        raise IdentityChangeError("Some of the selected authorships no longer exist.")
    if into is not None:
        into = _lock_authors(into.pk)[0]
        if into.merged_into_id:
            raise IdentityChangeError(
                f"Record #{into.pk} was merged into #{into.merged_into_id}: "
                "split into that one."
            )
        if any(row.author_id == into.pk for row in rows):
            raise IdentityChangeError(
                f"Some of the selected works are already on record #{into.pk}."
            )
    sources = Counter(row.author_id for row in rows if row.author_id)
    source_authors = Author.objects.select_for_update().in_bulk(list(sources))
    created = into is None
    if into is None:
        name = Counter(row.name for row in rows).most_common(1)[0][0]
        into = Author.objects.create(display_name=name, name_key=name_key(name))

    before = {
        str(row.pk): {
            "author": row.author_id,
            "attribution": row.attribution,
            "attribution_detail": row.attribution_detail,
            "confidence": row.confidence,
            "locked": row.locked,
        }
        for row in rows
    }
    detail = {"by": "moderator", "reason": reason}
    Authorship.objects.filter(pk__in=ids).update(
        author=into,
        attribution=Authorship.Attribution.MODERATOR,
        attribution_detail=detail,
        confidence=1.0,
        locked=True,
    )
    aliases_created: list[int] = []
    for name in dict.fromkeys(row.name for row in rows):
        aliases_created += _alias_ensure(into, name)
    identifiers = _identifiers_split(rows, into)
    main_source = sources.most_common(1)[0][0] if sources else None
    entry = audit_record(
        actor=actor,
        action=SPLIT,
        obj=into,
        author=source_authors[main_source] if main_source else into,
        before={"authorships": before},
        after={
            "into": into.pk,
            "created": created,
            "from": main_source,
            "authorships": [
                [row.pk, row.work_id, row.position, row.author_id] for row in rows
            ],
            "aliases_created": aliases_created,
            # [identifier id, the record it came from]
            "identifiers": identifiers,
        },
        reason=reason,
    )
    _figures_refresh(
        author_ids=[into.pk, *sources], work_ids=[row.work_id for row in rows]
    )
    return IdentityChange(entry=entry, author=into)


def identifiers_carried_only_by(
    rows: list[Authorship], *, lock: bool = False
) -> list[AuthorIdentifier]:
    """The identifiers of the rows' records that only these rows carry.

    An identifier (an ORCID, say) of a record the rows belong to, which some
    of the rows carry (``Authorship.identifiers``, as the sources gave it)
    and no other row of that record does: it names the person of these
    works. 2 queries (none without identifiers on the rows); ``lock``: the
    identifiers locked for update, as a split moving them wants.
    """
    carried = {
        (scheme, value): row.author_id
        for row in rows
        if row.author_id
        for scheme, value in row.identifiers or ()
    }
    if not carried:
        return []
    authors = set(carried.values())
    staying = {
        (scheme, value)
        for ids in Authorship.objects.filter(author_id__in=authors)
        .exclude(pk__in=[row.pk for row in rows])
        .values_list("identifiers", flat=True)
        for scheme, value in ids or ()
    }
    identifiers = AuthorIdentifier.objects.filter(author_id__in=authors).order_by("pk")
    if lock:
        identifiers = identifiers.select_for_update()
    return [
        identifier
        for identifier in identifiers
        if (identifier.scheme, identifier.value) in carried
        and (identifier.scheme, identifier.value) not in staying
    ]


def _identifiers_split(rows: list[Authorship], into: Author) -> list[list[int]]:
    """Move to ``into`` the identifiers only the split rows carry
    (``identifiers_carried_only_by``), except one of a scheme ``into``
    already holds: the resolver never gives a record two ids of one scheme.
    Returns [identifier id, record it came from] pairs.
    """
    going = identifiers_carried_only_by(rows, lock=True)
    if not going:
        return []
    held = set(
        AuthorIdentifier.objects.filter(author=into).values_list("scheme", flat=True)
    )
    moved = []
    for identifier in going:
        if identifier.scheme in held:
            continue
        moved.append([identifier.pk, identifier.author_id])
        held.add(identifier.scheme)
    AuthorIdentifier.objects.filter(pk__in=[pk for pk, _ in moved]).update(author=into)
    return moved


# -- undo -------------------------------------------------------------------


@transaction.atomic
def undo_blockers(entry: AuditLog) -> list[str]:
    """Why ``entry`` cannot be undone now; empty when it can (a dry run)."""
    if entry.action not in UNDOABLE:
        return ["Only merges and splits can be undone."]
    if AuditLog.objects.filter(undoes=entry).exists():
        return ["This change was already undone."]
    plan = _merge_plan(entry) if entry.action == MERGE else _split_plan(entry)
    return plan.blockers


@transaction.atomic
def identity_change_undo(*, entry: AuditLog, actor, reason: str = "") -> IdentityChange:
    """Put back what a merge or split moved, from its audit entry.

    Audited itself (``<action>.undo``, pointing at the entry), once only.
    """
    entry = AuditLog.objects.select_for_update().get(pk=entry.pk)
    if entry.action not in UNDOABLE:
        raise IdentityChangeError("Only merges and splits can be undone.")
    if AuditLog.objects.filter(undoes=entry).exists():
        raise IdentityChangeError("This change was already undone.")
    plan = _merge_plan(entry) if entry.action == MERGE else _split_plan(entry)
    if plan.blockers:
        raise IdentityChangeError(" ".join(plan.blockers))
    plan.apply()
    try:
        with transaction.atomic():
            undo = audit_record(
                actor=actor,
                action=entry.action + UNDO_SUFFIX,
                obj=plan.author_obj,
                author=plan.history_author,
                before={"undoes": entry.pk},
                after={"restored": plan.restored, "gone": plan.gone},
                reason=reason,
                undoes=entry,
            )
    except IntegrityError as exc:  # a concurrent undo of the same entry
        raise IdentityChangeError("This change was already undone.") from exc
    _figures_refresh(author_ids=plan.author_ids, work_ids=plan.work_ids)
    return IdentityChange(entry=undo, author=plan.back_to)


@dataclass
class _UndoPlan:
    blockers: list[str]
    restored: dict
    gone: dict
    author_ids: list[int]
    work_ids: list[int]
    back_to: Author | None = None
    author_obj: Author | None = None
    history_author: Author | None = None
    apply: Callable[[], None] = lambda: None


def _authorships_found(recorded: list[list[int]]) -> dict[int, Authorship | None]:
    """The rows a change moved, by recorded id: the same row, or the row a
    re-import wrote at the same (work, position); None when gone."""
    ids = [r[0] for r in recorded]
    by_id = {a.pk: a for a in Authorship.objects.select_for_update().filter(pk__in=ids)}
    missing = [r for r in recorded if r[0] not in by_id]
    by_key = {}
    if missing:
        where = Q()
        for _, work_id, position, *_ in missing:
            where |= Q(work_id=work_id, position=position)
        by_key = {
            (a.work_id, a.position): a
            for a in Authorship.objects.select_for_update().filter(where)
        }
    return {r[0]: by_id.get(r[0]) or by_key.get((r[1], r[2])) for r in recorded}


def _merge_plan(entry: AuditLog) -> _UndoPlan:
    data, before = entry.after, entry.before
    keep_id, other_id = data["keep"], data["other"]
    authors = {
        a.pk: a
        for a in Author.objects.select_for_update().filter(pk__in=[keep_id, other_id])
    }
    keep, other = authors.get(keep_id), authors.get(other_id)
    blockers: list[str] = []
    if other is None or keep is None:
        return _UndoPlan(["A record of this merge no longer exists."], {}, {}, [], [])
    if other.merged_into_id != keep_id:
        blockers.append(f"Record #{other_id} is no longer merged into #{keep_id}.")
    if keep.merged_into_id:
        blockers.append(
            f"Record #{keep_id} was merged into #{keep.merged_into_id} since: "
            "undo that merge first."
        )
    found = _authorships_found(data["authorships"])
    back = [a.pk for a in found.values() if a is not None and a.author_id == keep_id]
    elsewhere = [a for a in found.values() if a is not None and a.author_id != keep_id]
    if elsewhere:
        blockers.append(
            f"{len(elsewhere)} of the merged works moved to another record since "
            "(a later split or merge): undo that first."
        )
    moved: dict[str, list[int]] = {}
    gone: dict[str, list] = {
        "authorships": [r for r in data["authorships"] if found[r[0]] is None]
    }
    for key, model in MOVED_WITH_AUTHOR.items():
        present = dict(
            model.objects.filter(pk__in=data[key]).values_list("pk", "author_id")
        )
        if any(author_id != keep_id for author_id in present.values()):
            blockers.append(f"Some {key.replace('_', ' ')} moved again since.")
        moved[key] = list(present)
        gone[key] = [pk for pk in data[key] if pk not in present]
    follows = dict(
        Follow.objects.filter(pk__in=data["follows"]).values_list("pk", "author_id")
    )
    moved["follows"] = [pk for pk, author_id in follows.items() if author_id == keep_id]
    gone["follows"] = [pk for pk in data["follows"] if pk not in follows]
    claims = {
        c.pk: c
        for c in Claim.objects.select_for_update().filter(
            pk__in=[int(pk) for pk in data["claim_states"]]
        )
    }
    for pk, (status, disputed) in data["claim_states"].items():
        claim = claims.get(int(pk))
        if claim is None or [claim.status, claim.disputed] != [status, disputed]:
            blockers.append(
                f"Claim #{pk} was decided or changed since the merge: undo would "
                "move a later decision. Settle the claims by hand."
            )
        elif claim.author_id != keep_id:
            blockers.append(f"Claim #{pk} moved to another record since.")

    def apply() -> None:
        Authorship.objects.filter(pk__in=back).update(author=other)
        for key, model in MOVED_WITH_AUTHOR.items():
            model.objects.filter(pk__in=moved[key]).update(author=other)
        AuthorAlias.objects.filter(
            pk__in=data["aliases_created"], author_id=keep_id
        ).delete()
        AuthorAlias.objects.filter(pk__in=data["aliases_hidden"]).update(hidden=False)
        for pk, (start, end) in before["affiliation_years"].items():
            Affiliation.objects.filter(pk=int(pk)).update(
                start_year=start, end_year=end
            )
        # A user who followed the kept record too since keeps that follow.
        followers = Follow.objects.filter(author=other).values("user_id")
        Follow.objects.filter(pk__in=moved["follows"]).exclude(
            user_id__in=followers
        ).update(author=other)
        Claim.objects.filter(pk__in=data["claims"]).update(author=other)
        for pk, (status, disputed) in before["claims"].items():
            Claim.objects.filter(pk=int(pk)).update(status=status, disputed=disputed)
        _profile_unmerge(keep, data.get("profile"), before.get("profile", {}))
        Author.objects.filter(pk=other_id).update(merged_into=None)
        other.merged_into = None

    return _UndoPlan(
        blockers=blockers,
        restored={"authorships": back, **moved, "claims": data["claims"]},
        gone=gone,
        author_ids=[keep_id, other_id],
        work_ids=[r[1] for r in data["authorships"]],
        back_to=other,
        author_obj=other,
        history_author=keep,
        apply=apply,
    )


def _profile_unmerge(keep: Author, after: dict | None, before: dict) -> None:
    """Take back what ``_profile_merge`` gave ``keep``, except later edits.

    A field the researcher changed since the merge keeps its new value; a
    copied Profile goes only if nothing in it changed since.
    """
    if not after or (not after["filled"] and not after["copied"]):
        return
    profile = Profile.objects.select_for_update().filter(author=keep).first()
    changed = []
    for name, value in after["filled"].items():
        owner = keep if name in AUTHOR_SET_FIELDS else profile
        if owner is not None and getattr(owner, name) == value:
            setattr(owner, name, before[name])
            changed.append(name)
    author_fields = [name for name in changed if name in AUTHOR_SET_FIELDS]
    if author_fields:
        keep.save(update_fields=[*author_fields, "modified_at"])
    if profile is None:
        return
    untouched = all(
        getattr(profile, name) == Profile._meta.get_field(name).get_default()
        for name in PROFILE_FIELDS
    )
    if after["copied"] and untouched:
        profile.delete()
    elif any(name in PROFILE_FIELDS for name in changed):
        profile.save()


def _split_plan(entry: AuditLog) -> _UndoPlan:
    data, before = entry.after, entry.before["authorships"]
    into_id = data["into"]
    source_ids = {r[3] for r in data["authorships"] if r[3]}
    authors = {
        a.pk: a
        for a in Author.objects.select_for_update().filter(
            pk__in=[into_id, *source_ids]
        )
    }
    into = authors.get(into_id)
    if into is None:
        return _UndoPlan(["The split's record no longer exists."], {}, {}, [], [])
    blockers: list[str] = []
    if into.merged_into_id:
        blockers.append(
            f"Record #{into_id} was merged into #{into.merged_into_id} since: "
            "undo that merge first."
        )
    for source_id in sorted(source_ids):
        source = authors.get(source_id)
        if source is None or source.merged_into_id:
            blockers.append(
                f"Record #{source_id}, where the works came from, was merged "
                "since: undo that merge first."
            )
    found = _authorships_found(data["authorships"])
    changed = [
        row
        for row in found.values()
        if row is not None
        and (
            row.author_id != into_id
            or not row.locked
            or row.attribution != Authorship.Attribution.MODERATOR
        )
    ]
    if changed:
        blockers.append(
            f"{len(changed)} of the split works moved or were re-attributed "
            "since: undo that first."
        )
    back = {
        row.pk: before[str(pk)]
        for pk, row in found.items()
        if row is not None and row not in changed
    }
    if data["created"]:
        kept = set(back)
        holds = {
            "works": Authorship.objects.filter(author_id=into_id)
            .exclude(pk__in=kept)
            .exists(),
            "claims": Claim.objects.filter(author_id=into_id).exists(),
            "follows": Follow.objects.filter(author_id=into_id).exists(),
            "identifiers": AuthorIdentifier.objects.filter(author_id=into_id)
            .exclude(pk__in=[pk for pk, _ in data.get("identifiers", [])])
            .exists(),
        }
        grown = [what for what, yes in holds.items() if yes]
        if grown:
            blockers.append(
                f"Record #{into_id}, made by this split, has gained "
                f"{', '.join(grown)} since: merge it into the original record "
                "instead."
            )
    main_source = data.get("from")

    def apply() -> None:
        for pk, old in back.items():
            Authorship.objects.filter(pk=pk).update(
                author_id=old["author"],
                attribution=old["attribution"],
                attribution_detail=old["attribution_detail"],
                confidence=old["confidence"],
                locked=old["locked"],
            )
        AuthorAlias.objects.filter(
            pk__in=data["aliases_created"], author_id=into_id
        ).delete()
        for pk, came_from in data.get("identifiers", []):
            AuthorIdentifier.objects.filter(pk=pk, author_id=into_id).update(
                author_id=came_from
            )
        if data["created"] and main_source:
            # Emptied, never deleted: its URL now leads to the original.
            Author.objects.filter(pk=into_id).update(merged_into_id=main_source)
            into.merged_into_id = main_source

    back_to = authors.get(main_source) if main_source else into
    return _UndoPlan(
        blockers=blockers,
        restored={
            "authorships": sorted(back),
            "identifiers": [pk for pk, _ in data.get("identifiers", [])],
        },
        gone={"authorships": [r for r in data["authorships"] if found[r[0]] is None]},
        author_ids=[into_id, *source_ids],
        work_ids=[r[1] for r in data["authorships"]],
        back_to=back_to,
        author_obj=into,
        history_author=back_to,
        apply=apply,
    )


# -- after every change -----------------------------------------------------


def _lock_authors(*ids: int) -> list[Author]:
    found = Author.objects.select_for_update().in_bulk(list(ids))
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise IdentityChangeError(f"No record #{missing[0]}.")
    return [found[pk] for pk in ids]


def _figures_refresh(*, author_ids: Iterable[int], work_ids: Iterable[int]) -> None:
    """Counters, follower counts and trust of the records a change touched.

    Co-authors on the moved works count their collaborators again; the
    records themselves get their trust recomputed now (staff look at them
    next), and everybody touched is announced after commit (trust of the
    co-authors, graph slices, re-resolution).
    """
    ids = sorted(set(author_ids))
    coauthors = set(
        Authorship.objects.filter(work_id__in=set(work_ids), author__isnull=False)
        .values_list("author_id", flat=True)
        .distinct()
    )
    touched = sorted(set(ids) | coauthors)
    authors_recount(author_ids=touched)
    followers = dict(
        Follow.objects.filter(author_id__in=ids)
        .values_list("author_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for author_id in ids:
        AuthorStanding.objects.update_or_create(
            author_id=author_id,
            defaults={"followers_count": followers.get(author_id, 0)},
        )
    author_standings_recompute(author_ids=ids)
    transaction.on_commit(
        lambda: authors_changed.send(sender=Author, author_ids=touched)
    )
