"""Which Author an authorship gets: identifiers first, then name + evidence.

Works are written through the real ingest service from hand-made records,
so that each decision reads the evidence earlier works left in the database
(co-authors, topics, institutions, years).
"""

from __future__ import annotations

import hashlib
from datetime import date
from itertools import count

import pytest
from django.db import connection
from django.db.models import Q

from publications.identity_scoring import (
    DOMINANCE_RATIO,
    NameParts,
    name_compatible,
    names_fit,
)
from publications.models import Author, AuthorAlias, AuthorIdentifier, Authorship
from publications.names import name_key
from publications.services import identity
from publications.services.identity import WorkContext, authorships_resolve_authors
from publications.services.ingest import works_ingest
from publications.sources.base import ORCID, ParsedAuthorship, ParsedWork
from tests.publications.services.test_snapshot_set_based import postgresql
from tests.publications.services.test_works_ingest import new_run

pytestmark = pytest.mark.django_db
_numbers = count(1)
Attribution = Authorship.Attribution


def author(name: str, *affiliations: str, orcid: str = "") -> ParsedAuthorship:
    return ParsedAuthorship(
        position=0,
        raw_name=name,
        name=name,
        raw_affiliations=tuple(affiliations),
        identifiers=((ORCID, orcid),) if orcid else (),
    )


def publish(*authors: ParsedAuthorship, year: int = 2020, topics=("cs.LG",)):
    """Import one work by these authors; return its authorships in order."""
    number = next(_numbers)
    arxiv_id = f"{year % 100:02d}01.{number:05d}"
    record = ParsedWork(
        source="arxiv",
        external_id=arxiv_id,
        payload_hash=hashlib.sha256(arxiv_id.encode()).hexdigest(),
        title=f"Work {number}",
        title_raw=f"Work {number}",
        published=date(year, 3, 1),
        arxiv_id=arxiv_id,
        categories=tuple(topics),
        authorships=tuple(
            ParsedAuthorship(
                position=i + 1,
                raw_name=a.raw_name,
                name=a.name,
                raw_affiliations=a.raw_affiliations,
                identifiers=a.identifiers,
            )
            for i, a in enumerate(authors)
        ),
    )
    counts = works_ingest(records=[record], import_run=new_run())
    assert counts.failed == 0
    return list(
        Authorship.objects.filter(work__arxiv_id=arxiv_id)
        .select_related("author")
        .order_by("position")
    )


# -- initials ----------------------------------------------------------------


def test_initials_join_the_full_name_when_a_coauthor_is_shared():
    [benoit, _] = publish(author("Benoit Dherin"), author("Jane Roe"))

    [initials, _] = publish(author("B. Dherin"), author("J. Roe"), year=2021)

    assert initials.author_id == benoit.author_id
    assert initials.attribution == Attribution.NAME_EVIDENCE
    assert "co-author J. Roe" in initials.attribution_detail["evidence"]
    assert initials.attribution_detail["candidates"] == 1
    assert initials.attribution_detail["name_key"] == "b dherin"
    assert 0.5 <= initials.confidence <= 1


def test_initials_without_evidence_stay_a_separate_record():
    [benoit] = publish(author("Benoit Dherin"), year=2020, topics=("cs.LG",))

    [initials] = publish(author("B. Dherin"), year=1990, topics=("math.AG",))

    assert initials.author_id != benoit.author_id
    assert initials.attribution == Attribution.NEW
    assert initials.attribution_detail["candidates"] == 1
    assert initials.confidence is None


def test_initials_fitting_two_people_with_evidence_for_both_stay_apart():
    [bo, _] = publish(author("Bo Li", "Fudan University"), author("Jane Roe"))
    [bei, _] = publish(author("Bei Li", "Fudan University"), author("John Doe"))

    [initials, _, _] = publish(
        author("B. Li", "Fudan University"), author("Jane Roe"), author("John Doe")
    )

    assert initials.author_id not in (bo.author_id, bei.author_id)
    assert initials.attribution == Attribution.NEW
    assert initials.attribution_detail["candidates"] == 2


def test_a_full_name_record_replaces_the_initials_it_joins_on_display():
    [first, _] = publish(author("B. Dherin"), author("Jane Roe"))

    [full, _] = publish(author("Benoit Dherin"), author("Jane Roe"), year=2021)

    assert full.author_id == first.author_id
    assert Author.objects.get(pk=full.author_id).display_name == "Benoit Dherin"


# -- one name, two people ----------------------------------------------------


def test_one_name_at_two_unrelated_institutions_is_two_people():
    [fudan] = publish(author("Wei Wang", "Fudan University"))

    [rutgers] = publish(author("Wei Wang", "Rutgers University"))

    assert rutgers.author_id != fudan.author_id
    assert rutgers.attribution == Attribution.NEW


def test_evidence_picks_which_of_two_same_name_people():
    [fudan, _] = publish(author("Wei Wang", "Fudan University"), author("Li Wu"))
    [rutgers, _] = publish(
        author("Wei Wang", "Rutgers University"), author("Jane Roe"), year=2019
    )
    assert fudan.author_id != rutgers.author_id

    [by_institution] = publish(author("Wei Wang", "Fudan Univ., Shanghai"))
    [by_coauthor, _] = publish(author("Wei Wang"), author("Jane Roe"))

    assert by_institution.author_id == fudan.author_id
    assert (
        "institution Fudan University" in by_institution.attribution_detail["evidence"]
    )
    assert by_coauthor.author_id == rutgers.author_id
    assert by_coauthor.attribution_detail["candidates"] == 2


def test_same_name_with_no_evidence_between_two_people_is_a_new_record():
    [fudan] = publish(author("Wei Wang", "Fudan University"), topics=("cs.LG",))
    [rutgers] = publish(author("Wei Wang", "Rutgers University"), topics=("cs.LG",))

    [lone] = publish(author("Wei Wang"), topics=("cs.LG",))

    assert lone.author_id not in (fudan.author_id, rutgers.author_id)
    assert lone.attribution == Attribution.NEW


def test_without_affiliation_the_name_goes_to_a_clearly_dominant_person():
    fudan = [
        publish(author("Wei Wang", "Fudan University"))[0]
        for _ in range(DOMINANCE_RATIO)
    ]
    [rutgers] = publish(author("Wei Wang", "Rutgers University"))

    [lone] = publish(author("Wei Wang"))

    assert len({a.author_id for a in fudan}) == 1
    assert lone.author_id == fudan[0].author_id != rutgers.author_id
    assert lone.attribution == Attribution.NAME
    assert lone.attribution_detail["candidates"] == 2


def test_the_only_person_of_a_name_takes_it_without_evidence():
    [first] = publish(author("Adrian Del Maestro"), year=2004, topics=("cond-mat",))

    [second] = publish(author("Adrian Del Maestro"), year=2024, topics=("q-bio",))

    assert second.author_id == first.author_id
    assert second.attribution == Attribution.NAME
    assert second.confidence == 0.5
    assert second.attribution_detail["evidence"] == []


def test_a_topic_and_years_decide_between_two_people_of_a_name():
    [physicist] = publish(
        author("Wei Wang", "Fudan University"), year=2010, topics=("cond-mat.str-el",)
    )
    [biologist] = publish(
        author("Wei Wang", "Rutgers University"), year=2010, topics=("q-bio.PE",)
    )

    [later] = publish(author("Wei Wang"), year=2012, topics=("q-bio.PE",))

    assert later.author_id == biologist.author_id != physicist.author_id
    assert later.attribution_detail["evidence"] == ["topic q-bio.PE", "active 2010"]


# -- identifiers -------------------------------------------------------------


def test_an_orcid_decides_before_any_name_evidence():
    [held] = publish(
        author("Wei Wang", "Peking University", orcid="0000-0002-1825-0097")
    )
    [other, _] = publish(author("Wei Wang", "Fudan University"), author("Jane Roe"))

    [initials, _] = publish(
        author("W. Wang", "Fudan University", orcid="0000-0002-1825-0097"),
        author("Jane Roe"),
    )

    assert initials.author_id == held.author_id != other.author_id
    assert initials.attribution == Attribution.IDENTIFIER
    assert initials.attribution_detail["value"] == "0000-0002-1825-0097"
    assert initials.confidence == 1.0


def test_a_candidate_holding_another_orcid_never_matches():
    [held, _] = publish(
        author("Benoit Dherin", "Fudan University", orcid="0000-0002-1825-0097"),
        author("Jane Roe"),
    )

    [other, _] = publish(
        author("Benoit Dherin", "Fudan University", orcid="0000-0001-5109-3700"),
        author("Jane Roe"),
    )

    assert other.author_id != held.author_id
    assert AuthorIdentifier.objects.get(value="0000-0001-5109-3700").author_id == (
        other.author_id
    )


def test_a_hidden_former_name_still_serves_matching():
    [before, _] = publish(author("Maria Curie", "Sorbonne"), author("Pierre Roe"))
    Author.objects.filter(pk=before.author_id).update(
        display_name="Maria Sklodowska", name_key="maria sklodowska"
    )
    before.author.aliases.update(hidden=True)

    [after, _] = publish(author("Maria Curie", "Sorbonne"), author("Pierre Roe"))

    assert after.author_id == before.author_id


# -- cost --------------------------------------------------------------------


def _work_context():
    return WorkContext(source="arxiv", year=2020, topic_codes=("cs.LG",))


def _resolve_queries(size: int, offset: int) -> int:
    """Queries to resolve a work of ``size`` initialled authors, each of
    whom has a full-name record with works, institutions and co-authors."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(offset, offset + size):
        publish(
            author(f"Alex{i} Surname{i}", f"University {i}"),
            author(f"Coauthor{i} Person{i}"),
        )
    parsed = [
        ParsedAuthorship(
            position=i + 1,
            raw_name=f"A. Surname{i}",
            name=f"A. Surname{i}",
            raw_affiliations=(f"University {i}",),
        )
        for i in range(offset, offset + size)
    ]
    with CaptureQueriesContext(connection) as queries:
        resolutions = authorships_resolve_authors(
            parsed=parsed, context=_work_context()
        )
    assert all(r.attribution == Attribution.NAME_EVIDENCE for r in resolutions)
    return len(queries)


def test_resolution_costs_the_same_few_queries_for_3_or_30_authors(
    django_assert_max_num_queries,
):
    few = _resolve_queries(3, offset=0)
    many = _resolve_queries(30, offset=100)

    assert few == many <= 13


def test_resolution_of_a_work_stays_within_13_queries(django_assert_max_num_queries):
    publish(author("Benoit Dherin", "Fudan University"), author("Jane Roe"))
    parsed = [
        ParsedAuthorship(position=1, raw_name="B. Dherin", name="B. Dherin"),
        ParsedAuthorship(position=2, raw_name="Jane Roe", name="Jane Roe"),
        ParsedAuthorship(position=3, raw_name="New Person", name="New Person"),
    ]

    with django_assert_max_num_queries(13):
        authorships_resolve_authors(parsed=parsed, context=_work_context())


def _numbered(*authors: ParsedAuthorship) -> list[ParsedAuthorship]:
    return [
        ParsedAuthorship(
            position=i,
            raw_name=a.raw_name,
            name=a.name,
            raw_affiliations=a.raw_affiliations,
            identifiers=a.identifiers,
        )
        for i, a in enumerate(authors, start=1)
    ]


def test_a_bulk_load_takes_the_oldest_author_of_the_exact_name():
    # The oldest Wei Wang was merged into another record; evidence told the
    # next two apart.
    kept = Author.objects.create(display_name="W. Wang", name_key=name_key("W Wang"))
    merged = Author.objects.create(
        display_name="Wei Wang", name_key=name_key("Wei Wang"), merged_into=kept
    )
    [fudan] = publish(author("Wei Wang", "Fudan University"))
    [rutgers] = publish(author("Wei Wang", "Rutgers University"))
    assert len({merged.pk, fudan.author_id, rutgers.author_id}) == 3

    name, initial, fresh, again = identity.authorships_resolve_by_name(
        parsed=_numbered(
            author("Wei Wang", "Rutgers University"),
            author("W. Wang"),
            author("Ada Quinn"),
            author("Ada Quinn"),
        ),
        context=WorkContext(source="arxiv-snapshot"),
    )

    # The name alone: the oldest visible record of "Wei Wang", whatever
    # the institution says (re-resolution weighs that afterwards).
    assert name.author.pk == min(fudan.author_id, rutgers.author_id)
    assert (name.attribution, name.detail) == (
        Attribution.NAME,
        {"name_key": name_key("Wei Wang")},
    )
    assert name.confidence is None
    # Not the Wei Wangs that the initials would fit: "W. Wang" is a name.
    assert initial.author.pk == kept.pk
    assert initial.attribution == Attribution.NAME
    # One new record for the name, however many times the work prints it.
    assert fresh.author.pk == again.author.pk
    assert Author.objects.get(pk=fresh.author.pk).display_name == "Ada Quinn"
    assert fresh.attribution == again.attribution == Attribution.NEW
    assert fresh.detail == {"name_key": "ada quinn"}
    assert AuthorAlias.objects.filter(
        author_id=fresh.author.pk, name="Ada Quinn", name_key="ada quinn"
    ).exists()


def test_a_bulk_load_takes_an_identifier_first_and_records_a_new_one():
    [held] = publish(author("Wei Wang", orcid="0000-0002-1825-0097"))
    publish(author("Jane Roe", "Fudan University"))

    by_orcid, recorded = identity.authorships_resolve_by_name(
        parsed=_numbered(
            author("W. Wang", orcid="0000-0002-1825-0097"),
            author("Jane Roe", orcid="0000-0001-5109-3700"),
        ),
        context=WorkContext(source="openalex"),
    )

    assert by_orcid.author.pk == held.author_id
    assert by_orcid.attribution == Attribution.IDENTIFIER
    assert recorded.attribution == Attribution.NAME
    assert AuthorIdentifier.objects.get(value="0000-0001-5109-3700").author_id == (
        recorded.author.pk
    )


def test_a_bulk_load_decides_a_work_in_3_queries_for_3_or_30_authors(
    django_assert_num_queries,
):
    publish(author("Jane Roe"), author("Wei Wang"))
    for size in (3, 30):
        parsed = _numbered(
            author("Jane Roe"),
            author("Wei Wang"),
            *(author(f"Person{size}x{i} Newname") for i in range(size - 2)),
        )
        # Identifiers (none to look up), names, new Authors, name forms.
        with django_assert_num_queries(3):
            identity.authorships_resolve_by_name(parsed=parsed)


def test_coauthors_and_topics_count_from_the_latest_works_only(monkeypatch):
    monkeypatch.setattr(identity, "EVIDENCE_WORKS", 2)
    publish(
        author("Benoit Dherin"), author("Old Partner"), year=2010, topics=["hep-th"]
    )
    publish(author("Benoit Dherin"), author("Jane Roe"), year=2020)
    publish(author("Benoit Dherin"), author("Sam Poe"), year=2021)

    [profile] = identity.candidate_profiles(
        [NameParts.from_string("B. Dherin")]
    ).values()
    candidate = profile.candidate()

    # Years and the count of works still read every work.
    assert (candidate.first_year, candidate.last_year, candidate.works) == (
        2010,
        2021,
        3,
    )
    assert candidate.coauthors == {"j roe", "s poe"}
    assert candidate.topics == {"cs.LG"}


# -- blocking ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "block"),
    [
        ("benoit dherin", "dherin b"),
        ("a del maestro", "maestro a"),
        ("neal j evans ii", "evans n"),  # a suffix is not the surname
        ("john smith jr", "smith j"),
        ("plato", ""),
        ("jr", ""),
        ("j ii", ""),
        ("dherin, benoit", "benoit d"),  # found by its name_key's prefix
    ],
)
def test_name_block_is_the_surname_and_first_initial(key, block):
    made = Author.objects.create(display_name=key, name_key=key)
    alias = AuthorAlias.objects.create(author=made, name=key, name_key=key)

    assert Author.objects.get(pk=made.pk).name_block == block
    assert AuthorAlias.objects.get(pk=alias.pk).name_block == block
    # The database keeps it whatever writes the key.
    Author.objects.filter(pk=made.pk).update(name_key="zoe kim")
    assert Author.objects.get(pk=made.pk).name_block == "kim z"


def test_a_suffixed_author_is_a_candidate_for_the_name_without_its_suffix():
    [evans, _] = publish(author("Neal J. Evans II"), author("Jane Roe"))

    [again, _] = publish(author("Neal J. Evans II"), author("Jane Roe"), year=2021)
    profiles = identity.candidate_profiles([NameParts.from_string("N. Evans")])

    assert again.author_id == evans.author_id
    assert set(profiles) == {evans.author_id}


# Names the blocking test gives Authors and then looks up: forms with
# particles, initials, accents, transliterations, suffixes and commas.
_BLOCK_NAMES = [
    "Benoit Dherin",
    "B. Dherin",
    "Benoît Dherin",
    "Adrian Del Maestro",
    "A. Del Maestro",
    "Martin Müller",
    "Martin Mueller",
    "M. Muller",
    "Neal J. Evans II",
    "Neal Evans",
    "John Smith Jr.",
    "Jean-Pierre Serre",
    "J.-P. Serre",
    "Johannes van der Waals",
    "Dherin, Benoit",
    "Serre, Jean-Pierre",
    "Wei Wang",
    "W. Wang",
    "Weiping Wang",
    "Wang",
    "Jian Wang",
]


def _like_block(terms) -> Q:
    """The block as LIKE on name_key wrote it before ``name_block``."""
    query = Q(pk__in=[])
    for initial, word in terms:
        query |= Q(name_key__startswith=initial, name_key__endswith=f" {word}")
        query |= Q(name_key__startswith=f"{word},")
    return query


def test_the_indexed_block_finds_every_author_the_suffix_search_found():
    """Every candidate that LIKE on name_key found, and that the name fits,
    the indexed block finds too; beyond them, only suffixed forms."""
    for name in _BLOCK_NAMES:
        made = Author.objects.create(display_name=name, name_key=name_key(name))
        AuthorAlias.objects.create(author=made, name=name, name_key=made.name_key)
    for name in _BLOCK_NAMES:
        parts = NameParts.from_string(name)
        terms = identity._block_terms([parts])
        before = Author.objects.filter(_like_block(terms))
        fitting = {
            a.pk
            for a in before
            if names_fit(parts, [NameParts.from_string(a.display_name)])
        }
        found = set(
            Author.objects.filter(identity._block_filter(terms)).values_list(
                "pk", flat=True
            )
        )
        assert fitting <= found, name
        extra = Author.objects.filter(pk__in=found).exclude(pk__in=before)
        assert all(
            a.name_key.split()[-1] in ("ii", "jr") or "," in a.name_key for a in extra
        ), name


@postgresql
def test_the_block_is_read_off_an_index():
    """Blocking reads an index for its names, not the Author and AuthorAlias
    tables (nor all the names of an initial): with sequential scans made as
    dear as can be, none is left in the plan."""
    Author.objects.create(display_name="Benoit Dherin", name_key="benoit dherin")
    terms = identity._block_terms(
        [NameParts.from_string(n) for n in ("B. Dherin", "Wang", "Jean-Pierre Serre")]
    )
    block = identity._block_filter(terms)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in (
            Author.objects.visible().filter(block),
            AuthorAlias.objects.filter(block),
        ):
            sql, params = query.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]
            assert not [line for line in plan if "Seq Scan" in line], plan
            # Each name key probed is a 'surname,' prefix, not every key of
            # an initial ('b' to 'c'), as LIKE 'b%' AND LIKE '% dherin' was.
            conditions = [line for line in plan if "Index Cond" in line]
            assert any("name_block" in line for line in conditions), plan
            assert all(",'" in line for line in conditions if "name_key" in line), plan


@postgresql
@pytest.mark.parametrize(
    ("model", "index"),
    [(Author, "author_name_key"), (AuthorAlias, "author_alias_name_key")],
)
def test_a_name_key_has_one_index_for_equality_and_prefix(model, index):
    """One pattern index serves every look-up of a name key: equality (the
    snapshot's authors by name, the ORM's ``name_key=``), ``IN`` and the
    'surname,' prefix of blocking. A second index in the collation's order
    (what ``db_index=True`` adds) would only be kept up to date."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        assert [
            name for name, c in constraints.items() if c["columns"] == ["name_key"]
        ] == [index]
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        for condition, params in (
            ("name_key = %s", ["benoit dherin"]),
            ("name_key = ANY(%s::text[])", [["benoit dherin", "a del maestro"]]),
            ("name_key LIKE %s", ["dherin,%"]),
        ):
            cursor.execute(
                f"EXPLAIN SELECT id FROM {table} WHERE {condition}",  # noqa: S608 - a model's table
                params,
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert f"Index Scan using {index} " in plan, (condition, plan)


# -- the demo data -----------------------------------------------------------


def test_demo_feeds_end_with_one_del_maestro_and_no_conflated_people():
    from django.core.management import call_command

    from tests.conftest import FIXTURES

    feeds = sorted(
        [
            *(FIXTURES / "arxiv_api").glob("*.xml"),
            *(FIXTURES / "arxiv_api" / "more").glob("*.xml"),
            *(FIXTURES / "arxiv_api" / "recorded").glob("*.json"),
        ]
    )
    call_command("import", "arxiv", "--file", *map(str, feeds))

    maestro = {
        a.author_id
        for a in Authorship.objects.filter(
            name__in=["Adrian Del Maestro", "A. Del Maestro"]
        )
    }
    assert len(maestro) == 1
    assert Author.objects.get(pk=maestro.pop()).display_name == "Adrian Del Maestro"
    # No record holds two names that cannot be one person ("Mohit Kumar
    # Ahuja" and "Manish Ahuja", "Yuqi Chen" and "Zhenyu Chen", ...).
    names_by_author: dict[int, set[str]] = {}
    for author_id, name in Authorship.objects.values_list("author_id", "name"):
        names_by_author.setdefault(author_id, set()).add(name)
    for names in names_by_author.values():
        parts = [NameParts.from_string(n) for n in names]
        assert all(name_compatible(a, b) for a in parts for b in parts), names
    # The same-surname people of the demo stay apart.
    ahuja = {
        n: a
        for a, n in Authorship.objects.filter(name__endswith="Ahuja").values_list(
            "author_id", "name"
        )
    }
    assert ahuja["Mohit Kumar Ahuja"] != ahuja["Manish Ahuja"]
