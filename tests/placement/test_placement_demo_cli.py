"""The advisor on the demo estate, and ``virtplan place`` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from placement_estates import broken_constraints, document, host, vm

from planner.cli import main
from planner.core.analysis import analyze
from planner.core.assessment import placement_advice
from planner.core.inventory import load_estate, read_document
from planner.core.placement import advise

DEMO = Path(__file__).resolve().parents[2] / "planner" / "demo" / "estate.json"


def test_demo_estate_placement():
    e = load_estate(read_document(DEMO))
    r = advise(e)
    before, after = r.findings_before["by_rule"], r.findings_after["by_rule"]
    # The plan's one call of the advisor gives the same advice, counted by the plan's assessment.
    counted = placement_advice(e, analyze(e))
    assert counted["moves"] == r.to_dict()["moves"] and counted["findings_after"] == r.findings_after
    assert broken_constraints(e, r.placement) == []
    assert r.unplaced == [] and len(r.placement) == len(e.vms)
    # Nothing onto the hosted lab workstation, nothing across clusters.
    assert all(m["to"] != "lab-ws-01" for m in r.moves)
    for m in r.moves:
        if m["from"] is not None:
            assert e.hosts[m["from"]].cluster == e.hosts[m["to"]].cluster, m
    # The two VMs without a host get one; pinned VMs stay.
    assert r.placement["vm-kiosk-01"] in ("esx-dmz-01", "esx-dmz-02") and "vm-reporting" in r.placement
    assert r.placement["vm-fw-core"] == r.placement["vm-vcenter"] == "esx-prod-01"
    # The advice an architect would follow: three strays go home, the payment replicas split.
    assert {m["vm"]: m["from"] for m in r.moves if m["from"]} == {
        "vm-app-04": "esx-prod-05",
        "vm-hr-db": "esx-prod-03",
        "vm-pay-01": "esx-prod-04",
    }
    assert after.get("ANTI-AFFINITY-VIOLATION", 0) == 0 and before["ANTI-AFFINITY-VIOLATION"] == 1
    # ZONE-MIX-HOST 3 -> 1: the DMZ web server (anti-affinity group web, both DMZ hosts taken, and moves stay
    # in its cluster) has no host of its zone in the production cluster; proven optimal.
    assert before["ZONE-MIX-HOST"] == 3 and after["ZONE-MIX-HOST"] == 1
    (c,) = r.conflicts
    assert c["host"] == "esx-prod-02" and c["vms"] == ["vm-web-03"]
    prod = next(d for d in r.domains if d.clusters == ["cl-prod"])
    assert prod.optimal and prod.result.conflicting_hosts == 1 and prod.result.moves == 3
    assert r.hosts_by_zone["mgmt"] == ["esx-prod-01"]
    assert r.hosts_by_zone["restricted"] == ["esx-prod-04", "esx-prod-05", "esx-prod-06"]
    assert sum(r.findings_after["by_risk"].values()) < sum(r.findings_before["by_risk"].values())
    assert r.findings_after["by_risk"]["high"] <= r.findings_before["by_risk"]["high"]
    removed = {(f["rule"], f["objects"][0]["id"]) for f in r.findings_removed}
    assert {("ZONE-MIX-HOST", "esx-prod-03"), ("ZONE-MIX-HOST", "esx-prod-05")} <= removed
    assert ("ANTI-AFFINITY-VIOLATION", "esx-prod-04") in removed and r.findings_added == []


def test_demo_zone_conflict_gone_when_the_web_server_may_leave_its_cluster():
    doc = json.loads(DEMO.read_text(encoding="utf-8"))
    doc["policy"]["placement_scope"] = "estate"
    doc["hosts"].append(dict(doc["hosts"][0], id="esx-dmz-03", name=None))
    doc["datastores"][0]["hosts"].append("esx-dmz-03")
    next(d for d in doc["datastores"] if d["id"] == "ds-nfs-shared")["hosts"].append("esx-dmz-03")
    r = advise(load_estate(doc))
    assert r.conflicts == [] and r.unplaced == [] and r.placement["vm-web-03"] == "esx-dmz-03"
    assert r.findings_after["by_rule"].get("ZONE-MIX-HOST", 0) == 0


def _write(tmp_path, doc) -> str:
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_place_json_is_the_contract(tmp_path):
    doc = document([host("h1"), host("h2")], [vm("a1", "h1"), vm("b1", "h1", zone="b"), vm("n", None)])
    r = CliRunner().invoke(main, ["place", _write(tmp_path, doc), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert {"placement", "unplaced", "moves", "findings_before", "findings_after"} <= set(out)
    assert out["placement"]["a1"] != out["placement"]["b1"] and out["placement"]["n"] == out["placement"]["a1"]
    ((stray, move),) = [(m["vm"], m) for m in out["moves"] if m["from"] is not None]
    assert move["from"] == "h1" and move["resolves"] == {"rule": "ZONE-MIX-HOST", "host": "h1"}
    assert move["reason"].startswith(f"zone {'b' if stray == 'b1' else 'a'} conflicts with zone")
    assert [m for m in out["moves"] if m["from"] is None] == [
        {
            "vm": "n",
            "from": None,
            "to": out["placement"]["n"],
            "cluster": None,
            "reason": "not placed yet",
            "resolves": None,
        }
    ]
    assert out["domains"][0]["status"] == "optimal"
    assert out["findings_before"]["by_rule"]["ZONE-MIX-HOST"] == 1
    assert "ZONE-MIX-HOST" not in out["findings_after"]["by_rule"]
    assert out["unplaced"] == [] and out["conflicts"] == []


def test_place_table_is_readable(tmp_path):
    doc = document([host("h1", memory=8)], [vm("a1", "h1"), vm("big", None, memory=64)])
    r = CliRunner().invoke(main, ["place", _write(tmp_path, doc)])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("1 VM placed, 0 moves, 1 unplaced")
    assert "UNPLACED" in r.output and "big" in r.output and "FINDINGS" in r.output


def test_place_invalid_input_exits_2(tmp_path):
    doc = document([host("h1")], [vm("a1", "nowhere")])
    r = CliRunner().invoke(main, ["place", _write(tmp_path, doc), "--format", "json"])
    assert r.exit_code == 2 and "vms[0].host" in r.stderr and r.stdout == ""


def test_place_writes_the_advised_inventory(tmp_path):
    doc = document([host("h1"), host("h2")], [vm("a1", "h1"), vm("b1", "h1", zone="b"), vm("n", None)])
    out = tmp_path / "advised.json"
    r = CliRunner().invoke(main, ["place", _write(tmp_path, doc), "--write-inventory", str(out), "--format", "json"])
    assert r.exit_code == 0, r.output
    advice = json.loads(r.stdout)
    written = json.loads(out.read_text(encoding="utf-8"))
    assert {v["id"]: v["host"] for v in written["vms"]} == advice["placement"]
    # The written inventory is the advice: advising it again moves nothing.
    again = CliRunner().invoke(main, ["place", str(out), "--format", "json", "--time-limit", "1"])
    assert json.loads(again.stdout)["moves"] == []


def test_place_table_shows_domains_and_what_the_advice_buys(tmp_path):
    r = CliRunner().invoke(main, ["place", str(DEMO), "--time-limit", "2"])
    assert r.exit_code == 0, r.output
    assert "MIGRATION DOMAINS" in r.output and "cl-prod" in r.output and "optimal" in r.output
    assert "FINDINGS THAT DISAPPEAR" in r.output and "ANTI-AFFINITY-VIOLATION  low" in r.output
