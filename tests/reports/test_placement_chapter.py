"""The security plan's placement chapter, read back from the PDF: what the
advice buys in risk terms (findings that disappear and appear, by rule and
object, with their register numbers), each move with its reason and the
finding it removes, per migration domain proven optimal or the best found with
what is proven, the hosts serving one zone — the same figures as
``virtplan place`` with the same answers, in words a consultant signs."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from click.testing import CliRunner
from plan_pdf import defects, pages_of, placement_counts, placement_sections, squash

import reports
from planner.cli import main
from planner.core.assessment import assess, assessment, kept_advice, placement_advice
from planner.core.inventory import load_estate
from planner.core.placement import SolverOptions
from planner.core.questionnaire import default_questionnaire, read_answers
from planner.demo import answers_path, estate_document
from reports.contents import build
from reports.html import render_html


def small_document() -> dict:
    """Two clusters with one answer each, proven by hand.

    Cluster A: a1 carries pinned web VM w1 and database VM d1 (a zone
    conflict); a2 is empty, with one uplink. The one best placement moves d1 to
    a2: ZONE-MIX-HOST on a1 disappears, HOST-SINGLE-UPLINK on a2 appears. VM
    ``big`` (no host, on a datastore of cluster A) is larger than any host at
    the ceilings. Cluster B: b1 is dedicated to zone web, and database VM x1 is
    pinned on it: the conflict stays, and x1 is a pinned VM breaking the rule.
    """
    return {
        "schema": "virtplan.inventory/v1",
        "as_of": "2026-11-01",
        "policy": {"zone_mixing": "forbid", "max_cpu_overcommit": 4.0, "max_memory_overcommit": 1.0},
        "zones": [
            {"id": "web", "name": "Web front end", "trust_level": 1},
            {"id": "db", "name": "Databases", "trust_level": 3},
        ],
        "clusters": [{"id": "cl-a", "name": "Cluster A"}, {"id": "cl-b"}],
        "hosts": [
            {"id": "a1", "cluster": "cl-a", "cpu_cores": 8, "memory_gib": 64, "uplinks": 2},
            {"id": "a2", "cluster": "cl-a", "cpu_cores": 8, "memory_gib": 64, "uplinks": 1},
            {"id": "b1", "cluster": "cl-b", "cpu_cores": 8, "memory_gib": 64, "uplinks": 2, "dedicated_zone": "web"},
        ],
        "datastores": [{"id": "ds-a", "kind": "vmfs", "hosts": ["a1", "a2"]}],
        "vms": [
            {"id": "w1", "host": "a1", "zone": "web", "vcpus": 2, "memory_gib": 8, "pinned": True},
            {"id": "d1", "host": "a1", "zone": "db", "vcpus": 2, "memory_gib": 8},
            {"id": "x1", "host": "b1", "zone": "db", "vcpus": 2, "memory_gib": 8, "pinned": True},
            {
                "id": "big",
                "host": None,
                "zone": "web",
                "vcpus": 64,
                "memory_gib": 512,
                "disks": [{"datastore": "ds-a", "size_gib": 10}],
            },
        ],
    }


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def register_ref(plan: reports.PlanReport, rule: str, host: str) -> str:
    (ref,) = [
        e.ref
        for e in build(plan).register
        if e.finding.rule == rule and [(o.kind, o.id) for o in e.finding.objects] == [("host", host)]
    ]
    return ref


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The small estate's plan and its PDF made by ``virtplan report``, and ``virtplan place``'s JSON."""
    folder = tmp_path_factory.mktemp("small")
    inventory, pdf = folder / "small.json", folder / "small.pdf"
    inventory.write_text(json.dumps(small_document()), encoding="utf-8")
    cli("report", str(inventory), "--name", "Small estate", "--organization", "Test Org", "-o", str(pdf))
    plan = reports.PlanReport("Small estate", "Test Org", assessment(load_estate(small_document())))
    return plan, pages_of(pdf.read_bytes()), json.loads(cli("place", str(inventory), "--format", "json"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo plan with its answers: ``virtplan report``'s PDF and ``virtplan place``'s JSON."""
    folder = tmp_path_factory.mktemp("demo")
    inventory, pdf = folder / "estate.json", folder / "plan.pdf"
    inventory.write_text(json.dumps(estate_document()), encoding="utf-8")
    answers = str(answers_path())
    cli("report", str(inventory), "--answers", answers, "-o", str(pdf))
    advice = json.loads(cli("place", str(inventory), "--answers", answers, "--format", "json"))
    return pages_of(pdf.read_bytes()), advice


def test_small_estate_says_what_the_advice_buys(small):
    plan, pages, _advice = small
    part = {k: squash(v) for k, v in placement_sections(pages).items()}
    mixed = register_ref(plan, "ZONE-MIX-HOST", "a1")
    assert (
        squash(
            "The advice moves 1 VM to another host; this removes 1 finding (1 moderate-risk) and adds 1 finding "
            "(1 low-risk)."
        )
        in part["What the advice buys"]
    )
    assert squash("Still mixing zones: 1 host") in part["What the advice buys"]
    assert squash("Without a host under the hard constraints: 1 VM") in part["What the advice buys"]
    assert squash("The result is proven optimal in each of the 2 migration domains") in part["What the advice buys"]
    assert part["Findings that disappear"] == squash(
        "Finding Risk Where Register "
        f"VMs of conflicting trust zones share a host ZONE-MIX-HOST Moderate host a1 {mixed}"
    )
    assert squash("HOST-SINGLE-UPLINK Low host a2 new finding") in part["Findings that appear"]
    domains = part["Proven optimal or best found, per migration domain"]
    assert re.fullmatch(r".*ClusterAcl-a23Provenoptimal.*?101cl-b11Provenoptimal.*?010", domains), domains
    assert (
        squash(f"d1 a1 a2 zone db conflicts with zone web kept on a1 {mixed} ZONE-MIX-HOST on host a1")
        in part["Each move and its reason"]
    )
    serving = part["Hosts serving one zone after the moves"]
    assert squash("Web front end web 1 a1") in serving and squash("Databases db 2 a2, b1") in serving
    assert "(dedicated)" not in serving  # b1 is dedicated to web, but serves db: pinned x1
    assert squash("big needs 64 vCPUs and 512 GiB") in part["VMs that cannot be placed"]
    assert squash("b1 db x1 (zone db) is pinned") in part["Hosts still mixing zones"]
    assert squash("b1 x1 b1 is dedicated to zone web") in part["Pinned VMs breaking a hard constraint"]
    assert defects(pages) == []


def test_small_estate_chapter_has_the_figures_of_virtplan_place(small):
    _plan, pages, advice = small
    assert placement_counts(pages) == {
        level: (advice["findings_before"]["by_risk"][level], advice["findings_after"]["by_risk"][level])
        for level in advice["findings_before"]["by_risk"]
    }
    assert [m["vm"] for m in advice["moves"]] == ["d1"] and [u["vm"] for u in advice["unplaced"]] == ["big"]
    assert [d["status"] for d in advice["domains"]] == ["optimal", "optimal"]


def domain_rows(advice: dict) -> str:
    """A pattern of the domains' rows, as the chapter prints each: hosts, VMs, status, then its three figures."""
    rows = []
    for d in advice["domains"]:
        figures = "".join(str(d["result"][k]) for k in ("unplaced", "conflicting_hosts", "moves"))
        status = "Provenoptimal" if d["status"] == "optimal" else "Bestfound"
        rows.append(f"{re.escape(d['clusters'][0])}.*?{d['hosts']}{d['vms']}{status}.*?{figures}")
    return ".*?".join(rows)


def test_demo_chapter_has_the_figures_of_virtplan_place_with_the_answers(demo):
    pages, advice = demo
    part = {k: squash(v) for k, v in placement_sections(pages).items()}
    assert placement_counts(pages) == {
        level: (advice["findings_before"]["by_risk"][level], advice["findings_after"]["by_risk"][level])
        for level in advice["findings_before"]["by_risk"]
    }
    moved = sum(1 for m in advice["moves"] if m["from"])
    placed = len(advice["moves"]) - moved
    removed = advice["findings_removed"]
    assert (
        squash(
            f"The advice moves {moved} VMs to another host and places {placed} VMs that have no host yet; "
            f"this removes {len(removed)} findings"
        )
        in part["What the advice buys"]
    )
    for f in removed:
        assert squash(f["rule"]) in part["Findings that disappear"]
        for o in f["objects"]:
            assert squash(f"{o['kind']} {o['id']}") in part["Findings that disappear"]
    assert (
        part["Findings that appear"] == squash("No finding appears with the advice.") and not advice["findings_added"]
    )
    assert re.search(domain_rows(advice), part["Proven optimal or best found, per migration domain"])
    at = 0
    for m in advice["moves"]:  # in the advice's order, each with its reason
        reason = "the VM has no host yet" if m["reason"] == "not placed yet" else m["reason"]
        row = squash(f"{m['vm']} {m['from'] or 'no host yet'} {m['to']} {reason}")
        at = part["Each move and its reason"].index(row, at) + len(row)
        if m["resolves"]:
            assert part["Each move and its reason"][at:].startswith("R-"), m
    for zone, hosts in advice["hosts_by_zone"].items():
        assert re.search(
            f"{re.escape(zone)}{len(hosts)}" + ".*?".join(hosts), part["Hosts serving one zone after the moves"]
        )
    assert "lab-ws-01" not in part["Each move and its reason"]  # never onto the hosted lab workstation
    assert defects(pages, set(default_questionnaire().questions)) == []


def test_best_found_domains_say_what_is_proven():
    estate = load_estate(estate_document())
    answers = read_answers(str(answers_path()))
    before = assess(estate, answers)
    heuristic = kept_advice(placement_advice(estate, before, answers, options=SolverOptions(time_limit=0)))
    assessed = dataclasses.replace(assessment(estate, answers, placement=False), placement=heuristic)
    html = render_html(build(reports.PlanReport("Demo", "Harbor", assessed)), "screen")
    text = squash(re.sub(r"<[^>]+>", " ", html.split('id="placement-domains"', 1)[1].split("</table>", 1)[0]))
    assert "Provenoptimal" not in text and text.count("Bestfound") == len(heuristic["domains"])
    assert squash("heuristic: exact solver not asked for (time limit 0)") in text
    prod = next(d for d in heuristic["domains"] if d["clusters"] == ["cl-prod"])
    assert prod["result"]["conflicting_hosts"] == 1 and not prod["bound"]["conflicting_hosts"]
    assert squash("1 not proven the minimum") in text  # the conflicting host: its bound is 0
    assert "In every migration domain the result is the best found" in html
