""" "Why is this paper here" on the profile's works list: each row explains how
the authorship reached the record, from the data the works query loads."""

from __future__ import annotations

import re

import pytest

from profiles.selectors import attribution_note
from publications.models import AuthorAlias, Authorship
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    AuthorStandingFactory,
    WorkFactory,
)

pytestmark = pytest.mark.django_db

A = Authorship.Attribution


def _row(author, **fields) -> Authorship:
    work = WorkFactory()
    return AuthorshipFactory(work=work, author=author, position=1, **fields)


def _details(html: str) -> list[str]:
    """The text of every "why is this paper here" block, tags stripped."""
    blocks = re.findall(r'<details class="attribution.*?</details>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", b).split()) for b in blocks]


@pytest.fixture
def author():
    author = AuthorFactory(display_name="Benoît Dherin")
    AuthorStandingFactory(author=author)
    return author


def test_identifier_match_names_the_id_and_who_gave_it(client, author):
    _row(
        author,
        attribution=A.IDENTIFIER,
        attribution_detail={
            "scheme": "orcid",
            "value": "0000-0002-1825-0097",
            "source": "openalex",
        },
        confidence=1.0,
    )

    [text] = _details(client.get(author.get_absolute_url()).content.decode())

    assert "Why is this paper here?" in text
    assert "Matched by a persistent identifier" in text
    assert "ORCID 0000-0002-1825-0097, given by OpenAlex, is held by this record." in (
        text
    )
    assert "confidence 100%" in text


def test_name_and_evidence_lists_the_evidence_candidates_and_confidence(client, author):
    _row(
        author,
        attribution=A.NAME_EVIDENCE,
        attribution_detail={
            "evidence": [
                "coauthors",
                {"kind": "topics", "detail": ["math.SG", "hep-th"]},
                "Same institution: Utrecht University",
            ],
            "candidates": 2,
            "name_key": "b dherin",
        },
        confidence=0.87,
    )

    [text] = _details(client.get(author.get_absolute_url()).content.decode())

    assert "Matched by name and supporting evidence" in text
    assert "2 records have this name." in text
    assert "shared co-authors" in text
    assert "shared topics: math.SG, hep-th" in text
    assert "Same institution: Utrecht University" in text
    assert "confidence 87%" in text
    assert "b dherin" not in text


def test_moderator_decision_is_locked_and_gives_the_reason(client, author):
    _row(
        author,
        attribution=A.MODERATOR,
        attribution_detail={"by": "moderator", "reason": "Same ORCID on the PDF."},
        confidence=1.0,
        locked=True,
    )

    [text] = _details(client.get(author.get_absolute_url()).content.decode())

    assert "Moderator decision" in text
    assert "Reason: Same ORCID on the PDF." in text
    assert "Locked: automatic matching does not move it." in text


@pytest.mark.parametrize(
    ("attribution", "words"),
    [
        (A.NAME, "The name matches this record and no other record has it."),
        (A.NEW, "No existing record matched this name"),
        (A.CLAIM, "The researcher who claimed this record said this paper is theirs."),
    ],
)
def test_each_kind_of_attribution_is_explained(client, author, attribution, words):
    _row(author, attribution=attribution)

    [text] = _details(client.get(author.get_absolute_url()).content.decode())

    assert words in text
    assert "confidence" not in text


def test_the_name_printed_on_the_paper_and_the_source_text(client, author):
    _row(author, name="Benoît Dherin", raw_name="Beno\\^it Dherin")

    [text] = _details(client.get(author.get_absolute_url()).content.decode())

    assert "Printed on the paper as “Benoît Dherin”" in text
    assert "(source text: Beno\\^it Dherin" in text


def test_only_the_profiles_own_authorship_is_explained(client, author):
    row = _row(author, attribution=A.NAME)
    AuthorshipFactory(
        work=row.work,
        position=2,
        attribution=A.IDENTIFIER,
        attribution_detail={"scheme": "orcid", "value": "0000-0001-5109-3700"},
    )

    html = client.get(author.get_absolute_url()).content.decode()

    [text] = _details(html)
    assert "Matched by name" in text
    assert "0000-0001-5109-3700" not in html


def test_no_email_address_reaches_the_page(client, author):
    _row(
        author,
        attribution=A.NAME_EVIDENCE,
        attribution_detail={"evidence": ["Corresponding author: b.dherin@example.org"]},
    )
    _row(
        author,
        attribution=A.MODERATOR,
        attribution_detail={"by": "moderator", "reason": "Asked by bd@example.org"},
    )

    html = client.get(author.get_absolute_url()).content.decode()

    assert "@example.org" not in html
    assert "[address removed]" in html


def test_a_hidden_printed_name_is_not_repeated(client, author):
    _row(author, name="Old Name", raw_name="Old Name")
    AuthorAlias.objects.create(
        author=author, name="Old Name", name_key="old name", hidden=True
    )

    html = client.get(author.get_absolute_url()).content.decode()

    [text] = _details(html)
    assert "Printed under a name form the researcher has hidden." in text
    assert "Old Name" not in html


def test_the_sorted_htmx_partial_keeps_the_explanations(client, author):
    _row(author, attribution=A.NEW)

    response = client.get(
        author.get_absolute_url(), {"sort": "title"}, HTTP_HX_REQUEST="true"
    )

    assert "No existing record matched this name" in response.content.decode()


def test_explanations_add_no_query_whatever_the_number_of_works(
    client, author, django_assert_num_queries
):
    kinds = [
        (A.IDENTIFIER, {"scheme": "orcid", "value": "0000-0002-1825-0097"}),
        (A.NAME_EVIDENCE, {"evidence": ["coauthors"], "candidates": 3}),
        (A.MODERATOR, {"by": "moderator", "reason": "r"}),
        (A.NAME, {}),
    ]
    for i in range(40):
        attribution, detail = kinds[i % len(kinds)]
        _row(author, attribution=attribution, attribution_detail=detail)

    # The profile's pinned count (tests/profiles/test_author_detail.py).
    with django_assert_num_queries(9):
        response = client.get(author.get_absolute_url())
    assert len(_details(response.content.decode())) == 20


# -- the words, from the fields alone ---------------------------------------


def test_note_of_an_identifier_without_source_or_known_scheme():
    note = attribution_note(
        Authorship(
            attribution=A.IDENTIFIER,
            attribution_detail={"scheme": "dblp", "value": "d/BenoitDherin"},
            name="B. Dherin",
            raw_name="B. Dherin",
            position=1,
        )
    )
    assert note.summary == "DBLP d/BenoitDherin, is held by this record."
    assert note.printed_name == "B. Dherin"
    assert note.raw_name == ""
    assert note.confidence is None


def test_note_survives_odd_details():
    note = attribution_note(
        Authorship(
            attribution=A.NAME_EVIDENCE,
            attribution_detail={"evidence": [None, "", {"kind": "time_overlap"}]},
            name="X",
            raw_name="X",
            position=1,
        )
    )
    assert note.evidence == ["active in the same years"]
    note = attribution_note(
        Authorship(
            attribution=A.NAME,
            attribution_detail=[],
            name="X",
            raw_name="X",
            position=1,
        )
    )
    assert note.heading == "Matched by name"
