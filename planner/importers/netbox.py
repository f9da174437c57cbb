"""NetBox (v3/v4 REST API JSON) to an observed estate.

The input is what the API returns — list envelopes ``{count, next,
previous, results}`` (or bare lists of objects), one file per page — saved
from ``/api/virtualization/clusters/``, ``/virtual-machines/``,
``/interfaces/``, ``/api/ipam/vlans/``, ``/api/ipam/prefixes/``,
``/api/dcim/devices/``, ``/api/extras/tags/`` and ``/api/tenancy/tenants/``.
Which endpoint a file holds is read from its objects' ``url``, else from the
file name (``virtual-machines.json``, ``vlans-2.json``).

- clusters → clusters; devices that are cluster members or that VMs are
  pinned to → hosts (hypervisor from the platform; cores and memory from the
  ``cpu_cores`` / ``memory_gib`` custom fields, else from a host rule of the
  mapping); VLANs → networks; VMs → vms, their ``device`` as the host.
- A VM's NICs are its interfaces' untagged and tagged VLANs; a VM whose
  interfaces name no VLAN is connected through its primary IP's prefix, when
  that prefix names a VLAN.
- Tenants, tags, sites, roles, statuses and custom fields become facts that
  mapping rules match: NetBox has no zones or FIPS 199 levels of its own.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Sequence
from typing import Any

from .diagnostics import Progress, Warnings, fail
from .jsondata import number, parse_json, text
from .observed import Observed, Thing
from .xlsx import Limits

SYSTEM = "netbox"
ENDPOINTS = {
    "virtualization/clusters": "clusters",
    "virtualization/virtual-machines": "virtual-machines",
    "virtualization/interfaces": "interfaces",
    "ipam/vlans": "vlans",
    "ipam/prefixes": "prefixes",
    "dcim/devices": "devices",
    "extras/tags": "tags",
    "tenancy/tenants": "tenants",
}
_URL = re.compile(r"/api/([a-z-]+/[a-z-]+)/\d+/?$")
_PRODUCTS = (
    ("esx", "esxi"), ("vmware", "esxi"), ("vsphere", "esxi"), ("hyper-v", "hyper-v"), ("hyperv", "hyper-v"),
    ("proxmox", "proxmox"), ("kvm", "kvm"), ("xen", "xen"), ("ahv", "nutanix-ahv"), ("nutanix", "nutanix-ahv"),
)  # fmt: skip
_VERSION = re.compile(r"(\d+(?:\.\d+)+)")


def _endpoint(name: str, objects: list[Any]) -> str | None:
    for obj in objects:
        if isinstance(obj, dict) and isinstance(obj.get("url"), str):
            m = _URL.search(obj["url"])
            if m:
                return m.group(1)
    stem = name.rsplit("/", 1)[-1].lower()
    for endpoint, slug in sorted(ENDPOINTS.items(), key=lambda kv: -len(kv[1])):
        if stem.startswith(slug) or f"{slug}." in stem or f"_{slug}" in stem:
            return endpoint
    return None


def _brief(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _names(value: Any) -> list[str]:
    """A brief object's (or a list of them) name and slug, for matching."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            out.extend(t for t in (text(item.get("name")), text(item.get("slug"))) if t)
        elif text(item):
            out.append(str(text(item)))
    return out


def _choice(value: Any) -> str | None:
    if isinstance(value, dict):
        return text(value.get("value"))
    return text(value)


def _custom(thing: Thing, fields: Any) -> None:
    if not isinstance(fields, dict):
        return
    for key, raw in fields.items():
        value = raw
        if isinstance(raw, dict):
            value = raw.get("name") or raw.get("value") or raw.get("display")
        elif isinstance(raw, list):
            value = ",".join(str(v) for v in raw if not isinstance(v, (dict, list)))
        t = text(value, 2000)
        if t is not None:
            thing.custom[str(key)] = t


def _facts(thing: Thing, obj: dict[str, Any]) -> None:
    thing.fact("name", [text(obj.get("name"))])
    thing.fact("tenant", _names(obj.get("tenant")))
    thing.fact("tag", _names(obj.get("tags") or []))
    thing.fact("site", _names(obj.get("site")))
    thing.fact("role", _names(obj.get("role")))
    thing.fact("status", [_choice(obj.get("status"))])
    _custom(thing, obj.get("custom_fields"))


def observe_netbox(
    files: Sequence[tuple[str, bytes]], warnings: Warnings, limits: Limits, progress: Progress | None = None
) -> Observed:
    """Read saved NetBox API responses into an observed estate."""
    if not files:
        raise fail("", "no NetBox files given (saved API responses: virtual-machines, clusters, interfaces, vlans…)")
    by_endpoint: dict[str, dict[int, tuple[dict[str, Any], str]]] = {e: {} for e in ENDPOINTS}
    for count, (name, data) in enumerate(files, start=1):
        if progress is not None:
            progress("reading files", count)
        parsed = parse_json(name, data, limits)
        if isinstance(parsed, dict) and isinstance(parsed.get("results"), list):
            objects, base = parsed["results"], "results"
        elif isinstance(parsed, list):
            objects, base = parsed, ""
        else:
            raise fail(name, "expected a NetBox list response ({count, next, previous, results: [...]}) or a list")
        endpoint = _endpoint(name, objects)
        if endpoint is None:
            if not objects:
                continue
            raise fail(
                name,
                "cannot tell which NetBox endpoint this file holds: its objects carry no url and its name is none "
                f"of {', '.join(sorted(ENDPOINTS.values()))}",
            )
        if endpoint not in by_endpoint:
            warnings.add("ignored-file", name, f"holds /api/{endpoint}/, which the import does not use: ignored")
            continue
        for i, obj in enumerate(objects):
            where = f"{name} {base}[{i}]" if base else f"{name} [{i}]"
            if not isinstance(obj, dict) or type(obj.get("id")) is not int:
                raise fail(where, "expected a NetBox object with an integer id")
            by_endpoint[endpoint].setdefault(obj["id"], (obj, where))
    if not by_endpoint["virtualization/virtual-machines"]:
        raise fail(", ".join(n for n, _d in files), "no virtual machines (/api/virtualization/virtual-machines/) given")
    return _Builder(by_endpoint, warnings).build()


class _Builder:
    def __init__(self, by_endpoint: dict[str, dict[int, tuple[dict[str, Any], str]]], warnings: Warnings):
        self.src = by_endpoint
        self.warnings = warnings
        self.observed = Observed(SYSTEM)
        stamps = [o.get("last_updated") for objs in by_endpoint.values() for o, _w in objs.values()]
        latest = max((s for s in stamps if isinstance(s, str)), default=None)
        self.observed.exported_at = latest

    def build(self) -> Observed:
        for obj, where in self.src["virtualization/clusters"].values():
            self.cluster(obj, where)
        pinned = {
            _brief(o.get("device")).get("id") for o, _w in self.src["virtualization/virtual-machines"].values()
        } - {None}
        for obj, where in self.src["dcim/devices"].values():
            if obj.get("cluster") or obj["id"] in pinned:
                self.host(obj, where)
        for obj, where in self.src["ipam/vlans"].values():
            self.vlan(obj, where)
        prefixes = self.prefixes()
        interfaces: dict[int, list[tuple[dict[str, Any], str]]] = {}
        for obj, where in self.src["virtualization/interfaces"].values():
            vm = _brief(obj.get("virtual_machine")).get("id")
            if vm is not None:
                interfaces.setdefault(vm, []).append((obj, where))
        for obj, where in self.src["virtualization/virtual-machines"].values():
            self.vm(obj, where, interfaces.get(obj["id"], []), prefixes)
        return self.observed

    def cluster(self, obj: dict[str, Any], where: str) -> str:
        cid = f"cluster-{obj['id']}"
        if cid not in self.observed.clusters:
            thing = Thing({"id": cid, "name": text(obj.get("name")) or cid}, where)
            _facts(thing, obj)
            thing.fact("site", _names(obj.get("scope")))
            self.observed.clusters[cid] = thing
        return cid

    def host(self, obj: dict[str, Any], where: str) -> None:
        hid = f"host-{obj['id']}"
        custom = obj.get("custom_fields") if isinstance(obj.get("custom_fields"), dict) else {}
        cores = number(custom.get("cpu_cores") if custom else None)
        memory = number(custom.get("memory_gib") if custom else None)
        doc: dict[str, Any] = {"id": hid, "name": text(obj.get("name")) or hid}
        cluster = _brief(obj.get("cluster"))
        if cluster.get("id") is not None:
            doc["cluster"] = self.cluster(cluster, where)
        doc["cpu_cores"] = int(cores) if cores and cores.is_integer() else None
        doc["memory_gib"] = memory
        platform = _brief(obj.get("platform"))
        label = " ".join(t for t in (text(platform.get("name")), text(platform.get("slug"))) if t).lower()
        product = next((p for key, p in _PRODUCTS if key in label), None)
        if product:
            version = _VERSION.search(label)
            doc["hypervisor"] = {"product": product, "type": 1, **({"version": version.group(1)} if version else {})}
        elif label:
            self.warnings.add("unreadable-value", where, f"platform {label!r} names no known hypervisor: left unknown")
        doc["tags"] = {k: v for k, v in (("netbox.status", _choice(obj.get("status"))),) if v}
        thing = Thing(doc, where)
        _facts(thing, obj)
        thing.fact("cluster", [text(cluster.get("name"))])
        device_type = _brief(obj.get("device_type"))
        thing.fact("model", [text(device_type.get("model")), text(device_type.get("slug"))])
        self.observed.hosts[hid] = thing

    def vlan(self, obj: dict[str, Any], where: str) -> str | None:
        vid = obj.get("vid")
        nid = f"vlan-{obj['id']}"
        if nid in self.observed.networks:
            return nid
        doc: dict[str, Any] = {"id": nid, "name": text(obj.get("name")) or nid, "kind": "vlan"}
        if type(vid) is int and 1 <= vid <= 4094:
            doc["vlan"] = vid
        else:
            self.warnings.add(
                "unreadable-value", where, f"VLAN {obj.get('name')!r} has vid {vid!r}, not 1 to 4094: vlan left unknown"
            )
        thing = Thing(doc, where)
        _facts(thing, obj)
        thing.fact("vlan", [doc.get("vlan")])
        thing.fact("switch", _names(obj.get("group")))
        self.observed.networks[nid] = thing
        return nid

    def prefixes(self) -> list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str, str]]:
        out: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str, str]] = []
        for obj, where in self.src["ipam/prefixes"].values():
            try:
                net = ipaddress.ip_network(str(obj.get("prefix")), strict=False)
            except ValueError:
                self.warnings.add(
                    "unreadable-value", where, f"prefix {obj.get('prefix')!r} is not an IP prefix: ignored"
                )
                continue
            vlan = _brief(obj.get("vlan"))
            network = self.vlan(vlan, where) if vlan.get("id") is not None else None
            out.append((net, network or "", where))
        out.sort(key=lambda p: -p[0].prefixlen)  # the most specific prefix first
        return out

    def vm(
        self,
        obj: dict[str, Any],
        where: str,
        interfaces: list[tuple[dict[str, Any], str]],
        prefixes: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str, str]],
    ) -> None:
        vid = f"vm-{obj['id']}"
        name = text(obj.get("name")) or vid
        vcpus = number(obj.get("vcpus"))
        if vcpus is not None and not vcpus.is_integer():
            self.warnings.add("rounded", where, f"VM {name!r} has {vcpus} vCPUs: counted as {math.ceil(vcpus)}")
            vcpus = float(math.ceil(vcpus))
        memory = number(obj.get("memory"))
        doc: dict[str, Any] = {"id": vid, "name": name}
        doc["vcpus"] = int(vcpus) if vcpus is not None else None
        doc["memory_gib"] = round(memory / 1024.0, 3) if memory is not None else None
        device = _brief(obj.get("device"))
        host = f"host-{device['id']}" if device.get("id") is not None else None
        if host is not None and host not in self.observed.hosts:
            self.warnings.add(
                "host-not-found",
                where,
                f"VM {name!r} is pinned to device {device.get('name')!r}, not among the devices given: left unplaced",
            )
            host = None
        elif host is None:
            self.warnings.add(
                "unplaced", where, f"VM {name!r} names no device (host): left unplaced for the placement advisor"
            )
        doc["host"] = host
        cluster = _brief(obj.get("cluster"))
        if cluster.get("id") is not None:
            self.cluster(cluster, where)
        doc["role"] = next(iter(_names(obj.get("role"))), None)
        doc["os"] = next(iter(_names(obj.get("platform"))), None)
        doc["nics"] = self.nics(name, interfaces, obj, prefixes, where)
        doc["tags"] = {k: v for k, v in (("netbox.status", _choice(obj.get("status"))),) if v}
        thing = Thing(doc, where)
        _facts(thing, obj)
        thing.fact("cluster", [text(cluster.get("name"))])
        thing.fact("host", [text(device.get("name"))])
        thing.fact("os", [doc["os"]])
        networks = [n["network"] for n in doc["nics"]]
        thing.fact("network", [self.observed.networks[n].doc["name"] for n in networks])
        thing.fact("vlan", [self.observed.networks[n].doc.get("vlan") for n in networks])
        self.observed.vms[vid] = thing

    def nics(
        self,
        name: str,
        interfaces: list[tuple[dict[str, Any], str]],
        vm: dict[str, Any],
        prefixes: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str, str]],
        where: str,
    ) -> list[dict[str, str]]:
        nics: list[dict[str, str]] = []
        for iface, at in sorted(interfaces, key=lambda i: (str(i[0].get("name")), i[0]["id"])):
            vlans = [_brief(iface.get("untagged_vlan"))] + [_brief(v) for v in iface.get("tagged_vlans") or []]
            if _choice(iface.get("mode")) == "tagged-all":
                self.warnings.add(
                    "trunk",
                    at,
                    f"interface {iface.get('name')!r} of VM {name!r} trunks every VLAN: only the VLANs it names count",
                )
            for vlan in vlans:
                if vlan.get("id") is not None:
                    nid = self.vlan(vlan, at)
                    if nid and {"network": nid} not in nics:
                        nics.append({"network": nid})
        if nics:
            return nics
        for key in ("primary_ip4", "primary_ip6", "primary_ip"):
            address = text(_brief(vm.get(key)).get("address"))
            if not address:
                continue
            try:
                ip = ipaddress.ip_interface(address).ip
            except ValueError:
                continue
            for net, nid, _w in prefixes:
                if ip.version == net.version and ip in net:
                    if nid:
                        return [{"network": nid}]
                    self.warnings.add(
                        "no-network",
                        where,
                        f"VM {name!r}: {ip} lies in prefix {net}, which names no VLAN: no NIC imported",
                    )
                    return []
        if interfaces or vm.get("primary_ip4") or vm.get("primary_ip6"):
            self.warnings.add(
                "no-network",
                where,
                f"VM {name!r}: no interface names a VLAN and no prefix holds its address: no NIC imported",
            )
        return nics
