"""``{% citation_network_picture page.citation_network %}``: the paper page's
citation network drawn as SVG.

The paper page's selector has already read the network
(``publications.citation_network``), so drawing it costs no query; the tag
lets the publications template show a picture drawn in graph without
publications importing graph.
"""

from __future__ import annotations

from django import template

from graph.citation_drawing import citation_picture
from publications.citation_network import CitationNetwork

register = template.Library()


@register.inclusion_tag("graph/_citation_picture.html")
def citation_network_picture(network: CitationNetwork) -> dict:
    return {
        "picture": None if network.empty else citation_picture(network),
        "work_id": network.work_id,
    }
