"""publications.tex gives exactly the text publications.names gives.

``tex.to_unicode`` reads TeX with its own small parser and hands what it
does not mirror to ``names.latex_to_unicode`` (pylatexenc); the two must
never differ. Compared on every raw title, abstract and author name of the
real fixtures (the 200 snapshot lines in both copies, the arXiv API
feeds), on generated snapshot lines, and on generated TeX strings built
from the constructs abstracts use (seeded, so a failure repeats).
"""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path

import pytest

from publications import names, tex
from publications.sources import arxiv
from publications.sources.base import ParsedWork

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SNAPSHOTS = sorted((FIXTURES / "arxiv_snapshot").glob("*/*.jsonl"))
FEEDS = sorted(
    [
        *(FIXTURES / "arxiv_api").glob("*.xml"),
        *(FIXTURES / "arxiv_api" / "more").glob("*.xml"),
        *(FIXTURES / "arxiv_api" / "recorded").glob("*.json"),
    ]
)


def snapshot_texts() -> list[str]:
    texts = []
    for path in SNAPSHOTS:
        for line in path.read_bytes().splitlines():
            record = json.loads(line)
            texts += [record["title"], record["abstract"], record["comments"] or ""]
            texts += [" ".join(parts[:3]) for parts in record["authors_parsed"]]
    return texts


def feed_texts() -> list[str]:
    texts = []
    for path in FEEDS:
        try:
            page = arxiv.parse(path.read_bytes())
        except Exception:  # noqa: BLE001, S112 - error payloads hold no records
            continue
        for record in page.records:
            if isinstance(record, ParsedWork):
                texts += [record.title_raw, record.abstract_raw]
                texts += [a.raw_name for a in record.authorships]
    return texts


def generated_texts(count: int) -> list[str]:
    spec = importlib.util.spec_from_file_location(
        "generate_snapshot",
        Path(__file__).resolve().parents[2] / "scripts" / "generate_snapshot.py",
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    texts = []
    for record in module.generate(count, 7):
        texts += [record["title"], record["abstract"]]
        texts += [" ".join(p for p in parts[:3]) for parts in record["authors_parsed"]]
    return texts


@pytest.fixture
def fallbacks(monkeypatch) -> list[str]:
    """The texts tex handed to pylatexenc."""
    seen: list[str] = []
    reference = tex._slow

    def counting(text: str) -> str:
        seen.append(text)
        return reference(text)

    monkeypatch.setattr(tex, "_slow", counting)
    return seen


def assert_same(texts: list[str]) -> None:
    differ = [
        (text, tex.to_unicode(text), names.latex_to_unicode(text))
        for text in dict.fromkeys(texts)
        if tex.to_unicode(text) != names.latex_to_unicode(text)
        or tex.to_unicode_paragraphs(text) != names.latex_to_unicode_paragraphs(text)
    ]
    assert differ == []


def test_every_real_snapshot_text_reads_the_same() -> None:
    texts = snapshot_texts()
    assert sum("$" in t or "\\" in t for t in texts) > 80  # TeX is there

    assert_same(texts)


def test_every_real_feed_text_reads_the_same() -> None:
    texts = feed_texts()
    assert len(texts) > 300

    assert_same(texts)


def test_generated_snapshot_texts_read_the_same() -> None:
    assert_same(generated_texts(300))


def test_the_real_snapshot_tex_needs_no_pylatexenc(fallbacks) -> None:
    # Speed, not correctness: the 200 lines' TeX (accents, inline math, a
    # display formula, stray dollars) is all read by the fast parser.
    for text in snapshot_texts():
        tex.to_unicode_paragraphs(text)

    assert fallbacks == []


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ('M\\"uller', "Müller"),
        ("Erd\\H{o}s", "Erdős"),
        ("Bal\\'azs", "Balázs"),
        ("{\\L}ukasz Nowak", "Łukasz Nowak"),
        ("Beno\\^{\\i}t", "Benoît"),
        (
            "$\\alpha$-decay at 50% of $T_c$",
            "\N{GREEK SMALL LETTER ALPHA}-decay at 50% of T_c",
        ),
        (
            "the $\\mathcal{N}=4$ theory",
            "the \N{MATHEMATICAL SCRIPT CAPITAL N}=4 theory",
        ),
        ("a ``quoted'' --- dash at $T_c$", "a “quoted” — dash at T_c"),
    ],
)
def test_common_tex_becomes_unicode(raw: str, shown: str) -> None:
    assert tex.to_unicode(raw) == shown == names.latex_to_unicode(raw)


def test_what_it_does_not_mirror_goes_to_pylatexenc(fallbacks) -> None:
    text = "\\begin{equation} x \\end{equation} and \\verb|y|"

    assert tex.to_unicode(text) == names.latex_to_unicode(text)
    assert fallbacks == [text]


TOKENS = [
    *"ab xé12=+-'`!?,.()[]{}{}$$$^_&#~\n",
    *["  ", "--", "---", "``", "''", "!`", "?`", "$$", "%", "*"],
    *["\\alpha", "\\beta", "\\sim", "\\to", "\\le", "\\pm", "\\infty", "\\mu"],
    *["\\'", '\\"', "\\^", "\\`", "\\~", "\\=", "\\.", "\\H", "\\c", "\\v"],
    *["\\u", "\\k", "\\r", "\\o", "\\O", "\\ss", "\\i", "\\L", "\\l", "\\ae"],
    *["\\mathcal", "\\mathbb", "\\mathrm", "\\mathbf{x}", "\\frac", "\\frac12"],
    *["\\sqrt", "\\sqrt[3]", "\\emph", "\\textbf", "\\text", "\\textit{a b}"],
    *["\\mbox", "\\rm", "\\bf", "\\it", "\\cite", "\\ref", "\\label", "\\url"],
    *["\\hat", "\\tilde", "\\bar", "\\vec", "\\footnote", "\\ensuremath"],
    *["\\%", "\\&", "\\$", "\\#", "\\_", "\\{", "\\}", "\\ ", "\\,", "\\\\"],
    *["\\(", "\\)", "\\[", "\\]", "\\left(", "\\right)", "\\ldots", "\\foo"],
    *["{\\'e}", "\\'{e}", '\\"o', "$x$", "$\\alpha$", " $", "$ ", "\\AA"],
    *["\\overline", "\\operatorname", "\\textquoteleft", "\\prime", "\\odot"],
]


def test_generated_tex_strings_read_the_same() -> None:
    rng = random.Random(20261123)
    texts = [
        "".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 12)))
        for _ in range(2500)
    ]

    assert_same(texts)


def test_collapse_agrees_with_names_on_every_space() -> None:
    spaces = [chr(c) for c in range(0x3000 + 1) if chr(c).isspace()]
    text = "a" + "b".join(spaces) + "c " + "".join(spaces)

    assert tex._collapse(text) == names.collapse_spaces(text)
