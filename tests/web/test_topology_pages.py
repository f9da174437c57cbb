"""The topology page through the Flask test client: the security plan's
diagram with each object linking to its findings and its findings counted
on it, the host × zone matrix, drawn again when the plan changes; viewers
read it, another organization finds nothing."""

from __future__ import annotations

import copy
import html
import re

from planner.services import analysis, plans
from planner.services.accounts import Caller


def _page(client, pid: int) -> str:
    resp = client.get(f"/plans/{pid}/topology")
    assert resp.status_code == 200
    return html.unescape(resp.get_data(as_text=True))


def test_the_diagram_links_every_object_to_its_findings(consultant, analysed_plan, demo_doc):
    page = _page(consultant, analysed_plan)
    svg = page[page.index("<svg") : page.index("</svg>")]
    links = set(re.findall(r'<a aria-label="([^"]+)" href="([^"]+)">', svg))
    base = f"/plans/{analysed_plan}/findings"
    for zone in demo_doc["zones"]:
        assert (zone.get("name") or zone["id"], f"{base}?zone={zone['id']}") in links
    for host in demo_doc["hosts"]:
        assert (host.get("name") or host["id"], f"{base}?host={host['id']}") in links
    for network in demo_doc["networks"]:
        assert (network.get("name") or network["id"], f"{base}?object=network:{network['id']}") in links
    assert 'role="group"' in svg and "<script" not in svg
    assert re.search(r"\d+ findings?, worst (very high|high|moderate|low|very low)", svg)
    assert "R-0" not in svg  # the printed plan's register numbers mean nothing here
    # Every link leads to a page that lists that object's findings.
    for _label, href in sorted(links)[:6]:
        assert consultant.get(href).status_code == 200


def test_the_matrix_counts_vms_per_host_and_zone(consultant, analysed_plan, demo_doc):
    page = _page(consultant, analysed_plan)
    matrix = page[page.index('<table class="grid matrix">') :]
    placed = [vm for vm in demo_doc["vms"] if vm.get("host")]
    totals = [int(n) for n in re.findall(r'<td class="number">(\d+)</td>\s*</tr>', matrix)]
    assert sum(totals) == len(placed) and len(totals) == len(demo_doc["hosts"])
    assert "mixes zones" in matrix and f"?host={demo_doc['hosts'][0]['id']}" in matrix


def test_the_drawing_follows_the_plan(consultant, analysed_plan, app, tenant, demo_doc):
    before = _page(consultant, analysed_plan)
    assert _page(consultant, analysed_plan) == before  # kept, not drawn again
    doc = copy.deepcopy(demo_doc)
    doc["networks"][0]["name"] = "Renamed uplink"
    session = app.extensions["virtplan.sessions"]()
    caller = Caller(tenant.org_id, frozenset({"read", "write"}))
    plans.put_inventory(session, caller, analysed_plan, doc)
    analysis.run_analysis(session, caller, analysed_plan)
    session.commit()
    session.close()
    after = _page(consultant, analysed_plan)
    assert "Renamed uplink" in after and "Renamed uplink" not in before


def test_viewers_read_it_and_strangers_find_nothing(viewer, stranger, analysed_plan):
    page = _page(viewer, analysed_plan)
    assert "<svg" in page and 'method="post"' not in page[page.index("<main") :]
    assert stranger.get(f"/plans/{analysed_plan}/topology").status_code == 404


def test_a_plan_without_inventory_says_so(consultant, app, tenant):
    session = app.extensions["virtplan.sessions"]()
    plan = plans.create_plan(session, Caller(tenant.org_id, frozenset({"read", "write"})), "Empty")
    session.commit()
    pid = plan.id
    session.close()
    page = _page(consultant, pid)
    assert "No inventory yet" in page and "<svg" not in page[page.index("<main") :]
