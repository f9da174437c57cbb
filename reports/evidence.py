"""A finding's evidence as a reader takes it: labelled sentences and small tables.

Rules record evidence as data (lists of ids, a mapping of zone to VMs, a path
of objects, the answer given); the register must not print it as JSON. Each
key gets a label (:data:`LABELS`, else the key in words), each value the form
that reads best: a mapping of lists becomes a two-column table, a path an
arrowed chain, a list of objects their kinds and ids, yes/no for booleans,
"none" for an empty list. Long lists are cut with "and N more" (the exports
carry every item).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Items of one evidence value shown before "and N more".
ITEMS = 12
#: Characters of one evidence sentence before it is cut.
CHARS = 400

#: Evidence keys the rules and weak answers use, in words.
LABELS = {
    "zones": "Zones involved",
    "zone": "Zone",
    "trust_level": "Trust level of the zone",
    "vms_by_zone": "VMs by zone",
    "vms_by_group": "VMs by anti-affinity group",
    "networks_by_zone": "Networks by zone",
    "vms_outside_dedicated_zone": "VMs outside the host's dedicated zone",
    "dedicated_zone": "Dedicated zone",
    "groups": "Anti-affinity groups",
    "high_confidentiality_vms": "VMs of high confidentiality",
    "high_impact_vms": "High-impact VMs",
    "internet_facing_vms": "Internet-facing VMs",
    "guest_vms": "Guest VMs attached",
    "vms": "VMs",
    "devices": "Devices connected but not in use",
    "enabled": "Enabled",
    "missing": "Missing",
    "product": "Hypervisor product",
    "version": "Version",
    "minimum_version": "Minimum version the policy accepts",
    "patched_on": "Last patched",
    "age_days": "Days since the last patch",
    "max_age_days": "Days the policy allows",
    "reasons": "Why",
    "network": "Network",
    "networks": "Networks",
    "network_zone": "Zone of the network",
    "network_zones": "Zones of the VM's networks",
    "network_purpose": "Purpose of the network",
    "management_network": "Management network",
    "path": "Path",
    # weak answers
    "question": "Question",
    "question_text": "Question asked",
    "answer": "Answer given",
    "comment": "Comment with the answer",
    "evidence": "Evidence cited with the answer",
    "likelihood_basis": "Why this likelihood",
    "impact_basis": "Impact basis",
    "impact_objective": "Security objective at stake",
}
#: Values that are identifiers of the tool's own vocabulary, in words.
WORDS = {
    "clipboard_sharing": "clipboard sharing",
    "file_sharing": "file sharing",
    "guest-vms-attached": "guest VMs have NICs on it",
    "not-management-purpose": "its purpose is not management",
    "version": "the version is below the minimum",
    "age": "the last patch is too old",
    "overall": "confidentiality, integrity and availability",
}


@dataclass(slots=True)
class Item:
    """One line of evidence: a label and a sentence, or a label and a small table."""

    label: str
    text: str = ""
    rows: list[tuple[str, str]] = field(default_factory=list)


def label_of(key: str) -> str:
    return LABELS.get(key) or key.replace("_", " ").capitalize().replace("Vms", "VMs").replace(" vms", " VMs")


def present(evidence: Any) -> list[Item]:
    """The evidence of one finding, item by item (the weak answer's question id is shown with its text)."""
    if not isinstance(evidence, dict):
        return [Item("Evidence", _cut(_text(evidence)))]
    items = []
    for key, value in evidence.items():
        if key == "question" and "question_text" in evidence:
            continue  # shown with the question's text
        if key == "question_text":
            items.append(Item(label_of(key), _cut(f"{value} ({evidence.get('question', '')})".replace(" ()", ""))))
        elif isinstance(value, dict) and value and all(isinstance(v, (list, tuple)) for v in value.values()):
            items.append(Item(label_of(key), rows=[(str(k), _cut(_list(v))) for k, v in value.items()]))
        elif key == "path" and isinstance(value, (list, tuple)):
            items.append(Item(label_of(key), _cut(" → ".join(_text(v) for v in value))))
        else:
            items.append(Item(label_of(key), _cut(_text(value))))
    return items


def _list(values: Any) -> str:
    values = list(values)
    if not values:
        return "none"
    shown = ", ".join(_text(v) for v in values[:ITEMS])
    more = len(values) - ITEMS
    return shown + (f" and {more:,} more" if more > 0 else "")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return "not stated"
    if isinstance(value, str):
        return WORDS.get(value, value)
    if isinstance(value, (list, tuple)):
        return _list(value)
    if isinstance(value, dict):
        if set(value) == {"kind", "id"}:
            return f"{value['kind']} {value['id']}"
        if "id" in value:
            rest = ", ".join(f"{label_of(k).lower()} {_text(v)}" for k, v in value.items() if k != "id")
            return f"{value['id']} ({rest})" if rest else str(value["id"])
        return "; ".join(f"{label_of(str(k)).lower()}: {_text(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _cut(text: str) -> str:
    return text if len(text) <= CHARS else text[: CHARS - 1] + "…"
