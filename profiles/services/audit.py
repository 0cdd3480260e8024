"""The audit log: one row per moderation or ownership action.

``audit_record`` is called by the services inside the same transaction as
the change it describes, so a change and its audit row land together.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from profiles.models import AuditLog
from publications.models import Author


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model,
    author: Author | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    undoes: AuditLog | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        author=author,
        before=before or {},
        after=after or {},
        reason=reason,
        undoes=undoes,
    )
