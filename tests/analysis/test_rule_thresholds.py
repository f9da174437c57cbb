"""Every threshold the contract states, tried on both sides: the overcommit ceilings (the
policy's and the default), a host with 0 GiB, the trust gap of the likelihood factor, the
zone-mixing policies, patch age and version comparison. Expectations are the contract's
numbers (shared/spec/inventory-v1.md policy table, analysis-v1.md, the method text),
worked out here, never read back from the code."""

from __future__ import annotations

import pytest
from analysis_estates import clean_document, find, findings_of, objects_of, only, score_of


def host(doc, hid):
    return find(doc, "hosts", hid)


def vm(doc, vid):
    return find(doc, "vms", vid)


# ---------------------------------------------------------- CPU overcommit (default ceiling 4.0)
# esx-dmz carries vm-web and vm-web2, 4 vCPUs each: 8 vCPUs.


@pytest.mark.parametrize(
    "cores, web_vcpus, policy, fires",
    [
        (2, 4, None, False),  # 8 / 2 = 4.0: at the default ceiling, not above it
        (2, 5, None, True),  # 9 / 2 = 4.5 > 4.0
        (3, 4, None, False),  # 8 / 3 = 2.67
        (1, 4, None, True),  # 8 / 1 = 8
        (2, 6, 5.0, False),  # 10 / 2 = 5.0: at the policy's ceiling
        (2, 7, 5.0, True),  # 11 / 2 = 5.5 > 5.0
        (2, 5, 5.0, False),  # 9 / 2 = 4.5: above the default, below the policy's ceiling
        (4, 4, 1.0, True),  # 8 / 4 = 2.0 > 1.0 (no overcommit allowed)
        (8, 4, 1.0, False),  # 8 / 8 = 1.0
    ],
)
def test_cpu_overcommit_fires_only_above_the_ceiling(cores, web_vcpus, policy, fires):
    doc = clean_document()
    host(doc, "esx-dmz")["cpu_cores"] = cores
    vm(doc, "vm-web")["vcpus"] = web_vcpus
    if policy is not None:
        doc["policy"]["max_cpu_overcommit"] = policy
    assert objects_of(doc, "HOST-CPU-OVERCOMMIT") == ([[("host", "esx-dmz")]] if fires else [])


def test_cpu_overcommit_evidence_states_the_ratio_and_the_ceiling():
    doc = clean_document()
    host(doc, "esx-dmz")["cpu_cores"] = 2
    vm(doc, "vm-web")["vcpus"] = 5
    f = only(doc, "HOST-CPU-OVERCOMMIT")
    assert f.evidence == {"vcpus": 9, "cpu_cores": 2, "ratio": 4.5, "ceiling": 4.0}


# ---------------------------------------------------------- memory overcommit (default ceiling 1.0)
# esx-dmz carries 2 x 16 GiB = 32 GiB.


@pytest.mark.parametrize(
    "memory, policy, fires",
    [
        (32, None, False),  # 32 / 32 = 1.0
        (31.9, None, True),  # 32 / 31.9 > 1.0
        (0, None, True),  # no memory at all, 32 GiB placed
        (21.4, 1.5, False),  # 32 / 21.4 = 1.495
        (21.3, 1.5, True),  # 32 / 21.3 = 1.502 > 1.5
    ],
)
def test_memory_overcommit_fires_only_above_the_ceiling(memory, policy, fires):
    doc = clean_document()
    host(doc, "esx-dmz")["memory_gib"] = memory
    if policy is not None:
        doc["policy"]["max_memory_overcommit"] = policy
    assert objects_of(doc, "HOST-MEMORY-OVERCOMMIT") == ([[("host", "esx-dmz")]] if fires else [])


def test_a_host_with_no_memory_and_no_vms_overcommits_nothing():
    """0 GiB and nothing placed: 0 of 0 is not above any ceiling (and no division by zero)."""
    doc = clean_document()
    spare = {**host(doc, "esx-res"), "id": "esx-spare", "memory_gib": 0, "cpu_cores": 1, "dedicated_zone": None}
    doc["hosts"].append(spare)
    assert findings_of(doc) == []


def test_a_host_with_no_memory_is_exceeded_by_any_placed_vm():
    doc = clean_document()
    host(doc, "esx-res")["memory_gib"] = 0
    f = only(doc, "HOST-MEMORY-OVERCOMMIT")
    assert f.evidence == {"memory_gib_placed": 16, "memory_gib": 0, "ratio": None, "ceiling": 1.0}


@pytest.mark.parametrize(
    "placed, fires",
    [
        (0.5, True),  # sizes are numbers >= 0 (inventory-v1.md): half a GiB on 0 GiB exceeds every ceiling
        (1, True),
        (0, False),  # a VM declaring no memory on a host declaring none: 0 of 0, nothing exceeded
    ],
)
def test_on_a_host_with_no_memory_any_placed_memory_at_all_is_too_much(placed, fires):
    doc = clean_document()
    host(doc, "esx-res")["memory_gib"] = 0
    vm(doc, "vm-db")["memory_gib"] = placed
    assert objects_of(doc, "HOST-MEMORY-OVERCOMMIT") == ([[("host", "esx-res")]] if fires else [])


def test_memory_overcommit_evidence_states_the_ratio_to_two_decimals():
    doc = clean_document()
    doc["policy"]["max_memory_overcommit"] = 1.5
    host(doc, "esx-dmz")["memory_gib"] = 21.3  # 32 GiB placed: 32 / 21.3 = 1.50234...
    f = only(doc, "HOST-MEMORY-OVERCOMMIT")
    assert f.evidence == {"memory_gib_placed": 32, "memory_gib": 21.3, "ratio": 1.5, "ceiling": 1.5}


# ---------------------------------------------------------- vCPUs of one VM against its host cores


@pytest.mark.parametrize("vcpus, fires", [(32, False), (33, True)])
def test_a_vm_exceeds_its_host_only_with_more_vcpus_than_cores(vcpus, fires):
    doc = clean_document()
    vm(doc, "vm-app")["vcpus"] = vcpus
    assert objects_of(doc, "VM-VCPU-EXCEEDS-CORES") == ([[("vm", "vm-app")]] if fires else [])


# ---------------------------------------------------------- the trust-gap factor: 2 or more
# DATASTORE-MULTI-ZONE (base likelihood low, factor trust_gap): vm-app's second disk on another
# zone's datastore. Its zones decide the gap.


def _datastore_mix(zone_of_app: str, trust: int):
    doc = clean_document()
    find(doc, "zones", zone_of_app)["trust_level"] = trust
    vm(doc, "vm-app")["disks"].append({"datastore": "ds-dmz"})  # ds-dmz holds dmz (trust 1) VMs
    return only(doc, "DATASTORE-MULTI-ZONE")


@pytest.mark.parametrize(
    "trust, likelihood, factor",
    [
        (2, "low", None),  # dmz 1, internal 2: gap 1, no factor
        (0, "low", None),  # internal 0 below dmz 1: gap 1 the other way
        (3, "moderate", "trust gap of 2 between zone dmz (trust 1) and zone internal (trust 3): likelihood +1"),
        (4, "moderate", "trust gap of 3 between zone dmz (trust 1) and zone internal (trust 4): likelihood +1"),
    ],
)
def test_trust_gap_raises_likelihood_from_two_levels_apart(trust, likelihood, factor):
    f = _datastore_mix("internal", trust)
    assert f.likelihood == likelihood
    gap_factors = [x for x in f.factors if x.startswith("trust gap")]
    assert gap_factors == ([factor] if factor else [])


def test_trust_gap_names_the_least_and_most_trusted_zones_whatever_their_order():
    doc = clean_document()
    find(doc, "zones", "internal")["trust_level"] = 4
    find(doc, "zones", "dmz")["trust_level"] = 0
    vm(doc, "vm-app")["disks"].append({"datastore": "ds-dmz"})
    assert [x for x in only(doc, "DATASTORE-MULTI-ZONE").factors if x.startswith("trust gap")] == [
        "trust gap of 4 between zone dmz (trust 0) and zone internal (trust 4): likelihood +1"
    ]


@pytest.mark.parametrize(
    "dedicated, trust",
    [
        ("restricted", 3),  # dmz 1 to restricted 3: a gap of 2
        ("internal", 2),  # dmz 1 to internal 2: a gap of 1, no factor
    ],
)
def test_a_hosts_dedicated_zone_is_one_of_the_zones_whose_trust_gap_counts(dedicated, trust):
    """ZONE-MIX-HOST (base moderate; factors internet exposure, then trust gap): esx-dmz, dedicated
    to another zone, carries only dmz VMs. The zones involved are the VMs' and the host's own."""
    doc = clean_document()
    host(doc, "esx-dmz")["dedicated_zone"] = dedicated
    f = only(doc, "ZONE-MIX-HOST")
    assert f.evidence == {
        "zones": ["dmz"],
        "dedicated_zone": dedicated,
        "vms_by_zone": {"dmz": ["vm-web", "vm-web2"]},
        "vms_outside_dedicated_zone": ["vm-web", "vm-web2"],
    }
    # Impact: confidentiality of vm-web (moderate) and vm-web2 (low): moderate; one high VM in the
    # estate (vm-db), so not very high. Likelihood: moderate, +1 for vm-web (internet-facing), +1
    # for a gap of 2 or more. Table I-2: very-high x moderate = moderate, high x moderate = moderate.
    impact = "impact moderate: FIPS 199 high-water mark of confidentiality over the 2 VMs at risk (vm-web is moderate)"
    exposure = "internet-facing VM vm-web on the host: likelihood +1"
    if trust - 1 >= 2:
        gap = f"trust gap of 2 between zone dmz (trust 1) and zone {dedicated} (trust {trust}): likelihood +1"
        assert score_of(f) == ("very-high", "moderate", "moderate", [impact, exposure, gap])
    else:
        assert score_of(f) == ("high", "moderate", "moderate", [impact, exposure])


# ---------------------------------------------------------- zone mixing: forbid, or adjacent (more than 1 apart)


@pytest.mark.parametrize(
    "policy, other, fires",
    [
        ("forbid", "internal", True),  # any two zones conflict under forbid
        ("adjacent", "internal", False),  # dmz 1, internal 2: differ by 1
        ("adjacent", "restricted", True),  # dmz 1, restricted 3: differ by 2
    ],
)
def test_datastore_zone_conflict_follows_the_policy(policy, other, fires):
    doc = clean_document()
    doc["policy"]["zone_mixing"] = policy
    moved = "vm-app" if other == "internal" else "vm-db"
    vm(doc, moved)["disks"].append({"datastore": "ds-dmz"})
    assert objects_of(doc, "DATASTORE-MULTI-ZONE") == ([[("datastore", "ds-dmz")]] if fires else [])


# ---------------------------------------------------------- hypervisor patch age (90 days) and versions


@pytest.mark.parametrize(
    "patched_on, fires",
    [
        ("2026-08-02", True),  # as_of 2026-11-01 - 90 days = 2026-08-03: one day older
        ("2026-08-03", False),  # exactly 90 days
        ("2026-11-01", False),
    ],
)
def test_patch_age_fires_only_beyond_the_maximum_age(patched_on, fires):
    doc = clean_document()
    host(doc, "esx-int")["hypervisor"]["patched_on"] = patched_on
    assert objects_of(doc, "HYPERVISOR-OUTDATED") == ([[("host", "esx-int")]] if fires else [])


def test_patch_age_follows_the_policy():
    doc = clean_document()
    doc["policy"]["patch_max_age_days"] = 30
    for hid in ("esx-dmz", "esx-res"):
        host(doc, hid)["hypervisor"]["patched_on"] = "2026-10-02"  # 30 days before as_of
    host(doc, "esx-int")["hypervisor"]["patched_on"] = "2026-10-01"  # 31 days
    assert objects_of(doc, "HYPERVISOR-OUTDATED") == [[("host", "esx-int")]]


@pytest.mark.parametrize(
    "version, minimum, fires",
    [
        ("8.0.2", "8.0.2.0", False),  # trailing zeros do not count: equal versions
        ("8.0.2.0", "8.0.2", False),
        ("8.0", "8.0.0", False),
        ("8", "8.0.0.0", False),
        ("8.0.1.9", "8.0.2", True),
        ("8.0.9", "8.0.10", True),  # numerically part by part, not as text
        ("8.0.10", "8.0.9", False),
        ("8.0.2.1", "8.0.2", False),
        ("7.9.99", "8", True),
    ],
)
def test_versions_compare_numerically_part_by_part(version, minimum, fires):
    doc = clean_document()
    doc["policy"]["min_hypervisor_versions"] = {"esxi": minimum}
    for hid in ("esx-dmz", "esx-res"):
        host(doc, hid)["hypervisor"]["version"] = "9.0"
    host(doc, "esx-int")["hypervisor"]["version"] = version
    assert objects_of(doc, "HYPERVISOR-OUTDATED") == ([[("host", "esx-int")]] if fires else [])


def test_a_minimum_for_another_product_does_not_apply():
    doc = clean_document()
    doc["policy"]["min_hypervisor_versions"] = {"kvm": "99"}
    assert objects_of(doc, "HYPERVISOR-OUTDATED") == []


def test_an_outdated_hypervisor_lists_both_reasons_with_one_score():
    doc = clean_document()
    hv = host(doc, "esx-int")["hypervisor"]
    hv.update(patched_on="2026-08-02", version="8.0.1")
    f = only(doc, "HYPERVISOR-OUTDATED")
    assert f.evidence["reasons"] == ["patch-age", "version"] and f.evidence["age_days"] == 91
    # base moderate, vm-app not internet-facing; all objectives of vm-app: moderate -> moderate risk.
    assert score_of(f)[:3] == ("moderate", "moderate", "moderate")
