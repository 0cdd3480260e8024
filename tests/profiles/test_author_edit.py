"""Editing a claimed profile: GET/POST /authors/<id>/edit/.

Only the researcher whose claim was approved may edit, and not while a
second claim holds the record under review. What they set is theirs:
imports never overwrite it.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from profiles.models import AuditLog, Profile
from profiles.services.claims import claim_approve, claim_submit_evidence
from profiles.services.profiles import profile_update
from profiles.services.trust import author_standings_recompute
from publications.models import Author
from tests.factories import AuthorFactory, AuthorshipFactory

pytestmark = pytest.mark.django_db

ARXIV = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv_api"

EDIT = {
    "headline": "Condensed matter theory, quantum fluids",
    "affiliation": "University of Vermont, Physics",
    "bio": "I study helium.\n\nAnd low-dimensional quantum matter.",
    "links": "https://delmaestro.example.org/\nhttps://orcid.org/0000-0001-9483-8924",
    "open_to_collaborate": "on",
    "hide_from_search_engines": "",
}


@pytest.fixture
def author():
    author = AuthorFactory(display_name="Josiah Carberry")
    AuthorshipFactory(author=author)
    return author


def approve(user, author, mod):
    claim = claim_submit_evidence(
        user=user, author=author, evidence="Mine.", links=[]
    ).claim
    claim_approve(claim=claim, reviewer=mod, reason="Checked.")
    author_standings_recompute(author_ids=[author.pk])
    return claim


@pytest.fixture
def claimed(alice, mod, author):
    """The record with alice's approved claim."""
    approve(alice, author, mod)
    return author


def edit_url(author) -> str:
    return f"/authors/{author.pk}/edit/"


def run_import(*files: str) -> None:
    call_command(
        "import", "arxiv", "--file", *[str(ARXIV / f) for f in files], stdout=StringIO()
    )


def test_approved_claimant_sees_the_form_with_what_they_set(alice_client, claimed):
    claimed.headline = "Quantum fluids"
    claimed.save()

    response = alice_client.get(edit_url(claimed))

    assert response.status_code == 200
    assert 'value="Quantum fluids"' in response.content.decode()


def test_approved_claimant_edits_every_field(alice, alice_client, claimed):
    response = alice_client.post(edit_url(claimed), EDIT)

    assert response.status_code == 302
    assert response["Location"] == claimed.get_absolute_url()
    claimed.refresh_from_db()
    assert claimed.headline == EDIT["headline"]
    assert claimed.open_to_collaborate is True
    profile = Profile.objects.get(author=claimed)
    assert profile.user == alice
    assert profile.affiliation == EDIT["affiliation"]
    assert profile.bio == EDIT["bio"]
    assert profile.links == [
        "https://delmaestro.example.org/",
        "https://orcid.org/0000-0001-9483-8924",
    ]
    assert profile.hide_from_search_engines is False


def test_the_profile_page_shows_what_the_researcher_set(alice_client, claimed):
    alice_client.post(edit_url(claimed), EDIT)

    html = alice_client.get(claimed.get_absolute_url()).content.decode()

    assert EDIT["headline"] in html
    assert "University of Vermont, Physics" in html
    assert "Affiliation not imported" not in html
    assert "<p>I study helium.</p>" in html
    assert '<a href="https://delmaestro.example.org/" rel="nofollow noopener">' in html
    assert "Open to collaborate" in html
    assert "Claimed: this researcher can be contacted for collaboration." in html


def test_an_edit_is_audited_with_before_and_after(alice, alice_client, claimed):
    alice_client.post(edit_url(claimed), EDIT)

    entry = AuditLog.objects.get(action="profile.update")
    assert (entry.actor, entry.author) == (alice, claimed)
    assert entry.object_type == "profiles.Profile"
    assert entry.before["headline"] == ""
    assert entry.before["open_to_collaborate"] is False
    assert entry.after["headline"] == EDIT["headline"]
    assert entry.after["links"] == [
        "https://delmaestro.example.org/",
        "https://orcid.org/0000-0001-9483-8924",
    ]


def test_saving_without_a_change_writes_no_audit_row(alice_client, claimed):
    alice_client.post(edit_url(claimed), EDIT)
    alice_client.post(edit_url(claimed), EDIT)

    assert AuditLog.objects.filter(action="profile.update").count() == 1


def test_links_must_be_http(alice_client, claimed):
    response = alice_client.post(
        edit_url(claimed), EDIT | {"links": "javascript:alert(document.cookie)"}
    )

    assert response.status_code == 200
    assert "is not a link starting with https:// or http://" in (
        response.content.decode()
    )
    assert not Profile.objects.exists()


def test_profile_update_refuses_a_non_http_link_whoever_calls_it(alice, claimed):
    with pytest.raises(ValueError, match="Not an http"):
        profile_update(
            user=alice,
            author=claimed,
            headline="",
            affiliation="",
            bio="",
            links=["javascript:alert(1)"],
            open_to_collaborate=False,
            hide_from_search_engines=False,
        )
    assert not Profile.objects.exists()


def test_noindex_meta_appears_when_the_researcher_sets_it(
    client, alice_client, claimed
):
    alice_client.post(edit_url(claimed), EDIT | {"hide_from_search_engines": "on"})

    html = client.get(claimed.get_absolute_url()).content.decode()

    assert '<meta name="robots" content="noindex">' in html


def test_profile_is_indexable_by_default(client, alice_client, claimed):
    alice_client.post(edit_url(claimed), EDIT)

    html = client.get(claimed.get_absolute_url()).content.decode()

    assert 'name="robots"' not in html


def test_reimport_does_not_change_what_the_researcher_set(
    alice, alice_client, mod, django_capture_on_commit_callbacks
):
    run_import("au_del_maestro_2016.xml")
    author = Author.objects.get(display_name="Adrian Del Maestro")
    approve(alice, author, mod)
    alice_client.post(edit_url(author), EDIT | {"hide_from_search_engines": "on"})
    works_before = author.works_count

    with django_capture_on_commit_callbacks(execute=True):
        run_import(
            "au_del_maestro_2016.xml", "au_del_maestro_and_ti_quantum_criticality.xml"
        )

    author.refresh_from_db()
    assert author.works_count == works_before + 1  # the import did reach it
    assert author.headline == EDIT["headline"]
    assert author.open_to_collaborate is True
    profile = Profile.objects.get(author=author)
    assert profile.affiliation == EDIT["affiliation"]
    assert profile.bio == EDIT["bio"]
    assert len(profile.links) == 2
    assert profile.hide_from_search_engines is True


def test_researcher_text_leaves_the_page_when_the_claim_is_withdrawn(
    client, alice, alice_client, claimed, django_capture_on_commit_callbacks
):
    alice_client.post(edit_url(claimed), EDIT)
    claim = claimed.claims.get(user=alice)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/claims/{claim.pk}/withdraw/")

    html = client.get(claimed.get_absolute_url()).content.decode()

    assert "Unclaimed author" in html
    assert "I study helium." not in html
    assert "University of Vermont, Physics" not in html


def test_edit_is_frozen_while_the_record_is_under_review(
    alice, alice_client, bob, claimed
):
    claim_submit_evidence(user=bob, author=claimed, evidence="Mine.", links=[])

    response = alice_client.post(edit_url(claimed), EDIT)

    assert response.status_code == 403
    assert "frozen while the claim of this record is under review" in (
        response.content.decode()
    )
    claimed.refresh_from_db()
    assert claimed.headline == ""
    assert not Profile.objects.exists()


def test_pending_claimant_cannot_edit(alice, alice_client, author):
    claim_submit_evidence(user=alice, author=author, evidence="Mine.", links=[])

    assert alice_client.post(edit_url(author), EDIT).status_code == 403
    assert not Profile.objects.exists()


def test_edit_of_an_unknown_author_is_404(alice_client):
    assert alice_client.get("/authors/424242/edit/").status_code == 404


def test_edit_of_a_merged_author_redirects_permanently_to_the_kept_one(
    alice, alice_client, mod, claimed
):
    kept = AuthorFactory()
    claimed.merged_into = kept
    claimed.save()

    response = alice_client.get(edit_url(claimed))

    assert response.status_code == 301
    assert response["Location"] == edit_url(kept)


def test_edit_page_query_count(alice_client, claimed, django_assert_num_queries):
    # Expect 4: session, user, author with standing and profile, and the
    # viewer's approved claim (access_author_for_edit).
    with django_assert_num_queries(4):
        assert alice_client.get(edit_url(claimed)).status_code == 200

    alice_client.post(edit_url(claimed), EDIT)
    with django_assert_num_queries(4):
        assert alice_client.get(edit_url(claimed)).status_code == 200
