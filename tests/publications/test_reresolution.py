"""Re-resolution: new evidence moves unlocked authorships, never locked ones."""

from __future__ import annotations

import pytest

from profiles.services.identity_changes import authors_merge
from publications.models import Author, AuthorIdentifier, Authorship
from publications.services.counters import authors_recount
from publications.services.reresolution import authorships_reresolve
from tests.publications.test_identity_resolution import author, publish

pytestmark = pytest.mark.django_db
Attribution = Authorship.Attribution
ORCID_1 = "0000-0002-1825-0097"
ORCID_2 = "0000-0001-5109-3700"


def _two_benoits_and_initials():
    """Two 'Benoit Dherin' records (their ORCIDs differ) and 'B. Dherin'
    on a work with a co-author of each: the evidence points to both, so
    the initials got a record of their own."""
    [first, _] = publish(author("Benoit Dherin", orcid=ORCID_1), author("Jane Roe"))
    [second, _] = publish(author("Benoit Dherin", orcid=ORCID_2), author("John Doe"))
    [initials, _, _] = publish(
        author("B. Dherin"), author("Jane Roe"), author("John Doe")
    )
    assert len({first.author_id, second.author_id, initials.author_id}) == 3
    return first.author, second.author, initials


def test_a_merge_moves_the_initials_to_the_merged_record(
    mod, django_capture_on_commit_callbacks
):
    keep, other, initials = _two_benoits_and_initials()
    lonely = initials.author_id

    with django_capture_on_commit_callbacks(execute=True):
        authors_merge(keep=keep, other=other, actor=mod, reason="one person")

    initials.refresh_from_db()
    assert initials.author_id == keep.pk
    assert initials.attribution == Attribution.NAME_EVIDENCE
    assert initials.attribution_detail["source"] == "reresolution"
    assert "co-author Jane Roe" in initials.attribution_detail["evidence"]
    # The emptied record answers with the record its work went to.
    assert Author.objects.get(pk=lonely).merged_into_id == keep.pk
    assert Author.objects.get(pk=keep.pk).works_count == 3
    # Jane Roe and John Doe have one collaborator fewer: counted again too.
    assert authors_recount(author_ids=Author.objects.values_list("pk", flat=True)) == 0


def test_a_merge_leaves_a_locked_authorship_where_it_is(
    mod, django_capture_on_commit_callbacks
):
    keep, other, initials = _two_benoits_and_initials()
    Authorship.objects.filter(pk=initials.pk).update(
        locked=True, attribution=Attribution.MODERATOR
    )

    with django_capture_on_commit_callbacks(execute=True):
        authors_merge(keep=keep, other=other, actor=mod, reason="one person")

    before = initials.author_id
    initials.refresh_from_db()
    assert initials.author_id == before
    assert initials.attribution == Attribution.MODERATOR
    assert Author.objects.get(pk=before).merged_into_id is None


def test_an_orcid_appearing_on_an_author_moves_the_rows_that_carry_it():
    [benoit] = publish(author("Benoit Dherin", "Fudan University"))
    [elsewhere] = publish(author("B. Dherin", "Rutgers University"))
    assert elsewhere.author_id != benoit.author_id
    Authorship.objects.filter(pk=elsewhere.pk).update(identifiers=[["orcid", ORCID_1]])
    AuthorIdentifier.objects.create(
        author_id=benoit.author_id, scheme="orcid", value=ORCID_1, source="orcid"
    )

    result = authorships_reresolve(author_ids=[benoit.author_id])

    elsewhere.refresh_from_db()
    assert result.moved == [elsewhere.pk]
    assert elsewhere.author_id == benoit.author_id
    assert elsewhere.attribution == Attribution.IDENTIFIER
    assert elsewhere.attribution_detail["value"] == ORCID_1
    assert elsewhere.confidence == 1.0


def test_an_orcid_appearing_does_not_move_a_locked_row():
    [benoit] = publish(author("Benoit Dherin", "Fudan University"))
    [elsewhere] = publish(author("B. Dherin", "Rutgers University"))
    Authorship.objects.filter(pk=elsewhere.pk).update(
        identifiers=[["orcid", ORCID_1]], locked=True, attribution=Attribution.CLAIM
    )
    AuthorIdentifier.objects.create(
        author_id=benoit.author_id, scheme="orcid", value=ORCID_1, source="orcid"
    )

    result = authorships_reresolve(author_ids=[benoit.author_id])

    before = elsewhere.author_id
    elsewhere.refresh_from_db()
    assert result.moved == []
    assert (elsewhere.author_id, elsewhere.attribution) == (before, Attribution.CLAIM)


def test_rows_their_evidence_still_supports_stay_put():
    [fudan, _] = publish(author("Wei Wang", "Fudan University"), author("Li Wu"))
    [again, _] = publish(author("Wei Wang", "Fudan University"), author("Li Wu"))
    [rutgers] = publish(author("Wei Wang", "Rutgers University"))
    assert fudan.author_id == again.author_id != rutgers.author_id

    result = authorships_reresolve(author_ids=[fudan.author_id, rutgers.author_id])

    assert result.moved == []
    assert result.author_ids == set()


def test_reresolution_runs_once_per_announcement_not_on_its_own(
    mod, django_capture_on_commit_callbacks, monkeypatch
):
    from publications.services import reresolution

    keep, other, initials = _two_benoits_and_initials()
    runs = []
    real = reresolution.authorships_reresolve

    def counted(**kwargs):
        runs.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(reresolution, "authorships_reresolve", counted)

    with django_capture_on_commit_callbacks(execute=True):
        authors_merge(keep=keep, other=other, actor=mod, reason="one person")

    # The merge announced its authors once; re-resolution moved a row and
    # announced that too, which must not start it again.
    assert len(runs) == 1
    assert keep.pk in runs[0]["author_ids"]
    initials.refresh_from_db()
    assert initials.author_id == keep.pk
