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
from dataclasses import dataclass
from typing import Any, Callable

from marshmallow import Schema, fields, validate

from . import schema as s

#: At most this many problems are listed; a final one counts the rest.
MAX_PROBLEMS = 1000


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a document: where (a JSON path) and what."""

    path: str
    message: str

    def to_dict(self) -> dict:
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.message}"


class InventoryError(ValueError):
    """A document that does not satisfy the contract; ``problems`` says why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"invalid inventory: {head}{more}")


class _Problems(list):
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

#: A JSON path, built lazily: "" for the document, else (parent path, key).
#: Rendering it only when a problem is found keeps valid documents fast.
Path = Any
Checker = Callable[[Any, Path, "_Problems"], Any]


def render_path(path: Path) -> str:
    parts = []
    while path != "":
        path, key = path
        parts.append(f"[{key}]" if type(key) is int else f".{key}")
    return "".join(reversed(parts)).lstrip(".")


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


def _value_rules(field: fields.Field) -> tuple[Callable[[Any], str | None], ...]:
    """Turn a field's marshmallow validators into checks returning an error or None."""
    rules = []
    for v in field.validators:
        if isinstance(v, validate.Length):
            lo, hi = v.min, v.max
            def rule(x, lo=lo, hi=hi):
                n = len(x)
                if (lo is not None and n < lo) or (hi is not None and n > hi):
                    if hi is None:
                        return f"expected at least {lo} characters, got {n}"
                    return f"expected {lo or 0} to {hi} characters, got {n}"
                return None
        elif isinstance(v, validate.OneOf):
            choices = frozenset(v.choices)
            shown = ", ".join(str(c) for c in v.choices)
            def rule(x, choices=choices, shown=shown):
                if x in choices and type(x) is not bool:
                    return None
                return f"expected one of: {shown}; got {_describe(x)}"
        elif isinstance(v, validate.Equal):
            def rule(x, want=v.comparable):
                return None if x == want else f"expected {want!r}, got {_describe(x)}"
        elif isinstance(v, validate.Range):
            lo, hi, lo_in, hi_in = v.min, v.max, v.min_inclusive, v.max_inclusive
            parts = []
            if lo is not None:
                parts.append(f"{'≥' if lo_in else '>'} {lo}")
            if hi is not None:
                parts.append(f"{'≤' if hi_in else '<'} {hi}")
            wanted = " and ".join(parts)
            def rule(x, lo=lo, hi=hi, lo_in=lo_in, hi_in=hi_in, wanted=wanted):
                if lo is not None and (x < lo if lo_in else x <= lo):
                    return f"expected a value {wanted}, got {x}"
                if hi is not None and (x > hi if hi_in else x >= hi):
                    return f"expected a value {wanted}, got {x}"
                return None
        elif isinstance(v, validate.Regexp):
            pattern = re.compile(v.regex.pattern)
            def rule(x, pattern=pattern):
                if pattern.match(x):
                    return None
                return f"expected text matching {pattern.pattern}, got {_describe(x)}"
        else:  # pragma: no cover - a schema author added a validator we do not compile
            raise TypeError(f"cannot compile validator {v!r} on field {field.name}")
        rules.append(rule)
    return tuple(rules)


def _scalar(types: tuple[type, ...], expected: str, rules: tuple, convert=None) -> Checker:
    """A checker for a JSON scalar of one of ``types``, then the field's rules."""
    accepted = frozenset(types)

    def check(value, path, problems):
        if type(value) not in accepted or (type(value) is float and not math.isfinite(value)):
            problems.add(render_path(path), f"expected {expected}, got {_type_name(value)}")
            return _INVALID
        for rule in rules:
            err = rule(value)
            if err:
                problems.add(render_path(path), err)
                return _INVALID
        return convert(value) if convert is not None else value
    return check


def _date(value, path, problems):
    if type(value) is str and len(value) == 10:
        try:
            dt.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    problems.add(render_path(path), f"expected a date as YYYY-MM-DD, got {_describe(value)}")
    return _INVALID


def _datetime(value, path, problems):
    if type(value) is str:
        try:
            dt.datetime.fromisoformat(value)
            return value
        except ValueError:
            pass
    problems.add(render_path(path), f"expected an ISO 8601 date-time, got {_describe(value)}")
    return _INVALID


def _list_of(inner: Checker) -> Checker:
    def check(value, path, problems):
        if type(value) is not list:
            problems.add(render_path(path), f"expected an array, got {_type_name(value)}")
            return _INVALID
        out = []
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
    def check(value, path, problems):
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


def _with_rules(base: Checker, rules: tuple) -> Checker:
    if not rules:
        return base
    def check(value, path, problems):
        out = base(value, path, problems)
        if out is not _INVALID:
            for rule in rules:
                err = rule(out)
                if err:
                    problems.add(render_path(path), err)
                    return _INVALID
        return out
    return check


def compile_field(field: fields.Field) -> Checker:
    """The checker for one marshmallow field's value (not its presence)."""
    rules = _value_rules(field)
    if isinstance(field, fields.Nested):
        nested = field.nested if isinstance(field.nested, type) else type(field.nested)
        return _with_rules(compile_schema(nested), rules)
    if isinstance(field, fields.List):
        return _with_rules(_list_of(compile_field(field.inner)), rules)
    if isinstance(field, fields.Dict):
        return _with_rules(_dict_of(compile_field(field.key_field), compile_field(field.value_field)), rules)
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
        (name, compile_field(field), field.required, field.allow_none, field.load_default,
         callable(field.load_default))
        for name, field in declared.items()
    )
    known = frozenset(declared)

    def check(value, path, problems):
        if type(value) is not dict:
            problems.add(render_path(path), f"expected an object, got {_type_name(value)}")
            return _INVALID
        ok = True
        if not known.issuperset(value):
            ok = False
            for key in value:
                if key not in known:
                    problems.add(render_path((path, key)), "unknown field (free-form data belongs under tags)")
        out = {}
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


def _check_identities(doc: dict, problems: _Problems) -> None:
    """Ids unique per collection; every reference resolves."""
    ids: dict[str, set] = {}
    for coll in s.COLLECTIONS:
        seen: dict[str, int] = {}
        for i, obj in enumerate(doc[coll]):
            oid = obj["id"]
            if oid in seen:
                problems.add(f"{coll}[{i}].id", f"duplicate id {oid!r} (first used at {coll}[{seen[oid]}])")
            else:
                seen[oid] = i
        ids[coll] = seen.keys()

    def ref(path: str, value, target: str):
        if value is not None and value not in ids[target]:
            problems.add(path, f"no {target[:-1]} with id {_describe(value)} in {target}")

    zones, clusters, networks, hosts, datastores, vms = (
        ids["zones"], ids["clusters"], ids["networks"], ids["hosts"], ids["datastores"], ids["vms"])
    for i, h in enumerate(doc["hosts"]):
        if h["cluster"] is not None and h["cluster"] not in clusters:
            ref(f"hosts[{i}].cluster", h["cluster"], "clusters")
        if h["dedicated_zone"] is not None and h["dedicated_zone"] not in zones:
            ref(f"hosts[{i}].dedicated_zone", h["dedicated_zone"], "zones")
        m = h["management"]
        if m is not None and m["network"] is not None and m["network"] not in networks:
            ref(f"hosts[{i}].management.network", m["network"], "networks")
    for i, n in enumerate(doc["networks"]):
        if n["zone"] is not None and n["zone"] not in zones:
            ref(f"networks[{i}].zone", n["zone"], "zones")
    for i, a in enumerate(doc["appliances"]):
        for j, nid in enumerate(a["networks"]):
            if nid not in networks:
                ref(f"appliances[{i}].networks[{j}]", nid, "networks")
        if a["vm"] is not None and a["vm"] not in vms:
            ref(f"appliances[{i}].vm", a["vm"], "vms")
    for i, d in enumerate(doc["datastores"]):
        for j, hid in enumerate(d["hosts"]):
            if hid not in hosts:
                ref(f"datastores[{i}].hosts[{j}]", hid, "hosts")
    for i, v in enumerate(doc["vms"]):
        if v["host"] is not None and v["host"] not in hosts:
            ref(f"vms[{i}].host", v["host"], "hosts")
        if v["zone"] is not None and v["zone"] not in zones:
            ref(f"vms[{i}].zone", v["zone"], "zones")
        for j, nic in enumerate(v["nics"]):
            if nic["network"] not in networks:
                ref(f"vms[{i}].nics[{j}].network", nic["network"], "networks")
        for j, disk in enumerate(v["disks"]):
            if disk["datastore"] not in datastores:
                ref(f"vms[{i}].disks[{j}].datastore", disk["datastore"], "datastores")


def _fill_defaults(doc: dict) -> None:
    """Defaults that depend on other fields (the schema cannot state them)."""
    if doc["policy"] is None:
        doc["policy"] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in s.POLICY_DEFAULTS.items()}
    for a in doc["appliances"]:
        if a["filtering"] is None:
            a["filtering"] = a["kind"] in s.FILTERING_BY_DEFAULT


def validate_document(document: Any) -> dict:
    """Check ``document`` against the contract; return it normalized.

    Raises :class:`InventoryError` listing every problem found (up to
    :data:`MAX_PROBLEMS`), each with its JSON path.
    """
    problems = _Problems()
    doc = _check_document(document, "", problems)
    if doc is _INVALID or problems:
        if not problems:  # pragma: no cover - defensive: invalid always records why
            problems.add("", "invalid document")
        raise InventoryError(problems.finish())
    _check_identities(doc, problems)
    if problems:
        raise InventoryError(problems.finish())
    _fill_defaults(doc)
    return doc


def problems_of(document: Any) -> list[Problem]:
    """Every problem with ``document`` (empty when it is valid)."""
    try:
        validate_document(document)
    except InventoryError as exc:
        return exc.problems
    return []
