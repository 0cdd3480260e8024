"""Claiming with ORCID sign-in: allauth's real views, ORCID mocked over HTTP.

The dance: POST allauth's ORCID login URL (process "connect") -> 302 to
ORCID's authorize page with a state -> ORCID calls back with a code and that
state -> allauth POSTs the code to ORCID's token endpoint and GETs the
record -> a SocialAccount holds the authenticated iD. Only then does
"Claim with my ORCID iD" prove anything; a typed iD never does.

ORCID answers with a real public record (tests/fixtures/orcid/SOURCES.md).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import responses
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.orcid.views import OrcidOAuth2Adapter
from django.core import mail

from profiles.models import AuthorStanding, Claim
from publications.models import AuthorIdentifier
from tests.factories import AuthorFactory, AuthorshipFactory

pytestmark = pytest.mark.django_db

# The iD of the real record in tests/fixtures/orcid/.
ORCID = "0000-0001-7935-7720"
RECORD = f"orcid/{ORCID}.json"


@pytest.fixture
def orcid_app(settings):
    """An ORCID app configured in settings, as ORCID_CLIENT_ID would do.

    allauth's adapter reads BASE_DOMAIN when it is imported: the URLs below
    come from the adapter, so they follow whatever domain it chose.
    """
    settings.SOCIALACCOUNT_PROVIDERS = {
        "orcid": {
            "BASE_DOMAIN": "orcid.org",
            "MEMBER_API": False,
            "APPS": [{"client_id": "APP-BZPEERTEST", "secret": "s3cret", "key": ""}],
        }
    }


@pytest.fixture
def author():
    author = AuthorFactory(display_name="Stefan Beck")
    AuthorshipFactory(author=author)
    return author


@pytest.fixture
def orcid_author(author):
    """The record carries the iD, as a source asserted it (normalised)."""
    AuthorIdentifier.objects.create(
        author=author, scheme="orcid", value="0000000179357720", source="openalex"
    )
    return author


def sign_in_with_orcid(client, fixture_bytes, *, next_url: str):
    """Run allauth's connect flow against a mocked ORCID; return the calls."""
    start = client.post(f"/accounts/orcid/login/?process=connect&next={next_url}")
    assert start.status_code == 302
    authorize = urlparse(start["Location"])
    assert f"https://{authorize.netloc}{authorize.path}" == (
        OrcidOAuth2Adapter.authorize_url
    )
    # ORCID sends the user back with the state allauth put in the URL (and
    # keeps in the session) and a one-time code.
    state = parse_qs(authorize.query)["state"][0]
    with responses.RequestsMock() as orcid:
        orcid.post(
            OrcidOAuth2Adapter.access_token_url,
            json={
                "access_token": "f5af9f51-07e6-4332-8f1a-c0c11c1e3728",
                "token_type": "bearer",
                "refresh_token": "f725f747-3a65-49f6-a231-3e8944ce464d",
                "expires_in": 631138518,
                "scope": "/authenticate",
                "name": "Stefan Beck",
                "orcid": ORCID,
            },
        )
        orcid.get(
            OrcidOAuth2Adapter.profile_url % ORCID,
            body=fixture_bytes(RECORD),
            content_type="application/orcid+json",
        )
        back = client.get(
            "/accounts/orcid/login/callback/", {"code": "Q70Y3A", "state": state}
        )
        calls = list(orcid.calls)
    assert back.status_code == 302
    assert back["Location"] == next_url
    return calls


def claim_url(author) -> str:
    return f"/authors/{author.pk}/claim/"


def test_orcid_sign_in_stores_the_authenticated_id(
    alice, alice_client, orcid_app, author, fixture_bytes
):
    calls = sign_in_with_orcid(alice_client, fixture_bytes, next_url=claim_url(author))

    account = SocialAccount.objects.get(user=alice, provider="orcid")
    assert account.uid == ORCID
    token_call, record_call = calls
    assert "code=Q70Y3A" in token_call.request.body
    assert "client_secret=s3cret" in token_call.request.body
    assert record_call.request.headers["accept"] == "application/orcid+json"


def test_claim_page_offers_sign_in_with_orcid_when_an_app_is_configured(
    alice_client, orcid_app, author
):
    html = alice_client.get(claim_url(author)).content.decode()

    assert "Sign in with ORCID" in html
    assert 'action="/accounts/orcid/login/?process=connect' in html
    assert "Claim with my ORCID iD" not in html


def test_claim_page_says_orcid_sign_in_is_not_configured_without_an_app(
    alice_client, author
):
    html = alice_client.get(claim_url(author)).content.decode()

    assert "ORCID sign-in is not configured on this site" in html
    assert "/accounts/orcid/login/" not in html


def test_claim_page_offers_claim_with_my_orcid_once_signed_in(
    alice_client, orcid_app, author, fixture_bytes
):
    sign_in_with_orcid(alice_client, fixture_bytes, next_url=claim_url(author))

    html = alice_client.get(claim_url(author)).content.decode()

    assert "Claim with my ORCID iD" in html
    assert ORCID in html


def test_claim_with_signed_in_orcid_on_the_record_is_approved_at_l2(
    alice,
    alice_client,
    orcid_app,
    orcid_author,
    fixture_bytes,
    django_capture_on_commit_callbacks,
):
    sign_in_with_orcid(alice_client, fixture_bytes, next_url=claim_url(orcid_author))

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(claim_url(orcid_author), {"method": "orcid"})

    assert response.status_code == 302
    assert response["Location"] == claim_url(orcid_author)
    claim = Claim.objects.get(author=orcid_author)
    assert (claim.user, claim.method, claim.status) == (
        alice,
        Claim.Method.ORCID,
        Claim.Status.APPROVED,
    )
    assert claim.proof == "0000000179357720"
    standing = AuthorStanding.objects.get(author=orcid_author)
    assert standing.verification_level == 2
    assert standing.claim_status == AuthorStanding.ClaimStatus.CLAIMED
    assert "is approved" in mail.outbox[-1].subject
    assert mail.outbox[-1].to == ["alice@example.org"]


def test_approved_orcid_claim_shows_claimed_author_on_the_profile(
    alice_client,
    orcid_app,
    orcid_author,
    fixture_bytes,
    django_capture_on_commit_callbacks,
):
    sign_in_with_orcid(alice_client, fixture_bytes, next_url=claim_url(orcid_author))
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(claim_url(orcid_author), {"method": "orcid"})

    html = alice_client.get(orcid_author.get_absolute_url()).content.decode()

    assert "Claimed author" in html
    assert "Verification L2" in html
    assert "Edit profile" in html


def test_claim_with_signed_in_orcid_not_on_the_record_is_refused(
    alice_client, orcid_app, author, fixture_bytes
):
    AuthorIdentifier.objects.create(
        author=author, scheme="orcid", value="0000000218250097"
    )
    sign_in_with_orcid(alice_client, fixture_bytes, next_url=claim_url(author))

    response = alice_client.post(claim_url(author), {"method": "orcid"})

    assert response.status_code == 200
    assert "Your ORCID iD is not one this record carries" in response.content.decode()
    assert not Claim.objects.exists()


def test_typed_orcid_without_sign_in_proves_nothing(alice_client, orcid_author):
    response = alice_client.post(
        claim_url(orcid_author), {"method": "orcid", "orcid": ORCID}
    )

    assert response.status_code == 200
    assert "Sign in with ORCID first" in response.content.decode()
    assert not Claim.objects.exists()
    assert AuthorStanding.objects.get(author=orcid_author).verification_level < 2


def test_typed_orcid_does_not_replace_the_signed_in_one(
    alice_client, orcid_app, author, fixture_bytes
):
    AuthorIdentifier.objects.create(
        author=author, scheme="orcid", value="0000000218250097"
    )
    sign_in_with_orcid(alice_client, fixture_bytes, next_url=claim_url(author))

    response = alice_client.post(
        claim_url(author), {"method": "orcid", "orcid": "0000-0002-1825-0097"}
    )

    assert "Your ORCID iD is not one this record carries" in response.content.decode()
    assert not Claim.objects.exists()
