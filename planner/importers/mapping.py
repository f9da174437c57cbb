"""Mapping rules: the judgements a CMDB does not hold (trust zones, trust
levels, FIPS 199 categorization, internet exposure, which hosts are dedicated
to a zone), decided from the facts it does hold.

A mapping file is YAML (see ``docs/importers.md``)::

    mapping: virtplan.mapping/v1
    zones:
      - {id: dmz, name: DMZ, trust_level: 1}
      - {id: internal, trust_level: 2}
    networks:
      rules:
        - match: {name: "DMZ-*"}
          zone: dmz
      default: {zone: internal}
    vms:
      rules:
        - match: {cluster: DMZ}
          zone: dmz
          categorization: moderate
          internet_facing: true
    hosts:
      rules:
        - match: {cluster: DMZ}
          dedicated_zone: dmz

Within each collection the first rule whose every ``match`` key matches wins;
an object no rule matches takes the ``default`` (if any) and is listed as
unmatched either way — never decided silently. Patterns are globs (``*``,
``?``, ``[..]``, case-insensitive), regular expressions written
``re:<expression>`` (case-insensitive) or one exact value written
``exact:<text>`` (case-sensitive, no wildcards), each matched against the
whole value; a list matches if any
item does; ``vlan`` also takes ranges (``100-199``); ``custom_field`` maps a
field name to a pattern.

Loading validates the whole file and reports every problem with the file
and its path in it (``mapping.yaml: vms.rules[2].match.vlan: …``).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from planner.core.documents import DocumentError, read_yaml
from planner.core.inventory import schema as contract

from .diagnostics import Located, SourceError, Warnings
from .observed import FACT_KEYS, Thing

MAPPING_ID = "virtplan.mapping/v1"
MAX_MAPPING_BYTES = 1024 * 1024
MAX_RULES = 10_000

#: What a rule may decide, per collection, and how each value is checked.
DECISIONS: dict[str, tuple[str, ...]] = {
    "networks": ("zone", "purpose"),
    "hosts": ("dedicated_zone", "cpu_cores", "memory_gib"),
    "vms": ("zone", "categorization", "internet_facing", "role"),
}
#: Host facts a source may lack; a host rule supplies them only then.
HOST_FILL_INS = ("cpu_cores", "memory_gib")

Matcher = Callable[[Thing], bool]


@dataclass(frozen=True)
class Rule:
    index: int
    matchers: tuple[Matcher, ...]
    decides: dict[str, Any]

    def matches(self, thing: Thing) -> bool:
        return all(m(thing) for m in self.matchers)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()
    default: dict[str, Any] | None = None

    def decide(self, thing: Thing) -> tuple[dict[str, Any] | None, str]:
        """(decisions, how): the first matching rule's, else the default's (or None)."""
        for rule in self.rules:
            if rule.matches(thing):
                return rule.decides, f"rules[{rule.index}]"
        return self.default, "default" if self.default is not None else "none"


@dataclass(frozen=True)
class Mapping:
    name: str
    zones: tuple[dict[str, Any], ...]
    networks: RuleSet = field(default_factory=RuleSet)
    hosts: RuleSet = field(default_factory=RuleSet)
    vms: RuleSet = field(default_factory=RuleSet)

    def ruleset(self, collection: str) -> RuleSet:
        found: RuleSet = getattr(self, collection)
        return found


def canonical(value: Any) -> str:
    """The exact text form of a decided value, as recorded in provenance tags."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- loading and validating --------------------------------------------------------------------


class _Checker:
    def __init__(self, name: str):
        self.name = name
        self.problems: list[Located] = []

    def bad(self, path: str, message: str) -> None:
        self.problems.append(Located(f"{self.name}: {path}" if path else self.name, message))


def load_mapping(name: str, text: str | bytes) -> Mapping:
    """Parse and validate a mapping file; :class:`SourceError` lists every problem."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SourceError([Located(name, "not UTF-8 text: a mapping is a YAML text file")]) from None
    try:
        data = read_yaml(text, MAX_MAPPING_BYTES)
    except DocumentError as exc:
        raise SourceError([Located(name, str(exc))]) from None
    try:
        return mapping_from_data(name, data)
    except SourceError as exc:
        lines = _lines(text)
        raise SourceError([_with_line(p, name, lines) for p in exc.problems]) from None


def _lines(text: str) -> dict[str, int]:
    """The line (from 1) where each path of a YAML text (``vms.rules[2].match``) begins: a
    mapping's entry at its key, a list's item at the item."""
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    child = f"{path}.{key.value}" if path else str(key.value)
                    lines[child] = key.start_mark.line + 1
                    walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[f"{path}[{i}]"] = item.start_mark.line + 1
                walk(item, f"{path}[{i}]")

    root = yaml.compose(text, Loader=yaml.SafeLoader)  # read once already: it parses
    if root is not None:
        walk(root, "")
    return lines


_LAST_STEP = re.compile(r"(?:\.[^.\[]*|\[\d+\])$")


def _with_line(problem: Located, name: str, lines: dict[str, int]) -> Located:
    """``problem`` with the line of its path, or of the nearest enclosing one
    that the file has (a missing key is told at its parent)."""
    path = problem.where.removeprefix(f"{name}: ") if problem.where != name else ""
    while path and path not in lines:
        shorter = _LAST_STEP.sub("", path)
        path = "" if shorter == path else shorter
    if not path:
        return problem
    return Located(problem.where, f"{problem.message} (line {lines[path]})", problem.kind)


def mapping_from_data(name: str, data: Any) -> Mapping:
    """Validate an already parsed mapping (YAML or a JSON request body)."""
    check = _Checker(name)
    if not isinstance(data, dict):
        raise SourceError([Located(name, "expected a mapping document (an object with mapping, zones, vms…)")])
    for key in data:
        if key not in ("mapping", "zones", "networks", "hosts", "vms"):
            check.bad(str(key), "unknown key (expected mapping, zones, networks, hosts or vms)")
    if data.get("mapping") != MAPPING_ID:
        check.bad("mapping", f"expected {MAPPING_ID!r}, got {data.get('mapping')!r}")
    zones = _zones(check, data.get("zones"))
    zone_ids = {z["id"] for z in zones}
    rulesets = {c: _ruleset(check, c, data.get(c), zone_ids) for c in DECISIONS}
    if check.problems:
        raise SourceError(check.problems)
    return Mapping(name, tuple(zones), rulesets["networks"], rulesets["hosts"], rulesets["vms"])


def _zones(check: _Checker, raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.bad("zones", "expected a list of zones ({id, name, trust_level, purpose})")
        return []
    zones: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, z in enumerate(raw):
        path = f"zones[{i}]"
        if not isinstance(z, dict):
            check.bad(path, "expected a zone: {id, name, trust_level, purpose}")
            continue
        for key in z:
            if key not in ("id", "name", "trust_level", "purpose"):
                check.bad(f"{path}.{key}", "unknown key (expected id, name, trust_level or purpose)")
        zid = z.get("id")
        if not isinstance(zid, str) or not 1 <= len(zid) <= 200:
            check.bad(f"{path}.id", "expected an id: a string of 1 to 200 characters")
            continue
        if zid in seen:
            check.bad(f"{path}.id", f"duplicate zone id {zid!r}")
        seen.add(zid)
        level = z.get("trust_level")
        if type(level) is not int or level not in contract.TRUST_LEVELS:
            check.bad(f"{path}.trust_level", f"expected an integer 0 to 4, got {level!r}")
        purpose = z.get("purpose", "workload")
        if purpose not in contract.ZONE_PURPOSES:
            check.bad(f"{path}.purpose", f"expected one of {', '.join(contract.ZONE_PURPOSES)}, got {purpose!r}")
        zname = z.get("name")
        if zname is not None and (not isinstance(zname, str) or len(zname) > 500):
            check.bad(f"{path}.name", "expected text of at most 500 characters")
        zones.append(
            {"id": zid, "name": zname if isinstance(zname, str) else None, "trust_level": level, "purpose": purpose}
        )
    return zones


def _ruleset(check: _Checker, collection: str, raw: Any, zone_ids: set[str]) -> RuleSet:
    if raw is None:
        return RuleSet()
    if not isinstance(raw, dict):
        check.bad(collection, "expected {rules: [...], default: {...}}")
        return RuleSet()
    for key in raw:
        if key not in ("rules", "default"):
            check.bad(f"{collection}.{key}", "unknown key (expected rules or default)")
    rules_raw = raw.get("rules") or []
    if not isinstance(rules_raw, list):
        check.bad(f"{collection}.rules", "expected a list of rules ({match: {...}, <decisions>})")
        rules_raw = []
    if len(rules_raw) > MAX_RULES:
        check.bad(f"{collection}.rules", f"at most {MAX_RULES:,} rules")
        rules_raw = []
    rules = []
    for i, r in enumerate(rules_raw):
        path = f"{collection}.rules[{i}]"
        if not isinstance(r, dict):
            check.bad(path, "expected a rule: {match: {...}, <decisions>}")
            continue
        if "match" not in r or not isinstance(r["match"], dict) or not r["match"]:
            check.bad(f"{path}.match", f"expected at least one condition ({', '.join(FACT_KEYS)}, custom_field)")
            matchers: tuple[Matcher, ...] = ()
        else:
            matchers = _matchers(check, f"{path}.match", r["match"])
        decides = _decisions(check, collection, path, {k: v for k, v in r.items() if k != "match"}, zone_ids)
        if not decides:
            check.bad(path, f"the rule decides nothing (give one of {', '.join(DECISIONS[collection])})")
        rules.append(Rule(i, matchers, decides))
    default = None
    if raw.get("default") is not None:
        if not isinstance(raw["default"], dict):
            check.bad(f"{collection}.default", "expected the decisions for unmatched objects, e.g. {zone: internal}")
        else:
            default = _decisions(check, collection, f"{collection}.default", raw["default"], zone_ids)
    return RuleSet(tuple(rules), default)


def _decisions(check: _Checker, collection: str, path: str, raw: dict[str, Any], zone_ids: set[str]) -> dict[str, Any]:
    allowed = DECISIONS[collection]
    out: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"{path}.{key}"
        if key not in allowed:
            check.bad(where, f"unknown key (a {collection[:-1]} rule may decide {', '.join(allowed)})")
        elif key in ("zone", "dedicated_zone"):
            if value is not None and value not in zone_ids:
                check.bad(where, f"no zone {value!r} in zones (known: {', '.join(sorted(zone_ids)) or 'none'})")
            out[key] = value
        elif key == "purpose":
            if value not in contract.NETWORK_PURPOSES:
                check.bad(where, f"expected one of {', '.join(contract.NETWORK_PURPOSES)}, got {value!r}")
            out[key] = value
        elif key == "categorization":
            out[key] = _categorization(check, where, value)
        elif key == "internet_facing":
            if type(value) is not bool:
                check.bad(where, f"expected true or false, got {value!r}")
            out[key] = value
        elif key == "role":
            if value is not None and (not isinstance(value, str) or len(value) > 200):
                check.bad(where, "expected text of at most 200 characters")
            out[key] = value
        elif key == "cpu_cores":
            if type(value) is not int or value < 1:
                check.bad(where, f"expected an integer ≥ 1, got {value!r}")
            out[key] = value
        elif key == "memory_gib":
            if type(value) not in (int, float) or value < 0:
                check.bad(where, f"expected a number ≥ 0 (GiB), got {value!r}")
            out[key] = float(value) if type(value) in (int, float) else value
    return out


def _categorization(check: _Checker, where: str, value: Any) -> dict[str, Any] | None:
    levels = contract.FIPS199_LEVELS
    if value is None:
        return None
    if isinstance(value, str):
        if value not in levels:
            check.bad(where, f"expected one of {', '.join(levels)} or {{confidentiality, integrity, availability}}")
            return None
        return {"confidentiality": value, "integrity": value, "availability": value}
    if not isinstance(value, dict):
        check.bad(where, "expected a level or {confidentiality, integrity, availability}")
        return None
    out = {}
    for key in value:
        if key not in ("confidentiality", "integrity", "availability"):
            check.bad(f"{where}.{key}", "unknown key (expected confidentiality, integrity, availability)")
    for key in ("confidentiality", "integrity", "availability"):
        allowed = (*levels, "n/a") if key == "confidentiality" else levels
        level = value.get(key)
        if level not in allowed:
            check.bad(f"{where}.{key}", f"expected one of {', '.join(allowed)}, got {level!r}")
        out[key] = level
    return out


def _pattern(check: _Checker, where: str, value: Any) -> re.Pattern[str] | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        check.bad(where, f"expected a pattern (text, a glob, re:<expression> or exact:<text>), got {value!r}")
        return None
    text = str(value)
    if text.startswith("exact:"):
        return re.compile(re.escape(text[6:]))
    if text.startswith("re:"):
        try:
            return re.compile(text[3:], re.IGNORECASE)
        except re.error as exc:
            check.bad(where, f"not a valid regular expression: {exc}")
            return None
    return re.compile(fnmatch.translate(text), re.IGNORECASE)


def _patterns(check: _Checker, where: str, value: Any) -> list[re.Pattern[str]]:
    items = value if isinstance(value, list) else [value]
    if not items:
        check.bad(where, "expected at least one pattern")
    found = [_pattern(check, f"{where}[{i}]" if isinstance(value, list) else where, v) for i, v in enumerate(items)]
    return [p for p in found if p is not None]


_RANGE = re.compile(r"^\s*(\d{1,4})\s*-\s*(\d{1,4})\s*$")


def _vlans(check: _Checker, where: str, value: Any) -> list[tuple[int, int]]:
    items = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(items):
        at = f"{where}[{i}]" if isinstance(value, list) else where
        if type(item) is int and 1 <= item <= 4094:
            out.append((item, item))
            continue
        m = _RANGE.match(item) if isinstance(item, str) else None
        if m and 1 <= int(m.group(1)) <= int(m.group(2)) <= 4094:
            out.append((int(m.group(1)), int(m.group(2))))
            continue
        check.bad(at, f"expected a VLAN id 1 to 4094 or a range like 100-199, got {item!r}")
    return out


def _matchers(check: _Checker, path: str, raw: dict[str, Any]) -> tuple[Matcher, ...]:
    out: list[Matcher] = []
    for key, value in raw.items():
        where = f"{path}.{key}"
        if key == "custom_field":
            if not isinstance(value, dict) or not value:
                check.bad(where, "expected {field name: pattern, ...}")
                continue
            for fname, fvalue in value.items():
                out.append(_custom_matcher(str(fname), _patterns(check, f"{where}.{fname}", fvalue)))
        elif key == "vlan":
            out.append(_vlan_matcher(_vlans(check, where, value)))
        elif key in FACT_KEYS:
            out.append(_fact_matcher(key, _patterns(check, where, value)))
        else:
            check.bad(where, f"unknown condition (expected one of {', '.join(FACT_KEYS)}, custom_field)")
    return tuple(out)


def _fact_matcher(key: str, patterns: list[re.Pattern[str]]) -> Matcher:
    def match(thing: Thing) -> bool:
        return any(p.fullmatch(v) for v in thing.facts.get(key, ()) for p in patterns)

    return match


def _custom_matcher(name: str, patterns: list[re.Pattern[str]]) -> Matcher:
    def match(thing: Thing) -> bool:
        value = thing.custom.get(name)
        return value is not None and any(p.fullmatch(value) for p in patterns)

    return match


def _vlan_matcher(ranges: list[tuple[int, int]]) -> Matcher:
    def match(thing: Thing) -> bool:
        vlans = [int(v) for v in thing.facts.get("vlan", ()) if v.isdigit()]
        return any(lo <= v <= hi for v in vlans for lo, hi in ranges)

    return match


# --- deciding ----------------------------------------------------------------------------------


@dataclass
class Decided:
    """Objects with the mapping's decisions applied, and those no rule matched."""

    decisions: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    unmatched: dict[str, list[str]] = field(default_factory=dict)


def decide(mapping: Mapping, collection: str, things: dict[str, Thing], warnings: Warnings) -> Decided:
    """Run ``collection``'s rules over ``things``: per object id, the decided fields."""
    ruleset = mapping.ruleset(collection)
    decided = Decided({collection: {}}, {collection: []})
    if not ruleset.rules and ruleset.default is None:
        return decided
    noun = collection[:-1]
    listed = collection != "hosts"  # a host rule is optional refinement; unmatched VMs and networks matter
    for thing in things.values():
        decisions, how = ruleset.decide(thing)
        if listed and how in ("default", "none"):
            decided.unmatched[collection].append(thing.id)
            outcome = "the default applies" if how == "default" else "nothing decided (no default)"
            label = thing.doc.get("name") or thing.id
            shown = f"{label!r}" if label == thing.id else f"{label!r} ({thing.id})"
            warnings.add(f"unmatched-{noun}", thing.where, f"no {noun} rule matches {shown}: {outcome}")
        if decisions:
            decided.decisions[collection][thing.id] = decisions
    return decided
