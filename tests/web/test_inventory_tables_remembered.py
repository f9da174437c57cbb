"""The inventory tables a web process remembers (by the digest of the stored
document) never answer with an inventory other than the plan's current one:
a version written elsewhere (another process, a service call) is shown at
once, a write rolled back is never shown, and a plan of another organization
with the very same document is still 404."""

from __future__ import annotations

import json
import re

from workspace import client_of, demo_plan, writer

from planner.services import plans


def _names(client, plan_id: int, query: str = "") -> list[str]:
    resp = client.get(f"/plans/{plan_id}/inventory/vms{query}")
    assert resp.status_code == 200
    return re.findall(r'<td data-label="Name">([^<]*)</td>', resp.get_data(as_text=True))


def _rename_first_vm(app, org_id: int, plan_id: int, doc: dict, name: str, *, commit: bool) -> None:
    """A new inventory version whose first VM is called ``name``, written outside the web requests."""
    changed = json.loads(json.dumps(doc))
    changed["vms"][0]["name"] = name
    session = app.extensions["virtplan.sessions"]()
    try:
        plans.put_inventory(session, writer(org_id), plan_id, changed)
        session.commit() if commit else session.rollback()
    finally:
        session.close()


def test_a_new_inventory_version_is_shown_at_once_and_a_rolled_back_one_never(app, account, tenant, demo_doc):
    plan_id = demo_plan(app, tenant.org_id, demo_doc)
    client = client_of(app, account)
    first = demo_doc["vms"][0].get("name") or demo_doc["vms"][0]["id"]
    assert _names(client, plan_id)[0] == first
    assert _names(client, plan_id, "?confidentiality=high")  # the remembered table, filtered

    _rename_first_vm(app, tenant.org_id, plan_id, demo_doc, "renamed-but-rolled-back", commit=False)
    assert _names(client, plan_id)[0] == first

    _rename_first_vm(app, tenant.org_id, plan_id, demo_doc, "renamed-elsewhere", commit=True)
    assert _names(client, plan_id)[0] == "renamed-elsewhere"
    assert "renamed-elsewhere" in _names(client, plan_id, "?sort=name")

    # The earlier document again is the earlier table again (a version of its own, same content).
    _rename_first_vm(app, tenant.org_id, plan_id, demo_doc, first, commit=True)
    assert _names(client, plan_id)[0] == first


def test_another_organizations_plan_with_the_same_document_is_still_not_found(app, account, tenant, demo_doc, stranger):
    plan_id = demo_plan(app, tenant.org_id, demo_doc)
    assert _names(client_of(app, account), plan_id)  # its table remembered
    assert stranger.get(f"/plans/{plan_id}/inventory/vms").status_code == 404
    assert stranger.get(f"/plans/{plan_id}/inventory/vms?page=2&sort=name").status_code == 404
