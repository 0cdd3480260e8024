"""The paper page: /works/<id>/."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from publications.models import Work
from tests.conftest import FIXTURES
from tests.factories import AuthorshipFactory, WorkFactory, WorkTopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def luttinger():
    """A real arXiv record imported through the real importer."""
    call_command(
        "import",
        "arxiv",
        "--file",
        str(FIXTURES / "arxiv_api/au_del_maestro_2016.xml"),
        verbosity=0,
    )
    return Work.objects.get(arxiv_id="1201.4869")


def test_paper_page_shows_the_record(client, luttinger):
    html = client.get(f"/works/{luttinger.pk}/").content.decode()

    assert "<h1>A Luttinger Liquid Core Inside Helium-4 Filled Nanopores</h1>" in html
    assert 'href="https://arxiv.org/abs/1201.4869"' in html
    assert 'href="https://doi.org/10.1142/s021797921244002x"' in html
    assert "Int. J. Mod. Phys. B, 26, 1244002 (2012)" in html
    assert "26 pages, 10 figures" in html
    assert "23 January 2012" in html
    assert "As helium-4 is cooled below 2.17 K" in html


def test_paper_page_links_authors_to_their_profiles(client, luttinger):
    authorship = luttinger.authorships.get()
    html = client.get(f"/works/{luttinger.pk}/").content.decode()
    assert (
        f'<a href="{authorship.author.get_absolute_url()}">Adrian Del Maestro</a>'
        in html
    )


def test_paper_page_lists_categories_primary_first_with_names(client, luttinger):
    html = client.get(f"/works/{luttinger.pk}/").content.decode()
    first = html.index("cond-mat.mes-hall")
    assert first < html.index("cond-mat.other")
    assert "Mesoscale and Nanoscale Physics" in html


def test_paper_page_shows_how_to_cite_in_three_styles(client, luttinger):
    html = client.get(f"/works/{luttinger.pk}/").content.decode()

    assert "How to cite" in html
    assert "@article{delmaestro2012luttinger," in html
    assert "Del Maestro, A. (2012)." in html
    assert "Del Maestro, Adrian." in html


def test_paper_page_lists_versions(client, fixture_bytes):
    call_command(
        "import",
        "arxiv",
        "--file",
        str(FIXTURES / "arxiv_api/id_list_1111.2011v2.xml"),
        verbosity=0,
    )
    work = Work.objects.get(arxiv_id="1111.2011")

    html = client.get(f"/works/{work.pk}/").content.decode()

    assert 'href="https://arxiv.org/abs/1111.2011v1"' in html
    assert 'href="https://arxiv.org/abs/1111.2011v2"' in html


def test_paper_page_query_count_does_not_grow_with_authors(
    client, django_assert_num_queries
):
    small = WorkFactory()
    AuthorshipFactory(work=small, position=1)
    WorkTopicFactory(work=small)
    large = WorkFactory()
    for position in range(1, 41):
        AuthorshipFactory(work=large, position=position)
    for i in range(10):
        WorkTopicFactory(work=large, topic__code=f"math.Q{i}")

    # Expect 9 queries: the work, its authorships with authors, its topics,
    # its versions; the citation network's counts, citing works and
    # references (no listed work, so no query for their authors: see
    # tests/publications/test_work_citation_network.py); then its similar
    # works with their works and its key terms ({% similar_works %}).
    with django_assert_num_queries(9):
        assert client.get(f"/works/{small.pk}/").status_code == 200
    with django_assert_num_queries(9):
        assert client.get(f"/works/{large.pk}/").status_code == 200


def test_unknown_paper_is_a_404_page(client):
    response = client.get("/works/99999/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_title_markup_is_escaped(client):
    work = WorkFactory(title='<script>alert("x")</script> Tests')
    AuthorshipFactory(work=work, position=1)
    html = client.get(f"/works/{work.pk}/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_paper_page_links_categories_to_their_topic_pages(client):
    work = WorkFactory()
    WorkTopicFactory(
        work=work,
        topic__code="cond-mat.stat-mech",
        topic__name="Statistical Mechanics",
        is_primary=True,
    )

    html = client.get(f"/works/{work.pk}/").content.decode()

    assert (
        '<a class="topic primary" href="/topics/arxiv/cond-mat.stat-mech/">'
        "Statistical Mechanics</a>"
    ) in html
