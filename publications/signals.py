"""Signals publications sends so that other apps can react.

publications never imports profiles or graph (the dependency arrow runs the
other way); they listen here instead.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent after commit when an import or a merge changed the facts an author's
# figures depend on. Arguments: author_ids (sorted list of ints).
authors_changed = Signal()
