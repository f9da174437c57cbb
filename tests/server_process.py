"""A real ``virtplan serve`` (waitress) in a child process, for what only a
real server shows: its own answers to oversized bodies, and its children."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from cluster import ROOT, free_port, wait_until

__all__ = ["ROOT", "free_port", "serving", "wait_until"]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def serving(database_url: str, instance: Path, **env: str):
    """``virtplan serve`` on a free port of 127.0.0.1: yields (process, base URL); stopped after."""
    port = free_port()
    environ = {
        **os.environ,
        "VIRTPLAN_ENV": "testing",
        "VIRTPLAN_DATABASE_URL": database_url,
        "VIRTPLAN_INSTANCE_PATH": str(instance),
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "planner", "serve", "--port", str(port)],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_until(lambda: _listening(port) or process.poll() is not None, 60, "the server to listen")
        assert process.poll() is None, process.stderr.read().decode()
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stderr.close()
