"""Fixtures of the browser tests: the real app served by waitress on a
loopback port (SQLite, the demo plan and a user with a hostile-named plan),
and one headless Chromium, each made once for the whole run."""

from __future__ import annotations

import pytest
from signin_client import sign_in
from web_site import CHROMIUM, HOSTILE, PASSWORD, served, site_app
from workspace import client_of, demo_plan, writer


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The app on SQLite, served by waitress in a thread; a user with one hostile-named plan."""
    from models import Plan
    from planner.demo import load_demo, render_demo_report
    from planner.services import accounts, plans
    from planner.services.accounts import Caller

    app = site_app(tmp_path_factory.mktemp("web"))
    session = app.extensions["virtplan.sessions"]()
    org = accounts.create_organization(session, "Browser Org")
    user = accounts.create_user(session, "browser", PASSWORD, org, "consultant")
    other = accounts.create_organization(session, "Someone Else")
    mine = plans.create_plan(session, Caller(org.id, frozenset({"read", "write"}), user.id), HOSTILE)
    theirs = plans.create_plan(session, Caller(other.id, frozenset({"read", "write"})), "Their secret plan")
    demo = load_demo(session)
    session.commit()
    ids = {
        "mine": mine.id,
        "theirs": theirs.id,
        "demo": demo.plan_id,
        "demo_password": demo.password,
        "demo_org": session.get(Plan, demo.plan_id).organization_id,
    }
    session.close()
    render_demo_report(app.extensions["virtplan.sessions"], ids["demo"], ids["demo_org"])
    with served(app) as base:
        yield base, ids


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


# --- plans to review through the Flask test client (findings, topology, placement, reports pages) ---


def _analysed(app, org_id: int, doc: dict, name: str) -> int:
    from planner.services import analysis

    plan_id = demo_plan(app, org_id, doc, name)
    session = app.extensions["virtplan.sessions"]()
    try:
        analysis.run_analysis(session, writer(org_id), plan_id)
        session.commit()
        return plan_id
    finally:
        session.close()


@pytest.fixture()
def analysed_plan(app, tenant, demo_doc) -> int:
    """The demo inventory in a plan of ``tenant``'s organization, analysed: its id."""
    return _analysed(app, tenant.org_id, demo_doc, "Reviewed plan")


@pytest.fixture()
def other_plan(app, make_tenant, demo_doc) -> int:
    """The demo inventory analysed in a plan of another organization: its id."""
    return _analysed(app, make_tenant("other").org_id, demo_doc, "Someone else's plan")


@pytest.fixture()
def consultant(app, make_account):
    """A test client signed in as a consultant of ``tenant``'s organization."""
    return client_of(app, make_account("consultant"))


@pytest.fixture()
def viewer(app, make_account):
    """A test client signed in as a viewer (read only) of ``tenant``'s organization."""
    return client_of(app, make_account("viewer"))


@pytest.fixture()
def stranger(app, make_tenant):
    """A test client signed in as a consultant of another organization."""
    from models import Organization
    from planner.services import accounts

    session = app.extensions["virtplan.sessions"]()
    try:
        org = session.get(Organization, make_tenant("stranger").org_id)
        user = accounts.create_user(session, f"stranger-{org.id}", PASSWORD, org, "consultant")
        session.commit()
        name = user.username
    finally:
        session.close()
    client = app.test_client()
    assert sign_in(client, name).status_code == 302
    return client


@pytest.fixture()
def signed_in(writer_db, tenant, consultant):
    """The ``consultant`` client and an empty plan of their organization: (client, plan id)."""
    from planner.services import plans

    plan = plans.create_plan(writer_db, writer(tenant.org_id), "Forms plan")
    writer_db.commit()
    return consultant, plan.id
