"""The name pages, the API and how-to-cite print for an authorship.

The name as printed on the paper, unless the researcher hid that form
(``AuthorAlias.hidden``, a former name): then the record's display name, so
that a hidden name never reaches a page. Every public read of authorship
names goes through ``with_shown_names``.
"""

from __future__ import annotations

from django.db.models import Case, CharField, Exists, F, OuterRef, QuerySet, When

from publications.models import AuthorAlias, Authorship


def with_shown_names(authorships: QuerySet[Authorship]) -> QuerySet[Authorship]:
    """Annotate ``shown_name``: a correlated EXISTS on the (author, name)
    unique index of AuthorAlias, in the same query."""
    hidden = AuthorAlias.objects.filter(
        author_id=OuterRef("author_id"), name=OuterRef("name"), hidden=True
    )
    return authorships.annotate(
        shown_name=Case(
            When(Exists(hidden), then=F("author__display_name")),
            default=F("name"),
            output_field=CharField(),
        )
    )
