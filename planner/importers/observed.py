"""The estate as a source shows it, before the mapping rules judge it.

Every importer turns its source into an :class:`Observed` estate: inventory
objects holding only what the source states (no zones, no FIPS 199 levels),
each with the *facts* mapping rules match on (its name, networks, VLANs,
folder, cluster, tenant, tags, custom fields…) and the place in the source
it came from. :mod:`.mapping` then decides zones and categorizations and
produces the inventory document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: The facts a mapping rule may match on; ``custom_field`` is matched per field name.
FACT_KEYS = (
    "name",
    "network",
    "vlan",
    "folder",
    "resource_pool",
    "cluster",
    "datacenter",
    "host",
    "site",
    "tenant",
    "role",
    "tag",
    "annotation",
    "os",
    "status",
    "power_state",
    "switch",
    "model",
)

#: Collections an importer observes (zones come from the mapping; appliances from no source).
OBSERVED_COLLECTIONS = ("clusters", "networks", "hosts", "datastores", "vms")


@dataclass
class Thing:
    """One observed object: its inventory fields, its facts and where it came from."""

    doc: dict[str, Any]
    where: str
    facts: dict[str, list[str]] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.doc["id"])

    def fact(self, key: str, values: Iterable[Any]) -> None:
        """Add values (skipping empty ones) to fact ``key``."""
        bucket = self.facts.setdefault(key, [])
        for value in values:
            if value is None:
                continue
            text = str(value).strip()
            if text and text not in bucket:
                bucket.append(text)


@dataclass
class Observed:
    """An estate as one source shows it."""

    system: str
    exported_at: str | None = None
    clusters: dict[str, Thing] = field(default_factory=dict)
    networks: dict[str, Thing] = field(default_factory=dict)
    hosts: dict[str, Thing] = field(default_factory=dict)
    datastores: dict[str, Thing] = field(default_factory=dict)
    vms: dict[str, Thing] = field(default_factory=dict)

    def collection(self, name: str) -> dict[str, Thing]:
        found: dict[str, Thing] = getattr(self, name)
        return found
