"""What the browser tests share: where Chromium is, the site's users, and serving an app on a loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from contextlib import contextmanager

CHROMIUM = os.environ.get("VIRTPLAN_TEST_CHROMIUM") or shutil.which("chromium")
PASSWORD = "a long enough password"
#: axe-core rule sets the page tests check: WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
HOSTILE = '<img src=x onerror="window.__pwned=1">Payroll & <b>HR</b>'


def sign_in(page, base: str, username: str, password: str) -> None:
    """Sign in through the form, as a person would, and wait for the plans list."""
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def site_app(folder, **settings):
    """The app on a fresh, migrated SQLite database in ``folder``."""
    from planner.app import create_app
    from planner.cli.database import upgrade_database
    from planner.config import Settings

    url = f"sqlite:///{folder / 'web.sqlite3'}"
    upgrade_database(url)
    return create_app(Settings.from_env({}, env="testing", database_url=url, instance_path=str(folder), **settings))


def serious_violations(page) -> list[tuple[str, list]]:
    """axe-core's serious and critical violations of :data:`WCAG` on the page: (rule id, the first three elements)."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page, options={"runOnly": WCAG}).response["violations"]
    return [
        (v["id"], [n["target"] for n in v["nodes"][:3]]) for v in violations if v["impact"] in ("serious", "critical")
    ]


@contextmanager
def demo_site(folder):
    """The demo plan served on a port of its own (:func:`site_app` in ``folder``), with a
    viewer "reader" of its organization: (base URL, {"plan": its id, "password": demo's})."""
    from models import Organization, Plan
    from planner.demo import load_demo
    from planner.services import accounts

    app = site_app(folder)
    session = app.extensions["virtplan.sessions"]()
    demo = load_demo(session)
    org = session.get(Organization, session.get(Plan, demo.plan_id).organization_id)
    accounts.create_user(session, "reader", PASSWORD, org, "viewer")
    session.commit()
    session.close()
    with served(app, threads=4) as base:
        yield base, {"plan": demo.plan_id, "password": demo.password}


@contextmanager
def served(app, threads: int = 2):
    """``app`` served by waitress in a thread on a free loopback port: its base URL."""
    from waitress.server import create_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = create_server(app, host="127.0.0.1", port=port, threads=threads)
    closing = threading.Event()

    def run() -> None:
        try:
            server.run()
        except OSError:
            # waitress has no stop for a server in another thread: closing its socket while
            # its loop waits in select() ends the loop with EBADF. That is the stop, nothing else.
            if not closing.is_set():
                raise

    threading.Thread(target=run, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        closing.set()
        server.close()
        app.extensions["virtplan.jobs"].shutdown()
        app.extensions["virtplan.engine"].dispose()
