"""The one rule for text that comes from outside: plan names, answers,
triage justifications, inventory ids and names, user and organization names,
comments.

Every such text is a sequence of Unicode scalar values (no lone surrogates,
which no encoding can store or print), holds no NUL (PostgreSQL cannot store
it) and no control characters: C0 (U+0000–U+001F, ESC among them, so no ANSI
escape sequences reach a terminal or a log), DEL and C1 (U+007F–U+009F).
Names and ids are one line and also refuse the Unicode line and paragraph
separators and the bidirectional overrides and isolates (U+202A–U+202E,
U+2066–U+2069) that make a name read differently from what it is.
Multi-line free text (descriptions, comments, justifications) may keep tabs
and line breaks (``\\n``, or ``\\r\\n`` as browsers send them).

:func:`text_problem` is the rule; :class:`Text` is the same rule as a
marshmallow validator for the schemas (the inventory's compiled validator
knows it too). Services call :func:`text_problem` on what no schema checked.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, validate

_SURROGATE = re.compile("[\ud800-\udfff]")
#: Characters a name or id may not hold, and those multi-line text may not.
_NOT_IN_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NOT_IN_FREE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]|\r(?!\n)")

_NAMES = {
    0x00: "NUL",
    0x09: "TAB",
    0x0A: "LF",
    0x0D: "CR",
    0x1B: "ESC",
    0x7F: "DEL",
    0x2028: "LINE SEPARATOR",
    0x2029: "PARAGRAPH SEPARATOR",
}


def _describe(char: str) -> str:
    code = ord(char)
    name = _NAMES.get(code)
    if 0xD800 <= code <= 0xDFFF:
        name = "a lone surrogate"
    elif 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        name = "a bidirectional control"
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` breaks the text rule, or None when it keeps it.

    ``multiline`` text may hold tabs and line breaks; names and ids may not.
    """
    if value.isprintable():  # the common case, decided in C: no control, separator or surrogate
        return None
    bad = (_NOT_IN_FREE_TEXT if multiline else _NOT_IN_NAME).search(value)
    if bad is None:
        return None
    char = bad.group()[0]
    if _SURROGATE.match(char):
        return f"expected valid Unicode text; found {_describe(char)} at character {bad.start() + 1}"
    kind = "text" if multiline else "a single line of text"
    allowed = " (tabs and line breaks are allowed)" if multiline else ""
    return (
        f"expected {kind} without control characters{allowed}; found {_describe(char)} at character {bad.start() + 1}"
    )


def valid_text(value: Any, *, multiline: bool = False) -> bool:
    """True when ``value`` is a string that keeps the rule."""
    return isinstance(value, str) and text_problem(value, multiline=multiline) is None


class Text(validate.Validator):
    """The text rule as a marshmallow validator: ``fields.String(validate=Text())``."""

    def __init__(self, *, multiline: bool = False):
        self.multiline = multiline

    def _repr_args(self) -> str:
        return f"multiline={self.multiline!r}"

    def __call__(self, value: Any) -> Any:
        problem = text_problem(value, multiline=self.multiline) if isinstance(value, str) else None
        if problem:
            raise ValidationError(problem)
        return value


__all__ = ["Text", "text_problem", "valid_text"]


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and the noun that agrees with it: "1 finding", "2,140 findings", "3 VMs"."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
