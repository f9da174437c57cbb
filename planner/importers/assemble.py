"""From an observed estate and a mapping to a valid inventory document.

1. The mapping's zones, and its decisions on networks, hosts and VMs, are
   added to what the source observed.
2. Each object records its provenance under reserved tags (``virtplan.import.*``,
   see :mod:`.sync`): which source it came from, which fields the source set,
   and what the mapping decided — so a later import into a plan knows what
   the user changed since.
3. Fields the running contract does not (yet) have are left out, with a
   warning that counts them.
4. The whole document is validated as every write path validates it. If
   that fails, every object is checked by the contract's own compiled
   checkers; one that fails is skipped with a warning naming its place in the
   source, references to it are dropped (a VM on a skipped host stays
   unplaced), and the document is validated again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema

from planner.core.inventory import InventoryError, validate_document
from planner.core.inventory import schema as contract
from planner.core.inventory.validate import _Problems, compile_schema

from .diagnostics import Located, SourceError, Warnings
from .mapping import HOST_FILL_INS, Mapping, canonical, decide
from .observed import OBSERVED_COLLECTIONS, Observed, Thing

SOURCE_TAG = "virtplan.import.source"
FIELDS_TAG = "virtplan.import.fields"
DECIDED_PREFIX = "virtplan.import.decided."
RESERVED_PREFIX = "virtplan.import."

_SCHEMAS: dict[str, type[Schema]] = {
    name: contract.InventorySchema._declared_fields[name].inner.nested  # type: ignore[attr-defined]
    for name in contract.COLLECTIONS
}


@dataclass
class Imported:
    """What an importer returns: the document, its warnings, and the objects no rule matched."""

    document: dict[str, Any]
    warnings: Warnings
    unmatched: dict[str, list[str]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {name: len(self.document[name]) for name in contract.COLLECTIONS}


def contract_fields(collection: str) -> frozenset[str]:
    """The fields the running contract declares for an object of ``collection``."""
    return frozenset(_SCHEMAS[collection]._declared_fields)


def observed_fields(doc: dict[str, Any]) -> list[str]:
    """The field paths a source stated (a nested object's keys one by one; lists whole)."""
    out: list[str] = []
    for key, value in doc.items():
        if key in ("id", "tags") or value is None or value == []:
            continue
        if isinstance(value, dict):
            out.extend(f"{key}.{k}" for k, v in value.items() if v is not None)
        else:
            out.append(key)
    return sorted(out)


def build_document(observed: Observed, mapping: Mapping, warnings: Warnings) -> Imported:
    """The inventory document for ``observed`` as ``mapping`` judges it (see the module docstring)."""
    source = observed.system
    unmatched: dict[str, list[str]] = {}
    raw: dict[str, list[dict[str, Any]]] = {name: [] for name in contract.COLLECTIONS}
    where: dict[str, list[str]] = {name: [] for name in contract.COLLECTIONS}

    for zone in mapping.zones:
        decided = {k: zone[k] for k in ("name", "trust_level", "purpose")}
        raw["zones"].append({"id": zone["id"], **decided, "tags": _tags(source, [], decided, {})})
        where["zones"].append(f"{mapping.name}: zones[id={zone['id']}]")

    decisions: dict[str, dict[str, dict[str, Any]]] = {}
    for name in ("networks", "hosts", "vms"):
        result = decide(mapping, name, observed.collection(name), warnings)
        decisions[name] = result.decisions[name]
        if result.unmatched[name]:
            unmatched[name] = result.unmatched[name]

    dropped_fields: dict[tuple[str, str], int] = {}
    for name in OBSERVED_COLLECTIONS:
        known = contract_fields(name)
        for thing in observed.collection(name).values():
            raw[name].append(
                _object(source, name, thing, decisions.get(name, {}).get(thing.id, {}), known, dropped_fields)
            )
            where[name].append(thing.where)
    for (name, fname), count in sorted(dropped_fields.items()):
        warnings.add(
            "not-in-contract",
            f"{name}[].{fname}",
            f"{count:,} {name} carry {fname} in the source, but this VirtPlan's inventory contract has no "
            f"{name}[].{fname} yet: left out",
        )

    exported_at = observed.exported_at
    if exported_at is not None:
        try:
            dt.datetime.fromisoformat(exported_at)
        except ValueError:
            warnings.add("unreadable-value", "export date", f"{exported_at!r} is not an ISO 8601 date-time: left out")
            exported_at = None
    document: dict[str, Any] = {
        "schema": contract.SCHEMA_ID,
        "source": {"system": source, "exported_at": exported_at},
    }
    for name in contract.COLLECTIONS:
        document[name] = raw[name]
    try:
        normalized = validate_document(document)
    except InventoryError:
        # Some object breaks the contract (a host without cores, a name too long…):
        # skip each such object with a warning, drop references to it, validate again.
        for name in contract.COLLECTIONS:
            document[name] = _checked(name, raw[name], where[name], warnings)
        _repair_references(document, warnings)
        try:
            normalized = validate_document(document)
        except InventoryError as exc:
            raise SourceError([Located(p.path, p.message) for p in exc.problems]) from None
    return Imported(normalized, warnings, unmatched)


def _object(
    source: str,
    collection: str,
    thing: Thing,
    decided: dict[str, Any],
    known: frozenset[str],
    dropped_fields: dict[tuple[str, str], int],
) -> dict[str, Any]:
    obj = {k: v for k, v in thing.doc.items() if k != "tags"}
    for key in [k for k in obj if k not in known]:
        del obj[key]
        dropped_fields[(collection, key)] = dropped_fields.get((collection, key), 0) + 1
    stated = observed_fields(obj)
    applied: dict[str, Any] = {}
    for key, value in decided.items():
        if collection == "hosts" and key in HOST_FILL_INS:
            if obj.get(key) is None:  # a host rule supplies what the source lacks, never overrides it
                obj[key] = value
            continue
        obj[key] = value
        applied[key] = value
    obj["tags"] = _tags(source, stated, applied, thing.doc.get("tags") or {})
    return obj


def _tags(source: str, stated: list[str], decided: dict[str, Any], source_tags: dict[str, str]) -> dict[str, str]:
    tags = dict(source_tags)
    tags[SOURCE_TAG] = source
    if stated:
        tags[FIELDS_TAG] = ",".join(stated)
    for key, value in sorted(decided.items()):
        tags[DECIDED_PREFIX + key] = canonical(value)
    return tags


def _checked(name: str, objects: list[dict[str, Any]], where: list[str], warnings: Warnings) -> list[dict[str, Any]]:
    """The objects the contract's field checks accept; the others skipped with a warning."""
    check = compile_schema(_SCHEMAS[name])
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    noun = name[:-1]
    for i, obj in enumerate(objects):
        problems = _Problems()
        check(obj, (("", name), i), problems)
        if problems:
            detail = "; ".join(
                f"{p.path.split('.', 1)[-1] if '.' in p.path else p.path}: {p.message}" for p in problems[:3]
            )
            hint = ""
            if name == "hosts" and any(f in detail for f in HOST_FILL_INS):
                hint = " (the source does not say; a host rule in the mapping may supply cpu_cores and memory_gib)"
            warnings.add(f"skipped-{noun}", where[i], f"{noun} {obj.get('id')!r} skipped: {detail}{hint}")
            continue
        if obj["id"] in seen:
            warnings.add(f"duplicate-{noun}", where[i], f"{noun} id {obj['id']!r} occurs again: this one skipped")
            continue
        seen.add(obj["id"])
        out.append(obj)
    return out


def _repair_references(document: dict[str, Any], warnings: Warnings) -> None:
    """Drop references to objects that were skipped (the contract's REFERENCES table says which)."""
    ids = {name: {o["id"] for o in document[name]} for name in contract.COLLECTIONS}
    for (name, path), target in contract.REFERENCES.items():
        present = ids[target]
        noun = name[:-1]
        for obj in document[name]:
            _repair(
                obj,
                path,
                present,
                lambda ref, o=obj, p=path, t=target, n=noun: warnings.add(
                    "dangling-reference",
                    f"{n} {o['id']!r}",
                    f"{p.replace('[]', '')} names {t[:-1]} {ref!r}, which was skipped: reference dropped",
                ),
            )


def _repair(obj: dict[str, Any], path: str, present: set[str], report: Any) -> None:
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        key = head[:-2]
        items = obj.get(key)
        if not isinstance(items, list):
            return
        kept = []
        for item in items:
            ref = item.get(rest) if rest else item
            if ref is None or ref in present:
                kept.append(item)
            else:
                report(ref)
        obj[key] = kept
    elif rest:
        inner = obj.get(head)
        if isinstance(inner, dict):
            _repair(inner, rest, present, report)
    else:
        ref = obj.get(head)
        if ref is not None and ref not in present:
            report(ref)
            obj[head] = None
