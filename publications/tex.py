"""TeX to Unicode, fast: the same text as ``publications.names`` gives, sooner.

``names.latex_to_unicode`` hands anything with a backslash or a dollar to
pylatexenc, whose parser costs about 5 ms for an abstract: the arXiv
snapshot (millions of abstracts, most with some TeX) would spend hours
there. ``to_unicode`` reads the TeX that titles, abstracts and names
actually hold (accents, symbol macros, ``$...$`` math, ``\\frac``-style
macros with braced arguments, ``--``, ``~``, ````...''``) with a small
parser that mirrors pylatexenc's own rules (its tokenizer, its argument
specs, its spacing rules in and out of math, and its macro and specials
tables, read from pylatexenc at import), and gives anything else (display
math, environments, comments, ``\\\\``, unbalanced braces, a macro whose
replacement is code we do not mirror) to ``names.latex_to_unicode``
itself. So the result is always what ``names.latex_to_unicode`` returns;
tests/publications/test_tex.py checks that on every real title, abstract
and name in the fixtures and on thousands of generated TeX strings.

Why not a cache: a cache would make repeated abstracts fast, but real
abstracts do not repeat. Why not math left as TeX (as arXiv shows it, for
MathJax): our pages do not run MathJax, the other arXiv readers (API,
OAI-PMH) give the converted text and the payload hash covers it, so one
work would read differently by the reader that last wrote it.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from typing import Any

from pylatexenc import latex2text, latexwalker
from pylatexenc.latex2text import fmt_math_text_style
from pylatexenc.macrospec import MacroStandardArgsParser

from publications import names


class _NotMirroredError(Exception):
    """TeX the fast reader does not mirror: pylatexenc reads it."""


# --- the tables, read once from pylatexenc ---------------------------------

_WALKER = latexwalker.get_default_latex_context_db()
_TEXT = latex2text.get_default_latex_context_db()

# Specials the tokenizer knows (walker side), longest first as it matches.
_SPECIALS = sorted(
    (spec.specials_chars for spec in _WALKER.iter_specials_specs()),
    key=len,
    reverse=True,
)
_SPECIAL_START = frozenset(chars[0] for chars in _SPECIALS)


def _special_text(chars: str) -> str:
    spec = _TEXT.get_specials_spec(chars)
    if spec is None:
        return chars
    if spec.simplify_repl:
        if not isinstance(spec.simplify_repl, str) or "%" in spec.simplify_repl:
            raise _NotMirroredError(chars)
        return spec.simplify_repl
    return ""


_SPECIAL_TEXT: dict[str, str] = {}
for _chars in _SPECIALS:
    with contextlib.suppress(_NotMirroredError):
        _SPECIAL_TEXT[_chars] = _special_text(_chars)


# Characters after which a run of ordinary text may stop: everything else
# is a 'char' token for pylatexenc and is copied as it is.
_RUN = re.compile("[^" + re.escape("\\{}$%" + "".join(sorted(_SPECIAL_START))) + "]+")
_PERCENT_S = re.compile("(^|[^%])(%%)*%s")

# Macro -> (argspec, optional_arg_no_space), for the standard argument parser.
_ARGSPECS: dict[str, tuple[str, bool] | None] = {}


def _argspec(name: str) -> tuple[str, bool]:
    if name not in _ARGSPECS:
        spec = _WALKER.get_macro_spec(name)
        if spec is None:
            _ARGSPECS[name] = ("", False)
        else:
            parser = spec.args_parser
            if (
                type(parser) is not MacroStandardArgsParser
                or parser._like_pylatexenc1x_ignore_leading_star
                or set(parser.argspec) - set("{[*")
            ):
                _ARGSPECS[name] = None
            else:
                _ARGSPECS[name] = (parser.argspec, parser.optional_arg_no_space)
    found = _ARGSPECS[name]
    if found is None:
        raise _NotMirroredError(name)
    return found


# --- parsing: nodes as tuples -------------------------------------------------
# ("chars", text)
# ("macro", name, post_space, argnlist | None, nodeoptarg, nodeargs)
# ("group", nodes)
# ("specials", chars)
# ("math", nodes, display)


_MATH_CLOSE = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]"}


def _nodes(s: str, pos: int, stop: str, math: bool) -> tuple[list[tuple], int]:
    """pylatexenc's get_latex_nodes for the supported subset.

    ``stop`` is "" (top level), "}" or "]" (a group), or the delimiter that
    closes the math being read ("$", "$$", "\\)", "\\]"). Math left open
    at the end of the text ends there, as pylatexenc's tolerant parser ends
    it (real abstracts have a stray "$" now and then).
    """
    nodes: list[tuple] = []
    buffer: list[str] = []
    end = len(s)
    while True:
        if pos >= end:
            if stop in ("}", "]"):
                raise _NotMirroredError("unclosed group")
            if buffer:
                nodes.append(("chars", "".join(buffer)))
            return nodes, pos
        run = _RUN.match(s, pos)
        if run is not None:
            text = run.group()
            if stop == "]" and ("[" in text or "]" in text):
                # Inside an optional argument brackets are braces.
                index = min(i for i in (text.find("["), text.find("]")) if i >= 0)
                if index:
                    buffer.append(text[:index])
                pos += index
            else:
                buffer.append(text)
                pos = run.end()
                continue
        char = s[pos]
        if char in "\\{}$" or (stop == "]" and char in "[]"):
            if buffer:
                nodes.append(("chars", "".join(buffer)))
                buffer = []
            if char == "\\" and s[pos + 1 : pos + 2] in ("(", ")", "[", "]"):
                delimiter = s[pos : pos + 2]
                if delimiter == stop:
                    return nodes, pos + 2
                if math or delimiter in ("\\)", "\\]"):
                    raise _NotMirroredError("nested or unopened math")
                node, pos = _math(s, pos + 2, delimiter)
                nodes.append(node)
            elif char == "\\":
                node, pos = _macro(s, pos, math)
                nodes.append(node)
            elif char in "{[":
                inner, pos = _nodes(s, pos + 1, "}" if char == "{" else "]", math)
                nodes.append(("group", inner))
            elif char in "}]":
                if stop != char:
                    raise _NotMirroredError("unexpected closing brace")
                return nodes, pos + 1
            else:  # "$": inside $-math "$$" is two single dollars
                delimiter = "$$" if s.startswith("$$", pos) and stop != "$" else "$"
                if delimiter == stop:
                    return nodes, pos + len(delimiter)
                if math:
                    raise _NotMirroredError("nested math")
                node, pos = _math(s, pos + len(delimiter), delimiter)
                nodes.append(node)
            continue
        if char == "%":
            raise _NotMirroredError("comment")
        special = _match_special(s, pos)
        if special is not None:
            if buffer:
                nodes.append(("chars", "".join(buffer)))
                buffer = []
            nodes.append(("specials", special))
            pos += len(special)
        else:
            buffer.append(char)
            pos += 1


def _math(s: str, pos: int, opening: str) -> tuple[tuple, int]:
    inner, pos = _nodes(s, pos, _MATH_CLOSE[opening], True)
    return ("math", inner, opening in ("$$", "\\[")), pos


def _match_special(s: str, pos: int) -> str | None:
    if s[pos] not in _SPECIAL_START:
        return None
    for chars in _SPECIALS:
        if s.startswith(chars, pos):
            if chars not in _SPECIAL_TEXT:
                raise _NotMirroredError(chars)
            return chars
    return None


def _macro_token(s: str, pos: int) -> tuple[str, str, int]:
    """(name, post_space, position after) of the macro at ``pos``."""
    end = len(s)
    if pos + 1 >= end:
        raise _NotMirroredError("backslash at the end")
    name = s[pos + 1]
    after = pos + 2
    post_space = ""
    if name.isalpha():
        while after < end and s[after].isalpha():
            after += 1
        name = s[pos + 1 : after]
        start = after
        while after < end and s[after].isspace():
            after += 1
        post_space = s[start:after]
    if name in ("(", ")", "[", "]", "begin", "end"):
        raise _NotMirroredError(name)
    return name, post_space, after


def _skip_space(s: str, pos: int) -> int:
    end = len(s)
    while pos < end and s[pos].isspace():
        pos += 1
    if pos >= end:
        raise _NotMirroredError("arguments run past the end")
    return pos


def _macro(s: str, pos: int, math: bool) -> tuple[tuple, int]:
    name, post_space, pos = _macro_token(s, pos)
    argspec, no_space = _argspec(name)
    argnlist: list[Any] = []
    for kind in argspec:
        if kind == "{":
            node, pos = _expression(s, pos, math)
            argnlist.append(node)
        elif kind == "[":
            if no_space and pos < len(s) and s[pos].isspace():
                argnlist.append(None)
                continue
            start = _skip_space(s, pos)
            if s[start] == "[":
                inner, pos = _nodes(s, start + 1, "]", math)
                argnlist.append(("group", inner))
            else:
                argnlist.append(None)
        else:  # "*"
            start = _skip_space(s, pos)
            if s[start] == "*":
                argnlist.append(("chars", "*"))
                pos = start + 1
            else:
                argnlist.append(None)
    # pylatexenc < 2 compatibility fields, which decide a "bare" macro.
    spec = argspec.lstrip("*")
    skip = len(argspec) - len(spec)
    if spec[:1] == "[" and all(k == "{" for k in spec[1:]):
        nodeoptarg, nodeargs = argnlist[skip], argnlist[skip + 1 :]
    else:
        nodeoptarg, nodeargs = None, argnlist
    return ("macro", name, post_space, argnlist, nodeoptarg, nodeargs), pos


def _expression(s: str, pos: int, math: bool) -> tuple[tuple, int]:
    """pylatexenc's get_latex_expression: one token, or a braced group."""
    pos = _skip_space(s, pos)
    char = s[pos]
    if char == "\\":
        name, post_space, after = _macro_token(s, pos)
        if _argspec(name)[0]:
            raise _NotMirroredError(f"macro {name} with arguments as an argument")
        return ("macro", name, post_space, None, None, None), after
    if char == "{":
        inner, after = _nodes(s, pos + 1, "}", math)
        return ("group", inner), after
    if char in "}$%":
        raise _NotMirroredError(f"{char} as an argument")
    special = _match_special(s, pos)
    if special is not None:
        return ("specials", special), pos + len(special)
    return ("chars", char), pos + 1


# --- rendering: pylatexenc's LatexNodes2Text, math_mode="text", non-strict ----


def _render(nodes: list[tuple], math: bool) -> str:
    out = []
    previous: tuple | None = None
    for node in nodes:
        kind = node[0]
        if kind == "chars":
            # In math, a macro without arguments keeps its following space
            # before text, and space alone between constructs is dropped.
            if math and previous is not None and _bare(previous):
                out.append(previous[2])
            text = node[1]
            out.append("" if math and not text.strip() else text)
        else:
            out.append(_node_text(node, math))
        previous = node
    return "".join(out)


def _bare(node: tuple) -> bool:
    return node[0] == "macro" and node[4] is None and not node[5]


def _node_text(node: tuple | None, math: bool) -> str:
    if node is None:
        return ""
    kind = node[0]
    if kind == "chars":
        return "" if math and not node[1].strip() else node[1]
    if kind == "group":
        return _render(node[1], math)
    if kind == "specials":
        return _SPECIAL_TEXT[node[1]]
    if kind == "math":
        content = _render(node[1], True).strip()
        if node[2]:  # display math: an indented block of its own
            return "\n    " + content.replace("\n", "\n    ") + "\n"
        return content
    return _macro_text(node, math)


def _arg_text(node: tuple | None, math: bool) -> str:
    if node is not None and node[0] == "group":
        return _render(node[1], math)
    return _node_text(node, math)


def _macro_text(node: tuple, math: bool) -> str:
    name = node[1]
    spec = _TEXT.get_macro_spec(name)
    if spec is None:
        return ""
    argnlist = node[3] or []
    repl = spec.simplify_repl
    if repl:
        if callable(repl):
            return _callable_text(name, repl, node, math)
        if "%" in repl and len(repl) != 1:
            texts = [_arg_text(arg, math) for arg in argnlist]
            values: Any
            if _PERCENT_S.search(repl):
                values = tuple(texts)
            else:
                values = {str(1 + i): text for i, text in enumerate(texts)}
            try:
                return repl % values
            except (TypeError, ValueError):
                return repl
        return repl
    if spec.discard:
        return ""
    return "".join(_arg_text(arg, math) for arg in argnlist)


def _callable_text(name: str, repl: Any, node: tuple, math: bool) -> str:
    """The replacement functions we mirror: accents, \\mathbb & co, ``\\%``."""
    defaults = repl.__defaults__ or ()
    qualname = repl.__qualname__
    nodeargs = node[5]
    if qualname == "_mathxx_formatter.<locals>.formatter":
        argnlist = node[3]
        text = _arg_text(argnlist[0], math) if argnlist else ""
        return fmt_math_text_style(text, defaults[0])
    if qualname == "<lambda>" and "make_accented_char" in repl.__code__.co_names:
        combining = defaults[0]
        chars = _render([nodeargs[0]], math).strip() if nodeargs else " "
        return "".join(
            unicodedata.normalize("NFC", _DOTLESS.get(ch, ch) + combining)
            for ch in chars
        )
    if name == "%" and repl.__code__.co_varnames == ("arg",):
        return repl(None)
    raise _NotMirroredError(f"replacement code of {name}")


_DOTLESS = {
    "\N{LATIN SMALL LETTER DOTLESS I}": "i",
    "\N{LATIN SMALL LETTER DOTLESS J}": "j",
}


# --- the public functions -----------------------------------------------------


def to_unicode(text: str) -> str:
    """Exactly ``names.latex_to_unicode(text)``, without pylatexenc most times."""
    source = unicodedata.normalize("NFC", text)
    if "\\" not in source and "$" not in source:
        return _collapse(source)
    if "\n\n" in source:
        return _slow(text)
    if "%" in source:
        source = names._BARE_PERCENT.sub(r"\\%", source)
    try:
        nodes, _ = _nodes(source, 0, "", False)
        converted = _render(nodes, False)
    except _NotMirroredError:
        return _slow(text)
    converted = unicodedata.normalize(
        "NFC", converted.replace("\N{NO-BREAK SPACE}", " ")
    )
    return _collapse(converted)


def _collapse(text: str) -> str:
    """``names.collapse_spaces``: str.split() and the regex agree on spaces."""
    return " ".join(text.split())


def _slow(text: str) -> str:
    """The reference: pylatexenc, through names."""
    return names.latex_to_unicode(text)


def to_unicode_paragraphs(text: str) -> str:
    """Exactly ``names.latex_to_unicode_paragraphs(text)``."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(to_unicode(p) for p in paragraphs if p.strip())
