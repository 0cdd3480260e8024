"""What a claimed researcher sets by hand on their author record.

Headline and "open to collaborate" live on ``Author`` (the profile page
reads them with the author, no extra query); affiliation, bio, links and the
search-engine choice live on ``Profile``, whose rows carry provenance
"researcher". Imports never write any of them
(``publications.services.ingest`` does not touch these fields), so what the
researcher set survives every re-import.

The caller checks permission first with
``profiles.access.access_author_for_edit``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from profiles.models import Profile
from profiles.services.audit import audit_record
from publications.models import Author, AuthorAlias, Authorship
from publications.signals import authors_changed


@transaction.atomic
def profile_update(
    *,
    user,
    author: Author,
    headline: str,
    affiliation: str,
    bio: str,
    links: list[str],
    open_to_collaborate: bool,
    hide_from_search_engines: bool,
) -> Profile:
    """Write the researcher's fields and audit the change (before/after).

    Raises ValueError for a link that is not http(s): the page renders links
    as anchors, so no other scheme may reach it, whoever calls this.
    """
    links = _unique(link.strip() for link in links if link.strip())
    is_http_url = URLValidator(schemes=["http", "https"])
    for link in links:
        try:
            is_http_url(link)
        except ValidationError as exc:
            raise ValueError(f"Not an http(s) link: {link!r}") from exc
    profile = Profile.objects.select_for_update().filter(author=author).first()
    if profile is None:
        profile = Profile(author=author, user=user)
    before = _state(author, profile)

    author.headline = headline.strip()
    author.open_to_collaborate = open_to_collaborate
    author.save(update_fields=["headline", "open_to_collaborate", "modified_at"])
    profile.user = user
    profile.affiliation = affiliation.strip()
    profile.bio = bio.strip()
    profile.links = links
    profile.hide_from_search_engines = hide_from_search_engines
    profile.save()

    after = _state(author, profile)
    if after != before:
        audit_record(
            actor=user,
            action="profile.update",
            obj=profile,
            author=author,
            before=before,
            after=after,
        )
    return profile


@transaction.atomic
def author_names_update(
    *, user, author: Author, display_name: str, hidden_alias_ids: list[int]
) -> Author:
    """Set the display name among the record's name forms; hide some forms.

    The name is then the researcher's choice (``display_name_chosen``):
    imports and re-resolution never change it, so a hidden former name
    cannot come back as the display name. Hidden forms still serve matching
    (identity resolution reads every alias). Audited with alias ids only,
    so the log does not repeat a hidden name.

    Raises ValueError for a name that is not one of the record's forms, an
    alias of another record, or hiding the name shown.
    """
    author = Author.objects.select_for_update().get(pk=author.pk)
    aliases = {a.pk: a for a in AuthorAlias.objects.filter(author=author)}
    hidden = set(hidden_alias_ids)
    if not hidden <= set(aliases):
        raise ValueError("Only this record's name forms can be hidden.")
    names = {author.display_name} | {a.name for a in aliases.values()}
    if display_name not in names:
        raise ValueError("The display name must be one of the record's name forms.")
    if display_name in {aliases[pk].name for pk in hidden}:
        raise ValueError("The name shown cannot be hidden.")
    renamed = display_name != author.display_name
    before = {"hidden_aliases": sorted(pk for pk, a in aliases.items() if a.hidden)}
    after = {"hidden_aliases": sorted(hidden), "display_name_changed": renamed}
    AuthorAlias.objects.filter(author=author).exclude(pk__in=hidden).update(
        hidden=False
    )
    AuthorAlias.objects.filter(pk__in=hidden).update(hidden=True)
    author.display_name = display_name
    author.display_name_chosen = True
    author.save(update_fields=["display_name", "display_name_chosen", "modified_at"])
    if renamed or before["hidden_aliases"] != after["hidden_aliases"]:
        audit_record(
            actor=user,
            action="author.names",
            obj=author,
            author=author,
            before=before,
            after=after,
        )

    # Caches that print the name hear about it: the record's graph slice,
    # and after a rename its co-authors' slices, which name it too.
    def announce() -> None:
        ids = {author.pk}
        if renamed:
            ids |= set(
                Authorship.objects.filter(
                    work__authorships__author_id=author.pk, author__isnull=False
                ).values_list("author_id", flat=True)
            )
        authors_changed.send(sender=Author, author_ids=sorted(ids))

    transaction.on_commit(announce)
    return author


def _state(author: Author, profile: Profile) -> dict[str, object]:
    return {
        "headline": author.headline,
        "open_to_collaborate": author.open_to_collaborate,
        "affiliation": profile.affiliation,
        "bio": profile.bio,
        "links": list(profile.links or []),
        "hide_from_search_engines": profile.hide_from_search_engines,
    }


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))
