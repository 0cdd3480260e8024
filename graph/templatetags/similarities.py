"""``{% similar_works work.pk %}`` and ``{% similar_authors author.pk %}``.

The paper page and the profile render precomputed similarities through these
tags, so the publications and profiles code never imports graph. The works
block costs two queries (similar works with their works, key terms), the
authors block one.
"""

from __future__ import annotations

from django import template

from graph.similarity_selectors import (
    key_terms_for,
    similar_authors_for,
    similar_works_for,
)

register = template.Library()


@register.inclusion_tag("graph/_similar_works.html")
def similar_works(work_id: int) -> dict:
    return {
        "similar_works": similar_works_for(work_id),
        "key_terms": key_terms_for(work_id),
    }


@register.inclusion_tag("graph/_similar_authors.html")
def similar_authors(author_id: int) -> dict:
    return {"similar_authors": similar_authors_for(author_id)}
