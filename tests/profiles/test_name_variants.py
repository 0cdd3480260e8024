"""Name variants: the profile lists the name forms the sources printed; the
claimed researcher picks the display name and hides forms (a former name),
which then appear on no public page, in no API answer, search or graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from graph.selectors import cached_slice
from graph.services import graph_slice_compute
from profiles.models import AuditLog, Profile
from profiles.services.claims import claim_approve, claim_submit_evidence
from profiles.services.profiles import author_names_update
from publications.models import Author, AuthorAlias, Citation
from publications.names import name_key
from tests.conftest import make_user
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    AuthorStandingFactory,
    WorkFactory,
)

pytestmark = pytest.mark.django_db

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "arxiv_api"
FORMER = "Jane Oldname"
CURRENT = "Jane Newname"


def _alias(author, name, **fields) -> AuthorAlias:
    return AuthorAlias.objects.create(
        author=author, name=name, name_key=name_key(name), **fields
    )


@pytest.fixture
def jane(alice, mod):
    """A claimed record with papers under a former and a current name."""
    jane = AuthorFactory(display_name=FORMER)
    AuthorStandingFactory(author=jane)
    coauthor = AuthorFactory(display_name="Ada Coauthor")
    old_paper = WorkFactory(title="Early paper")
    AuthorshipFactory(
        work=old_paper, author=jane, position=1, name=FORMER, raw_name=FORMER
    )
    AuthorshipFactory(work=old_paper, author=coauthor, position=2)
    new_paper = WorkFactory(title="Recent paper")
    AuthorshipFactory(
        work=new_paper, author=jane, position=1, name=CURRENT, raw_name=CURRENT
    )
    former = _alias(jane, FORMER)
    current = _alias(jane, CURRENT)
    _alias(jane, "J. Newname")
    claim = claim_submit_evidence(user=alice, author=jane, evidence="Me.", links=[])
    claim_approve(claim=claim.claim, reviewer=mod)
    jane.former, jane.current, jane.old_paper, jane.coauthor = (
        former,
        current,
        old_paper,
        coauthor,
    )
    return jane


def names_url(author) -> str:
    return f"/authors/{author.pk}/names/"


def _hide_former(jane, alice) -> None:
    author_names_update(
        user=alice,
        author=jane,
        display_name=CURRENT,
        hidden_alias_ids=[jane.former.pk],
    )
    jane.refresh_from_db()


# -- the profile lists the forms -----------------------------------------------


def test_profile_lists_the_other_name_forms(client, jane):
    html = client.get(jane.get_absolute_url()).content.decode()
    assert f"Also published as J. Newname, {CURRENT}" in html


def test_api_lists_the_name_forms(client, jane):
    data = client.get(f"/api/v1/authors/{jane.pk}/").json()
    assert sorted(data["aliases"]) == sorted([FORMER, CURRENT, "J. Newname"])


# -- the researcher chooses ------------------------------------------------------


def test_claimant_chooses_the_display_name_and_hides_a_former_name(alice_client, jane):
    page = alice_client.get(names_url(jane)).content.decode()
    assert f'value="{CURRENT}"' in page
    assert f'value="{jane.former.pk}"' in page

    response = alice_client.post(
        names_url(jane), {"display_name": CURRENT, "hidden": [jane.former.pk]}
    )

    assert response.status_code == 302
    jane.refresh_from_db()
    jane.former.refresh_from_db()
    assert jane.display_name == CURRENT
    assert jane.display_name_chosen is True
    assert jane.former.hidden is True
    assert response["Location"] == jane.get_absolute_url()


def test_the_change_is_audited_by_alias_id_never_by_the_hidden_name(jane, alice):
    _hide_former(jane, alice)

    entry = AuditLog.objects.get(action="author.names")
    assert entry.actor == alice
    assert entry.after == {
        "hidden_aliases": [jane.former.pk],
        "display_name_changed": True,
    }
    assert entry.before == {"hidden_aliases": []}
    assert FORMER not in str(entry.before) + str(entry.after) + entry.object_repr


def test_the_name_shown_cannot_be_hidden(alice_client, jane):
    response = alice_client.post(
        names_url(jane), {"display_name": FORMER, "hidden": [jane.former.pk]}
    )

    assert response.status_code == 200
    assert "You cannot hide the name shown on your profile." in (
        response.content.decode()
    )
    jane.former.refresh_from_db()
    assert jane.former.hidden is False


def test_a_name_that_is_not_one_of_the_records_forms_is_refused(alice_client, jane):
    other = _alias(AuthorFactory(), "Someone Famous")

    typed = alice_client.post(names_url(jane), {"display_name": "Someone Famous"})
    foreign = alice_client.post(
        names_url(jane), {"display_name": CURRENT, "hidden": [other.pk]}
    )

    assert typed.status_code == foreign.status_code == 200
    jane.refresh_from_db()
    other.refresh_from_db()
    assert jane.display_name == FORMER
    assert other.hidden is False
    with pytest.raises(ValueError, match="name forms"):
        author_names_update(
            user=None, author=jane, display_name="Someone Famous", hidden_alias_ids=[]
        )


@pytest.mark.parametrize(
    ("persona", "status", "allowed"),
    [
        ("anonymous", 302, False),
        ("signed_in", 403, False),
        ("claimant", 302, True),
        ("other_claimant", 403, False),
        ("staff", 403, False),
    ],
)
def test_names_post_permissions(
    jane, persona, status, allowed, alice, bob, mod, django_user_model
):
    users = {
        "anonymous": None,
        "signed_in": make_user(django_user_model, "carol"),
        "claimant": alice,
        "other_claimant": bob,
        "staff": mod,
    }
    if persona == "other_claimant":
        elsewhere = AuthorFactory()
        claim = claim_submit_evidence(
            user=bob, author=elsewhere, evidence="", links=["x"]
        )
        claim_approve(claim=claim.claim, reviewer=mod)
    client = Client()
    if users[persona]:
        client.force_login(users[persona])

    response = client.post(
        names_url(jane), {"display_name": CURRENT, "hidden": [jane.former.pk]}
    )

    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"] == f"/accounts/login/?next={names_url(jane)}"
    jane.refresh_from_db()
    assert (jane.display_name == CURRENT) is allowed


def test_names_post_needs_the_csrf_token(jane, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(names_url(jane), {"display_name": CURRENT})

    assert response.status_code == 403
    jane.refresh_from_db()
    assert jane.display_name == FORMER


def test_names_page_query_count(alice_client, jane, django_assert_num_queries):
    # Expect 5: session, user, the record with standing and profile, the
    # viewer's approved claim, the record's name forms.
    with django_assert_num_queries(5):
        assert alice_client.get(names_url(jane)).status_code == 200
    for i in range(10):
        _alias(jane, f"J. Variant {i}")
    with django_assert_num_queries(5):
        assert alice_client.get(names_url(jane)).status_code == 200


def test_edit_page_links_to_the_names_page(alice_client, jane):
    html = alice_client.get(f"/authors/{jane.pk}/edit/").content.decode()
    assert f'href="{names_url(jane)}"' in html


# -- a hidden form leaks nowhere -------------------------------------------------


def test_hidden_form_is_on_no_public_page(client, jane, alice):
    _hide_former(jane, alice)
    Profile.objects.filter(author=jane).delete()
    citing = WorkFactory(title="A later paper")
    Citation.objects.create(
        citing=citing,
        cited=jane.old_paper,
        cited_scheme="arxiv",
        cited_value=jane.old_paper.arxiv_id,
        source="openalex",
    )

    pages = [
        jane.get_absolute_url(),
        f"/authors/{jane.pk}/trust/",
        f"/authors/{jane.pk}/history/",
        jane.old_paper.get_absolute_url(),
        "/",
        "/search/?q=paper",
        jane.coauthor.get_absolute_url(),
        f"/graph/authors/{jane.pk}/slice/",
        f"/graph/authors/{jane.coauthor.pk}/slice/",
        f"/explore/?author={jane.pk}",
        # The citation network lists the cited paper with its authors.
        citing.get_absolute_url(),
        f"/works/{citing.pk}/citations/",
    ]
    for url in pages:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert FORMER not in html, url
    # The citing paper's references name her by her current name.
    references = client.get(f"/works/{citing.pk}/citations/").content.decode()
    assert CURRENT in references
    # The paper printed under the former name shows the current one.
    paper = client.get(jane.old_paper.get_absolute_url()).content.decode()
    assert f'<meta name="citation_author" content="{CURRENT}">' in paper


def test_hidden_form_is_in_no_api_answer(client, jane, alice):
    _hide_former(jane, alice)

    answers = [
        client.get(f"/api/v1/authors/{jane.pk}/"),
        client.get(f"/api/v1/authors/{jane.pk}/works/"),
        client.get(f"/api/v1/works/{jane.old_paper.pk}/"),
        client.get("/api/v1/search/", {"q": "paper"}),
        client.get("/graph/explore.json", {"node": f"author:{jane.pk}"}),
        client.get("/graph/explore.json", {"node": f"work:{jane.old_paper.pk}"}),
    ]
    for response in answers:
        assert response.status_code == 200
        assert FORMER not in response.content.decode()
    assert sorted(answers[0].json()["aliases"]) == sorted([CURRENT, "J. Newname"])


def test_search_does_not_find_the_researcher_by_a_hidden_name(client, jane, alice):
    found = client.get("/search/", {"q": "Oldname"}).content.decode()
    assert jane.get_absolute_url() in found

    _hide_former(jane, alice)

    response = client.get("/search/", {"q": "Oldname"})
    assert jane.get_absolute_url() not in response.content.decode()
    assert response.context["results"].authors.paginator.count == 0
    api = client.get("/api/v1/search/", {"q": "Oldname"}).json()
    assert api["authors"]["count"] == 0


def test_a_new_display_name_reaches_the_cached_graph_slice(
    jane, alice, django_capture_on_commit_callbacks
):
    graph_slice_compute(author_id=jane.coauthor.pk)
    assert FORMER in {n.label for n in cached_slice(jane.coauthor.pk).nodes}

    with django_capture_on_commit_callbacks(execute=True):
        author_names_update(
            user=alice,
            author=jane,
            display_name=CURRENT,
            hidden_alias_ids=[jane.former.pk],
        )

    # The co-author's slice names Jane by her chosen name once rebuilt.
    rebuilt = cached_slice(jane.coauthor.pk) or graph_slice_compute(
        author_id=jane.coauthor.pk
    )
    labels = {n.label for n in rebuilt.nodes}
    assert FORMER not in labels
    assert CURRENT in labels


# -- the choice survives imports -------------------------------------------------


def test_display_name_choice_and_hidden_forms_survive_reimports(alice):
    first = FEEDS / "au_del_maestro_2016.xml"
    call_command("import", "arxiv", "--file", str(first), verbosity=0)
    author = Author.objects.get(display_name="Adrian Del Maestro")
    chosen = _alias(author, "Adrian G. Del Maestro")
    printed = AuthorAlias.objects.get(author=author, name="Adrian Del Maestro")
    author_names_update(
        user=alice,
        author=author,
        display_name=chosen.name,
        hidden_alias_ids=[printed.pk],
    )

    for _ in range(2):
        call_command(
            "import",
            "arxiv",
            "--file",
            str(first),
            str(FEEDS / "au_del_maestro_and_ti_quantum_criticality.xml"),
            str(FEEDS / "au_del_maestro_and_ti_checkerboard_2016.xml"),
            verbosity=0,
        )

    author.refresh_from_db()
    printed.refresh_from_db()
    assert author.display_name == "Adrian G. Del Maestro"
    assert author.display_name_chosen is True
    assert printed.hidden is True
    assert author.merged_into_id is None
    # The hidden form still serves matching: the later feeds' papers
    # printed as "Adrian Del Maestro" joined this record, not a new one.
    assert not Author.objects.filter(display_name="Adrian Del Maestro").exists()
    assert author.authorships.count() > 1
