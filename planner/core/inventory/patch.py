"""Partial updates of an inventory: upsert the objects sent, delete those listed.

A patch looks like an inventory document whose collections hold only the
objects to create or replace (whole objects, matched by ``id``), plus a
``delete`` object listing ids to remove per collection::

    {"schema": "virtplan.inventory/v1",
     "vms": [{"id": "vm-9", "host": "esx-2", "vcpus": 2, "memory_gib": 4}],
     "delete": {"vms": ["vm-3"]}}

``policy``, ``as_of`` and ``source`` replace the stored ones when present.
The merged document must validate as a whole; every problem is reported
with its path in the patch (``vms[0].host``) or, for a stored object that the
patch breaks (a VM left on a deleted host), as ``inventory.vms[id=vm-7].host``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields

from . import schema as s
from .validate import InventoryError, Problem, _describe, _Problems, compile_schema, validate_document

_PATCH_KEYS = {"schema", "as_of", "source", "policy", "delete", *s.COLLECTIONS}


def _object_schema(collection: str) -> type[Schema]:
    """The schema of one collection's objects: the ``Nested`` in ``InventorySchema``'s ``List``."""
    field = s.InventorySchema._declared_fields[collection]
    inner = field.inner if isinstance(field, fields.List) else None
    if isinstance(inner, fields.Nested) and isinstance(inner.nested, type):
        return inner.nested
    raise TypeError(f"InventorySchema.{collection} is not a list of nested objects")  # pragma: no cover


_OBJECT_SCHEMAS = {name: _object_schema(name) for name in s.COLLECTIONS}
_PATH = re.compile(r"^(\w+)\[(\d+)\](.*)$")


@dataclass(frozen=True)
class Patch:
    """A patch whose own content is valid (:func:`read_patch`): what it upserts,
    deletes and replaces. Whether it fits the stored inventory is :func:`apply_patch`'s question."""

    document: dict[str, Any]
    upserts: dict[str, list[Any]]
    deletes: dict[str, list[str]]
    problems: _Problems

    @property
    def valid(self) -> bool:
        return not self.problems


def read_patch(patch: Any) -> Patch:
    """Check what a patch can be checked for on its own (its keys, each object
    sent, the shape of ``delete``), before the stored inventory is read or
    locked; :func:`apply_patch` reports these problems with those that depend
    on the stored inventory."""
    problems = _Problems()
    if type(patch) is not dict:
        problems.add("", "expected an object (a partial inventory document)")
        return Patch({}, {}, {}, problems)
    for key in patch:
        if key not in _PATCH_KEYS:
            problems.add(key, "unknown field (expected schema, as_of, source, policy, delete or a collection)")
    if "schema" in patch and patch["schema"] != s.SCHEMA_ID:
        problems.add("schema", f"expected {s.SCHEMA_ID!r}, got {_describe(patch['schema'])}")

    upserts: dict[str, list[Any]] = {}
    for name in s.COLLECTIONS:
        items = patch.get(name, [])
        if type(items) is not list:
            problems.add(name, "expected an array of objects to create or replace")
            continue
        if len(items) > s.MAX_OBJECTS[name]:
            problems.add(name, f"expected at most {s.MAX_OBJECTS[name]:,} items, got {len(items):,}")
            continue
        check = compile_schema(_OBJECT_SCHEMAS[name])
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            check(item, (("", name), i), problems)  # the lazy path of patch[name][i]
            if type(item) is dict and isinstance(item.get("id"), str):
                if item["id"] in seen:
                    problems.add(
                        f"{name}[{i}].id", f"duplicate id {item['id']!r} (first at {name}[{seen[item['id']]}])"
                    )
                seen.setdefault(item["id"], i)
        upserts[name] = items

    deletes: dict[str, list[str]] = {}
    raw_delete = patch.get("delete", {})
    if type(raw_delete) is not dict:
        problems.add("delete", "expected an object mapping collection names to arrays of ids")
        raw_delete = {}
    for name, ids in raw_delete.items():
        if name not in s.COLLECTIONS:
            problems.add(f"delete.{name}", f"unknown collection (expected one of: {', '.join(s.COLLECTIONS)})")
            continue
        if type(ids) is not list:
            problems.add(f"delete.{name}", "expected an array of ids")
            continue
        if len(ids) > s.MAX_OBJECTS[name]:
            problems.add(f"delete.{name}", f"expected at most {s.MAX_OBJECTS[name]:,} ids, got {len(ids):,}")
            continue
        for j, oid in enumerate(ids):
            if type(oid) is not str:
                problems.add(f"delete.{name}[{j}]", "expected an id (a string)")
        deletes[name] = [oid for oid in ids if type(oid) is str]
    return Patch(patch, upserts, deletes, problems)


def apply_patch(current: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Merge ``patch`` (a parsed body, or a :class:`Patch` read already) into the
    normalized document ``current``; return the new normalized document.

    Raises :class:`InventoryError` with every problem; ``current`` is not modified.
    """
    if not isinstance(patch, Patch):
        patch = read_patch(patch)
    upserts = patch.upserts
    problems = patch.problems
    if not patch.document:
        raise InventoryError(problems.finish())
    deletes: dict[str, set[str]] = {}
    for name, ids in patch.deletes.items():
        present = {o["id"] for o in current[name]}
        sent = {o.get("id") for o in upserts.get(name, []) if type(o) is dict}
        for j, oid in enumerate(patch.document["delete"][name]):
            if type(oid) is not str:
                continue
            if oid not in present:
                problems.add(f"delete.{name}[{j}]", f"no {name[:-1]} with id {_describe(oid)} to delete")
            elif oid in sent:
                problems.add(f"delete.{name}[{j}]", f"{_describe(oid)} is both sent and deleted")
        deletes[name] = set(ids)
    if problems:
        raise InventoryError(problems.finish())

    merged: dict[str, Any] = {"schema": s.SCHEMA_ID}
    for key in ("as_of", "source", "policy"):
        merged[key] = patch.document[key] if key in patch.document else current[key]
    origins: dict[str, list[str]] = {}
    for name in s.COLLECTIONS:
        by_id = {o["id"]: (i, o) for i, o in enumerate(upserts.get(name, []))}
        gone = deletes.get(name, set())
        objects: list[Any] = []
        origin: list[str] = []
        for stored in current[name]:
            oid = stored["id"]
            if oid in gone:
                continue
            if oid in by_id:
                i, obj = by_id.pop(oid)
                objects.append(obj)
                origin.append(f"{name}[{i}]")
            else:
                objects.append(stored)
                origin.append(f"inventory.{name}[id={oid}]")
        for i, obj in by_id.values():
            objects.append(obj)
            origin.append(f"{name}[{i}]")
        merged[name] = objects
        origins[name] = origin
    try:
        return validate_document(merged)
    except InventoryError as exc:
        raise InventoryError([_relocate(p, origins) for p in exc.problems]) from None


def _relocate(problem: Problem, origins: dict[str, list[str]]) -> Problem:
    """Rewrite a merged-document path into a patch path (or a stored object's)."""
    m = _PATH.match(problem.path)
    if not m or m.group(1) not in origins:
        return problem
    return Problem(origins[m.group(1)][int(m.group(2))] + m.group(3), problem.message)
