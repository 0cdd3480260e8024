"""The hand-kept arXiv taxonomy: names, groups and what counts as a category."""

from __future__ import annotations

import pytest

from publications.arxiv_taxonomy import (
    CATEGORY_NAMES,
    GROUP_NAMES,
    category_name,
    group_name,
    is_arxiv_category,
)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("cs.LG", "Machine Learning"),
        ("math.CO", "Combinatorics"),
        ("hep-th", "High Energy Physics - Theory"),
        ("cond-mat.stat-mech", "Statistical Mechanics"),
        ("quant-ph", "Quantum Physics"),
        ("astro-ph.CO", "Cosmology and Nongalactic Astrophysics"),
        ("stat.ML", "Machine Learning"),
        ("q-bio.NC", "Neurons and Cognition"),
        ("econ.EM", "Econometrics"),
        ("eess.SP", "Signal Processing"),
        ("physics.comp-ph", "Computational Physics"),
    ],
)
def test_current_categories_have_their_arxiv_names(code: str, name: str) -> None:
    assert category_name(code) == name
    assert CATEGORY_NAMES[code] == name


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("math.MP", "Mathematical Physics"),
        ("math-ph", "Mathematical Physics"),
        ("stat.TH", "Statistics Theory"),
        ("math.ST", "Statistics Theory"),
        ("cs.NA", "Numerical Analysis"),
        ("math.NA", "Numerical Analysis"),
        ("cs.SY", "Systems and Control"),
        ("eess.SY", "Systems and Control"),
        ("math.IT", "Information Theory"),
        ("cs.IT", "Information Theory"),
        ("q-fin.EC", "Economics"),
        ("econ.GN", "General Economics"),
    ],
)
def test_aliases_are_named(code: str, name: str) -> None:
    assert category_name(code) == name


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("astro-ph", "Astrophysics"),
        ("cond-mat", "Condensed Matter"),
        ("physics", "Physics"),
        ("nlin", "Nonlinear Sciences"),
        ("q-bio", "Quantitative Biology"),
        ("q-fin", "Quantitative Finance"),
        ("stat", "Statistics"),
        ("solv-int", "Exactly Solvable and Integrable Systems"),
        ("patt-sol", "Pattern Formation and Solitons"),
        ("adap-org", "Adaptation, Noise, and Self-Organizing Systems"),
        ("chao-dyn", "Chaotic Dynamics"),
        ("comp-gas", "Cellular Automata and Lattice Gases"),
        ("funct-an", "Functional Analysis"),
        ("alg-geom", "Algebraic Geometry"),
        ("q-alg", "Quantum Algebra and Topology"),
        ("dg-ga", "Differential Geometry"),
        ("mtrl-th", "Materials Theory"),
        ("supr-con", "Superconductivity"),
        ("acc-phys", "Accelerator Physics"),
        ("ao-sci", "Atmospheric-Oceanic Sciences"),
        ("atom-ph", "Atomic, Molecular and Optical Physics"),
        ("bayes-an", "Bayesian Analysis"),
        ("chem-ph", "Chemical Physics"),
        ("plasm-ph", "Plasma Physics"),
        ("cmp-lg", "Computation and Language"),
    ],
)
def test_archive_level_and_defunct_codes_are_named(code: str, name: str) -> None:
    assert category_name(code) == name


def test_unknown_code_has_no_name() -> None:
    assert category_name("cs.ZZ") is None
    assert category_name("I.2.6") is None


def test_every_group_of_the_taxonomy_is_covered() -> None:
    archives = {code.split(".", 1)[0] for code in CATEGORY_NAMES}
    assert archives == set(GROUP_NAMES)
    counts = {
        prefix: sum(code.startswith(prefix + ".") for code in CATEGORY_NAMES)
        for prefix in ("cs", "econ", "eess", "math", "astro-ph", "cond-mat")
    }
    assert counts == {
        "cs": 40,
        "econ": 3,
        "eess": 4,
        "math": 32,
        "astro-ph": 6,
        "cond-mat": 9,
    }


@pytest.mark.parametrize("code", sorted(CATEGORY_NAMES))
def test_every_known_code_is_an_arxiv_category(code: str) -> None:
    assert is_arxiv_category(code)


@pytest.mark.parametrize("code", ["cs.XY", "hep-new", "physics.new-ph", " cs.LG "])
def test_unknown_codes_shaped_like_categories_are_accepted(code: str) -> None:
    assert is_arxiv_category(code)


@pytest.mark.parametrize(
    "code",
    ["I.2.6", "F.2.2; G.2.1", "F.2.2", "H.3.3", "68T05", "05C80", "", "CS.LG"],
)
def test_acm_and_msc_classes_are_not_arxiv_categories(code: str) -> None:
    assert not is_arxiv_category(code)


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("cs.LG", "Computer Science"),
        ("math.CO", "Mathematics"),
        ("hep-th", "Physics"),
        ("astro-ph.CO", "Physics"),
        ("astro-ph", "Physics"),
        ("cond-mat.stat-mech", "Physics"),
        ("math-ph", "Physics"),
        ("physics.comp-ph", "Physics"),
        ("quant-ph", "Physics"),
        ("q-bio.NC", "Quantitative Biology"),
        ("q-fin.EC", "Quantitative Finance"),
        ("stat.ML", "Statistics"),
        ("eess.SP", "Electrical Engineering and Systems Science"),
        ("econ.EM", "Economics"),
        ("alg-geom", "Mathematics"),
        ("cmp-lg", "Computer Science"),
        ("solv-int", "Physics"),
        ("I.2.6", "Other"),
        ("68T05", "Other"),
        ("foo.BAR", "Other"),
    ],
)
def test_group_name(code: str, group: str) -> None:
    assert group_name(code) == group
