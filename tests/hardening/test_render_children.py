"""Issue 8, item 10: report rendering children die with the server. Killed
with SIGKILL, the server takes its render child along (PR_SET_PDEATHSIG); a
server stopped with SIGTERM ends its render children's process groups before
it exits. Each run is a real ``virtplan serve`` under a subreaper
(render_reaper.py), which reports how the child ended."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from server_process import ROOT, free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and subreapers are Linux's"),
]


@pytest.fixture()
def pdf_plan(client, tenant, demo_doc):
    plan_id = client.post("/api/v1/plans", json={"name": "Render"}, headers=tenant.headers()).get_json()["id"]
    assert client.put(f"/api/v1/plans/{plan_id}/inventory", json=demo_doc, headers=tenant.headers()).status_code == 200
    return plan_id


def _run(database_url, tmp_path, tenant, plan_id, signame: str) -> dict:
    config = {
        "root": str(ROOT),
        "port": free_port(),
        "plan": plan_id,
        "token": tenant.write_token,
        "signal": signame,
        "env": {
            "VIRTPLAN_ENV": "testing",
            "VIRTPLAN_DATABASE_URL": database_url,
            "VIRTPLAN_INSTANCE_PATH": str(tmp_path),
        },
    }
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("render_reaper.py")), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_killed_server_takes_its_render_child_along(database_url, tmp_path, tenant, pdf_plan):
    outcome = _run(database_url, tmp_path, tenant, pdf_plan, "SIGKILL")
    # Without PR_SET_PDEATHSIG the orphan renders on and exits by itself (status 1: no one to send to).
    assert outcome.get("signal") == signal.SIGKILL, outcome


def test_a_stopped_server_ends_its_render_children(database_url, tmp_path, tenant, pdf_plan):
    outcome = _run(database_url, tmp_path, tenant, pdf_plan, "SIGTERM")
    assert outcome.get("ended_by_server") or outcome.get("signal") == signal.SIGKILL, outcome
