"""Issue 8, items 4, 5 and 11: one rule for text everywhere (plans, answers,
triage, report labels, user and organization names): valid Unicode, no NUL,
no control characters in names, the same answer on SQLite and PostgreSQL, and
a refused write changes nothing."""

from __future__ import annotations

import json

import pytest
from stored_state import problems, send, stored_state

from planner.services import accounts
from planner.services.errors import Invalid

BAD_NAMES = {
    "nul": ('"web\\u0000"', "U+0000 (NUL)"),
    "lone surrogate": ('"\\ud800"', "surrogate"),
    "ANSI escape": ('"plan \\u001b[31mred\\u001b[0m"', "U+001B (ESC)"),
    "C1 control": ('"plan\\u0085"', "U+0085"),
    "newline": ('"two\\nlines"', "U+000A (LF)"),
    "bidi override": ('"plan\\u202egnp.exe"', "bidirectional"),
}


@pytest.mark.parametrize("bad", sorted(BAD_NAMES))
def test_plan_names_keep_the_text_rule(client, tenant, plan_id, bad):
    literal, fragment = BAD_NAMES[bad]
    before = stored_state(client, tenant, plan_id)
    for method, url in (("POST", "/api/v1/plans"), ("PATCH", f"/api/v1/plans/{plan_id}")):
        resp = send(client, tenant, method, url, '{"name": ' + literal + "}")
        assert resp.status_code == 422, resp.data
        assert fragment in problems(resp)["name"]
    assert stored_state(client, tenant, plan_id) == before


def test_descriptions_may_span_lines_but_hold_no_controls(client, tenant, plan_id):
    resp = client.patch(
        f"/api/v1/plans/{plan_id}", json={"description": "line one\r\nline two\n\tindented"}, headers=tenant.headers()
    )
    assert resp.status_code == 200, resp.get_json()
    before = stored_state(client, tenant, plan_id)
    resp = send(client, tenant, "PATCH", f"/api/v1/plans/{plan_id}", '{"description": "bell\\u0007"}')
    assert resp.status_code == 422 and "U+0007" in problems(resp)["description"]
    assert stored_state(client, tenant, plan_id) == before


@pytest.mark.parametrize(
    ("body", "path", "fragment"),
    [
        ('{"answers": {"initiation.identification.system_name": "x\\u0000"}}', "system_name", "NUL"),
        ('{"answers": {"initiation.identification.system_name": "\\udfff"}}', "system_name", "surrogate"),
        ('{"answers": {"initiation.identification.system_name": "\\u001b[2J"}}', "system_name", "ESC"),
        (
            '{"answers": {"operations.patching.critical_days": {"value": 7, "comment": "ok\\u0000"}}}',
            "critical_days.comment",
            "NUL",
        ),
        ('{"answers": {"operations.patching.critical_days": NaN}}', "critical_days", "finite number"),
        ('{"answers": {}, "answers": {}}', "answers", "more than once"),
    ],
)
def test_answers_keep_the_text_rule(client, tenant, plan_id, body, path, fragment):
    before = stored_state(client, tenant, plan_id)
    resp = send(client, tenant, "PUT", f"/api/v1/plans/{plan_id}/answers", body)
    assert resp.status_code == 422, resp.data
    found = problems(resp)
    assert any(p.endswith(path) and fragment in m for p, m in found.items()), found
    assert stored_state(client, tenant, plan_id) == before


def test_a_surrogate_answer_never_gets_in_so_reports_keep_working(client, tenant, plan_id):
    """Item 5: on SQLite an answer with a lone surrogate used to be stored, and
    every HTML and PDF report of the plan failed from then on."""
    url = f"/api/v1/plans/{plan_id}/answers/initiation.identification.system_name"
    before = stored_state(client, tenant, plan_id)
    resp = send(client, tenant, "PATCH", url, '{"value": "Harbor \\ud83d"}')
    assert resp.status_code == 422 and "surrogate" in next(iter(problems(resp).values()))
    assert stored_state(client, tenant, plan_id) == before
    resp = client.post(f"/api/v1/plans/{plan_id}/reports", json={"format": "html"}, headers=tenant.headers())
    assert resp.status_code == 202


def test_question_ids_in_paths_keep_the_text_rule(client, tenant, plan_id):
    for url in (
        f"/api/v1/plans/{plan_id}/answers/a%00b/history",
        f"/api/v1/plans/{plan_id}/answers/%ED%A0%80/history",
    ):
        assert client.get(url, headers=tenant.headers("read")).status_code == 404, url


def test_query_filters_keep_the_text_rule(client, tenant, plan_id):
    for query in ("rule=a%00b", "object=vm:a%00b", "rule=%1b%5b2J"):
        resp = client.get(f"/api/v1/plans/{plan_id}/findings?{query}", headers=tenant.headers("read"))
        assert resp.status_code == 422, (query, resp.data)


def test_triage_justification_and_report_label_keep_the_text_rule(client, tenant, plan_id, demo_doc):
    client.put(f"/api/v1/plans/{plan_id}/inventory", json=demo_doc, headers=tenant.headers())
    assert client.post(f"/api/v1/plans/{plan_id}/analysis", headers=tenant.headers()).status_code == 201
    finding = client.get(f"/api/v1/plans/{plan_id}/findings", headers=tenant.headers()).get_json()[0]
    before = stored_state(client, tenant, plan_id)
    url = f"/api/v1/plans/{plan_id}/findings/{finding['id']}"
    for justification in ('"ok\\u0000"', '"\\ud800"', '"ok\\u001b]0;pwned\\u0007"'):
        resp = send(client, tenant, "PATCH", url, '{"status": "accepted", "justification": ' + justification + "}")
        assert resp.status_code == 422, resp.data
        assert "justification" in problems(resp)
    resp = send(client, tenant, "POST", f"/api/v1/plans/{plan_id}/reports", '{"format": "pdf", "version": "v1\\u001b"}')
    assert resp.status_code == 422 and "version" in problems(resp)
    assert stored_state(client, tenant, plan_id) == before
    ok = client.patch(
        url, json={"status": "accepted", "justification": "Risk owner:\n\tthe CISO"}, headers=tenant.headers()
    )
    assert ok.status_code == 200, ok.get_json()


def test_organization_and_user_names_keep_the_text_rule(app):
    with app.extensions["virtplan.sessions"]() as session:
        for name in ("acme\x00", "acme\x1b[1m", "\ud800"):
            with pytest.raises(Invalid):
                accounts.create_organization(session, name)
        org = accounts.create_organization(session, "Text rule org")
        for name in ("alice\x00", "al\u202eice", "bob\n"):
            with pytest.raises(Invalid):
                accounts.create_user(session, name, "a long enough password", org, "viewer")
        assert accounts.authenticate_user(session, "alice\x00", "whatever") is None
        session.rollback()


def test_the_rule_itself():
    from planner.core.text import text_problem

    assert text_problem("Müller & Söhne — 株式会社 🚀") is None
    assert text_problem("tab\there") is not None
    assert text_problem("tab\there\r\nand a new line", multiline=True) is None
    assert text_problem("lone\rreturn", multiline=True) is not None
    assert text_problem("\x9b31m", multiline=True) == (
        "expected text without control characters (tabs and line breaks are allowed); found U+009B at character 1"
    )
    assert json.loads('"\\ud83d\\ude00"') == "😀" and text_problem("😀") is None
