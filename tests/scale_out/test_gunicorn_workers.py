"""Issue 16, items 1 and 4: ``virtplan serve --workers 2`` runs gunicorn, and
nothing a request leaves behind lives in one worker's memory. A report asked
for through one web worker is downloaded through the other; a browser signed
in on one is signed in on the other; wrong passwords counted by one count on
the other (Redis); /metrics adds up both workers' requests.

Which worker answers is made certain, not hoped for: the other one is frozen
(SIGSTOP) so that only one can accept connections, and the access log names
the worker (pid) that answered each request (by its X-Request-Id).
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import sys
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest
from cluster import REDIS_SERVER, children, gunicorn, metric_value, workers
from server_process import wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed (.ci/run installs Debian's)"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="gunicorn and /proc"),
]

METRICS_TOKEN = "scrape-gunicorn-0123456789"
PASSWORD = "a long enough password"


@contextmanager
def only(server, pid: int):
    """Every other web worker frozen: new connections can be accepted by ``pid`` alone."""
    others = children(server.process.pid) - {pid}
    for other in others:
        os.kill(other, signal.SIGSTOP)
    try:
        yield
    finally:
        for other in others:
            os.kill(other, signal.SIGCONT)


class Browser:
    """Cookies across requests, for the sign-in form."""

    def __init__(self, server):
        self.server, self.cookies = server, {}

    def call(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        answer = self.server.call(method, path, None, headers, form=urlencode(form).encode() if form else None)
        self.cookies.update(answer.cookies)
        return answer

    def sign_in(self, username: str, password: str):
        page = self.call("GET", "/login").body
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        return self.call("POST", "/login", {"username": username, "password": password, "csrf_token": token})


def test_two_web_workers_share_every_state(environment, org, web, tmp_path):
    from models import Organization, Plan
    from planner.services import accounts

    headers, plan_id = org
    with web.extensions["virtplan.sessions"]() as session:
        organization = session.get(Organization, session.get(Plan, plan_id).organization_id)
        for name in ("alice-gunicorn", "bob-gunicorn"):
            accounts.create_user(session, name, PASSWORD, organization, "consultant")
        session.commit()
    env = {**environment, "VIRTPLAN_METRICS_TOKEN": METRICS_TOKEN}
    with workers(env, tmp_path, 1), gunicorn(env, tmp_path, workers=2) as server:
        first, second = sorted(children(server.process.pid))

        # A report asked for through the first worker...
        with only(server, first):
            asked = server.call("POST", f"/api/v1/plans/{plan_id}/reports", {"format": "csv"}, headers)
            assert asked.status == 202, asked.body
            assert server.served_by(asked.request_id) == first

        def finished():
            job = server.call("GET", f"/api/v1/plans/{plan_id}/reports/{asked.json()['id']}", None, headers).json()
            return job if job["state"] in ("succeeded", "failed") else None

        wait_until(finished, 120, "the report")
        done = finished()
        assert done["state"] == "succeeded", done["error"]
        # ...is downloaded through the second.
        with only(server, second):
            content = server.call("GET", done["download"], None, headers)
            assert content.status == 200 and server.served_by(content.request_id) == second
        assert hashlib.sha256(content.body).hexdigest() == done["sha256"]

        # Signed in on one worker, signed in on the other (sessions in the database,
        # cookies signed with the one secret key).
        browser = Browser(server)
        with only(server, first):
            assert browser.sign_in("alice-gunicorn", PASSWORD).status == 302
        with only(server, second):
            page = browser.call("GET", f"/plans/{plan_id}")
            assert page.status == 200 and server.served_by(page.request_id) == second

        # Wrong passwords counted on one worker count on the other (Redis): the limit is 5 a minute.
        intruder = Browser(server)
        with only(server, first):
            for _ in range(5):
                assert intruder.sign_in("bob-gunicorn", "not the password at all").status == 401
        with only(server, second):
            refused = intruder.sign_in("bob-gunicorn", PASSWORD)
            assert refused.status == 429 and "retry-after" in refused.headers
            assert server.served_by(refused.request_id) == second

        # /metrics adds up both workers' requests.
        scraped = server.call("GET", "/metrics", None, {"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert scraped.status == 200
        text = scraped.body.decode()
        posts = metric_value(
            text, "virtplan_http_request_duration_seconds_count", method="POST", route="/login", status="401"
        )
        assert posts == 5  # all answered by the first worker, scraped from whichever
        downloads = metric_value(
            text,
            "virtplan_http_request_duration_seconds_count",
            method="GET",
            route="/api/v1/plans/<int:plan_id>/reports/<int:report_id>/content",
            status="200",
        )
        assert downloads == 1  # answered by the second
        assert metric_value(text, "virtplan_jobs", kind="report", state="queued") == 0


def test_one_gunicorn_worker_when_asked_for(environment, org, tmp_path):
    """``--server gunicorn --workers 1``: the same server as several workers, with one
    (what the load benchmark compares two workers with)."""
    headers, plan_id = org
    with gunicorn(environment, tmp_path, workers=1, server="gunicorn", threads=2) as server:
        (worker,) = children(server.process.pid)
        findings = server.call("GET", f"/api/v1/plans/{plan_id}/findings?page_size=5", None, headers)
        assert findings.status == 200 and server.served_by(findings.request_id) == worker
        page = server.call("GET", "/login")
        assert page.status == 200 and server.served_by(page.request_id) == worker
