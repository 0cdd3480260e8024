"""The hand-written identity rules: name forms, affiliations, clustering."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from nameparser import HumanName

from publications.identity_scoring import (
    _NAMEPARSER_WORDS,
    AFFILIATION_MATCH,
    DOMINANCE_RATIO,
    THRESHOLD,
    Candidate,
    Mention,
    NameParts,
    _coauthor_parts,
    _plain_parts,
    affiliation_similarity,
    choose_candidate,
    cluster_block,
    coauthor_key,
    mention_similarity,
    name_coauthor_key,
    name_compatible,
    resolve_block,
)
from publications.names import latex_to_unicode

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _name(text: str) -> NameParts:
    return NameParts.from_string(text)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("B. Dherin", "Benoit Dherin"),
        ("Dherin, Benoit", "Benoit Dherin"),
        (r"Beno\^it Dherin", "Benoît Dherin"),
        (r"Beno\^it Dherin", "Benoit Dherin"),
        ("Johannes van der Waals", "Johannes Van der Waals"),
        ("Johannes van der Waals", "J. Waals"),
        ("Jean-Pierre Serre", "J.-P. Serre"),
        ("Jean-Pierre Serre", "J. Serre"),
        ("Jean-Pierre Serre", "Jean Pierre Serre"),
        ("Weiping Wang", "Wei-Ping Wang"),
        ("Martin Müller", "Martin Mueller"),
        ("Martin Müller", "Martin Muller"),
        ("Mark A. Thompson", "Mark Thompson"),
        ("Mark A. Thompson", "M. A. Thompson"),
    ],
)
def test_forms_of_one_name_are_compatible(a, b):
    assert name_compatible(_name(a), _name(b))
    assert name_compatible(_name(b), _name(a))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Li Zhang", "Lei Zhang"),
        ("L. Zhang", "Y. Zhang"),
        ("Wei Wang", "Weiping Wang"),
        ("Benoit Dherin", "Benoit Derin"),
        ("Jean-Pierre Serre", "J.-M. Serre"),
        ("Mark A. Thompson", "Mark B. Thompson"),
    ],
)
def test_conflicting_names_are_never_compatible(a, b):
    assert not name_compatible(_name(a), _name(b))
    assert not name_compatible(_name(b), _name(a))


def test_fields_and_string_give_the_same_parts():
    from_fields = NameParts.from_parts("Benoît", None, "Dherin")
    assert from_fields.given == _name("Dherin, Benoit").given == ("benoit",)
    assert from_fields.surnames == _name("Dherin, Benoit").surnames


def test_abbreviated_and_full_affiliation_match():
    assert affiliation_similarity(
        ["Nat. Univ. of Singapore, Singapore"], ["National University of Singapore"]
    ) == pytest.approx(1.0)


def test_institutions_sharing_only_generic_words_barely_overlap():
    assert affiliation_similarity(["Fudan University"], ["Peking University"]) < 0.2


def test_a_name_of_generic_words_is_not_contained_in_a_longer_one():
    score = affiliation_similarity(
        ["Information Technology University"],
        ["Norwegian University of Science and Technology"],
    )
    assert score < AFFILIATION_MATCH


def test_best_pair_of_affiliations_counts():
    score = affiliation_similarity(
        ["IBM", "Monash University, Clayton campus"], ["Monash University"]
    )
    assert score == pytest.approx(1.0)


def test_no_affiliation_is_no_evidence_not_a_mismatch():
    assert affiliation_similarity([], ["Fudan University"]) is None


def _mention(mid, name, *affiliations, coauthors=()):
    return Mention(
        id=mid,
        name=_name(name),
        affiliations=tuple(affiliations),
        coauthors=frozenset(coauthors),
    )


def test_same_name_and_affiliation_score_high_and_a_name_alone_zero():
    a = _mention(1, "Wei Wang", "Fudan University")
    assert mention_similarity(a, _mention(2, "Wei Wang", "Fudan Univ.")) == 1.0
    assert mention_similarity(a, _mention(3, "Wei Wang")) == 0.0
    assert mention_similarity(a, _mention(4, "Wei Wang", "Peking University")) < 0.5


def test_initials_count_less_than_full_names():
    a = _mention(1, "Wei Wang", "Fudan University")
    assert 0.5 <= mention_similarity(a, _mention(2, "W. Wang", "Fudan University")) < 1


def test_incompatible_names_score_zero_whatever_the_evidence():
    a = _mention(1, "Li Zhang", "Fudan University", coauthors={"x"})
    b = _mention(2, "Lei Zhang", "Fudan University", coauthors={"x"})
    assert mention_similarity(a, b) == 0.0


def test_shared_coauthors_join_mentions_across_institutions():
    a = _mention(1, "Wei Wang", "Fudan University", coauthors={"jane roe", "li wu"})
    b = _mention(2, "Wei Wang", "IBM", coauthors={"jane roe"})
    assert mention_similarity(a, b) >= THRESHOLD


def test_cluster_block_groups_by_institution_and_keeps_names_apart():
    mentions = [
        _mention("f1", "Wei Wang", "Fudan University"),
        _mention("f2", "Wei Wang", "Fudan Univ., Shanghai"),
        _mention("f3", "W. Wang", "Fudan University"),
        _mention("u1", "Wei Wang", "University of North Carolina at Chapel Hill"),
        _mention("u2", "Wei Wang", "Univ. of North Carolina, Chapel Hill"),
        _mention("p1", "Weiping Wang", "Fudan University"),
    ]
    assert sorted(map(sorted, cluster_block(mentions))) == [
        ["f1", "f2", "f3"],
        ["p1"],
        ["u1", "u2"],
    ]


def test_an_initial_does_not_chain_two_different_names():
    # 'W. Wang' fits both, but Wei and Weiping never share a group.
    mentions = [
        _mention(1, "Wei Wang", "Fudan University"),
        _mention(2, "W. Wang", "Fudan University"),
        _mention(3, "Weiping Wang", "Fudan University"),
    ]
    for group in cluster_block(mentions):
        assert not {1, 3} <= group


def test_a_mention_without_evidence_follows_a_dominant_person_only():
    fudan = [_mention(i, "Wei Wang", "Fudan University") for i in range(4)]
    lone = _mention("x", "Wei Wang")
    groups = cluster_block([*fudan, lone])
    assert {0, 1, 2, 3, "x"} in groups

    rutgers = [_mention(f"r{i}", "Wei Wang", "Rutgers University") for i in range(4)]
    groups = cluster_block([*fudan, *rutgers, lone])
    assert {"x"} in groups


def _candidate(key, name, works, *affiliations):
    return Candidate(
        key=key, names=(_name(name),), affiliations=affiliations, works=works
    )


def test_a_mention_without_affiliation_joins_a_clearly_dominant_person():
    fudan = _candidate("fudan", "Wei Wang", DOMINANCE_RATIO, "Fudan University")
    rutgers = _candidate("rutgers", "Wei Wang", 1, "Rutgers University")

    choice = choose_candidate(_mention("x", "Wei Wang"), [rutgers, fudan])

    assert (choice.key, choice.kind) == ("fudan", "name")


def test_a_mention_without_affiliation_stays_apart_when_no_one_dominates():
    fudan = _candidate("fudan", "Wei Wang", DOMINANCE_RATIO - 1, "Fudan University")
    rutgers = _candidate("rutgers", "Wei Wang", 1, "Rutgers University")

    choice = choose_candidate(_mention("x", "Wei Wang"), [rutgers, fudan])

    assert (choice.key, choice.kind) == (None, "new")


def test_a_mention_at_an_unknown_institution_never_joins_by_dominance():
    fudan = _candidate("fudan", "Wei Wang", 10 * DOMINANCE_RATIO, "Fudan University")
    rutgers = _candidate("rutgers", "Wei Wang", 1, "Rutgers University")
    mention = _mention("x", "Wei Wang", "Tsinghua University")

    assert choose_candidate(mention, [rutgers, fudan]).key is None


def test_initials_never_join_a_dominant_full_name():
    fudan = _candidate("fudan", "Wei Wang", 10 * DOMINANCE_RATIO, "Fudan University")
    rutgers = _candidate("rutgers", "Wei Wang", 1, "Rutgers University")

    assert choose_candidate(_mention("x", "W. Wang"), [rutgers, fudan]).key is None


def test_dominance_does_not_override_evidence_pointing_at_others():
    fudan = _candidate("fudan", "Wei Wang", 10 * DOMINANCE_RATIO, "Fudan University")
    others = [
        Candidate(
            key=k, names=(_name("Wei Wang"),), topics=frozenset({"q-bio"}), works=1
        )
        for k in ("rutgers", "mit")
    ]
    mention = Mention(id="x", name=_name("Wei Wang"), topics=frozenset({"q-bio"}))

    assert choose_candidate(mention, [fudan, *others]).key is None


def test_a_lone_mention_moves_to_the_person_that_came_to_dominate():
    # When 'x' arrives, Fudan and Rutgers have one work each: a new person.
    # Once Fudan has many more, the second pass moves it there.
    mentions = [
        _mention("f0", "Wei Wang", "Fudan University"),
        _mention("r0", "Wei Wang", "Rutgers University"),
        _mention("x", "Wei Wang"),
        *(
            _mention(f"f{i}", "Wei Wang", "Fudan University")
            for i in range(1, DOMINANCE_RATIO + 1)
        ),
    ]

    groups = resolve_block(mentions)

    assert {"r0"} in groups
    assert {"x", *(f"f{i}" for i in range(DOMINANCE_RATIO + 1))} in groups


def test_an_empty_block_has_no_groups():
    assert cluster_block([]) == []


# -- plain names read without nameparser --------------------------------------

# Where the fixtures print a person's name: JSON name fields, arXiv's
# [last, first, suffix] lists, Crossref's given/family, Atom's <name>.
_NAME_PATTERNS = (
    r'"(?:display_name|raw_author_name|name|author_name)"\s*:\s*"([^"\\]{2,80})"',
    r'\["([^"\\]{1,40})", "([^"\\]{0,40})", "([^"\\]{0,10})"',
    r'"given"\s*:\s*"([^"\\]{1,40})"\s*,\s*"family"\s*:\s*"([^"\\]{1,40})"',
    r"<name>([^<]{2,80})</name>",
)


def _fixture_names() -> list[str]:
    """Every name (and many other strings) the fixtures hold, de-duplicated."""
    found: set[str] = set()
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix not in {".json", ".jsonl", ".xml"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in _NAME_PATTERNS:
            for match in re.finditer(pattern, text):
                groups = match.groups()
                if len(groups) == 3:  # arXiv's last, first, suffix
                    groups = (groups[1], groups[0], groups[2])
                found.add(" ".join(g for g in groups if g).strip())
    return sorted(n for n in found if n)


def _nameparser_parts(text: str) -> tuple[str, str, str]:
    parsed = HumanName(text)
    return parsed.first, parsed.middle, parsed.last


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Benoit Dherin", ("Benoit", "", "Dherin")),
        ("A. S. Bergman", ("A.", "S.", "Bergman")),
        ("Jean-Pierre Serre", ("Jean-Pierre", "", "Serre")),
        ("Zoë Kim", ("Zoë", "", "Kim")),
        ("Neal J. Evans II", None),  # a suffix
        ("Dr. Jane Roe", None),  # a title
        ("Ludwig van Beethoven", None),  # a particle
        ("Ivan Petrovich Sidorov", None),  # a patronymic
        ("Abu Bakr Ahmed", None),  # a bound first name
        ("Dherin, Benoit", None),  # a comma
        ("Plato", None),  # one word
        ("王 小明", None),  # another script
    ],
)
def test_plain_names_are_read_word_by_word_and_others_left_to_nameparser(name, parts):
    assert _plain_parts(name) == parts
    if parts is not None:
        assert _nameparser_parts(name) == parts


def test_plain_names_are_read_as_nameparser_reads_them():
    """On every name of the fixtures, and on names made of their words and of
    nameparser's own (titles, suffixes, particles, in any case and place),
    ``_plain_parts`` either leaves the name to nameparser or agrees with it."""
    names = _fixture_names()
    words = sorted({w for n in names for w in n.split()})
    special = sorted(_NAMEPARSER_WORDS)
    odd = ["II", "iv", "Jr.", "Ivanovich", "Petrovna", "oglu", "Al-Hassan", "Th."]
    rng = random.Random(7)
    pool = [*words, *rng.sample(special, 200), *odd * 20]
    made = {
        " ".join(rng.choice(pool) for _ in range(rng.randint(1, 5)))
        for _ in range(4000)
    }
    plain = differ = 0
    for name in [*names, *sorted(made)]:
        text = latex_to_unicode(name)
        parts = _plain_parts(text)
        if parts is None:
            continue
        plain += 1
        if parts != _nameparser_parts(text):
            differ += 1
    assert differ == 0
    # Most real names are plain (4,019 of 5,707 strings, some not names).
    fixture_plain = sum(_plain_parts(latex_to_unicode(n)) is not None for n in names)
    assert len(names) > 5000
    assert fixture_plain > len(names) / 2
    assert plain > fixture_plain


def test_a_coauthor_key_from_the_printed_name_is_the_key_of_its_parts():
    names = [*_fixture_names(), "Neal J. Evans II", r"Martin M\"uller", "Plato"]
    for name in names:
        assert name_coauthor_key(name) == coauthor_key(NameParts.from_string(name))


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Anna Maria van der Berg", "a berg"),
        ("Juan De La Cruz", "j cruz"),
        ("J. -P. Serre", "j serre"),
        ("Sean O'Neil", "s oneil"),
        ("Neal J. Evans II", "n evans"),
        ("John Smith Jr.", "j smith"),
        ("J. de la Cruz Garcia", "j cruzgarcia"),  # nameparser's reading
    ],
)
def test_a_coauthor_key_reads_particles_suffixes_and_apostrophes(name, key):
    assert name_coauthor_key(name) == key


def test_coauthor_keys_are_nameparser_s_on_names_with_particles_and_suffixes():
    """Names made of the fixtures' words, particles, hyphenated initials,
    apostrophes and suffixes, in any case and place: the co-author key read
    without nameparser is the key of nameparser's parts."""
    words = sorted({w for n in _fixture_names() for w in n.split()})
    rng = random.Random(11)
    odd = [
        *["van", "der", "de", "la", "del", "von", "Van", "De", "La", "di", "du"],
        *["-P.", "-M.", "O'Neil", "D'Angelo", "L'Huillier", "O'", "'t", "d'"],
        *["II", "III", "IV", "Jr.", "Jr", "Sr.", "jr", "PhD", "Dr."],
    ]
    pool = [*rng.sample(words, 400), *odd * 15]
    names = [w for w in words if re.fullmatch(r"[A-Z](?:[a-z]+|\.)", w)]
    shaped = [  # first, middles, surname, a suffix or not
        [
            rng.choice(names),
            *(rng.choice([*names[:50], *odd]) for _ in range(rng.randint(0, 3))),
            rng.choice([*names, "O'Neil", "D'Angelo", "L'Huillier"]),
            *rng.choice([[], [], ["II"], ["Jr."], ["IV"], ["PhD"]]),
        ]
        for _ in range(4000)
    ]
    made = sorted(
        {
            *(
                " ".join(rng.choice(pool) for _ in range(rng.randint(1, 6)))
                for _ in range(4000)
            ),
            *map(" ".join, shaped),
        }
    )
    fast = 0
    for name in made:
        if _coauthor_parts(latex_to_unicode(name)) is not None:
            fast += 1
        assert name_coauthor_key(name) == coauthor_key(NameParts.from_string(name)), (
            name
        )
    assert fast > len(made) / 4
