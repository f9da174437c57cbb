"""VirtPlan as several real processes on this machine, for the load benchmark
(bench/load.py) and the scale-out tests (tests/scale_out/): a throwaway
``redis-server``, Celery workers (``virtplan worker``) and gunicorn
(``virtplan serve --workers``), each in a process group of its own so a whole
worker can be killed, and ended (then killed) when done. Every wait is
bounded; none is a pause."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds (a bound, not a sleep)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


#: ``virtplan`` as this checkout runs it.
VIRTPLAN = [sys.executable, "-m", "planner"]

#: A bound on starting a process (importing VirtPlan on a busy 2-core machine).
START_BOUND = 120.0


def _end(process: subprocess.Popen) -> None:
    """SIGTERM the process's group, SIGKILL it if it is still there after the bound."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


class RedisServer:
    """``redis-server`` on a free port of 127.0.0.1, keeping nothing on disk (so a
    restart starts empty, as a Redis without persistence does)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self.answers, 30, "redis-server to answer")

    def stop(self) -> None:
        if self.process is not None:
            _end(self.process)
            self.process = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=5)

    def answers(self) -> bool:
        import redis

        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def waiting(self, queue: str = "virtplan") -> int:
        return int(self.client().llen(queue))


def process_environment(database_url: str, broker_url: str, instance: Path, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "VIRTPLAN_ENV": "testing",
        "VIRTPLAN_DATABASE_URL": database_url,
        "VIRTPLAN_BROKER_URL": broker_url,
        "VIRTPLAN_INSTANCE_PATH": str(instance),
        # One key for every process, as production sets it (each worker signs the same cookies).
        "VIRTPLAN_SECRET_KEY": "cluster-on-one-machine-" + "0123456789" * 3,
        **more,
    }


@dataclass
class Worker:
    """A ``virtplan worker`` and its log."""

    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def family(self) -> set[int]:
        """The worker's main process and its descendants (its pool, their render children)."""
        return {self.pid, *descendants(self.pid)}

    def kill(self) -> None:
        """SIGKILL the whole worker (its process group: main process and pool), as a machine dies."""
        os.killpg(self.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> int:
        """SIGTERM (Celery's warm shutdown), SIGKILL after the bound; the exit status."""
        _end(self.process)
        return self.process.returncode


def start_worker(
    environment: dict[str, str], log: Path, *options: str, command: list[str] | None = None, cwd: Path = ROOT
) -> Worker:
    """``virtplan worker --concurrency 1 [options]`` (or ``command``, run in ``cwd``), once it says it is ready."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command or [*VIRTPLAN, "worker", "--concurrency", "1", *options],
            cwd=cwd,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(process, log)
    wait_until(lambda: " ready." in worker.text() or process.poll() is not None, START_BOUND, "the worker")
    assert process.poll() is None, worker.text()[-3000:]
    return worker


@contextmanager
def workers(environment: dict[str, str], folder: Path, count: int, *options: str):
    """``count`` Celery workers of one slot each, ended after."""
    started: list[Worker] = []
    try:
        for n in range(count):
            started.append(start_worker(environment, folder / f"worker-{n}.log", *options))
        yield started
    finally:
        for worker in started:
            worker.stop()


def _parents() -> dict[int, int]:
    """Every living process's parent, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def children(pid: int) -> set[int]:
    return {child for child, parent in _parents().items() if parent == pid}


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid``."""
    parents = _parents()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    request_id: str
    cookies: dict[str, str]

    def json(self):
        return json.loads(self.body)


@dataclass
class Gunicorn:
    """``virtplan serve --workers N`` (gunicorn) and its access log, which names
    the worker (pid) that answered each request (by its X-Request-Id)."""

    process: subprocess.Popen
    port: int
    access_log: Path
    requests: int = field(default=0)

    def call(self, method: str, path: str, json_body=None, headers=None, form: bytes | None = None) -> Answer:
        """One request on a new connection (a JSON body, or a form's bytes)."""
        self.requests += 1
        request_id = f"t{self.requests}-{time.monotonic_ns()}"
        sent = {"X-Request-Id": request_id, **(headers or {})}
        data = form
        if json_body is not None:
            data, sent["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=data, headers=sent)
            resp = connection.getresponse()
            cookies = [v.split(";", 1)[0].split("=", 1) for k, v in resp.getheaders() if k.lower() == "set-cookie"]
            headers = {k.lower(): v for k, v in resp.getheaders()}
            return Answer(resp.status, headers, resp.read(), request_id, dict(cookies))
        finally:
            connection.close()

    def served_by(self, request_id: str) -> int:
        """The pid of the gunicorn worker that answered ``request_id`` (from the access log)."""
        marker = f"request={request_id}"
        wait_until(lambda: marker in self.access_log.read_text(), 30, f"{request_id} in the access log")
        line = next(line for line in self.access_log.read_text().splitlines() if marker in line)
        return int(re.search(r"pid=<(\d+)>", line)[1])


@contextmanager
def gunicorn(
    environment: dict[str, str],
    folder: Path,
    workers: int = 2,
    access_log: bool = True,
    server: str | None = None,
    threads: int | None = None,
):
    """``virtplan serve --workers N`` on a free port, ended after: gunicorn (with an
    access log unless ``access_log`` is False) for 2 or more, waitress (the default
    server) for 1 — unless ``server`` names one (``--server``); ``threads`` per worker
    (``--threads``; default: the command's)."""
    port = free_port()
    access_log_file = folder / "access.log"
    access_log_file.touch()
    command = [*VIRTPLAN, "serve", "--workers", str(workers), "--port", str(port)]
    if server:
        command += ["--server", server]
    if threads:
        command += ["--threads", str(threads)]
    arbiter = (server or ("waitress" if workers == 1 else "gunicorn")) == "gunicorn"
    if arbiter and access_log:
        command += ["--access-log", str(access_log_file)]
    with web_server(command, environment, folder, port, workers if arbiter else 0, access_log_file) as running:
        yield running


@contextmanager
def web_server(
    command: list[str],
    environment: dict[str, str],
    folder: Path,
    port: int,
    workers: int,
    access_log: Path,
    cwd: Path = ROOT,
):
    """``command`` (a ``virtplan serve`` answering on ``port`` of 127.0.0.1), once its
    ``workers`` gunicorn processes run (0 for waitress) and it answers /healthz; ended after
    (SIGTERM, then SIGKILL), its exit status left in ``process.returncode``. Its output goes
    to ``folder/server.log``."""
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    running = Gunicorn(process, port, access_log)

    def ready() -> bool:
        if process.poll() is not None:
            return True
        try:
            spawned = len(children(process.pid)) >= workers
            return spawned and running.call("GET", "/healthz").status == 200
        except OSError:
            return False

    try:
        wait_until(ready, START_BOUND, "the web server to answer")
        assert process.poll() is None, log.read_text()[-3000:]
        yield running
    finally:
        _end(process)


def metric_value(text: str, name: str, **labels: str) -> float:
    """The value of metric ``name`` with exactly ``labels`` in Prometheus's text format."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if match and match[1] == name:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
            if found == labels:
                return float(match[3])
    raise AssertionError(f"no {name} {labels} in the metrics")
