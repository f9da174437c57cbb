"""Alembic migrations are the only way the schema is made, and they agree with the models."""

from __future__ import annotations

import datetime as dt
import json
import zlib

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, Table, insert, inspect, select
from sqlalchemy.orm import Session

import models
from migrations import alembic_config
from models.database import make_engine, normalize_url
from models.inventory_store import inventory_counts, read_inventory, read_version, replace_inventory
from planner.cli.database import upgrade_database
from planner.core.inventory import validate_document
from planner.core.inventory.document import document_from_dict


def _schema(conn) -> dict:
    """Every table with its columns, indexes and foreign keys, and the revision recorded."""
    insp = inspect(conn)
    tables = {
        t: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(t)],
            sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(t)),
            sorted(str(fk["name"]) for fk in insp.get_foreign_keys(t)),
        )
        for t in insp.get_table_names()
    }
    return {"tables": tables, "revision": MigrationContext.configure(conn).get_current_revision()}


def test_upgrade_on_an_empty_database_matches_the_models(empty_database):
    upgrade_database(empty_database)
    head = ScriptDirectory.from_config(alembic_config(empty_database)).get_current_head()
    engine = make_engine(empty_database)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert set(models.Base.metadata.tables) <= tables
            assert "alembic_version" in tables
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            assert compare_metadata(ctx, models.Base.metadata) == []
            before = _schema(conn)
        assert before["revision"] == head
        # Upgrading again is a no-op: same revision, same tables, columns, indexes and keys.
        upgrade_database(empty_database)
        with engine.connect() as conn:
            assert _schema(conn) == before
    finally:
        engine.dispose()


def test_constraints_follow_the_naming_convention(empty_database):
    upgrade_database(empty_database)
    engine = make_engine(empty_database)
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            fks = {fk["name"] for fk in insp.get_foreign_keys("inventory_versions")}
            assert fks == {"fk_inventory_versions_plan_id_plans"}
            uniques = {u["name"] for u in insp.get_unique_constraints("memberships")}
            assert "uq_memberships_user_id_organization_id" in uniques
    finally:
        engine.dispose()


# -- 0009: inventories move from one table per collection into one document per version ------------

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
#: One plan's inventory as revision 0008 stored it: every table and every column used.
ROWS_0008 = {
    "plan_policies": [
        {
            "plan_id": 1,
            "zone_mixing": "adjacent",
            "max_cpu_overcommit": 3.5,
            "max_memory_overcommit": 1.25,
            "patch_max_age_days": 45,
            "min_hypervisor_versions": {"esxi": "8.0.2"},
            "placement_scope": "estate",
            "snapshot_max_age_days": 3,
        }
    ],
    "zones": [
        {"id": 1, "ext_id": "dmz", "name": "DMZ", "trust_level": 1, "purpose": "workload", "tags": {"o": "net"}},
        {"id": 2, "ext_id": "mgmt", "name": None, "trust_level": 3, "purpose": "management", "tags": {}},
    ],
    "clusters": [{"id": 1, "ext_id": "cl-1", "name": "Cluster 1", "tags": {}}],
    "networks": [
        {"id": 1, "ext_id": "net-mgmt", "kind": "vlan", "vlan": 10, "zone_ref": "mgmt", "purpose": "management"},
        {
            "id": 2,
            "ext_id": "pg-dmz",
            "kind": "portgroup",
            "vlan": None,
            "zone_ref": "dmz",
            "purpose": "guest",
            "hardening": {"security_policy": {"promiscuous": True, "mac_changes": None, "forged_transmits": False}},
        },
    ],
    "hosts": [
        {
            "id": 1,
            "ext_id": "esx-1",
            "cluster_ref": "cl-1",
            "cpu_cores": 32,
            "memory_gib": 512.0,
            "hypervisor_product": "esxi",
            "hypervisor_type": 1,
            "hypervisor_version": "8.0.1",
            "hypervisor_patched_on": dt.date(2026, 3, 1),
            "management_given": True,
            "management_network_ref": "net-mgmt",
            "management_encrypted": False,
            "settings_given": True,
            "settings_time_sync": True,
            "settings_remote_logging": None,
            "settings_lockdown": False,
            "settings_introspection": None,
            "dedicated_zone_ref": "dmz",
            "hardening": {
                "hypervisor.end_of_support": "2027-10-02",
                "settings.shell": True,
                "migration": {"network": "net-mgmt", "encrypted": False},
                "uplinks": 1,
            },
        },
        {
            "id": 2,
            "ext_id": "esx-2",
            "cpu_cores": 8,
            "memory_gib": 64.0,
            "management_given": False,
            "settings_given": False,
        },
    ],
    "host_devices": [{"id": 1, "host_id": 1, "position": 0, "kind": "usb", "connected": True, "in_use": False}],
    "datastores": [{"id": 1, "ext_id": "ds-1", "kind": "vmfs", "encrypted": None}],
    "datastore_hosts": [
        {"id": 1, "datastore_id": 1, "plan_id": 1, "position": 0, "host_ref": "esx-2"},
        {"id": 2, "datastore_id": 1, "plan_id": 1, "position": 1, "host_ref": "esx-1"},
    ],
    "vms": [
        {
            "id": 1,
            "ext_id": "web-1",
            "name": "Web",
            "host_ref": "esx-1",
            "zone_ref": "dmz",
            "vcpus": 4,
            "memory_gib": 8.0,
            "confidentiality": "moderate",
            "integrity": "high",
            "availability": "low",
            "internet_facing": True,
            "role": "web",
            "os": "Debian 12",
            "settings_given": True,
            "settings_clipboard_sharing": False,
            "settings_file_sharing": None,
            "anti_affinity_group": "web",
            "pinned": True,
            "tags": {"owner": "web team"},
            "hardening": {
                "snapshots": [{"id": "s1", "created": "2026-10-01"}],
                "firmware": {"secure_boot": False, "vtpm": None},
            },
        },
        {
            "id": 2,
            "ext_id": "fw-vm",
            "vcpus": 2,
            "memory_gib": 4.0,
            "internet_facing": False,
            "settings_given": False,
            "pinned": False,
        },
    ],
    "vm_nics": [
        {"id": 1, "vm_id": 1, "plan_id": 1, "position": 0, "network_ref": "pg-dmz"},
        {"id": 2, "vm_id": 1, "plan_id": 1, "position": 1, "network_ref": "pg-dmz"},
    ],
    "vm_disks": [{"id": 1, "vm_id": 1, "plan_id": 1, "position": 0, "datastore_ref": "ds-1", "size_gib": 40.0}],
    "vm_devices": [{"id": 1, "vm_id": 1, "position": 0, "kind": "pci-passthrough", "connected": True, "in_use": True}],
    "appliances": [{"id": 1, "ext_id": "rt-1", "kind": "router", "filtering": False, "vm_ref": "fw-vm"}],
    "appliance_networks": [
        {"id": 1, "appliance_id": 1, "plan_id": 1, "position": 0, "network_ref": "pg-dmz"},
        {"id": 2, "appliance_id": 1, "plan_id": 1, "position": 1, "network_ref": "net-mgmt"},
    ],
}
#: The same inventory as a document: what the plan holds after 0009.
DOCUMENT_0008 = {
    "schema": "virtplan.inventory/v1",
    "as_of": "2026-11-01",
    "source": {"system": "vcenter", "exported_at": "2026-11-01T08:00:00Z"},
    "policy": ROWS_0008["plan_policies"][0] | {"plan_id": None},
    "zones": [
        {"id": "dmz", "name": "DMZ", "trust_level": 1, "tags": {"o": "net"}},
        {"id": "mgmt", "trust_level": 3, "purpose": "management"},
    ],
    "clusters": [{"id": "cl-1", "name": "Cluster 1"}],
    "networks": [
        {"id": "net-mgmt", "kind": "vlan", "vlan": 10, "zone": "mgmt", "purpose": "management"},
        {
            "id": "pg-dmz",
            "kind": "portgroup",
            "zone": "dmz",
            "security_policy": {"promiscuous": True, "forged_transmits": False},
        },
    ],
    "hosts": [
        {
            "id": "esx-1",
            "cluster": "cl-1",
            "cpu_cores": 32,
            "memory_gib": 512,
            "hypervisor": {
                "product": "esxi",
                "type": 1,
                "version": "8.0.1",
                "patched_on": "2026-03-01",
                "end_of_support": "2027-10-02",
            },
            "management": {"network": "net-mgmt", "encrypted": False},
            "settings": {"time_sync": True, "lockdown": False, "shell": True},
            "devices": [{"kind": "usb", "connected": True}],
            "dedicated_zone": "dmz",
            "migration": {"network": "net-mgmt", "encrypted": False},
            "uplinks": 1,
        },
        {"id": "esx-2", "cpu_cores": 8, "memory_gib": 64},
    ],
    "datastores": [{"id": "ds-1", "kind": "vmfs", "hosts": ["esx-2", "esx-1"]}],
    "vms": [
        {
            "id": "web-1",
            "name": "Web",
            "host": "esx-1",
            "zone": "dmz",
            "vcpus": 4,
            "memory_gib": 8,
            "categorization": {"confidentiality": "moderate", "integrity": "high", "availability": "low"},
            "internet_facing": True,
            "role": "web",
            "os": "Debian 12",
            "nics": [{"network": "pg-dmz"}, {"network": "pg-dmz"}],
            "disks": [{"datastore": "ds-1", "size_gib": 40}],
            "settings": {"clipboard_sharing": False},
            "devices": [{"kind": "pci-passthrough", "connected": True, "in_use": True}],
            "anti_affinity_group": "web",
            "pinned": True,
            "tags": {"owner": "web team"},
            "snapshots": [{"id": "s1", "created": "2026-10-01"}],
            "firmware": {"secure_boot": False},
        },
        {"id": "fw-vm", "vcpus": 2, "memory_gib": 4},
    ],
    "appliances": [{"id": "rt-1", "kind": "router", "networks": ["pg-dmz", "net-mgmt"], "vm": "fw-vm"}],
}
del DOCUMENT_0008["policy"]["plan_id"]


#: An older version of plan 1's inventory, as revision 0008 kept it (json.dumps, compressed).
OLDER_0008 = {"schema": "virtplan.inventory/v1", "zones": [{"id": "dmz", "trust_level": 1}]}


def _kept(document: dict) -> bytes:
    return zlib.compress(json.dumps(validate_document(document), separators=(",", ":")).encode(), 6)


def _insert_0008_inventory(url: str) -> None:
    """Organization, three plans at revision 0008 (1: every table used, version 2, both versions kept;
    2: only a policy, version 1, not kept; 3: nothing), and an answer of plan 1."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            meta = MetaData()
            table = lambda name: Table(name, meta, autoload_with=conn)  # noqa: E731
            conn.execute(insert(table("organizations")).values(id=1, name="Acme", created_at=NOW))
            plan = {"organization_id": 1, "created_at": NOW, "updated_at": NOW, "inventory_version": 1}
            conn.execute(
                insert(table("plans")),
                [
                    {"id": 1, "name": "full", "as_of": "2026-11-01", "source_system": "vcenter"}
                    | {"source_exported_at": "2026-11-01T08:00:00Z"}
                    | plan
                    | {"inventory_version": 2},
                    {"id": 2, "name": "policy only", "as_of": None, "source_system": None, "source_exported_at": None}
                    | plan,
                    {"id": 3, "name": "empty", "as_of": None, "source_system": None, "source_exported_at": None}
                    | plan
                    | {"inventory_version": 0},
                ],
            )
            for name, rows in ROWS_0008.items():
                t = table(name)
                defaults = {"plan_id": 1, "digest": "0" * 32, "name": None, "tags": {}, "hardening": None}
                for i, row in enumerate(rows):
                    full = {k: v for k, v in (defaults | {"position": i}).items() if k in t.c} | row
                    conn.execute(insert(t).values(**full))
            policy = ROWS_0008["plan_policies"][0] | {"plan_id": 2, "zone_mixing": "forbid"}
            conn.execute(insert(table("plan_policies")).values(**policy))
            kept = {"plan_id": 1, "recorded_at": NOW, "recorded_by": "alice", "counts": {}}
            conn.execute(
                insert(table("inventory_versions")),
                [
                    kept | {"version": 1, "how": "uploaded old.json", "document": _kept(OLDER_0008)},
                    kept | {"version": 2, "how": "whole document replaced", "document": _kept(DOCUMENT_0008)},
                ],
            )
            # A plan's other rows: the move must leave them (nothing cascades from plans).
            answer = {"plan_id": 1, "question_id": "initiation.scope", "value": "yes", "answered_at": NOW}
            conn.execute(insert(table("answers")).values(**answer))
    finally:
        engine.dispose()


def test_0009_moves_every_stored_inventory_into_its_document(empty_database):
    command.upgrade(alembic_config(normalize_url(empty_database)), "0008")
    _insert_0008_inventory(empty_database)
    upgrade_database(empty_database)
    engine = make_engine(empty_database)
    try:
        with Session(engine) as session:
            plans = {p.id: p for p in session.scalars(select(models.Plan))}
            assert read_inventory(session, plans[1]) == validate_document(DOCUMENT_0008)
            assert read_version(session, plans[1], 1) == validate_document(OLDER_0008)
            assert inventory_counts(session, plans[1])["vms"] == 2
            policy_only = read_inventory(session, plans[2])
            assert policy_only["policy"]["max_cpu_overcommit"] == 3.5 and policy_only["vms"] == []
            assert read_inventory(session, plans[3]) == validate_document({"schema": "virtplan.inventory/v1"})
            rows = session.execute(
                select(
                    models.InventoryVersion.plan_id, models.InventoryVersion.version, models.InventoryVersion.how
                ).order_by(models.InventoryVersion.plan_id, models.InventoryVersion.version)
            ).all()
            assert [tuple(r) for r in rows] == [
                (1, 1, "uploaded old.json"),
                (1, 2, "whole document replaced"),
                (2, 1, "stored before versions were kept"),
            ]
            assert session.scalar(select(models.Answer.value).where(models.Answer.plan_id == 1)) == "yes"
            # Stored as a write today would store it: sending the same document again changes nothing.
            same = document_from_dict(validate_document(DOCUMENT_0008))
            assert not replace_inventory(session, plans[1], same)
        with engine.connect() as conn:
            assert not {"vms", "hosts", "plan_policies"} & set(inspect(conn).get_table_names())
            assert not {"as_of", "source_system"} & {c["name"] for c in inspect(conn).get_columns("plans")}
    finally:
        engine.dispose()
