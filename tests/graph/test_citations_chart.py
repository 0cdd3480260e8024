"""Citations per year on the profile, from the sources' counts by year."""

from __future__ import annotations

import pytest
from defusedxml.ElementTree import fromstring
from django.core.management import call_command
from django.urls import reverse

from graph.selectors import slice_rows
from graph.services import graph_slice_compute
from publications.models import Work
from tests.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def test_a_real_openalex_author_gets_citations_received_per_year(client):
    call_command(
        "import",
        "openalex",
        "--file",
        str(FIXTURES / "openalex/openalexPro/extracted_body/oa_snowball__01.json"),
        verbosity=0,
    )
    # W3046863325: cited 2, 1 and 2 times in 2022, 2023 and 2025.
    work = Work.objects.get(identifiers__value="W3046863325")
    author = work.authorships.get(position=1).author
    expected: dict[int, int] = {}
    for year, count in work.counts_by_year:
        expected[year] = expected.get(year, 0) + count

    assert expected == {2022: 2, 2023: 1, 2025: 2}
    rows = slice_rows(author_id=author.pk)
    assert dict(rows.citations_by_year) == expected

    stats = graph_slice_compute(author_id=author.pk).stats
    assert stats.citations_per_year == [(2022, 2), (2023, 1), (2024, 0), (2025, 2)]

    # The profile's graph block, as htmx loads it once the slice is built.
    page = client.get(reverse("graph:author_slice", args=[author.pk])).content.decode()
    assert "Citations per year" in page
    svg = page[page.index("<svg", page.index("Citations per year")) :]
    svg = svg[: svg.index("</svg>") + len("</svg>")]
    bars = fromstring(svg).findall("{http://www.w3.org/2000/svg}rect")
    assert len(bars) == len(stats.citations_per_year)
