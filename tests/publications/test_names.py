"""publications.names: TeX and Unicode variants of names and titles to one form."""

from __future__ import annotations

import unicodedata

import pytest

from publications.identity_scoring import (
    NameParts,
    coauthor_key,
    name_compatible,
    names_fit,
)
from publications.names import (
    ascii_fold,
    collapse_spaces,
    display_name,
    latex_to_unicode,
    latex_to_unicode_paragraphs,
    name_key,
)

ALPHA, BETA = "\N{GREEK SMALL LETTER ALPHA}", "\N{GREEK SMALL LETTER BETA}"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (r"Beno\^it Dherin", "Benoît Dherin"),
        (r"Fran\c{c}ois Chollet", "François Chollet"),
        (r"J\"org M\"uller", "Jörg Müller"),
        (r"\'Alvaro L\'opez", "Álvaro López"),
        (r"S{\o}ren Kierkegaard", "Søren Kierkegaard"),
        (r"\v{S}imon \v{C}ech", "Šimon Čech"),
        (r"Pawe{\l} Erd\H{o}s", "Paweł Erdős"),
    ],
)
def test_tex_accents_in_names_are_shown_in_unicode(raw: str, shown: str) -> None:
    assert display_name(raw) == shown


def test_tex_name_and_its_unicode_form_share_one_key() -> None:
    assert name_key(r"Beno\^it Dherin") == name_key("Benoît Dherin") == "benoit dherin"


def test_shown_name_is_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Jörg Müller")

    assert display_name(decomposed) == unicodedata.normalize("NFC", "Jörg Müller")


@pytest.mark.parametrize(
    "variant",
    [
        unicodedata.normalize("NFC", "Benoît Dherin"),
        unicodedata.normalize("NFD", "Benoît Dherin"),
        r"Beno\^{i}t Dherin",
        "BENOIT DHERIN",
        "benoit dherin",
    ],
)
def test_nfc_nfd_tex_and_case_variants_share_one_key(variant: str) -> None:
    assert name_key(variant) == "benoit dherin"


def test_initial_keeps_its_own_key() -> None:
    assert name_key("B. Dherin") == "b dherin"


def test_initial_is_not_joined_to_the_full_first_name() -> None:
    assert name_key("B. Dherin") != name_key("Benoit Dherin")


def test_extra_and_non_breaking_spaces_do_not_change_the_key() -> None:
    assert name_key("  Benoît\u00a0\u00a0Dherin \t") == "benoit dherin"


def test_non_breaking_space_is_shown_as_a_plain_space() -> None:
    assert display_name("Benoît\u00a0Dherin") == "Benoît Dherin"


@pytest.mark.parametrize(
    "variant",
    ["Jean-Pierre Serre", "Jean\u2010Pierre Serre", "Jean\u2013Pierre Serre"],
)
def test_hyphens_and_dashes_in_names_fold_to_spaces(variant: str) -> None:
    assert name_key(variant) == "jean pierre serre"


def test_hyphenated_name_keeps_its_hyphen_on_display() -> None:
    assert display_name("Jean-Pierre Serre") == "Jean-Pierre Serre"


def test_bare_percent_is_not_read_as_a_tex_comment() -> None:
    assert latex_to_unicode(r"50% of $\alpha$ decays") == f"50% of {ALPHA} decays"


def test_escaped_percent_is_shown_as_a_percent() -> None:
    assert latex_to_unicode(r"achieve $25\%$ accuracy") == "achieve 25% accuracy"


def test_simple_math_is_shown_in_unicode() -> None:
    assert latex_to_unicode(r"the $\alpha$ and $\beta$ decays") == (
        f"the {ALPHA} and {BETA} decays"
    )


def test_plain_text_is_left_alone_apart_from_spacing() -> None:
    title = "Thermal melting of density\n  waves on the   square lattice"

    assert latex_to_unicode(title) == (
        "Thermal melting of density waves on the square lattice"
    )


def test_paragraph_breaks_survive_in_abstracts() -> None:
    text = "First line\nwraps here.\n\n  Second $\\alpha$\nparagraph."

    assert latex_to_unicode_paragraphs(text) == (
        f"First line wraps here.\n\nSecond {ALPHA} paragraph."
    )


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Benoît", "Benoit"),
        ("Álvaro López", "Alvaro Lopez"),
        ("Šimon Čech", "Simon Cech"),
        (unicodedata.normalize("NFD", "Jörg"), "Jorg"),
        ("Plain ASCII", "Plain ASCII"),
    ],
)
def test_ascii_fold_drops_diacritics(text: str, folded: str) -> None:
    assert ascii_fold(text) == folded


def test_collapse_spaces_trims_and_joins_whitespace() -> None:
    assert collapse_spaces("  a \n\t b\u00a0 c  ") == "a b c"


# -- the name forms identity resolution compares (issue: every form) ---------


@pytest.mark.parametrize(
    ("kind", "a", "b"),
    [
        (
            "unicode NFC/NFD",
            "Benoît Dherin",
            unicodedata.normalize("NFD", "Benoît Dherin"),
        ),
        ("unicode folded", "Benoît Dherin", "Benoit Dherin"),
        ("unicode letters", "Søren Kierkegaard", "Soren Kierkegaard"),
        ("TeX accent", r"Beno\^it Dherin", "Benoît Dherin"),
        ("TeX braces", r"S{\o}ren Kierkegaard", "Søren Kierkegaard"),
        ("transliteration", "Jörg Müller", "Joerg Mueller"),
        ("transliteration dropped", "Jörg Müller", "Jorg Muller"),
        ("particles", "Johannes van der Waals", "Johannes Van Der Waals"),
        ("particles dropped", "Johannes van der Waals", "Johannes Waals"),
        ("particle in the surname", "Adrian Del Maestro", "A. Del Maestro"),
        ("hyphen", "Jean-Pierre Serre", "Jean Pierre Serre"),
        ("hyphen joined", "Wei-Ping Wang", "Weiping Wang"),
        ("hyphenated initials", "Jean-Pierre Serre", "J.-P. Serre"),
        ("last, first", "Dherin, Benoit", "Benoit Dherin"),
        ("last, first with initial", "Dherin, B.", "Benoit Dherin"),
        ("initials", "B. Dherin", "Benoit Dherin"),
        ("initials without dots", "B Dherin", "Benoit Dherin"),
        ("middle initial", "Mark A. Thompson", "Mark Thompson"),
        ("case", "BENOIT DHERIN", "Benoit Dherin"),
    ],
)
def test_forms_of_one_name_are_compatible_and_share_a_coauthor_key(kind, a, b):
    parts_a, parts_b = NameParts.from_string(a), NameParts.from_string(b)

    assert name_compatible(parts_a, parts_b), kind
    assert name_compatible(parts_b, parts_a), kind
    if kind not in ("transliteration dropped", "particles dropped"):
        assert coauthor_key(parts_a) == coauthor_key(parts_b), kind


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Li Zhang", "Lei Zhang"),
        ("B. Dherin", "C. Dherin"),
        ("Jean-Pierre Serre", "J.-M. Serre"),
        ("Dherin, Benoit", "Benoit Derin"),
        ("Johannes van der Waals", "Johannes van der Meer"),
    ],
)
def test_forms_of_different_names_are_not_compatible(a, b):
    assert not name_compatible(NameParts.from_string(a), NameParts.from_string(b))


def test_a_record_known_by_a_full_name_is_no_candidate_for_another_full_name():
    forms = [NameParts.from_string("Wei Wang"), NameParts.from_string("W. Wang")]

    assert names_fit(NameParts.from_string("W. Wang"), forms)
    assert not names_fit(NameParts.from_string("Weiping Wang"), forms)


def test_tex_and_unicode_forms_share_the_name_key_transliteration_does_not():
    assert name_key(r"J\"org M\"uller") == name_key("Jörg Müller") == "jorg muller"
    # name_key is exact (the key a record is found by); 'Mueller' joins
    # 'Müller' through name_compatible, not through the key.
    assert name_key("Joerg Mueller") == "joerg mueller"
