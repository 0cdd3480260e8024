"""The staff pages that merge and split records and undo them from the
record's history: each step, who may use them, CSRF, rate limits, queries."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from profiles.models import AuditLog, Claim, Profile
from profiles.services.claims import claim_approve, claim_submit_evidence
from profiles.services.identity_changes import authors_merge, authorships_split
from publications.models import Author, AuthorAlias, AuthorIdentifier, Authorship
from tests.conftest import make_user
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    AuthorStandingFactory,
    WorkFactory,
)

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "signed_in", "claimant", "staff"]


def _records(n_works: int = 2):
    keep = AuthorFactory(display_name="Josiah Carberry")
    other = AuthorFactory(display_name="J. Carberry")
    for author in (keep, other):
        AuthorStandingFactory(author=author)
        for _ in range(n_works):
            AuthorshipFactory(work=WorkFactory(), author=author, position=1)
    AuthorAlias.objects.create(author=other, name="J. Carberry", name_key="j carberry")
    return keep, other


@pytest.fixture
def world(alice, mod, django_user_model):
    keep, other = _records()
    # alice owns the kept record: claiming grants no moderation.
    claim = claim_submit_evidence(user=alice, author=keep, evidence="Me.", links=[])
    claim_approve(claim=claim.claim, reviewer=mod)
    return SimpleNamespace(
        keep=keep,
        other=other,
        users={
            "anonymous": None,
            "signed_in": make_user(django_user_model, "carol"),
            "claimant": alice,
            "staff": mod,
        },
    )


def client_for(world, persona: str, **kwargs) -> Client:
    client = Client(**kwargs)
    if world.users[persona] is not None:
        client.force_login(world.users[persona])
    return client


def merge_url(author) -> str:
    return f"/moderation/authors/{author.pk}/merge/"


def split_url(author) -> str:
    return f"/moderation/authors/{author.pk}/split/"


def undo_url(entry) -> str:
    return f"/moderation/changes/{entry.pk}/undo/"


def _check_refused(response, persona: str, url: str) -> None:
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")
    else:
        assert response.status_code == 403


# -- who may ------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_merge_post_is_for_staff_only(world, persona):
    url = merge_url(world.keep)

    response = client_for(world, persona).post(
        url, {"other": world.other.pk, "reason": "Same person."}
    )

    world.other.refresh_from_db()
    if persona == "staff":
        assert response.status_code == 302
        assert response["Location"] == world.keep.get_absolute_url()
        assert world.other.merged_into_id == world.keep.pk
    else:
        _check_refused(response, persona, url)
        assert world.other.merged_into_id is None


@pytest.mark.parametrize("persona", PERSONAS)
def test_split_post_is_for_staff_only(world, persona):
    url = split_url(world.keep)
    row = Authorship.objects.filter(author=world.keep).first()

    response = client_for(world, persona).post(
        url, {"authorship": [row.pk], "into": "", "reason": "Not him."}
    )

    row.refresh_from_db()
    if persona == "staff":
        assert response.status_code == 302
        assert row.author_id not in (world.keep.pk, world.other.pk)
        assert response["Location"] == row.author.get_absolute_url()
    else:
        _check_refused(response, persona, url)
        assert row.author_id == world.keep.pk


@pytest.mark.parametrize("persona", PERSONAS)
def test_undo_post_is_for_staff_only(world, persona, mod):
    entry = authors_merge(
        keep=world.keep, other=world.other, actor=mod, reason=""
    ).entry
    url = undo_url(entry)

    response = client_for(world, persona).post(url, {"reason": "Wrong merge."})

    world.other.refresh_from_db()
    if persona == "staff":
        assert response.status_code == 302
        assert response["Location"] == f"/authors/{world.other.pk}/history/"
        assert world.other.merged_into_id is None
    else:
        _check_refused(response, persona, url)
        assert world.other.merged_into_id == world.keep.pk


@pytest.mark.parametrize("persona", ["anonymous", "signed_in", "claimant"])
@pytest.mark.parametrize("page", ["merge", "split", "undo"])
def test_staff_pages_refuse_everybody_else(world, persona, page, mod):
    entry = authorships_split(
        authorships=list(world.keep.authorships.all()[:1]), actor=mod, reason=""
    ).entry
    url = {
        "merge": merge_url(world.keep),
        "split": split_url(world.keep),
        "undo": undo_url(entry),
    }[page]
    _check_refused(client_for(world, persona).get(url), persona, url)


@pytest.mark.parametrize("page", ["merge", "split", "undo"])
def test_posts_need_the_csrf_token(world, page, mod):
    entry = authors_merge(
        keep=world.keep, other=AuthorFactory(), actor=mod, reason=""
    ).entry
    url = {
        "merge": merge_url(world.keep),
        "split": split_url(world.keep),
        "undo": undo_url(entry),
    }[page]
    row = Authorship.objects.filter(author=world.keep).first()
    client = client_for(world, "staff", enforce_csrf_checks=True)

    response = client.post(
        url,
        {"other": world.other.pk, "authorship": [row.pk], "reason": "x"},
    )

    assert response.status_code == 403
    world.other.refresh_from_db()
    row.refresh_from_db()
    assert world.other.merged_into_id is None
    assert row.author_id == world.keep.pk
    assert not AuditLog.objects.filter(action__endswith=".undo").exists()


def test_identity_changes_are_rate_limited_per_moderator(
    world, mod, ratelimit_clock_stopped
):
    client = client_for(world, "staff")
    # Invalid posts (no reason) count too: the limit is on attempts.
    for _ in range(30):
        assert client.post(merge_url(world.keep), {"other": ""}).status_code == 200
    response = client.post(
        merge_url(world.keep), {"other": world.other.pk, "reason": "Same."}
    )
    assert response.status_code == 403
    world.other.refresh_from_db()
    assert world.other.merged_into_id is None


def test_unknown_records_and_entries_are_404_for_staff(world, mod):
    client = client_for(world, "staff")
    assert client.get("/moderation/authors/987654/merge/").status_code == 404
    assert client.get("/moderation/authors/987654/split/").status_code == 404
    assert client.get("/moderation/changes/987654/undo/").status_code == 404
    # An audit row that is not a merge or split cannot be undone.
    claim_row = AuditLog.objects.filter(action="claim.approve").first()
    assert client.get(undo_url(claim_row)).status_code == 404


# -- merging --------------------------------------------------------------------


def test_merge_page_finds_the_other_record_by_name_or_id(world):
    client = client_for(world, "staff")

    by_name = client.get(merge_url(world.keep), {"q": "carberry"}).content.decode()
    by_id = client.get(merge_url(world.keep), {"q": str(world.other.pk)})

    choose = f'href="{merge_url(world.keep)}?other={world.other.pk}"'
    assert choose in by_name
    # The kept record is not offered against itself.
    assert f"?other={world.keep.pk}" not in by_name
    assert choose in by_id.content.decode()


def test_merge_preview_shows_both_records_and_changes_nothing(world):
    AuthorIdentifier.objects.create(
        author=world.keep, scheme="orcid", value="0000-0002-1825-0097"
    )
    AuthorIdentifier.objects.create(
        author=world.other, scheme="orcid", value="0000-0001-5109-3700"
    )

    response = client_for(world, "staff").get(
        merge_url(world.keep), {"other": world.other.pk}
    )

    html = response.content.decode()
    assert f"Merge #{world.other.pk} into #{world.keep.pk}" in html
    assert "0000-0001-5109-3700" in html
    assert "different ORCID identifiers" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'name="other" value="{world.other.pk}"' in html
    world.other.refresh_from_db()
    assert world.other.merged_into_id is None


def test_merge_preview_says_when_the_claims_forbid_it(world, bob, mod):
    claim = claim_submit_evidence(
        user=bob, author=world.other, evidence="", links=["x"]
    )
    claim_approve(claim=claim.claim, reviewer=mod)
    client = client_for(world, "staff")

    preview = client.get(merge_url(world.keep), {"other": world.other.pk})
    assert "Decide between the claimants first" in preview.content.decode()
    assert 'class="card decision merge-form"' not in preview.content.decode()

    response = client.post(
        merge_url(world.keep), {"other": world.other.pk, "reason": "Same."}
    )
    assert response.status_code == 200
    assert "Decide between the claimants first" in response.content.decode()
    world.other.refresh_from_db()
    assert world.other.merged_into_id is None


def test_merge_needs_a_reason_and_a_mergeable_record(world):
    client = client_for(world, "staff")

    no_reason = client.post(merge_url(world.keep), {"other": world.other.pk})
    itself = client.post(merge_url(world.keep), {"other": world.keep.pk, "reason": "x"})

    assert no_reason.status_code == 200
    assert "This field is required." in no_reason.content.decode()
    assert itself.status_code == 200
    assert (
        f"No record #{world.keep.pk} can be merged into this one"
        in itself.content.decode()
    )
    assert not Author.objects.filter(merged_into__isnull=False).exists()


def test_merge_preview_says_what_the_claimant_wrote_goes_along(world, mod):
    claimant = make_user(get_user_model(), "claimant")
    claim = claim_submit_evidence(
        user=claimant, author=world.other, evidence="Mine.", links=[]
    ).claim
    claim_approve(claim=claim, reviewer=mod, reason="Checked.")
    Profile.objects.create(
        author=world.other, user=claimant, bio="Teapots.", links=["https://a.b"]
    )
    client = client_for(world, "staff")

    html = client.get(merge_url(world.keep), {"other": world.other.pk}).content

    assert (
        f"The claimant's own entries on #{world.other.pk} that "
        f"#{world.keep.pk} lacks go with the claim: bio, links."
    ) in html.decode()


def test_merge_preview_query_count_does_not_grow(world, django_assert_num_queries):
    client = client_for(world, "staff")
    url = merge_url(world.keep)
    # Expect 10: session, user, the kept record with standing, the other
    # record with standing, identifiers, name forms, affiliations, active
    # claims with claimants, follower counts, profiles.
    with django_assert_num_queries(10):
        assert client.get(url, {"other": world.other.pk}).status_code == 200
    for _ in range(5):
        AuthorIdentifier.objects.create(
            author=world.other, scheme="dblp", value=f"d/{_}"
        )
        AuthorAlias.objects.create(author=world.other, name=f"Name {_}", name_key="n")
    with django_assert_num_queries(10):
        assert client.get(url, {"other": world.other.pk}).status_code == 200


# -- splitting ------------------------------------------------------------------


def test_split_page_lists_the_works_then_confirms_the_selection(world):
    client = client_for(world, "staff")
    rows = list(Authorship.objects.filter(author=world.keep).select_related("work"))

    listing = client.get(split_url(world.keep)).content.decode()
    for row in rows:
        assert f'name="authorship" value="{row.pk}"' in listing
        assert row.work.title in listing

    confirm = client.get(split_url(world.keep), {"authorship": [rows[0].pk]})
    html = confirm.content.decode()
    assert "1 work to move" in html
    assert f'<input type="hidden" name="authorship" value="{rows[0].pk}">' in html
    assert rows[1].work.title not in html
    assert Authorship.objects.filter(author=world.keep).count() == 2


def test_split_confirmation_names_the_identifiers_that_go_with_the_works(world):
    first, second = Authorship.objects.filter(author=world.keep).order_by("pk")
    orcid = AuthorIdentifier.objects.create(
        author=world.keep, scheme="orcid", value="0000-0001-0000-0001"
    )
    AuthorIdentifier.objects.create(author=world.keep, scheme="openalex", value="A9")
    first.identifiers = [["orcid", orcid.value], ["openalex", "A9"]]
    first.save()
    second.identifiers = [["openalex", "A9"]]
    second.save()
    client = client_for(world, "staff")

    html = client.get(split_url(world.keep), {"authorship": [first.pk]}).content
    html = html.decode()

    assert "Only these works carry this identifier of the record" in html
    going = html.split('<ul class="split-identifiers">')[1].split("</ul>")[0]
    assert "ORCID 0000-0001-0000-0001" in going
    # The other work carries the OpenAlex id too, so it stays. (Looked for in
    # the list, not the page: the page's CSRF token may hold any short string.)
    assert "A9" not in going


def test_split_into_an_existing_record(world):
    row = Authorship.objects.filter(author=world.keep).first()

    response = client_for(world, "staff").post(
        split_url(world.keep),
        {"authorship": [row.pk], "into": world.other.pk, "reason": "His."},
    )

    assert response.status_code == 302
    assert response["Location"] == world.other.get_absolute_url()
    row.refresh_from_db()
    assert row.author_id == world.other.pk
    assert row.locked


def test_split_refuses_works_of_another_record(world):
    theirs = Authorship.objects.filter(author=world.other).first()

    response = client_for(world, "staff").post(
        split_url(world.keep), {"authorship": [theirs.pk], "reason": "x"}
    )

    assert response.status_code == 200
    theirs.refresh_from_db()
    assert theirs.author_id == world.other.pk


def test_split_page_query_count_does_not_grow(django_assert_num_queries, mod):
    keep, _ = _records(3)
    client = Client()
    client.force_login(mod)
    # Expect 5: session, user, the record with standing, a count of its
    # works, one page of them.
    with django_assert_num_queries(5):
        assert client.get(split_url(keep)).status_code == 200
    for _ in range(30):
        AuthorshipFactory(author=keep, position=1)
    with django_assert_num_queries(5):
        assert client.get(split_url(keep)).status_code == 200


# -- undoing from the history ---------------------------------------------------


def test_history_offers_undo_to_staff_only(world, mod):
    entry = authors_merge(
        keep=world.keep, other=world.other, actor=mod, reason="Same."
    ).entry
    history = f"/authors/{world.keep.pk}/history/"

    public = client_for(world, "signed_in").get(history).content.decode()
    staff = client_for(world, "staff").get(history).content.decode()

    assert "Records merged" in public
    assert f"Record #{world.other.pk} merged into #{world.keep.pk}." in public
    assert undo_url(entry) not in public
    assert undo_url(entry) in staff


def test_undo_page_shows_what_goes_back_then_undoes_once(world, mod):
    entry = authors_merge(
        keep=world.keep, other=world.other, actor=mod, reason="Same."
    ).entry
    client = client_for(world, "staff")

    page = client.get(undo_url(entry)).content.decode()
    assert "2 works" in page
    world.other.refresh_from_db()
    assert world.other.merged_into_id == world.keep.pk

    client.post(undo_url(entry), {"reason": "Two people."})
    world.other.refresh_from_db()
    assert world.other.merged_into_id is None
    assert Authorship.objects.filter(author=world.other).count() == 2

    again = client.get(undo_url(entry)).content.decode()
    assert "This change was already undone." in again
    response = client.post(undo_url(entry), {"reason": "Again."}, follow=True)
    assert "This change was already undone." in response.content.decode()
    assert AuditLog.objects.filter(undoes=entry).count() == 1
    # Both histories show the merge and its undo, without the Undo button.
    history = client.get(f"/authors/{world.other.pk}/history/").content.decode()
    assert "Merge undone" in history
    assert undo_url(entry) not in history


def test_undo_page_explains_why_it_cannot_undo(world, mod):
    merge = authors_merge(keep=world.keep, other=world.other, actor=mod, reason="")
    moved = Authorship.objects.get(pk=merge.entry.after["authorships"][0][0])
    authorships_split(authorships=[moved], actor=mod, reason="")

    html = client_for(world, "staff").get(undo_url(merge.entry)).content.decode()

    assert "This cannot be undone now" in html
    assert "moved to another record since" in html
    assert 'class="card decision undo-form"' not in html


def test_history_with_merges_keeps_its_query_count(
    world, mod, django_assert_num_queries
):
    client = client_for(world, "staff")
    history = f"/authors/{world.keep.pk}/history/"
    authors_merge(keep=world.keep, other=world.other, actor=mod, reason="")
    # Expect 6: session, user, the record, a count, one page of rows (with
    # whether each was undone), the claimants of the page's claims.
    with django_assert_num_queries(6):
        assert client.get(history).status_code == 200
    for _ in range(3):
        extra = AuthorFactory()
        AuthorshipFactory(author=extra)
        authors_merge(keep=world.keep, other=extra, actor=mod, reason="")
    with django_assert_num_queries(6):
        assert client.get(history).status_code == 200


def test_claim_status_unchanged_by_looking(world):
    client = client_for(world, "staff")
    client.get(merge_url(world.keep), {"other": world.other.pk})
    client.get(split_url(world.keep))
    assert Claim.objects.get().status == Claim.Status.APPROVED


def test_admin_audit_log_links_merges_to_their_undo_page(world, mod, admin_client):
    entry = authors_merge(
        keep=world.keep, other=world.other, actor=mod, reason=""
    ).entry
    claim_row = AuditLog.objects.filter(action="claim.approve").first()

    html = admin_client.get("/admin/profiles/auditlog/").content.decode()

    assert f'href="{undo_url(entry)}"' in html
    assert f'href="{undo_url(claim_row)}"' not in html
