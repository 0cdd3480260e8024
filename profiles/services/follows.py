"""Following an author: the Follow row and the stored follower count."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from profiles.models import AuthorStanding, Follow
from publications.models import Author


@transaction.atomic
def follow_create(*, user, author: Author) -> bool:
    """Follow an author; return False when the user already did."""
    try:
        with transaction.atomic():
            Follow.objects.create(user=user, author=author)
    except IntegrityError:
        return False
    _add_followers(author, +1)
    return True


@transaction.atomic
def follow_delete(*, user, author: Author) -> bool:
    """Stop following an author; return False when the user did not follow."""
    deleted, _ = Follow.objects.filter(user=user, author=author).delete()
    if not deleted:
        return False
    _add_followers(author, -1)
    return True


def _add_followers(author: Author, delta: int) -> None:
    AuthorStanding.objects.get_or_create(author=author)
    AuthorStanding.objects.filter(author=author).update(
        followers_count=F("followers_count") + delta
    )
    from profiles.tasks import author_standings_recompute_task

    transaction.on_commit(lambda: author_standings_recompute_task.delay([author.pk]))


def followers_recount() -> int:
    """Recount every stored follower count from the Follow rows."""
    from django.db.models import Count

    counts = dict(
        Follow.objects.values_list("author_id").annotate(n=Count("pk")).order_by()
    )
    changed = 0
    for standing in AuthorStanding.objects.only("followers_count"):
        n = counts.get(standing.author_id, 0)
        if standing.followers_count != n:
            AuthorStanding.objects.filter(pk=standing.pk).update(followers_count=n)
            changed += 1
    return changed
