"""Every admin changelist and change form opens for staff, in bounded queries."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import FIXTURES

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.fixture
def demo():
    call_command(
        "import",
        "arxiv",
        "--file",
        str(FIXTURES / "arxiv_api/au_del_maestro_2016.xml"),
        str(FIXTURES / "arxiv_api/recorded/id_abc_s0_m100_b79c8dcf6bc3.json"),
        verbosity=0,
    )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_and_change_form_open(admin_client, demo, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "del"}).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        change = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
        )
        assert admin_client.get(change).status_code == 200


def test_changelist_queries_do_not_grow_with_rows(admin_client):
    urls = [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m in MODELS
    ]
    call_command(
        "import",
        "arxiv",
        "--file",
        str(FIXTURES / "arxiv_api/au_del_maestro_and_ti_checkerboard_2016.xml"),
        verbosity=0,
    )
    few = {url: _queries(admin_client, url) for url in urls}
    call_command(
        "import",
        "arxiv",
        "--file",
        str(FIXTURES / "arxiv_api/recorded/q_testing_s0_m100_cfe7536492ca.json"),
        verbosity=0,
    )
    many = {url: _queries(admin_client, url) for url in urls}
    # A list filter's choices may add one query once it has values to show.
    assert {url: n for url, n in many.items() if n > few[url] + 1} == {}


def test_admin_is_for_staff_only(client):
    response = client.get("/admin/publications/work/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
