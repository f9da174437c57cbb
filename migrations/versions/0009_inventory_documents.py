"""inventories stored as documents: each version of a plan's inventory is one document

Each plan's inventory moves from one table per collection (zones, hosts,
VMs, their NICs, disks and devices..., the policy and the header columns of
``plans``) into ``inventory_versions``, which already kept each version's
document for comparison: a version's row now holds the canonical JSON of its
normalized document, compressed, with its digest, size, header and counts
(see models/inventory.py), and the plan's current inventory is its row at
the plan's ``inventory_version``. The current document is rebuilt from the
rows exactly as the store of revision 0008 read it back, then normalized by
today's contract, so it is stored as a write today would store it; it
replaces what a kept row of that version held, or becomes that row
("stored before versions were kept"). Older kept versions are stored again
in the same canonical form. A stored document that today's contract no
longer accepts is kept as it was read (and logged): the next write of that
plan must fix it.

There is no way back: downgrading would have to split documents into the
old tables again; restore the backup taken before upgrading instead.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 10:00:00.000000
"""

import datetime as dt
import json
import logging
import zlib
from collections import defaultdict

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
#: The tables of revision 0008 that held inventories, children before their parents.
_OLD_TABLES = (
    "appliance_networks",
    "appliances",
    "vm_devices",
    "vm_disks",
    "vm_nics",
    "vms",
    "datastore_hosts",
    "datastores",
    "host_devices",
    "hosts",
    "networks",
    "clusters",
    "zones",
    "plan_policies",
)
#: The columns ``inventory_versions`` gains: (name, type).
_NEW_COLUMNS = (("digest", sa.String(length=64)), ("size", sa.Integer()), ("header", _JSON))


def upgrade() -> None:
    with op.batch_alter_table("inventory_versions") as batch:
        for name, type_ in _NEW_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    _move_inventories(op.get_bind())
    # Every row holds its document now: the new columns are required. (Batch mode copies
    # inventory_versions on SQLite, which nothing refers to.)
    with op.batch_alter_table("inventory_versions") as batch:
        for name, type_ in _NEW_COLUMNS:
            batch.alter_column(name, existing_type=type_, nullable=False)
    for table in _OLD_TABLES:
        op.drop_table(table)
    # Not batch mode: on SQLite that copies ``plans`` into a new table and drops the old one,
    # and the drop cascades to every row referring to a plan (these documents among them).
    # SQLite (3.35 and later) and PostgreSQL both drop a plain column in place.
    for column in ("as_of", "source_system", "source_exported_at"):
        op.execute(sa.text(f"ALTER TABLE plans DROP COLUMN {column}"))


def downgrade() -> None:
    raise RuntimeError(
        "revision 0009 stores inventories as documents and cannot split them into the tables of 0008 again; "
        "restore the database from the backup taken before upgrading"
    )


# -- the move ------------------------------------------------------------------------------------


def _move_inventories(conn: sa.Connection) -> None:
    meta = sa.MetaData()
    t = {name: sa.Table(name, meta, autoload_with=conn) for name in (*_OLD_TABLES, "plans", "inventory_versions")}
    versions, plans = t["inventory_versions"], t["plans"]
    for plan in conn.execute(sa.select(plans).order_by(plans.c.id)).mappings().all():
        of_plan = sa.select(versions.c.id, versions.c.version, versions.c.document).where(
            versions.c.plan_id == plan["id"]
        )
        kept = {r.version: r for r in conn.execute(of_plan)}
        current = _document(conn, t, plan)
        number = plan["inventory_version"] or 0
        if number == 0 and current is not None:  # rows without a version: make them version 1
            number = 1
            conn.execute(sa.update(plans).where(plans.c.id == plan["id"]).values(inventory_version=1))
        for version, row in kept.items():
            if version != number:
                document = json.loads(zlib.decompress(row.document))
                conn.execute(sa.update(versions).where(versions.c.id == row.id).values(**_stored(plan, document)))
        if number == 0:
            continue  # nothing stored: the plan has the empty inventory
        values = _stored(plan, current or {"schema": "virtplan.inventory/v1"})
        if number in kept:
            conn.execute(sa.update(versions).where(versions.c.id == kept[number].id).values(**values))
        else:
            when = plan["inventory_updated_at"] or dt.datetime.now(dt.UTC)
            how = "stored before versions were kept"
            conn.execute(
                sa.insert(versions).values(plan_id=plan["id"], version=number, recorded_at=when, how=how, **values)
            )


def _stored(plan, document: dict) -> dict:
    """The columns of a version holding ``document``, normalized by today's contract."""
    import msgspec

    from models.inventory_store import stored_form
    from planner.core.inventory import InventoryDocument, InventoryError, validate_document
    from planner.core.inventory.document import document_from_dict

    try:
        typed = document_from_dict(validate_document(document))
    except InventoryError as exc:
        log.warning("plan %s: a stored inventory breaks today's contract (%s); kept as stored", plan["id"], exc)
        typed = msgspec.convert(document, InventoryDocument)
    return stored_form(typed)


def _rows(conn, table: sa.Table, plan_id: int) -> list:
    return conn.execute(sa.select(table).where(table.c.plan_id == plan_id).order_by(table.c.position)).all()


def _children(conn, child: sa.Table, parent: sa.Table, key: str, plan_id: int) -> dict[int, list]:
    """Child rows of the plan's parent rows, by parent id, in order."""
    query = (
        sa.select(child)
        .join(parent, child.c[key] == parent.c.id)
        .where(parent.c.plan_id == plan_id)
        .order_by(child.c[key], child.c.position)
    )
    out: dict[int, list] = defaultdict(list)
    for r in conn.execute(query):
        out[r._mapping[key]].append(r)
    return out


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _devices(rows: list) -> list[dict]:
    return [{"kind": d.kind, "connected": d.connected, "in_use": d.in_use} for d in rows]


def _hardened(doc: dict, stored: dict | None, fields: dict[str, object]) -> dict:
    """Put the stored v1.1 facts (keyed by dotted path) back; what is absent takes its default."""
    for path, default in fields.items():
        *parents, key = path.split(".")
        holder = doc
        for p in parents:
            holder = holder[p]
            if holder is None:
                break
        else:
            holder[key] = (stored or {}).get(path, default)
    return doc


def _document(conn, t: dict[str, sa.Table], plan) -> dict | None:
    """The plan's inventory as the store of revision 0008 read it back; None when nothing is stored."""
    pid = plan["id"]
    policy = conn.execute(sa.select(t["plan_policies"]).where(t["plan_policies"].c.plan_id == pid)).mappings().first()
    rows = {name: _rows(conn, t[name], pid) for name in ("zones", "clusters", "networks", "hosts", "datastores")}
    rows.update({name: _rows(conn, t[name], pid) for name in ("vms", "appliances")})
    header = (plan["as_of"], plan["source_system"], plan["source_exported_at"])
    if policy is None and not any(rows.values()) and header == (None, None, None):
        return None
    host_devices = _children(conn, t["host_devices"], t["hosts"], "host_id", pid)
    ds_hosts = _children(conn, t["datastore_hosts"], t["datastores"], "datastore_id", pid)
    nics = _children(conn, t["vm_nics"], t["vms"], "vm_id", pid)
    disks = _children(conn, t["vm_disks"], t["vms"], "vm_id", pid)
    vm_devices = _children(conn, t["vm_devices"], t["vms"], "vm_id", pid)
    app_networks = _children(conn, t["appliance_networks"], t["appliances"], "appliance_id", pid)
    doc: dict = {
        "schema": "virtplan.inventory/v1",
        "as_of": plan["as_of"],
        "source": None
        if header[1:] == (None, None)
        else {"system": plan["source_system"], "exported_at": plan["source_exported_at"]},
        "policy": None if policy is None else {k: v for k, v in policy.items() if k != "plan_id"},
        "zones": [
            {"id": r.ext_id, "name": r.name, "trust_level": r.trust_level, "purpose": r.purpose, "tags": r.tags}
            for r in rows["zones"]
        ],
        "clusters": [{"id": r.ext_id, "name": r.name, "tags": r.tags} for r in rows["clusters"]],
        "hosts": [
            _hardened(
                {
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
                    "devices": _devices(host_devices[r.id]),
                    "dedicated_zone": r.dedicated_zone_ref,
                    "tags": r.tags,
                },
                r.hardening,
                {
                    "hypervisor.end_of_support": None,
                    "settings.shell": None,
                    "settings.inter_vm_page_sharing": None,
                    "migration": None,
                    "uplinks": None,
                },
            )
            for r in rows["hosts"]
        ],
        "networks": [
            _hardened(
                {
                    "id": r.ext_id,
                    "name": r.name,
                    "kind": r.kind,
                    "vlan": r.vlan,
                    "zone": r.zone_ref,
                    "purpose": r.purpose,
                    "tags": r.tags,
                },
                r.hardening,
                {"security_policy": None},
            )
            for r in rows["networks"]
        ],
        "appliances": [
            {
                "id": r.ext_id,
                "name": r.name,
                "kind": r.kind,
                "filtering": r.filtering,
                "networks": [c.network_ref for c in app_networks[r.id]],
                "vm": r.vm_ref,
                "tags": r.tags,
            }
            for r in rows["appliances"]
        ],
        "datastores": [
            {
                "id": r.ext_id,
                "name": r.name,
                "kind": r.kind,
                "encrypted": r.encrypted,
                "hosts": [c.host_ref for c in ds_hosts[r.id]],
                "tags": r.tags,
            }
            for r in rows["datastores"]
        ],
        "vms": [
            _hardened(
                {
                    "id": r.ext_id,
                    "name": r.name,
                    "host": r.host_ref,
                    "zone": r.zone_ref,
                    "vcpus": r.vcpus,
                    "memory_gib": r.memory_gib,
                    "categorization": None
                    if r.confidentiality is None
                    else {
                        "confidentiality": r.confidentiality,
                        "integrity": r.integrity,
                        "availability": r.availability,
                    },
                    "internet_facing": r.internet_facing,
                    "role": r.role,
                    "os": r.os,
                    "nics": [{"network": c.network_ref} for c in nics[r.id]],
                    "disks": [{"datastore": c.datastore_ref, "size_gib": c.size_gib} for c in disks[r.id]],
                    "settings": {
                        "clipboard_sharing": r.settings_clipboard_sharing,
                        "file_sharing": r.settings_file_sharing,
                    }
                    if r.settings_given
                    else None,
                    "devices": _devices(vm_devices[r.id]),
                    "anti_affinity_group": r.anti_affinity_group,
                    "pinned": r.pinned,
                    "tags": r.tags,
                },
                r.hardening,
                {"snapshots": [], "firmware": None},
            )
            for r in rows["vms"]
        ],
    }
    return doc
