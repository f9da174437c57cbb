"""Validation of inventory documents: every problem, with its JSON path.

The checks come from the marshmallow schemas in :mod:`.schema`, compiled once
into plain-Python checkers. Running marshmallow itself over a 100,000-VM
document takes tens of seconds; the compiled form runs the same field rules
(type, range, enumeration, length, pattern, required, nullability, unknown
fields, defaults) in a fraction of that. The cross-object rules of the contract
(ids unique per collection, every reference resolving) follow.

JSON is stricter than marshmallow's coercions: a boolean must be ``true`` or
``false``, an integer a JSON integer, a number a JSON number. The document's
meaning is then unambiguous.

Output is the normalized document: a fresh dict with the spec's defaults
filled in. The input is never modified.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from marshmallow import Schema, fields, validate

from planner.core.text import Text, text_problem

from . import schema as s

#: At most this many problems are listed; a final one counts the rest.
MAX_PROBLEMS = 1000


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a document: where (a JSON path) and what."""

    path: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.message}"


class InventoryError(ValueError):
    """A document that does not satisfy the contract; ``problems`` says why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"invalid inventory: {summarize(problems)}")


def summarize(problems: list[Problem]) -> str:
    """The first three problems and how many more: the message of an error that lists them."""
    head = "; ".join(str(p) for p in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return f"{head}{more}"


class _Problems(list[Problem]):
    """A list of problems that stops growing at MAX_PROBLEMS, counting the rest."""

    dropped = 0

    def add(self, path: str, message: str) -> None:
        if len(self) < MAX_PROBLEMS:
            self.append(Problem(path, message))
        else:
            self.dropped += 1

    def finish(self) -> list[Problem]:
        out = list(self)
        if self.dropped:
            out.append(Problem("", f"{self.dropped} further problems not listed"))
        return out


_INVALID = object()


class _ProblemSink(Protocol):
    """Where a checker reports: :class:`_Problems`, or :class:`_Silent` on the fast path."""

    def add(self, path: str, message: str) -> None: ...


#: A JSON path, built lazily: "" for the document, else (parent path, key).
#: Rendering it only when a problem is found keeps valid documents fast.
Path = Any
Checker = Callable[[Any, Path, _ProblemSink], Any]
#: One of a field's validators, compiled: an error message or None.
Rule = Callable[[Any], str | None]


def render_path(path: Path) -> str:
    parts: list[str] = []
    while path != "":
        path, key = path
        parts.append(f"[{key}]" if type(key) is int else f".{key}")
    return "".join(reversed(parts)).lstrip(".")


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _count(n: float) -> str:
    """A bound as people read it: 4094, 36500 but 1,048,576."""
    return f"{n:,}" if n >= 100_000 else f"{n}"


def _unit(field: fields.Field[Any]) -> str:
    """What a Length validator of ``field`` counts."""
    if isinstance(field, fields.List):
        return "items"
    return "entries" if isinstance(field, fields.Dict) else "characters"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _value_rules(field: fields.Field[Any]) -> tuple[Rule, ...]:
    """Turn a field's marshmallow validators into checks returning an error or None."""
    rules: list[Rule] = []
    for v in field.validators:
        if isinstance(v, validate.Length):
            lo, hi, unit = v.min, v.max, _unit(field)

            def length(x: Any, lo: int | None = lo, hi: int | None = hi, unit: str = unit) -> str | None:
                n = len(x)
                if (lo is not None and n < lo) or (hi is not None and n > hi):
                    if hi is None:
                        return f"expected at least {lo} {unit}, got {_count(n)}"
                    if not lo:
                        return f"expected at most {_count(hi)} {unit}, got {_count(n)}"
                    return f"expected {lo} to {_count(hi)} {unit}, got {_count(n)}"
                return None

            rules.append(length)
        elif isinstance(v, Text):

            def text(x: Any, multiline: bool = v.multiline) -> str | None:
                return text_problem(x, multiline=multiline)

            rules.append(text)
        elif isinstance(v, validate.OneOf):
            choices = frozenset(v.choices)
            shown = ", ".join(str(c) for c in v.choices)

            def one_of(x: Any, choices: frozenset[Any] = choices, shown: str = shown) -> str | None:
                if x in choices and type(x) is not bool:
                    return None
                return f"expected one of: {shown}; got {_describe(x)}"

            rules.append(one_of)
        elif isinstance(v, validate.Equal):

            def equal(x: Any, want: Any = v.comparable) -> str | None:
                return None if x == want else f"expected {want!r}, got {_describe(x)}"

            rules.append(equal)
        elif isinstance(v, validate.Range):
            lo, hi, lo_in, hi_in = v.min, v.max, v.min_inclusive, v.max_inclusive
            parts: list[str] = []
            if lo is not None:
                parts.append(f"{'≥' if lo_in else '>'} {_count(lo)}")
            if hi is not None:
                parts.append(f"{'≤' if hi_in else '<'} {_count(hi)}")
            wanted = " and ".join(parts)

            def in_range(
                x: Any, lo: Any = lo, hi: Any = hi, lo_in: bool = lo_in, hi_in: bool = hi_in, wanted: str = wanted
            ) -> str | None:
                if (lo is not None and (x < lo if lo_in else x <= lo)) or (
                    hi is not None and (x > hi if hi_in else x >= hi)
                ):
                    return f"expected a value {wanted}, got {_describe(x)}"
                return None

            rules.append(in_range)
        elif isinstance(v, validate.Regexp):
            pattern = re.compile(v.regex.pattern)

            def matches(x: Any, pattern: re.Pattern[Any] = pattern) -> str | None:
                if pattern.match(x):
                    return None
                return f"expected text matching {pattern.pattern}, got {_describe(x)}"

            rules.append(matches)
        else:  # pragma: no cover - a schema author added a validator we do not compile
            raise TypeError(f"cannot compile validator {v!r} on field {field.name}")
    return tuple(rules)


def _scalar(
    types: tuple[type, ...], expected: str, rules: tuple[Rule, ...], convert: Callable[[Any], Any] | None = None
) -> Checker:
    """A checker for a JSON scalar of one of ``types``, then the field's rules."""
    accepted = frozenset(types)

    def check(value: Any, path: Path, problems: _ProblemSink) -> Any:
        if type(value) not in accepted:
            problems.add(render_path(path), f"expected {expected}, got {_type_name(value)}")
            return _INVALID
        if type(value) is float and not math.isfinite(value):
            problems.add(render_path(path), f"expected a finite number, got {_describe(value)}")
            return _INVALID
        for rule in rules:
            err = rule(value)
            if err:
                problems.add(render_path(path), err)
                return _INVALID
        return convert(value) if convert is not None else value

    return check


def _date(value: Any, path: Path, problems: _ProblemSink) -> Any:
    if type(value) is str and len(value) == 10:
        try:
            dt.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    problems.add(render_path(path), f"expected a date as YYYY-MM-DD, got {_describe(value)}")
    return _INVALID


def _datetime(value: Any, path: Path, problems: _ProblemSink) -> Any:
    if type(value) is str and len(value) <= s.MAX_DATETIME:
        try:
            dt.datetime.fromisoformat(value)
            return value
        except ValueError:
            pass
    problems.add(render_path(path), f"expected an ISO 8601 date-time, got {_describe(value)}")
    return _INVALID


def _list_of(inner: Checker) -> Checker:
    def check(value: Any, path: Path, problems: _ProblemSink) -> Any:
        if type(value) is not list:
            problems.add(render_path(path), f"expected an array, got {_type_name(value)}")
            return _INVALID
        out: list[Any] = []
        ok = True
        for i, item in enumerate(value):
            r = inner(item, (path, i), problems)
            if r is _INVALID:
                ok = False
            else:
                out.append(r)
        return out if ok else _INVALID

    return check


def _dict_of(keys: Checker, values: Checker) -> Checker:
    def check(value: Any, path: Path, problems: _ProblemSink) -> Any:
        if type(value) is not dict:
            problems.add(render_path(path), f"expected an object, got {_type_name(value)}")
            return _INVALID
        ok = True
        for k, v in value.items():
            sub = (path, k)
            if keys(k, sub, problems) is _INVALID or values(v, sub, problems) is _INVALID:
                ok = False
        return dict(value) if ok else _INVALID

    return check


def _with_rules(base: Checker, rules: tuple[Rule, ...], container: type | None = None) -> Checker:
    """``base``, then the field's rules on what it returns; on a ``container``
    (a list or dict) the rules (its bounds) come first, so an oversized one is
    refused before its items are looked at."""
    if not rules:
        return base

    def check(value: Any, path: Path, problems: _ProblemSink) -> Any:
        if type(value) is container:
            for rule in rules:
                err = rule(value)
                if err:
                    problems.add(render_path(path), err)
                    return _INVALID
            return base(value, path, problems)
        out = base(value, path, problems)
        if out is not _INVALID:
            for rule in rules:
                err = rule(out)
                if err:
                    problems.add(render_path(path), err)
                    return _INVALID
        return out

    return check


def compile_field(field: fields.Field[Any]) -> Checker:
    """The checker for one marshmallow field's value (not its presence)."""
    rules = _value_rules(field)
    if isinstance(field, fields.Nested):
        nested = field.nested if isinstance(field.nested, type) else type(field.nested)
        return _with_rules(compile_schema(nested), rules)
    if isinstance(field, fields.List):
        return _with_rules(_list_of(compile_field(field.inner)), rules, list)
    if isinstance(field, fields.Dict):
        if field.key_field is None or field.value_field is None:  # pragma: no cover - a schema author's omission
            raise TypeError(f"cannot compile {field!r}: a Dict needs keys= and values= (free-form data is unchecked)")
        return _with_rules(_dict_of(compile_field(field.key_field), compile_field(field.value_field)), rules, dict)
    if isinstance(field, fields.Boolean):
        return _scalar((bool,), "true or false", rules)
    if isinstance(field, fields.Integer):
        return _scalar((int,), "an integer", rules)
    if isinstance(field, (fields.Float, fields.Number)):
        return _scalar((int, float), "a number", rules, float)
    if isinstance(field, fields.DateTime):
        return _with_rules(_datetime, rules)
    if isinstance(field, fields.Date):
        return _with_rules(_date, rules)
    if isinstance(field, fields.String):
        if not any(isinstance(v, (Text, validate.OneOf, validate.Equal)) for v in field.validators):
            # Every text from outside keeps the text rule (planner.core.text).
            raise TypeError(f"string field {field.name!r} needs a Text, OneOf or Equal validator")
        return _scalar((str,), "a string", rules)
    raise TypeError(f"cannot compile field {field!r}")  # pragma: no cover


_compiled: dict[type, Checker] = {}
_MISSING = object()


def compile_schema(schema_cls: type[Schema]) -> Checker:
    """The checker for an object described by ``schema_cls`` (cached)."""
    if schema_cls in _compiled:
        return _compiled[schema_cls]
    declared = schema_cls._declared_fields
    plan = tuple(
        (name, compile_field(field), field.required, field.allow_none, field.load_default, callable(field.load_default))
        for name, field in declared.items()
    )
    known = frozenset(declared)

    def check(value: Any, path: Path, problems: _ProblemSink) -> Any:
        if type(value) is not dict:
            problems.add(render_path(path), f"expected an object, got {_type_name(value)}")
            return _INVALID
        ok = True
        if not known.issuperset(value):
            ok = False
            for key in value:
                if key not in known:
                    problems.add(render_path((path, key)), "unknown field (free-form data belongs under tags)")
        out: dict[str, Any] = {}
        get = value.get
        for name, checker, required, allow_none, default, default_callable in plan:
            v = get(name, _MISSING)
            if v is _MISSING:
                if required:
                    problems.add(render_path((path, name)), "missing required field")
                    ok = False
                else:
                    out[name] = default() if default_callable else default
            elif v is None:
                if allow_none:
                    out[name] = None
                else:
                    problems.add(render_path((path, name)), "may not be null")
                    ok = False
            else:
                r = checker(v, (path, name), problems)
                if r is _INVALID:
                    ok = False
                else:
                    out[name] = r
        return out if ok else _INVALID

    _compiled[schema_cls] = check
    return check


_check_document = compile_schema(s.InventorySchema)


# -- The fast path -----------------------------------------------------------
# Almost every document that arrives is valid. For those, the checkers above
# spend most of their time on generality: a call per field, a path tuple per
# value. Below, each schema is also generated as one straight-line Python
# function (exec of source built from the same marshmallow fields) that tests
# the common valid forms inline and returns the normalized object, or
# _INVALID at the first doubt, silently. validate_document tries it first and,
# on _INVALID, runs the checkers above, which find and word every problem
# exactly as before. So the fast path decides nothing on its own: it can only
# accept what the full checkers would accept unchanged.


class _Silent:
    """A problems sink for checkers the fast path borrows (it never reports)."""

    @staticmethod
    def add(path: str, message: str) -> None:
        pass


def _inline_test(field: fields.Field[Any], var: str, ns: dict[str, Any], tag: str) -> tuple[str, str] | None:
    """(condition, value expression) testing a scalar field inline, or None if it has no fast form."""
    if isinstance(field, (fields.Nested, fields.List, fields.Dict, fields.Date, fields.DateTime)):
        return None
    if isinstance(field, fields.Boolean):
        conds, value = [f"type({var}) is bool"], var
    elif isinstance(field, fields.Integer):
        conds, value = [f"type({var}) is int"], var
    elif isinstance(field, (fields.Float, fields.Number)):
        conds, value = [f"(type({var}) is int or (type({var}) is float and _isfinite({var})))"], f"float({var})"
    elif isinstance(field, fields.String):
        conds, value = [f"type({var}) is str"], var
    else:
        return None
    for i, v in enumerate(field.validators):
        name = f"_{tag}_{i}"
        if isinstance(v, validate.Length):
            if v.min is not None:
                conds.append(f"len({var}) >= {v.min!r}")
            if v.max is not None:
                conds.append(f"len({var}) <= {v.max!r}")
        elif isinstance(v, validate.OneOf):
            ns[name] = frozenset(v.choices)
            conds.append(f"{var} in {name}")
        elif isinstance(v, validate.Range):
            ns[name] = (v.min, v.max)
            if v.min is not None:
                conds.append(f"{var} {'>=' if v.min_inclusive else '>'} {name}[0]")
            if v.max is not None:
                conds.append(f"{var} {'<=' if v.max_inclusive else '<'} {name}[1]")
        elif isinstance(v, validate.Regexp):
            ns[name] = re.compile(v.regex.pattern).match
            conds.append(f"{name}({var})")
        elif isinstance(v, Text):
            # isprintable() decides the common case in C; the rule itself the rest.
            ns[name] = _text_ok(v.multiline)
            conds.append(f"({var}.isprintable() or {name}({var}))")
        else:
            return None
    return " and ".join(conds), value


def _text_ok(multiline: bool) -> Callable[[str], bool]:
    def ok(value: str) -> bool:
        return text_problem(value, multiline=multiline) is None

    return ok


def _max_length(field: fields.Field[Any]) -> float | None:
    """The bound of a list or dict: unbounded without validators, its Length's maximum when
    that is its only validator, None (no fast form) otherwise."""
    if not field.validators:
        return math.inf
    if len(field.validators) == 1 and isinstance(field.validators[0], validate.Length):
        length = field.validators[0]
        if not length.min and length.max is not None and length.equal is None:
            return length.max
    return None


def _fast_field(field: fields.Field[Any]) -> Callable[[Any], Any]:
    """A silent checker for one field's (non-null) value: normalized value or _INVALID."""
    if isinstance(field, fields.Nested) and not field.validators:
        return _fast_schema(field.nested if isinstance(field.nested, type) else type(field.nested))
    bound = _max_length(field)
    if isinstance(field, fields.List) and bound is not None:
        inner = _fast_field(field.inner)

        def check_list(value: Any) -> Any:
            if type(value) is not list or len(value) > bound:
                return _INVALID
            out = [inner(x) for x in value]
            return _INVALID if _INVALID in out else out

        return check_list
    if isinstance(field, fields.Dict) and bound is not None and field.key_field and field.value_field:
        keys, values = _fast_field(field.key_field), _fast_field(field.value_field)

        def check_dict(value: Any) -> Any:
            if type(value) is not dict or len(value) > bound:
                return _INVALID
            for k, x in value.items():
                if keys(k) is _INVALID or values(x) is _INVALID:
                    return _INVALID
            return dict(value)

        return check_dict
    ns: dict[str, Any] = {"_isfinite": math.isfinite, "_INVALID": _INVALID}
    inline = _inline_test(field, "v", ns, "r")
    if inline is not None:
        cond, value = inline
        # Code generated from our own schema's fields, never from input.
        exec(f"def check(v):\n    return {value} if {cond} else _INVALID\n", ns)  # noqa: S102
        check: Callable[[Any], Any] = ns["check"]
        return check
    full = compile_field(field)
    return lambda value: full(value, "", _Silent)


_fast_compiled: dict[type, Callable[[Any], Any]] = {}


def _fast_schema(schema_cls: type[Schema]) -> Callable[[Any], Any]:
    """The generated straight-line checker of one schema (cached)."""
    if schema_cls in _fast_compiled:
        return _fast_compiled[schema_cls]
    declared = schema_cls._declared_fields
    ns: dict[str, Any] = {
        "_INVALID": _INVALID,
        "_MISSING": _MISSING,
        "_isfinite": math.isfinite,
        "_known": frozenset(declared),
        "float": float,
    }
    lines = [
        "def check(value):",
        "    if type(value) is not dict or not _known.issuperset(value):",
        "        return _INVALID",
        "    get = value.get",
        "    out = {}",
    ]
    for i, (name, field) in enumerate(declared.items()):
        key = repr(name)
        lines.append(f"    v = get({key}, _MISSING)")
        if field.required:
            lines.append("    if v is _MISSING: return _INVALID")
        else:
            default = field.load_default
            if callable(default):
                ns[f"_d{i}"] = default
                lines.append(f"    if v is _MISSING: out[{key}] = _d{i}()")
            else:
                ns[f"_d{i}"] = default
                lines.append(f"    if v is _MISSING: out[{key}] = _d{i}")
        if field.allow_none:
            lines.append(f"    elif v is None: out[{key}] = None")
        else:
            lines.append("    elif v is None: return _INVALID")
        inline = _inline_test(field, "v", ns, f"f{i}")
        if inline is not None:
            cond, value = inline
            lines.append(f"    elif {cond}: out[{key}] = {value}")
            lines.append("    else: return _INVALID")
        else:
            ns[f"_c{i}"] = _fast_field(field)
            lines.append("    else:")
            lines.append(f"        r = _c{i}(v)")
            lines.append("        if r is _INVALID: return _INVALID")
            lines.append(f"        out[{key}] = r")
    lines.append("    return out")
    exec("\n".join(lines) + "\n", ns)  # noqa: S102 -- generated from the schema, never from input
    check: Callable[[Any], Any] = ns["check"]
    _fast_compiled[schema_cls] = check
    return check


_fast_document = _fast_schema(s.InventorySchema)


def _objects(doc: Any, coll: str) -> list[Any]:
    items = doc.get(coll) if type(doc) is dict else None
    return items if type(items) is list else []


def _check_identities(doc: Any, problems: _Problems) -> None:
    """Ids unique per collection (and a VM's snapshot ids within the VM); every reference resolves.

    Tolerant of a document that failed its field checks (it runs on the raw
    input then), so a caller sees reference problems and field problems in
    one answer; whatever is not a well-formed id is skipped here.
    """
    ids: dict[str, Collection[str]] = {}
    for coll in s.COLLECTIONS:
        seen: dict[str, int] = {}
        for i, obj in enumerate(_objects(doc, coll)):
            oid = obj.get("id") if type(obj) is dict else None
            if type(oid) is not str:
                continue
            if oid in seen:
                problems.add(f"{coll}[{i}].id", f"duplicate id {oid!r} (first used at {coll}[{seen[oid]}])")
            else:
                seen[oid] = i
        ids[coll] = seen.keys()

    def check(path: str, value: Any, target: str) -> None:
        if type(value) is str and value not in ids[target]:
            problems.add(path, f"no {target[:-1]} with id {_describe(value)} in {target}")

    def each(coll: str) -> Iterator[tuple[int, dict[str, Any]]]:
        for i, obj in enumerate(_objects(doc, coll)):
            if type(obj) is dict:
                yield i, obj

    def listed(obj: dict[str, Any], key: str) -> list[Any]:
        items = obj.get(key)
        return items if type(items) is list else []

    for i, h in each("hosts"):
        check(f"hosts[{i}].cluster", h.get("cluster"), "clusters")
        check(f"hosts[{i}].dedicated_zone", h.get("dedicated_zone"), "zones")
        for key in ("management", "migration"):
            m = h.get(key)
            if type(m) is dict:
                check(f"hosts[{i}].{key}.network", m.get("network"), "networks")
    for i, n in each("networks"):
        check(f"networks[{i}].zone", n.get("zone"), "zones")
    for i, a in each("appliances"):
        for j, nid in enumerate(listed(a, "networks")):
            check(f"appliances[{i}].networks[{j}]", nid, "networks")
        check(f"appliances[{i}].vm", a.get("vm"), "vms")
    for i, d in each("datastores"):
        for j, hid in enumerate(listed(d, "hosts")):
            check(f"datastores[{i}].hosts[{j}]", hid, "hosts")
    for i, v in each("vms"):
        check(f"vms[{i}].host", v.get("host"), "hosts")
        check(f"vms[{i}].zone", v.get("zone"), "zones")
        for j, nic in enumerate(listed(v, "nics")):
            if type(nic) is dict:
                check(f"vms[{i}].nics[{j}].network", nic.get("network"), "networks")
        for j, disk in enumerate(listed(v, "disks")):
            if type(disk) is dict:
                check(f"vms[{i}].disks[{j}].datastore", disk.get("datastore"), "datastores")
        snapshots: dict[str, int] = {}
        for j, snap in enumerate(listed(v, "snapshots")):
            sid = snap.get("id") if type(snap) is dict else None
            if type(sid) is not str:
                continue
            if sid in snapshots:
                problems.add(
                    f"vms[{i}].snapshots[{j}].id",
                    f"duplicate snapshot id {_describe(sid)} (first used at vms[{i}].snapshots[{snapshots[sid]}])",
                )
            else:
                snapshots[sid] = j


def _fill_defaults(doc: dict[str, Any]) -> None:
    """Defaults that depend on other fields (the schema cannot state them)."""
    if doc["policy"] is None:
        doc["policy"] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in s.POLICY_DEFAULTS.items()}
    for a in doc["appliances"]:
        if a["filtering"] is None:
            a["filtering"] = a["kind"] in s.FILTERING_BY_DEFAULT


def validate_document(document: Any) -> dict[str, Any]:
    """Check ``document`` against the contract; return it normalized.

    Raises :class:`InventoryError` listing every problem found (up to
    :data:`MAX_PROBLEMS`), each with its JSON path.
    """
    problems = _Problems()
    doc = _fast_document(document)
    if doc is _INVALID:  # find and word every problem (or accept what the fast path doubted)
        doc = _check_document(document, "", problems)
    # On a document with field problems, ids and references are checked on the
    # raw input, so one answer lists both kinds.
    _check_identities(document if doc is _INVALID else doc, problems)
    if problems or doc is _INVALID:
        raise InventoryError(problems.finish())
    normalized: dict[str, Any] = doc  # the checkers' output for a valid document is always an object
    _fill_defaults(normalized)
    return normalized


def problems_of(document: Any) -> list[Problem]:
    """Every problem with ``document`` (empty when it is valid)."""
    try:
        validate_document(document)
    except InventoryError as exc:
        return exc.problems
    return []
