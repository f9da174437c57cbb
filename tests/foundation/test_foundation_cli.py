"""The ``virtplan`` command line, run as a script would run it: a real
process, a real database, output parsed back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

VIRTPLAN = [sys.executable, "-m", "planner"]


def run(*args, env=None, input=None):
    return subprocess.run(
        [*VIRTPLAN, *args], capture_output=True, text=True, input=input, env={**os.environ, **(env or {})}, timeout=120
    )


def test_inventory_validate_summarises_a_valid_file(tmp_path, demo_doc):
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(demo_doc))
    result = run("inventory", "validate", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"{path}: valid virtplan.inventory/v1 (6 zones, 3 clusters, 9 hosts, "
        f"10 networks, 4 appliances, 4 datastores, 34 vms)"
    )


def test_inventory_validate_lists_problems_and_exits_2(tmp_path, demo_doc):
    demo_doc["vms"][2]["host"] = "esx-gone"
    demo_doc["zones"][0]["trust_level"] = 9
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(demo_doc))
    result = run("inventory", "validate", str(path))
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert f"{path}: zones[0].trust_level: expected one of: 0, 1, 2, 3, 4; got 9" in lines
    assert f"{path}: vms[2].host: no host with id 'esx-gone' in hosts" in lines
    assert len(lines) == 2


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"{not json", "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        (b"", "the document is empty"),
        (b"\xef\xbb\xbf  \n", "the document is empty"),
        (b'{"a": "\xe9"}', "not UTF-8 text: the byte 0xE9 at offset 7 cannot be decoded"),
    ],
)
def test_inventory_validate_malformed_json(tmp_path, content, fragment):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    result = run("inventory", "validate", str(path))
    assert result.returncode == 2 and fragment in result.stderr


def test_a_byte_order_mark_is_accepted_as_the_api_accepts_it(tmp_path, demo_doc):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(demo_doc).encode())
    result = run("inventory", "validate", str(path))
    assert result.returncode == 0 and "valid virtplan.inventory/v1" in result.stdout


def test_inventory_validate_missing_file(tmp_path):
    result = run("inventory", "validate", str(tmp_path / "absent.json"))
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_a_script_bootstraps_an_empty_database(empty_database, tmp_path):
    """db upgrade, org, user, token: then the token works against the API."""
    env = {"VIRTPLAN_DATABASE_URL": empty_database, "VIRTPLAN_INSTANCE_PATH": str(tmp_path)}
    blank = run("db", "current", env=env)
    assert (blank.returncode, blank.stdout) == (0, "")  # no revision yet
    assert run("db", "upgrade", env=env).returncode == 0
    current = run("db", "current", env=env)
    assert current.returncode == 0, current.stderr
    assert current.stdout == f"{_head()} (head)\n"
    assert run("org", "create", "Acme", env=env).returncode == 0
    dup = run("org", "create", "Acme", env=env)
    assert dup.returncode == 2 and "exists already" in dup.stderr
    made = run(
        "user",
        "create",
        "alice",
        "--org",
        "Acme",
        "--role",
        "architect",
        env=env,
        input="correct horse battery staple\n",
    )
    assert made.returncode == 0, made.stderr
    short = run("user", "create", "bob", "--org", "Acme", "--role", "viewer", env=env, input="short\n")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    nowhere = run(
        "user", "create", "carol", "--org", "Nope", "--role", "viewer", env=env, input="long enough password\n"
    )
    assert nowhere.returncode == 2 and "no organization named 'Nope'" in nowhere.stderr
    badrole = run("user", "create", "dave", "--org", "Acme", "--role", "root", env=env, input="x" * 20 + "\n")
    assert badrole.returncode == 2
    token = run("token", "create", "--org", "Acme", "--scope", "write", env=env)
    assert token.returncode == 0
    secret = token.stdout.strip()
    assert token.stdout == secret + "\n" and secret.startswith("vp_")

    from planner.app import create_app
    from planner.config import Settings

    app = create_app(Settings.from_env({}, env="testing", database_url=empty_database, instance_path=str(tmp_path)))
    client = app.test_client()
    created = client.post(
        "/api/v1/plans", json={"name": "From a script"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert created.status_code == 201
    login = client.post(
        "/login", data={"username": "alice", "password": "correct horse battery staple", "csrf_token": _csrf(client)}
    )
    assert login.status_code == 302
    app.extensions["virtplan.engine"].dispose()


def _head() -> str:
    from alembic.script import ScriptDirectory

    from migrations import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _csrf(client) -> str:
    import re

    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_secret_key_is_required_in_production(tmp_path):
    result = run(
        "serve", env={"VIRTPLAN_ENV": "production", "VIRTPLAN_SECRET_KEY": "", "VIRTPLAN_INSTANCE_PATH": str(tmp_path)}
    )
    assert result.returncode == 2 and "VIRTPLAN_SECRET_KEY must be set" in result.stderr


def test_demo_loads_and_is_idempotent(tmp_path):
    env = {"VIRTPLAN_INSTANCE_PATH": str(tmp_path), "VIRTPLAN_ENV": "development", "VIRTPLAN_DATABASE_URL": ""}
    first = run("demo", "--no-serve", env=env)
    assert first.returncode == 0, first.stderr
    assert "API token: vp_" in first.stdout and "sign in as 'demo'" in first.stdout
    assert (Path(tmp_path) / "virtplan.sqlite3").exists()
    second = run("demo", "--no-serve", env=env)
    assert second.returncode == 0 and "/plans/1" in second.stdout
    # The demo shows every capability: answers, findings with triage, a generated report.
    import sqlite3

    db = sqlite3.connect(Path(tmp_path) / "virtplan.sqlite3")
    try:
        assert db.execute("SELECT count(*) FROM answers").fetchone()[0] >= 100
        statuses = dict(db.execute("SELECT status, count(*) FROM findings GROUP BY status").fetchall())
        assert statuses["open"] > 10 and {"accepted", "mitigated", "transferred", "false-positive"} <= set(statuses)
        assert db.execute("SELECT state, format FROM reports").fetchall() == [("succeeded", "pdf")]
        # evidence: Harbor's ESXi baseline and two hosts' STIG checklists, attached once
        assert db.execute("SELECT kind, format, filename FROM plan_evidence ORDER BY id").fetchall() == [
            ("baseline", "vmware-scg-csv", "harbor-esxi-baseline.csv"),
            ("checklist", "disa-ckl", "esx-prod-04.ckl"),
            ("checklist", "disa-cklb", "esx-prod-01.cklb"),
        ]
        # The consolidation plan, and the warehouse room imported from RVTools: synced, so a
        # second run changes neither inventory.
        assert db.execute("SELECT name, inventory_version FROM plans ORDER BY id").fetchall() == [
            ("Datacenter consolidation 2027", 1),
            ("Quay warehouse server room (RVTools import)", 1),
        ]
        counts = db.execute(
            "SELECT counts FROM inventory_versions JOIN plans ON plans.id = plan_id AND version = inventory_version "
            "WHERE plan_id = 2"
        ).fetchone()[0]
        assert json.loads(counts)["vms"] == 9
    finally:
        db.close()
