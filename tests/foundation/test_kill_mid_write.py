"""A PUT killed mid-write (SIGKILL, no chance to clean up) leaves the previous
inventory exactly as it was, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from synthetic import generate

WRITER = textwrap.dedent("""
    import json, sys
    from planner.app import create_app
    from planner.config import Settings
    url, token, plan_id, path, instance = sys.argv[1:]
    app = create_app(Settings.from_env({}, env="testing", database_url=url, instance_path=instance))
    body = open(path, "rb").read()
    print("writing", flush=True)
    resp = app.test_client().put(f"/api/v1/plans/{plan_id}/inventory", data=body,
                                 content_type="application/json", headers={"Authorization": f"Bearer {token}"})
    print("done", resp.status_code, flush=True)
""")


def _writing(database_url: str, wal: Path, baseline: int, probe) -> bool:
    """True once the killed process is demonstrably writing rows."""
    if database_url.startswith("sqlite"):
        return wal.exists() and wal.stat().st_size > baseline + 4 * 2**20
    with probe.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND "
                    "(query LIKE 'COPY%' OR query LIKE 'INSERT%' OR query LIKE 'UPDATE%')"
                )
            ).first()
        )


def test_killed_put_leaves_previous_inventory(app, client, tenant, plan_id, demo_doc, database_url, tmp_path):
    first = client.put(f"/api/v1/plans/{plan_id}/inventory", json=demo_doc, headers=tenant.headers())
    assert first.status_code == 200
    before = client.get(f"/api/v1/plans/{plan_id}/inventory", headers=tenant.headers()).get_json()

    big = tmp_path / "big.json"
    big.write_text(json.dumps(generate(40_000, violations=True), separators=(",", ":")))
    wal = Path(database_url.removeprefix("sqlite:///") + "-wal") if database_url.startswith("sqlite") else None
    baseline = wal.stat().st_size if wal and wal.exists() else 0
    probe = None if wal else create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))

    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, database_url, tenant.write_token, str(plan_id), str(big), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    try:
        assert proc.stdout.readline().strip() == "writing"
        deadline = time.monotonic() + 120
        while not _writing(database_url, wal, baseline, probe):
            assert proc.poll() is None, "the write finished before it could be interrupted"
            assert time.monotonic() < deadline, "the write never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        if probe is not None:
            probe.dispose()
    assert proc.returncode == -signal.SIGKILL

    after = client.get(f"/api/v1/plans/{plan_id}/inventory", headers=tenant.headers())
    assert after.status_code == 200
    assert after.get_json() == before
    assert after.headers["ETag"] == first.headers["ETag"]
    # Nothing is left locked: the next write goes through.
    demo_doc["vms"][0]["vcpus"] = 6
    again = client.put(f"/api/v1/plans/{plan_id}/inventory", json=demo_doc, headers=tenant.headers())
    assert again.status_code == 200 and again.get_json()["inventory_version"] == 2
