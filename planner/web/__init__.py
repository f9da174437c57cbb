"""The web pages, one module (a blueprint) per domain, NetBox style: a
feature's views live in one module and its templates under
``templates/<domain>/``.

- ``site``: the blueprint ``web`` itself — the static files, the templates
  folder, the API documentation page; every domain's blueprint is nested in
  it (endpoints ``web.<domain>.<view>``, e.g. ``web.plans.overview``);
- ``signin``: signing in and out, the account pages (endpoints ``signin.*``);
- ``plans``: the organization's plans and a plan's overview;
- ``questionnaire``: the lifecycle questionnaire, a page per phase;
- ``inventory``: upload, import, tables, one object's edit, versions;
- ``topology``: the plan's diagram and host × zone matrix, linking to findings;
- ``findings``, ``reports``: analysing and triaging, report jobs;
- ``placement``: placement proposals, accepting their changes, what-if moves;
- ``hardening``: the evidence attached (baselines, STIG checklists) and each host's status;
- ``admin``: the organization's users and API tokens (admins only).

Every page but sign-in needs a signed-in user and shows only that user's
organization (services scope every query; another organization's plan is a
404). Jinja autoescapes everything; forms carry a CSRF token
(templates/forms.html); no page has an inline script or style, so the
Content-Security-Policy allows only this site's own files. Views call
services only: never models or SQLAlchemy.

A module that serves a tab of the plan pages names it in ``PLAN_TAB``
(label, endpoint); ``plan_page.html`` shows the tabs in the order of
:data:`DOMAINS`.
"""

from __future__ import annotations

from types import ModuleType

from flask import Flask

from . import (
    admin,
    findings,
    guards,
    hardening,
    inventory,
    placement,
    plans,
    questionnaire,
    reports,
    signin,
    site,
    topology,
)
from .errors import error_page

__all__ = ["DOMAINS", "error_page", "init_app"]

#: The domain modules, nested in ``web``, in the order of the plan tabs.
DOMAINS: tuple[ModuleType, ...] = (
    plans,
    questionnaire,
    inventory,
    topology,
    findings,
    placement,
    hardening,
    reports,
    admin,
)
for _module in DOMAINS:
    site.bp.register_blueprint(_module.bp)  # once, at import: an app registers ``web`` with them all


def plan_tabs() -> list[tuple[str, str]]:
    """(label, endpoint) of each plan tab, in the order of :data:`DOMAINS`."""
    return [tab for module in DOMAINS if (tab := getattr(module, "PLAN_TAB", None))]


def init_app(app: Flask) -> None:
    app.register_blueprint(site.bp)
    app.register_blueprint(signin.bp)
    app.before_request(guards.identify)
    app.before_request(guards.check_csrf)
    app.jinja_env.globals["csrf_token"] = guards.csrf_token
    app.jinja_env.globals["plan_tabs"] = plan_tabs()
