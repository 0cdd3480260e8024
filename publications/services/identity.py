"""Which Author an authorship belongs to.

``authorship_resolve_author`` is the ONE place that decides. For now it
attaches every authorship to one Author per normalised full name; the
identity-resolution work replaces its inside (identifiers first, then name
plus evidence), not its callers.
"""

from __future__ import annotations

from publications.models import Author, AuthorAlias
from publications.names import name_key
from publications.sources.base import ParsedAuthorship


def authorship_resolve_author(*, parsed: ParsedAuthorship) -> Author:
    """Return the Author for a parsed authorship, creating it if needed."""
    key = name_key(parsed.name)
    author = Author.objects.visible().filter(name_key=key).order_by("pk").first()
    if author is None:
        author = Author.objects.create(display_name=parsed.name, name_key=key)
    AuthorAlias.objects.get_or_create(
        author=author, name=parsed.name, defaults={"name_key": key}
    )
    return author
