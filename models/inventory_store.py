"""Storing an inventory document in its tables, and reading it back.

:func:`replace_inventory` makes a plan's stored inventory equal a validated,
normalized document, touching only what differs: an object whose content and
position are unchanged is not written at all, so re-sending a document is a
no-op and every object keeps its row (its identity) by ``id``. Writes go in
bulk, collection by collection in reference order (zones before the networks
that name them...), deletions in reverse order. The caller owns the
transaction: on any error nothing is written.

:func:`read_inventory` rebuilds the normalized document, in the order it was
written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable

from sqlalchemy import JSON, delete, func, insert, select, update
from sqlalchemy.orm import Session

from planner.core.inventory.schema import COLLECTIONS, POLICY_DEFAULTS, SCHEMA_ID

from . import inventory as t
from .base import utcnow
from .plans import Plan, PlanPolicy

_CHUNK = 5000


def _digest(obj: dict) -> str:
    return hashlib.blake2b(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode(), digest_size=16).hexdigest()


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


# --- one mapping per collection: document object <-> row (+ child rows) -------

#: The optional hardening facts of inventory v1.1, per collection: (path in the
#: object, value when absent). They are stored as the document states them in
#: the object's JSON ``hardening`` column (read whole, never queried); a field
#: under a parent object (``hypervisor``, ``settings``) exists only when the parent does.
HARDENING_FIELDS: dict[str, tuple[tuple[tuple[str, ...], object], ...]] = {
    "hosts": (
        (("hypervisor", "end_of_support"), None),
        (("settings", "shell"), None),
        (("settings", "inter_vm_page_sharing"), None),
        (("migration",), None),
        (("uplinks",), None),
    ),
    "networks": ((("security_policy",), None),),
    "vms": ((("snapshots",), []), (("firmware",), None)),
}


def _hardening_row(collection: str, obj: dict) -> dict | None:
    """The object's v1.1 hardening facts that differ from absent, keyed by dotted path (None: none)."""
    out = {}
    for path, default in HARDENING_FIELDS[collection]:
        parent = obj
        for key in path[:-1]:
            parent = parent[key]
            if parent is None:
                break
        else:
            if parent[path[-1]] != default:
                out[".".join(path)] = parent[path[-1]]
    return out or None


def _hardening_doc(collection: str, stored: dict | None, doc: dict) -> dict:
    """Put the stored hardening facts back into ``doc``; what is not stored is absent (its default)."""
    stored = stored or {}
    for path, default in HARDENING_FIELDS[collection]:
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
            if parent is None:
                break
        else:
            value = stored.get(".".join(path), default)
            parent[path[-1]] = list(value) if isinstance(value, list) else value
    return doc


def _devices_rows(items: list[dict]) -> list[dict]:
    return [
        {"position": i, "kind": d["kind"], "connected": d["connected"], "in_use": d["in_use"]}
        for i, d in enumerate(items)
    ]


def _devices_doc(rows: list) -> list[dict]:
    return [{"kind": r.kind, "connected": r.connected, "in_use": r.in_use} for r in rows]


def _zone_row(o):
    return {"trust_level": o["trust_level"], "purpose": o["purpose"]}


def _zone_doc(r, _children):
    return {"id": r.ext_id, "name": r.name, "trust_level": r.trust_level, "purpose": r.purpose, "tags": r.tags}


def _cluster_row(o):
    return {}


def _cluster_doc(r, _children):
    return {"id": r.ext_id, "name": r.name, "tags": r.tags}


def _network_row(o):
    return {
        "kind": o["kind"],
        "vlan": o["vlan"],
        "zone_ref": o["zone"],
        "purpose": o["purpose"],
        "hardening": _hardening_row("networks", o),
    }


def _network_doc(r, _children):
    doc = {
        "id": r.ext_id,
        "name": r.name,
        "kind": r.kind,
        "vlan": r.vlan,
        "zone": r.zone_ref,
        "purpose": r.purpose,
        "tags": r.tags,
    }
    return _hardening_doc("networks", r.hardening, doc)


def _host_row(o):
    hv, mg, st = o["hypervisor"] or {}, o["management"], o["settings"]
    return {
        "cluster_ref": o["cluster"],
        "cpu_cores": o["cpu_cores"],
        "memory_gib": o["memory_gib"],
        "hypervisor_product": hv.get("product"),
        "hypervisor_type": hv.get("type"),
        "hypervisor_version": hv.get("version"),
        "hypervisor_patched_on": _date(hv.get("patched_on")),
        "management_given": mg is not None,
        "management_network_ref": mg["network"] if mg else None,
        "management_encrypted": mg["encrypted"] if mg else None,
        "settings_given": st is not None,
        "settings_time_sync": st["time_sync"] if st else None,
        "settings_remote_logging": st["remote_logging"] if st else None,
        "settings_lockdown": st["lockdown"] if st else None,
        "settings_introspection": st["introspection"] if st else None,
        "dedicated_zone_ref": o["dedicated_zone"],
        "hardening": _hardening_row("hosts", o),
    }


def _host_doc(r, children):
    doc = {
        "id": r.ext_id,
        "name": r.name,
        "cluster": r.cluster_ref,
        "cpu_cores": r.cpu_cores,
        "memory_gib": r.memory_gib,
        "hypervisor": None
        if r.hypervisor_product is None
        else {
            "product": r.hypervisor_product,
            "type": r.hypervisor_type,
            "version": r.hypervisor_version,
            "patched_on": _iso(r.hypervisor_patched_on),
        },
        "management": {"network": r.management_network_ref, "encrypted": r.management_encrypted}
        if r.management_given
        else None,
        "settings": {
            "time_sync": r.settings_time_sync,
            "remote_logging": r.settings_remote_logging,
            "lockdown": r.settings_lockdown,
            "introspection": r.settings_introspection,
        }
        if r.settings_given
        else None,
        "devices": _devices_doc(children["devices"]),
        "dedicated_zone": r.dedicated_zone_ref,
        "tags": r.tags,
    }
    return _hardening_doc("hosts", r.hardening, doc)


def _datastore_row(o):
    return {"kind": o["kind"], "encrypted": o["encrypted"]}


def _datastore_doc(r, children):
    return {
        "id": r.ext_id,
        "name": r.name,
        "kind": r.kind,
        "encrypted": r.encrypted,
        "hosts": [c.host_ref for c in children["hosts"]],
        "tags": r.tags,
    }


def _vm_row(o):
    c, st = o["categorization"] or {}, o["settings"]
    return {
        "host_ref": o["host"],
        "zone_ref": o["zone"],
        "vcpus": o["vcpus"],
        "memory_gib": o["memory_gib"],
        "confidentiality": c.get("confidentiality"),
        "integrity": c.get("integrity"),
        "availability": c.get("availability"),
        "internet_facing": o["internet_facing"],
        "role": o["role"],
        "os": o["os"],
        "settings_given": st is not None,
        "settings_clipboard_sharing": st["clipboard_sharing"] if st else None,
        "settings_file_sharing": st["file_sharing"] if st else None,
        "anti_affinity_group": o["anti_affinity_group"],
        "pinned": o["pinned"],
        "hardening": _hardening_row("vms", o),
    }


def _vm_doc(r, children):
    doc = {
        "id": r.ext_id,
        "name": r.name,
        "host": r.host_ref,
        "zone": r.zone_ref,
        "vcpus": r.vcpus,
        "memory_gib": r.memory_gib,
        "categorization": None
        if r.confidentiality is None
        else {"confidentiality": r.confidentiality, "integrity": r.integrity, "availability": r.availability},
        "internet_facing": r.internet_facing,
        "role": r.role,
        "os": r.os,
        "nics": [{"network": c.network_ref} for c in children["nics"]],
        "disks": [{"datastore": c.datastore_ref, "size_gib": c.size_gib} for c in children["disks"]],
        "settings": {"clipboard_sharing": r.settings_clipboard_sharing, "file_sharing": r.settings_file_sharing}
        if r.settings_given
        else None,
        "devices": _devices_doc(children["devices"]),
        "anti_affinity_group": r.anti_affinity_group,
        "pinned": r.pinned,
        "tags": r.tags,
    }
    return _hardening_doc("vms", r.hardening, doc)


def _appliance_row(o):
    return {"kind": o["kind"], "filtering": o["filtering"], "vm_ref": o["vm"]}


def _appliance_doc(r, children):
    return {
        "id": r.ext_id,
        "name": r.name,
        "kind": r.kind,
        "filtering": r.filtering,
        "networks": [c.network_ref for c in children["networks"]],
        "vm": r.vm_ref,
        "tags": r.tags,
    }


class _Child:
    """A list inside an object, stored as child rows."""

    def __init__(self, key: str, model, parent_column: str, rows: Callable[[dict, int], list[dict]], plan_scoped: bool):
        self.key, self.model, self.parent_column = key, model, parent_column
        self.rows, self.plan_scoped = rows, plan_scoped


class _Collection:
    def __init__(self, name: str, model, to_row, to_doc, children: Iterable[_Child] = ()):
        self.name, self.model, self.to_row, self.to_doc = name, model, to_row, to_doc
        self.children = tuple(children)


_SPECS = {
    "zones": _Collection("zones", t.Zone, _zone_row, _zone_doc),
    "clusters": _Collection("clusters", t.Cluster, _cluster_row, _cluster_doc),
    "networks": _Collection("networks", t.Network, _network_row, _network_doc),
    "hosts": _Collection(
        "hosts",
        t.Host,
        _host_row,
        _host_doc,
        [_Child("devices", t.HostDevice, "host_id", lambda o, _p: _devices_rows(o["devices"]), False)],
    ),
    "datastores": _Collection(
        "datastores",
        t.Datastore,
        _datastore_row,
        _datastore_doc,
        [
            _Child(
                "hosts",
                t.DatastoreHost,
                "datastore_id",
                lambda o, p: [{"position": i, "plan_id": p, "host_ref": h} for i, h in enumerate(o["hosts"])],
                True,
            )
        ],
    ),
    "vms": _Collection(
        "vms",
        t.Vm,
        _vm_row,
        _vm_doc,
        [
            _Child(
                "nics",
                t.VmNic,
                "vm_id",
                lambda o, p: [
                    {"position": i, "plan_id": p, "network_ref": n["network"]} for i, n in enumerate(o["nics"])
                ],
                True,
            ),
            _Child(
                "disks",
                t.VmDisk,
                "vm_id",
                lambda o, p: [
                    {"position": i, "plan_id": p, "datastore_ref": d["datastore"], "size_gib": d["size_gib"]}
                    for i, d in enumerate(o["disks"])
                ],
                True,
            ),
            _Child("devices", t.VmDevice, "vm_id", lambda o, _p: _devices_rows(o["devices"]), False),
        ],
    ),
    "appliances": _Collection(
        "appliances",
        t.Appliance,
        _appliance_row,
        _appliance_doc,
        [
            _Child(
                "networks",
                t.ApplianceNetwork,
                "appliance_id",
                lambda o, p: [{"position": i, "plan_id": p, "network_ref": n} for i, n in enumerate(o["networks"])],
                True,
            )
        ],
    ),
}
if tuple(_SPECS) != COLLECTIONS:  # a collection added to the contract needs its table spec here
    raise RuntimeError(f"inventory table specs {tuple(_SPECS)} do not match the collections {COLLECTIONS}")


def _bulk_insert(session: Session, table, rows: list[dict]) -> None:
    """Insert many rows of one shape: COPY on PostgreSQL (an order of magnitude
    faster than row-by-row INSERTs there), executemany elsewhere."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        for chunk in _chunks(rows, _CHUNK * 4):
            session.execute(insert(table), chunk)
        return
    from psycopg.types.json import Jsonb

    columns = list(rows[0])
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    names = ", ".join(f'"{c}"' for c in columns)
    driver = connection.connection.driver_connection
    if driver is None:  # only after the connection was invalidated, which a live transaction rules out
        raise RuntimeError("the database connection was invalidated during the write")
    cursor = driver.cursor()
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([Jsonb(row[c]) if c in json_columns else row[c] for c in columns])


def _chunks(items: list, size: int = _CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _policy_doc(policy: PlanPolicy | None) -> dict | None:
    if policy is None:
        return None
    return {
        "zone_mixing": policy.zone_mixing,
        "max_cpu_overcommit": policy.max_cpu_overcommit,
        "max_memory_overcommit": policy.max_memory_overcommit,
        "patch_max_age_days": policy.patch_max_age_days,
        "min_hypervisor_versions": dict(policy.min_hypervisor_versions),
        "placement_scope": policy.placement_scope,
        "snapshot_max_age_days": policy.snapshot_max_age_days,
    }


def _source_doc(plan: Plan) -> dict | None:
    if plan.source_system is None and plan.source_exported_at is None:
        return None
    return {"system": plan.source_system, "exported_at": plan.source_exported_at}


def _replace_header(session: Session, plan: Plan, doc: dict) -> bool:
    changed = False
    source = doc["source"] or {}
    for attr, value in (
        ("as_of", doc["as_of"]),
        ("source_system", source.get("system")),
        ("source_exported_at", source.get("exported_at")),
    ):
        if getattr(plan, attr) != value:
            setattr(plan, attr, value)
            changed = True
    if _policy_doc(plan.policy) != doc["policy"]:
        if plan.policy is None:
            plan.policy = PlanPolicy(**doc["policy"])
        else:
            for k, v in doc["policy"].items():
                setattr(plan.policy, k, v)
        changed = True
    return changed


def _write_collection(session: Session, plan_id: int, spec: _Collection, objects: list[dict]) -> tuple[bool, list]:
    """Insert and update one collection; return (changed, row ids no longer in it)."""
    model = spec.model
    existing = {
        ext: (pk, digest, pos)
        for ext, pk, digest, pos in session.execute(
            select(model.ext_id, model.id, model.digest, model.position).where(model.plan_id == plan_id)
        )
    }
    inserts, updates, moves, rewritten = [], [], [], []
    for position, obj in enumerate(objects):
        digest = _digest(obj)
        old = existing.get(obj["id"])
        if old is not None and old[1] == digest:
            if old[2] != position:
                moves.append({"id": old[0], "position": position})
            continue
        row = spec.to_row(obj)
        row.update(ext_id=obj["id"], position=position, digest=digest, name=obj["name"], tags=obj["tags"])
        if old is None:
            row["plan_id"] = plan_id
            inserts.append(row)
        else:
            row["id"] = old[0]
            updates.append(row)
        rewritten.append(obj)
    _bulk_insert(session, model.__table__, inserts)
    for chunk in _chunks(updates):
        session.execute(update(model), chunk)
    for chunk in _chunks(moves):
        session.execute(update(model), chunk)
    if rewritten and spec.children:
        updated_pks = [u["id"] for u in updates]
        if inserts:
            new_ids = {i["ext_id"] for i in inserts}
            pk_of = {
                ext: pk
                for ext, pk in session.execute(select(model.ext_id, model.id).where(model.plan_id == plan_id))
                if ext in new_ids
            }
        else:
            pk_of = {}
        for u in updates:
            pk_of[u["ext_id"]] = u["id"]
        for child in spec.children:
            column = getattr(child.model, child.parent_column)
            for chunk in _chunks(updated_pks):
                session.execute(delete(child.model).where(column.in_(chunk)))
            rows = []
            for obj in rewritten:
                parent = pk_of[obj["id"]]
                for r in child.rows(obj, plan_id):
                    r[child.parent_column] = parent
                    rows.append(r)
            _bulk_insert(session, child.model.__table__, rows)
    keep = {o["id"] for o in objects}
    stale = [pk for ext, (pk, _digest, _pos) in existing.items() if ext not in keep]
    return bool(inserts or updates or moves), stale


def replace_inventory(session: Session, plan: Plan, doc: dict) -> bool:
    """Make the plan's stored inventory equal ``doc`` (validated and normalized).

    Returns whether anything changed; when it did, the plan's inventory
    version grows by one. Flushes, never commits.
    """
    changed = _replace_header(session, plan, doc)
    session.flush()
    stale: dict[str, list[int]] = {}
    for name in COLLECTIONS:
        spec = _SPECS[name]
        wrote, stale[name] = _write_collection(session, plan.id, spec, doc[name])
        changed |= wrote
    for name in reversed(COLLECTIONS):
        model = _SPECS[name].model
        for chunk in _chunks(stale[name]):
            session.execute(delete(model).where(model.id.in_(chunk)))
            changed = True
    if changed:
        plan.inventory_version = (plan.inventory_version or 0) + 1
        plan.inventory_updated_at = utcnow()
    session.flush()
    return changed


def read_inventory(session: Session, plan: Plan) -> dict:
    """The plan's inventory as a normalized document."""
    doc: dict = {
        "schema": SCHEMA_ID,
        "as_of": plan.as_of,
        "source": _source_doc(plan),
        "policy": _policy_doc(plan.policy),
    }
    if doc["policy"] is None:
        doc["policy"] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in POLICY_DEFAULTS.items()}
    for name in COLLECTIONS:
        spec = _SPECS[name]
        model = spec.model
        rows = session.execute(select(model.__table__).where(model.plan_id == plan.id).order_by(model.position)).all()
        grouped: dict[str, dict[int, list]] = {}
        for child in spec.children:
            cm = child.model
            parent_col = getattr(cm, child.parent_column)
            by_parent: dict[int, list] = defaultdict(list)
            query = select(cm.__table__)
            if child.plan_scoped:
                query = query.where(cm.plan_id == plan.id)
            else:
                query = query.join(model, parent_col == model.id).where(model.plan_id == plan.id)
            for r in session.execute(query.order_by(parent_col, cm.position)):
                by_parent[getattr(r, child.parent_column)].append(r)
            grouped[child.key] = by_parent
        empty: list = []
        doc[name] = [spec.to_doc(r, {k: g.get(r.id, empty) for k, g in grouped.items()}) for r in rows]
    return doc


def read_objects(session: Session, plan: Plan, collection: str, ext_ids: Iterable[str]) -> list[dict]:
    """Some objects of one collection as the document has them (in document
    order), without reading the rest of the inventory."""
    spec = _SPECS[collection]
    model = spec.model
    wanted = list(ext_ids)
    if not wanted:
        return []
    rows = session.execute(
        select(model.__table__).where(model.plan_id == plan.id, model.ext_id.in_(wanted)).order_by(model.position)
    ).all()
    ids = [r.id for r in rows]
    grouped: dict[str, dict[int, list]] = {}
    for child in spec.children:
        cm = child.model
        parent_col = getattr(cm, child.parent_column)
        by_parent: dict[int, list] = defaultdict(list)
        for r in session.execute(select(cm.__table__).where(parent_col.in_(ids)).order_by(parent_col, cm.position)):
            by_parent[getattr(r, child.parent_column)].append(r)
        grouped[child.key] = by_parent
    empty: list = []
    return [spec.to_doc(r, {k: g.get(r.id, empty) for k, g in grouped.items()}) for r in rows]


def inventory_counts(session: Session, plan: Plan) -> dict[str, int]:
    """How many objects of each collection the plan holds."""
    return {
        name: session.scalar(
            select(func.count()).select_from(_SPECS[name].model).where(_SPECS[name].model.plan_id == plan.id)
        )
        or 0
        for name in COLLECTIONS
    }
