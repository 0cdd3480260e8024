"""The staff moderation queue: /moderation/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from profiles.models import Claim
from profiles.services.claims import claim_submit_evidence
from tests.factories import AuthorFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("moderation:queue")


@pytest.fixture
def mod_client(client, mod):
    client.force_login(mod)
    return client


def _evidence_claim(user=None, author=None) -> Claim:
    return claim_submit_evidence(
        user=user or UserFactory(),
        author=author or AuthorFactory(),
        evidence="My thesis lists these papers.",
        links=["https://example.edu/~me/cv.pdf"],
    ).claim


def _disputed_record(first=None, second=None):
    author = AuthorFactory()
    _evidence_claim(user=first, author=author)
    _evidence_claim(user=second, author=author)
    return author


def test_staff_sees_disputed_records_and_pending_evidence_claims(
    mod_client, alice, bob
):
    disputed = _disputed_record(first=alice, second=bob)
    pending = _evidence_claim()

    response = mod_client.get(QUEUE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Disputed records" in html
    assert "Pending evidence claims" in html
    assert list(response.context["queue"].disputed) == [disputed]
    assert list(response.context["queue"].pending) == [pending]
    assert "alice" in html
    assert "bob" in html
    assert pending.author.display_name in html
    assert reverse("moderation:claim_detail", args=[pending.pk]) in html


def test_disputed_claims_are_not_listed_as_pending(mod_client, alice, bob):
    _disputed_record(first=alice, second=bob)

    queue = mod_client.get(QUEUE).context["queue"]

    assert list(queue.pending) == []


def test_record_with_one_disputed_claim_left_is_still_listed(mod_client, alice):
    claim = _evidence_claim(user=alice)
    Claim.objects.filter(pk=claim.pk).update(disputed=True)

    queue = mod_client.get(QUEUE).context["queue"]

    assert list(queue.disputed) == [claim.author]


def test_decided_claims_leave_the_queue(mod_client):
    for status in (
        Claim.Status.APPROVED,
        Claim.Status.REJECTED,
        Claim.Status.WITHDRAWN,
    ):
        Claim.objects.filter(pk=_evidence_claim().pk).update(status=status)

    queue = mod_client.get(QUEUE).context["queue"]

    assert list(queue.pending) == []
    assert list(queue.disputed) == []


def test_both_queues_are_oldest_first(mod_client):
    first, second = _evidence_claim(), _evidence_claim()
    older, newer = _disputed_record(), _disputed_record()

    queue = mod_client.get(QUEUE).context["queue"]

    assert list(queue.pending) == [first, second]
    assert list(queue.disputed) == [older, newer]


def test_queue_counts_the_claimants_other_and_rejected_claims(mod_client, alice):
    rejected = _evidence_claim(user=alice)
    Claim.objects.filter(pk=rejected.pk).update(status=Claim.Status.REJECTED)
    _evidence_claim(user=alice)

    pending = mod_client.get(QUEUE).context["queue"].pending

    assert pending[0].claimant_claims == 1
    assert pending[0].claimant_rejected == 1


def test_queue_is_paginated(mod_client):
    for _ in range(26):
        _evidence_claim()

    first = mod_client.get(QUEUE)
    second = mod_client.get(QUEUE, {"pending_page": 2})

    assert len(first.context["queue"].pending) == 25
    assert len(second.context["queue"].pending) == 1
    assert "Page 2 of 2" in second.content.decode()
    assert "?disputed_page=1&amp;pending_page=2" in first.content.decode()


def test_anonymous_visitor_is_sent_to_admin_login(client):
    response = client.get(QUEUE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_signed_in_non_staff_gets_403(alice_client):
    assert alice_client.get(QUEUE).status_code == 403


def test_queue_never_shows_an_email_address(mod_client, alice, bob):
    _disputed_record(first=alice, second=bob)

    html = mod_client.get(QUEUE).content.decode()

    assert "@example.org" not in html


def test_staff_header_links_to_moderation(mod_client):
    html = mod_client.get(reverse("home")).content.decode()
    assert f'href="{QUEUE}"' in html


def test_queue_query_count_does_not_grow_with_claims(
    mod_client, django_assert_num_queries
):
    _disputed_record()
    _evidence_claim()
    # Expect 7: session, user, disputed count, one page of disputed records,
    # their active claims with claimants, pending count, one page of pending
    # claims with record, claimant and the claimant's claim counts.
    with django_assert_num_queries(7):
        assert mod_client.get(QUEUE).status_code == 200

    for _ in range(5):
        _disputed_record()
    for _ in range(10):
        _evidence_claim()
    with django_assert_num_queries(7):
        response = mod_client.get(QUEUE)
    assert len(response.context["queue"].disputed) == 6
    assert len(response.context["queue"].pending) == 11
