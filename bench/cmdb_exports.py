"""Synthetic CMDB exports of any size, in the sources' own layouts: an RVTools
workbook (or its per-tab CSVs) with RVTools 4.x column headers, NetBox API
list pages, and ServiceNow Table API files — for the import benchmark and
the importer tests. Deterministic for a given size.

The estate follows :func:`synthetic.shape` (100,000 VMs → 5,000 hosts, 2,000
port groups, 200 datastores): a DMZ cluster on DMZ port groups, production
clusters on application and database port groups, two NICs and two disks per
VM, a snapshot on every 10th VM, a CD drive on every 7th, one template in 200.

    python bench/cmdb_exports.py --vms 100000 --rvtools /tmp/rvtools-100k.xlsx --netbox /tmp/netbox-100k
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from synthetic import shape


def _header(text: str) -> list[str]:
    return text.split(",")


# RVTools 4.x headers, in order (the tabs this generator fills).
VINFO = _header(
    "VM,Powerstate,Template,SRM Placeholder,Config status,DNS Name,Connection state,Guest state,Heartbeat,"
    "Consolidation Needed,PowerOn,Suspended To Memory,Suspend time,Suspend Interval,Creation date,Change Version,"
    "CPUs,Overall Cpu Readiness,Memory,Active Memory,NICs,Disks,Total disk capacity MiB,Fixed Passthru HotPlug,"
    "min Required EVC Mode Key,Latency Sensitivity,Op Notification Timeout,EnableUUID,CBT,Primary IP Address,"
    "Network #1,Network #2,Network #3,Network #4,Network #5,Network #6,Network #7,Network #8,Num Monitors,"
    "Video Ram KiB,Resource pool,Folder ID,Folder,vApp,DAS protection,FT State,FT Role,FT Latency,FT Bandwidth,"
    "FT Sec. Latency,Vm Failover In Progress,Provisioned MiB,In Use MiB,Unshared MiB,HA Restart Priority,"
    "HA Isolation Response,HA VM Monitoring,Cluster rule(s),Cluster rule name(s),Boot Required,Boot delay,"
    "Boot retry delay,Boot retry enabled,Boot BIOS setup,Reboot PowerOff,EFI Secure boot,Firmware,HW version,"
    "HW upgrade status,HW upgrade policy,HW target,Path,Log directory,Snapshot directory,Suspend directory,"
    "Annotation,Backup status,ClusterInvariantVMMId,Last backup,Datacenter,Cluster,Host,"
    "OS according to the configuration file,OS according to the VMware Tools,Customization Info,"
    "Guest Detailed Data,VM ID,SMBIOS UUID,VM UUID,VI SDK Server type,VI SDK API Version,VI SDK Server,VI SDK UUID"
)
VNETWORK = _header(
    "VM,Powerstate,Template,SRM Placeholder,NIC label,Adapter,Network,Switch,Connected,Starts Connected,"
    "Mac Address,Type,IPv4 Address,IPv6 Address,Direct Path IO,Internal Sort Column,Annotation,Backup status,"
    "ClusterInvariantVMMId,Last backup,Datacenter,Cluster,Host,Folder,OS according to the configuration file,"
    "OS according to the VMware Tools,VM ID,VM UUID,VI SDK Server,VI SDK UUID"
)
VDISK = _header(
    "VM,Powerstate,Template,SRM Placeholder,Disk,Disk Key,Disk UUID,Disk Path,Capacity MiB,Raw,Disk Mode,"
    "Sharing mode,Thin,Eagerly Scrub,Split,Write Through,Level,Shares,Reservation,Limit,Controller,Label,"
    "SCSI Unit #,Unit #,Shared Bus,Path,Raw LUN ID,Raw Comp. Mode,Internal Sort Column,Annotation,Backup status,"
    "ClusterInvariantVMMId,Last backup,Datacenter,Cluster,Host,Folder,OS according to the configuration file,"
    "OS according to the VMware Tools,VM ID,VM UUID,VI SDK Server,VI SDK UUID"
)
VHOST = _header(
    "Host,Datacenter,Cluster,Config status,CPU Model,Speed,HT Available,HT Active,# CPU,Cores per CPU,# Cores,"
    "CPU usage %,# Memory,Memory usage %,Console,# NICs,# HBAs,# VMs,VMs per Core,# vCPUs,vCPUs per Core,vRAM,"
    "VM Used memory,VM Memory Swapped,VM Memory Ballooned,ESX Version,NTP Server(s),NTPD running,Vendor,Model,"
    "Object ID,UUID,VI SDK Server,VI SDK UUID"
)
VPORT = _header(
    "Host,Datacenter,Cluster,Port Group,Switch,VLAN,Promiscuous Mode,Mac Changes,Forged Transmits,Traffic Shaping,"
    "Width,Peak,Burst,Policy,Reverse Policy,Notify Switch,Rolling Order,Offload,TSO,Zero Copy Xmit,VI SDK Server,"
    "VI SDK UUID"
)
VSC_VMK = _header(
    "Host,Datacenter,Cluster,Port Group,Device,Mac Address,DHCP,IP Address,IP 6 Address,Subnet mask,Gateway,"
    "IP 6 Gateway,MTU,VI SDK Server,VI SDK UUID"
)
VDATASTORE = [
    "Name",
    "Config status",
    "Address",
    "Accessible",
    "Type",
    "# VMs",
    "Capacity MiB",
    "Provisioned MiB",
    "In Use MiB",
    "Free MiB",
    "# Hosts",
    "Hosts",
    "URL",
    "VI SDK Server",
    "VI SDK UUID",
]
VSNAPSHOT = [
    "VM",
    "Powerstate",
    "Name",
    "Description",
    "Date / time",
    "Filename",
    "Size MiB (vmsn)",
    "Size MiB (total)",
    "Quiesced",
    "State",
    "Annotation",
    "Datacenter",
    "Cluster",
    "Host",
    "Folder",
    "VM ID",
    "VM UUID",
    "VI SDK Server",
    "VI SDK UUID",
]
VCD = [
    "VM",
    "Powerstate",
    "Template",
    "SRM Placeholder",
    "Device Node",
    "Connected",
    "Starts Connected",
    "Device Type",
    "Annotation",
    "Datacenter",
    "Cluster",
    "Host",
    "VM ID",
    "VM UUID",
    "VI SDK Server",
    "VI SDK UUID",
]
VMETADATA = ["RVTools major version", "RVTools version", "xlsx creation datetime", "Server"]

#: A mapping for this estate: zones by port group, VM categorization by cluster and network.
MAPPING = """\
mapping: virtplan.mapping/v1
zones:
  - {id: dmz, name: DMZ, trust_level: 1}
  - {id: internal, name: Internal, trust_level: 2}
  - {id: mgmt, name: Management, trust_level: 3, purpose: management}
networks:
  rules:
    - {match: {name: "DMZ-*"}, zone: dmz}
    - {match: {name: ["App-*", "DB-*"]}, zone: internal}
    - {match: {name: "Management Network"}, zone: mgmt, purpose: management}
    - {match: {name: vMotion}, zone: mgmt, purpose: migration}
    - {match: {vlan: "100-4094", role: dmz}, zone: dmz}
    - {match: {vlan: "100-4094"}, zone: internal}
vms:
  rules:
    - match: {cluster: DMZ}
      zone: dmz
      categorization: moderate
      internet_facing: true
    - match: {network: "DB-*"}
      zone: internal
      categorization: {confidentiality: high, integrity: high, availability: moderate}
  default: {zone: internal, categorization: low}
hosts:
  rules:
    - {match: {cluster: DMZ}, dedicated_zone: dmz}
"""

SERVER = "vcenter01.example.net"
SDK_UUID = "5c3f2e1a-0000-4000-8000-000000000001"
EXPORTED = dt.datetime(2026, 11, 20, 8, 30, 0)


def _uuid(kind: str, i: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"virtplan-bench/{kind}/{i}"))


class Estate:
    """The synthetic estate every layout below is written from."""

    def __init__(self, vms: int):
        hosts, networks, datastores = shape(vms)
        self.n_vms, self.n_hosts, self.n_networks, self.n_datastores = vms, hosts, networks, datastores
        self.dmz_hosts = max(2, hosts // 10)
        self.per_cluster = 32

    def host_name(self, h: int) -> str:
        return f"esx-{h:05d}.example.net"

    def cluster(self, h: int) -> str:
        return "DMZ" if h < self.dmz_hosts else f"Prod-{(h - self.dmz_hosts) // self.per_cluster + 1:03d}"

    def portgroup(self, p: int) -> tuple[str, int]:
        """(name, VLAN) of guest port group p: DMZ ones first, then application and database ones."""
        dmz = max(1, self.n_networks // 10)
        if p < dmz:
            return f"DMZ-Web-{p:04d}", 100 + p % 3900
        kind = "App" if p % 2 else "DB"
        return f"{kind}-{p:04d}", 100 + p % 3900

    def vm(self, i: int) -> dict[str, Any]:
        h = i % self.n_hosts
        dmz = h < self.dmz_hosts
        n_dmz = max(1, self.n_networks // 10)
        p1 = i % n_dmz if dmz else n_dmz + i % (self.n_networks - n_dmz)
        p2 = n_dmz + (i * 7) % (self.n_networks - n_dmz)
        return {
            "name": f"vm-{i:06d}",
            "uuid": _uuid("vm", i),
            "moref": f"vm-{1000 + i}",
            "host": h,
            "cpus": 1 + i % 8,
            "memory_mib": 1024 * (1 + i % 16),
            "template": i % 200 == 199,
            "power": "poweredOff" if i % 13 == 0 else "poweredOn",
            "networks": [self.portgroup(p1)[0], self.portgroup(p2)[0]],
            "datastores": [self.datastore(i % self.n_datastores), self.datastore((i * 3 + 1) % self.n_datastores)],
            "os": "Ubuntu Linux (64-bit)" if i % 3 else "Microsoft Windows Server 2022 (64-bit)",
            "folder": f"/Datacenter/vm/{'dmz' if dmz else 'prod'}/{i % 20:02d}",
            "snapshot": i % 10 == 0,
            "cd": i % 7 == 0,
        }

    def datastore(self, d: int) -> str:
        return f"ds-{d:04d}"


def _row(header: list[str], values: dict[str, Any]) -> list[Any]:
    """A row in header order; absent values are blank cells (which an export leaves out, as RVTools does)."""
    return [values.get(h) for h in header]


def rvtools_tabs(estate: Estate, mib_headers: bool = True) -> Iterator[tuple[str, list[str], Iterator[list[Any]]]]:
    """(tab, header, rows) for each tab; ``mib_headers=False`` writes the older "MB" headers."""

    def header(h: list[str]) -> list[str]:
        return h if mib_headers else [c.replace("MiB", "MB") for c in h]

    e = estate

    def vinfo() -> Iterator[list[Any]]:
        for i in range(e.n_vms):
            v = e.vm(i)
            h = v["host"]
            values = {
                "VM": v["name"],
                "Powerstate": v["power"],
                "Template": v["template"],
                "SRM Placeholder": False,
                "Config status": "green",
                "Connection state": "connected",
                "Guest state": "running",
                "CPUs": v["cpus"],
                "Memory": v["memory_mib"],
                "NICs": 2,
                "Disks": 2,
                "Total disk capacity MiB": 81920,
                "Network #1": v["networks"][0],
                "Network #2": v["networks"][1],
                "Resource pool": "Resources",
                "Folder": v["folder"],
                "Provisioned MiB": 90000,
                "In Use MiB": 40000,
                "EFI Secure boot": i % 4 != 0,
                "Firmware": "efi",
                "HW version": "vmx-19",
                "Path": f"[{v['datastores'][0]}] {v['name']}/{v['name']}.vmx",
                "Annotation": "",
                "Datacenter": "Datacenter",
                "Cluster": e.cluster(h),
                "Host": e.host_name(h),
                "OS according to the configuration file": v["os"],
                "VM ID": v["moref"],
                "VM UUID": v["uuid"],
                "SMBIOS UUID": v["uuid"],
                "VI SDK Server type": "VMware vCenter Server",
                "VI SDK API Version": "8.0.3",
                "VI SDK Server": SERVER,
                "VI SDK UUID": SDK_UUID,
                "Creation date": EXPORTED - dt.timedelta(days=i % 900),
            }
            yield _row(header(VINFO), {k if mib_headers else k.replace("MiB", "MB"): x for k, x in values.items()})

    def vnetwork() -> Iterator[list[Any]]:
        for i in range(e.n_vms):
            v = e.vm(i)
            for n, net in enumerate(v["networks"]):
                yield _row(
                    VNETWORK,
                    {
                        "VM": v["name"],
                        "Powerstate": v["power"],
                        "Template": v["template"],
                        "NIC label": f"Network adapter {n + 1}",
                        "Adapter": "Vmxnet3",
                        "Network": net,
                        "Switch": "dvs-guest",
                        "Connected": True,
                        "Starts Connected": True,
                        "Mac Address": f"00:50:56:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{(i + n) & 255:02x}",
                        "Cluster": e.cluster(v["host"]),
                        "Host": e.host_name(v["host"]),
                        "VM ID": v["moref"],
                        "VM UUID": v["uuid"],
                        "VI SDK Server": SERVER,
                        "VI SDK UUID": SDK_UUID,
                    },
                )

    def vdisk() -> Iterator[list[Any]]:
        for i in range(e.n_vms):
            v = e.vm(i)
            for n, ds in enumerate(v["datastores"]):
                yield _row(
                    header(VDISK),
                    {
                        "VM": v["name"],
                        "Powerstate": v["power"],
                        "Template": v["template"],
                        "Disk": f"Hard disk {n + 1}",
                        "Disk Key": 2000 + n,
                        "Disk Path": f"[{ds}] {v['name']}/{v['name']}_{n}.vmdk",
                        "Capacity MiB" if mib_headers else "Capacity MB": 40960 * (n + 1),
                        "Raw": False,
                        "Disk Mode": "persistent",
                        "Thin": True,
                        "Controller": "SCSI controller 0",
                        "Path": f"[{ds}] {v['name']}/{v['name']}_{n}.vmdk",
                        "Cluster": e.cluster(v["host"]),
                        "Host": e.host_name(v["host"]),
                        "VM ID": v["moref"],
                        "VM UUID": v["uuid"],
                        "VI SDK Server": SERVER,
                        "VI SDK UUID": SDK_UUID,
                    },
                )

    def vhost() -> Iterator[list[Any]]:
        for h in range(e.n_hosts):
            yield _row(
                VHOST,
                {
                    "Host": e.host_name(h),
                    "Datacenter": "Datacenter",
                    "Cluster": e.cluster(h),
                    "Config status": "green",
                    "CPU Model": "Intel(R) Xeon(R) Gold 6338",
                    "# CPU": 2,
                    "Cores per CPU": 32,
                    "# Cores": 64,
                    "# Memory": 1048576,
                    "# NICs": 4,
                    "ESX Version": "VMware ESXi 8.0.3 build-24022510",
                    "NTP Server(s)": "" if h % 10 == 9 else "ntp1.example.net",
                    "NTPD running": h % 10 != 9,
                    "Vendor": "Dell Inc.",
                    "Model": "PowerEdge R750",
                    "VI SDK Server": SERVER,
                    "VI SDK UUID": SDK_UUID,
                },
            )

    def vport() -> Iterator[list[Any]]:
        for h in range(min(e.n_hosts, 4)):  # standard switch port groups of a few hosts
            for name, vlan, promiscuous in (("Management Network", 10, False), ("vMotion", 20, False)):
                yield _row(
                    VPORT,
                    {
                        "Host": e.host_name(h),
                        "Cluster": e.cluster(h),
                        "Port Group": name,
                        "Switch": "vSwitch0",
                        "VLAN": vlan,
                        "Promiscuous Mode": promiscuous,
                        "Mac Changes": False,
                        "Forged Transmits": False,
                    },
                )
        for p in range(e.n_networks):
            name, vlan = e.portgroup(p)
            yield _row(
                VPORT,
                {
                    "Host": e.host_name(0),
                    "Port Group": name,
                    "Switch": "dvs-guest",
                    "VLAN": vlan,
                    "Promiscuous Mode": p == 5,
                    "Mac Changes": p % 2 == 0,
                    "Forged Transmits": p % 3 == 0,
                },
            )

    def vmk() -> Iterator[list[Any]]:
        for h in range(e.n_hosts):
            for device, pg in (("vmk0", "Management Network"), ("vmk1", "vMotion")):
                yield _row(
                    VSC_VMK,
                    {
                        "Host": e.host_name(h),
                        "Cluster": e.cluster(h),
                        "Port Group": pg,
                        "Device": device,
                        "IP Address": f"10.{device[-1]}.{h >> 8}.{h & 255}",
                        "MTU": 1500,
                    },
                )

    def vdatastore() -> Iterator[list[Any]]:
        for d in range(e.n_datastores):
            hosts = [e.host_name(h) for h in range(d % e.n_hosts, e.n_hosts, e.n_datastores)][:8]
            yield _row(
                header(VDATASTORE),
                {
                    "Name": e.datastore(d),
                    "Accessible": True,
                    "Type": "VMFS" if d % 4 else "NFS",
                    "Capacity MiB" if mib_headers else "Capacity MB": 8388608,
                    "# Hosts": len(hosts),
                    "Hosts": ", ".join(hosts),
                    "VI SDK Server": SERVER,
                },
            )

    def vsnapshot() -> Iterator[list[Any]]:
        for i in range(0, e.n_vms, 10):
            v = e.vm(i)
            yield _row(
                VSNAPSHOT,
                {
                    "VM": v["name"],
                    "Name": "before-patch",
                    "Date / time": EXPORTED - dt.timedelta(days=i % 60),
                    "Host": e.host_name(v["host"]),
                    "VM UUID": v["uuid"],
                    "VM ID": v["moref"],
                },
            )

    def vcd() -> Iterator[list[Any]]:
        for i in range(0, e.n_vms, 7):
            v = e.vm(i)
            yield _row(
                VCD,
                {
                    "VM": v["name"],
                    "Device Node": "CD/DVD drive 1",
                    "Connected": i % 14 == 0,
                    "Starts Connected": False,
                    "VM UUID": v["uuid"],
                },
            )

    def vmetadata() -> Iterator[list[Any]]:
        yield ["4", "4.7.1", EXPORTED, SERVER]

    yield "vInfo", header(VINFO), vinfo()
    yield "vNetwork", VNETWORK, vnetwork()
    yield "vDisk", header(VDISK), vdisk()
    yield "vHost", VHOST, vhost()
    yield "vPort", VPORT, vport()
    yield "vSC_VMK", VSC_VMK, vmk()
    yield "vDatastore", header(VDATASTORE), vdatastore()
    yield "vSnapshot", VSNAPSHOT, vsnapshot()
    yield "vCD", VCD, vcd()
    yield "vMetaData", VMETADATA, vmetadata()


def rvtools_xlsx(
    estate: Estate, path: Path | None = None, mib_headers: bool = True, tabs: set[str] | None = None
) -> bytes:
    """The export as one workbook (written to ``path`` too, if given)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    for tab, head, rows in rvtools_tabs(estate, mib_headers):
        if tabs is not None and tab not in tabs:
            continue
        sheet = book.create_sheet(tab)
        sheet.append(head)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    data = _as_excel_writes_it(buffer.getvalue())
    if path is not None:
        path.write_bytes(data)
    return data


_INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t(?: xml:space="preserve")?>(.*?)</t></is></c>', re.S)
_SST = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _as_excel_writes_it(data: bytes) -> bytes:
    """Rewrite openpyxl's write-only output the way Excel and RVTools write a workbook: text in a
    shared-strings table (write-only mode puts every string inline, which readers parse far more
    slowly) and a <dimension> element in every sheet (write-only mode omits it)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    strings: dict[bytes, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        index = strings.setdefault(match.group(2), len(strings))
        return b'<c r="' + match.group(1) + b'" t="s"><v>' + str(index).encode() + b"</v></c>"

    parts: dict[str, bytes] = {}
    for info in source.infolist():
        part = source.read(info.filename)
        if info.filename.startswith("xl/worksheets/"):
            part = _INLINE.sub(shared, part)
            if b"<dimension" not in part[:4096]:
                rows = part.count(b"<row ")
                columns = (m.group(1) for m in re.finditer(rb'<c r="([A-Z]+)[0-9]+"', part[:200_000]))
                widest = max(columns, key=lambda c: (len(c), c), default=b"A")
                dimension = b'<dimension ref="A1:' + widest + str(max(rows, 1)).encode() + b'"/>'
                part = part.replace(b"<sheetViews>", dimension + b"<sheetViews>", 1)
        parts[info.filename] = part
    items = b"".join(b'<si><t xml:space="preserve">' + text + b"</t></si>" for text in strings)
    parts["xl/sharedStrings.xml"] = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="'
        + str(len(strings)).encode()
        + b'">'
        + items
        + b"</sst>"
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + _SST + b'"/></Types>'
    )
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSST" Type="' + _SST_REL + b'" Target="sharedStrings.xml"/></Relationships>',
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, part in parts.items():
            target.writestr(name, part)
    return out.getvalue()


def rvtools_csvs(estate: Estate, mib_headers: bool = True, tabs: set[str] | None = None) -> list[tuple[str, bytes]]:
    """The export as RVTools' per-tab CSV files: (RVTools_tab<Tab>.csv, bytes)."""
    out = []
    for tab, head, rows in rvtools_tabs(estate, mib_headers):
        if tabs is not None and tab not in tabs:
            continue
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(head)
        for row in rows:
            writer.writerow([v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v for v in row])
        out.append((f"RVTools_tab{tab}.csv", text.getvalue().encode("utf-8-sig")))
    return out


def _page(endpoint: str, items: list[dict[str, Any]], size: int, base: str) -> Iterator[tuple[str, bytes]]:
    slug = endpoint.split("/")[1]
    for start in range(0, max(len(items), 1), size):
        nxt = f"{base}/api/{endpoint}/?limit={size}&offset={start + size}" if start + size < len(items) else None
        prev = f"{base}/api/{endpoint}/?limit={size}&offset={start - size}" if start else None
        body = {"count": len(items), "next": nxt, "previous": prev, "results": items[start : start + size]}
        yield f"{slug}-{start // size + 1}.json", json.dumps(body).encode()


def netbox_pages(
    estate: Estate, page_size: int = 1000, base: str = "https://netbox.example.net"
) -> list[tuple[str, bytes]]:
    """The same estate as NetBox 4.x API list pages: (file name, bytes)."""
    e = estate

    def brief(kind: str, oid: int, name: str, **extra: Any) -> dict[str, Any]:
        return {"id": oid, "url": f"{base}/api/{kind}/{oid}/", "display": name, "name": name, **extra}

    clusters: dict[str, int] = {}
    for h in range(e.n_hosts):
        clusters.setdefault(e.cluster(h), len(clusters) + 1)
    cluster_objs = [
        {
            **brief("virtualization/clusters", cid, name),
            "type": brief("virtualization/cluster-types", 1, "vSphere"),
            "status": {"value": "active", "label": "Active"},
            "tenant": None,
            "tags": [],
            "custom_fields": {},
        }
        for name, cid in clusters.items()
    ]
    devices = [
        {
            **brief("dcim/devices", h + 1, e.host_name(h)),
            "device_type": {"id": 1, "model": "PowerEdge R750", "slug": "r750"},
            "role": {"id": 1, "name": "Hypervisor", "slug": "hypervisor"},
            "platform": {"id": 1, "name": "VMware ESXi 8.0.3", "slug": "esxi-8-0-3"},
            "site": {"id": 1, "name": "DC1", "slug": "dc1"},
            "status": {"value": "active", "label": "Active"},
            "cluster": brief("virtualization/clusters", clusters[e.cluster(h)], e.cluster(h)),
            "tags": [],
            "custom_fields": {"cpu_cores": 64, "memory_gib": 1024},
        }
        for h in range(e.n_hosts)
    ]
    vlans = []
    for p in range(e.n_networks):
        name, vid = e.portgroup(p)
        role = "dmz" if name.startswith("DMZ") else "internal"
        vlans.append(
            {
                **brief("ipam/vlans", p + 1, name),
                "vid": vid,
                "status": {"value": "active", "label": "Active"},
                "role": {"id": 1, "name": role.upper(), "slug": role},
                "tenant": None,
                "tags": [],
                "custom_fields": {},
            }
        )
    vlan_ids = {v["name"]: v["id"] for v in vlans}
    vms, interfaces = [], []
    for i in range(e.n_vms):
        v = e.vm(i)
        if v["template"]:
            continue
        h = v["host"]
        vms.append(
            {
                **brief("virtualization/virtual-machines", i + 1, v["name"]),
                "status": {"value": "active" if v["power"] == "poweredOn" else "offline", "label": "Active"},
                "site": {"id": 1, "name": "DC1", "slug": "dc1"},
                "cluster": brief("virtualization/clusters", clusters[e.cluster(h)], e.cluster(h)),
                "device": brief("dcim/devices", h + 1, e.host_name(h)),
                "role": None,
                "tenant": {"id": 1, "name": "Harbor", "slug": "harbor"},
                "platform": {"id": 2, "name": v["os"], "slug": "os"},
                "primary_ip4": None,
                "vcpus": float(v["cpus"]),
                "memory": v["memory_mib"],
                "disk": 81920,
                "tags": [{"id": 1, "name": "bench", "slug": "bench"}],
                "custom_fields": {"owner": f"team-{i % 12}"},
                "last_updated": "2026-11-20T08:30:00Z",
            }
        )
        for n, net in enumerate(v["networks"]):
            interfaces.append(
                {
                    **brief("virtualization/interfaces", 2 * i + n + 1, f"eth{n}"),
                    "virtual_machine": {"id": i + 1, "name": v["name"]},
                    "enabled": True,
                    "mode": {"value": "access", "label": "Access"},
                    "untagged_vlan": {"id": vlan_ids[net], "vid": e.portgroup(0)[1], "name": net},
                    "tagged_vlans": [],
                }
            )
    files: list[tuple[str, bytes]] = []
    for endpoint, items in (
        ("virtualization/clusters", cluster_objs),
        ("dcim/devices", devices),
        ("ipam/vlans", vlans),
        ("virtualization/virtual-machines", vms),
        ("virtualization/interfaces", interfaces),
    ):
        files.extend(_page(endpoint, items, page_size, base))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=100_000)
    parser.add_argument("--rvtools", type=Path, help="write the RVTools workbook here")
    parser.add_argument("--rvtools-csv", type=Path, help="write the RVTools CSVs into this folder")
    parser.add_argument("--netbox", type=Path, help="write the NetBox pages into this folder")
    args = parser.parse_args(argv)
    estate = Estate(args.vms)
    if args.rvtools:
        rvtools_xlsx(estate, args.rvtools)
    if args.rvtools_csv:
        args.rvtools_csv.mkdir(parents=True, exist_ok=True)
        for name, data in rvtools_csvs(estate):
            (args.rvtools_csv / name).write_bytes(data)
    if args.netbox:
        args.netbox.mkdir(parents=True, exist_ok=True)
        for name, data in netbox_pages(estate):
            (args.netbox / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
