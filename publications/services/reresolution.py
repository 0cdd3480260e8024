"""Re-resolution: decide authorships again when new evidence arrives.

An authorship is decided once, at import, with the evidence known then
(``publications.services.identity``). Evidence keeps arriving: an ORCID
appears on an Author (an ORCID record, a claim), two Authors are merged
(the kept one now has both records' co-authors and topics), a later import
adds works. ``authorships_reresolve`` takes the authorships such evidence
may concern and decides each again with the same rules, moving the ones
whose decision changed.

What it looks at, for ``author_ids``: every unlocked authorship in the name
block of those Authors (the Authors whose name forms fit theirs), and every
authorship elsewhere that carries an identifier those Authors now hold. For
``authorship_ids``: those rows. What it never does:

- change a locked row (a claim, a moderator's split or move): manual
  decisions always win;
- move a row that an identifier decided, except to the Author now holding
  a stronger identifier the row carries;
- split a row off into a new record: a row goes to another existing
  Author when identifiers or evidence send it there (or, for the only row
  of its Author, when ``choose_candidate`` joins it on the name alone),
  otherwise it stays (un-joining people is a moderator's decision,
  through a split);
- move a row away from an Author its evidence still supports, unless
  another is supported clearly better (``MARGIN``), so that an undone
  merge is not redone by the algorithm.

Each row is judged with its own work left out of its Author's evidence (a
work is no evidence for itself). An Author that loses all its rows to one
other Author, and holds no identifier, points there (``merged_into``) so
that its address keeps answering.

Triggered by ``publications.receivers`` on ``authors_changed`` (sent after
commit by imports, merges, splits and undos), through a Celery task that
runs in-process when there is no broker. It announces the Authors it
changed with ``authors_changed`` too, sent by ``Authorship``, which the
receiver ignores: re-resolution does not trigger itself.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from publications.identity_scoring import (
    THRESHOLD,
    Mention,
    NameParts,
    choose_candidate,
    evidence_between,
    name_coauthor_key,
    names_fit,
)
from publications.models import (
    Author,
    AuthorAlias,
    AuthorIdentifier,
    Authorship,
    WorkTopic,
)
from publications.names import name_key
from publications.signals import authors_changed

from .counters import authors_recount
from .identity import (
    ATTRIBUTION_OF_KIND,
    PERSON_SCHEMES,
    Attribution,
    authors_by_identifier,
    candidate_profiles,
    evidence_lines,
    identifiers_conflict,
    strongest_identifier,
)

logger = logging.getLogger(__name__)

# How much better supported another Author must be to take a row from an
# Author that its evidence still supports.
MARGIN = 0.2
# Authors per transaction.
BATCH = 100


@dataclass
class Reresolution:
    """What a run changed: moved authorship ids and the Authors touched."""

    moved: list[int] = field(default_factory=list)
    author_ids: set[int] = field(default_factory=set)


def authorships_reresolve(
    *,
    author_ids: Iterable[int] | None = None,
    authorship_ids: Iterable[int] | None = None,
) -> Reresolution:
    """Decide again the authorships new evidence about these may concern."""
    result = Reresolution()
    authors = sorted(set(author_ids or ()))
    for start in range(0, len(authors), BATCH):
        _run(result, author_ids=authors[start : start + BATCH], authorship_ids=())
    if authorship_ids:
        _run(result, author_ids=(), authorship_ids=sorted(set(authorship_ids)))
    if result.author_ids:
        touched = sorted(result.author_ids)
        transaction.on_commit(
            lambda: authors_changed.send(sender=Authorship, author_ids=touched)
        )
    return result


@transaction.atomic
def _run(
    result: Reresolution,
    *,
    author_ids: Sequence[int],
    authorship_ids: Sequence[int],
) -> None:
    names = _name_forms(author_ids)
    rows_query = Q(pk__in=list(authorship_ids))
    if author_ids:
        rows_query |= _identifier_rows(author_ids)
    explicit = list(
        Authorship.objects.filter(rows_query, locked=False).select_related("work")
    )
    names += [NameParts.from_string(r.name) for r in explicit]
    profiles = candidate_profiles(names)
    block_rows = list(
        Authorship.objects.filter(author_id__in=list(profiles), locked=False)
        .exclude(attribution=Attribution.IDENTIFIER)
        .select_related("work")
    )
    rows = list({r.pk: r for r in [*explicit, *block_rows]}.values())
    if not rows:
        return
    rows.sort(key=lambda r: (r.work.year or 0, r.work_id, r.position))
    held = authors_by_identifier(
        [tuple(i) for r in rows for i in r.identifiers if len(i) == 2]
    )
    others, topics = _work_facts([r.work_id for r in rows])
    surnames = _SurnameIndex(profiles)
    emptied: dict[int, set[int]] = defaultdict(set)
    moved_works: set[int] = set()
    for row in rows:
        moved_to = _decide(row, profiles, surnames, held, others, topics)
        if moved_to is None:
            continue
        old = row.author_id
        updated = Authorship.objects.filter(
            pk=row.pk, locked=False, author_id=old
        ).update(
            author=moved_to,
            attribution=row.attribution,
            attribution_detail=row.attribution_detail,
            confidence=row.confidence,
        )
        if not updated:
            continue
        logger.info(
            "Re-resolution moved authorship %s from %s to %s", row.pk, old, moved_to
        )
        AuthorAlias.objects.get_or_create(
            author_id=moved_to,
            name=row.name[:255],
            defaults={"name_key": name_key(row.name)[:255]},
        )
        _profile_move(profiles, row, old, moved_to)
        result.moved.append(row.pk)
        moved_works.add(row.work_id)
        result.author_ids |= {a for a in (old, moved_to) if a is not None}
        if old is not None:
            emptied[old].add(moved_to)
    _point_emptied(emptied)
    if result.author_ids:
        # The works' other authors count their collaborators anew too.
        co_authors = set(
            Authorship.objects.filter(
                work_id__in=moved_works, author__isnull=False
            ).values_list("author_id", flat=True)
        )
        authors_recount(author_ids=result.author_ids | co_authors)


def _name_forms(author_ids: Sequence[int]) -> list[NameParts]:
    if not author_ids:
        return []
    texts = set(
        Author.objects.filter(pk__in=author_ids).values_list("display_name", flat=True)
    )
    texts |= set(
        AuthorAlias.objects.filter(author_id__in=author_ids).values_list(
            "name", flat=True
        )
    )
    return [NameParts.from_string(t) for t in sorted(texts)]


def _identifier_rows(author_ids: Sequence[int]) -> Q:
    """Rows elsewhere that carry an identifier these Authors hold."""
    query = Q(pk__in=[])
    for value in AuthorIdentifier.objects.filter(
        author_id__in=author_ids, scheme__in=PERSON_SCHEMES
    ).values_list("value", flat=True):
        # The list is JSON; a text search finds it on every database, and
        # ``_decide`` checks the exact (scheme, value) pair.
        query |= Q(identifiers__icontains=value) & ~Q(author_id__in=author_ids)
    return query


def _work_facts(
    work_ids: Sequence[int],
) -> tuple[dict[int, list[tuple[int, int | None, str]]], dict[int, set[str]]]:
    """Each work's authors (position, author id, name) and topic codes."""
    others: dict[int, list[tuple[int, int | None, str]]] = defaultdict(list)
    for work_id, position, author_id, name in Authorship.objects.filter(
        work_id__in=set(work_ids)
    ).values_list("work_id", "position", "author_id", "name"):
        others[work_id].append((position, author_id, name))
    topics: dict[int, set[str]] = defaultdict(set)
    for work_id, code in WorkTopic.objects.filter(
        work_id__in=set(work_ids)
    ).values_list("work_id", "topic__code"):
        topics[work_id].add(code)
    return others, topics


class _SurnameIndex:
    """The candidate profiles by the surname forms of their names.

    A name fits a profile only if they share a surname form
    (``names_fit``), so each row is checked against those profiles only,
    not against the whole block (which made a run's cost grow with the
    number of rows times the number of profiles). Profiles come in the
    order ``candidate_profiles`` gave them, as choices break ties by it.
    """

    def __init__(self, profiles: dict) -> None:
        self.order = {pk: index for index, pk in enumerate(profiles)}
        self.pks: dict[str, set[int]] = defaultdict(set)
        for pk, profile in profiles.items():
            for form in profile.names:
                for surname in form.surnames:
                    self.pks[surname].add(pk)

    def sharing_a_surname(self, name: NameParts) -> list[int]:
        found: set[int] = set()
        for surname in name.surnames:
            found |= self.pks.get(surname, set())
        return sorted(found, key=self.order.__getitem__)


def _decide(row, profiles, surnames, held, others, topics) -> int | None:
    """The Author ``row`` should move to, with its new attribution set on
    ``row``; None to leave it where it is."""
    strongest = strongest_identifier(row.identifiers, held)
    if strongest is not None:
        (scheme, value), author = strongest
        if author.pk == row.author_id:
            return None
        row.attribution = Attribution.IDENTIFIER
        row.attribution_detail = {
            "scheme": scheme,
            "value": value,
            "source": "reresolution",
        }
        row.confidence = 1.0
        return author.pk
    if row.attribution == Attribution.IDENTIFIER:
        return None
    name = NameParts.from_string(row.name)
    labels = {}
    coauthors = set()
    elsewhere = set()
    for position, author_id, other in others.get(row.work_id, ()):
        if position == row.position:
            continue
        key = name_coauthor_key(other)
        labels[key] = other
        coauthors.add(key)
        if author_id is not None:
            elsewhere.add(author_id)
    mention = Mention(
        id=row.pk,
        name=name,
        affiliations=tuple(row.raw_affiliations or ()),
        coauthors=frozenset(coauthors),
        topics=frozenset(topics.get(row.work_id, ())),
        year=row.work.year,
    )
    candidates = []
    current = None
    for pk in surnames.sharing_a_surname(name):
        profile = profiles[pk]
        if pk in elsewhere and pk != row.author_id:
            continue
        if not names_fit(name, profile.names):
            continue
        if identifiers_conflict(row.identifiers, profile):
            continue
        if pk == row.author_id:
            current = profile.candidate(without_work=row.work_id)
            if current.works:
                candidates.append(current)
        else:
            candidates.append(profile.candidate())
    choice = choose_candidate(mention, candidates)
    if choice.key is None or choice.key == row.author_id:
        return None
    if current is not None and current.works:
        if choice.kind != "evidence":
            return None
        kept = evidence_between(mention, current)
        if kept.score >= THRESHOLD and (choice.confidence or 0) < kept.score + MARGIN:
            return None
    row.attribution = ATTRIBUTION_OF_KIND[choice.kind]
    row.attribution_detail = {
        "evidence": evidence_lines(choice.evidence, labels),
        "candidates": choice.candidates,
        "name_key": name_key(row.name),
        "source": "reresolution",
    }
    row.confidence = choice.confidence
    return choice.key


def _profile_move(profiles, row: Authorship, old: int | None, new: int) -> None:
    """Keep the in-memory evidence in step with a move."""
    work_id = row.work_id
    if new in profiles:
        profiles[new].names.append(NameParts.from_string(row.name))
    source = profiles.get(old)
    facts = source.works.pop(work_id, None) if source is not None else None
    if source is not None:
        source.changed()
    if facts is not None and new in profiles:
        profiles[new].works[work_id] = facts
        profiles[new].changed()


def _point_emptied(emptied: dict[int, set[int]]) -> None:
    """An Author left with no row, whose rows all went to one other Author
    and who holds no identifier, points there."""
    for author_id, targets in emptied.items():
        if len(targets) != 1:
            continue
        [target] = targets
        if (
            Authorship.objects.filter(author_id=author_id).exists()
            or AuthorIdentifier.objects.filter(author_id=author_id).exists()
        ):
            continue
        Author.objects.filter(pk=author_id, merged_into__isnull=True).exclude(
            pk=target
        ).update(merged_into=target)
