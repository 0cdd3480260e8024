"""The admin side of moderation: claims (view-only, one action) and profiles."""

from __future__ import annotations

import pytest
from django.urls import reverse

from profiles.models import AuditLog, Claim, Profile
from profiles.services.claims import REJECTION_REASONS, claim_submit_evidence
from tests.factories import AuthorFactory

pytestmark = pytest.mark.django_db

CLAIMS = reverse("admin:profiles_claim_changelist")


def _submit(user) -> Claim:
    return claim_submit_evidence(
        user=user, author=AuthorFactory(), evidence="My CV.", links=[]
    ).claim


def test_action_rejects_selected_claims_through_the_service(
    admin_client, admin_user, alice, bob
):
    claims = [_submit(alice), _submit(bob)]

    response = admin_client.post(
        CLAIMS,
        {"action": "reject_insufficient", "_selected_action": [c.pk for c in claims]},
        follow=True,
    )

    assert "Rejected 2 claim(s)." in response.content.decode()
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == Claim.Status.REJECTED
        assert claim.reviewer == admin_user
        assert claim.reason == REJECTION_REASONS["insufficient"]
    assert AuditLog.objects.filter(action="claim.reject").count() == 2


def test_action_reports_claims_it_cannot_reject(admin_client, alice):
    claim = _submit(alice)
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.WITHDRAWN)

    response = admin_client.post(
        CLAIMS,
        {"action": "reject_insufficient", "_selected_action": [claim.pk]},
        follow=True,
    )

    assert f"#{claim.pk}: Only active claims can be rejected." in (
        response.content.decode()
    )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.WITHDRAWN


def test_claim_change_form_is_view_only_and_links_to_moderation(admin_client, alice):
    claim = _submit(alice)
    url = reverse("admin:profiles_claim_change", args=[claim.pk])

    html = admin_client.get(url).content.decode()
    response = admin_client.post(url, {"status": "approved"})

    assert reverse("moderation:claim_detail", args=[claim.pk]) in html
    assert 'name="status"' not in html
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING


def test_claims_cannot_be_added_or_deleted_in_the_admin(admin_client, alice):
    claim = _submit(alice)

    add = admin_client.get(reverse("admin:profiles_claim_add"))
    delete = admin_client.post(
        reverse("admin:profiles_claim_delete", args=[claim.pk]), {"post": "yes"}
    )

    assert add.status_code == 403
    assert delete.status_code == 403
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_claims_are_searchable_by_author_and_username(admin_client, alice):
    claim = _submit(alice)

    by_user = admin_client.get(CLAIMS, {"q": "alice"})
    by_name = admin_client.get(CLAIMS, {"q": claim.author.display_name})

    assert list(by_user.context["cl"].result_list) == [claim]
    assert list(by_name.context["cl"].result_list) == [claim]


def test_staff_edit_of_a_profile_writes_an_audit_row(admin_client, admin_user, alice):
    author = AuthorFactory()
    profile = Profile.objects.create(author=author, user=alice, bio="Spam spam.")
    url = reverse("admin:profiles_profile_change", args=[author.pk])

    # "initial-links" is the hidden initial the admin renders for a field
    # with a callable default.
    response = admin_client.post(
        url,
        {"affiliation": "", "bio": "", "links": "[]", "initial-links": "[]"},
        follow=True,
    )

    assert response.status_code == 200
    profile.refresh_from_db()
    assert profile.bio == ""
    row = AuditLog.objects.get(action="profile.edit")
    assert row.actor == admin_user
    assert row.author == author
    assert row.before == {"bio": "Spam spam."}
    assert row.after == {"bio": ""}
