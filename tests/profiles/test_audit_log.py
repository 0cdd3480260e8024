"""The audit log: one row per claim step, and rows nobody can change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from profiles.models import AuditLog, Claim
from profiles.services.claims import (
    REJECTION_REASONS,
    claim_approve,
    claim_reject,
    claim_submit_evidence,
    claim_withdraw,
)
from tests.factories import AuthorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return AuthorFactory()


def _submit(user, author) -> Claim:
    return claim_submit_evidence(
        user=user, author=author, evidence="My CV.", links=[]
    ).claim


def _rows(claim, action):
    return list(
        AuditLog.objects.filter(
            object_type="profiles.Claim", object_id=str(claim.pk), action=action
        )
    )


def test_submit_writes_one_row_with_the_new_state(alice, author):
    claim = _submit(alice, author)

    [row] = _rows(claim, "claim.submit")
    assert AuditLog.objects.count() == 1
    assert row.actor == alice
    assert row.author == author
    assert row.before == {}
    assert row.after == {"status": "pending", "method": "evidence", "disputed": False}


def test_second_claim_writes_a_dispute_row_on_the_first(alice, bob, author):
    first = _submit(alice, author)
    second = _submit(bob, author)

    [row] = _rows(first, "claim.dispute")
    assert row.actor == bob
    assert row.before["disputed"] is False
    assert row.after["disputed"] is True
    assert len(_rows(second, "claim.submit")) == 1
    assert AuditLog.objects.count() == 3


def test_approve_writes_one_row_with_actor_before_after_and_reason(alice, mod, author):
    claim = _submit(alice, author)

    claim_approve(claim=claim, reviewer=mod, reason="CV checked.")

    [row] = _rows(claim, "claim.approve")
    assert AuditLog.objects.count() == 2
    assert row.actor == mod
    assert row.before["status"] == "pending"
    assert row.after["status"] == "approved"
    assert row.reason == "CV checked."
    assert row.created_at is not None


def test_approve_in_a_dispute_writes_a_reject_row_for_the_other(
    alice, bob, mod, author
):
    first = _submit(alice, author)
    second = _submit(bob, author)

    claim_approve(claim=second, reviewer=mod, reason="")

    [rejected] = _rows(first, "claim.reject")
    assert rejected.actor == mod
    assert rejected.before == {
        "status": "pending",
        "method": "evidence",
        "disputed": True,
    }
    assert rejected.after["status"] == "rejected"
    assert rejected.reason == REJECTION_REASONS["other_claimant"]
    assert len(_rows(second, "claim.approve")) == 1


def test_reject_writes_one_row_with_reason_and_note(alice, mod, author):
    claim = _submit(alice, author)

    claim_reject(claim=claim, reviewer=mod, reason_code="mismatch", note="Wrong lab.")

    [row] = _rows(claim, "claim.reject")
    assert row.actor == mod
    assert row.before["status"] == "pending"
    assert row.after["status"] == "rejected"
    assert row.reason == f"{REJECTION_REASONS['mismatch']}\n\nWrong lab."


def test_withdraw_writes_one_row(alice, author):
    claim = _submit(alice, author)

    claim_withdraw(user=alice, claim=claim)

    [row] = _rows(claim, "claim.withdraw")
    assert row.actor == alice
    assert row.before["status"] == "pending"
    assert row.after["status"] == "withdrawn"


def test_refused_step_writes_no_row(alice, mod, author):
    claim = _submit(alice, author)
    claim_reject(claim=claim, reviewer=mod, reason_code="insufficient")
    before = AuditLog.objects.count()

    with pytest.raises(Exception, match="Only active claims"):
        claim_reject(claim=claim, reviewer=mod, reason_code="insufficient")

    assert AuditLog.objects.count() == before


# -- the admin --------------------------------------------------------------


@pytest.fixture
def row(alice, author):
    _submit(alice, author)
    return AuditLog.objects.get()


def test_admin_lists_audit_rows_with_filters(admin_client, row):
    url = reverse("admin:profiles_auditlog_changelist")

    response = admin_client.get(url, {"action": "claim.submit"})

    assert response.status_code == 200
    assert row.object_repr in response.content.decode()
    assert admin_client.get(url, {"q": "alice"}).status_code == 200


def test_admin_cannot_add_audit_rows(admin_client):
    url = reverse("admin:profiles_auditlog_add")

    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"action": "claim.forged"}).status_code == 403
    assert not AuditLog.objects.exists()


def test_admin_change_form_is_read_only(admin_client, row):
    url = reverse("admin:profiles_auditlog_change", args=[row.pk])

    html = admin_client.get(url).content.decode()
    response = admin_client.post(url, {"action": "claim.forged", "reason": "x"})

    assert 'name="action"' not in html
    assert 'name="reason"' not in html
    assert 'type="submit"' not in html or "_save" not in html
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.action == "claim.submit"


def test_admin_post_to_delete_is_refused(admin_client, row):
    url = reverse("admin:profiles_auditlog_delete", args=[row.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert AuditLog.objects.filter(pk=row.pk).exists()


def test_admin_changelist_offers_no_bulk_delete(admin_client, row):
    url = reverse("admin:profiles_auditlog_changelist")

    html = admin_client.get(url).content.decode()
    response = admin_client.post(
        url, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )

    assert "delete_selected" not in html
    assert response.status_code in (200, 302)
    assert AuditLog.objects.filter(pk=row.pk).exists()
