"""Run ``virtplan serve`` as a child subreaper's child, start a PDF report,
end the server with a signal while its render child runs, and print (JSON)
what became of that child. Run as a script by test_render_children.py.

Being a subreaper (PR_SET_CHILD_SUBREAPER) makes an orphaned render child
ours, so its exit status tells killed-with-the-server (SIGKILL) from
rendered-to-the-end (a normal exit) without timing anything.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
BOUND = 60.0  # seconds: a bound on each wait, never a pause


def _until(condition, what: str):
    deadline = time.monotonic() + BOUND
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.01)


def _children_of(pid: int) -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append((int(entry.name), cmdline))
    return found


def _process_group(pid: int) -> int | None:
    try:
        return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return None


def main() -> None:
    config = json.loads(sys.argv[1])
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SystemExit("cannot become a subreaper")
    base = f"http://127.0.0.1:{config['port']}"
    server = subprocess.Popen(
        [sys.executable, "-m", "planner", "serve", "--port", str(config["port"])],
        cwd=config["root"],
        env={**os.environ, **config["env"]},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def listening():
        try:
            urllib.request.urlopen(f"{base}/login", timeout=5)  # noqa: S310 -- our own server on 127.0.0.1
            return True
        except OSError:
            return server.poll() is not None

    _until(listening, "the server")
    request = urllib.request.Request(  # noqa: S310
        f"{base}/api/v1/plans/{config['plan']}/reports",
        data=b'{"format": "pdf"}',
        headers={"Authorization": f"Bearer {config['token']}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as resp:  # noqa: S310
        assert resp.status == 202
    child = _until(
        lambda: next((pid for pid, cmd in _children_of(server.pid) if "spawn_main" in cmd), None), "the render child"
    )
    # Once the child leads a process group of its own it has asked to die with its parent
    # (reports/isolation.py does that first): a child that never does fails the test here.
    _until(lambda: _process_group(child) == child, "the render child to lead its own process group")
    os.kill(server.pid, getattr(signal, config["signal"]))
    server.wait()
    outcome = {"child": child}
    try:
        _pid, status = _until(lambda: (r := os.waitpid(child, os.WNOHANG))[0] and r, "the render child to end")
        outcome["signal"] = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        outcome["exit"] = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    except ChildProcessError:  # not ours: the server ended it and collected it before it exited
        outcome["ended_by_server"] = not Path(f"/proc/{child}").exists()
    print(json.dumps(outcome), flush=True)
    # Collect whatever else the server left us (multiprocessing's resource tracker ends once
    # the server and the child are gone); what is still running at the bound goes to init.
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                time.sleep(0.01)
        except ChildProcessError:
            break


if __name__ == "__main__":
    main()
