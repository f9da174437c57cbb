"""RVTools exports: the real sample when present, synthetic exports in every
layout (xlsx and CSV, MiB and MB headers, tab subsets), and what each tab
carries."""

from __future__ import annotations

import pytest
from cmdb_exports import Estate, rvtools_csvs, rvtools_xlsx
from importer_data import mapping, workbook
from shared_files import shared_file

from planner.importers import SourceError, import_source
from planner.importers.assemble import FIELDS_TAG, SOURCE_TAG

#: The real export beside the repository (../shared), never copied into it.
SAMPLE = "samples/rvtools/SizingWorkshop-RVTools.xlsx"


@pytest.fixture(scope="module")
def estate() -> Estate:
    return Estate(300)


@pytest.fixture(scope="module")
def xlsx(estate) -> bytes:
    return rvtools_xlsx(estate)


@pytest.fixture(scope="module")
def imported(xlsx):
    return import_source("rvtools", [("export.xlsx", xlsx)], mapping())


def test_real_sample_export():
    """The sanitised real export: 805 VMs of which 10 templates, 4 clusters including DMZ,
    34 hosts in vHost while vInfo names 38 (their VMs stay unplaced, with a warning)."""
    path = shared_file(SAMPLE)
    result = import_source("rvtools", [(path.name, path.read_bytes())], mapping())
    doc = result.document
    assert len(doc["vms"]) == 795
    assert result.warnings.counts["template"] == 10
    assert sorted(c["name"] for c in doc["clusters"]) == ["Cluster1", "Cluster2", "DMZ", "Mgmt"]
    assert len(doc["hosts"]) == 34
    unplaced = [v for v in doc["vms"] if v["host"] is None]
    assert len(unplaced) == result.warnings.counts["host-not-found"] > 0
    missing = {w.message.split("host ")[1].split(",")[0] for w in result.warnings.items if w.kind == "host-not-found"}
    placed_on = {v["host"] for v in doc["vms"] if v["host"]}
    assert len(missing) + len(placed_on) == 38  # every host vInfo names is either found or named in a warning
    assert all("vInfo row" in w.where for w in result.warnings.items if w.kind in ("host-not-found", "template"))
    dmz = [v for v in doc["vms"] if v["zone"] == "dmz"]
    assert dmz and all(v["internet_facing"] for v in dmz)
    assert {h["dedicated_zone"] for h in doc["hosts"] if h["cluster"] == "DMZ"} == {"dmz"}
    assert result.warnings.counts["empty-rows"] == 1  # 2,698 blank rows, said once


def test_synthetic_export_maps_every_tab(imported, estate):
    doc = imported.document
    templates = sum(1 for i in range(estate.n_vms) if estate.vm(i)["template"])
    assert len(doc["vms"]) == estate.n_vms - templates
    assert imported.warnings.counts["template"] == templates
    vm = next(v for v in doc["vms"] if v["name"] == "vm-000000")
    assert vm["id"] == estate.vm(0)["uuid"]  # VM UUID is the stable key
    assert vm["host"] == "esx-00000.example.net" and vm["zone"] == "dmz"
    assert [n["network"] for n in vm["nics"]] == estate.vm(0)["networks"]
    assert [d["datastore"] for d in vm["disks"]] == estate.vm(0)["datastores"]
    assert vm["disks"][1]["size_gib"] == 80.0
    assert vm["devices"] == [{"kind": "optical", "connected": True, "in_use": False}]  # vCD
    host = doc["hosts"][0]
    assert host["cpu_cores"] == 64 and host["memory_gib"] == 1024.0
    assert host["hypervisor"] == {
        "product": "esxi",
        "type": 1,
        "version": "8.0.3",
        "patched_on": None,
        "end_of_support": None,  # inventory v1.1, not in the export
    }
    assert host["tags"]["rvtools.esxi_build"] == "24022510"
    assert host["management"]["network"] == "Management Network"  # vSC_VMK vmk0
    assert host["settings"]["time_sync"] is True
    assert doc["hosts"][9]["settings"]["time_sync"] is False  # no NTP server configured
    networks = {n["id"]: n for n in doc["networks"]}
    assert networks["Management Network"]["purpose"] == "management"
    assert networks["vMotion"]["purpose"] == "migration"
    assert networks["DMZ-Web-0000"]["vlan"] == 100 and networks["DMZ-Web-0000"]["zone"] == "dmz"
    ds = {d["id"]: d for d in doc["datastores"]}
    assert ds["ds-0000"]["kind"] == "nfs" and ds["ds-0001"]["kind"] == "vmfs"
    assert "esx-00000.example.net" in ds["ds-0000"]["hosts"]
    assert doc["source"] == {"system": "rvtools", "exported_at": "2026-11-20T08:30:00"}


def test_v11_facts_the_contract_lacks_are_counted_not_dropped_silently(imported):
    """Snapshots, firmware, port-group security policy and vMotion networks are read; a
    contract without those v1.1 fields gets a warning that counts what was left out."""
    from planner.importers.assemble import contract_fields

    notes = {w.where: w.message for w in imported.warnings.items if w.kind == "not-in-contract"}
    for collection, fname in (
        ("vms", "snapshots"),
        ("vms", "firmware"),
        ("networks", "security_policy"),
        ("hosts", "migration"),
    ):
        if fname in contract_fields(collection):
            assert any(fname in o for o in imported.document[collection] if o.get(fname))
        else:
            assert f"{collection}[].{fname}" in notes, notes


def test_csv_tabs_old_mb_headers_and_xlsx_give_one_document(estate, imported):
    from_csv = import_source("rvtools", rvtools_csvs(estate), mapping())
    old_headers = import_source("rvtools", [("old.xlsx", rvtools_xlsx(estate, mib_headers=False))], mapping())
    assert from_csv.document == imported.document
    assert old_headers.document == imported.document


def test_a_subset_of_tabs(estate):
    result = import_source("rvtools", [("min.xlsx", rvtools_xlsx(estate, tabs={"vInfo"}))], mapping())
    doc = result.document
    assert doc["vms"] and not doc["hosts"] and all(v["host"] is None for v in doc["vms"])
    assert doc["vms"][0]["nics"]  # from vInfo's Network #1..#8
    assert {"no-tab"} <= set(result.warnings.counts)


def test_provenance_tags(imported):
    vm = imported.document["vms"][0]
    assert vm["tags"][SOURCE_TAG] == "rvtools"
    assert set(vm["tags"][FIELDS_TAG].split(",")) >= {"vcpus", "memory_gib", "host", "nics", "name"}
    assert vm["tags"]["virtplan.import.decided.zone"] == '"dmz"'


def test_custom_attributes_are_matched_as_custom_fields():
    book = workbook(
        {
            "vInfo": [
                ["VM", "CPUs", "Memory", "Cluster", "Owner team"],
                ["pay-1", 2, 4096, "C1", "payments"],
                ["web-1", 2, 4096, "C1", "web"],
            ]
        }
    )
    rules = """
mapping: virtplan.mapping/v1
zones: [{id: pci, trust_level: 3}, {id: internal, trust_level: 2}]
vms:
  rules:
    - {match: {custom_field: {Owner team: payments}}, zone: pci, categorization: high}
    - {match: {name: "re:web-\\\\d+"}, zone: internal}
"""
    doc = import_source("rvtools", [("e.xlsx", book)], mapping(rules)).document
    zones = {v["name"]: v["zone"] for v in doc["vms"]}
    assert zones == {"pay-1": "pci", "web-1": "internal"}


def test_missing_columns_and_tabs_are_named():
    with pytest.raises(SourceError) as caught:
        import_source("rvtools", [("e.xlsx", workbook({"vInfo": [["VM", "Memory"], ["a", 1024]]}))], mapping())
    assert str(caught.value.problems[0]).startswith("e.xlsx sheet vInfo: missing column 'CPUs'")
    with pytest.raises(SourceError, match="no vInfo tab"):
        import_source("rvtools", [("e.xlsx", workbook({"vHost": [["Host", "# Cores", "# Memory"]]}))], mapping())
    with pytest.raises(SourceError, match="not an RVTools tab"):
        import_source("rvtools", [("notes.txt", b"hello")], mapping())


def test_bad_rows_are_skipped_with_their_row_and_unknown_hosts_unplaced():
    book = workbook(
        {
            "vInfo": [
                ["VM", "CPUs", "Memory", "Host", "Template"],
                ["ok", 2, 2048, "esx1", False],
                ["no-cpus", None, 2048, "esx1", False],
                ["elsewhere", 1, 1024, "esx9.corp", False],
                ["tmpl", 1, 1024, "esx1", True],
            ],
            "vHost": [["Host", "# Cores", "# Memory"], ["esx1.corp", 8, 65536]],
        }
    )
    result = import_source("rvtools", [("e.xlsx", book)], mapping())
    vms = {v["name"]: v for v in result.document["vms"]}
    assert set(vms) == {"ok", "elsewhere"}
    assert vms["ok"]["host"] == "esx1.corp"  # a short name finds the host's FQDN
    assert vms["elsewhere"]["host"] is None
    where = {w.kind: w for w in result.warnings.items}
    assert where["skipped-vm"].where == "e.xlsx sheet vInfo row 3" and "vcpus" in where["skipped-vm"].message
    assert where["host-not-found"].where == "e.xlsx sheet vInfo row 4"
    assert where["template"].where == "e.xlsx sheet vInfo row 5"


def test_the_demo_export_and_its_mapping():
    """planner/demo/rvtools/: what `make run` imports as its second plan, and the README's worked example."""
    from planner.demo import rvtools_export, rvtools_mapping
    from planner.importers import load_mapping
    from planner.importers.assemble import contract_fields

    result = import_source("rvtools", rvtools_export(), load_mapping("rvtools-mapping.yaml", rvtools_mapping()))
    doc = result.document
    assert result.unmatched == {}  # every VM and network is judged by a rule
    counts = {k: n for k, n in result.warnings.counts.items() if k != "not-in-contract"}  # v1.1 may be absent
    assert counts == {"guessed": 2, "host-not-found": 1, "template": 1}
    if "snapshots" in contract_fields("vms"):
        db = next(v for v in doc["vms"] if v["name"] == "quay-db-01")
        assert db["snapshots"] == [{"id": "before-upgrade", "created": "2026-06-02"}]
        pay = next(n for n in doc["networks"] if n["id"] == "Quay-Pay")
        assert pay["security_policy"] == {"promiscuous": True, "mac_changes": True, "forged_transmits": True}
    zones = {v["name"]: (v["zone"], v["categorization"]["confidentiality"]) for v in doc["vms"]}
    assert zones["quay-pay-01"] == ("restricted", "high") and zones["quay-web-01"] == ("dmz", "moderate")
    assert next(v for v in doc["vms"] if v["name"] == "quay-old-print")["host"] is None
