"""A starting mapping written from what a source shows: one zone per port
group or VLAN (named after it), one network rule and one VM rule per
network — for a consultant to edit (merge zones, set trust levels and FIPS
199 levels) before the real import."""

from __future__ import annotations

import re

import yaml

from .mapping import MAPPING_ID
from .observed import Observed

REVIEW_LEVEL = 2  # internal: the neutral starting point a consultant revises


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "zone"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def _quote(value: str) -> str:
    """A double-quoted YAML scalar that reads back as exactly ``value``."""
    dumped: str = yaml.safe_dump(value, default_style='"', width=10_000)
    return dumped.removesuffix("\n...\n").strip()


def _exact(value: str) -> str:
    """A quoted pattern that matches ``value`` alone: case-sensitive, so port groups
    differing only by case (``Prod`` and ``PROD``) keep their own zones."""
    return _quote(f"exact:{value}")


def suggest_mapping(observed: Observed) -> str:
    """The YAML text of a mapping with one zone and two rules per network of ``observed``."""
    taken: set[str] = set()
    lines = [
        f"# Starting mapping suggested from a {observed.system} source: one zone per network.",
        "# Review it: merge zones, set each zone's trust_level (0 internet … 4 most sensitive),",
        "# add categorization (FIPS 199) to the VM rules, and a default for VMs no rule matches.",
        f"mapping: {MAPPING_ID}",
        "zones:",
    ]
    zones: list[tuple[str, str]] = []
    for network in observed.networks.values():
        name = next(iter(network.facts.get("name", ())), None) or str(network.doc.get("name") or network.id).strip()
        zid = _slug(name, taken)
        zones.append((zid, name))
        vlan = network.doc.get("vlan")
        comment = f"  # VLAN {vlan}" if vlan else ""
        lines.append(f"  - {{id: {_quote(zid)}, name: {_quote(name)}, trust_level: {REVIEW_LEVEL}}}{comment}")
    if not zones:
        lines[-1] = "zones: []  # the source names no networks: add zones by hand"
    lines.append("networks:")
    lines.append("  rules:" if zones else "  rules: []")
    for zid, name in zones:
        lines.append(f"    - {{match: {{name: {_exact(name)}}}, zone: {_quote(zid)}}}")
    lines.append("vms:")
    lines.append("  rules:" if zones else "  rules: []")
    for zid, name in zones:
        lines.append(f"    - {{match: {{network: {_exact(name)}}}, zone: {_quote(zid)}}}")
    lines.append("  # default: {zone: <id>, categorization: moderate}")
    return "\n".join(lines) + "\n"
