"""Readers for the fields of a decoded JSON record, shared by the JSON sources.

A field that is absent (``None``) reads as empty; a field of the wrong shape
raises ``TypeError``, which each parser turns into that record's
ParseFailure. ``shown`` cuts the quoted value in the message to that many
characters, for sources whose values can be large (an OpenAlex inverted
abstract); by default the whole value is quoted.
"""

from __future__ import annotations

from typing import Any


def text_field(value: Any, *, shown: int | None = None) -> str:
    """A text field; "" when absent. Anything but text is a malformed record."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise TypeError(f"expected text, got {_quoted(value, shown)}")


def dict_field(value: Any, *, shown: int | None = None) -> dict[str, Any]:
    """An object field; {} when absent. Anything but an object is malformed."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    raise TypeError(f"expected an object, got {_quoted(value, shown)}")


def list_field(value: Any, *, shown: int | None = None) -> list[Any]:
    """A list field; [] when absent. Anything but a list is malformed."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise TypeError(f"expected a list, got {_quoted(value, shown)}")


def int_field(value: Any) -> int | None:
    """A JSON integer, else None (``true`` is not 1, "12" is not 12)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def text_or(value: Any, default: str) -> str:
    """The field when it is text, else ``default`` (for labels in messages)."""
    return value if isinstance(value, str) else default


def _quoted(value: Any, shown: int | None) -> str:
    quoted = repr(value)
    return quoted if shown is None else quoted[:shown]
