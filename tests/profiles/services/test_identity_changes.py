"""Merge and split services and their undo: what moves, what is kept, and that
an undo puts back exactly the state before (ids included)."""

from __future__ import annotations

import datetime

import pytest

from profiles.models import AuditLog, AuthorStanding, Claim, Follow, Profile
from profiles.moderation_selectors import identity_change_detail
from profiles.services.claims import claim_approve, claim_submit_evidence
from profiles.services.identity_changes import (
    IdentityChangeError,
    authors_merge,
    authorships_split,
    identity_change_undo,
    undo_blockers,
)
from profiles.services.trust import author_standings_recompute
from publications.models import (
    Affiliation,
    Author,
    AuthorAlias,
    AuthorIdentifier,
    Authorship,
    Institution,
    SourceRecord,
)
from publications.services.counters import authors_recount
from publications.signals import authors_changed
from tests.conftest import make_user
from tests.factories import AuthorFactory, AuthorshipFactory, WorkFactory

pytestmark = pytest.mark.django_db


def _alias(author, name, *, hidden=False):
    from publications.names import name_key

    return AuthorAlias.objects.create(
        author=author, name=name, name_key=name_key(name), hidden=hidden
    )


def _approved_claim(user, author, mod) -> Claim:
    claim = claim_submit_evidence(
        user=user, author=author, evidence="Mine.", links=[]
    ).claim
    return claim_approve(claim=claim, reviewer=mod, reason="Checked.")


@pytest.fixture
def records(django_user_model):
    """Two records of one person, with something of every kind on each."""
    keep = AuthorFactory(display_name="Josiah Carberry")
    other = AuthorFactory(display_name="J. S. Carberry")
    coauthor = AuthorFactory(display_name="Ada Coauthor")
    for author, n in ((keep, 2), (other, 3)):
        for _ in range(n):
            work = WorkFactory()
            AuthorshipFactory(work=work, author=author, position=1)
            AuthorshipFactory(work=work, author=coauthor, position=2)
    _alias(keep, "Josiah Carberry")
    _alias(other, "J. S. Carberry")
    _alias(other, "Josiah Carberry")  # the same form on both records
    AuthorIdentifier.objects.create(
        author=other, scheme="orcid", value="0000-0002-1825-0097", source="openalex"
    )
    brown = Institution.objects.create(name="Brown University", name_key="brown")
    wesleyan = Institution.objects.create(name="Wesleyan", name_key="wesleyan")
    Affiliation.objects.create(
        author=keep, institution=brown, start_year=2010, end_year=2015
    )
    Affiliation.objects.create(
        author=other, institution=brown, start_year=2005, end_year=2012
    )
    Affiliation.objects.create(author=other, institution=wesleyan, start_year=2001)
    SourceRecord.objects.create(
        source="openalex",
        external_id="A123",
        author=other,
        fetched_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        payload_hash="x",
    )
    both = make_user(django_user_model, "follows_both")
    Follow.objects.create(user=both, author=keep)
    Follow.objects.create(user=both, author=other)
    Follow.objects.create(user=make_user(django_user_model, "fan"), author=other)
    authors_recount(author_ids=[keep.pk, other.pk, coauthor.pk])
    author_standings_recompute(author_ids=[keep.pk, other.pk, coauthor.pk])
    AuthorStanding.objects.filter(author=keep).update(followers_count=1)
    AuthorStanding.objects.filter(author=other).update(followers_count=2)
    return keep, other, coauthor


def snapshot(*authors) -> dict:
    """Every row that belongs to these authors, with its id and owner."""
    ids = [a.pk for a in authors]
    return {
        "authors": list(
            Author.objects.filter(pk__in=ids)
            .order_by("pk")
            .values_list(
                "pk",
                "display_name",
                "merged_into_id",
                "works_count",
                "collaborators_count",
            )
        ),
        "authorships": list(
            Authorship.objects.filter(author_id__in=ids)
            .order_by("pk")
            .values_list(
                "pk",
                "author_id",
                "attribution",
                "attribution_detail",
                "confidence",
                "locked",
            )
        ),
        "aliases": list(
            AuthorAlias.objects.filter(author_id__in=ids)
            .order_by("pk")
            .values_list("pk", "author_id", "name", "hidden")
        ),
        "identifiers": list(
            AuthorIdentifier.objects.filter(author_id__in=ids)
            .order_by("pk")
            .values_list("pk", "author_id", "scheme", "value")
        ),
        "affiliations": list(
            Affiliation.objects.filter(author_id__in=ids)
            .order_by("pk")
            .values_list("pk", "author_id", "institution_id", "start_year", "end_year")
        ),
        "source_records": list(
            SourceRecord.objects.filter(author_id__in=ids)
            .order_by("pk")
            .values_list("pk", "author_id")
        ),
        "follows": list(
            Follow.objects.filter(author_id__in=ids)
            .order_by("pk")
            .values_list("pk", "user_id", "author_id")
        ),
        "claims": list(
            Claim.objects.filter(author_id__in=ids)
            .order_by("pk")
            .values_list("pk", "author_id", "user_id", "status", "disputed")
        ),
        "standings": list(
            AuthorStanding.objects.filter(author_id__in=ids)
            .order_by("pk")
            .values_list(
                "author_id",
                "followers_count",
                "claim_status",
                "verification_level",
                "trust_score",
            )
        ),
    }


# -- merge ------------------------------------------------------------------


def test_merge_moves_every_row_and_keeps_the_other_record(records, mod):
    keep, other, coauthor = records

    change = authors_merge(keep=keep, other=other, actor=mod, reason="Same person.")

    other.refresh_from_db()
    keep.refresh_from_db()
    assert change.author == keep
    assert other.merged_into_id == keep.pk
    assert Authorship.objects.filter(author=other).count() == 0
    assert keep.works_count == 5
    assert AuthorIdentifier.objects.get().author_id == keep.pk
    assert SourceRecord.objects.get().author_id == keep.pk
    assert set(keep.aliases.values_list("name", flat=True)) == {
        "Josiah Carberry",
        "J. S. Carberry",
    }
    # The duplicate name form stays on the merged record, nothing deleted.
    assert other.aliases.filter(name="Josiah Carberry").exists()
    brown = keep.affiliations.get(institution__name="Brown University")
    assert (brown.start_year, brown.end_year) == (2005, 2015)
    assert keep.affiliations.filter(institution__name="Wesleyan").exists()
    # The user who followed both keeps one follow; the fan moved.
    assert Follow.objects.filter(author=keep).count() == 2
    assert AuthorStanding.objects.get(author=keep).followers_count == 2
    assert AuthorStanding.objects.get(author=other).followers_count == 1
    # The ORCID iD moved: the kept record is anchored now.
    assert AuthorStanding.objects.get(author=keep).verification_level == 1
    # The co-author had two records as collaborators, now one.
    coauthor.refresh_from_db()
    assert coauthor.collaborators_count == 1


def test_merge_audit_entry_lists_exactly_what_moved(records, mod):
    keep, other, _ = records
    moved_authorships = set(
        Authorship.objects.filter(author=other).values_list("pk", flat=True)
    )
    fan_follow = Follow.objects.get(user__username="fan")

    entry = authors_merge(keep=keep, other=other, actor=mod, reason="Same.").entry

    assert entry.action == "author.merge"
    assert entry.actor == mod
    assert entry.author_id == keep.pk
    assert entry.object_id == str(other.pk)
    assert entry.reason == "Same."
    assert {row[0] for row in entry.after["authorships"]} == moved_authorships
    assert entry.after["follows"] == [fan_follow.pk]
    assert entry.after["identifiers"] == [AuthorIdentifier.objects.get().pk]
    assert entry.after["merged_into"] == keep.pk
    assert len(entry.after["affiliations"]) == 1
    assert list(entry.before["affiliation_years"].values()) == [[2010, 2015]]


def test_merge_announces_the_touched_records_after_commit(
    records, mod, django_capture_on_commit_callbacks
):
    keep, other, coauthor = records
    calls = []

    def listener(sender, author_ids, **kwargs):
        calls.append(author_ids)

    authors_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            authors_merge(keep=keep, other=other, actor=mod, reason="")
        assert calls == []
        for callback in callbacks:
            callback()
    finally:
        authors_changed.disconnect(listener)
    assert calls == [sorted([keep.pk, other.pk, coauthor.pk])]


def test_undo_merge_restores_everything_with_the_same_ids(records, mod):
    keep, other, coauthor = records
    before = snapshot(keep, other, coauthor)
    entry = authors_merge(keep=keep, other=other, actor=mod, reason="Same.").entry
    assert snapshot(keep, other, coauthor) != before

    undo = identity_change_undo(entry=entry, actor=mod, reason="Oops.")

    assert snapshot(keep, other, coauthor) == before
    assert undo.author == other
    assert undo.entry.action == "author.merge.undo"
    assert undo.entry.undoes == entry
    assert undo.entry.reason == "Oops."
    assert Author.objects.filter(pk__in=[keep.pk, other.pk]).count() == 2


def test_a_merge_cannot_be_undone_twice(records, mod):
    keep, other, _ = records
    entry = authors_merge(keep=keep, other=other, actor=mod, reason="").entry
    identity_change_undo(entry=entry, actor=mod)

    with pytest.raises(IdentityChangeError, match="already undone"):
        identity_change_undo(entry=entry, actor=mod)
    assert undo_blockers(entry) == ["This change was already undone."]
    assert AuditLog.objects.filter(undoes=entry).count() == 1


def test_an_undo_entry_cannot_itself_be_undone(records, mod):
    keep, other, _ = records
    entry = authors_merge(keep=keep, other=other, actor=mod, reason="").entry
    undo = identity_change_undo(entry=entry, actor=mod).entry

    with pytest.raises(IdentityChangeError, match="Only merges and splits"):
        identity_change_undo(entry=undo, actor=mod)


def test_undo_merge_is_refused_after_the_rows_moved_again(records, mod):
    keep, other, _ = records
    merge = authors_merge(keep=keep, other=other, actor=mod, reason="").entry
    moved = Authorship.objects.get(pk=merge.after["authorships"][0][0])
    split = authorships_split(authorships=[moved], actor=mod, reason="Not his.").entry

    with pytest.raises(IdentityChangeError, match="moved to another record since"):
        identity_change_undo(entry=merge, actor=mod)
    assert Author.objects.get(pk=other.pk).merged_into_id == keep.pk

    # Undo the later split first, then the merge goes back cleanly.
    identity_change_undo(entry=split, actor=mod)
    identity_change_undo(entry=merge, actor=mod)
    assert Authorship.objects.get(pk=moved.pk).author_id == other.pk


def test_undo_merge_is_refused_when_the_kept_record_was_merged_again(records, mod):
    keep, other, _ = records
    third = AuthorFactory()
    first = authors_merge(keep=keep, other=other, actor=mod, reason="").entry
    authors_merge(keep=third, other=keep, actor=mod, reason="")

    with pytest.raises(IdentityChangeError, match="undo that merge first"):
        identity_change_undo(entry=first, actor=mod)


def test_undo_merge_finds_rows_a_reimport_rewrote_at_the_same_position(records, mod):
    keep, other, _ = records
    entry = authors_merge(keep=keep, other=other, actor=mod, reason="").entry
    old = Authorship.objects.get(pk=entry.after["authorships"][0][0])
    # A re-import that changed the author list deletes and rewrites rows.
    old.delete()
    new = Authorship.objects.create(
        work=old.work, author=keep, position=old.position, raw_name="x", name="x"
    )

    identity_change_undo(entry=entry, actor=mod)

    assert Authorship.objects.get(pk=new.pk).author_id == other.pk


def test_merge_refuses_two_approved_claims_by_different_people(
    records, alice, bob, mod
):
    keep, other, _ = records
    _approved_claim(alice, keep, mod)
    _approved_claim(bob, other, mod)

    with pytest.raises(IdentityChangeError, match="approved claim"):
        authors_merge(keep=keep, other=other, actor=mod, reason="")

    assert Author.objects.get(pk=other.pk).merged_into_id is None
    assert Authorship.objects.filter(author=other).count() == 3
    assert not AuditLog.objects.filter(action="author.merge").exists()


def test_merge_moves_an_approved_claim_and_supersedes_the_same_users_pending_one(
    records, alice, mod
):
    keep, other, _ = records
    pending = claim_submit_evidence(
        user=alice, author=keep, evidence="Me.", links=[]
    ).claim
    approved = _approved_claim(alice, other, mod)
    # Claim decisions recompute trust after commit; do it now.
    author_standings_recompute(author_ids=[keep.pk, other.pk])
    before = snapshot(keep, other)

    entry = authors_merge(keep=keep, other=other, actor=mod, reason="").entry

    approved.refresh_from_db()
    pending.refresh_from_db()
    assert (approved.author_id, approved.status) == (keep.pk, "approved")
    assert pending.status == "superseded"
    assert AuthorStanding.objects.get(author=keep).claim_status == "claimed"

    identity_change_undo(entry=entry, actor=mod)
    assert snapshot(keep, other) == before


def _profile_state(author) -> tuple:
    author.refresh_from_db()
    profile = Profile.objects.filter(author=author).first()
    fields = (
        None
        if profile is None
        else (
            profile.user_id,
            profile.affiliation,
            profile.bio,
            profile.links,
            profile.hide_from_search_engines,
        )
    )
    return (author.headline, author.open_to_collaborate, fields)


def test_merge_gives_the_kept_record_what_the_claimant_wrote_on_the_other(
    records, alice, mod
):
    keep, other, _ = records
    _approved_claim(alice, other, mod)
    other.headline, other.open_to_collaborate = "Librarian", True
    other.save()
    Profile.objects.create(
        author=other, user=alice, bio="I study teapots.", links=["https://a.example"]
    )
    before = (_profile_state(keep), _profile_state(other))

    entry = authors_merge(keep=keep, other=other, actor=mod, reason="").entry

    assert _profile_state(keep) == (
        "Librarian",
        True,
        (alice.pk, "", "I study teapots.", ["https://a.example"], False),
    )
    assert _profile_state(other) == before[1]  # kept as it was
    assert entry.after["profile"]["copied"] is True
    identity_change_undo(entry=entry, actor=mod)
    assert (_profile_state(keep), _profile_state(other)) == before


def test_merge_fills_only_empty_fields_and_undo_keeps_later_edits(records, alice, mod):
    keep, other, _ = records
    _approved_claim(alice, other, mod)
    Profile.objects.create(author=keep, user=alice, bio="Mine already.")
    Profile.objects.create(
        author=other, user=alice, bio="Older bio.", affiliation="Brown University"
    )

    entry = authors_merge(keep=keep, other=other, actor=mod, reason="").entry

    profile = Profile.objects.get(author=keep)
    assert (profile.bio, profile.affiliation) == ("Mine already.", "Brown University")
    assert entry.before["profile"] == {"affiliation": ""}
    profile.affiliation = "Wesleyan"  # the researcher edits after the merge
    profile.save()
    identity_change_undo(entry=entry, actor=mod)
    profile.refresh_from_db()
    assert (profile.bio, profile.affiliation) == ("Mine already.", "Wesleyan")


def test_merge_gives_nothing_when_the_writer_holds_no_claim_on_the_kept_record(
    records, alice, bob, mod
):
    keep, other, _ = records
    _approved_claim(bob, keep, mod)
    Profile.objects.create(author=other, user=alice, bio="Alice's words.")

    entry = authors_merge(keep=keep, other=other, actor=mod, reason="").entry

    assert not Profile.objects.filter(author=keep).exists()
    assert entry.after["profile"] == {"copied": False, "filled": {}}


def test_merge_with_claims_by_two_people_puts_the_record_under_review(
    records, alice, bob, mod
):
    keep, other, _ = records
    _approved_claim(alice, keep, mod)
    bobs = claim_submit_evidence(user=bob, author=other, evidence="", links=["x"])
    author_standings_recompute(author_ids=[keep.pk, other.pk])
    before = snapshot(keep, other)

    entry = authors_merge(keep=keep, other=other, actor=mod, reason="").entry

    active = Claim.objects.active().filter(author=keep)
    assert {c.user_id for c in active} == {alice.pk, bob.pk}
    assert all(c.disputed for c in active)
    assert AuthorStanding.objects.get(author=keep).claim_status == "under_review"
    assert bobs.claim.pk in entry.after["claims"]

    identity_change_undo(entry=entry, actor=mod)
    assert snapshot(keep, other) == before


def test_a_merge_that_puts_a_record_under_review_tells_both_claimants(
    records, alice, bob, mod, mailoutbox, django_capture_on_commit_callbacks
):
    keep, other, _ = records
    _approved_claim(alice, keep, mod)
    claim_submit_evidence(user=bob, author=other, evidence="", links=["x"])
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        authors_merge(keep=keep, other=other, actor=mod, reason="")

    assert sorted(m.to[0] for m in mailoutbox) == sorted([alice.email, bob.email])
    for message in mailoutbox:
        assert message.subject.startswith("The record of Josiah Carberry is under")
        assert "claim under review" in message.body


def test_undo_merge_is_refused_once_a_moved_claim_was_decided(records, bob, mod):
    keep, other, _ = records
    claim = claim_submit_evidence(user=bob, author=other, evidence="", links=["x"])
    entry = authors_merge(keep=keep, other=other, actor=mod, reason="").entry
    claim_approve(claim=claim.claim, reviewer=mod)

    with pytest.raises(IdentityChangeError, match="decided or changed since"):
        identity_change_undo(entry=entry, actor=mod)


def test_a_name_hidden_on_the_merged_record_stays_hidden(records, mod):
    keep, other, _ = records
    AuthorAlias.objects.filter(author=other, name="Josiah Carberry").update(hidden=True)
    entry = authors_merge(keep=keep, other=other, actor=mod, reason="").entry

    assert keep.aliases.get(name="Josiah Carberry").hidden

    identity_change_undo(entry=entry, actor=mod)
    assert not keep.aliases.get(name="Josiah Carberry").hidden


def test_merge_refuses_itself_and_merged_records(records, mod):
    keep, other, _ = records
    with pytest.raises(IdentityChangeError, match="itself"):
        authors_merge(keep=keep, other=keep, actor=mod, reason="")
    authors_merge(keep=keep, other=other, actor=mod, reason="")
    with pytest.raises(IdentityChangeError, match="already merged"):
        authors_merge(keep=AuthorFactory(), other=other, actor=mod, reason="")
    with pytest.raises(IdentityChangeError, match="already merged"):
        authors_merge(keep=other, other=AuthorFactory(), actor=mod, reason="")


# -- split ------------------------------------------------------------------


def test_split_into_a_new_record_locks_the_moderators_decision(records, mod):
    keep, _, coauthor = records
    rows = list(Authorship.objects.filter(author=keep))
    rows[0].name = rows[0].raw_name = "J. Carberry"
    rows[0].save()

    change = authorships_split(authorships=rows[:1], actor=mod, reason="Other J.")

    new = change.author
    assert new.pk not in (keep.pk, coauthor.pk)
    assert new.display_name == "J. Carberry"
    row = Authorship.objects.get(pk=rows[0].pk)
    assert row.author_id == new.pk
    assert row.attribution == Authorship.Attribution.MODERATOR
    assert row.locked is True
    assert row.attribution_detail == {"by": "moderator", "reason": "Other J."}
    assert new.aliases.filter(name="J. Carberry").exists()
    keep.refresh_from_db()
    new.refresh_from_db()
    assert (keep.works_count, new.works_count) == (1, 1)
    entry = change.entry
    assert entry.action == "authorships.split"
    assert entry.author_id == keep.pk
    assert entry.object_id == str(new.pk)
    assert entry.after["created"] is True
    assert AuthorStanding.objects.filter(author=new).exists()


def test_undo_split_into_a_new_record_restores_rows_and_retires_the_record(
    records, mod
):
    keep, other, coauthor = records
    rows = list(Authorship.objects.filter(author=keep))
    before = snapshot(keep, other, coauthor)
    change = authorships_split(authorships=rows, actor=mod, reason="")

    undo = identity_change_undo(entry=change.entry, actor=mod)

    assert snapshot(keep, other, coauthor) == before
    assert undo.author == keep
    new = Author.objects.get(pk=change.author.pk)
    # Never deleted: its URL leads to the record the works went back to.
    assert new.merged_into_id == keep.pk
    assert not new.aliases.exists()


def test_split_into_an_existing_record_and_undo(records, mod):
    keep, other, coauthor = records
    rows = list(Authorship.objects.filter(author=keep))[:1]
    before = snapshot(keep, other, coauthor)

    change = authorships_split(authorships=rows, into=other, actor=mod, reason="")

    assert change.author == other
    assert Authorship.objects.get(pk=rows[0].pk).author_id == other.pk
    identity_change_undo(entry=change.entry, actor=mod)
    assert snapshot(keep, other, coauthor) == before
    assert Author.objects.get(pk=other.pk).merged_into_id is None


def _carrying(row: Authorship, *ids: tuple[str, str]) -> None:
    row.identifiers = [list(i) for i in ids]
    row.save(update_fields=["identifiers"])


def test_split_takes_the_identifiers_only_the_split_works_carry(records, mod):
    # A conflated record: one person's ORCID on one work, another's on the
    # other; an OpenAlex id on both works stays with the record.
    keep, other, coauthor = records
    first, second = Authorship.objects.filter(author=keep).order_by("pk")
    theirs = AuthorIdentifier.objects.create(
        author=keep, scheme="orcid", value="0000-0001-0000-0001"
    )
    shared = AuthorIdentifier.objects.create(author=keep, scheme="openalex", value="A1")
    _carrying(first, ("orcid", theirs.value), ("openalex", "A1"))
    _carrying(second, ("openalex", "A1"))
    author_standings_recompute(author_ids=[keep.pk])  # it holds ids now
    before = snapshot(keep, other, coauthor)

    change = authorships_split(authorships=[first], actor=mod, reason="Two people.")

    theirs.refresh_from_db()
    shared.refresh_from_db()
    assert theirs.author_id == change.author.pk
    assert shared.author_id == keep.pk
    assert change.entry.after["identifiers"] == [[theirs.pk, keep.pk]]
    assert identity_change_detail(change.entry) == (
        f"1 work moved to record #{change.author.pk} (a new record), with 1 identifier."
    )
    identity_change_undo(entry=change.entry, actor=mod)
    assert snapshot(keep, other, coauthor) == before


def test_split_leaves_an_identifier_when_the_target_has_one_of_its_scheme(records, mod):
    keep, other, _ = records  # other holds ORCID 0000-0002-1825-0097
    row = Authorship.objects.filter(author=keep).first()
    mine = AuthorIdentifier.objects.create(
        author=keep, scheme="orcid", value="0000-0001-0000-0001"
    )
    _carrying(row, ("orcid", mine.value))

    change = authorships_split(authorships=[row], into=other, actor=mod, reason="")

    mine.refresh_from_db()
    assert mine.author_id == keep.pk
    assert change.entry.after["identifiers"] == []


def test_undo_split_is_refused_once_the_new_record_gained_a_follower(
    records, mod, alice
):
    keep, _, _ = records
    change = authorships_split(
        authorships=list(Authorship.objects.filter(author=keep)), actor=mod, reason=""
    )
    Follow.objects.create(user=alice, author=change.author)

    blockers = undo_blockers(change.entry)

    assert len(blockers) == 1
    assert "has gained follows since" in blockers[0]
    with pytest.raises(IdentityChangeError, match="merge it into the original"):
        identity_change_undo(entry=change.entry, actor=mod)


def test_split_refuses_a_merged_target_and_rows_already_there(records, mod):
    keep, other, _ = records
    rows = list(Authorship.objects.filter(author=keep))
    with pytest.raises(IdentityChangeError, match="already on record"):
        authorships_split(authorships=rows, into=keep, actor=mod, reason="")
    authors_merge(keep=keep, other=other, actor=mod, reason="")
    with pytest.raises(IdentityChangeError, match="was merged into"):
        authorships_split(authorships=rows[:1], into=other, actor=mod, reason="")
    with pytest.raises(IdentityChangeError, match="Select at least one"):
        authorships_split(authorships=[], actor=mod, reason="")
