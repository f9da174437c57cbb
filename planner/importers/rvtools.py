"""RVTools exports (VMware inventory) to an observed estate.

An export is one xlsx workbook with a sheet per tab, or one CSV file per tab
(``RVTools_tabvInfo.csv``, or ``vInfo.csv``). Any subset of tabs is accepted;
vInfo is the one that must be there. Headers are matched through a
normalised form, so the old "MB" and new "MiB" styles, spacing and case, and
the CSV exports' tab-prefixed names (``vInfoVMName``) all read the same.
A column a tab needs is reported missing by name; a column it can do
without is simply not used.

What each tab gives (``docs/importers.md`` has the full table):

- vInfo: VMs (CPUs, memory, power state, host, cluster, folder, resource
  pool, annotation, OS, networks #1–#8, firmware and secure boot); templates
  are skipped with a warning; a VM whose host is not in vHost stays unplaced
  with a warning; columns that are not RVTools' own are vCenter custom
  attributes, matched by mapping rules as ``custom_field``.
- vHost: hosts (cores, memory, ESXi version and build, NTP), clusters.
- vNetwork: each VM's NICs and their port groups. vPort, dvPort, vSwitch:
  port groups, their VLAN and security policy. vSC_VMK: VMkernel adapters —
  the management network (vmk0, or a service column when present) and the
  vMotion network of each host.
- vDatastore, vMultiPath: datastores and the hosts that mount them;
  vDisk: each VM's disks per datastore. vSnapshot: snapshots with dates.
  vCD, vUSB: optical and USB devices. vCluster: clusters. vMetaData: when the
  export was made. Other tabs (vPartition, vTools, vCPU, vMemory, vNIC…) hold
  nothing the inventory contract has, and are read for their presence only.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .diagnostics import Located, Progress, SourceError, Warnings, fail
from .observed import Observed, Thing
from .xlsx import DEFAULT_LIMITS, Limits, Workbook

SYSTEM = "rvtools"
MIB_PER_GIB = 1024.0

#: Tabs read for what they carry; others are accepted and ignored.
TABS = (
    "vInfo", "vHost", "vNetwork", "vPort", "dvPort", "dvSwitch", "vSwitch", "vDatastore", "vMultiPath",
    "vCluster", "vPartition", "vSnapshot", "vTools", "vSC_VMK", "vDisk", "vCD", "vUSB", "vCPU", "vMemory",
    "vNIC", "vHBA", "vRP", "vSource", "vLicense", "vHealth", "vFileInfo", "vMetaData",
)  # fmt: skip
_TAB_BY_KEY = {t.lower(): t for t in TABS}

#: Columns each used tab cannot do without (by canonical name); alternatives separated by "|".
REQUIRED = {
    "vInfo": ("VM", "CPUs", "Memory"),
    "vHost": ("Host", "# Cores|# CPU", "# Memory"),
    "vNetwork": ("VM", "Network"),
    "vPort": ("Port Group",),
    "dvPort": ("Port",),
    "vSwitch": ("Host", "Switch"),
    "vDatastore": ("Name",),
    "vMultiPath": ("Host", "Datastore"),
    "vDisk": ("VM", "Path|Disk Path", "Capacity MiB"),
    "vSnapshot": ("VM", "Date / time"),
    "vSC_VMK": ("Host", "Port Group"),
    "vCD": ("VM", "Connected"),
    "vUSB": ("VM", "Connected"),
    "vCluster": ("Name",),
}

#: Header aliases: the CSV exports' tab-prefixed spellings and older names (canonical keys, see _key).
ALIASES = {
    "vmname": "vm",
    "os": "osaccordingtotheconfigurationfile",
    "ostools": "osaccordingtothevmwaretools",
    "uuid": "vmuuid",
    "provisioned": "provisionedmib",
    "inuse": "inusemib",
    "capacity": "capacitymib",
}

#: vInfo's own columns (canonical keys); any other vInfo column is a vCenter custom attribute.
VINFO_COLUMNS = frozenset(
    (  # noqa: SIM905 -- a word list reads better than 130 quoted strings
        "vm powerstate template srmplaceholder configstatus dnsname connectionstate gueststate heartbeat "
        "consolidationneeded poweron suspendedtomemory suspendtime suspendinterval creationdate changeversion "
        "cpus overallcpureadiness memory activememory nics disks totaldiskcapacitymib fixedpassthruhotplug "
        "minrequiredevcmodekey latencysensitivity opnotificationtimeout enableuuid cbt primaryipaddress "
        "network#1 network#2 network#3 network#4 network#5 network#6 network#7 network#8 nummonitors "
        "videoramkib resourcepool folderid folder vapp dasprotection ftstate ftrole ftlatency ftbandwidth "
        "ftseclatency vmfailoverinprogress provisionedmib inusemib unsharedmib harestartpriority "
        "haisolationresponse havmmonitoring clusterrule(s) clusterrulename(s) bootrequired bootdelay "
        "bootretrydelay bootretryenabled bootbiossetup rebootpoweroff efisecureboot firmware hwversion "
        "hwupgradestatus hwupgradepolicy hwtarget path logdirectory snapshotdirectory suspenddirectory "
        "annotation backupstatus clusterinvariantvmmid lastbackup datacenter cluster host "
        "osaccordingtotheconfigurationfile osaccordingtothevmwaretools customizationinfo guestdetaileddata "
        "vmid smbiosuuid vmuuid visdkservertype visdkapiversion visdkserver visdkuuid internalsortcolumn "
        "totaldiskcapacitymb "
    ).split()
)


def _key(header: Any) -> str:
    """A header's canonical key: lower case, letters, digits and #()% only, "MB" read as "MiB"."""
    text = re.sub(r"[^a-z0-9#()%]", "", str(header or "").lower())
    if text.endswith("mb") and not text.endswith("mib"):
        text = text[:-2] + "mib"
    return text


@dataclass
class Table:
    """One tab: its header and its rows, each with the row number a user sees."""

    tab: str
    origin: str
    header: list[str]
    columns: dict[str, int]
    rows: Iterator[tuple[int, Sequence[Any]]]

    def where(self, row: int) -> str:
        return f"{self.origin} row {row}"

    def has(self, column: str) -> bool:
        return any(_key(c) in self.columns for c in column.split("|"))

    def index(self, column: str) -> int | None:
        for c in column.split("|"):
            i = self.columns.get(_key(c))
            if i is not None:
                return i
        return None


def _columns(tab: str, header: Sequence[Any]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, h in enumerate(header):
        text = str(h or "").strip()
        if text.lower().startswith(tab.lower()) and len(text) > len(tab):
            text = text[len(tab) :]  # the CSV exports' tab-prefixed names: vInfoVMName
        key = _key(text)
        key = ALIASES.get(key, key)
        if key and key not in columns:
            columns[key] = i
    return columns


# --- reading the files -------------------------------------------------------------------------


def _tab_of(name: str) -> str | None:
    stem = re.sub(r"\.csv$", "", name.rsplit("/", 1)[-1], flags=re.IGNORECASE)
    stem = re.sub(r"^rvtools_tab", "", stem, flags=re.IGNORECASE)
    return _TAB_BY_KEY.get(stem.lower())


class Export:
    """The tabs of one export, from an xlsx workbook or CSV files."""

    def __init__(
        self, files: Sequence[tuple[str, bytes]], limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None
    ):
        self.limits = limits
        self.progress = progress
        self._workbook: Workbook | None = None
        self._sheets: dict[str, str] = {}
        self._csv: dict[str, tuple[str, bytes]] = {}
        self.ignored: list[str] = []
        if not files:
            raise fail("", "no RVTools files given (an xlsx export, or its per-tab CSV files)")
        books = [f for f in files if f[0].lower().endswith((".xlsx", ".xlsm")) or f[1][:4] == b"PK\x03\x04"]
        if books:
            if len(files) > 1:
                raise fail(books[0][0], "give one xlsx export, or CSV files, not both or several workbooks")
            name, data = books[0]
            self._workbook = Workbook(name, data, limits)
            for sheet in self._workbook.sheet_names:
                tab = _TAB_BY_KEY.get(sheet.strip().lower())
                if tab is None:
                    self.ignored.append(f"{name} sheet {sheet}")
                else:
                    self._sheets.setdefault(tab, sheet)
            self.origin = name
            return
        for name, data in files:
            tab = _tab_of(name)
            if tab is None:
                raise fail(
                    name,
                    "not an RVTools tab: expected an xlsx export, or CSV files named after their tab "
                    "(RVTools_tabvInfo.csv or vInfo.csv)",
                )
            if tab in self._csv:
                raise fail(name, f"tab {tab} is given twice ({self._csv[tab][0]} and {name})")
            if len(data) > limits.max_file_bytes:
                raise fail(name, f"the file is {len(data):,} bytes; at most {limits.max_file_bytes:,} are accepted")
            self._csv[tab] = (name, data)
        self.origin = ", ".join(sorted(n for n, _d in files))

    @property
    def tabs(self) -> set[str]:
        return set(self._sheets) | set(self._csv)

    def table(self, tab: str) -> Table | None:
        """The tab, its header checked for the columns it needs; None if the export lacks it."""
        if tab in self._sheets and self._workbook is not None:
            sheet = self._sheets[tab]
            origin = f"{self._workbook.name} sheet {sheet}"
            rows: Iterator[Sequence[Any]] = self._workbook.rows(sheet)
        elif tab in self._csv:
            name, data = self._csv[tab]
            origin = name
            rows = _csv_rows(name, data, self.limits)
        else:
            return None
        header: Sequence[Any] = next(rows, ())
        if not any(h not in (None, "") for h in header):
            raise fail(origin, "the first row must be the header (RVTools' column names); it is empty")
        columns = _columns(tab, header)
        table = Table(tab, origin, [str(h) for h in header], columns, _numbered(tab, rows, self.progress))
        missing = [c.replace("|", " or ") for c in REQUIRED.get(tab, ()) if not table.has(c)]
        if missing:
            raise SourceError(
                [
                    Located(origin, f"missing column {m!r} (the header has: {', '.join(map(str, header))[:300]})")
                    for m in missing
                ]
            )
        return table

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()


PROGRESS_EVERY = 5000


def _numbered(
    tab: str, rows: Iterator[Sequence[Any]], progress: Progress | None
) -> Iterator[tuple[int, Sequence[Any]]]:
    for number, row in enumerate(rows, start=2):
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(f"reading {tab}", number - 1)
        yield number, row


def _csv_rows(name: str, data: bytes, limits: Limits) -> Iterator[Sequence[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        except UnicodeDecodeError:
            text = ""
        if not text:
            raise fail(name, "not UTF-8 (or UTF-16) text: save the CSV as UTF-8") from None
    if "\x00" in text:
        raise fail(name, "contains NUL characters: not a CSV text file")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for count, row in enumerate(reader, start=1):
            if count > limits.max_rows:
                raise fail(name, f"more than {limits.max_rows:,} rows")
            yield row
    except csv.Error as exc:
        raise fail(f"{name} row {reader.line_num}", f"not valid CSV: {exc}") from None


# --- values ------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value)
    if text is None:
        return None
    lowered = text.lower()
    if lowered in ("true", "yes", "1", "on", "enabled", "accept"):
        return True
    if lowered in ("false", "no", "0", "off", "disabled", "reject"):
        return False
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = _text(value)
    if text is None:
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _date(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _text(value)
    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.split()[0].split("T")[0], fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _gib(mib: float | None) -> float | None:
    return None if mib is None else round(mib / MIB_PER_GIB, 3)


_ESX_VERSION = re.compile(r"(\d+(?:\.\d+)+)(?:.*?build[- ]?(\d+))?", re.IGNORECASE)
_DATASTORE_PATH = re.compile(r"^\s*\[([^\]]+)\]")


# --- the import --------------------------------------------------------------------------------


class _Reader:
    def __init__(self, export: Export, warnings: Warnings):
        self.export = export
        self.warnings = warnings
        self.observed = Observed(SYSTEM)
        self.host_ids: dict[str, str] = {}
        self.vm_by_uuid: dict[str, str] = {}
        self.vm_by_name: dict[str, str] = {}
        self.vlan_of: dict[str, int] = {}

    # hosts and clusters ---------------------------------------------------------------------

    def cluster(self, name: str | None, where: str) -> str | None:
        if not name:
            return None
        if name not in self.observed.clusters:
            thing = Thing({"id": name, "name": name}, where)
            thing.fact("name", [name])
            self.observed.clusters[name] = thing
        return name

    def find_host(self, name: str | None) -> str | None:
        if not name:
            return None
        for key in (name, name.lower(), name.lower().split(".", 1)[0]):
            found = self.host_ids.get(key)
            if found:
                return found
        return None

    def read_hosts(self, table: Table) -> None:
        c = {k: table.index(k) for k in (
            "Host", "Cluster", "Datacenter", "# Cores", "# CPU", "Cores per CPU", "# Memory", "ESX Version",
            "NTP Server(s)", "NTPD running", "Vendor", "Model", "UUID",
        )}  # fmt: skip
        for number, row in table.rows:
            name = _cell(row, c["Host"])
            if name is None:
                continue
            where = table.where(number)
            if self.find_host(name) and name in self.observed.hosts:
                self.warnings.add("duplicate-host", where, f"host {name!r} occurs again in vHost: this row ignored")
                continue
            cores = _number(_cell(row, c["# Cores"]))
            if cores is None and _number(_cell(row, c["# CPU"])) and _number(_cell(row, c["Cores per CPU"])):
                cores = (_number(_cell(row, c["# CPU"])) or 0) * (_number(_cell(row, c["Cores per CPU"])) or 0)
            doc: dict[str, Any] = {"id": name, "name": name}
            doc["cluster"] = self.cluster(_text(_cell(row, c["Cluster"])), where)
            doc["cpu_cores"] = int(cores) if cores else None
            doc["memory_gib"] = _gib(_number(_cell(row, c["# Memory"])))
            tags: dict[str, str] = {}
            version = _text(_cell(row, c["ESX Version"]))
            if version:
                m = _ESX_VERSION.search(version)
                if m and "esx" in version.lower():
                    doc["hypervisor"] = {"product": "esxi", "type": 1, "version": m.group(1)}
                    if m.group(2):
                        tags["rvtools.esxi_build"] = m.group(2)
                else:
                    self.warnings.add(
                        "unreadable-value",
                        where,
                        f"ESX Version {version!r} is not an ESXi version: hypervisor left unknown",
                    )
            time_sync = self._time_sync(row, c)
            if time_sync is not None:
                doc["settings"] = {"time_sync": time_sync}
            vendor_model = " ".join(t for t in (_text(_cell(row, c["Vendor"])), _text(_cell(row, c["Model"]))) if t)
            if vendor_model:
                tags["rvtools.model"] = vendor_model[:2000]
            doc["tags"] = tags
            thing = Thing(doc, where)
            thing.fact("name", [name])
            thing.fact("cluster", [doc["cluster"]])
            thing.fact("datacenter", [_text(_cell(row, c["Datacenter"]))])
            thing.fact("model", [vendor_model])
            self.observed.hosts[name] = thing
            for key in (name, name.lower(), name.lower().split(".", 1)[0]):
                self.host_ids.setdefault(key, name)

    def _time_sync(self, row: Sequence[Any], c: dict[str, int | None]) -> bool | None:
        servers = _text(_cell(row, c["NTP Server(s)"])) if c["NTP Server(s)"] is not None else None
        running = _bool(_cell(row, c["NTPD running"])) if c["NTPD running"] is not None else None
        if c["NTP Server(s)"] is None:
            return running
        if running is not None:
            return bool(servers) and running
        return bool(servers)

    # networks ---------------------------------------------------------------------------

    def network(self, name: str | None, where: str) -> str | None:
        if not name:
            return None
        name = name[:200]
        if name not in self.observed.networks:
            thing = Thing({"id": name, "name": name, "kind": "portgroup"}, where)
            thing.fact("name", [name])
            self.observed.networks[name] = thing
        return name

    def read_portgroups(self, table: Table, name_col: str, promiscuous_col: str) -> None:
        c = {
            k: table.index(k) for k in (name_col, "Switch", "VLAN", promiscuous_col, "Mac Changes", "Forged Transmits")
        }
        for number, row in table.rows:
            name = _text(_cell(row, c[name_col]))
            if name is None:
                continue
            where = table.where(number)
            thing = self.observed.networks[self.network(name, where) or name]
            thing.fact("switch", [_text(_cell(row, c["Switch"]))])
            vlan_text = _text(_cell(row, c["VLAN"]))
            if vlan_text is not None:
                self._vlan(thing, vlan_text, where)
            policy = {
                "promiscuous": _bool(_cell(row, c[promiscuous_col])),
                "mac_changes": _bool(_cell(row, c["Mac Changes"])),
                "forged_transmits": _bool(_cell(row, c["Forged Transmits"])),
            }
            if any(v is not None for v in policy.values()):
                current = thing.doc.setdefault("security_policy", {})
                for key, value in policy.items():
                    if value is not None:  # the same port group on several hosts: unsafe anywhere is unsafe
                        current[key] = bool(current.get(key)) or value

    def _vlan(self, thing: Thing, text: str, where: str) -> None:
        if text.isdigit() and 1 <= int(text) <= 4094:
            vlan = int(text)
            if thing.doc.get("vlan") not in (None, vlan):
                self.warnings.add(
                    "conflicting-value", where,
                    f"port group {thing.id!r} has VLAN {vlan} here, {thing.doc['vlan']} elsewhere: keeping the first",
                )  # fmt: skip
                return
            thing.doc["vlan"] = vlan
            thing.fact("vlan", [vlan])
            self.vlan_of[thing.id] = vlan
        elif text not in ("0", "None", "none", "-"):
            thing.doc.setdefault("tags", {})["rvtools.vlan"] = text[:2000]
            self.warnings.add(
                "unreadable-value", where,
                f"port group {thing.id!r} VLAN {text!r} is not one VLAN id (a trunk, a private VLAN): vlan unknown",
            )  # fmt: skip

    def read_switch_defaults(self, table: Table) -> dict[str, dict[str, bool]]:
        """vSwitch: each standard switch's default security policy (port groups inherit it)."""
        c = {k: table.index(k) for k in ("Switch", "Promiscuous Mode", "Mac Changes", "Forged Transmits")}
        out: dict[str, dict[str, bool]] = {}
        for _row_number, row in table.rows:
            switch = _text(_cell(row, c["Switch"]))
            if switch is None:
                continue
            policy = out.setdefault(switch, {})
            for key, col in (
                ("promiscuous", "Promiscuous Mode"),
                ("mac_changes", "Mac Changes"),
                ("forged_transmits", "Forged Transmits"),
            ):
                value = _bool(_cell(row, c[col]))
                if value is not None:
                    policy[key] = bool(policy.get(key)) or value
        return out

    def read_vmkernel(self, table: Table) -> None:
        c = {k: table.index(k) for k in ("Host", "Port Group", "Device", "Services", "vMotion", "Management")}
        guessed: set[tuple[str, str]] = set()
        for number, row in table.rows:
            host = self.find_host(_text(_cell(row, c["Host"])))
            pg = _text(_cell(row, c["Port Group"]))
            if host is None or pg is None:
                continue
            where = table.where(number)
            nid = self.network(pg, where) or pg
            network = self.observed.networks[nid]
            services = (_text(_cell(row, c["Services"])) or "").lower()
            device = (_text(_cell(row, c["Device"])) or "").lower()
            management = _bool(_cell(row, c["Management"])) if c["Management"] is not None else None
            vmotion = _bool(_cell(row, c["vMotion"])) if c["vMotion"] is not None else None
            if services:
                management = management or "management" in services
                vmotion = vmotion or "vmotion" in services
            if management is None and device == "vmk0":
                management = True
                guessed.add(("management", nid))
            if vmotion is None and "vmotion" in pg.lower():
                vmotion = True
                guessed.add(("migration", nid))
            host_doc = self.observed.hosts[host].doc
            if management:
                network.doc["purpose"] = "management"
                host_doc.setdefault("management", {"network": nid})
            elif vmotion:
                network.doc.setdefault("purpose", "migration")
                host_doc.setdefault("migration", {"network": nid})
            elif any(s in pg.lower() for s in ("vsan", "iscsi", "nfs", "storage")):
                network.doc.setdefault("purpose", "storage")
                guessed.add(("storage", nid))
        for purpose, nid in sorted(guessed):
            why = {
                "management": "it carries vmk0, ESXi's management adapter by default",
                "migration": "its name says vMotion",
                "storage": "its name names a storage protocol",
            }[purpose]
            self.warnings.add(
                "guessed", f"{table.origin}",
                f"port group {nid!r} taken as the {purpose} network because {why} (vSC_VMK has no services column); "
                "a network rule in the mapping may set its purpose",
            )  # fmt: skip

    # VMs --------------------------------------------------------------------------------------

    def read_vms(self, table: Table, known_hosts: bool) -> None:
        cols = ("VM", "Powerstate", "Template", "CPUs", "Memory", "Host", "Cluster", "Datacenter", "Folder",
                "Resource pool", "Annotation", "OS according to the configuration file",
                "OS according to the VMware Tools", "VM ID", "VM UUID", "VI SDK Server", "Firmware",
                "EFI Secure boot")  # fmt: skip
        c = {k: table.index(k) for k in cols}
        nets = [table.index(f"Network #{n}") for n in range(1, 9)]
        custom = {
            i: h
            for i, h in enumerate(table.header)
            if _key(h) and _key(h) not in VINFO_COLUMNS and ALIASES.get(_key(h), _key(h)) not in VINFO_COLUMNS
        }
        keyed_by = "VM UUID" if c["VM UUID"] is not None else ("VM ID" if c["VM ID"] is not None else "name")
        if keyed_by == "name":
            self.warnings.add(
                "keyed-by-name", table.origin,
                "vInfo has neither a VM UUID nor a VM ID column: VMs are identified by name, so a renamed VM "
                "will look removed and added on the next import",
            )  # fmt: skip
        empty = templates = 0
        for number, row in table.rows:
            name = _text(_cell(row, c["VM"]))
            if name is None:
                if any(v not in (None, "") for v in row):
                    self.warnings.add("skipped-vm", table.where(number), "row without a VM name: skipped")
                else:
                    empty += 1
                continue
            where = table.where(number)
            if _bool(_cell(row, c["Template"])):
                templates += 1
                self.warnings.add("template", where, f"{name!r} is a template, not a VM: skipped")
                continue
            vid = self._vm_id(row, c, name, keyed_by, where)
            if vid is None:
                continue
            vcpus = _number(_cell(row, c["CPUs"]))
            memory = _number(_cell(row, c["Memory"]))
            doc: dict[str, Any] = {"id": vid, "name": name[:500]}
            doc["vcpus"] = int(vcpus) if vcpus is not None and vcpus.is_integer() else vcpus
            doc["memory_gib"] = _gib(memory)
            host_name = _text(_cell(row, c["Host"]))
            host = self.find_host(host_name)
            if host_name and host is None and known_hosts:
                self.warnings.add(
                    "host-not-found",
                    where,
                    f"VM {name!r} runs on host {host_name!r}, which is not in vHost: left unplaced",
                )
            doc["host"] = host
            os_name = _text(_cell(row, c["OS according to the configuration file"])) or _text(
                _cell(row, c["OS according to the VMware Tools"])
            )
            doc["os"] = os_name[:200] if os_name else None
            firmware = (_text(_cell(row, c["Firmware"])) or "").lower()
            secure_boot = _bool(_cell(row, c["EFI Secure boot"]))
            if firmware == "bios":
                doc["firmware"] = {"secure_boot": False}
            elif secure_boot is not None:
                doc["firmware"] = {"secure_boot": secure_boot}
            networks = [self.network(_text(_cell(row, i)), where) for i in nets if i is not None]
            doc["nics"] = [{"network": n} for n in networks if n]
            tags: dict[str, str] = {}
            for tag, col in (
                ("rvtools.powerstate", "Powerstate"),
                ("rvtools.folder", "Folder"),
                ("rvtools.resource_pool", "Resource pool"),
            ):
                value = _text(_cell(row, c[col]))
                if value:
                    tags[tag] = value[:2000]
            doc["tags"] = tags
            thing = Thing(doc, where)
            thing.fact("name", [name])
            thing.fact("host", [host_name])
            thing.fact("cluster", [_text(_cell(row, c["Cluster"]))])
            thing.fact("datacenter", [_text(_cell(row, c["Datacenter"]))])
            thing.fact("folder", [_text(_cell(row, c["Folder"]))])
            thing.fact("resource_pool", [_text(_cell(row, c["Resource pool"]))])
            thing.fact("annotation", [_text(_cell(row, c["Annotation"]))])
            thing.fact("os", [os_name])
            thing.fact("power_state", [_text(_cell(row, c["Powerstate"]))])
            for i, header in custom.items():
                value = _text(_cell(row, i))
                if value is not None:
                    thing.custom[header.strip()] = value
            self.observed.vms[vid] = thing
            self.vm_by_name.setdefault(name, vid)
            uuid = _text(_cell(row, c["VM UUID"]))
            if uuid:
                self.vm_by_uuid.setdefault(uuid.lower(), vid)
        if empty:
            self.warnings.add("empty-rows", table.origin, f"{empty:,} empty rows skipped")

    def _vm_id(self, row: Sequence[Any], c: dict[str, int | None], name: str, keyed_by: str, where: str) -> str | None:
        if keyed_by == "VM UUID":
            key = _text(_cell(row, c["VM UUID"]))
        elif keyed_by == "VM ID":
            moref = _text(_cell(row, c["VM ID"]))
            server = _text(_cell(row, c["VI SDK Server"]))
            key = f"{server}/{moref}" if server and moref else moref
        else:
            key = name
        if not key:
            self.warnings.add("skipped-vm", where, f"VM {name!r} has no {keyed_by}: skipped")
            return None
        key = key[:200]
        if key in self.observed.vms:
            self.warnings.add("duplicate-vm", where, f"VM {name!r}: {keyed_by} {key!r} occurs again: this row skipped")
            return None
        return key

    def vm_of(self, table: Table, row: Sequence[Any], c: dict[str, int | None]) -> str | None:
        uuid = _text(_cell(row, c.get("VM UUID")))
        if uuid and uuid.lower() in self.vm_by_uuid:
            return self.vm_by_uuid[uuid.lower()]
        name = _text(_cell(row, c.get("VM")))
        return self.vm_by_name.get(name) if name else None

    def read_vm_nics(self, table: Table) -> None:
        c = {k: table.index(k) for k in ("VM", "VM UUID", "Network", "Template")}
        seen: set[str] = set()
        for number, row in table.rows:
            vid = self.vm_of(table, row, c)
            if vid is None:
                continue
            where = table.where(number)
            doc = self.observed.vms[vid].doc
            if vid not in seen:  # vNetwork replaces vInfo's Network #n columns
                seen.add(vid)
                doc["nics"] = []
            network = self.network(_text(_cell(row, c["Network"])), where)
            if network is None:
                self.warnings.add(
                    "nic-without-network", where, f"a NIC of VM {doc['name']!r} names no network: not imported"
                )
                continue
            doc["nics"].append({"network": network})

    def read_disks(self, table: Table) -> None:
        c = {k: table.index(k) for k in ("VM", "VM UUID", "Path|Disk Path", "Capacity MiB")}
        for number, row in table.rows:
            vid = self.vm_of(table, row, c)
            if vid is None:
                continue
            where = table.where(number)
            path = _text(_cell(row, c["Path|Disk Path"])) or ""
            m = _DATASTORE_PATH.match(path)
            if not m:
                self.warnings.add(
                    "unreadable-value", where, f"disk path {path!r} names no datastore ([name] path): disk not imported"
                )
                continue
            ds = self.datastore(m.group(1).strip(), where, from_disk=True)
            self.observed.vms[vid].doc.setdefault("disks", []).append(
                {"datastore": ds, "size_gib": _gib(_number(_cell(row, c["Capacity MiB"])))}
            )

    def datastore(self, name: str, where: str, from_disk: bool = False) -> str:
        name = name[:200]
        if name not in self.observed.datastores:
            if from_disk:
                self.warnings.add(
                    "guessed", where,
                    f"datastore {name!r} is known only from disk paths (not vDatastore): kind 'other', hosts unknown",
                )  # fmt: skip
            thing = Thing({"id": name, "name": name, "kind": "other", "hosts": []}, where)
            thing.fact("name", [name])
            self.observed.datastores[name] = thing
        return name

    def read_datastores(self, table: Table) -> None:
        kinds = {"vmfs": "vmfs", "nfs": "nfs", "nfs41": "nfs", "vsan": "vsan", "vvol": "other", "pmem": "local"}
        c = {k: table.index(k) for k in ("Name", "Type", "Hosts")}
        for number, row in table.rows:
            name = _text(_cell(row, c["Name"]))
            if name is None:
                continue
            where = table.where(number)
            ds = self.datastore(name, where)
            doc = self.observed.datastores[ds].doc
            kind = (_text(_cell(row, c["Type"])) or "").lower()
            doc["kind"] = kinds.get(kind, "other")
            for host_name in re.split(r"[,;\s]+", _text(_cell(row, c["Hosts"])) or ""):
                host = self.find_host(host_name)
                if host and host not in doc["hosts"]:
                    doc["hosts"].append(host)

    def read_multipath(self, table: Table) -> None:
        c = {k: table.index(k) for k in ("Host", "Datastore")}
        for _n, row in table.rows:
            host = self.find_host(_text(_cell(row, c["Host"])))
            name = _text(_cell(row, c["Datastore"]))
            if host and name and name in self.observed.datastores:
                hosts = self.observed.datastores[name].doc["hosts"]
                if host not in hosts:
                    hosts.append(host)

    def read_snapshots(self, table: Table) -> None:
        c = {k: table.index(k) for k in ("VM", "VM UUID", "Name", "Date / time")}
        for number, row in table.rows:
            vid = self.vm_of(table, row, c)
            if vid is None:
                continue
            where = table.where(number)
            created = _date(_cell(row, c["Date / time"]))
            if created is None:
                self.warnings.add(
                    "unreadable-value",
                    where,
                    f"snapshot date {_cell(row, c['Date / time'])!r} is not a date: snapshot not imported",
                )
                continue
            snapshots = self.observed.vms[vid].doc.setdefault("snapshots", [])
            base = (_text(_cell(row, c["Name"])) or f"snapshot {len(snapshots) + 1}")[:190]
            sid, n = base, 1
            while any(s["id"] == sid for s in snapshots):
                n += 1
                sid = f"{base} #{n}"
            snapshots.append({"id": sid, "created": created})

    def read_devices(self, table: Table, kind: str) -> None:
        c = {k: table.index(k) for k in ("VM", "VM UUID", "Connected")}
        for _n, row in table.rows:
            vid = self.vm_of(table, row, c)
            connected = _bool(_cell(row, c["Connected"]))
            if vid is None or connected is None:
                continue
            self.observed.vms[vid].doc.setdefault("devices", []).append({"kind": kind, "connected": connected})

    def read_clusters(self, table: Table) -> None:
        c = {k: table.index(k) for k in ("Name",)}
        for number, row in table.rows:
            self.cluster(_text(_cell(row, c["Name"])), table.where(number))

    def read_metadata(self, table: Table) -> None:
        c = {k: table.index(k) for k in ("xlsx creation datetime",)}
        for _n, row in table.rows:
            value = _cell(row, c["xlsx creation datetime"])
            if isinstance(value, dt.datetime):
                self.observed.exported_at = value.replace(microsecond=0).isoformat()
            elif _text(value):
                with contextlib.suppress(ValueError):
                    self.observed.exported_at = dt.datetime.fromisoformat(str(_text(value))).isoformat()
            return


def _cell(row: Sequence[Any], index: int | None) -> Any:
    if index is None or index >= len(row):
        return None
    return row[index]


def observe_rvtools(
    files: Sequence[tuple[str, bytes]],
    warnings: Warnings,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
) -> Observed:
    """Read an RVTools export (one xlsx, or per-tab CSV files) into an observed estate."""
    if progress is not None:
        progress("checking the export", 0)
    export = Export(files, limits, progress)
    try:
        if "vInfo" not in export.tabs:
            raise fail(export.origin, "no vInfo tab: an RVTools export must have it (the VMs)")
        for ignored in export.ignored:
            warnings.add("ignored-tab", ignored, "not an RVTools tab: ignored")
        reader = _Reader(export, warnings)
        for tab, read in (
            ("vMetaData", reader.read_metadata),
            ("vCluster", reader.read_clusters),
            ("vHost", reader.read_hosts),
        ):
            table = export.table(tab)
            if table is not None:
                read(table)
        switch_defaults: dict[str, dict[str, bool]] = {}
        table = export.table("vSwitch")
        if table is not None:
            switch_defaults = reader.read_switch_defaults(table)
        for tab, name_col, promiscuous in (
            ("vPort", "Port Group", "Promiscuous Mode"),
            ("dvPort", "Port", "Allow Promiscuous"),
        ):
            table = export.table(tab)
            if table is not None:
                reader.read_portgroups(table, name_col, promiscuous)
        _inherit_switch_policy(reader.observed, switch_defaults)
        table = export.table("vSC_VMK")
        if table is not None:
            reader.read_vmkernel(table)
        for tab, read in (("vDatastore", reader.read_datastores), ("vMultiPath", reader.read_multipath)):
            table = export.table(tab)
            if table is not None:
                read(table)
        vinfo = export.table("vInfo")
        if vinfo is None:  # pragma: no cover - checked above
            raise fail(export.origin, "no vInfo tab")
        if "vHost" not in export.tabs:
            warnings.add("no-tab", export.origin, "no vHost tab: hosts are unknown and every VM is left unplaced")
        reader.read_vms(vinfo, known_hosts="vHost" in export.tabs)
        for tab, vm_read in (
            ("vNetwork", reader.read_vm_nics),
            ("vDisk", reader.read_disks),
            ("vSnapshot", reader.read_snapshots),
        ):
            table = export.table(tab)
            if table is not None:
                vm_read(table)
        for tab, kind in (("vCD", "optical"), ("vUSB", "usb")):
            table = export.table(tab)
            if table is not None:
                reader.read_devices(table, kind)
        if "vDisk" not in export.tabs:
            warnings.add(
                "no-tab", export.origin, "no vDisk tab: VM disks (and the datastores they use) are not imported"
            )
        _vm_network_facts(reader)
        return reader.observed
    finally:
        export.close()


def _inherit_switch_policy(observed: Observed, defaults: dict[str, dict[str, bool]]) -> None:
    """A port group without a policy of its own takes its standard switch's."""
    for thing in observed.networks.values():
        if "security_policy" in thing.doc:
            continue
        for switch in thing.facts.get("switch", ()):
            if defaults.get(switch):
                thing.doc["security_policy"] = dict(defaults[switch])
                break


def _vm_network_facts(reader: _Reader) -> None:
    for thing in reader.observed.vms.values():
        names = [n["network"] for n in thing.doc.get("nics", [])]
        thing.fact("network", names)
        thing.fact("vlan", [reader.vlan_of.get(n) for n in names])
        for n in names:
            thing.fact("switch", reader.observed.networks[n].facts.get("switch", ()))
