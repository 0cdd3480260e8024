"""How publications reacts to its own signals (see publications.signals).

New evidence about authors (an import, a merge, a split, an undo) sends
``authors_changed`` after commit; re-resolution then decides the affected
authorships again, in a task (in-process when there is no broker). Its own
announcement is sent by ``Authorship`` and ignored here, so that it does not
trigger itself.
"""

from __future__ import annotations

from django.dispatch import receiver

from publications.models import Authorship
from publications.signals import authors_changed


@receiver(authors_changed)
def reresolve_on_new_evidence(sender, author_ids: list[int], **kwargs) -> None:
    if sender is Authorship or not author_ids:
        return
    from publications.tasks import authorships_reresolve_task

    authorships_reresolve_task.delay(list(author_ids))
