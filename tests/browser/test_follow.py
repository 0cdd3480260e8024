"""Following a researcher in a real browser: log-in round trip, htmx toggle."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from profiles.models import Follow

pytestmark = [pytest.mark.browser, pytest.mark.enable_socket]

# The ``alice`` fixture (tests/conftest.py) is created with these credentials.
EMAIL = "alice@example.org"
PASSWORD = "correct horse battery"


def follow_control(page: Page, author):
    return page.locator(f"#follow-{author.pk}")


def expect_follow_state(page: Page, author, *, following: bool, followers: int):
    """The follow control shows this state (whether swapped in or rendered)."""
    control = follow_control(page, author)
    label = "Following" if following else "Follow researcher"
    expect(control.get_by_role("button")).to_have_text(label)
    expect(control.locator(".follower-count")).to_have_text(
        f"{followers} follower{'' if followers == 1 else 's'}"
    )


def snapshot_followers(page: Page):
    """The Followers figure of the trust snapshot (full page loads only)."""
    return page.locator(
        "section.trust-snapshot .counts div", has_text="Followers"
    ).locator("dd")


def log_in_from_profile(page: Page, author) -> None:
    """Signed out on the profile: Follow -> log-in form -> back to the profile."""
    page.goto(author.get_absolute_url())
    follow_control(page, author).get_by_role("link", name="Follow researcher").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["next"] == [author.get_absolute_url()]

    form = page.locator("form[action='/accounts/login/']")
    form.locator("input[name=login]").fill(EMAIL)
    form.locator("input[name=password]").fill(PASSWORD)
    form.get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(re.compile(re.escape(author.get_absolute_url()) + "$"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_signed_out_follow_goes_to_log_in_and_back(page: Page, del_maestro):
    page.goto(del_maestro.get_absolute_url())
    control = follow_control(page, del_maestro)
    expect(control.locator(".follower-count")).to_have_text("0 followers")

    control.get_by_role("link", name="Follow researcher").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["next"] == [del_maestro.get_absolute_url()]
    expect(
        page.locator("form[action='/accounts/login/'] input[name=login]")
    ).to_be_visible()
    expect(page.locator("input[name=password]")).to_be_visible()
    assert not Follow.objects.exists()


def test_follow_and_unfollow_with_htmx(page: Page, del_maestro, alice):
    log_in_from_profile(page, del_maestro)
    expect_follow_state(page, del_maestro, following=False, followers=0)

    page.evaluate("window.__sameDocument = true")
    follow_control(page, del_maestro).get_by_role(
        "button", name="Follow researcher"
    ).click()
    expect_follow_state(page, del_maestro, following=True, followers=1)
    expect(follow_control(page, del_maestro).get_by_role("button")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert page.evaluate("window.__sameDocument === true"), "page reloaded"
    assert Follow.objects.filter(user=alice, author=del_maestro).count() == 1

    page.reload()
    expect_follow_state(page, del_maestro, following=True, followers=1)
    expect(snapshot_followers(page)).to_have_text("1")

    page.evaluate("window.__sameDocument = true")
    follow_control(page, del_maestro).get_by_role("button", name="Following").click()
    expect_follow_state(page, del_maestro, following=False, followers=0)
    assert page.evaluate("window.__sameDocument === true"), "page reloaded"
    assert not Follow.objects.filter(user=alice, author=del_maestro).exists()

    page.reload()
    expect_follow_state(page, del_maestro, following=False, followers=0)
    expect(snapshot_followers(page)).to_have_text("0")


def test_follow_and_unfollow_without_javascript(
    page_without_js: Page, del_maestro, alice
):
    page = page_without_js
    log_in_from_profile(page, del_maestro)

    follow_control(page, del_maestro).get_by_role(
        "button", name="Follow researcher"
    ).click()
    expect(page).to_have_url(
        re.compile(re.escape(del_maestro.get_absolute_url()) + "$")
    )
    expect_follow_state(page, del_maestro, following=True, followers=1)

    follow_control(page, del_maestro).get_by_role("button", name="Following").click()
    expect_follow_state(page, del_maestro, following=False, followers=0)
    assert not Follow.objects.exists()
