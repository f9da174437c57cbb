"""ServiceNow CMDB (Table API JSON, or an Identification and Reconciliation
payload) to an observed estate.

Table API files are ``{"result": [...]}`` as ``GET /api/now/table/{table}``
returns them, one file per table (or page): the VMware classes
``cmdb_ci_vmware_instance`` (VMs), ``cmdb_ci_esx_server`` (hosts),
``cmdb_ci_vcenter_cluster``, ``cmdb_ci_vcenter_network`` /
``cmdb_ci_vcenter_dv_port_group`` (networks), ``cmdb_ci_vcenter_datastore``,
and ``cmdb_rel_ci`` relationships (``cmdb_rel_type`` resolves type sys_ids to
names when the export has no display values). The table is read from each
record's ``sys_class_name``, else from the file name. Reference fields may be
``{"link", "value"}``, ``{"display_value", "value"}`` or a plain sys_id.

An IRE payload is ``{"items": [{"className", "values", "internal_id"}],
"relations": [{"parent": i, "child": j, "type": "A::B"}]}``.

Relationships read: VM ``Registered on::Has registered`` (or ``Hosted
on::Hosts``) ESX host → the VM's host; VM ``Connected by::Connects`` network
→ a NIC; datastore ``Provides storage for::Stored on`` VM → a disk (size
unknown), or ESX host → the datastore's hosts; cluster ``Members::Member of``
ESX host → the host's cluster. Either direction is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .diagnostics import Progress, Warnings, fail
from .jsondata import number, parse_json, text
from .observed import Observed, Thing
from .xlsx import Limits

SYSTEM = "servicenow"
CLASSES = {
    "cmdb_ci_vmware_instance": "vms",
    "cmdb_ci_esx_server": "hosts",
    "cmdb_ci_vcenter_cluster": "clusters",
    "cmdb_ci_vcenter_network": "networks",
    "cmdb_ci_vcenter_dv_port_group": "networks",
    "cmdb_ci_vcenter_datastore": "datastores",
    "cmdb_rel_ci": "relations",
    "cmdb_rel_type": "relation_types",
}
_DATASTORE_KINDS = {"vmfs": "vmfs", "nfs": "nfs", "nfs41": "nfs", "vsan": "vsan", "vvol": "other"}
_VERSION = re.compile(r"(\d+(?:\.\d+)+)")


def _value(field: Any) -> str | None:
    if isinstance(field, dict):
        return text(field.get("value"))
    return text(field)


def _display(field: Any) -> str | None:
    if isinstance(field, dict):
        return text(field.get("display_value")) or text(field.get("value"))
    return text(field)


def _class_of(name: str, record: dict[str, Any]) -> str | None:
    cls = _value(record.get("sys_class_name"))
    if cls in CLASSES:
        return cls
    stem = name.rsplit("/", 1)[-1].lower()
    for known in sorted(CLASSES, key=len, reverse=True):
        if known in stem:
            return known
    return cls


def observe_servicenow(
    files: Sequence[tuple[str, bytes]], warnings: Warnings, limits: Limits, progress: Progress | None = None
) -> Observed:
    """Read ServiceNow Table API files or an IRE payload into an observed estate."""
    if not files:
        raise fail("", "no ServiceNow files given (Table API {result: [...]} per table, or an IRE payload)")
    records: dict[str, dict[str, tuple[dict[str, Any], str, str]]] = {c: {} for c in set(CLASSES.values())}
    relations: list[tuple[str, str, str, str]] = []
    type_names: dict[str, str] = {}
    for count, (name, data) in enumerate(files, start=1):
        if progress is not None:
            progress("reading files", count)
        parsed = parse_json(name, data, limits)
        if isinstance(parsed, dict) and isinstance(parsed.get("items"), list):
            _read_ire(name, parsed, records, relations)
            continue
        if not isinstance(parsed, dict) or not isinstance(parsed.get("result"), list):
            raise fail(name, 'expected a Table API response {"result": [...]} or an IRE payload {"items", "relations"}')
        for i, record in enumerate(parsed["result"]):
            where = f"{name} result[{i}]"
            if not isinstance(record, dict):
                raise fail(where, "expected a record (an object)")
            cls = _class_of(name, record)
            kind = CLASSES.get(cls or "")
            if kind is None:
                warnings.add("ignored-record", where, f"class {cls!r} is not one the import reads: ignored")
                continue
            sys_id = _value(record.get("sys_id"))
            if kind == "relation_types":
                if sys_id and text(record.get("name")):
                    type_names[sys_id] = str(text(record.get("name")))
                continue
            if kind == "relations":
                parent, child = _value(record.get("parent")), _value(record.get("child"))
                rtype = record.get("type")
                shown = _display(rtype) if isinstance(rtype, dict) and rtype.get("display_value") else _value(rtype)
                if parent and child and shown:
                    relations.append((parent, child, shown, where))
                else:
                    warnings.add("skipped-relation", where, "relationship without parent, child or type: ignored")
                continue
            if not sys_id:
                raise fail(where, "record without a sys_id")
            records[kind].setdefault(sys_id, (record, where, cls or ""))
    if not records["vms"]:
        raise fail(", ".join(n for n, _d in files), "no cmdb_ci_vmware_instance records (VMs) given")
    return _Builder(records, relations, type_names, warnings).build()


def _read_ire(
    name: str,
    payload: dict[str, Any],
    records: dict[str, dict[str, tuple[dict[str, Any], str, str]]],
    relations: list[tuple[str, str, str, str]],
) -> None:
    ids: list[str | None] = []
    for i, item in enumerate(payload["items"]):
        where = f"{name} items[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("values"), dict):
            raise fail(where, 'expected an item {"className", "values": {...}}')
        cls = text(item.get("className"))
        values = item["values"]
        key = (
            _value(values.get("sys_id"))
            or text(item.get("internal_id"))
            or _value(values.get("object_id"))
            or _value(values.get("name"))
        )
        if not key:
            raise fail(where, "the item has no sys_id, internal_id, object_id or name to identify it")
        ids.append(key)
        kind = CLASSES.get(cls or "")
        if kind in ("vms", "hosts", "clusters", "networks", "datastores"):
            records[kind].setdefault(key, (values, where, cls or ""))
    for j, rel in enumerate(payload.get("relations") or []):
        where = f"{name} relations[{j}]"
        if not isinstance(rel, dict):
            raise fail(where, 'expected a relation {"parent": i, "child": j, "type": "A::B"}')
        parent, child = rel.get("parent"), rel.get("child")
        if type(parent) is not int or type(child) is not int or not (0 <= parent < len(ids) and 0 <= child < len(ids)):
            raise fail(where, f"parent and child must be indexes into items (0 to {len(ids) - 1})")
        rtype = text(rel.get("type"))
        if not rtype:
            raise fail(f"{where}.type", "expected a relationship type such as 'Registered on::Has registered'")
        relations.append((str(ids[parent]), str(ids[child]), rtype, where))


class _Builder:
    def __init__(
        self,
        records: dict[str, dict[str, tuple[dict[str, Any], str, str]]],
        relations: list[tuple[str, str, str, str]],
        type_names: dict[str, str],
        warnings: Warnings,
    ):
        self.records = records
        self.relations = relations
        self.type_names = type_names
        self.warnings = warnings
        self.observed = Observed(SYSTEM)

    def build(self) -> Observed:
        for sys_id, (rec, where, _cls) in self.records["clusters"].items():
            self.thing("clusters", sys_id, rec, where, {"id": sys_id, "name": _display(rec.get("name")) or sys_id})
        for sys_id, (rec, where, _cls) in self.records["networks"].items():
            doc: dict[str, Any] = {"id": sys_id, "name": _display(rec.get("name")) or sys_id, "kind": "portgroup"}
            vlan = number(_value(rec.get("vlan_id")) or _value(rec.get("vlan")))
            if vlan is not None and vlan.is_integer() and 1 <= vlan <= 4094:
                doc["vlan"] = int(vlan)
            thing = self.thing("networks", sys_id, rec, where, doc)
            thing.fact("vlan", [doc.get("vlan")])
        for sys_id, (rec, where, _cls) in self.records["hosts"].items():
            self.host(sys_id, rec, where)
        for sys_id, (rec, where, _cls) in self.records["datastores"].items():
            kind = _DATASTORE_KINDS.get((_value(rec.get("type")) or "").lower(), "other")
            self.thing(
                "datastores",
                sys_id,
                rec,
                where,
                {"id": sys_id, "name": _display(rec.get("name")) or sys_id, "kind": kind, "hosts": []},
            )
        for sys_id, (rec, where, _cls) in self.records["vms"].items():
            self.vm(sys_id, rec, where)
        self.relate()
        for thing in self.observed.vms.values():
            names = [self.observed.networks[n["network"]].doc["name"] for n in thing.doc["nics"]]
            thing.fact("network", names)
            thing.fact("vlan", [self.observed.networks[n["network"]].doc.get("vlan") for n in thing.doc["nics"]])
        return self.observed

    def thing(self, collection: str, sys_id: str, rec: dict[str, Any], where: str, doc: dict[str, Any]) -> Thing:
        thing = Thing(doc, where)
        thing.fact("name", [_display(rec.get("name"))])
        thing.fact("tenant", [_display(rec.get("company"))])
        thing.fact("status", [_display(rec.get("install_status")), _display(rec.get("operational_status"))])
        for key, value in rec.items():
            shown = _display(value)
            if shown is not None and not key.startswith("sys_"):
                thing.custom[key] = shown[:2000]
        self.observed.collection(collection)[sys_id] = thing
        return thing

    def host(self, sys_id: str, rec: dict[str, Any], where: str) -> None:
        cores = number(_value(rec.get("cpu_core_count")))
        if cores is None:
            sockets, per = number(_value(rec.get("cpu_count"))), number(_value(rec.get("cpu_core_thread")))
            cores = sockets * per if sockets and per else None
        memory = number(_value(rec.get("ram")))
        doc: dict[str, Any] = {"id": sys_id, "name": _display(rec.get("name")) or sys_id}
        doc["cpu_cores"] = int(cores) if cores and cores.is_integer() else None
        doc["memory_gib"] = round(memory / 1024.0, 3) if memory is not None else None
        label = " ".join(
            t
            for t in (_display(rec.get("os_version")), _display(rec.get("full_name")), _display(rec.get("version")))
            if t
        )
        version = _VERSION.search(label)
        doc["hypervisor"] = {"product": "esxi", "type": 1, **({"version": version.group(1)} if version else {})}
        thing = self.thing("hosts", sys_id, rec, where, doc)
        thing.fact("model", [_display(rec.get("model_id")), _display(rec.get("manufacturer"))])

    def vm(self, sys_id: str, rec: dict[str, Any], where: str) -> None:
        name = _display(rec.get("name")) or sys_id
        if (_value(rec.get("template")) or "").lower() == "true":
            self.warnings.add("template", where, f"{name!r} is a template, not a VM: skipped")
            return
        cpus, memory = number(_value(rec.get("cpus"))), number(_value(rec.get("memory")))
        doc: dict[str, Any] = {"id": sys_id, "name": name, "host": None, "nics": [], "disks": []}
        doc["vcpus"] = int(cpus) if cpus is not None and cpus.is_integer() else cpus
        doc["memory_gib"] = round(memory / 1024.0, 3) if memory is not None else None
        doc["os"] = _display(rec.get("guest_os_fullname")) or _display(rec.get("guest_id"))
        state = _display(rec.get("state"))
        doc["tags"] = {"servicenow.state": state} if state else {}
        thing = self.thing("vms", sys_id, rec, where, doc)
        thing.fact("os", [doc["os"]])
        thing.fact("power_state", [state])

    def relate(self) -> None:
        obs = self.observed
        for parent, child, rtype, where in self.relations:
            name = self.type_names.get(rtype, rtype)
            if "::" not in name:
                self.warnings.add(
                    "skipped-relation",
                    where,
                    f"relationship type {rtype!r} is unknown (give cmdb_rel_type, or display values): ignored",
                )
                continue
            kind = name.split("::", 1)[0].strip().lower()
            if kind in ("registered on", "hosted on", "runs on"):
                vm, host = self._pair(parent, child, obs.vms, obs.hosts)
                if vm and host:
                    vm.doc["host"] = host.id
                    vm.fact("host", [host.doc["name"]])
            elif kind in ("connected by", "connects to", "uses"):
                vm, net = self._pair(parent, child, obs.vms, obs.networks)
                if vm and net and {"network": net.id} not in vm.doc["nics"]:
                    vm.doc["nics"].append({"network": net.id})
            elif kind == "provides storage for":
                ds, vm = self._pair(parent, child, obs.datastores, obs.vms)
                if ds and vm and not any(d["datastore"] == ds.id for d in vm.doc["disks"]):
                    vm.doc["disks"].append({"datastore": ds.id})
                ds2, host = self._pair(parent, child, obs.datastores, obs.hosts)
                if ds2 and host and host.id not in ds2.doc["hosts"]:
                    ds2.doc["hosts"].append(host.id)
            elif kind == "members":
                cluster, host = self._pair(parent, child, obs.clusters, obs.hosts)
                if cluster and host:
                    host.doc["cluster"] = cluster.id
                    host.fact("cluster", [cluster.doc["name"]])
                    for vm in obs.vms.values():
                        if vm.doc["host"] == host.id:
                            vm.fact("cluster", [cluster.doc["name"]])
        for vm in obs.vms.values():
            if vm.doc["host"] is None:
                self.warnings.add(
                    "unplaced", vm.where, f"VM {vm.doc['name']!r} is registered on no ESX host given: left unplaced"
                )
            else:
                cluster = obs.hosts[vm.doc["host"]].doc.get("cluster")
                if cluster:
                    vm.fact("cluster", [obs.clusters[cluster].doc["name"]])

    @staticmethod
    def _pair(a: str, b: str, first: dict[str, Thing], second: dict[str, Thing]) -> tuple[Thing | None, Thing | None]:
        if a in first and b in second:
            return first[a], second[b]
        if b in first and a in second:
            return first[b], second[a]
        return None, None
