"""``{% research_graph_slice author.pk %}``: the graph block, from the cache only.

It reads the cache and never the database, so including it leaves a page's
SQL query count unchanged; a slice that is not cached yet renders the
"Building this graph slice" block, which htmx polls until it is ready.
"""

from __future__ import annotations

from django import template

from graph.drawing import slice_block
from graph.selectors import cached_slice

register = template.Library()


@register.inclusion_tag("graph/_slice.html")
def research_graph_slice(author_id: int) -> dict:
    return slice_block(author_id=author_id, graph_slice=cached_slice(author_id))
