"""Per host, which baseline controls passed, failed or are unchecked (planner.core.hardening)."""

from __future__ import annotations

from pathlib import Path

from planner.core.hardening import hardening_status
from planner.core.inventory import load_estate
from planner.evidence import read_evidence

DATA = Path(__file__).resolve().parents[1] / "data" / "hardening"


def _host(hid, product="esxi", name=None):
    return {
        "id": hid,
        "name": name,
        "cpu_cores": 8,
        "memory_gib": 64,
        "hypervisor": {"product": product, "type": 1},
    }


ESTATE = load_estate(
    {
        "schema": "virtplan.inventory/v1",
        "hosts": [
            _host("esx-dmz"),
            _host("esx-int"),
            _host("esx-res", name="esx-res.example.net"),
            _host("kvm-1", "kvm"),
        ],
    }
)


def _evidence(name):
    return read_evidence(name, (DATA / name).read_bytes())


def test_each_host_lists_the_baseline_controls_for_its_hypervisor_with_their_status():
    baseline = _evidence("synthetic-scg.csv").baseline
    checklists = [
        (name, c)
        for name in ("host-esx-int.ckl", "host-esx-res.cklb", "host-esx-dmz-xccdf.xml")
        for c in _evidence(name).checklists
    ]
    result = hardening_status(ESTATE, [baseline], checklists)
    hosts = {h.host: h for h in result.hosts}
    status = {h: {(c.id, c.status) for c in hosts[h].controls} for h in hosts}
    # esx-int (CKL): shell open, logins passed, time half-checked (no result for 000004: unchecked),
    # the control without a STIG id unchecked,
    # and the banner rule (000009) no ESX control covers, not applicable
    assert status["esx-int"] == {
        ("host-1.shell-off", "failed"),
        ("host-1.direct-login", "passed"),
        ("host-1.time", "unchecked"),
        ("host-1.firmware", "unchecked"),
        ("XSTG-01-000009", "not-applicable"),
    }
    # esx-res (CKLB names it by FQDN, upper case): time fails on its second source
    assert status["esx-res"] == {
        ("host-1.shell-off", "passed"),
        ("host-1.direct-login", "unchecked"),
        ("host-1.time", "failed"),
        ("host-1.firmware", "unchecked"),
    }
    # esx-dmz (XCCDF): the unlisted rule is kept, by its XCCDF id
    assert ("host-1.direct-login", "failed") in status["esx-dmz"]
    assert ("xccdf_org.example_rule_unlisted", "unchecked") in status["esx-dmz"]
    # the management-server control is no host's; a KVM host gets no ESX control
    assert all(c.id != "manager-1.banner" for h in hosts.values() for c in h.controls)
    assert hosts["kvm-1"].controls == [] and hosts["kvm-1"].checklists == []
    time = next(c for c in hosts["esx-res"].controls if c.id == "host-1.time")
    assert time.sp800_53 == ("AU-8", "SC-45(1)") and time.source == baseline.name
    assert time.evidence == (
        "host-esx-res.cklb: XSTG-01-000003 passed",
        "host-esx-res.cklb: XSTG-01-000004 failed",
    )
    extra = next(c for c in hosts["esx-int"].controls if c.id == "XSTG-01-000009")
    assert extra.source == "Synthetic Hypervisor STIG" and extra.sp800_53 == ()
    assert hosts["esx-int"].counts == {"failed": 1, "unchecked": 2, "passed": 1, "not-applicable": 1}
    assert result.unmatched_targets == []


def test_without_checklists_every_control_is_unchecked_and_unknown_targets_are_named():
    baseline = _evidence("synthetic-scg.csv").baseline
    (stray,) = _evidence("host-esx-int.ckl").checklists
    stray = type(stray)("esx-gone", stray.benchmark, stray.results)
    result = hardening_status(ESTATE, [baseline], [("old.ckl", stray)])
    assert result.unmatched_targets == ["esx-gone"]
    assert {c.status for h in result.hosts for c in h.controls} == {"unchecked"}
    assert result.counts["unchecked"] == 3 * 4
    assert result.to_dict()["hosts"][0]["counts"] == {"failed": 0, "unchecked": 4, "passed": 0, "not-applicable": 0}
