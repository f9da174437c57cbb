"""What the workspace tests share: a client signed in through the real form,
a plan with the demo inventory, and every URL of the workspace's pages."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from signin_client import csrf, sign_in
from werkzeug.datastructures import MultiDict

from planner.services import plans
from planner.services.accounts import Caller

#: The blueprints of the architect's workspace (issue 12 points 1, 2, 3 and 7).
WORKSPACE = ("web.plans", "web.questionnaire", "web.inventory", "web.admin")
#: A value for each URL parameter of those pages.
SAMPLE_ARGS = {
    "phase_id": "initiation",
    "collection": "vms",
    "ext_id": "vm-web-01",
    "job_id": 1,
    "question_id": "initiation.policy.exists",
    "user_id": 1,
    "token_id": 1,
}


def client_of(app, account):
    """A test client signed in as ``account`` through the sign-in form."""
    client = app.test_client()
    assert sign_in(client, account.username, account.password).status_code == 302
    return client


def token(client, path: str = "/") -> str:
    return csrf(client, path)


def writer(org_id: int) -> Caller:
    return Caller(org_id, frozenset({"read", "write"}), None, "test")


def demo_plan(app, org_id: int, demo_doc: dict, name: str = "Workspace plan") -> int:
    """A plan of ``org_id`` with the demo inventory (version 1)."""
    session = app.extensions["virtplan.sessions"]()
    try:
        plan = plans.create_plan(session, writer(org_id), name)
        plans.put_inventory(session, writer(org_id), plan.id, demo_doc)
        session.commit()
        return plan.id
    finally:
        session.close()


def workspace_rules(app, *, with_plan: bool | None = None):
    """(rule, methods) of every workspace page; ``with_plan``: only those about one plan (or only the others)."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(WORKSPACE):
            continue
        if with_plan is not None and ("plan_id" in rule.arguments) != with_plan:
            continue
        yield rule, rule.methods - {"HEAD", "OPTIONS"}


def url_of(app, rule, plan_id: int | None) -> str:
    args = {k: v for k, v in SAMPLE_ARGS.items() if k in rule.arguments}
    if "plan_id" in rule.arguments:
        args["plan_id"] = plan_id
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **args)


def text_of(html: str) -> str:
    """A page's text, tags dropped, entities read and spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


class _FormReader(HTMLParser):
    """The fields a browser would submit from the first form whose action ends with ``action``
    (or the first POST form without one): inputs, checked boxes and radios, textareas,
    selected options; nothing inside a disabled fieldset."""

    def __init__(self, action: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.done = action, False, False
        self.disabled_depth = 0
        self.fieldsets: list[bool] = []
        self.fields: list[tuple[str, str]] = []
        self.textarea: str | None = None
        self.select: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and not self.inside and a.get("method") == "post":
            target = a.get("action")
            self.inside = (target is None and self.action is None) or (
                self.action is not None and target is not None and target.endswith(self.action)
            )
            return
        if not self.inside:
            return
        if tag == "fieldset":
            self.fieldsets.append("disabled" in a)
        off = any(self.fieldsets) or "disabled" in a
        if tag == "input" and not off and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and not off:
            self.textarea, self.text = a.get("name"), []
        elif tag == "select" and not off:
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "form":
            self.inside, self.done = False, True
        elif tag == "fieldset" and self.fieldsets:
            self.fieldsets.pop()
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea, "".join(self.text).lstrip("\r\n")))
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.text.append(data)


def form_fields(html: str, action: str | None = None) -> MultiDict:
    """What a browser would POST from a page's form, as it stands."""
    reader = _FormReader(action)
    reader.feed(html)
    return MultiDict(reader.fields)


def fill(form: MultiDict, values: dict) -> MultiDict:
    """``form`` with some fields set as a person would (a list for several checkboxes)."""
    for name, value in values.items():
        form.setlist(name, value if isinstance(value, list) else [value])
    return form
