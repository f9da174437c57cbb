"""``virtplan import``, run as a script would: a real process, files and a
real database; bad input exits 2 with a precise message and writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from cmdb_exports import Estate, netbox_pages, rvtools_csvs, rvtools_xlsx
from importer_data import MAPPING

VIRTPLAN = [sys.executable, "-m", "planner"]


def run(*args, env=None):
    return subprocess.run(
        [*VIRTPLAN, *map(str, args)], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("sources")
    estate = Estate(60)
    (root / "export.xlsx").write_bytes(rvtools_xlsx(estate))
    (root / "csv").mkdir()
    for name, data in rvtools_csvs(estate):
        (root / "csv" / name).write_bytes(data)
    (root / "netbox").mkdir()
    for name, data in netbox_pages(estate, page_size=20):
        (root / "netbox" / name).write_bytes(data)
    (root / "map.yaml").write_text(MAPPING)
    return root


def test_to_a_file_from_xlsx_csv_and_netbox(files, tmp_path):
    out = tmp_path / "inventory.json"
    result = run("import", "rvtools", files / "export.xlsx", "--mapping", files / "map.yaml", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "imported: 3 zones" in result.stderr and "guessed: 2" in result.stderr
    assert run("inventory", "validate", out).returncode == 0
    from_csv = tmp_path / "csv.json"
    assert run("import", "rvtools", files / "csv", "--mapping", files / "map.yaml", "-o", from_csv).returncode == 0
    assert json.loads(from_csv.read_text()) == json.loads(out.read_text())
    netbox = tmp_path / "nb.json"
    result = run("import", "netbox", files / "netbox", "--mapping", files / "map.yaml", "-o", netbox)
    assert result.returncode == 0, result.stderr and json.loads(netbox.read_text())["vms"]


def test_suggest_mapping_then_import_with_it(files, tmp_path):
    suggested = tmp_path / "suggested.yaml"
    result = run("import", "rvtools", files / "export.xlsx", "--suggest-mapping", suggested)
    assert result.returncode == 0, result.stderr
    text = suggested.read_text()
    assert "mapping: virtplan.mapping/v1" in text and '{match: {network: "exact:DMZ-Web-0000"}' in text
    out = tmp_path / "inv.json"
    assert run("import", "rvtools", files / "export.xlsx", "--mapping", suggested, "-o", out).returncode == 0
    assert all(v["zone"] for v in json.loads(out.read_text())["vms"])


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["rvtools", "{files}/map.yaml", "--mapping", "{files}/map.yaml"], "not an RVTools tab"),
        (["rvtools", "{files}/export.xlsx", "--mapping", "{files}/nope.yaml"], "nope.yaml: cannot read"),
        (["netbox", "{files}/export.xlsx", "--mapping", "{files}/map.yaml"], "export.xlsx: not UTF-8 text"),
        (["rvtools", "{files}/export.xlsx", "--mapping", "{files}/export.xlsx"], "export.xlsx: not UTF-8 text"),
        (["rvtools", "{files}/export.xlsx"], "--mapping is required"),
        (["netbox", "--mapping", "{files}/map.yaml"], "give the source's files"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(files, tmp_path, args, fragment):
    out = tmp_path / "never.json"
    result = run("import", *[a.format(files=files) for a in args], "-o", out)
    assert result.returncode == 2, result.stderr
    assert fragment in result.stderr
    assert not out.exists()


def test_sync_into_a_plan(files, database_url, tmp_path):
    from models.database import make_engine, make_session_factory
    from planner.services import accounts, plans

    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        org = accounts.create_organization(session, f"cli-import-{os.getpid()}-{tmp_path.name}")
        plan = plans.create_plan(session, accounts.Caller(org.id, frozenset({"write"})), "Imported")
        session.commit()
        plan_id = plan.id
    env = {"VIRTPLAN_DATABASE_URL": database_url}
    base = ["import", "rvtools", files / "export.xlsx", "--mapping", files / "map.yaml", "--plan", plan_id]
    dry = run(*base, "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert f"dry run: plan {plan_id} not changed (inventory version 0)" in dry.stderr and "vms: " in dry.stderr
    first = run(*base, env=env)
    assert f"plan {plan_id}: inventory version 0 -> 1" in first.stderr, first.stderr
    again = run(*base, env=env)
    assert f"plan {plan_id}: nothing changed (inventory version 1)" in again.stderr
    missing = run(
        "import", "rvtools", files / "export.xlsx", "--mapping", files / "map.yaml", "--plan", 999999, env=env
    )
    assert missing.returncode == 2 and "no plan 999999" in missing.stderr
    engine.dispose()
