"""Which Author an authorship belongs to.

``authorships_resolve_authors`` is the ONE place that decides, strongest
evidence first:

1. **A persistent identifier** the source gave for the person (ORCID, then
   OpenAlex author id, then Semantic Scholar id) that an Author already
   holds: that Author, with the identifier as the reason.
2. **The name**: one Author per normalised full name (``name_key``); a
   name never seen makes a new Author. The identity-resolution work
   replaces this step with name + evidence; its callers do not change.

An identifier the source gave and no Author holds yet is recorded on the
chosen Author, unless that Author already holds another identifier of the
same scheme (then the two are different people and a new Author is made).

It takes a work's authorships together, so that the decision can use the
whole author list (co-authors are evidence), and costs a fixed number of
queries per work, not per author.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from publications.models import Author, AuthorAlias, AuthorIdentifier, Authorship
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


def _strongest(
    parsed: ParsedAuthorship, held: dict[tuple[str, str], Author]
) -> tuple[tuple[str, str], Author] | None:
    for scheme in PERSON_SCHEMES:
        for key in parsed.identifiers:
            if key[0] == scheme and key in held:
                return key, held[key]
    return None


def authorships_resolve_authors(
    *, parsed: Sequence[ParsedAuthorship], context: WorkContext | None = None
) -> list[Resolution]:
    """Return the Author of each parsed authorship, creating missing ones."""
    context = context or WorkContext()
    held = authors_by_identifier([key for p in parsed for key in p.identifiers])
    keys = [name_key(p.name) for p in parsed]
    by_name: dict[str, Author] = {}
    # Oldest record first, so the same name keeps resolving to one author.
    for author in Author.objects.visible().filter(name_key__in=keys).order_by("-pk"):
        by_name[author.name_key] = author
    schemes_held = _schemes_held([a.pk for a in by_name.values()])

    resolutions: list[Resolution] = []
    new: dict[str, Author] = {}
    for p, key in zip(parsed, keys, strict=True):
        strongest = _strongest(p, held)
        if strongest is not None:
            (scheme, value), author = strongest
            resolutions.append(
                Resolution(
                    author,
                    Attribution.IDENTIFIER,
                    {"scheme": scheme, "value": value, "source": context.source},
                    1.0,
                )
            )
            continue
        candidate = by_name.get(key)
        own = {s for s, v in p.identifiers if s in PERSON_SCHEMES and v}
        if candidate is not None and not (own & schemes_held.get(candidate.pk, set())):
            resolutions.append(
                Resolution(candidate, Attribution.NAME, {"name_key": key}, None)
            )
            continue
        # A name never seen, or one whose record holds another person's id.
        author = new.get(key) if not own else None
        if author is None:
            author = Author(display_name=p.name, name_key=key)
            if own:
                new[f"{key}#{len(new)}"] = author
            else:
                new[key] = author
        resolutions.append(Resolution(author, Attribution.NEW, {"name_key": key}, None))
    if new:
        Author.objects.bulk_create(new.values())

    _record_identifiers(parsed, resolutions, held, context.source)
    # Record each name form; a form seen before is left as it is.
    AuthorAlias.objects.bulk_create(
        [
            AuthorAlias(author=r.author, name=p.name, name_key=key)
            for p, key, r in zip(parsed, keys, resolutions, strict=True)
        ],
        ignore_conflicts=True,
    )
    return resolutions


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
