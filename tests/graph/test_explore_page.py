"""/explore/?author=<id> and ?work=<id>: the research-graph explorer page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AuthorFactory, WorkFactory

pytestmark = pytest.mark.django_db

SCRIPT = "/static/vendor/cytoscape-3.30.4/cytoscape.min.js"


def explore_url(**params) -> str:
    return reverse("explore") + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_author_explorer_page_loads_cytoscape_and_the_script(client, researcher):
    response = client.get(explore_url(author=researcher.author.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<script src="{SCRIPT}" defer></script>' in html
    assert '<script type="module" src="/static/js/explore.js"></script>' in html
    assert 'data-endpoint="/graph/explore.json"' in html
    assert f'data-focus="author:{researcher.author.pk}"' in html
    assert "Adrian Del Maestro" in html


def test_vendored_script_has_its_licence_beside_it(settings):
    from pathlib import Path

    folder = Path(settings.BASE_DIR) / "static" / "vendor" / "cytoscape-3.30.4"
    assert (folder / "cytoscape.min.js").stat().st_size > 100_000
    assert "Cytoscape Consortium" in (folder / "LICENSE").read_text()


def test_noscript_links_to_the_profile_slice(client, researcher):
    html = client.get(explore_url(author=researcher.author.pk)).content.decode()

    noscript = html.split("<noscript>")[1].split("</noscript>")[0]
    assert "needs JavaScript" in noscript
    assert f'href="{researcher.author.get_absolute_url()}"' in noscript


def test_work_explorer_page_focuses_the_work(client, researcher):
    response = client.get(explore_url(work=researcher.old.pk))

    assert response.status_code == 200
    assert f'data-focus="work:{researcher.old.pk}"' in response.content.decode()


def test_filters_render_every_type_checked_unless_hidden(client, researcher):
    html = client.get(
        explore_url(author=researcher.author.pk, hide="topic,about")
    ).content.decode()

    for kind in ("author", "work", "institution", "co-authored", "wrote", "cites"):
        assert f'name="show" value="{kind}" checked>' in html
    for kind in ("topic", "about"):
        assert f'name="show" value="{kind}">' in html


@pytest.mark.parametrize(
    "params", [{"author": 999999}, {"work": 999999}, {"author": "abc"}]
)
def test_unknown_author_or_work_is_404(client, params):
    assert client.get(explore_url(**params)).status_code == 404


def test_merged_author_redirects_to_the_kept_record(client):
    kept = AuthorFactory()
    merged = AuthorFactory(merged_into=kept)

    response = client.get(explore_url(author=merged.pk, hide="topic"))

    assert response.status_code == 301
    assert response["Location"] == explore_url(author=kept.pk, hide="topic")


def test_merged_work_redirects_to_the_kept_work(client):
    kept = WorkFactory()
    middle = WorkFactory(merged_into=kept)
    merged = WorkFactory(merged_into=middle)

    response = client.get(explore_url(work=merged.pk, hide="topic"))

    assert response.status_code == 301
    assert response["Location"] == explore_url(work=kept.pk, hide="topic")


def test_page_without_focus_says_where_to_start(client):
    response = client.get(reverse("explore"))

    assert response.status_code == 200
    assert "Open the explorer from a researcher" in response.content.decode()


def test_page_costs_one_query(client, researcher, django_assert_num_queries):
    with django_assert_num_queries(1):
        client.get(explore_url(author=researcher.author.pk))


def test_rejects_post(client, researcher):
    assert client.post(explore_url(author=researcher.author.pk)).status_code == 405
