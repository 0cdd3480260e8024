"""Whether two author mentions are the same person: hand-written rules.

Pure functions, no ORM: ``publications.services.identity`` can call them on
authorships and ``manage.py evaluate_identity`` measures them on a labelled
set (S2AND's format) with exactly the same code.

Why hand-written rules. No maintained library disambiguates the authors of a
name block without a trained model: S2AND needs its trained LightGBM models,
a language model for titles and heavy dependencies; the other published
systems are research code of the same kind. The evidence we hold for most
mentions is a name, an affiliation and the co-authors, which a few rules
read well enough to be measured (see ``evaluate_identity``).

The rules, each for one kind of evidence:

- ``name_compatible``: could the two names be one person's? Surnames must
  agree (accents, TeX, case and German transliteration folded, particles
  such as "van der" optional); given names must agree token by token, where
  an initial agrees with any name it starts ("B." with "Benoit", "J.-P."
  with "Jean-Pierre"), a missing middle name agrees with any, and two full
  names must be equal ("Li" and "Lei" never agree). A mismatch is a veto.
- ``affiliation_similarity``: how much the best pair of affiliation
  strings overlap, as a weighted containment of their words after folding,
  expanding common abbreviations ("Univ." -> university) and dropping stop
  words. Generic words ("university", "institute") weigh little, so "Fudan
  University" and "Peking University" barely overlap while "Nat. Univ. of
  Singapore" and "National University of Singapore" match; when only
  generic words are shared, the overlap is taken over the longer string.
- ``coauthor_key``: a co-author as first initial and core surname, so that
  'A. Del Maestro' on one paper and 'Adrian Del Maestro' on another count
  as one shared co-author.
- ``support_score``: every kind of evidence (an institution, shared
  co-authors, a shared topic, overlapping years) as one support in [0, 1],
  a noisy-or of their weights; topics and years are weak and cannot reach
  THRESHOLD alone.
- ``mention_similarity``: one score in [0, 1] between two mentions from the
  above (the rule is in its docstring).
- ``choose_candidate``: the resolver's decision for one mention among the
  people it could be (``Candidate``), with the ``Evidence`` behind it; the
  rules are in its docstring. ``resolve_block`` applies it one mention at a
  time as imports do, then once more as re-resolution does, so that
  ``evaluate_identity`` measures the resolver itself ("resolver").
- ``cluster_block``: average-linkage agglomerative clustering of one name
  block with a conservative threshold, so that a chain of pairwise links
  ("A like B, B like C") does not join people that nothing joins as a group;
  then a mention with no evidence joins the person of its name only when
  that person clearly dominates the block.

What the rules cannot do: join one person's mentions at two institutions
with nothing else in common (a move), unless co-authors link them; nor
tell apart, without any evidence, two people of one name. The Qian set
(3,143 mentions, 322 name blocks) gives each mention a name, an
affiliation for 78 % of them, and nothing else (no co-authors, titles,
venues or years). Of its true same-person pairs, 50 % share an
institution, 19 % are two different institutions (word overlap below
CONTRARY: moves) and 31 % lack an affiliation on one side or both.
Joining every pair of matching affiliations reaches pairwise recall 0.50;
placing in addition every mention without an affiliation with the largest
group of its true person (an oracle) reaches 0.75, which is F1 0.86 at
precision 1 and 0.84 at precision 0.95: the ceiling of these features.
The name does that placing badly: among several people of one name, the
most published is right only when it clearly dominates (DOMINANCE_RATIO,
see ``choose_candidate``). The resolver measures P 0.973, R 0.562,
F1 0.713 (even half 0.747, odd half 0.613). Pairwise figures weigh pairs,
so large blocks weigh most: the three largest blocks (of 300, 148 and 136
mentions) hold 48 % of the true pairs.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from nameparser import HumanName
from nameparser.config import CONSTANTS as NAMEPARSER

from publications.names import ascii_fold, latex_to_unicode

# Surname particles that one source writes and another drops.
PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "das",
        "dos",
        "du",
        "la",
        "le",
        "ten",
        "ter",
        "zu",
        "af",
        "av",
    ]
)
_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)
_NON_LETTERS = re.compile(r"[^a-z0-9]+")


def transliterate(text: str) -> str:
    """German umlauts as two letters: 'Müller' -> 'Mueller'."""
    return latex_to_unicode(text).translate(_GERMAN)


def _fold_variants(text: str) -> frozenset[str]:
    """Lower-case ASCII forms of a name: 'Müller' -> {'muller', 'mueller'}."""
    text = latex_to_unicode(text)
    return frozenset(
        _NON_LETTERS.sub(" ", ascii_fold(variant).casefold()).strip()
        for variant in (text, text.translate(_GERMAN))
    )


@lru_cache(maxsize=65536)
def _given_tokens(text: str) -> tuple[str, ...]:
    """'Jean-Pierre' -> ('jean', 'pierre'); 'J.-P.' -> ('j', 'p')."""
    folded = ascii_fold(latex_to_unicode(text)).casefold()
    return tuple(t for t in _NON_LETTERS.split(folded) if t)


@dataclass(frozen=True)
class NameParts:
    """A person's name as given tokens and surname variants.

    ``given`` holds the first and middle names as folded tokens, in order;
    a one-letter token is an initial. ``surnames`` holds the folded forms of
    the surname with and without its particles; ``text`` the name as written.
    """

    given: tuple[str, ...]
    surnames: frozenset[str]
    given_variants: frozenset[tuple[str, ...]] = field(default=frozenset())
    text: str = ""
    # The surname without particles, German umlauts transliterated
    # ('van der Waals' -> 'waals', 'Müller' -> 'mueller'): with the first
    # initial it keys a co-author (``coauthor_key``).
    core: str = ""

    @classmethod
    def from_parts(cls, first: str | None, middle: str | None, last: str) -> NameParts:
        given_text = " ".join(part for part in (first, middle) if part)
        surnames: set[str] = set()
        for variant in _fold_variants(last):
            words = variant.split()
            surnames.add("".join(words))
            without = [w for w in words if w not in PARTICLES]
            if without:
                surnames.add("".join(without))
        german = latex_to_unicode(given_text).translate(_GERMAN)
        return cls(
            given=_given_tokens(given_text),
            surnames=frozenset(surnames),
            given_variants=frozenset(
                {_given_tokens(given_text), _given_tokens(german)}
            ),
            text=" ".join(part for part in (given_text, last) if part),
            core=_core(last),
        )

    @classmethod
    def from_string(cls, name: str) -> NameParts:
        """Parse 'Benoit Dherin', 'Dherin, Benoit', 'B. Dherin', TeX and all."""
        return _parse_name(name)

    @property
    def has_full_given_name(self) -> bool:
        return any(len(token) > 1 for token in self.given)


@lru_cache(maxsize=65536)
def _core(last: str) -> str:
    """The surname without particles, umlauts transliterated (``NameParts.core``)."""
    words = _NON_LETTERS.sub(
        " ", ascii_fold(latex_to_unicode(last).translate(_GERMAN)).casefold()
    ).split()
    return "".join(w for w in words if w not in PARTICLES) or "".join(words)


@lru_cache(maxsize=65536)
def _parse_name(name: str) -> NameParts:
    # nameparser takes most of a millisecond a name, and the resolver parses
    # every name form of every candidate and co-author: names repeat (though
    # not enough, once the database holds a million names: hence
    # ``_plain_parts``).
    return NameParts.from_parts(*_name_fields(name))


def _name_fields(name: str) -> tuple[str, str, str]:
    """(first, middle, last) of a printed name, the whole name as last when
    nameparser finds none."""
    text = latex_to_unicode(name)
    parts = _plain_parts(text)
    if parts is None:
        parsed = HumanName(text)
        parts = parsed.first, parsed.middle, parsed.last
    first, middle, last = parts
    return first, middle, last or name


# Words that make nameparser read a name other than word by word: titles,
# suffixes, particles, conjunctions, bound first names ("Abu"), in its own
# lists (lower case, without dots).
_NAMEPARSER_WORDS = frozenset().union(
    *(
        set(getattr(NAMEPARSER, kind))
        for kind in (
            "titles",
            "first_name_titles",
            "suffix_acronyms",
            "suffix_acronyms_ambiguous",
            "suffix_not_acronyms",
            "prefixes",
            "non_first_name_prefixes",
            "conjunctions",
            "bound_first_names",
        )
    )
)
# Its patterns that classify a word: roman numerals (a suffix), patronymics,
# "Ph. D.", abbreviations of two letters or more ("Th.").
_NAMEPARSER_PATTERNS = tuple(
    NAMEPARSER.regexes[kind]
    for kind in (
        "roman_numeral",
        "east_slavic_patronymic",
        "turkic_patronymic_marker",
        "phd",
        "period_abbreviation",
    )
)
# A word of letters, hyphenated parts allowed, ending in at most one dot.
_PLAIN_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*\.?")
_LATIN_END = 0x24F  # the last letter of Latin Extended-B


def _plain_parts(text: str) -> tuple[str, str, str] | None:
    """(first, middle, last) as nameparser reads a plain name, or None.

    A plain name is two to four words of Latin letters ('Benoit Dherin',
    'A. S. Bergman', 'Jean-Pierre Serre'), none of which nameparser treats
    specially (``_NAMEPARSER_WORDS``, ``_NAMEPARSER_PATTERNS``); nameparser
    reads it as first, middle words, last. Without commas, brackets, quotes,
    digits or other scripts its other rules (nicknames, "Last, First",
    script segments) do not apply. It is most names in scholarly metadata
    (two in three of the fixtures' names) and this reads them in a hundredth
    of nameparser's time. tests/publications/test_identity_scoring.py checks
    that the two agree on every name of the fixtures and on generated
    names made of those words and of nameparser's own.
    """
    words = text.split()
    if not 2 <= len(words) <= 4 or not all(map(_plain_word, words)):
        return None
    return words[0], " ".join(words[1:-1]), words[-1]


@lru_cache(maxsize=65536)
def _plain_word(word: str) -> bool:
    """A word nameparser reads as a plain part of a name (``_plain_parts``).

    Once per distinct word: given names and surnames recur far more than
    whole names, and the checks cost tens of microseconds a word.
    """
    if not _PLAIN_WORD.fullmatch(word) or any(ord(c) > _LATIN_END for c in word):
        return False
    folded = word.lower().replace(".", "")
    # Each hyphenated part, and as a prefix ("al-" of "Al-Hassan", "al").
    if folded in _NAMEPARSER_WORDS or any(
        part in _NAMEPARSER_WORDS or f"{part}-" in _NAMEPARSER_WORDS
        for part in folded.split("-")
    ):
        return False
    return not any(pattern.search(word) for pattern in _NAMEPARSER_PATTERNS)


@lru_cache(maxsize=65536)
def name_coauthor_key(name: str) -> str:
    """``coauthor_key(NameParts.from_string(name))``, without making the rest
    of the parts: the resolver keys every co-author of every candidate's
    recent works, most of whom it never compares otherwise."""
    parts = _coauthor_parts(latex_to_unicode(name))
    if parts is None:
        first, middle, last = _name_fields(name)
        given = _given_tokens(" ".join(part for part in (first, middle) if part))
    else:
        first, last = parts
        given = _given_tokens(first)
    return f"{given[0][0] if given else ''} {_core(last)}".strip()


# Suffixes nameparser sets apart at the end of a name ('Neal J. Evans II').
_SUFFIXES = frozenset(["ii", "iii", "iv", "jr", "jr.", "sr", "sr."])
# Particles that nameparser joins to the surname after them and that the
# co-author key drops ('Anna van der Berg': last 'van der Berg', key 'a berg').
_KEY_PARTICLES = PARTICLES & frozenset(NAMEPARSER.prefixes)
# An initial written after a hyphen ('J. -P. Serre'): a middle name.
_HYPHEN_INITIAL = re.compile(r"-[^\W\d_]\.?")


def _coauthor_parts(text: str) -> tuple[str, str] | None:
    """(first name, surname) of a printed name as far as its co-author key
    needs them (the first initial, the core surname), or None for nameparser.

    ``_plain_parts`` leaves to nameparser every name with a word nameparser
    treats specially; a few such words are common in scholarly names and
    change neither the first name nor the core surname as nameparser reads
    them: particles just before the surname ('Anna van der Berg'), an
    initial after a hyphen ('J. -P. Serre'), an apostrophe inside the
    surname ("Sean O'Neil"), a generational suffix ('Neal J. Evans II').
    In the bench generator's million records, these were nine in ten of the
    co-authors' names left to nameparser, which takes most of a millisecond
    a name.
    tests/publications/test_identity_scoring.py checks the key against
    nameparser's on every name of the fixtures and on names made of their
    words and of nameparser's own.
    """
    words = text.split()
    if len(words) >= 3 and words[-1].lower() in _SUFFIXES:
        words.pop()
    if not 2 <= len(words) <= 5:
        return None
    first, *middle, last = words
    if not _plain_word(first) or not _plain_surname(last):
        return None
    particles = len(middle)
    while particles and middle[particles - 1].lower() in _KEY_PARTICLES:
        particles -= 1
    for word in middle[:particles]:
        if not _plain_word(word) and not _HYPHEN_INITIAL.fullmatch(word):
            return None
    return first, " ".join([*middle[particles:], last])


def _plain_surname(word: str) -> bool:
    """A plain word, or two joined by one apostrophe ("O'Neil")."""
    head, apostrophe, tail = word.partition("'")
    if not apostrophe:
        return _plain_word(word)
    return bool(head and tail) and _plain_word(head) and _plain_word(tail)


def coauthor_key(name: NameParts) -> str:
    """A co-author as first initial and core surname: 'a maestro'.

    Co-authors are compared by this key rather than by full name, because
    one paper prints 'A. Del Maestro' where another prints 'Adrian Del
    Maestro'; two co-authors sharing an initial and a surname are rare
    enough on one person's papers.
    """
    initial = name.given[0][0] if name.given else ""
    return f"{initial} {name.core}".strip()


def _given_compatible(a: Sequence[str], b: Sequence[str]) -> bool:
    if not a or not b:
        return True
    if all(len(t) > 1 for t in a) and all(len(t) > 1 for t in b):
        # Full names on both sides: the same name, written joined or apart
        # ('Weiping', 'Wei-Ping'), or one side lacks the middle names.
        if "".join(a) == "".join(b):
            return True
        shorter, longer = sorted((a, b), key=len)
        return tuple(longer[: len(shorter)]) == tuple(shorter)
    # An initial stands for any name starting with it.
    for x, y in zip(a, b, strict=False):
        if len(x) == 1 or len(y) == 1:
            if x[0] != y[0]:
                return False
        elif x != y:
            return False
    return True


def name_compatible(a: NameParts, b: NameParts) -> bool:
    """Could both names belong to one person? Conflicts are vetoes."""
    if not a.surnames & b.surnames:
        return False
    return any(
        _given_compatible(x, y) for x in a.given_variants for y in b.given_variants
    )


INITIALS_AGREEMENT = 0.75


def name_agreement(a: NameParts, b: NameParts) -> float:
    """How much the names say beyond compatibility: 1 for full given names on
    both sides, ``INITIALS_AGREEMENT`` when a side has only initials, 0 when
    incompatible."""
    if not name_compatible(a, b):
        return 0.0
    if a.has_full_given_name and b.has_full_given_name:
        return 1.0
    return INITIALS_AGREEMENT


# Abbreviations in affiliation strings and what they stand for.
_ABBREVIATIONS = {
    "univ": "university",
    "universitat": "university",
    "universite": "university",
    "universidad": "university",
    "universidade": "university",
    "universita": "university",
    "universiteit": "university",
    "nat": "national",
    "natl": "national",
    "inst": "institute",
    "institut": "institute",
    "instituto": "institute",
    "tech": "technology",
    "technol": "technology",
    "sci": "science",
    "sciences": "science",
    "lab": "laboratory",
    "labs": "laboratory",
    "laboratories": "laboratory",
    "dept": "department",
    "dep": "department",
    "ctr": "center",
    "centre": "center",
    "coll": "college",
    "acad": "academy",
    "res": "research",
    "eng": "engineering",
    "engn": "engineering",
    "comput": "computer",
    "math": "mathematics",
    "phys": "physics",
    "chem": "chemistry",
    "hosp": "hospital",
    "intl": "international",
    "int": "international",
    "cent": "central",
}
_STOP_WORDS = frozenset(
    [
        "of",
        "the",
        "and",
        "at",
        "for",
        "in",
        "on",
        "a",
        "an",
        "de",
        "la",
        "le",
        "des",
        "du",
        "der",
        "die",
        "und",
        "fur",
        "di",
        "da",
        "do",
        "dos",
        "del",
        "della",
        "e",
        "y",
        "et",
    ]
)
# Words that many institutions share: they weigh little in an overlap.
_GENERIC = frozenset(
    [
        "university",
        "institute",
        "technology",
        "science",
        "national",
        "college",
        "department",
        "school",
        "laboratory",
        "center",
        "research",
        "academy",
        "faculty",
        "engineering",
        "state",
        "international",
        "polytechnic",
        "hospital",
        "medical",
        "medicine",
        "graduate",
        "division",
        "group",
        "centre",
        "computer",
        "information",
        "applied",
    ]
)
_GENERIC_WEIGHT = 0.15


@lru_cache(maxsize=65536)
def affiliation_words(text: str) -> frozenset[str]:
    """Folded, expanded content words of one affiliation string."""
    folded = ascii_fold(latex_to_unicode(text)).casefold()
    words = (_ABBREVIATIONS.get(w, w) for w in _NON_LETTERS.split(folded))
    return frozenset(w for w in words if w and w not in _STOP_WORDS)


def _weight(words: Iterable[str]) -> float:
    return sum(_GENERIC_WEIGHT if w in _GENERIC else 1.0 for w in words)


def _word_containment(a: frozenset[str], b: frozenset[str]) -> float:
    """Weighted overlap over the smaller side: 1 when one contains the other.

    When the words in common are all generic, over the larger side instead:
    a name made only of generic words ("Information Technology University")
    is contained in many others ("Norwegian University of Science and
    Technology") without naming the same place.
    """
    weights = sorted((_weight(a), _weight(b)))
    if weights[0] == 0:
        return 0.0
    shared = a & b
    if shared <= _GENERIC:
        return _weight(shared) / weights[1]
    return _weight(shared) / weights[0]


def affiliation_similarity(a: Iterable[str], b: Iterable[str]) -> float | None:
    """Best overlap between any affiliation of ``a`` and any of ``b``.

    ``None`` when either side has no affiliation: no evidence either way,
    which is not the same as two different institutions (0.0).
    """
    words_a = [w for w in (affiliation_words(t) for t in a) if w]
    words_b = [w for w in (affiliation_words(t) for t in b) if w]
    if not words_a or not words_b:
        return None
    return max(_word_containment(x, y) for x in words_a for y in words_b)


def coauthor_overlap(a: Iterable[str], b: Iterable[str]) -> float | None:
    """Share of co-author keys in common (over the smaller list); None if either
    side has none."""
    set_a, set_b = set(a), set(b)
    if not set_a or not set_b:
        return None
    return len(set_a & set_b) / min(len(set_a), len(set_b))


@dataclass(frozen=True)
class Mention:
    """One authorship as evidence: who is named, where, with whom."""

    id: Hashable
    name: NameParts
    affiliations: tuple[str, ...] = ()
    # ``coauthor_key`` of each other author of the work.
    coauthors: frozenset[str] = frozenset()
    # Topic codes of the work (arXiv categories, OpenAlex topics) and its year.
    topics: frozenset[str] = frozenset()
    year: int | None = None


# Support at or above which evidence attaches a mention to a person.
THRESHOLD = 0.5
# An evidence-less mention joins the leading person of its name when that
# person holds at least this share of the compatible mentions (or works).
DOMINANCE = 0.6
# Affiliations this similar name one institution; below CONTRARY, two
# affiliations are evidence of two places (a move, or two people).
AFFILIATION_MATCH = 0.5
CONTRARY = 0.2
# How much each kind of evidence supports "same person", on its own.
# A shared co-author is strong (1 - 0.3**n for n of them); a shared topic or
# overlapping years are weak: together they do not reach THRESHOLD, so they
# only decide between candidates that the name already singled out.
COAUTHOR_WEIGHT = 0.7
TOPIC_WEIGHT = 0.3
TIME_WEIGHT = 0.15
# Years of slack around a person's active span for "time overlap".
TIME_SLACK = 3
# The confidence of a decision on the name alone (one candidate).
NAME_CONFIDENCE = 0.5
# A mention without an affiliation joins, on the name alone, a candidate
# with at least this many times the works of any other candidate it fits.
DOMINANCE_RATIO = 8


def support_score(
    *,
    affiliation: float | None = None,
    shared_coauthors: int = 0,
    shared_topics: int = 0,
    time_overlap: bool = False,
) -> float:
    """Combine evidence into one support in [0, 1] (0 without any reason).

    A noisy-or: each kind of evidence is an independent reason, so
    ``1 - prod(1 - weight)``. An affiliation counts with its similarity once
    it reaches AFFILIATION_MATCH (a weaker overlap is no reason at all).
    """
    reasons = []
    if affiliation is not None and affiliation >= AFFILIATION_MATCH:
        reasons.append(affiliation)
    if shared_coauthors:
        reasons.append(1 - (1 - COAUTHOR_WEIGHT) ** shared_coauthors)
    if shared_topics:
        reasons.append(TOPIC_WEIGHT)
    if time_overlap:
        reasons.append(TIME_WEIGHT)
    remaining = 1.0
    for weight in reasons:
        remaining *= 1 - weight
    return 1 - remaining


def evidence_similarity(a: Mention, b: Mention) -> float | None:
    """Support between two mentions (``support_score``), or None without
    evidence on both sides.

    Only affiliations and co-authors count between two mentions: topics and
    years are too weak to group mentions on their own (``cluster_block``),
    and the labelled set has neither.
    """
    affiliation = affiliation_similarity(a.affiliations, b.affiliations)
    if affiliation is None and not (a.coauthors and b.coauthors):
        return None
    return support_score(
        affiliation=affiliation, shared_coauthors=len(a.coauthors & b.coauthors)
    )


def mention_similarity(a: Mention, b: Mention) -> float:
    """How likely two mentions are one person, in [0, 1].

    The rule: 0 if the names are incompatible, and 0 without evidence
    beyond the name (the same name is never enough on its own; see
    ``cluster_block`` for where such mentions go). Otherwise the larger of
    affiliation similarity and co-author overlap (either suffices: people
    move, and keep some co-authors when they do), lowered when one name has
    only initials ('B. Dherin' says less than 'Benoit Dherin'): scaled
    by ``name_agreement``.
    """
    agreement = name_agreement(a.name, b.name)
    evidence = evidence_similarity(a, b)
    if agreement == 0 or evidence is None:
        return 0.0
    return evidence * agreement


def _has_evidence(mention: Mention) -> bool:
    return bool(mention.affiliations or mention.coauthors)


def _average_linkage(mentions: Sequence[Mention], threshold: float) -> list[list[int]]:
    n = len(mentions)
    total = {
        i: {j: mention_similarity(mentions[i], mentions[j]) for j in range(n) if j != i}
        for i in range(n)
    }
    vetoed = {
        i: {
            j
            for j in range(n)
            if j != i and not name_compatible(mentions[i].name, mentions[j].name)
        }
        for i in range(n)
    }
    groups: dict[int, list[int]] = {i: [i] for i in range(n)}
    while len(groups) > 1:
        best, pair = threshold, None
        for i in groups:
            for j, s in total[i].items():
                if j <= i or j in vetoed[i]:
                    continue
                mean = s / (len(groups[i]) * len(groups[j]))
                if mean > best or (mean == best and pair is None):
                    best, pair = mean, (i, j)
        if pair is None:
            break
        i, j = pair
        groups[i].extend(groups.pop(j))
        del total[j]
        total[i].pop(j, None)
        vetoed[i].discard(j)
        for k in groups:
            if k == i:
                continue
            total[i][k] = total[k][i] = total[k][i] + total[k].pop(j)
            if j in vetoed[k]:
                vetoed[k].discard(j)
                vetoed[k].add(i)
                vetoed[i].add(k)
        del vetoed[j]
    return list(groups.values())


def cluster_block(
    mentions: Sequence[Mention],
    threshold: float = THRESHOLD,
    dominance: float = DOMINANCE,
) -> list[set[Hashable]]:
    """Group the mentions of one name block into people.

    First, the mentions that carry evidence (affiliations, co-authors) are
    clustered by average linkage: the two groups with the highest mean
    ``mention_similarity`` merge while that mean reaches ``threshold``, and
    a pair of incompatible names vetoes a merge, so transitivity comes from
    whole groups agreeing, not from a chain of single links.

    Then each mention without evidence joins the largest group whose names
    are all compatible with its own, if that group holds at least
    ``dominance`` of the compatible mentions with evidence: with nothing
    else to go on, a mention most likely belongs to the most published
    person of that name, and only when that person clearly dominates is the
    guess safe. The rest stay alone: the same name is not evidence enough.
    """
    with_evidence = [m for m in mentions if _has_evidence(m)]
    groups = [
        [with_evidence[k] for k in members]
        for members in _average_linkage(with_evidence, threshold)
    ]
    leftovers: list[list[Mention]] = []
    for mention in mentions:
        if _has_evidence(mention):
            continue
        compatible = [
            g for g in groups if all(name_compatible(mention.name, m.name) for m in g)
        ]
        home = max(compatible, key=len, default=None)
        share = len(home) / sum(len(g) for g in compatible) if home else 0.0
        if home is not None and share >= dominance:
            home.append(mention)
        else:
            leftovers.append([mention])
    return [{m.id for m in g} for g in (*groups, *leftovers)]


# -- one mention against the people it could be ------------------------------


@dataclass(frozen=True)
class Candidate:
    """What is known of one person (an Author record, or a group of
    mentions in ``evaluate_identity``) that a new mention could be."""

    key: Hashable
    names: tuple[NameParts, ...]
    affiliations: tuple[str, ...] = ()
    coauthors: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    first_year: int | None = None
    last_year: int | None = None
    works: int = 0


@dataclass(frozen=True)
class Evidence:
    """Why a mention could be a candidate: each reason, and their support."""

    score: float
    coauthors: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    # The candidate's affiliation that matched, when one did.
    institution: str = ""
    years: tuple[int, int] | None = None
    # Both sides name an institution and none of them match.
    contrary: bool = False

    @property
    def any(self) -> bool:
        return bool(self.coauthors or self.topics or self.institution or self.years)

    @property
    def distinctive(self) -> bool:
        """Evidence beyond overlapping years, which many people share."""
        return bool(self.coauthors or self.topics or self.institution)


@dataclass(frozen=True)
class Choice:
    """The decision for one mention: which candidate (``None``: a new
    person), why, and how sure.

    ``kind`` is "evidence" (supported by evidence), "name" (the name alone,
    one candidate or a dominant one) or "new".
    """

    key: Hashable | None
    kind: str
    confidence: float | None
    evidence: Evidence | None
    candidates: int


def names_fit(name: NameParts, forms: Sequence[NameParts]) -> bool:
    """Could ``name`` be the person known under ``forms``?

    One form must be compatible, and no form with the same surname may
    conflict: a record known as 'Wei Wang' and 'W. Wang' is not a candidate
    for 'Weiping Wang', though 'W. Wang' alone would be. A form with another
    surname (a former name) neither helps nor vetoes.
    """
    fits = False
    for form in forms:
        if name.surnames & form.surnames:
            if not name_compatible(name, form):
                return False
            fits = True
    return fits


def _same_form(name: NameParts, forms: Sequence[NameParts]) -> bool:
    """Full given names that agree, or the very same initials."""
    for form in forms:
        if not name_compatible(name, form):
            continue
        if name.has_full_given_name and form.has_full_given_name:
            return True
        if name.given == form.given:
            return True
    return False


def evidence_between(mention: Mention, candidate: Candidate) -> Evidence:
    """The evidence that ``mention`` is ``candidate``, scored by
    ``support_score`` and lowered for initials by ``name_agreement``."""
    best_affiliation, institution = None, ""
    if mention.affiliations and candidate.affiliations:
        best_affiliation = 0.0
        for affiliation in candidate.affiliations:
            similarity = affiliation_similarity(mention.affiliations, [affiliation])
            if similarity is not None and similarity > best_affiliation:
                best_affiliation, institution = similarity, affiliation
        if best_affiliation < AFFILIATION_MATCH:
            institution = ""
    coauthors = tuple(sorted(mention.coauthors & candidate.coauthors))
    topics = tuple(sorted(mention.topics & candidate.topics))
    years = None
    if (
        mention.year is not None
        and candidate.first_year is not None
        and candidate.last_year is not None
        and candidate.first_year - TIME_SLACK
        <= mention.year
        <= candidate.last_year + TIME_SLACK
    ):
        years = (candidate.first_year, candidate.last_year)
    score = support_score(
        affiliation=best_affiliation,
        shared_coauthors=len(coauthors),
        shared_topics=len(topics),
        time_overlap=years is not None,
    )
    agreement = max(
        (name_agreement(mention.name, n) for n in candidate.names), default=0
    )
    score *= agreement
    contrary = (
        best_affiliation is not None
        and best_affiliation < CONTRARY
        and score < THRESHOLD
    )
    return Evidence(score, coauthors, topics, institution, years, contrary)


def choose_candidate(mention: Mention, candidates: Sequence[Candidate]) -> Choice:
    """Which of ``candidates`` the mention is, or None for a new person.

    The rules, strongest first (identifiers are decided before this):

    1. Evidence (``evidence_between``) at or above THRESHOLD: the best
       supported candidate (ties: the one with more works). An initials-only
       name needs exactly one supported candidate.
    2. No candidate supported, and exactly one with some distinctive
       evidence (a shared topic, say; overlapping years alone do not single
       anyone out) and none against it: that one. This is how
       'A. Del Maestro' joins the only Del Maestro publishing in his topics
       in his years, and how two people of one name are told apart by field.
    3. The name alone, to the only candidate, or, for a mention without
       an affiliation, to a candidate with at least DOMINANCE_RATIO times
       the works of any other and no evidence singling out another; its
       name must have the same form (the same full given name, or the very
       same initials) and no evidence may speak against it (two unrelated
       institutions). A name that differs in form (initials against a full
       name) never attaches on the name alone.
    4. Otherwise a new person. With two or more candidates of one name and
       no evidence, joining the most published one is a coin toss on real
       data unless it clearly dominates (on the labelled set, a ratio of
       4 already put 951 wrong pairs in one block of 4 people; at 8, 35 of
       40 such joins were right), so precision wins; re-resolution joins
       later when evidence arrives.
    """
    scored = [
        (c, evidence_between(mention, c))
        for c in candidates
        if names_fit(mention.name, c.names)
    ]
    n = len(scored)
    if not scored:
        return Choice(None, "new", None, None, 0)
    initials_only = not mention.name.has_full_given_name
    supported = sorted(
        ((c, e) for c, e in scored if e.score >= THRESHOLD),
        key=lambda ce: (ce[1].score, ce[0].works),
        reverse=True,
    )
    if supported and not (initials_only and len(supported) > 1):
        best, evidence = supported[0]
        return Choice(best.key, "evidence", round(evidence.score, 3), evidence, n)
    if supported:
        return Choice(None, "new", None, None, n)
    with_evidence = [(c, e) for c, e in scored if e.distinctive and not e.contrary]
    if len(with_evidence) == 1:
        best, evidence = with_evidence[0]
        return Choice(best.key, "evidence", round(evidence.score, 3), evidence, n)
    leader, evidence = max(scored, key=lambda ce: ce[0].works)
    runner_up = max((c.works for c, _ in scored if c is not leader), default=0)
    dominant = n == 1 or (
        not mention.affiliations
        and leader.works >= max(DOMINANCE_RATIO * runner_up, 1)
        # Evidence shared by several (a common topic) does not tell them
        # apart; evidence for others only would.
        and (not with_evidence or any(c is leader for c, _ in with_evidence))
    )
    if dominant and _same_form(mention.name, leader.names) and not evidence.contrary:
        return Choice(leader.key, "name", NAME_CONFIDENCE, evidence, n)
    return Choice(None, "new", None, None, n)


def resolve_block(mentions: Sequence[Mention]) -> list[set[Hashable]]:
    """Group a name block the way the resolver does, one mention at a time.

    Each mention, in the given order, is decided by ``choose_candidate``
    against the people made so far (a new person when it says so), as
    imports decide authorships; then every mention is decided once more
    against the final people without itself, as re-resolution does, and
    moves only to a person whose evidence supports it; a "name" decision
    moves only a mention that is a person alone, as re-resolution moves a
    row whose Author has no other work. This is what
    ``manage.py evaluate_identity`` measures as "resolver".
    """
    people: list[list[Mention]] = []
    home: dict[Hashable, int] = {}
    for mention in mentions:
        choice = choose_candidate(
            mention, [_as_candidate(i, group) for i, group in enumerate(people)]
        )
        if choice.key is None:
            people.append([])
            index = len(people) - 1
        else:
            index = choice.key
        people[index].append(mention)
        home[mention.id] = index
    for mention in mentions:
        current = home[mention.id]
        others = [
            _as_candidate(i, [m for m in group if m.id != mention.id])
            for i, group in enumerate(people)
            if any(m.id != mention.id for m in group)
        ]
        choice = choose_candidate(mention, others)
        alone = len(people[current]) == 1
        if choice.key is None or choice.key == current:
            continue
        if choice.kind != "evidence" and not alone:
            continue
        people[current] = [m for m in people[current] if m.id != mention.id]
        people[choice.key].append(mention)
        home[mention.id] = choice.key
    return [{m.id for m in group} for group in people if group]


def _as_candidate(key: Hashable, group: Sequence[Mention]) -> Candidate:
    years = [m.year for m in group if m.year is not None]
    return Candidate(
        key=key,
        names=tuple(m.name for m in group),
        affiliations=tuple(a for m in group for a in m.affiliations),
        coauthors=frozenset(k for m in group for k in m.coauthors),
        topics=frozenset(t for m in group for t in m.topics),
        first_year=min(years, default=None),
        last_year=max(years, default=None),
        works=len(group),
    )
