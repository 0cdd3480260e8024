"""Which Author an authorship belongs to.

``authorships_resolve_authors`` is the ONE place that decides. For now it
attaches every authorship to one Author per normalised full name; the
identity-resolution work replaces its inside (identifiers first, then name
plus evidence), not its callers. It takes a work's authorships together so
that the decision can use the whole author list (co-authors are evidence)
and costs three queries per work, not three per author.
"""

from __future__ import annotations

from collections.abc import Sequence

from publications.models import Author, AuthorAlias
from publications.names import name_key
from publications.sources.base import ParsedAuthorship


def authorships_resolve_authors(*, parsed: Sequence[ParsedAuthorship]) -> list[Author]:
    """Return the Author of each parsed authorship, creating missing ones."""
    keys = [name_key(p.name) for p in parsed]
    found: dict[str, Author] = {}
    # Oldest record first, so the same name keeps resolving to one author.
    for author in Author.objects.visible().filter(name_key__in=keys).order_by("-pk"):
        found[author.name_key] = author
    new = {}
    for p, key in zip(parsed, keys, strict=True):
        if key not in found and key not in new:
            new[key] = Author(display_name=p.name, name_key=key)
    if new:
        Author.objects.bulk_create(new.values())
        found.update(new)
    authors = [found[key] for key in keys]
    # Record each name form; a form seen before is left as it is.
    AuthorAlias.objects.bulk_create(
        [
            AuthorAlias(author=author, name=p.name, name_key=key)
            for p, key, author in zip(parsed, keys, authors, strict=True)
        ],
        ignore_conflicts=True,
    )
    return authors
