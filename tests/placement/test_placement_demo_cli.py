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
    counted = placement_advice(e, analyze(e))
    before, after = counted["findings_before"]["by_rule"], counted["findings_after"]["by_rule"]
    assert counted["moves"] == r.moves
    assert broken_constraints(e, r.placement) == []
    assert r.unplaced == [] and len(r.placement) == len(e.vms)
    # The two VMs without a host get one.
    assert r.placement["vm-kiosk-01"] in ("esx-dmz-01", "esx-dmz-02") and "vm-reporting" in r.placement
    assert r.placement["vm-fw-core"] == r.placement["vm-vcenter"] == "esx-prod-01"  # pinned
    assert after.get("ANTI-AFFINITY-VIOLATION", 0) == 0
    assert after.get("HOST-CPU-OVERCOMMIT", 0) == after.get("HOST-MEMORY-OVERCOMMIT", 0) == 0
    # ZONE-MIX-HOST cannot reach 0 here: the four restricted db VMs (one anti-affinity
    # group) need four hosts outside the two dmz-dedicated ones and esx-prod-01 (pinned
    # mgmt VMs), which leaves no host for the internal VMs (and the third web VM has
    # no dmz host left). One mixed host is the minimum, and the advisor reaches it.
    assert before["ZONE-MIX-HOST"] > 1 and after["ZONE-MIX-HOST"] == 1
    (c,) = r.conflicts
    assert c["host"] == "esx-prod-01" and "anti-affinity group web already on every conflict-free host" in c["reason"]
    # With every non-dmz host holding a high-impact VM, vm-web-03 cannot avoid one.
    assert after.get("EXPOSED-CORESIDENCY", 0) <= before.get("EXPOSED-CORESIDENCY", 0)


def test_demo_zone_conflict_gone_when_room_allows():
    # The demo's zones and groups on enough hosts: no conflict, no co-residency left.
    doc = json.loads(DEMO.read_text(encoding="utf-8"))
    doc["hosts"] += [dict(doc["hosts"][2], id=f"esx-spare-{i}", name=None) for i in range(4)]
    e = load_estate(doc)
    r = advise(e)
    after = placement_advice(e, analyze(e))["findings_after"]["by_rule"]
    assert r.conflicts == [] and r.unplaced == []
    for rule in ("ZONE-MIX-HOST", "EXPOSED-CORESIDENCY", "ANTI-AFFINITY-VIOLATION"):
        assert after.get(rule, 0) == 0, rule


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
    assert out["placement"] == {"a1": "h1", "b1": "h2", "n": "h1"}
    assert out["moves"] == [
        {"vm": "b1", "from": "h1", "to": "h2", "reason": "zone b conflicts with zone a on h1"},
        {"vm": "n", "from": None, "to": "h1", "reason": "not placed yet"},
    ]
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
