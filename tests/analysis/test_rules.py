"""Each rule: one change that makes it fire (exactly on the expected objects) and
one near miss that must not, both starting from the clean estate."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from analysis_estates import clean_document, find, findings_of, hardened_document, objects_of, score_of

from planner.core.analysis import REGISTRY, SPEC_RULE_IDS, SPEC_V1_1_RULE_IDS, analyze
from planner.core.analysis.findings import Finding, ObjectRef, finding_order
from planner.core.inventory import load_estate


def h(doc, hid):
    return find(doc, "hosts", hid)


def v(doc, vid):
    return find(doc, "vms", vid)


def n(doc, nid):
    return find(doc, "networks", nid)


def ds(doc, did):
    return find(doc, "datastores", did)


def adjacent(doc):
    doc["policy"]["zone_mixing"] = "adjacent"


def undedicate(doc):
    for host in doc["hosts"]:
        host["dedicated_zone"] = None


def move(doc, vid, host):
    v(doc, vid)["host"] = host


# Scores, worked by hand from analysis-v1.md, docs/scoring.md and each rule's YAML (base likelihood,
# factors, impact objective and default), on the clean estate: vm-web (dmz, C/I moderate, A low,
# internet-facing) and vm-web2 (dmz, all low) on esx-dmz, vm-app (internal, C/I moderate, A low) on
# esx-int, vm-db (restricted, C/I high, A low) on esx-res; trust dmz 1, internal 2, restricted 3.
# Only vm-db is high on any objective, so no finding is very-high (it needs 2 high VMs, all reached).
# Risk by SP 800-30 Table I-2: rows likelihood, columns impact (VL L M H VH):
#   VH: VL L M H VH · H: VL L M H VH · M: VL L M M H · L: VL L L L M · VL: VL VL VL L L
# Scores shared by several firing cases below (worked by hand beside each case).
#: 8 vCPUs / 32 GiB of vm-web and vm-web2 on esx-dmz over its ceiling. Base moderate, no factors;
#: availability of both VMs is low. moderate x low = low.
CPU_OR_MEMORY_ON_ESX_DMZ = (
    "moderate",
    "low",
    "low",
    ["impact low: FIPS 199 high-water mark of availability over the 2 VMs at risk (vm-web is low)"],
)
#: esx-int's hypervisor: base moderate, vm-app is not internet-facing; all objectives of vm-app:
#: moderate (vm-db, the only high VM, is elsewhere: no very-high). moderate x moderate = moderate.
ESX_INT_HYPERVISOR = (
    "moderate",
    "moderate",
    "moderate",
    ["impact moderate: FIPS 199 high-water mark of all objectives over the one VM at risk (vm-app is moderate)"],
)
#: A rule of base low without factors, all objectives, vm-app at risk: moderate. low x moderate = low.
VM_APP_LOW_ANY = (
    "low",
    "moderate",
    "low",
    ["impact moderate: FIPS 199 high-water mark of all objectives over the one VM at risk (vm-app is moderate)"],
)
#: A rule of base low without factors, all objectives, vm-db at risk: high. low x high = low.
ESX_RES_LOW_ANY = (
    "low",
    "high",
    "low",
    ["impact high: FIPS 199 high-water mark of all objectives over the one VM at risk (vm-db is high)"],
)
#: A rule of base low without factors, integrity, vm-db at risk: high. low x high = low.
ESX_RES_LOW_INTEGRITY = (
    "low",
    "high",
    "low",
    ["impact high: FIPS 199 high-water mark of integrity over the one VM at risk (vm-db is high)"],
)

# (rule, change, expected objects of that rule's findings, their scores worked by hand: one
# (likelihood, impact, risk, factors) per finding, in the order of the objects)
FIRES = [
    (
        "ZONE-MIX-HOST",
        lambda d: (undedicate(d), move(d, "vm-app", "esx-dmz")),
        [[("host", "esx-dmz")]],
        # base moderate; internet-facing vm-web on the host +1 -> high; zones dmz (1) and internal (2):
        # gap 1, no factor. Confidentiality over vm-web, vm-web2, vm-app: moderate. high x moderate = moderate.
        [
            (
                "high",
                "moderate",
                "moderate",
                [
                    "impact moderate: FIPS 199 high-water mark of confidentiality over the 3 VMs at risk "
                    "(vm-web is moderate)",
                    "internet-facing VM vm-web on the host: likelihood +1",
                ],
            )
        ],
    ),
    (
        "ZONE-MIX-HOST",
        lambda d: (adjacent(d), move(d, "vm-app", "esx-dmz")),
        [[("host", "esx-dmz")]],
        # a stranger on a host dedicated to dmz: the same VMs, zones and factors as above.
        [
            (
                "high",
                "moderate",
                "moderate",
                [
                    "impact moderate: FIPS 199 high-water mark of confidentiality over the 3 VMs at risk "
                    "(vm-web is moderate)",
                    "internet-facing VM vm-web on the host: likelihood +1",
                ],
            )
        ],
    ),
    (
        "EXPOSED-CORESIDENCY",
        lambda d: (undedicate(d), move(d, "vm-db", "esx-dmz")),
        [[("host", "esx-dmz")]],
        # base moderate; its one factor, trust gap: zones of vm-web and vm-db, dmz (1) and restricted (3),
        # gap 2 -> high. At risk: the high VM, vm-db: high on any objective. high x high = high.
        [
            (
                "high",
                "high",
                "high",
                [
                    "impact high: FIPS 199 high-water mark of all objectives over the one VM at risk (vm-db is high)",
                    "trust gap of 2 between zone dmz (trust 1) and zone restricted (trust 3): likelihood +1",
                ],
            )
        ],
    ),
    (
        "SEGMENT-MULTI-ZONE",
        lambda d: v(d, "vm-app")["nics"].__setitem__(0, {"network": "pg-dmz"}),
        [[("network", "pg-dmz")]],
        # base moderate; internet-facing vm-web on the network +1 -> high; dmz and internal: gap 1.
        # Confidentiality over vm-web, vm-web2, vm-app: moderate. high x moderate = moderate.
        [
            (
                "high",
                "moderate",
                "moderate",
                [
                    "impact moderate: FIPS 199 high-water mark of confidentiality over the 3 VMs at risk "
                    "(vm-web is moderate)",
                    "internet-facing VM vm-web on the network: likelihood +1",
                ],
            )
        ],
    ),
    (
        "VM-BRIDGES-ZONES",
        lambda d: v(d, "vm-web")["nics"].append({"network": "pg-res"}),
        [[("vm", "vm-web")]],
        # base moderate; vm-web itself is internet-facing +1; dmz (1) to restricted (3), gap 2, +1 -> very-high.
        # At risk: vm-web and the VMs on its networks, vm-web2 and vm-db: confidentiality high (vm-db).
        # very-high x high = high.
        [
            (
                "very-high",
                "high",
                "high",
                [
                    "impact high: FIPS 199 high-water mark of confidentiality over the 3 VMs at risk (vm-db is high)",
                    "internet-facing VM vm-web bridging the zones: likelihood +1",
                    "trust gap of 2 between zone dmz (trust 1) and zone restricted (trust 3): likelihood +1",
                ],
            )
        ],
    ),
    (
        "UNFILTERED-ZONE-PATH",
        lambda d: d["appliances"].append({"id": "rt-1", "kind": "router", "networks": ["pg-dmz", "pg-res"]}),
        [[("network", "pg-dmz"), ("network", "pg-res")]],
        # base high; internet-facing vm-web +1 -> very-high; gap 2 (dmz, restricted) +1 stays very-high
        # (the top). Confidentiality over vm-web, vm-web2, vm-db: high. very-high x high = high.
        [
            (
                "very-high",
                "high",
                "high",
                [
                    "impact high: FIPS 199 high-water mark of confidentiality over the 3 VMs at risk (vm-db is high)",
                    "internet-facing VM vm-web on the joined networks: likelihood +1",
                    "trust gap of 2 between zone dmz (trust 1) and zone restricted (trust 3): likelihood +1",
                ],
            )
        ],
    ),
    (
        "INTERNET-VM-IN-INTERNAL-ZONE",
        lambda d: v(d, "vm-app").__setitem__("internet_facing", True),
        [[("vm", "vm-app")]],
        # base high; one zone, so no trust gap. At risk: the zone's VMs, vm-app: confidentiality moderate.
        # high x moderate = moderate.
        [
            (
                "high",
                "moderate",
                "moderate",
                [
                    "impact moderate: FIPS 199 high-water mark of confidentiality over the one VM at risk "
                    "(vm-app is moderate)"
                ],
            )
        ],
    ),
    (
        "MGMT-NETWORK-SHARED",
        lambda d: n(d, "net-mgmt").__setitem__("purpose", "guest"),
        [[("host", "esx-dmz")], [("host", "esx-int")], [("host", "esx-res")]],
        # base moderate; no guest on the network, so no internet-facing one. At risk: each host's VMs,
        # all objectives: esx-dmz moderate (vm-web), esx-int moderate, esx-res high; vm-db is the estate's
        # only high VM, so no very-high. moderate x moderate = moderate, moderate x high = moderate.
        [
            (
                "moderate",
                "moderate",
                "moderate",
                [
                    "impact moderate: FIPS 199 high-water mark of all objectives over the 2 VMs at risk "
                    "(vm-web is moderate)"
                ],
            ),
            (
                "moderate",
                "moderate",
                "moderate",
                [
                    "impact moderate: FIPS 199 high-water mark of all objectives over the one VM at risk "
                    "(vm-app is moderate)"
                ],
            ),
            (
                "moderate",
                "high",
                "moderate",
                ["impact high: FIPS 199 high-water mark of all objectives over the one VM at risk (vm-db is high)"],
            ),
        ],
    ),
    (
        "MGMT-NETWORK-SHARED",
        lambda d: h(d, "esx-int")["management"].__setitem__("network", "pg-int"),
        [[("host", "esx-int")]],
        # base moderate; the guest on pg-int, vm-app, is not internet-facing. At risk: vm-app, moderate.
        [
            (
                "moderate",
                "moderate",
                "moderate",
                [
                    "impact moderate: FIPS 199 high-water mark of all objectives over the one VM at risk "
                    "(vm-app is moderate)"
                ],
            )
        ],
    ),
    (
        "MGMT-UNENCRYPTED",
        lambda d: h(d, "esx-dmz")["management"].__setitem__("encrypted", False),
        [[("host", "esx-dmz")]],
        # base moderate, no factors. All objectives over vm-web (moderate) and vm-web2 (low): moderate.
        [
            (
                "moderate",
                "moderate",
                "moderate",
                [
                    "impact moderate: FIPS 199 high-water mark of all objectives over the 2 VMs at risk "
                    "(vm-web is moderate)"
                ],
            )
        ],
    ),
    (
        "DATASTORE-MULTI-ZONE",
        lambda d: v(d, "vm-app")["disks"].append({"datastore": "ds-dmz"}),
        [[("datastore", "ds-dmz")]],
        # base low; dmz and internal: gap 1, no factor. Confidentiality over vm-web, vm-web2, vm-app:
        # moderate. low x moderate = low.
        [
            (
                "low",
                "moderate",
                "low",
                [
                    "impact moderate: FIPS 199 high-water mark of confidentiality over the 3 VMs at risk "
                    "(vm-web is moderate)"
                ],
            )
        ],
    ),
    (
        "DATASTORE-UNENCRYPTED-SENSITIVE",
        lambda d: ds(d, "ds-res").__setitem__("encrypted", False),
        [[("datastore", "ds-res")]],
        # base moderate. At risk: the high-confidentiality VM, vm-db: high. moderate x high = moderate.
        [
            (
                "moderate",
                "high",
                "moderate",
                ["impact high: FIPS 199 high-water mark of confidentiality over the one VM at risk (vm-db is high)"],
            )
        ],
    ),
    (
        "HOST-CPU-OVERCOMMIT",
        lambda d: h(d, "esx-dmz").__setitem__("cpu_cores", 1),
        [[("host", "esx-dmz")]],
        # 8 vCPUs / 1 core = 8 > 4. Base moderate. Availability over vm-web, vm-web2: low. moderate x low = low.
        [CPU_OR_MEMORY_ON_ESX_DMZ],
    ),
    (
        "HOST-MEMORY-OVERCOMMIT",
        lambda d: h(d, "esx-dmz").__setitem__("memory_gib", 31.9),
        [[("host", "esx-dmz")]],
        # 32 GiB placed / 31.9 > 1.0. The same VMs at risk as above.
        [CPU_OR_MEMORY_ON_ESX_DMZ],
    ),
    (
        "HOST-MEMORY-OVERCOMMIT",
        lambda d: h(d, "esx-dmz").__setitem__("memory_gib", 0),
        [[("host", "esx-dmz")]],
        # 0 GiB with 32 GiB placed: exceeded whatever the ceiling.
        [CPU_OR_MEMORY_ON_ESX_DMZ],
    ),
    (
        "VM-VCPU-EXCEEDS-CORES",
        lambda d: v(d, "vm-app").__setitem__("vcpus", 33),
        [[("vm", "vm-app")]],
        # base moderate. Availability of vm-app: low. moderate x low = low.
        [
            (
                "moderate",
                "low",
                "low",
                ["impact low: FIPS 199 high-water mark of availability over the one VM at risk (vm-app is low)"],
            )
        ],
    ),
    (
        "ANTI-AFFINITY-VIOLATION",
        lambda d: v(d, "vm-web2").__setitem__("anti_affinity_group", "web"),
        [[("host", "esx-dmz")]],
        # base low. Availability of vm-web and vm-web2: low. low x low = low.
        [
            (
                "low",
                "low",
                "low",
                ["impact low: FIPS 199 high-water mark of availability over the 2 VMs at risk (vm-web is low)"],
            )
        ],
    ),
    (
        "HYPERVISOR-OUTDATED",
        lambda d: h(d, "esx-int")["hypervisor"].__setitem__("patched_on", "2026-08-02"),
        [[("host", "esx-int")]],
        # 2026-11-01 - 90 days = 2026-08-03; patched the day before. Base moderate; vm-app is not
        # internet-facing. All objectives of vm-app: moderate. moderate x moderate = moderate.
        [ESX_INT_HYPERVISOR],
    ),
    (
        "HYPERVISOR-OUTDATED",
        lambda d: h(d, "esx-int")["hypervisor"].__setitem__("version", "8.0.1.9"),
        [[("host", "esx-int")]],
        # 8.0.1.9 < 8.0.2 part by part. As above.
        [ESX_INT_HYPERVISOR],
    ),
    (
        "HOSTED-HYPERVISOR-SERVER",
        lambda d: h(d, "esx-dmz")["hypervisor"].__setitem__("type", 2),
        [[("host", "esx-dmz")]],
        # base moderate; at risk: the moderate-or-high VMs, vm-web alone (vm-web2 is low); it is
        # internet-facing +1 -> high. All objectives of vm-web: moderate. high x moderate = moderate.
        [
            (
                "high",
                "moderate",
                "moderate",
                [
                    "impact moderate: FIPS 199 high-water mark of all objectives over the one VM at risk "
                    "(vm-web is moderate)",
                    "internet-facing VM vm-web on the host: likelihood +1",
                ],
            )
        ],
    ),
    (
        "VM-CLIPBOARD-SHARING",
        lambda d: v(d, "vm-app")["settings"].__setitem__("file_sharing", True),
        [[("vm", "vm-app")]],
        # base low; vm-app is not internet-facing. Confidentiality moderate. low x moderate = low.
        [
            (
                "low",
                "moderate",
                "low",
                [
                    "impact moderate: FIPS 199 high-water mark of confidentiality over the one VM at risk "
                    "(vm-app is moderate)"
                ],
            )
        ],
    ),
    (
        "VM-UNUSED-DEVICES",
        lambda d: v(d, "vm-app").__setitem__("devices", [{"kind": "optical", "connected": True}]),
        [[("vm", "vm-app")]],
        # base low. All objectives of vm-app: moderate. low x moderate = low.
        [VM_APP_LOW_ANY],
    ),
    (
        "HOST-UNUSED-HARDWARE",
        lambda d: h(d, "esx-res").__setitem__("devices", [{"kind": "nic", "connected": True}]),
        [[("host", "esx-res")]],
        # base low. All objectives of vm-db: high. low x high = low.
        [ESX_RES_LOW_ANY],
    ),
    (
        "HOST-NO-TIME-SYNC",
        lambda d: h(d, "esx-res")["settings"].__setitem__("time_sync", False),
        [[("host", "esx-res")]],
        # base low. Integrity of vm-db: high. low x high = low.
        [ESX_RES_LOW_INTEGRITY],
    ),
    (
        "HOST-NO-REMOTE-LOGGING",
        lambda d: h(d, "esx-res")["settings"].__setitem__("remote_logging", False),
        [[("host", "esx-res")]],
        # base low. Integrity of vm-db: high. low x high = low.
        [ESX_RES_LOW_INTEGRITY],
    ),
    (
        "VM-UNCLASSIFIED",
        lambda d: v(d, "vm-app").__setitem__("categorization", None),
        [[("vm", "vm-app")]],
        # base moderate. No categorized VM at risk: the rule's default impact, moderate. moderate x moderate.
        [
            (
                "moderate",
                "moderate",
                "moderate",
                ["impact moderate: no categorized VM at risk, so the rule's default impact applies"],
            )
        ],
    ),
    (
        "VM-UNCLASSIFIED",
        lambda d: v(d, "vm-app").pop("zone"),
        [[("vm", "vm-app")]],
        # base moderate. vm-app is still categorized: all objectives moderate.
        [
            (
                "moderate",
                "moderate",
                "moderate",
                [
                    "impact moderate: FIPS 199 high-water mark of all objectives over the one VM at risk "
                    "(vm-app is moderate)"
                ],
            )
        ],
    ),
    (
        "VM-NO-NIC-IN-OWN-ZONE",
        lambda d: v(d, "vm-web2").__setitem__("nics", [{"network": "pg-int"}]),
        [[("vm", "vm-web2")]],
        # base low; zones dmz (1) and internal (2): gap 1. Confidentiality of vm-web2: low. low x low = low.
        [
            (
                "low",
                "low",
                "low",
                ["impact low: FIPS 199 high-water mark of confidentiality over the one VM at risk (vm-web2 is low)"],
            )
        ],
    ),
    (
        "DATASTORE-DEDICATED-ZONE-MIX",
        lambda d: ds(d, "ds-dmz")["hosts"].append("esx-res"),
        [[("datastore", "ds-dmz")]],
        # base low; hosts dedicated to dmz (1) and restricted (3): gap 2, +1 -> moderate. At risk: the VMs
        # with disks on ds-dmz, vm-web and vm-web2: confidentiality moderate. moderate x moderate = moderate.
        [
            (
                "moderate",
                "moderate",
                "moderate",
                [
                    "impact moderate: FIPS 199 high-water mark of confidentiality over the 2 VMs at risk "
                    "(vm-web is moderate)",
                    "trust gap of 2 between zone dmz (trust 1) and zone restricted (trust 3): likelihood +1",
                ],
            )
        ],
    ),
    (
        "HOST-NO-LOCKDOWN",
        lambda d: h(d, "esx-res")["settings"].__setitem__("lockdown", False),
        [[("host", "esx-res")]],
        # base low. All objectives of vm-db: high (the estate's only high VM: not very-high).
        [ESX_RES_LOW_ANY],
    ),
    (
        "MGMT-NETWORK-UNKNOWN",
        lambda d: h(d, "esx-res")["management"].pop("network"),
        [[("host", "esx-res")]],
        [ESX_RES_LOW_ANY],
    ),
    (
        "MGMT-ENCRYPTION-UNKNOWN",
        lambda d: h(d, "esx-res").pop("management"),
        [[("host", "esx-res")]],
        [ESX_RES_LOW_ANY],
    ),
    (
        "HOST-SETTINGS-UNKNOWN",
        lambda d: h(d, "esx-res")["settings"].pop("lockdown"),
        [[("host", "esx-res")]],
        [ESX_RES_LOW_ANY],
    ),
    (
        "HYPERVISOR-PATCH-UNKNOWN",
        lambda d: h(d, "esx-res")["hypervisor"].pop("patched_on"),
        [[("host", "esx-res")]],
        [ESX_RES_LOW_ANY],
    ),
    ("VM-SETTINGS-UNKNOWN", lambda d: v(d, "vm-db").pop("settings"), [[("vm", "vm-db")]], [ESX_RES_LOW_ANY]),
    (
        "DATASTORE-ENCRYPTION-UNKNOWN",
        lambda d: ds(d, "ds-res").pop("encrypted"),
        [[("datastore", "ds-res")]],
        # base low; at risk: the high-confidentiality VM vm-db; all objectives high. low x high = low.
        [ESX_RES_LOW_ANY],
    ),
    (
        "NETWORK-ZONE-UNKNOWN",
        lambda d: n(d, "pg-int").__setitem__("zone", None),
        [[("network", "pg-int")]],
        # base low. At risk: the VMs on pg-int, vm-app: all objectives moderate. low x moderate = low.
        [VM_APP_LOW_ANY],
    ),
]

# (rule, a change that comes close but must not make the rule fire)
NEAR_MISSES = [
    ("ZONE-MIX-HOST", lambda d: (undedicate(d), adjacent(d), move(d, "vm-app", "esx-dmz"))),  # trust 1 and 2
    ("EXPOSED-CORESIDENCY", lambda d: v(d, "vm-web")["categorization"].__setitem__("integrity", "high")),  # alone
    (
        "SEGMENT-MULTI-ZONE",
        lambda d: (
            d["vms"].append(
                {
                    "id": "vm-fw",
                    "zone": "dmz",
                    "vcpus": 1,
                    "memory_gib": 1,
                    "nics": [{"network": "pg-dmz"}, {"network": "pg-res"}],
                }
            ),
            find(d, "appliances", "fw-1").__setitem__("vm", "vm-fw"),
        ),
    ),
    ("VM-BRIDGES-ZONES", lambda d: (adjacent(d), v(d, "vm-web")["nics"].append({"network": "pg-int"}))),
    ("VM-BRIDGES-ZONES", lambda d: v(d, "vm-web")["nics"].append({"network": "pg-dmz"})),  # same network twice
    (
        "UNFILTERED-ZONE-PATH",
        lambda d: d["appliances"].append({"id": "fw-x", "kind": "ips", "networks": ["pg-dmz", "pg-res"]}),
    ),  # ips filters by default
    (
        "UNFILTERED-ZONE-PATH",
        lambda d: d["appliances"].append(
            {"id": "rt-x", "kind": "router", "networks": ["pg-dmz", "pg-res"], "filtering": True}
        ),
    ),
    ("INTERNET-VM-IN-INTERNAL-ZONE", lambda d: v(d, "vm-web2").__setitem__("internet_facing", True)),  # dmz, trust 1
    (
        "MGMT-NETWORK-SHARED",
        lambda d: (
            d["vms"].append(
                {"id": "vm-jump", "zone": "mgmt", "vcpus": 1, "memory_gib": 1, "nics": [{"network": "net-mgmt"}]}
            ),
            d["appliances"].append({"id": "gw-jump", "kind": "gateway", "vm": "vm-jump", "networks": ["net-mgmt"]}),
        ),
    ),
    ("MGMT-UNENCRYPTED", lambda d: h(d, "esx-dmz")["management"].pop("encrypted")),  # unknown is a gap, not a fault
    ("DATASTORE-MULTI-ZONE", lambda d: (adjacent(d), v(d, "vm-app")["disks"].append({"datastore": "ds-dmz"}))),
    ("DATASTORE-UNENCRYPTED-SENSITIVE", lambda d: ds(d, "ds-dmz").__setitem__("encrypted", False)),
    ("HOST-CPU-OVERCOMMIT", lambda d: h(d, "esx-dmz").__setitem__("cpu_cores", 2)),  # 8 vCPUs / 2 = 4.0, not above
    ("HOST-MEMORY-OVERCOMMIT", lambda d: h(d, "esx-dmz").__setitem__("memory_gib", 32)),  # exactly 1.0
    ("VM-VCPU-EXCEEDS-CORES", lambda d: v(d, "vm-app").__setitem__("vcpus", 32)),
    ("ANTI-AFFINITY-VIOLATION", lambda d: v(d, "vm-app").__setitem__("anti_affinity_group", "web")),  # other host
    ("HYPERVISOR-OUTDATED", lambda d: h(d, "esx-int")["hypervisor"].update(patched_on="2026-08-03", version="8.0.2.0")),
    (
        "HOSTED-HYPERVISOR-SERVER",
        lambda d: (
            h(d, "esx-dmz")["hypervisor"].__setitem__("type", 2),
            v(d, "vm-web")["categorization"].update(confidentiality="n/a", integrity="low"),
        ),
    ),
    ("VM-CLIPBOARD-SHARING", lambda d: v(d, "vm-app").pop("settings")),
    (
        "VM-UNUSED-DEVICES",
        lambda d: v(d, "vm-app").__setitem__(
            "devices",
            [
                {"kind": "optical", "connected": True, "in_use": True},
                {"kind": "nic", "connected": True},
                {"kind": "usb", "connected": False},
            ],
        ),
    ),
    (
        "HOST-UNUSED-HARDWARE",
        lambda d: h(d, "esx-res").__setitem__(
            "devices", [{"kind": "usb", "connected": True, "in_use": True}, {"kind": "usb", "connected": False}]
        ),
    ),
    ("HOST-NO-TIME-SYNC", lambda d: h(d, "esx-res")["settings"].pop("time_sync")),
    ("HOST-NO-REMOTE-LOGGING", lambda d: h(d, "esx-res").__setitem__("settings", None)),
    ("VM-UNCLASSIFIED", lambda d: v(d, "vm-app")["categorization"].__setitem__("confidentiality", "n/a")),
    ("VM-NO-NIC-IN-OWN-ZONE", lambda d: v(d, "vm-web2").__setitem__("nics", [])),
    ("VM-NO-NIC-IN-OWN-ZONE", lambda d: v(d, "vm-web2")["nics"].append({"network": "pg-int"})),
    ("DATASTORE-DEDICATED-ZONE-MIX", lambda d: (adjacent(d), ds(d, "ds-dmz")["hosts"].append("esx-int"))),
    ("HOST-NO-LOCKDOWN", lambda d: h(d, "esx-res")["settings"].__setitem__("introspection", True)),
    ("MGMT-NETWORK-UNKNOWN", lambda d: h(d, "esx-res")["management"].pop("encrypted")),
    ("MGMT-ENCRYPTION-UNKNOWN", lambda d: h(d, "esx-res")["management"].pop("network")),
    ("HOST-SETTINGS-UNKNOWN", lambda d: h(d, "esx-res")["settings"].pop("introspection")),
    (
        "HYPERVISOR-PATCH-UNKNOWN",
        lambda d: (
            d["policy"].__setitem__("min_hypervisor_versions", {}),
            h(d, "esx-res")["hypervisor"].pop("version"),
        ),
    ),
    ("VM-SETTINGS-UNKNOWN", lambda d: v(d, "vm-db")["settings"].__setitem__("file_sharing", True)),
    ("DATASTORE-ENCRYPTION-UNKNOWN", lambda d: ds(d, "ds-dmz").pop("encrypted")),
    ("NETWORK-ZONE-UNKNOWN", lambda d: n(d, "pg-int").__setitem__("zone", "restricted")),
]


def test_clean_estate_has_no_findings_at_all():
    assert findings_of(clean_document()) == []


def test_hardened_estate_stating_every_v1_1_fact_safely_has_no_findings_at_all():
    assert findings_of(hardened_document()) == []


@pytest.mark.parametrize("rule,change,expected,scores", FIRES, ids=[f"{r}-{i}" for i, (r, *_) in enumerate(FIRES)])
def test_rule_fires_with_the_score_worked_out_by_hand(rule, change, expected, scores):
    doc = clean_document()
    change(doc)
    found = sorted(findings_of(doc, rule), key=lambda f: [(o.kind, o.id) for o in f.objects])
    assert [[(o.kind, o.id) for o in f.objects] for f in found] == expected
    assert [score_of(f) for f in found] == scores


@pytest.mark.parametrize("rule,change", NEAR_MISSES, ids=[f"{r}-{i}" for i, (r, _) in enumerate(NEAR_MISSES)])
def test_rule_does_not_fire_on_near_miss(rule, change):
    doc = clean_document()
    change(doc)
    assert objects_of(doc, rule) == []


def test_every_rule_has_a_firing_and_a_near_miss_case():
    """Here for the minimum set and our own rules; each v1.1 rule has a test module of its own."""
    ids = {r.id for r in REGISTRY} - set(SPEC_V1_1_RULE_IDS)
    assert {r for r, *_ in FIRES} == ids
    assert {r for r, _ in NEAR_MISSES} == ids
    here = Path(__file__).parent
    for rule in REGISTRY:
        if rule.id in SPEC_V1_1_RULE_IDS:
            module = here / f"test_rule_{rule.id.lower().replace('-', '_')}.py"
            assert module.exists(), f"{rule.id} has no test module {module.name}"


def test_registry_holds_the_contract_rules_in_table_order():
    assert SPEC_RULE_IDS == (
        "ZONE-MIX-HOST",
        "EXPOSED-CORESIDENCY",
        "SEGMENT-MULTI-ZONE",
        "VM-BRIDGES-ZONES",
        "UNFILTERED-ZONE-PATH",
        "INTERNET-VM-IN-INTERNAL-ZONE",
        "MGMT-NETWORK-SHARED",
        "MGMT-UNENCRYPTED",
        "DATASTORE-MULTI-ZONE",
        "DATASTORE-UNENCRYPTED-SENSITIVE",
        "HOST-CPU-OVERCOMMIT",
        "HOST-MEMORY-OVERCOMMIT",
        "VM-VCPU-EXCEEDS-CORES",
        "ANTI-AFFINITY-VIOLATION",
        "HYPERVISOR-OUTDATED",
        "HOSTED-HYPERVISOR-SERVER",
        "VM-CLIPBOARD-SHARING",
        "VM-UNUSED-DEVICES",
        "HOST-UNUSED-HARDWARE",
        "HOST-NO-TIME-SYNC",
        "HOST-NO-REMOTE-LOGGING",
        "VM-UNCLASSIFIED",
    )
    assert SPEC_V1_1_RULE_IDS == (
        "GUEST-ON-INFRA-NETWORK",
        "MIGRATION-UNENCRYPTED",
        "VSWITCH-INSECURE-POLICY",
        "HOST-SHELL-ENABLED",
        "PAGE-SHARING-MIXED-ZONES",
        "HYPERVISOR-END-OF-SUPPORT",
        "HOST-SINGLE-UPLINK",
        "VM-SNAPSHOT-OLD",
        "VM-PASSTHROUGH-DEVICE",
        "VM-NO-SECURE-BOOT",
    )
    ids = [r.id for r in REGISTRY]
    assert ids[: len(SPEC_RULE_IDS) + len(SPEC_V1_1_RULE_IDS)] == [*SPEC_RULE_IDS, *SPEC_V1_1_RULE_IDS]
    assert len(set(ids)) == len(REGISTRY)


@pytest.mark.parametrize("rule", REGISTRY, ids=lambda r: r.id)
def test_rule_metadata_is_complete(rule):
    for key in ("title", "description", "detection", "false_positives", "remediation"):
        assert getattr(rule, key).strip(), key
    assert rule.likelihood_rationale and rule.impact_rationale
    sources = [rule.references[k] for k in ("sp800_125", "sp800_125a", "sp800_125b", "vendor")]
    assert any(sources), "every rule cites where its recommendation comes from (NIST or a vendor baseline)"
    assert rule.references["sp800_53"], "every rule cites SP 800-53 controls"


def test_unfiltered_path_names_the_appliances_between():
    doc = clean_document()
    doc["networks"].append({"id": "pg-transit", "kind": "vlan", "zone": "dmz"})
    doc["appliances"] += [
        {"id": "rt-a", "kind": "router", "networks": ["pg-dmz", "pg-transit"]},
        {"id": "gw-b", "kind": "gateway", "networks": ["pg-transit", "pg-res"]},
    ]
    (f,) = [
        f
        for f in findings_of(doc, "UNFILTERED-ZONE-PATH")
        if f.objects[1].id == "pg-res" and f.objects[0].id == "pg-dmz"
    ]
    assert [p["id"] for p in f.evidence["path"]] == ["pg-dmz", "rt-a", "pg-transit", "gw-b", "pg-res"]
    assert f.evidence["networks"] == [{"id": "pg-dmz", "zone": "dmz"}, {"id": "pg-res", "zone": "restricted"}]
    # pg-transit (dmz) to pg-res (restricted) is a second pair; objects follow document order.
    assert objects_of(doc, "UNFILTERED-ZONE-PATH") == [
        [("network", "pg-dmz"), ("network", "pg-res")],
        [("network", "pg-res"), ("network", "pg-transit")],
    ]


def test_every_conflicting_pair_of_a_segment_is_reported_whatever_comes_first():
    """pg-dmz, pg-transit (both dmz) and pg-res (restricted) joined by a router and a gateway:
    the two pairs across dmz and restricted are reported, also when the pair that does not
    conflict (pg-dmz with pg-transit) is listed before them."""
    doc = clean_document()
    doc["networks"].insert(3, {"id": "pg-transit", "kind": "vlan", "zone": "dmz"})  # right after pg-dmz
    doc["appliances"] += [
        {"id": "rt-a", "kind": "router", "networks": ["pg-dmz", "pg-transit"]},
        {"id": "gw-b", "kind": "gateway", "networks": ["pg-transit", "pg-res"]},
    ]
    pairs = sorted(sorted(o.id for o in f.objects) for f in findings_of(doc, "UNFILTERED-ZONE-PATH"))
    assert pairs == [["pg-dmz", "pg-res"], ["pg-res", "pg-transit"]]


def test_policy_adjacent_allows_neighbours_but_not_a_gap_of_two():
    doc = clean_document()
    undedicate(doc)
    adjacent(doc)
    move(doc, "vm-app", "esx-dmz")  # dmz (1) with internal (2): neighbours
    assert objects_of(doc, "ZONE-MIX-HOST") == []
    move(doc, "vm-db", "esx-dmz")  # restricted (3) joins dmz (1): gap of 2
    assert objects_of(doc, "ZONE-MIX-HOST") == [[("host", "esx-dmz")]]
    doc["policy"]["zone_mixing"] = "forbid"
    move(doc, "vm-db", "esx-res")
    assert objects_of(doc, "ZONE-MIX-HOST") == [[("host", "esx-dmz")]]


def test_summary_counts_findings_by_risk_zone_host_and_rule():
    """Four findings on the clean estate, counted by hand: a finding counts once for each zone and
    host it touches (a host: its VMs' zones and its dedicated zone; a VM: its zone and host; a
    datastore: the zones and hosts of the VMs with disks on it)."""
    doc = clean_document()
    h(doc, "esx-dmz")["management"]["encrypted"] = False  # MGMT-UNENCRYPTED, moderate: dmz; esx-dmz
    h(doc, "esx-res")["settings"]["time_sync"] = False  # HOST-NO-TIME-SYNC, low: restricted; esx-res
    v(doc, "vm-app")["settings"]["clipboard_sharing"] = True  # VM-CLIPBOARD-SHARING, low: internal; esx-int
    v(doc, "vm-app")["disks"].append({"datastore": "ds-dmz"})  # DATASTORE-MULTI-ZONE, low: dmz, internal; both hosts
    summary = analyze(load_estate(doc)).summary()
    assert summary == {
        "by_risk": {"very-high": 0, "high": 0, "moderate": 1, "low": 3, "very-low": 0},
        "by_zone": {"dmz": 2, "internal": 2, "restricted": 1},
        "by_host": {"esx-dmz": 2, "esx-int": 2, "esx-res": 1},
        "by_rule": {
            "DATASTORE-MULTI-ZONE": 1,
            "HOST-NO-TIME-SYNC": 1,
            "MGMT-UNENCRYPTED": 1,
            "VM-CLIPBOARD-SHARING": 1,
        },
    }
    assert list(summary["by_risk"]) == ["very-high", "high", "moderate", "low", "very-low"]


def test_fingerprints_are_the_documented_digest_and_never_change_with_a_release():
    """A stored triage survives re-analysis through the fingerprint: sha256 of the canonical JSON
    (sorted keys, no spaces, UTF-8 as is) of [rule, sorted "kind:id" refs, identity]. The digests
    below were worked out from that recipe; a changed recipe would orphan every stored triage."""
    doc = clean_document()
    spare = {**h(doc, "esx-res"), "id": "esx-zürich", "dedicated_zone": None}
    spare["management"] = {"network": "net-mgmt", "encrypted": False}
    doc["hosts"].append(spare)
    v(doc, "vm-app")["settings"]["clipboard_sharing"] = True
    by_rule = {f.rule: f.fingerprint for f in findings_of(doc)}
    # ["MGMT-UNENCRYPTED",["host:esx-zürich"],{}]
    assert by_rule["MGMT-UNENCRYPTED"] == "6befa0a8371e85fbec6c5c05d57b963ad2004ae35ea4167e4cc859c824090a66"
    # ["VM-CLIPBOARD-SHARING",["vm:vm-app"],{"enabled":["clipboard_sharing"]}]
    assert by_rule["VM-CLIPBOARD-SHARING"] == "fd7340101f20aa5f6b5804d608af0c05292cc01aa97c7392dea2d31313dc0c4b"


def _share_pages_between_dmz_and_internal(doc):
    host = h(doc, "esx-dmz")
    host["settings"]["inter_vm_page_sharing"] = True
    host["dedicated_zone"] = None
    move(doc, "vm-app", "esx-dmz")


#: A firing case of each v1.1 rule, changing the hardened estate as that rule's own test module
#: (test_rule_<rule>.py, which works out its scores) does: here so that its fingerprints are
#: pinned too. Each states every part of its rule's identity: both reasons of
#: MIGRATION-UNENCRYPTED, two stale snapshots of VM-SNAPSHOT-OLD (their order).
V1_1_FIRES = [
    ("GUEST-ON-INFRA-NETWORK", lambda d: v(d, "vm-app")["nics"].append({"network": "net-vmotion"})),
    ("MIGRATION-UNENCRYPTED", lambda d: h(d, "esx-dmz")["migration"].update(network="pg-dmz", encrypted=False)),
    (
        "VSWITCH-INSECURE-POLICY",
        lambda d: n(d, "pg-dmz")["security_policy"].update(promiscuous=True, forged_transmits=True),
    ),
    ("HOST-SHELL-ENABLED", lambda d: h(d, "esx-res")["settings"].__setitem__("shell", True)),
    ("PAGE-SHARING-MIXED-ZONES", _share_pages_between_dmz_and_internal),
    ("HYPERVISOR-END-OF-SUPPORT", lambda d: h(d, "esx-int")["hypervisor"].__setitem__("end_of_support", "2026-10-31")),
    ("HOST-SINGLE-UPLINK", lambda d: h(d, "esx-int").__setitem__("uplinks", 1)),
    (
        "VM-SNAPSHOT-OLD",
        lambda d: v(d, "vm-db").__setitem__(
            "snapshots", [{"id": f"s-{day}", "created": day} for day in ("2026-10-24", "2026-10-20", "2026-10-30")]
        ),
    ),
    (
        "VM-PASSTHROUGH-DEVICE",
        lambda d: v(d, "vm-web2").__setitem__("devices", [{"kind": "pci-passthrough", "connected": True}]),
    ),
    ("VM-NO-SECURE-BOOT", lambda d: v(d, "vm-app")["firmware"].__setitem__("secure_boot", False)),
]

#: The fingerprints of every firing case, by rule and the case's number among that rule's
#: cases (tests/data/README.md).
RELEASED_FINGERPRINTS = json.loads((Path(__file__).parents[1] / "data" / "fingerprints.json").read_text())


def _pinned_cases() -> list[tuple[str, Callable[[], dict], Callable[[dict], object]]]:
    """(key, the estate it starts from, change) of every firing case: FIRES from the clean
    estate, then V1_1_FIRES from the hardened one."""
    seen: Counter[str] = Counter()
    cases = []
    for start, fires in ((clean_document, FIRES), (hardened_document, V1_1_FIRES)):
        for rule, change, *_ in fires:
            seen[rule] += 1
            cases.append((f"{rule} #{seen[rule]}", start, change))
    return cases


PINNED_CASES = _pinned_cases()


@pytest.mark.parametrize(("key", "start", "change"), PINNED_CASES, ids=[key for key, *_ in PINNED_CASES])
def test_every_firing_case_keeps_the_fingerprints_of_the_releases_before(key, start, change):
    """A stored triage is found again by the fingerprint, so a release that changed one
    (a renamed identity key, a situation identified by other facts) would silently orphan
    every triage of that rule. Changing one on purpose needs a migration of the stored
    findings' fingerprints, then this file."""
    doc = start()
    change(doc)
    rule = key.split(" #")[0]
    found = sorted(findings_of(doc, rule), key=lambda f: [(o.kind, o.id) for o in f.objects])
    assert [f.fingerprint for f in found] == RELEASED_FINGERPRINTS[key]


def test_every_firing_case_has_its_released_fingerprints():
    assert sorted(key for key, *_ in PINNED_CASES) == sorted(RELEASED_FINGERPRINTS)
    assert all(RELEASED_FINGERPRINTS.values()), "a case that fires nothing pins nothing"


def test_every_rule_has_released_fingerprints():
    """A new rule is released with a firing case here (in FIRES, or V1_1_FIRES for a v1.1
    rule tested in a module of its own) and its fingerprints in tests/data/fingerprints.json."""
    assert {key.split(" #")[0] for key in RELEASED_FINGERPRINTS} == {r.id for r in REGISTRY}


@pytest.mark.parametrize("rule,change,expected,scores", FIRES, ids=[f"{r}-{i}" for i, (r, *_) in enumerate(FIRES)])
def test_a_finding_carries_its_rules_title_references_and_remediation(rule, change, expected, scores):
    doc = clean_document()
    change(doc)
    meta = next(r for r in REGISTRY if r.id == rule)
    for f in findings_of(doc, rule):
        assert (f.title, f.remediation, f.references) == (meta.title, meta.remediation, meta.reference_list())
        assert f.title and f.remediation and f.references


def test_findings_of_equal_rank_follow_their_objects_in_text_order():
    """vm-app before vm-app-2 (a prefix sorts first), both after vm-api: the order of the ids as text."""
    doc = clean_document()
    for vid in ("vm-app-2", "vm-api"):
        doc["vms"].append(
            {**v(doc, "vm-app"), "id": vid, "settings": {"clipboard_sharing": True, "file_sharing": False}}
        )
    v(doc, "vm-app")["settings"]["clipboard_sharing"] = True
    found = [f.objects[0].id for f in findings_of(doc) if f.rule == "VM-CLIPBOARD-SHARING"]
    assert found == ["vm-api", "vm-app", "vm-app-2"]


def test_of_equal_rank_a_rule_id_or_object_list_that_is_a_prefix_of_another_sorts_first():
    """As tuples compare (finding_order's promise): the questionnaire's Q-OPERATIONS-RESILIENCE-BACKUP
    before Q-OPERATIONS-RESILIENCE-BACKUP-ISOLATION, and of one rule, one object before the same
    object followed by another."""
    plan, host = ObjectRef("plan", "p"), ObjectRef("host", "h")

    def finding(rule, objects):
        return Finding(rule, "t", objects, "moderate", "moderate", "moderate", fingerprint="f")

    longer = finding("Q-OPERATIONS-RESILIENCE-BACKUP-ISOLATION", [plan])
    shorter = finding("Q-OPERATIONS-RESILIENCE-BACKUP", [plan])
    assert sorted([longer, shorter], key=finding_order) == [shorter, longer]
    two, one = finding("R", [host, plan]), finding("R", [host])
    assert sorted([two, one], key=finding_order) == [one, two]


def test_very_high_impact_names_the_rules_objective():
    """ZONE-MIX-HOST threatens confidentiality through the hypervisor: with both VMs of high
    confidentiality on the mixed host, it reaches every one of them (2 >= 2): very-high."""
    doc = clean_document()
    undedicate(doc)
    v(doc, "vm-web2")["categorization"]["confidentiality"] = "high"
    move(doc, "vm-db", "esx-dmz")
    (f,) = findings_of(doc, "ZONE-MIX-HOST")
    # base moderate; internet-facing vm-web +1; dmz (1) and restricted (3): gap 2, +1 -> very-high.
    # very-high x very-high = very-high.
    assert score_of(f) == (
        "very-high",
        "very-high",
        "very-high",
        [
            "impact very-high: through the hypervisor the finding reaches every VM whose confidentiality is high "
            "(2 VMs, such as vm-web2): multiple severe adverse effects",
            "internet-facing VM vm-web on the host: likelihood +1",
            "trust gap of 2 between zone dmz (trust 1) and zone restricted (trust 3): likelihood +1",
        ],
    )


# ---------------------------------------------------------- from the rules' surviving mutants


def test_a_vm_backing_a_firewall_may_bridge_zones_a_router_vm_may_not():
    """VM-BRIDGES-ZONES: vm-app with NICs on pg-int (internal) and pg-dmz (dmz) bridges the
    zones, unless it backs a filtering appliance (analysis-v1.md: a VM that backs no filtering
    appliance)."""
    doc = clean_document()
    v(doc, "vm-app")["nics"].append({"network": "pg-dmz"})
    doc["appliances"].append({"id": "vm-appliance", "kind": "router", "networks": ["pg-dmz", "pg-int"], "vm": "vm-app"})
    assert objects_of(doc, "VM-BRIDGES-ZONES") == [[("vm", "vm-app")]]
    doc["appliances"][-1]["kind"] = "firewall"
    assert objects_of(doc, "VM-BRIDGES-ZONES") == []


def test_page_sharing_is_judged_on_every_host_whatever_the_hosts_before_it():
    """esx-dmz shares pages among VMs of one zone, esx-int does not share, esx-res shares them
    between internal and restricted VMs: only esx-res fires."""
    doc = hardened_document()
    h(doc, "esx-dmz")["settings"]["inter_vm_page_sharing"] = True
    h(doc, "esx-res")["settings"]["inter_vm_page_sharing"] = True
    move(doc, "vm-app", "esx-res")
    (f,) = findings_of(doc, "PAGE-SHARING-MIXED-ZONES")
    assert [(o.kind, o.id) for o in f.objects] == [("host", "esx-res")]
    assert f.evidence == {
        "zones": ["internal", "restricted"],
        "vms_by_zone": {"internal": ["vm-app"], "restricted": ["vm-db"]},
    }


def test_a_guest_whose_only_nic_is_on_a_storage_network_is_on_an_infrastructure_network():
    doc = hardened_document()
    v(doc, "vm-app")["nics"] = [{"network": "net-nfs"}]
    assert objects_of(doc, "GUEST-ON-INFRA-NETWORK") == [[("vm", "vm-app")]]


def test_gap_and_setting_findings_name_exactly_the_facts_at_fault():
    doc = clean_document()
    v(doc, "vm-app")["settings"] = {"clipboard_sharing": False}  # file sharing not stated
    v(doc, "vm-web2")["settings"]["file_sharing"] = True
    v(doc, "vm-db").pop("categorization")
    h(doc, "esx-int")["hypervisor"].pop("patched_on")
    h(doc, "esx-int")["hypervisor"].pop("version")  # esxi has a minimum version in the policy
    h(doc, "esx-res").pop("hypervisor")
    facts = {(f.rule, f.objects[0].id): f.evidence for f in findings_of(doc)}
    assert facts[("VM-SETTINGS-UNKNOWN", "vm-app")] == {"unknown": ["file_sharing"]}
    assert facts[("VM-CLIPBOARD-SHARING", "vm-web2")] == {"enabled": ["file_sharing"]}
    assert facts[("VM-UNCLASSIFIED", "vm-db")] == {"missing": ["categorization"]}
    assert facts[("HYPERVISOR-PATCH-UNKNOWN", "esx-int")] == {"unknown": ["patched_on", "version"]}
    assert facts[("HYPERVISOR-PATCH-UNKNOWN", "esx-res")] == {"unknown": ["hypervisor"]}


def test_cpu_overcommit_ratio_is_given_to_two_decimals():
    doc = clean_document()
    h(doc, "esx-dmz")["cpu_cores"] = 3
    v(doc, "vm-web")["vcpus"] = 9  # with vm-web2's 4: 13 / 3 = 4.333...
    (f,) = findings_of(doc, "HOST-CPU-OVERCOMMIT")
    assert f.evidence == {"vcpus": 13, "cpu_cores": 3, "ratio": 4.33, "ceiling": 4.0}


def test_the_evidence_states_the_facts_that_triggered_the_finding():
    """Worked from the inventory: as_of 2026-11-01, the default patch age of 90 days (inventory-v1.md),
    the policy's esxi minimum 8.0.2; 2026-07-01 is 123 days before as_of."""
    doc = hardened_document()
    v(doc, "vm-app")["nics"].append({"network": "pg-dmz"})  # VM-BRIDGES-ZONES
    find(doc, "datastores", "ds-dmz")["hosts"] = ["esx-dmz", "esx-int"]  # DATASTORE-DEDICATED-ZONE-MIX
    h(doc, "esx-int")["hypervisor"].update(version="8.0.1", patched_on="2026-07-01")  # HYPERVISOR-OUTDATED
    h(doc, "esx-dmz")["uplinks"] = 1  # HOST-SINGLE-UPLINK
    facts = {(f.rule, f.objects[0].id): f.evidence for f in findings_of(doc)}
    assert facts[("VM-BRIDGES-ZONES", "vm-app")] == {
        "zones": ["dmz", "internal"],
        "networks_by_zone": {"dmz": ["pg-dmz"], "internal": ["pg-int"]},
    }
    assert facts[("DATASTORE-DEDICATED-ZONE-MIX", "ds-dmz")] == {
        "zones": ["dmz", "internal"],
        "hosts_by_zone": {"dmz": ["esx-dmz"], "internal": ["esx-int"]},
    }
    assert facts[("HYPERVISOR-OUTDATED", "esx-int")] == {
        "reasons": ["patch-age", "version"],
        "product": "esxi",
        "version": "8.0.1",
        "patched_on": "2026-07-01",
        "age_days": 123,
        "max_age_days": 90,
        "minimum_version": "8.0.2",
    }
    assert facts[("HOST-SINGLE-UPLINK", "esx-dmz")] == {"uplinks": 1, "vms": 2}
