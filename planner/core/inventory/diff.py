"""What changed between two versions of an inventory: per collection the
objects added, removed and changed (with each changed field's value before
and after), and the changes to the document's own fields (``as_of``,
``source``, ``policy``). Objects are matched by ``id``; both documents are
normalized, so a field that is absent and one given as null compare equal.

Nested objects (a VM's ``categorization`` or ``settings``, a host's
``hypervisor``) are compared field by field (``categorization.integrity``);
lists (NICs, disks, devices, an appliance's networks) and ``tags`` whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .schema import COLLECTIONS

#: The document's own fields compared besides the collections.
HEADER_FIELDS = ("as_of", "source", "policy")


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: str
    before: Any
    after: Any


@dataclass(slots=True)
class ObjectChange:
    id: str
    fields: list[FieldChange]


@dataclass(slots=True)
class CollectionChanges:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[ObjectChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(slots=True)
class InventoryDiff:
    header: list[FieldChange]
    collections: dict[str, CollectionChanges]

    @property
    def empty(self) -> bool:
        return not self.header and all(c.empty for c in self.collections.values())

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            name: {"added": len(c.added), "removed": len(c.removed), "changed": len(c.changed)}
            for name, c in self.collections.items()
        }


def field_changes(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[FieldChange]:
    """The fields that differ between two objects, nested objects field by field, in sorted order."""
    out: list[FieldChange] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        path = f"{prefix}{key}"
        if isinstance(old, dict) and isinstance(new, dict) and key != "tags":
            out.extend(field_changes(old, new, f"{path}."))
        else:
            out.append(FieldChange(path, old, new))
    return out


def diff_documents(before: dict[str, Any], after: dict[str, Any]) -> InventoryDiff:
    """``after`` compared with ``before``: added and changed objects in ``after``'s
    order, removed ones in ``before``'s."""
    header = field_changes({k: before.get(k) for k in HEADER_FIELDS}, {k: after.get(k) for k in HEADER_FIELDS})
    collections: dict[str, CollectionChanges] = {}
    for name in COLLECTIONS:
        old = {o["id"]: o for o in before.get(name) or []}
        new_ids = set()
        changes = CollectionChanges()
        for obj in after.get(name) or []:
            new_ids.add(obj["id"])
            previous = old.get(obj["id"])
            if previous is None:
                changes.added.append(obj["id"])
            elif previous != obj:
                changes.changed.append(ObjectChange(obj["id"], field_changes(previous, obj)))
        changes.removed = [oid for oid in old if oid not in new_ids]
        collections[name] = changes
    return InventoryDiff(header, collections)
