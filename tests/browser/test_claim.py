"""Claiming and moderation in a real browser.

A new user signs up, verifies their e-mail, claims a demo author by
institutional e-mail and sees Verification L2 and the edit controls; a
staff user rejects an evidence claim with a reason.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from profiles.models import Claim
from publications.models import Author
from tests.browser.conftest import ARXIV_FIXTURES
from tests.conftest import FIXTURES, make_user

pytestmark = [pytest.mark.browser, pytest.mark.enable_socket]

PASSWORD = "a long enough passphrase 42"


@pytest.fixture
def gould(transactional_db):
    """Andrew Gould, Ohio State: the demo domains make osu.edu his institution's."""
    call_command(
        "import",
        "arxiv",
        "--file",
        str(ARXIV_FIXTURES / "recorded/id_astro-ph_0601001_s0_m100_3150dca9dc76.json"),
        verbosity=0,
    )
    call_command(
        "institution_domains",
        str(FIXTURES / "demo/institution_domains.json"),
        verbosity=0,
    )
    return Author.objects.get(display_name="Andrew Gould")


def _link_in_last_mail(pattern: str) -> str:
    match = re.search(pattern, mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def test_new_user_signs_up_verifies_and_claims_by_institutional_email(
    page: Page, live_server, gould
):
    page.goto(gould.get_absolute_url())
    expect(page.locator(".trust-claim")).to_have_text("Unclaimed author")

    # Sign up and verify the address.
    page.goto(f"{live_server.url}/accounts/signup/")
    page.locator("input[name=email]").fill("agould@example.org")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("form[action='/accounts/signup/'] button[type=submit]").click()
    expect(page.get_by_role("heading", name=re.compile("Verify"))).to_be_visible()
    page.goto(live_server.url + _link_in_last_mail(r"/accounts/confirm-email/[^/\s]+/"))
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # Claim by institutional e-mail.
    page.goto(gould.get_absolute_url())
    page.get_by_role("link", name="Claim this record").click()
    expect(page.get_by_role("heading", name="Claim Andrew Gould")).to_be_visible()
    email_form = page.locator("#method-email form")
    email_form.locator("input[name=email]").fill("gould.1@astronomy.osu.edu")
    email_form.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("gould.1@astronomy.osu.edu").first).to_be_visible()
    assert mail.outbox[-1].to == ["gould.1@astronomy.osu.edu"]

    page.goto(live_server.url + _link_in_last_mail(r"/claims/confirm/[^/\s]+/"))
    page.get_by_role("button", name="Confirm my claim").click()

    page.goto(gould.get_absolute_url())
    expect(page.locator(".trust-verification")).to_have_text("Verification L2")
    expect(page.locator(".trust-claim")).to_have_text("Claimed author")
    page.get_by_role("link", name="Edit profile").first.click()
    page.locator("input[name=headline]").fill("Microlensing and exoplanets")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".headline")).to_have_text("Microlensing and exoplanets")
    # Nobody's e-mail address is on the public page.
    assert "@" not in page.locator("main").inner_text()


def _log_in(page: Page, live_server, email: str, next_url: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill("correct horse battery")
    page.get_by_role("button", name="Sign In").click()


def test_claimant_sends_evidence_and_staff_reject_it_with_a_reason(
    page: Page, live_server, gould, django_user_model
):
    claimant = make_user(django_user_model, "claimant")
    make_user(django_user_model, "moderator", is_staff=True)

    # The claimant sends evidence from the claim page.
    _log_in(page, live_server, "claimant@example.org", f"/authors/{gould.pk}/claim/")
    evidence_form = page.locator("#method-evidence form")
    evidence_form.locator("textarea[name=evidence]").fill(
        "I am Andrew Gould; see my department page."
    )
    evidence_form.locator("textarea[name=links]").fill(
        "https://www.astronomy.ohio-state.edu/"
    )
    evidence_form.get_by_role("button", name="Send to the moderators").click()
    expect(
        page.get_by_text("Your evidence was sent to the moderators.")
    ).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # A moderator rejects it with a templated reason and a note.
    _log_in(page, live_server, "moderator@example.org", "/moderation/")
    expect(page.get_by_role("heading", name="Moderation")).to_be_visible()
    page.get_by_role("link", name="Review").first.click()
    expect(
        page.get_by_text("I am Andrew Gould; see my department page.")
    ).to_be_visible()
    page.locator("select[name=reason_code]").first.select_option("insufficient")
    page.locator("textarea[name=note]").last.fill(
        "Please link a page that lists these papers."
    )
    page.get_by_role("button", name="Reject claimant's claim").click()

    expect(page.get_by_role("heading", name="Moderation")).to_be_visible()
    claim = Claim.objects.get(user=claimant)
    assert claim.status == Claim.Status.REJECTED
    assert "Please link a page that lists these papers." in claim.reason
    assert any("Please link a page" in m.body for m in mail.outbox)

    # The public history of the record tells what happened, without names.
    page.goto(f"{live_server.url}/authors/{gould.pk}/history/")
    expect(page.get_by_text("Claim rejected")).to_be_visible()
