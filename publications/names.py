"""Turning TeX and Unicode variants of names and titles into one form.

``latex_to_unicode`` uses pylatexenc, guarded so that plain text (most
titles) is left alone and a bare ``%`` is not read as a TeX comment.
``name_key`` is the normalised full name that identity resolution compares.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from pylatexenc.latex2text import LatexNodes2Text

logger = logging.getLogger(__name__)
_SPACES = re.compile(r"\s+")
_BARE_PERCENT = re.compile(r"(?<!\\)%")
_TEX_MARKERS = ("\\", "$")
_latex = LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def collapse_spaces(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def latex_to_unicode(text: str) -> str:
    """Show TeX accents and simple math as Unicode, in NFC, on one line."""
    text = unicodedata.normalize("NFC", text)
    if any(marker in text for marker in _TEX_MARKERS):
        try:
            text = _latex.latex_to_text(_BARE_PERCENT.sub(r"\\%", text))
        except Exception:  # noqa: BLE001 - pylatexenc may choke on odd TeX
            logger.debug("Kept raw TeX, pylatexenc could not read %r", text)
        text = unicodedata.normalize("NFC", text.replace("\N{NO-BREAK SPACE}", " "))
    return collapse_spaces(text)


def latex_to_unicode_paragraphs(text: str) -> str:
    """Like ``latex_to_unicode`` but keeps blank-line paragraph breaks."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(latex_to_unicode(p) for p in paragraphs if p.strip())


# Latin letters that Unicode does not decompose into a base letter and a mark.
_FOLD = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ß": "ss",
        "þ": "th",
        "Þ": "Th",
        "\u0131": "i",  # dotless i
        "ħ": "h",
        "Ħ": "H",
    }
)


def ascii_fold(text: str) -> str:
    """Drop diacritics: 'Benoît' -> 'Benoit', 'Søren' -> 'Soren'."""
    if text.isascii():  # most names: nothing to drop, a tenth of the time
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def display_name(raw: str) -> str:
    """The name as pages show it: TeX accents in Unicode, single spaces."""
    return latex_to_unicode(raw)


def name_key(name: str) -> str:
    """The normalised full name: folded case, accents, dots and spacing.

    'Beno\\^it  Dherin', 'Benoît Dherin' and 'BENOIT DHERIN' share one key;
    'B. Dherin' keeps its initial ('b dherin'), so initials-only names stay
    apart until identity resolution has evidence to join them.
    """
    text = ascii_fold(latex_to_unicode(name)).casefold()
    return collapse_spaces(_KEY_BREAKS.sub(" ", text))


# Dots, hyphens and dashes separate a name key's words.
_KEY_BREAKS = re.compile(r"[.\-\u2010-\u2015]")
