"""Who may do what: every mutating URL of the people side, for every kind of
user, checked on the server, and nothing changed for those not allowed.

Personas: a signed-out visitor; a signed-in user with no claim; alice, the
claimant (approved claim on ``claimed``, a pending e-mail claim on
``emailed``); bob, who owns a claim on another record; mod, staff.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client

from profiles.models import Claim, Follow, Profile
from profiles.services.claims import (
    claim_approve,
    claim_start_email,
    claim_submit_evidence,
)
from profiles.services.trust import author_standings_recompute
from publications.models import Affiliation, Institution
from tests.conftest import make_user
from tests.factories import AuthorFactory, AuthorshipFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "signed_in", "claimant", "other_user", "staff"]


def _approved(user, author, mod) -> Claim:
    claim = claim_submit_evidence(
        user=user, author=author, evidence="Mine.", links=[]
    ).claim
    claim_approve(claim=claim, reviewer=mod, reason="Checked.")
    return claim


@pytest.fixture
def world(alice, bob, mod, django_user_model, django_capture_on_commit_callbacks):
    claimed = AuthorFactory(display_name="Josiah Carberry")
    AuthorshipFactory(author=claimed)
    claim = _approved(alice, claimed, mod)

    elsewhere = AuthorFactory(display_name="Someone Else")
    _approved(bob, elsewhere, mod)

    emailed = AuthorFactory(display_name="Carberry Josiah")
    uvm = Institution.objects.create(
        name="University of Vermont", name_key="uvm", domains=["uvm.edu"]
    )
    Affiliation.objects.create(author=emailed, institution=uvm)
    with django_capture_on_commit_callbacks(execute=True):
        email_claim = claim_start_email(
            user=alice, author=emailed, email="alice@uvm.edu"
        ).claim
    token = mail.outbox[-1].body.split("/claims/confirm/")[1].split("/")[0]

    author_standings_recompute(author_ids=[claimed.pk, elsewhere.pk, emailed.pk])
    return SimpleNamespace(
        users={
            "anonymous": None,
            "signed_in": make_user(django_user_model, "carol"),
            "claimant": alice,
            "other_user": bob,
            "staff": mod,
        },
        claimed=claimed,
        claim=claim,
        emailed=emailed,
        email_claim=email_claim,
        confirm_url=f"/claims/confirm/{token}/",
    )


def client_for(world, persona: str, **kwargs) -> Client:
    client = Client(**kwargs)
    if world.users[persona] is not None:
        client.force_login(world.users[persona])
    return client


def login_redirect(url: str) -> str:
    return f"/accounts/login/?next={url}"


# -- POST /authors/<id>/claim/ ----------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status", "allowed"),
    [
        ("anonymous", 302, False),
        ("signed_in", 302, True),
        # alice already holds the record: refused with a form error.
        ("claimant", 200, False),
        ("other_user", 302, True),
        ("staff", 302, True),
    ],
)
def test_claim_start_post(world, persona, status, allowed):
    url = f"/authors/{world.claimed.pk}/claim/"
    before = world.claimed.claims.count()

    response = client_for(world, persona).post(
        url, {"method": "evidence", "evidence": "It is me."}
    )

    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"] == login_redirect(url)
    elif allowed:
        assert response["Location"] == url
    assert world.claimed.claims.count() == before + (1 if allowed else 0)


# -- POST /claims/confirm/<token>/ ------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status", "allowed"),
    [
        ("anonymous", 302, False),
        ("signed_in", 200, False),
        ("claimant", 302, True),
        ("other_user", 200, False),
        ("staff", 200, False),
    ],
)
def test_claim_confirm_post(world, persona, status, allowed):
    response = client_for(world, persona).post(world.confirm_url)

    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=/claims/")
    elif not allowed:
        assert "not valid for your account" in response.content.decode()
    world.email_claim.refresh_from_db()
    expected = Claim.Status.APPROVED if allowed else Claim.Status.PENDING
    assert world.email_claim.status == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_claim_confirm_get_changes_nothing(world, persona):
    response = client_for(world, persona).get(world.confirm_url)

    assert response.status_code in (200, 302)
    world.email_claim.refresh_from_db()
    assert world.email_claim.status == Claim.Status.PENDING


# -- POST /claims/<id>/withdraw/ --------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status", "allowed"),
    [
        ("anonymous", 302, False),
        # Another user's claim is "not found", staff included: staff reject
        # from the moderation queue, they do not withdraw for someone.
        ("signed_in", 404, False),
        ("claimant", 302, True),
        ("other_user", 404, False),
        ("staff", 404, False),
    ],
)
def test_claim_withdraw_post(world, persona, status, allowed):
    url = f"/claims/{world.claim.pk}/withdraw/"

    response = client_for(world, persona).post(url)

    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"] == login_redirect(url)
    world.claim.refresh_from_db()
    expected = Claim.Status.WITHDRAWN if allowed else Claim.Status.APPROVED
    assert world.claim.status == expected


# -- POST /authors/<id>/edit/ -----------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status", "allowed"),
    [
        ("anonymous", 302, False),
        ("signed_in", 403, False),
        ("claimant", 302, True),
        # bob's approved claim on another record grants nothing here.
        ("other_user", 403, False),
        ("staff", 403, False),
    ],
)
def test_author_edit_post(world, persona, status, allowed):
    url = f"/authors/{world.claimed.pk}/edit/"

    response = client_for(world, persona).post(
        url, {"headline": "Defaced", "bio": "Defaced", "links": ""}
    )

    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"] == login_redirect(url)
    world.claimed.refresh_from_db()
    assert (world.claimed.headline == "Defaced") is allowed
    assert Profile.objects.filter(author=world.claimed).exists() is allowed


@pytest.mark.parametrize("persona", ["signed_in", "other_user", "staff"])
def test_author_edit_get_is_refused_too(world, persona):
    url = f"/authors/{world.claimed.pk}/edit/"
    assert client_for(world, persona).get(url).status_code == 403


# -- POST /authors/<id>/follow/ ---------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status", "allowed"),
    [
        ("anonymous", 302, False),
        ("signed_in", 302, True),
        ("claimant", 302, True),
        ("other_user", 302, True),
        ("staff", 302, True),
    ],
)
def test_follow_post(world, persona, status, allowed):
    response = client_for(world, persona).post(
        f"/authors/{world.claimed.pk}/follow/", {"action": "follow"}
    )

    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"] == login_redirect(world.claimed.get_absolute_url())
    assert Follow.objects.filter(author=world.claimed).exists() is allowed


# -- CSRF ---------------------------------------------------------------------


def _unchanged(world) -> tuple:
    world.claim.refresh_from_db()
    world.email_claim.refresh_from_db()
    world.claimed.refresh_from_db()
    return (
        world.claim.status,
        world.email_claim.status,
        world.claimed.headline,
        Claim.objects.count(),
        Follow.objects.count(),
        Profile.objects.count(),
    )


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/authors/{claimed}/claim/", {"method": "evidence", "evidence": "Me."}),
        ("{confirm_url}", {}),
        ("/claims/{claim}/withdraw/", {}),
        ("/authors/{claimed}/edit/", {"headline": "Defaced"}),
        ("/authors/{claimed}/follow/", {"action": "follow"}),
    ],
)
def test_every_mutating_url_requires_a_csrf_token(world, url, data):
    url = url.format(
        claimed=world.claimed.pk, claim=world.claim.pk, confirm_url=world.confirm_url
    )
    before = _unchanged(world)

    response = client_for(world, "claimant", enforce_csrf_checks=True).post(url, data)

    assert response.status_code == 403
    assert _unchanged(world) == before
