"""JSON from outside (API bodies, files the CLI reads), parsed strictly and
within limits set on purpose.

``json.loads`` alone builds whatever a body describes before anything looks
at it: 16 MB of empty arrays become some 380 MB of Python lists, 100,000
nested arrays a ``RecursionError``, a 5,001-digit integer a ``ValueError``,
and duplicate keys, ``NaN`` and lone surrogates pass silently. So
:func:`parse_json` first runs a structure check over the text — depth, and
the number of items in every array and object against the bounds of the
document's :class:`Shape` (the inventory contract's, or the small generic
one) — and refuses an absurd document before one object is built. Then it
parses, and refuses what JSON (RFC 8259) does not mean or what no field can
hold: ``NaN`` and ``Infinity``, numbers that overflow a double, integers of
more than :data:`MAX_INTEGER_DIGITS` digits, duplicate keys in an object and
strings that are not Unicode text (lone surrogates).

Every refusal is a :class:`JsonInputError` listing each problem with its
JSON path (``vms[3].vcpus``); ``malformed`` tells a syntax error (HTTP 400)
from a document that is JSON but unacceptable (HTTP 422).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.core.documents import DocumentError, document_text
from planner.core.inventory.validate import Problem

#: Integers longer than this are refused (no field's bound needs more than 19 digits).
MAX_INTEGER_DIGITS = 100
#: Nesting of arrays and objects a document other than an inventory may use.
MAX_DEPTH = 32
#: Items in any one array or object of a document other than an inventory.
MAX_ITEMS = 10_000
#: Arrays and objects in all of a document other than an inventory.
MAX_CONTAINERS = 10_000


@dataclass(frozen=True)
class Shape:
    """What a document may hold at one place: at most ``max_items`` items; the
    shape of the value under each known key (``fields``), or of any other key
    or array item (``items``). ``None`` for ``items`` means: the contract puts
    no array or object here (one that comes anyway gets :data:`STRAY`)."""

    max_items: int
    fields: Mapping[str, Shape] = field(default_factory=dict)
    items: Shape | None = None

    def child(self, key: str | None) -> Shape:
        if key is not None and key in self.fields:
            return self.fields[key]
        return self.items or STRAY


@dataclass(frozen=True)
class Limits:
    """The bounds of one kind of document: its shape, its depth and its size in containers."""

    shape: Shape
    max_depth: int
    max_containers: int


def free_form(max_items: int, max_containers: int, max_depth: int = MAX_DEPTH) -> Limits:
    """Limits for a document of no fixed shape: every array and object at most
    ``max_items`` items, at most ``max_containers`` of them, ``max_depth`` deep."""
    shape = Shape(max_items)
    for _ in range(max_depth):
        shape = Shape(max_items, items=shape)
    return Limits(shape, max_depth, max_containers)


#: An array or object where the contract puts none: small, so the validator can
#: word the mistake without the document growing under it.
STRAY = Shape(100, items=Shape(100, items=Shape(100)))
#: Any JSON document other than an inventory (answers, plans, triage, report requests).
GENERIC = free_form(MAX_ITEMS, MAX_CONTAINERS)


class JsonInputError(ValueError):
    """A body or file that is not JSON (``malformed``) or not acceptable JSON."""

    def __init__(self, problems: list[Problem], *, malformed: bool = False):
        self.problems = problems
        self.malformed = malformed
        super().__init__("; ".join(str(p) for p in problems[:3]))


# -- the structure check -------------------------------------------------------------------------
# One pass over the text that stops only at brackets: the regex engine skips
# strings, numbers and literals in C; Python sees each array and object twice
# (open, close). Items are counted by commas, also in C (str.count over the
# container's span, less those inside its children); commas inside strings can
# only make that count too high, so a count over a bound is made again exactly
# before anything is refused.

_STRING = r'"(?:[^"\\]++|\\.)*+"'
_TOKEN = re.compile(
    rf'(?:[^"\[\]{{}}]++|{_STRING}(?!\s*:\s*[\[{{]))*+'  # skip everything but brackets and container keys
    rf'(?:"((?:[^"\\]++|\\.)*+)"\s*:\s*)?'  # the key of the container that comes next
    rf'(?:([\[{{](?:[^"\[\]{{}}]++|{_STRING})*+[\]}}])'  # a container holding no other: one token
    r"|([\[\]{}]))",  # or a bracket
    re.S,
)
_ITEM_TOKEN = re.compile(rf'{_STRING}|[\[\]{{}},]|[^"\[\]{{}},\s]+', re.S)


def _key(raw: str | None) -> str | None:
    if raw is None or "\\" not in raw:
        return raw
    return str(json.loads(f'"{raw}"'))


def _top_level_commas(text: str, start: int, end: int) -> tuple[int, bool]:
    """(commas outside nested containers and strings, whether any value is there) in text[start:end]."""
    depth, commas, seen = 0, 0, False
    for m in _ITEM_TOKEN.finditer(text, start, end):
        lexeme = m.group()
        if lexeme in ("[", "{"):
            depth += 1
            seen = True
        elif lexeme in ("]", "}"):
            depth -= 1
        elif lexeme == ",":
            commas += depth == 0
        else:
            seen = True
    return commas, seen


def _path_at(text: str, target: int) -> str:
    """The JSON path of the container that opens at ``target`` (a second, slower pass, for messages)."""
    stack: list[tuple[str, int, str]] = []  # (bracket, start, path)
    for m in _TOKEN.finditer(text, 0, target + 1):
        raw_key, flat, char = m.groups()
        start = m.start(2) if flat is not None else m.end() - 1
        if char in ("]", "}"):
            stack.pop()
            continue
        if stack:
            bracket, parent_start, parent_path = stack[-1]
            if bracket == "{":
                key = _key(raw_key) or "?"
                path = f"{parent_path}.{key}" if parent_path else key
            else:
                path = f"{parent_path}[{_top_level_commas(text, parent_start + 1, start)[0]}]"
        else:
            path = ""
        if start == target:
            return path
        if flat is None:
            stack.append((char, start, path))
    return "?"  # pragma: no cover - target is always a container the first pass saw


def _refuse(text: str, start: int, message: str) -> JsonInputError:
    return JsonInputError([Problem(_path_at(text, start), message)])


def _items_over(text: str, start: int, end: int, bound: int, bracket: str) -> JsonInputError | None:
    """The refusal of a container (text[start:end+1]) whose commas say it may hold more than ``bound`` items."""
    commas, seen = _top_level_commas(text, start + 1, end)
    items = commas + 1 if seen else 0
    if items <= bound:
        return None
    unit = "items" if bracket == "[" else "members"
    return _refuse(text, start, f"expected at most {bound:,} {unit}, got {items:,}")


def check_structure(text: str, limits: Limits) -> None:
    """Refuse ``text`` if its arrays and objects break ``limits``, before any is built.

    Malformed text is left to the parser, which words the syntax error.
    """
    # The loop runs once per container of a large document: plain lists, no calls it can avoid.
    stack: list[list[Any]] = []  # [bracket, start, shape, commas inside its closed children, children]
    containers = 0
    position = 0
    max_depth, max_containers = limits.max_depth, limits.max_containers
    for m in _TOKEN.finditer(text):
        if m.start() != position:
            return  # not JSON: the parser says where
        position = m.end()
        raw_key, flat, char = m.groups()
        if not stack:
            if flat is not None or char not in ("[", "{"):
                return  # one flat container, or malformed: the parser sees to it
            stack.append([char, position - 1, limits.shape, 0, 0])
            continue
        if char in ("]", "}"):
            closed = stack.pop()
            if closed[0] + char not in ("[]", "{}"):
                return  # malformed: the parser says where
            commas = text.count(",", closed[1], position)
            if commas - closed[3] >= closed[2].max_items and (
                error := _items_over(text, closed[1], position - 1, closed[2].max_items, closed[0])
            ):
                raise error
            if stack:
                stack[-1][3] += commas
            continue
        containers += 1
        parent = stack[-1]
        parent[4] += 1
        if parent[4] > parent[2].max_items:  # refused now, without reading the rest
            unit = "items" if parent[0] == "[" else "members"
            raise _refuse(text, parent[1], f"expected at most {parent[2].max_items:,} {unit}, got more")
        shape = parent[2].child(_key(raw_key) if parent[0] == "{" else None)
        start = m.start(2) if flat is not None else position - 1
        if len(stack) >= max_depth:
            raise _refuse(text, start, f"nested deeper than {max_depth} levels")
        if containers > max_containers:
            raise _refuse(text, start, f"the document holds more than {max_containers:,} arrays and objects")
        if flat is None:
            stack.append([char, start, shape, 0, 0])
            continue
        # An array or object with no other inside: counted and done.
        if flat[0] + flat[-1] not in ("[]", "{}"):
            return  # malformed
        commas = flat.count(",")
        if commas >= shape.max_items and (error := _items_over(text, start, position - 1, shape.max_items, flat[0])):
            raise error
        parent[3] += commas


# -- parsing -------------------------------------------------------------------------------------


class _Refused:
    """Stands in the parsed tree for a value refused while parsing; the walk finds it with its path."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


class _RepeatedKeys(dict[str, Any]):
    """An object that named some key twice (the last value kept while parsing)."""

    __slots__ = ("repeated",)
    repeated: list[str]


_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every value of a parsed document with its path (only run when a problem was seen)."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def _problems(document: Any, surrogates: bool) -> list[Problem]:
    problems = []
    for path, value in _walk(document, ""):
        if isinstance(value, _Refused):
            problems.append(Problem(path, value.message))
        elif isinstance(value, _RepeatedKeys):
            for key in value.repeated:
                problems.append(Problem(f"{path}.{key}" if path else key, "this key appears more than once"))
        if surrogates:
            if isinstance(value, str) and _LONE_SURROGATE.search(value):
                problems.append(Problem(path, "expected valid Unicode text; found a lone surrogate"))
            if isinstance(value, dict):
                problems.extend(
                    Problem(f"{path}.{key}" if path else key, "expected a key of valid Unicode text")
                    for key in value
                    if _LONE_SURROGATE.search(key)
                )
    return problems


def _parser() -> tuple[Callable[[str], Any], list[bool]]:
    """``json.loads`` with hooks that mark what must be refused; and the flag they raise."""
    seen = [False]

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) == len(items):
            return obj
        seen[0] = True
        marked = _RepeatedKeys(obj)
        keys = [k for k, _v in items]
        marked.repeated = sorted({k for k in keys if keys.count(k) > 1})
        return marked

    def integer(digits: str) -> Any:
        if len(digits.lstrip("-")) <= MAX_INTEGER_DIGITS:
            return int(digits)
        seen[0] = True
        return _Refused(
            f"expected a number of at most {MAX_INTEGER_DIGITS} digits, got one of {len(digits.lstrip('-')):,}"
        )

    def number(text: str) -> Any:
        value = float(text)
        if math.isfinite(value):
            return value
        seen[0] = True
        return _Refused(f"expected a finite number, got {text[:40]} (beyond the range of a double)")

    def constant(name: str) -> Any:
        seen[0] = True
        return _Refused(f"expected a finite number, got {name} (not a JSON number)")

    def loads(text: str) -> Any:
        return json.loads(text, object_pairs_hook=pairs, parse_int=integer, parse_float=number, parse_constant=constant)

    return loads, seen


def parse_json(raw: bytes | str, limits: Limits = GENERIC) -> Any:
    """The JSON value of ``raw`` (UTF-8 bytes, a BOM allowed, or text), checked as
    the module docstring says. Raises :class:`JsonInputError`."""
    if isinstance(raw, bytes):
        try:
            text = document_text(raw)
        except DocumentError as exc:
            raise JsonInputError([Problem("", str(exc))], malformed=True) from None
    else:
        text = raw
    check_structure(text, limits)
    loads, seen = _parser()
    try:
        document = loads(text)
    except json.JSONDecodeError as exc:
        raise JsonInputError(
            [Problem("", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")], malformed=True
        ) from None
    surrogates = _ESCAPED_SURROGATE.search(text) is not None
    if seen[0] or surrogates:
        problems = _problems(document, surrogates)
        if problems:
            raise JsonInputError(problems)
    return document


__all__ = [
    "GENERIC",
    "MAX_CONTAINERS",
    "MAX_DEPTH",
    "MAX_INTEGER_DIGITS",
    "MAX_ITEMS",
    "JsonInputError",
    "Limits",
    "Shape",
    "check_structure",
    "free_form",
    "parse_json",
]
