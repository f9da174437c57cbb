"""Merging an import into a plan's current inventory: sync, not just load.

Objects are matched by ``id`` (the source's own key). What an import set is
recorded on each object under reserved tags (:mod:`.assemble`):

- ``virtplan.import.source``: the source the object came from. Only objects
  of the same source can be reported gone (and, with ``prune``, removed);
  objects the user made in VirtPlan are never touched.
- ``virtplan.import.fields``: the fields the source stated. The source owns
  them: a re-import sets them again, and clears one the source stopped
  stating. A field the source never stated (a host's lockdown answered in
  VirtPlan, a VM placed by hand) keeps the user's value.
- ``virtplan.import.decided.<field>``: what the mapping decided (zone,
  categorization, internet exposure, a host's dedicated zone, a zone's trust
  level…). If the user changed such a field since, their value is kept —
  unless the mapping now decides something different from last time, which
  then wins. A field the mapping no longer decides keeps its current value.

Collections keep the plan's order; new objects follow in source order, so a
re-import of an unchanged source produces the very same document (and the
stored inventory version does not move). ``as_of`` and ``policy`` stay the
plan's; ``source`` becomes the import's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from planner.core.inventory import schema as contract

from .assemble import DECIDED_PREFIX, FIELDS_TAG, RESERVED_PREFIX, SOURCE_TAG

_ABSENT = object()


@dataclass
class CollectionDiff:
    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    gone: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept_user_values: dict[str, list[str]] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.added or self.updated or self.removed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": [{"id": k, "fields": v} for k, v in self.updated.items()],
            "unchanged": self.unchanged,
            "gone": self.gone,
            "removed": self.removed,
            "kept_user_values": [{"id": k, "fields": v} for k, v in self.kept_user_values.items()],
        }


@dataclass
class Diff:
    collections: dict[str, CollectionDiff]
    source_changed: bool = False

    @property
    def changes(self) -> bool:
        return self.source_changed or any(not c.empty() for c in self.collections.values())

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            name: {
                "added": len(c.added),
                "updated": len(c.updated),
                "unchanged": c.unchanged,
                "gone": len(c.gone),
                "removed": len(c.removed),
            }
            for name, c in self.collections.items()
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": self.changes,
            "counts": self.counts(),
            "collections": {name: c.to_dict() for name, c in self.collections.items()},
        }


def merge(current: dict[str, Any], imported: dict[str, Any], prune: bool = False) -> tuple[dict[str, Any], Diff]:
    """The plan's next document (both inputs normalized), and what changes."""
    source = (imported.get("source") or {}).get("system")
    merged: dict[str, Any] = {
        "schema": contract.SCHEMA_ID,
        "as_of": current.get("as_of"),
        "policy": current.get("policy"),
    }
    merged["source"] = imported.get("source")
    diff = Diff({}, source_changed=current.get("source") != imported.get("source"))
    for name in contract.COLLECTIONS:
        merged[name], diff.collections[name] = _merge_collection(
            current.get(name, []), imported.get(name, []), source, prune
        )
    return merged, diff


def _merge_collection(
    current: list[dict[str, Any]], imported: list[dict[str, Any]], source: str | None, prune: bool
) -> tuple[list[dict[str, Any]], CollectionDiff]:
    diff = CollectionDiff()
    incoming = {o["id"]: o for o in imported}
    out: list[dict[str, Any]] = []
    for obj in current:
        new = incoming.pop(obj["id"], None)
        if new is None:
            if source is not None and obj.get("tags", {}).get(SOURCE_TAG) == source:
                diff.gone.append(obj["id"])
                if prune:
                    diff.removed.append(obj["id"])
                    continue
            out.append(obj)
            continue
        merged, kept = merge_object(obj, new, source or "")
        if kept:
            diff.kept_user_values[obj["id"]] = kept
        changed = _changed_fields(obj, merged)
        if changed:
            diff.updated[obj["id"]] = changed
        else:
            diff.unchanged += 1
        out.append(merged)
    for oid, obj in incoming.items():
        diff.added.append(oid)
        out.append(obj)
    return out, diff


def _get(obj: dict[str, Any], path: str) -> Any:
    head, _, rest = path.partition(".")
    value = obj.get(head, _ABSENT)
    if rest:
        return value.get(rest, _ABSENT) if isinstance(value, dict) else _ABSENT
    return value


def _set(obj: dict[str, Any], path: str, value: Any, template: dict[str, Any]) -> None:
    head, _, rest = path.partition(".")
    if not rest:
        obj[head] = value
        return
    inner = obj.get(head)
    if not isinstance(inner, dict):
        inner = {k: None for k in (template.get(head) or {})} if isinstance(template.get(head), dict) else {}
        obj[head] = inner
    else:
        inner = dict(inner)
        obj[head] = inner
    inner[rest] = value


def merge_object(current: dict[str, Any], new: dict[str, Any], source: str) -> tuple[dict[str, Any], list[str]]:
    """Merge one imported object into the stored one (see the module docstring).

    Returns the merged object and the fields where the user's value was kept."""
    ctags: dict[str, str] = current.get("tags") or {}
    ntags: dict[str, str] = new.get("tags") or {}
    merged = dict(current)
    kept: list[str] = []
    stated_before = set(filter(None, ctags.get(FIELDS_TAG, "").split(",")))
    stated_now = list(filter(None, ntags.get(FIELDS_TAG, "").split(",")))
    for path in stated_now:
        _set(merged, path, _get(new, path), new)
    for path in sorted(stated_before - set(stated_now)):
        head = path.partition(".")[0]
        inner = current.get(head)
        if "." in path and new.get(head) is None and isinstance(inner, dict):
            user_set = {f"{head}.{k}" for k, v in inner.items() if v is not None} - stated_before
            if not user_set:  # nothing of it was the user's: the whole object is gone from the source
                merged[head] = None
                continue
        cleared = _get(new, path)  # the normalized default: the source no longer says
        _set(merged, path, None if cleared is _ABSENT else cleared, new)
    for key, recorded in ntags.items():
        if not key.startswith(DECIDED_PREFIX):
            continue
        fname = key[len(DECIDED_PREFIX) :]
        before = ctags.get(key)
        user_changed = (
            before is not None
            and json.dumps(current.get(fname), sort_keys=True, separators=(",", ":"), ensure_ascii=False) != before
        )
        if before is None or before != recorded:
            merged[fname] = new.get(fname)  # decided for the first time, or decided otherwise than last time
        elif user_changed:
            kept.append(fname)  # the user's override stands while the mapping decides as before
        else:
            merged[fname] = new.get(fname)
    # The user's own tags stay; the import's (reserved, and "<source>.*") are replaced.
    tags = {k: v for k, v in ctags.items() if not k.startswith((RESERVED_PREFIX, f"{source}."))}
    tags.update(ntags)
    merged["tags"] = tags
    return merged, kept


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k, _ABSENT) != after.get(k, _ABSENT))
