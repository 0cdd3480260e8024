"""``manage.py institution_domains``: configured e-mail domains of institutions."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from publications.models import Institution
from tests.conftest import FIXTURES

pytestmark = pytest.mark.django_db


@pytest.fixture
def ohio_state():
    call_command(
        "import",
        "arxiv",
        "--file",
        str(
            FIXTURES
            / "arxiv_api/recorded/id_astro-ph_0601001_s0_m100_3150dca9dc76.json"
        ),
        verbosity=0,
    )
    return Institution.objects.get(name="Ohio State")


def test_demo_file_sets_domains_of_imported_institutions(ohio_state, capsys):
    call_command("institution_domains", str(FIXTURES / "demo/institution_domains.json"))

    ohio_state.refresh_from_db()
    assert ohio_state.domains == ["osu.edu"]
    assert "Domains set for 3 institution(s)." in capsys.readouterr().out


def test_domains_are_cleaned_and_the_command_is_idempotent(ohio_state, tmp_path):
    config = tmp_path / "domains.json"
    config.write_text(json.dumps({"ohio  state": ["@OSU.edu", ".osu.edu", " "]}))

    call_command("institution_domains", str(config), verbosity=0)
    call_command("institution_domains", str(config), verbosity=0)

    ohio_state.refresh_from_db()
    assert ohio_state.domains == ["osu.edu"]


def test_unknown_institution_is_reported_not_created(tmp_path, capsys):
    config = tmp_path / "domains.json"
    config.write_text(json.dumps({"Nowhere Institute": ["nowhere.edu"]}))

    call_command("institution_domains", str(config))

    assert "not imported yet: Nowhere Institute" in capsys.readouterr().out
    assert not Institution.objects.exists()


def test_bad_file_is_a_clear_error(tmp_path):
    config = tmp_path / "domains.json"
    config.write_text("{not json")
    with pytest.raises(CommandError, match=r"domains\.json"):
        call_command("institution_domains", str(config))
