"""``virtplan evidence`` and ``virtplan report --evidence``, run as a script would run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "hardening"
ROOT = Path(__file__).resolve().parents[2]


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "planner", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def _estate(tmp_path) -> Path:
    doc = {
        "schema": "virtplan.inventory/v1",
        "as_of": "2026-11-01",
        "hosts": [
            {"id": h, "cpu_cores": 8, "memory_gib": 64, "hypervisor": {"product": "esxi", "type": 1}}
            for h in ("esx-dmz", "esx-int", "esx-res")
        ],
    }
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_check_says_what_each_file_holds_or_lists_every_problem(tmp_path):
    ok = run("evidence", "check", str(DATA / "synthetic-scg.csv"), str(DATA / "host-esx-int.ckl"))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == [
        f"{DATA / 'synthetic-scg.csv'}: baseline synthetic-scg.csv (VMware SCG format), 5 controls",
        f"{DATA / 'host-esx-int.ckl'}: checklist of esx-int: 4 results (Synthetic Hypervisor STIG)",
    ]
    bad = tmp_path / "bad.cklb"
    bad.write_text('{"stigs": [{"rules": [{"rule_version": "X-1", "status": "done"}]}]}', encoding="utf-8")
    refused = run("evidence", "check", str(bad))
    assert refused.returncode == 2
    assert "target_data.host_name: the checklist names no host" in refused.stderr
    assert "stigs[0].rules[0].status: expected one of not_a_finding" in refused.stderr


def test_a_report_from_files_has_the_hosts_hardening(tmp_path):
    estate = _estate(tmp_path)
    out = tmp_path / "plan.json"
    made = run(
        "report",
        str(estate),
        "--evidence",
        str(DATA / "synthetic-scg.csv"),
        "--evidence",
        str(DATA / "host-esx-int.ckl"),
        "-o",
        str(out),
        "--no-placement",
    )
    assert made.returncode == 0, made.stderr
    hardening = json.loads(out.read_text(encoding="utf-8"))["hardening"]
    hosts = {h["host"]: h for h in hardening["hosts"]}
    assert hosts["esx-int"]["counts"] == {"failed": 1, "unchecked": 2, "passed": 1, "not-applicable": 1}
    assert hosts["esx-dmz"]["counts"] == {"failed": 0, "unchecked": 4, "passed": 0, "not-applicable": 0}
    bad = tmp_path / "x.ckl"
    bad.write_text("<CHECKLIST>", encoding="utf-8")
    refused = run("report", str(estate), "--evidence", str(bad), "-o", str(tmp_path / "p.json"))
    assert refused.returncode == 2 and "not well-formed XML" in refused.stderr


def test_attach_list_and_detach_on_a_stored_plan(database_url, tmp_path, tenant, plan_id):
    """In process (click's runner) against the test database, acting as the plan's organization."""
    from click.testing import CliRunner

    from planner.cli import main

    runner = CliRunner()
    env = {"VIRTPLAN_DATABASE_URL": database_url, "VIRTPLAN_INSTANCE_PATH": str(tmp_path)}

    def cli(*args):
        return runner.invoke(main, list(args), env=env)

    plan = str(plan_id)
    bad = tmp_path / "bad.ckl"
    bad.write_text("<CHECKLIST>", encoding="utf-8")
    refused = cli("evidence", "attach", "--plan", plan, str(DATA / "synthetic-scg.csv"), str(bad))
    assert refused.exit_code == 2 and "not well-formed XML" in refused.stderr
    assert cli("evidence", "list", "--plan", plan).stdout == ""  # all or none
    attached = cli("evidence", "attach", "--plan", plan, str(DATA / "synthetic-scg.csv"))
    assert attached.exit_code == 0, attached.output
    (line,) = attached.stdout.splitlines()
    evidence_id = line.split("evidence ", 1)[1].split(" ", 1)[0]
    assert line.endswith("(baseline, vmware-scg-csv)")
    again = cli("evidence", "attach", "--plan", plan, str(DATA / "synthetic-scg.csv"))
    assert again.stdout.rstrip().endswith("already attached")
    listed = cli("evidence", "list", "--plan", plan).stdout.splitlines()
    assert [row.split("\t")[:4] for row in listed] == [[evidence_id, "baseline", "vmware-scg-csv", "synthetic-scg.csv"]]
    assert cli("evidence", "detach", "--plan", plan, evidence_id).exit_code == 0
    assert cli("evidence", "list", "--plan", plan).stdout == ""
    unknown = cli("evidence", "list", "--plan", "999999")
    assert unknown.exit_code == 2 and "no plan 999999" in unknown.stderr
