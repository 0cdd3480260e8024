"""The public history of an author record: /authors/<id>/history/."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from profiles.models import Claim
from profiles.services.claims import (
    REJECTION_REASONS,
    claim_approve,
    claim_reject,
    claim_submit_evidence,
)
from tests.factories import AuthorFactory, UserFactory

pytestmark = pytest.mark.django_db


def _submit(user, author) -> Claim:
    return claim_submit_evidence(
        user=user, author=author, evidence="My CV.", links=[]
    ).claim


def _history(author):
    return reverse("author_history", args=[author.pk])


@pytest.fixture
def decided(alice, bob, mod):
    """alice claims, bob disputes, the moderator approves bob."""
    author = AuthorFactory()
    _submit(alice, author)
    bobs = _submit(bob, author)
    claim_approve(claim=bobs, reviewer=mod, reason="Thesis matches.")
    return author


def test_history_shows_actions_in_words_newest_first(client, decided):
    response = client.get(_history(decided))

    assert response.status_code == 200
    actions = [row.action for row in response.context["history"].rows]
    assert actions == [
        "Claim approved",
        "Claim rejected",
        "Claim disputed by a second claimant",
        "Claim submitted",
        "Claim submitted",
    ]
    html = response.content.decode()
    assert "Thesis matches." in html
    assert REJECTION_REASONS["other_claimant"] in html


def test_public_history_names_people_by_role_only(client, decided, alice, bob, mod):
    response = client.get(_history(decided))

    actors = [row.actor for row in response.context["history"].rows]
    assert actors == [
        "Moderator",
        "Moderator",
        "Another claimant",
        "The claimant",
        "The claimant",
    ]
    html = response.content.decode()
    for person in (alice, bob, mod):
        assert person.email not in html
        assert f">{person.username}<" not in html
        assert f"({person.username})" not in html
    # Not even in an attribute. (The page's CSRF tokens, 64 random letters
    # and digits, are taken out first: "bob" is in one run in 4,000 or so.)
    text = re.sub(r"\b[A-Za-z0-9]{64}\b", "", html)
    assert "alice" not in text
    assert "bob" not in text


def test_staff_viewer_also_sees_usernames(client, decided, mod):
    client.force_login(mod)

    actors = [
        row.actor for row in client.get(_history(decided)).context["history"].rows
    ]

    assert actors[0] == "Moderator (mod)"
    assert actors[-1] == "The claimant (alice)"


def test_rejection_shows_the_templated_reason_and_note(client, alice, mod):
    author = AuthorFactory()
    claim = _submit(alice, author)
    claim_reject(claim=claim, reviewer=mod, reason_code="mismatch", note="Wrong lab.")

    html = client.get(_history(author)).content.decode()

    assert REJECTION_REASONS["mismatch"] in html
    assert "Wrong lab." in html


def test_record_without_history_says_so(client):
    html = client.get(_history(AuthorFactory())).content.decode()
    assert "Nothing has happened to this record yet." in html


def test_unknown_author_is_404(client):
    assert client.get("/authors/999999/history/").status_code == 404


def test_merged_author_redirects_to_the_kept_record(client):
    kept = AuthorFactory()
    merged = AuthorFactory(merged_into=kept)

    response = client.get(_history(merged))

    assert response.status_code == 301
    assert response["Location"] == _history(kept)


def test_history_query_count_does_not_grow_with_rows(
    client, decided, django_assert_num_queries
):
    # Expect 4: the author, the count, one page of rows with actors, and
    # the claimants of the claims on that page.
    with django_assert_num_queries(4):
        assert client.get(_history(decided)).status_code == 200

    mod = decided.audit_entries.filter(action="claim.approve").get().actor
    for _ in range(20):
        claim = _submit(UserFactory(), decided)
        claim_reject(claim=claim, reviewer=mod, reason_code="insufficient")
    with django_assert_num_queries(4):
        response = client.get(_history(decided))
    assert len(response.context["history"].rows) == 50  # one full page
