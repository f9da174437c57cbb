"""A PUT killed mid-write (SIGKILL, no chance to clean up) leaves the previous
inventory exactly as it was, on SQLite and PostgreSQL: the writer dies the moment
its new document is written in the open transaction, before the commit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from synthetic import generate

WRITER = textwrap.dedent("""
    import json, os, signal, sys
    from sqlalchemy import event
    from planner.app import create_app
    from planner.config import Settings
    url, token, plan_id, path, instance = sys.argv[1:]
    app = create_app(Settings.from_env({}, env="testing", database_url=url, instance_path=instance))

    # The moment to die: the new document is written inside the open transaction,
    # nothing is committed yet. SIGKILL: no handler, no cleanup, no rollback.
    @event.listens_for(app.extensions["virtplan.engine"], "after_cursor_execute")
    def _die(conn, cursor, statement, parameters, context, executemany):
        if "inventory_versions" in statement and statement.lstrip().upper().startswith("INSERT"):
            print("killed after:", statement.split()[0], flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    body = open(path, "rb").read()
    print("writing", flush=True)
    resp = app.test_client().put(f"/api/v1/plans/{plan_id}/inventory", data=body,
                                 content_type="application/json", headers={"Authorization": f"Bearer {token}"})
    print("done", resp.status_code, flush=True)
""")


def test_killed_put_leaves_previous_inventory(app, client, tenant, plan_id, demo_doc, database_url, tmp_path):
    first = client.put(f"/api/v1/plans/{plan_id}/inventory", json=demo_doc, headers=tenant.headers())
    assert first.status_code == 200
    before = client.get(f"/api/v1/plans/{plan_id}/inventory", headers=tenant.headers()).get_json()

    big = tmp_path / "big.json"
    big.write_text(json.dumps(generate(40_000, violations=True), separators=(",", ":")))
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, database_url, tenant.write_token, str(plan_id), str(big), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    try:
        out, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert out.splitlines() == ["writing", "killed after: INSERT"]

    after = client.get(f"/api/v1/plans/{plan_id}/inventory", headers=tenant.headers())
    assert after.status_code == 200
    assert after.get_json() == before
    assert after.headers["ETag"] == first.headers["ETag"]
    # Nothing is left locked: the next write goes through.
    demo_doc["vms"][0]["vcpus"] = 6
    again = client.put(f"/api/v1/plans/{plan_id}/inventory", json=demo_doc, headers=tenant.headers())
    assert again.status_code == 200 and again.get_json()["inventory_version"] == 2
