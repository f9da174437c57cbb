"""Synthetic inventory documents of any size, for benchmarks and load tests.

The shape follows the foundation benchmark: by default 100,000 VMs on 5,000
hosts, 2,000 networks and 200 datastores, two NICs and two disks per VM.
``violations=True`` plants a realistic share of design faults (mixed zones on a
host, a router joining zones, unencrypted management, shared storage...), so
the analysis has work to do. Deterministic for a given seed.

    python bench/synthetic.py --vms 100000 -o /tmp/estate-100k.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys

ZONES = [
    ("internet", 0, "external"),
    ("dmz", 1, "workload"),
    ("internal", 2, "workload"),
    ("restricted", 3, "workload"),
    ("secret", 4, "workload"),
    ("mgmt", 3, "management"),
    ("storage", 3, "storage"),
]
LEVELS = ("low", "moderate", "high")


def shape(vms: int) -> tuple[int, int, int]:
    """(hosts, networks, datastores) for ``vms`` VMs in the foundation
    benchmark's proportions: 100,000 VMs -> 5,000 hosts, 2,000 networks, 200
    datastores; small estates keep enough of each to have zones to mix."""
    return max(10, vms // 20), max(20, vms // 50), max(10, vms // 500)


def generate(
    vms: int = 100_000,
    hosts: int | None = None,
    networks: int | None = None,
    datastores: int | None = None,
    *,
    violations: bool = False,
    seed: int = 1,
) -> dict:
    """Return an inventory document (a plain dict) of the requested size."""
    rnd = random.Random(seed)
    default_hosts, default_networks, default_datastores = shape(vms)
    hosts = hosts or default_hosts
    networks = networks or default_networks
    datastores = datastores or default_datastores
    workload_zones = [z for z in ZONES if z[2] == "workload"]

    doc: dict = {
        "schema": "virtplan.inventory/v1",
        "as_of": "2026-11-01",
        "source": {"system": "synthetic", "exported_at": "2026-11-01T10:00:00Z"},
        "policy": {"zone_mixing": "forbid", "min_hypervisor_versions": {"esxi": "8.0.2"}},
        "zones": [{"id": z, "name": z.upper(), "trust_level": t, "purpose": p} for z, t, p in ZONES],
        "clusters": [],
        "hosts": [],
        "networks": [
            {"id": "net-mgmt", "kind": "vlan", "vlan": 10, "zone": "mgmt", "purpose": "management"},
            {"id": "net-internet", "kind": "internet", "zone": "internet", "purpose": "internet"},
        ],
        "appliances": [],
        "datastores": [],
        "vms": [],
    }
    # Each cluster serves one workload zone; networks and datastores follow suit.
    n_clusters = max(len(workload_zones), hosts // 32)
    cluster_zone = {}
    for c in range(n_clusters):
        cid = f"cl-{c:04d}"
        cluster_zone[cid] = workload_zones[c % len(workload_zones)][0]
        doc["clusters"].append({"id": cid, "name": f"Cluster {c}"})
    zone_networks: dict[str, list[str]] = {z[0]: [] for z in workload_zones}
    for n in range(networks - 2):
        zone = workload_zones[n % len(workload_zones)][0]
        nid = f"pg-{n:05d}"
        zone_networks[zone].append(nid)
        doc["networks"].append(
            {
                "id": nid,
                "name": f"{zone}-{n}",
                "kind": "portgroup",
                "vlan": 100 + n % 3900,
                "zone": zone,
                "purpose": "guest",
            }
        )
    zone_hosts: dict[str, list[str]] = {z[0]: [] for z in workload_zones}
    for h in range(hosts):
        cid = f"cl-{h % n_clusters:04d}"
        zone = cluster_zone[cid]
        hid = f"esx-{h:05d}"
        zone_hosts[zone].append(hid)
        encrypted = not (violations and h % 97 == 0)
        doc["hosts"].append(
            {
                "id": hid,
                "cluster": cid,
                "cpu_cores": 64,
                "memory_gib": 1024,
                "hypervisor": {
                    "product": "esxi",
                    "type": 1,
                    "version": "8.0.1" if violations and h % 89 == 0 else "8.0.3",
                    "patched_on": "2026-03-01" if violations and h % 83 == 0 else "2026-10-01",
                },
                "management": {"network": "net-mgmt", "encrypted": encrypted},
                "settings": {
                    "time_sync": True,
                    "remote_logging": not (violations and h % 79 == 0),
                    "lockdown": True,
                    "introspection": False,
                },
                "devices": [{"kind": "usb", "connected": violations and h % 71 == 0, "in_use": False}],
            }
        )
    zone_datastores: dict[str, list[str]] = {z[0]: [] for z in workload_zones}
    for d in range(datastores):
        zone = workload_zones[d % len(workload_zones)][0]
        did = f"ds-{d:04d}"
        zone_datastores[zone].append(did)
        zh = zone_hosts[zone]
        mounted = zh[(d // len(workload_zones)) % max(1, len(zh)) :][:32] if zh else []
        doc["datastores"].append({"id": did, "kind": "vmfs", "encrypted": d % 2 == 0, "hosts": mounted})
    # A firewall between each pair of neighbouring zones, and (with violations)
    # a plain router that joins two zones behind its back.
    for i, (za, zb) in enumerate(itertools.pairwise(workload_zones)):
        a, b = zone_networks[za[0]][0], zone_networks[zb[0]][0]
        doc["appliances"].append({"id": f"fw-{i}", "kind": "firewall", "filtering": True, "networks": [a, b]})
    if violations:
        doc["appliances"].append(
            {"id": "rt-legacy", "kind": "router", "networks": [zone_networks["dmz"][1], zone_networks["restricted"][1]]}
        )

    for v in range(vms):
        zone = workload_zones[v % len(workload_zones)][0]
        nets = zone_networks[zone]
        dss = zone_datastores[zone]
        zh = zone_hosts[zone]
        host = zh[(v // len(workload_zones)) % len(zh)]
        vm_zone = zone
        if violations and v % 997 == 0:
            vm_zone = workload_zones[(v + 1) % len(workload_zones)][0]  # placed on a host of another zone
        level = LEVELS[rnd.randrange(3)]
        vm = {
            "id": f"vm-{v:06d}",
            "host": host,
            "zone": vm_zone,
            "vcpus": rnd.choice((1, 2, 4, 8)),
            "memory_gib": rnd.choice((2, 4, 8, 16)),
            "categorization": {"confidentiality": level, "integrity": level, "availability": "low"},
            "internet_facing": zone == "dmz" and v % 5 == 0,
            "role": "app",
            "os": "Ubuntu 24.04",
            "nics": [{"network": nets[rnd.randrange(len(nets))]}, {"network": nets[rnd.randrange(len(nets))]}],
            "disks": [
                {"datastore": dss[rnd.randrange(len(dss))], "size_gib": 40},
                {"datastore": dss[rnd.randrange(len(dss))], "size_gib": 100},
            ],
            "settings": {"clipboard_sharing": violations and v % 501 == 0, "file_sharing": False},
            "anti_affinity_group": f"aa-{v // 3}" if v % 10 == 0 else None,
            "tags": {"owner": f"team-{v % 40}"},
        }
        if violations and v % 1009 == 0:
            vm["devices"] = [{"kind": "optical", "connected": True, "in_use": False}]
        doc["vms"].append(vm)
    return doc


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vms", type=int, default=100_000)
    p.add_argument("--hosts", type=int)
    p.add_argument("--networks", type=int)
    p.add_argument("--datastores", type=int)
    p.add_argument("--violations", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-o", "--output", default="-")
    a = p.parse_args(argv)
    doc = generate(a.vms, a.hosts, a.networks, a.datastores, violations=a.violations, seed=a.seed)
    if a.output == "-":
        json.dump(doc, sys.stdout, separators=(",", ":"))
    else:
        with open(a.output, "w", encoding="utf-8") as out:
            json.dump(doc, out, separators=(",", ":"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
