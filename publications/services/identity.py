"""Which Author an authorship belongs to.

``authorships_resolve_authors`` is the ONE place that decides, strongest
evidence first:

1. **A persistent identifier** the source gave for the person (ORCID, then
   OpenAlex author id, then Semantic Scholar id) that an Author already
   holds: that Author, with the identifier as the reason.
2. **The name with evidence**: the candidates are the visible Authors one of
   whose name forms (``Author.name_key`` and every ``AuthorAlias``, hidden
   ones included: a former name still serves matching) fits the printed
   name (``identity_scoring.names_fit``); a candidate holding another id of
   a scheme the authorship carries (another ORCID) is never one. Each
   candidate's evidence is read from its records: co-authors (by initial
   and surname) and topics of its latest ``EVIDENCE_WORKS`` works,
   institutions, active years; the decision is
   ``identity_scoring.choose_candidate``, the same rules that
   ``manage.py evaluate_identity`` measures on a labelled set.
3. **A new Author** when nothing points to one candidate.

A bulk load (the arXiv snapshot) stops after step 1 and takes the oldest
Author with exactly the same name, else a new one
(``authorships_resolve_by_name``, the rule of its set-based rows), and
leaves step 2 to re-resolution, which its ``authors_changed`` starts and
which decides with these same rules.

An identifier the source gave and no Author holds yet is recorded on the
chosen Author, unless that Author already holds another identifier of the
same scheme (then the two are different people and a new Author is made).

It takes a work's authorships together, so that the decision can use the
whole author list (co-authors are evidence), and costs a fixed number of
queries per work whatever the number of its authors or of the candidates:
at most 12 (1 for identifiers, 2 for the candidates' names, 5 for their
evidence, then the writes: new authors, identifiers, aliases, display
names; 8 when every author finds its record by evidence). Only a work with
more than BLOCK_CHUNK surname forms (a large collaboration) costs 2 more
per further BLOCK_CHUNK, and candidates whose latest works number more than
WORKS_CHUNK between them 2 more per further WORKS_CHUNK. Candidates are
found by surname and first initial (``Author.name_block``, indexed).
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from django.db.models import Q

from publications.identity_scoring import (
    Candidate,
    Choice,
    Evidence,
    Mention,
    NameParts,
    choose_candidate,
    coauthor_key,
    name_coauthor_key,
    names_fit,
    transliterate,
)
from publications.models import (
    Affiliation,
    Author,
    AuthorAlias,
    AuthorIdentifier,
    Authorship,
    WorkTopic,
)
from publications.names import name_key
from publications.sources.base import ORCID, ParsedAuthorship

# Person identifiers, strongest first.
PERSON_SCHEMES = (ORCID, "openalex", "s2")
Attribution = Authorship.Attribution


@dataclass(frozen=True)
class WorkContext:
    """What the work says that may be evidence about its authors."""

    source: str = ""
    year: int | None = None
    topic_codes: tuple[str, ...] = ()


@dataclass
class Resolution:
    author: Author
    attribution: str
    detail: dict = field(default_factory=dict)
    confidence: float | None = None


# How an import decides a work's authors: authorships_resolve_authors or
# authorships_resolve_by_name.
ResolveAuthors = Callable[..., list[Resolution]]


def visible_author(author: Author) -> Author:
    """Follow ``merged_into`` to the record that has a page."""
    seen = set()
    while author.merged_into_id is not None and author.pk not in seen:
        seen.add(author.pk)
        author = author.merged_into
    return author


def authors_by_identifier(
    identifiers: Sequence[tuple[str, str]],
) -> dict[tuple[str, str], Author]:
    """The visible Author holding each (scheme, value), in one query."""
    wanted = {(s, v) for s, v in identifiers if s in PERSON_SCHEMES and v}
    if not wanted:
        return {}
    values = {v for _, v in wanted}
    rows = AuthorIdentifier.objects.filter(value__in=values).select_related(
        "author", "author__merged_into"
    )
    return {
        (row.scheme, row.value): visible_author(row.author)
        for row in rows
        if (row.scheme, row.value) in wanted
    }


def strongest_identifier(
    identifiers: Iterable[Sequence[str]], held: dict[tuple[str, str], Author]
) -> tuple[tuple[str, str], Author] | None:
    keys = [tuple(i) for i in identifiers]
    for scheme in PERSON_SCHEMES:
        for key in keys:
            if key[0] == scheme and key in held:
                return key, held[key]  # type: ignore[return-value]
    return None


# -- candidates and their evidence -------------------------------------------


def _block_terms(names: Iterable[NameParts]) -> list[tuple[str, str]]:
    """(first initial, surname word) pairs that block these names.

    A name_key ends with the surname's last word ('a del maestro', 'adrian
    del maestro'; 'muller' or 'mueller' for Müller), but for a suffix ('neal
    j evans ii'), and starts with the first initial (``Author.name_block``
    holds the two), or is written 'surname, given'.
    """
    terms = set()
    for name in names:
        initial = name.given[0][0] if name.given else ""
        for text in {name.text, transliterate(name.text)}:
            words = name_key(text).split()
            if words:
                terms.add((initial, words[-1]))
    return sorted(terms)


def _block_filter(terms: Sequence[tuple[str, str]]) -> Q:
    """Name forms of the block, each term read off an index (``name_block``;
    ``name_key``'s pattern index for 'surname, given'), whatever the number
    of authors."""
    query = Q(pk__in=[])
    for initial, word in terms:
        if initial:
            query |= Q(name_block=f"{word} {initial}")
        else:
            query |= Q(name_block__startswith=f"{word} ")
        query |= Q(name_key__startswith=f"{word},")
    return query


# Terms per query: a flat OR of a few hundred LIKEs stays far below the
# expression depth SQLite accepts (1000).
BLOCK_CHUNK = 60

# The works of a candidate whose co-authors and topics count as evidence:
# its latest (``_recent_works``).
EVIDENCE_WORKS = 250


@dataclass
class _Profile:
    """An Author's evidence, per work so that one work can be left out."""

    author: Author
    names: list[NameParts] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    # work id -> (year, co-author keys, topic codes, raw affiliations)
    works: dict[int, tuple[int | None, set[str], set[str], list[str]]] = field(
        default_factory=dict
    )
    institutions: list[str] = field(default_factory=list)
    identifiers: set[tuple[str, str]] = field(default_factory=set)
    # The Candidate with every work, and in how many works each co-author
    # key, topic and year occurs, until the works change (``changed``).
    whole: Candidate | None = field(default=None, repr=False)
    counts: _Counts | None = field(default=None, repr=False)

    def changed(self) -> None:
        self.whole = None
        self.counts = None

    def candidate(self, *, without_work: int | None = None) -> Candidate:
        """The Author as a Candidate, with every work or without one.

        Without one work (a row is no evidence for itself), from the whole
        Candidate and the counts: what only that work held goes. Re-resolution
        asks this for every row of an Author, so building it from all the
        Author's works each time would make a prolific Author's rows cost
        the square of their number.
        """
        if without_work not in self.works:
            if self.whole is None:
                self.whole = self._build(self.works)
            return self.whole
        year, coauthors, topics, affiliations = self.works[without_work]
        if affiliations:
            # Affiliations keep the order of their first mention: rebuild.
            return self._build(
                {w: v for w, v in self.works.items() if w != without_work},
                without=True,
            )
        whole = self.candidate()
        if self.counts is None:
            self.counts = _Counts.of(self.works)
        counts = self.counts
        first, last = whole.first_year, whole.last_year
        if year is not None and counts.years[year] == 1 and year in (first, last):
            years = [y for y, n in counts.years.items() if n and y != year]
            first, last = min(years, default=None), max(years, default=None)
        return replace(
            whole,
            coauthors=whole.coauthors
            - {k for k in coauthors if counts.coauthors[k] == 1},
            topics=whole.topics - {t for t in topics if counts.topics[t] == 1},
            first_year=first,
            last_year=last,
            works=len(self.works) - 1,
        )

    def _build(self, works: dict, *, without: bool = False) -> Candidate:
        years = [v[0] for v in works.values() if v[0] is not None]
        affiliations = [a for v in works.values() for a in v[3]]
        return Candidate(
            key=self.author.pk,
            names=tuple(self.names),
            affiliations=tuple(dict.fromkeys([*self.institutions, *affiliations])),
            coauthors=frozenset(k for v in works.values() for k in v[1]),
            topics=frozenset(t for v in works.values() for t in v[2]),
            first_year=min(years, default=None),
            last_year=max(years, default=None),
            works=len(works) if without else max(len(works), self.author.works_count),
        )


@dataclass
class _Counts:
    """In how many of an Author's works each co-author key, topic and year
    occurs."""

    coauthors: Counter[str]
    topics: Counter[str]
    years: Counter[int]

    @classmethod
    def of(cls, works: dict) -> _Counts:
        coauthors: Counter[str] = Counter()
        topics: Counter[str] = Counter()
        years: Counter[int] = Counter()
        for year, keys, codes, _ in works.values():
            coauthors.update(keys)
            topics.update(codes)
            if year is not None:
                years[year] += 1
        return cls(coauthors, topics, years)


def candidate_profiles(names: Sequence[NameParts]) -> dict[int, _Profile]:
    """Every visible Author one of whose name forms could be one of ``names``,
    with its evidence: 7 queries whatever their number (2 more for each
    further BLOCK_CHUNK surname forms, on works with very many authors)."""
    terms = _block_terms(names)
    if not terms:
        return {}
    profiles: dict[int, _Profile] = {}
    forms: dict[int, dict[str, str]] = defaultdict(dict)
    for start in range(0, len(terms), BLOCK_CHUNK):
        block = _block_filter(terms[start : start + BLOCK_CHUNK])
        for author in Author.objects.visible().filter(block):
            profiles[author.pk] = _Profile(author)
        aliases = AuthorAlias.objects.filter(
            block, author__merged_into__isnull=True
        ).select_related("author")
        for alias in aliases:
            profiles.setdefault(alias.author_id, _Profile(alias.author))
            forms[alias.author_id][alias.name_key] = alias.name
    for pk, profile in profiles.items():
        forms[pk].setdefault(profile.author.name_key, profile.author.display_name)
        profile.keys = set(forms[pk])
        profile.names = [NameParts.from_string(text) for text in forms[pk].values()]
    # Keep only the authors some name fits: the LIKE above is a coarse block.
    profiles = {
        pk: p for pk, p in profiles.items() if any(names_fit(n, p.names) for n in names)
    }
    if profiles:
        _profiles_fill(profiles)
    return profiles


def _profiles_fill(profiles: dict[int, _Profile]) -> None:
    ids = list(profiles)
    own = Authorship.objects.filter(author_id__in=ids)
    for author_id, work_id, year, raw in own.values_list(
        "author_id", "work_id", "work__year", "raw_affiliations"
    ):
        profiles[author_id].works[work_id] = (year, set(), set(), list(raw or []))
    by_work: dict[int, list[int]] = defaultdict(list)
    for pk, profile in profiles.items():
        for work_id in profile.works:
            by_work[work_id].append(pk)
    recent = _recent_works(profiles.values())
    for start in range(0, len(recent), WORKS_CHUNK):
        work_ids = recent[start : start + WORKS_CHUNK]
        # In no order (sets): the models' default order would join Work.
        coauthors = Authorship.objects.filter(work_id__in=work_ids).order_by()
        for work_id, author_id, name in coauthors.values_list(
            "work_id", "author_id", "name"
        ):
            key = name_coauthor_key(name)
            for pk in by_work.get(work_id, ()):
                if author_id != pk:
                    profiles[pk].works[work_id][1].add(key)
        topics = WorkTopic.objects.filter(work_id__in=work_ids).order_by()
        for work_id, code in topics.values_list("work_id", "topic__code"):
            for pk in by_work.get(work_id, ()):
                profiles[pk].works[work_id][2].add(code)
    for author_id, institution in Affiliation.objects.filter(
        author_id__in=ids
    ).values_list("author_id", "institution__name"):
        profiles[author_id].institutions.append(institution)
    for author_id, scheme, value in AuthorIdentifier.objects.filter(
        author_id__in=ids
    ).values_list("author_id", "scheme", "value"):
        profiles[author_id].identifiers.add((scheme, value))


# Work ids per query of the candidates' recent works (their co-authors, their
# topics): far below the parameters a statement may carry (32,766 on SQLite).
WORKS_CHUNK = 10_000


def _recent_works(profiles: Iterable[_Profile]) -> list[int]:
    """The ids of each Author's latest ``EVIDENCE_WORKS`` works (by year,
    latest first, works without a year last; then by id), whose co-authors
    and topics are read as evidence.

    All of an Author's works give years and affiliations; co-authors and
    topics are read for these works only (a work among one candidate's
    latest counts for every candidate who holds it). Reading every co-author of
    every candidate made a record whose names are common or prolific cost
    seconds once the database held a million works (a candidate with
    3,600 works meant 15,000 co-author rows, each name parsed), and a
    prolific Author's older co-authors add little to tell people apart.
    Ranked here from the works and years ``_profiles_fill`` has read: as a
    window function in the two queries that read co-authors and topics,
    PostgreSQL joined every candidate's authorships to their works twice
    more, and the models' default order joined and sorted again. On the
    bench's million works (tests/bench/bench_standard_path.py), those two
    queries took 1.8 of the 3.8 s that 15 records spent in queries; 0.76 s
    once ranked here and read in no order.
    """
    recent: set[int] = set()
    for profile in profiles:
        works = profile.works
        if len(works) > EVIDENCE_WORKS:
            works = dict(
                heapq.nsmallest(
                    EVIDENCE_WORKS,
                    works.items(),
                    key=lambda item: (item[1][0] is None, -(item[1][0] or 0), -item[0]),
                )
            )
        recent.update(works)
    return sorted(recent)


def identifiers_conflict(
    identifiers: Iterable[Sequence[str]], profile: _Profile
) -> bool:
    """The candidate holds another id of a scheme the authorship carries."""
    own = {tuple(i) for i in identifiers if i[0] in PERSON_SCHEMES and i[1]}
    schemes = {s for s, _ in own}
    return any(s in schemes and (s, v) not in own for s, v in profile.identifiers)


def evidence_lines(evidence: Evidence | None, labels: dict[str, str]) -> list[str]:
    """Evidence as people read it: 'co-author Adrian Del Maestro', ..."""
    if evidence is None:
        return []
    lines = [f"co-author {labels.get(k, k)}" for k in evidence.coauthors]
    lines += [f"topic {code}" for code in evidence.topics]
    if evidence.institution:
        lines.append(f"institution {evidence.institution}")
    if evidence.years:
        first, last = evidence.years
        span = str(first) if first == last else f"{first}\u2013{last}"
        lines.append(f"active {span}")
    return lines


def decision_detail(choice: Choice, key: str, labels: dict[str, str]) -> dict:
    return {
        "evidence": evidence_lines(choice.evidence, labels),
        "candidates": choice.candidates,
        "name_key": key,
    }


ATTRIBUTION_OF_KIND = {
    "evidence": Attribution.NAME_EVIDENCE,
    "name": Attribution.NAME,
    "new": Attribution.NEW,
}


def work_mentions(
    names: Sequence[str],
    affiliations: Sequence[Sequence[str]],
    context: WorkContext,
) -> tuple[list[Mention], dict[str, str]]:
    """Each author of a work as a Mention; co-author keys with their names."""
    parts = [NameParts.from_string(n) for n in names]
    keys = [coauthor_key(p) for p in parts]
    labels = dict(zip(keys, names, strict=True))
    mentions = [
        Mention(
            id=i,
            name=p,
            affiliations=tuple(affiliations[i]),
            coauthors=frozenset(k for j, k in enumerate(keys) if j != i and k),
            topics=frozenset(context.topic_codes),
            year=context.year,
        )
        for i, p in enumerate(parts)
    ]
    return mentions, labels


def authorships_resolve_authors(
    *, parsed: Sequence[ParsedAuthorship], context: WorkContext | None = None
) -> list[Resolution]:
    """Return the Author of each parsed authorship, creating missing ones."""
    context = context or WorkContext()
    held = authors_by_identifier([key for p in parsed for key in p.identifiers])
    keys = [name_key(p.name) for p in parsed]
    mentions, labels = work_mentions(
        [p.name for p in parsed],
        [
            [*p.raw_affiliations, *(i.name for i in p.institutions if i.name)]
            for p in parsed
        ],
        context,
    )
    unresolved = [
        i
        for i, p in enumerate(parsed)
        if strongest_identifier(p.identifiers, held) is None
    ]
    profiles = candidate_profiles([mentions[i].name for i in unresolved])

    resolutions: list[Resolution | None] = [None] * len(parsed)
    taken: set[int] = set()
    for i, p in enumerate(parsed):
        strongest = strongest_identifier(p.identifiers, held)
        if strongest is not None:
            resolutions[i] = _by_identifier(strongest, context.source)
            taken.add(resolutions[i].author.pk)
    new: list[Author] = []
    for i in unresolved:
        p = parsed[i]
        # One person appears once on a work: an Author already chosen for
        # another position is not a candidate for this one.
        candidates = [
            profile.candidate()
            for pk, profile in profiles.items()
            if pk not in taken and not identifiers_conflict(p.identifiers, profile)
        ]
        choice = choose_candidate(mentions[i], candidates)
        detail = decision_detail(choice, keys[i], labels)
        if choice.key is None:
            author = Author(display_name=p.name, name_key=keys[i])
            new.append(author)
        else:
            author = profiles[choice.key].author
            taken.add(author.pk)
        resolutions[i] = Resolution(
            author, ATTRIBUTION_OF_KIND[choice.kind], detail, choice.confidence
        )
    done = [r for r in resolutions if r is not None]
    _resolutions_save(parsed, keys, done, new=new, held=held, source=context.source)
    return done


def _by_identifier(
    strongest: tuple[tuple[str, str], Author], source: str
) -> Resolution:
    """The Author holding the strongest identifier an authorship carries."""
    (scheme, value), author = strongest
    return Resolution(
        author,
        Attribution.IDENTIFIER,
        {"scheme": scheme, "value": value, "source": source},
        1.0,
    )


def _resolutions_save(
    parsed: Sequence[ParsedAuthorship],
    keys: Sequence[str],
    resolutions: Sequence[Resolution],
    *,
    new: Iterable[Author],
    held: dict[tuple[str, str], Author],
    source: str,
) -> None:
    """Create the new Authors, then give the chosen ones what the work adds:
    a fuller display name, the identifiers nobody holds, and each name
    form (one seen before is left as it is)."""
    Author.objects.bulk_create(new)
    _display_names_upgrade(parsed, resolutions)
    _record_identifiers(parsed, resolutions, held, source)
    AuthorAlias.objects.bulk_create(
        [
            AuthorAlias(author=r.author, name=p.name, name_key=key)
            for p, key, r in zip(parsed, keys, resolutions, strict=True)
        ],
        ignore_conflicts=True,
    )


def authorships_resolve_by_name(
    *, parsed: Sequence[ParsedAuthorship], context: WorkContext | None = None
) -> list[Resolution]:
    """Each authorship's Author by identifier, else by its exact name alone.

    The rule of a bulk load (``snapshot_bulk``, which writes most of an
    arXiv snapshot's records set-based and gives this one to the records it
    writes one by one, so that one load decides one way): a persistent
    identifier an Author holds, as ``authorships_resolve_authors``; else
    the oldest visible Author with the name's ``name_key`` (attribution
    "name"); else one new Author per name ("new"). Authorships of one name
    on one work go to one Author, as in the set-based rows. Weighing the
    evidence is left to re-resolution, which the import's
    ``authors_changed`` starts (``reresolution``): at a million works,
    weighing it took a generated load's 148 records that share a DOI 105
    s of 543 (29 s by name; tests/bench/bench_snapshot.py), and
    tests/bench/bench_standard_path.py times such a record either way.
    Three queries whatever the number of authors (names, new Authors, name
    forms), and what identifiers add when the authorships carry some (their
    look-up, then the writes ``authorships_resolve_authors`` makes for
    them: identifiers recorded, a fuller display name).
    """
    context = context or WorkContext()
    held = authors_by_identifier([key for p in parsed for key in p.identifiers])
    keys = [name_key(p.name) for p in parsed]
    by_key: dict[str, Author] = {}
    # Few Authors share a name key (those the evidence told apart): the
    # oldest of each is kept.
    for author in (
        Author.objects.visible()
        .filter(name_key__in=set(keys))
        .only("name_key", "display_name", "display_name_chosen")
        .order_by("-pk")
    ):
        by_key[author.name_key] = author
    resolutions: list[Resolution] = []
    new: dict[str, Author] = {}  # name key -> the Author to create
    for p, key in zip(parsed, keys, strict=True):
        strongest = strongest_identifier(p.identifiers, held)
        if strongest is not None:
            resolutions.append(_by_identifier(strongest, context.source))
            continue
        if key not in by_key:
            by_key[key] = Author(display_name=p.name, name_key=key)
            new[key] = by_key[key]
        attribution = Attribution.NEW if key in new else Attribution.NAME
        resolutions.append(Resolution(by_key[key], attribution, {"name_key": key}))
    _resolutions_save(
        parsed, keys, resolutions, new=new.values(), held=held, source=context.source
    )
    return resolutions


def _display_names_upgrade(
    parsed: Sequence[ParsedAuthorship], resolutions: Sequence[Resolution]
) -> None:
    """A record known only by initials takes the first full name it gets.

    Never a name the researcher chose (``display_name_chosen``).
    """
    changed = []
    for p, resolution in zip(parsed, resolutions, strict=True):
        author = resolution.author
        if author.display_name_chosen or resolution.attribution == Attribution.NEW:
            continue
        if NameParts.from_string(p.name).has_full_given_name and not (
            NameParts.from_string(author.display_name).has_full_given_name
        ):
            author.display_name = p.name
            author.name_key = name_key(p.name)
            changed.append(author)
    if changed:
        Author.objects.bulk_update(changed, ["display_name", "name_key"])


def _schemes_held(author_ids: list[int]) -> dict[int, set[str]]:
    held: dict[int, set[str]] = {}
    if author_ids:
        for author_id, scheme in AuthorIdentifier.objects.filter(
            author_id__in=author_ids
        ).values_list("author_id", "scheme"):
            held.setdefault(author_id, set()).add(scheme)
    return held


def _record_identifiers(
    parsed: Sequence[ParsedAuthorship],
    resolutions: Sequence[Resolution],
    held: dict[tuple[str, str], Author],
    source: str,
) -> None:
    """Give each chosen Author the ids the source printed and nobody holds."""
    rows = []
    claimed: set[tuple[str, str]] = set()
    for p, resolution in zip(parsed, resolutions, strict=True):
        for scheme, value in p.identifiers:
            key = (scheme, value)
            if (
                scheme not in PERSON_SCHEMES
                or not value
                or key in held
                or key in claimed
            ):
                continue
            claimed.add(key)
            rows.append(
                AuthorIdentifier(
                    author=resolution.author, scheme=scheme, value=value, source=source
                )
            )
    AuthorIdentifier.objects.bulk_create(rows, ignore_conflicts=True)


def authorship_identifier_attach(
    *, authorship: Authorship, identifiers: Sequence[tuple[str, str]], source: str
) -> bool:
    """Add ids another source gave for this authorship's person; re-decide.

    An id held by another Author moves the (unlocked) authorship there, with
    the id as the reason; an id nobody holds is given to the authorship's
    Author unless it holds one of that scheme already. Returns whether the
    authorship changed.
    """
    known = {tuple(pair) for pair in authorship.identifiers}
    added = [tuple(pair) for pair in identifiers if tuple(pair) not in known]
    if not added:
        return False
    authorship.identifiers = sorted(known | set(added))
    held = authors_by_identifier(added)
    fields = ["identifiers"]
    strongest = None
    for scheme in PERSON_SCHEMES:
        strongest = next(
            ((k, held[k]) for k in added if k[0] == scheme and k in held), None
        )
        if strongest:
            break
    if strongest is not None and not authorship.locked:
        (scheme, value), author = strongest
        if author.pk != authorship.author_id:
            authorship.author = author
        authorship.attribution = Attribution.IDENTIFIER
        authorship.attribution_detail = {
            "scheme": scheme,
            "value": value,
            "source": source,
        }
        authorship.confidence = 1.0
        fields += ["author", "attribution", "attribution_detail", "confidence"]
    elif authorship.author_id is not None:
        own = _schemes_held([authorship.author_id]).get(authorship.author_id, set())
        AuthorIdentifier.objects.bulk_create(
            [
                AuthorIdentifier(
                    author_id=authorship.author_id, scheme=s, value=v, source=source
                )
                for s, v in added
                if s in PERSON_SCHEMES and (s, v) not in held and s not in own
            ],
            ignore_conflicts=True,
        )
    authorship.save(update_fields=fields)
    return True
