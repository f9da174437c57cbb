"""The plan as an OSCAL System Security Plan (JSON, OSCAL 1.2.1).

Identifiers are UUIDv5 from the plan's seed and the object they name, so the
same plan exports the same document and a tool that tracks components across
revisions sees the same component for the same host. The JSON schema does not
check cross-references; :func:`reference_problems` does (the tests run it on
every export): each ``component-uuid``, ``party-uuid`` and ``role-id`` names
something defined in the document.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import defaultdict
from typing import Any

from planner.core import fips199

from .contents import CLOSED_STATES, Contents

OSCAL_VERSION = "1.2.1"
#: Our namespace for properties OSCAL does not define.
NS = "urn:virtplan:oscal"
_NAMESPACE = uuid.UUID("0b6f8f3e-6a43-5c2e-9a8e-76697274706c")  # fixed root for uuid5
_PROFILE = (
    "https://raw.githubusercontent.com/usnistgov/oscal-content/main/nist.gov/SP800-53/rev5/json/"
    "NIST_SP-800-53_rev5_{}-baseline_profile.json"
)
_STATE = {
    "operational": "operational",
    "under-development": "under-development",
    "major-modification": "under-major-modification",
}
_COMPONENT_TYPE = {"host": "hardware", "network": "network", "datastore": "hardware"}


def uid(seed: str, *parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join((seed, *parts))))


def _token_text(text: Any) -> str:
    """OSCAL strings may not begin or end with white space, nor be empty."""
    value = re.sub(r"\s+", " ", str(text)).strip()
    return value or "(blank)"


def _fips(level: str | None) -> str:
    return f"fips-199-{level or 'low'}"


def _control(cid: str) -> str:
    """``SC-7(13)`` → ``sc-7.13`` (OSCAL catalog ids)."""
    base, _, enh = cid.partition("(")
    return base.lower() + (f".{enh.rstrip(')')}" if enh else "")


def _timestamp(value: dt.datetime) -> str:
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def to_oscal(c: Contents) -> dict:
    r, estate, seed = c.report, c.report.estate, c.report.seed
    ident = {qid.rsplit(".", 1)[1]: value for qid, _, value in c.identification}
    raw_status = r.answer("initiation.identification.operational_status")
    system_name = _token_text(ident.get("system_name") or r.name)
    this_system = uid(seed, "component", "this-system")

    # Parties and roles named in the identification.
    roles = [
        {"id": "system-owner", "title": "System Owner"},
        {"id": "authorizing-official", "title": "Authorizing Official"},
        {"id": "prepared-by", "title": "Prepared By"},
    ]
    org_uuid = uid(seed, "party", "organization")
    parties = [{"uuid": org_uuid, "type": "organization", "name": _token_text(r.organization)}]
    responsible = [{"role-id": "prepared-by", "party-uuids": [org_uuid]}]
    for key, role in (("system_owner", "system-owner"), ("authorizing_official", "authorizing-official")):
        if ident.get(key):
            p = uid(seed, "party", key)
            parties.append({"uuid": p, "type": "person", "name": _token_text(ident[key])})
            responsible.append({"role-id": role, "party-uuids": [p]})

    # Information types: one per zone, categorized by the high-water mark of its VMs.
    info_types = _information_types(c)
    overall = c.fips199["overall"]
    objectives = c.fips199["objectives"]

    components: list[dict[str, Any]] = [
        {
            "uuid": this_system,
            "type": "this-system",
            "title": system_name,
            "description": _token_text(ident.get("description") or f"The virtualized estate of {r.name}."),
            "status": {"state": "operational"},
        }
    ]
    component_of: dict[tuple[str, str], str] = {}
    for kind, collection in (
        ("host", estate.hosts),
        ("network", estate.networks),
        ("appliance", estate.appliances),
        ("datastore", estate.datastores),
    ):
        for obj in collection.values():
            cu = uid(seed, "component", kind, obj.id)
            component_of[(kind, obj.id)] = cu
            ctype = _COMPONENT_TYPE.get(kind) or ("software" if getattr(obj, "vm", None) else "hardware")
            components.append(
                {
                    "uuid": cu,
                    "type": ctype,
                    "title": _token_text(f"{kind} {obj.name or obj.id}"),
                    "description": _token_text(_describe(kind, obj, estate)),
                    "props": [
                        {"name": "virtplan-kind", "ns": NS, "value": kind},
                        {"name": "inventory-id", "ns": NS, "value": _token_text(obj.id)},
                    ],
                    "status": {"state": "operational"},
                }
            )

    requirements = []
    by_control: dict[str, list] = defaultdict(list)
    for e in c.register:
        for cid in dict.fromkeys(e.controls):
            by_control[cid].append(e)
    for ctl in c.controls:
        entries = by_control[ctl["id"]]
        open_entries = [e for e in entries if e.triage.status not in CLOSED_STATES]
        refs = ", ".join(e.ref for e in entries[:50]) + (f" and {len(entries) - 50} more" if len(entries) > 50 else "")
        by_components = [
            {
                "component-uuid": this_system,
                "uuid": uid(seed, "by-component", ctl["id"], "this-system"),
                "description": _token_text(
                    f"{len(entries)} finding{'' if len(entries) == 1 else 's'} of the VirtPlan analysis cite "
                    f"this control ({refs}); {len(open_entries)} {'remains' if len(open_entries) == 1 else 'remain'} "
                    "open. Recommended: " + " ".join(ctl["remediations"][:5] or ["none recorded."])
                ),
                "implementation-status": {"state": "partial" if open_entries else "implemented"},
            }
        ]
        seen: set[str] = set()
        for e in entries:
            for o in e.finding.objects:
                component = component_of.get((o.kind, o.id))
                if component is None or component in seen:
                    continue
                seen.add(component)
                state = "planned" if e.triage.status not in CLOSED_STATES else "implemented"
                by_components.append(
                    {
                        "component-uuid": component,
                        "uuid": uid(seed, "by-component", ctl["id"], o.kind, o.id),
                        "description": _token_text(f"{e.ref} {e.finding.title}. {e.finding.remediation}"),
                        "implementation-status": {"state": state},
                    }
                )
        requirements.append(
            {
                "uuid": uid(seed, "requirement", ctl["id"]),
                "control-id": _control(ctl["id"]),
                # the SP 800-53B baselines that select the control ("none": beyond every baseline)
                "props": [
                    {"name": "sp800-53b-baselines", "ns": NS, "value": " ".join(ctl["baselines"]).lower() or "none"}
                ],
                "by-components": by_components,
            }
        )
    if not requirements:  # OSCAL requires at least one; the plan itself is PL-2.
        requirements.append(
            {
                "uuid": uid(seed, "requirement", "PL-2"),
                "control-id": "pl-2",
                "by-components": [
                    {
                        "component-uuid": this_system,
                        "uuid": uid(seed, "by-component", "PL-2", "this-system"),
                        "description": "This system security plan, generated by VirtPlan.",
                        "implementation-status": {"state": "implemented"},
                    }
                ],
            }
        )

    boundary = (
        f"The authorization boundary holds {c.sizes['hosts']} hosts, {c.sizes['vms']} VMs, "
        f"{c.sizes['networks']} networks, {c.sizes['appliances']} appliances and "
        f"{c.sizes['datastores']} datastores in {c.sizes['zones']} trust zones, as inventoried on "
        f"{estate.as_of.isoformat()}."
    )
    characteristics = {
        "system-ids": [{"identifier-type": "https://ietf.org/rfc/rfc4122", "id": uid(seed, "system")}],
        "system-name": system_name,
        "description": _token_text(ident.get("description") or f"Virtualized estate of {r.organization}."),
        "security-sensitivity-level": _fips(overall),
        "system-information": {"information-types": info_types},
        "security-impact-level": {
            "security-objective-confidentiality": _fips(objectives["confidentiality"]),
            "security-objective-integrity": _fips(objectives["integrity"]),
            "security-objective-availability": _fips(objectives["availability"]),
        },
        "status": {
            "state": _STATE.get(str(raw_status), "other"),
            **({} if raw_status in _STATE else {"remarks": "Operational status not stated in the plan."}),
        },
        "authorization-boundary": {"description": boundary},
    }
    if ident.get("environment"):
        characteristics["props"] = [{"name": "environment", "ns": NS, "value": _token_text(ident["environment"])}]
    return {
        "system-security-plan": {
            "uuid": uid(seed, "ssp", r.version),
            "metadata": {
                "title": _token_text(f"{r.name} — system security plan"),
                "last-modified": _timestamp(r.generated),
                "version": _token_text(r.version),
                "oscal-version": OSCAL_VERSION,
                "roles": roles,
                "parties": parties,
                "responsible-parties": responsible,
            },
            "import-profile": {"href": _PROFILE.format({"high": "HIGH", "moderate": "MODERATE"}.get(overall, "LOW"))},
            "system-characteristics": characteristics,
            "system-implementation": {"components": components},
            "control-implementation": {
                "description": "Controls of SP 800-53 Rev. 5 that the VirtPlan analysis of this virtualized "
                "estate cites, with the findings and recommendations for each component.",
                "implemented-requirements": requirements,
            },
        }
    }


def _information_types(c: Contents) -> list[dict]:
    seed = c.report.seed
    zones: dict[str, list] = defaultdict(list)
    for vm in c.report.estate.vms.values():
        if vm.categorization is not None:
            zones[vm.zone or ""].append(vm)
    marks = {zone: fips199.categorize(vms).objectives for zone, vms in zones.items()}
    labels = {z["id"]: z["label"] for z in c.zones}
    types = []
    for zone in sorted(marks):
        m = marks[zone]
        title = (
            f"Information processed in zone {labels.get(zone, zone)}" if zone else "Information in VMs without a zone"
        )
        types.append(
            {
                "uuid": uid(seed, "information-type", zone),
                "title": _token_text(title),
                "description": _token_text(
                    f"{title}; levels are the high-water mark of its VMs' FIPS 199 categorizations."
                ),
                **{f"{o}-impact": {"base": _fips(m.get(o))} for o in ("confidentiality", "integrity", "availability")},
            }
        )
    if not types:
        types.append(
            {
                "uuid": uid(seed, "information-type", "uncategorized"),
                "title": "Uncategorized information",
                "description": "No VM of the plan carries a FIPS 199 categorization yet; low is assumed.",
                **{f"{o}-impact": {"base": "fips-199-low"} for o in ("confidentiality", "integrity", "availability")},
            }
        )
    return types


def _describe(kind: str, obj: Any, estate: Any) -> str:
    if kind == "host":
        hv = obj.hypervisor
        hv_text = f"{hv.product} {hv.version or ''} (type {hv.type})" if hv else "unknown hypervisor"
        return f"Virtualization host with {obj.cpu_cores} cores and {obj.memory_gib:g} GiB, running {hv_text}."
    if kind == "network":
        zone = estate.zones[obj.zone].label if obj.zone in estate.zones else "no zone"
        return f"{obj.kind} network{f' (VLAN {obj.vlan})' if obj.vlan else ''} of zone {zone}, purpose {obj.purpose}."
    if kind == "appliance":
        return (
            f"{obj.kind} {'enforcing policy between' if obj.filtering else 'joining'} "
            f"{len(obj.networks)} networks{' as a virtual appliance' if obj.vm else ''}."
        )
    encryption = {True: "encrypted", False: "not encrypted"}.get(obj.encrypted, "encryption unknown")
    return f"{obj.kind} datastore, {encryption}, mounted on {len(obj.hosts)} hosts."


def reference_problems(document: dict) -> list[str]:
    """Cross-references the schema cannot check, as messages (empty when all resolve)."""
    ssp = document["system-security-plan"]
    problems = []
    components = {c["uuid"] for c in ssp["system-implementation"]["components"]}
    parties = {p["uuid"] for p in ssp["metadata"].get("parties", [])}
    roles = {r["id"] for r in ssp["metadata"].get("roles", [])}
    for rp in ssp["metadata"].get("responsible-parties", []):
        if rp["role-id"] not in roles:
            problems.append(f"responsible-party role-id {rp['role-id']} names no role")
        problems += [f"party-uuid {p} names no party" for p in rp["party-uuids"] if p not in parties]
    seen_uuids: set[str] = set()

    def unique(u: str, where: str) -> None:
        if u in seen_uuids:
            problems.append(f"uuid {u} ({where}) is not unique")
        seen_uuids.add(u)

    unique(ssp["uuid"], "ssp")
    for comp in ssp["system-implementation"]["components"]:
        unique(comp["uuid"], "component")
    for req in ssp["control-implementation"]["implemented-requirements"]:
        unique(req["uuid"], "implemented-requirement")
        for bc in req.get("by-components", []):
            unique(bc["uuid"], "by-component")
            if bc["component-uuid"] not in components:
                problems.append(f"{req['control-id']}: by-component names unknown component {bc['component-uuid']}")
    if not any(c["type"] == "this-system" for c in ssp["system-implementation"]["components"]):
        problems.append("no this-system component")
    return problems


def to_bytes(c: Contents) -> bytes:
    return json.dumps(to_oscal(c), sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")
