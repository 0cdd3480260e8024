"""Author identity in a real browser: "why is this paper here" on a profile,
and a moderator merging two records, whose old address then redirects."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from publications.models import Author, Authorship, Work
from tests.conftest import make_user
from tests.factories import AuthorshipFactory, AuthorStandingFactory, WorkFactory

pytestmark = [pytest.mark.browser, pytest.mark.enable_socket]

HEADINGS = {
    "identifier": "Matched by a persistent identifier",
    "name_evidence": "Matched by name and supporting evidence",
    "name": "Matched by name",
    "new": "New record",
    "claim": "Claimed by the researcher",
    "moderator": "Moderator decision",
}


def squash(text: str) -> str:
    return " ".join(text.split())


def test_why_is_this_paper_here_opens_on_a_work_of_the_profile(page: Page, del_maestro):
    work = (
        Work.objects.filter(authorships__author=del_maestro)
        .order_by("-published", "-pk")
        .first()
    )
    authorship = Authorship.objects.get(work=work, author=del_maestro)
    page.goto(del_maestro.get_absolute_url())

    row = page.locator("#works .work-row").filter(
        has=page.get_by_role("link", name=squash(work.title), exact=True)
    )
    why = row.locator("details.attribution")
    body = why.locator(".attribution-body")
    expect(body).to_be_hidden()

    why.locator("summary", has_text="Why is this paper here?").click()

    expect(why).to_have_attribute("open", "")
    expect(body).to_be_visible()
    expect(body.locator(".attribution-heading")).to_contain_text(
        HEADINGS[authorship.attribution]
    )
    expect(body.locator(".attribution-name")).to_contain_text(
        f"Printed on the paper as “{authorship.name}”"
    )
    # Nobody's e-mail address is in an explanation.
    assert "@" not in body.inner_text()


def test_staff_merge_two_records_and_the_old_address_redirects(
    page: Page, live_server, del_maestro, django_user_model
):
    duplicate = Author.objects.create(
        display_name="A. G. Del Maestro", name_key="a g del maestro"
    )
    AuthorStandingFactory(author=duplicate)
    AuthorshipFactory(
        work=WorkFactory(title="A paper under an initial"),
        author=duplicate,
        position=1,
        name="A. G. Del Maestro",
    )
    make_user(django_user_model, "moderator", is_staff=True)
    merge_url = f"/moderation/authors/{del_maestro.pk}/merge/"

    page.goto(f"{live_server.url}/accounts/login/?next={merge_url}")
    page.locator("input[name=login]").fill("moderator@example.org")
    page.locator("input[name=password]").fill("correct horse battery")
    page.get_by_role("button", name="Sign In").click()

    # Find the duplicate by name, look at both records, then confirm.
    page.get_by_label("The record to merge into this one").fill("G. Del Maestro")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=f"#{duplicate.pk} A. G. Del Maestro").click()
    expect(page.locator(".merge-preview")).to_contain_text("A. G. Del Maestro")
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None  # looking changes nothing
    page.get_by_label("Reason").fill("Same person: initials of Adrian G.")
    page.get_by_role(
        "button", name=f"Merge #{duplicate.pk} into #{del_maestro.pk}"
    ).click()

    expect(page).to_have_url(
        re.compile(re.escape(del_maestro.get_absolute_url()) + "$")
    )
    expect(page.locator(".messages")).to_contain_text(
        f"Merged record #{duplicate.pk} into #{del_maestro.pk}"
    )
    expect(
        page.locator("#works").get_by_role("link", name="A paper under an initial")
    ).to_be_visible()

    # The old address answers 301 to the kept record.
    response = page.goto(f"{live_server.url}/authors/{duplicate.pk}/")
    assert response.url.endswith(del_maestro.get_absolute_url())
    assert response.request.redirected_from.response().status == 301
    expect(page.get_by_role("heading", level=1)).to_have_text("Adrian Del Maestro")

    # The record's history can undo it.
    page.goto(f"{live_server.url}/authors/{del_maestro.pk}/history/")
    expect(page.get_by_text("Records merged")).to_be_visible()
    page.get_by_role("link", name="Undo…").click()
    page.get_by_label("Reason").fill("Two people after all.")
    page.get_by_role("button", name="Undo").click()
    expect(page.locator(".messages")).to_contain_text("Undone: Records merged")
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None
    assert duplicate.authorships.count() == 1
