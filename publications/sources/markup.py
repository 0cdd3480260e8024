"""The text of HTML, JATS and MathML strings that sources put in titles and abstracts.

Crossref titles carry HTML and MathML, its abstracts JATS; OpenAlex
abstracts and titles carry JATS or HTML; ORCID titles imported from Crossref
carry HTML. ``read_markup`` reads them all with the stdlib ``html.parser``:
it is tolerant of unclosed and namespaced tags, resolves entities, and needs
no new dependency (neither BeautifulSoup nor lxml is installed, and a regex
would not resolve ``&amp;``). Each source says which elements end a
paragraph and how a paragraph's text is tidied, as those rules are its own.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection
from html.parser import HTMLParser

from publications.names import collapse_spaces

# MathML annotations repeat the formula in TeX or another markup.
MATHML_ANNOTATIONS = frozenset({"annotation", "annotation-xml"})


def tidy_text(text: str) -> str:
    """A paragraph's text in NFC on one line."""
    return collapse_spaces(unicodedata.normalize("NFC", text))


def read_markup(
    value: str,
    *,
    block: Collection[str],
    skipped: Collection[str] = MATHML_ANNOTATIONS,
    tidy: Callable[[str], str] = tidy_text,
) -> list[tuple[str, str]]:
    """The paragraphs of a marked-up string as (opening element, text).

    An element named in ``block`` (by its local name: ``jats:p`` is ``p``)
    ends a paragraph, opening or closing; the element that opened a
    paragraph is kept with it ("" when none did). Inline tags vanish without
    a space; the text of ``skipped`` elements is dropped. Each paragraph's
    text goes through ``tidy``; paragraphs left empty are dropped.
    """
    reader = _MarkupReader(block=block, skipped=skipped, tidy=tidy)
    reader.feed(value)
    reader.close()
    return reader.paragraphs


def markup_to_line(
    value: str,
    *,
    block: Collection[str],
    skipped: Collection[str] = MATHML_ANNOTATIONS,
    tidy: Callable[[str], str] = tidy_text,
) -> str:
    """A marked-up string's text on one line: its paragraphs joined by a space."""
    if not value:
        return ""
    paragraphs = read_markup(value, block=block, skipped=skipped, tidy=tidy)
    return " ".join(text for _, text in paragraphs)


class _MarkupReader(HTMLParser):
    def __init__(
        self,
        *,
        block: Collection[str],
        skipped: Collection[str],
        tidy: Callable[[str], str],
    ) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[tuple[str, str]] = []
        self._block = block
        self._skipped = skipped
        self._tidy = tidy
        self._parts: list[str] = []
        self._opened_by = ""
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = tag.rsplit(":", 1)[-1]
        if name in self._skipped:
            self._skipping += 1
        elif name in self._block:
            self._end_paragraph(opened_by=name)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/> ends a paragraph and opens none; <annotation/> holds nothing.
        if tag.rsplit(":", 1)[-1] in self._block:
            self._end_paragraph(opened_by="")

    def handle_endtag(self, tag: str) -> None:
        name = tag.rsplit(":", 1)[-1]
        if name in self._skipped:
            self._skipping = max(0, self._skipping - 1)
        elif name in self._block:
            self._end_paragraph(opened_by="")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._parts.append(data)

    def close(self) -> None:
        super().close()
        self._end_paragraph(opened_by="")

    def _end_paragraph(self, *, opened_by: str) -> None:
        text = self._tidy("".join(self._parts))
        if text:
            self.paragraphs.append((self._opened_by, text))
        self._parts = []
        self._opened_by = opened_by
