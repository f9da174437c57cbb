"""A plan's assessment never shows an inventory other than the one stored:
not after a write that was rolled back, nor when another write then makes a
version of the same number."""

from __future__ import annotations

import copy

from planner.services import assessment, plans
from planner.services.accounts import Caller


def test_a_rolled_back_write_leaves_no_estate_behind(app, tenant, demo_doc):
    caller = Caller(tenant.org_id, frozenset({"read", "write"}), None, "test")
    session = app.extensions["virtplan.sessions"]()
    try:
        plan_id = plans.create_plan(session, caller, "Kept").id
        plans.put_inventory(session, caller, plan_id, demo_doc)
        session.commit()
        assert len(assessment.plan_assessment(session, caller, plan_id).assessment.estate.vms) == 34
        fewer = copy.deepcopy(demo_doc)
        fewer["vms"] = [v for v in fewer["vms"] if v["id"] != "vm-web-03"]
        plans.put_inventory(session, caller, plan_id, fewer)  # version 2, never committed...
        assert len(assessment.plan_assessment(session, caller, plan_id).assessment.estate.vms) == 33
        session.rollback()
        assert len(assessment.plan_assessment(session, caller, plan_id).assessment.estate.vms) == 34
        more = copy.deepcopy(demo_doc)
        more["vms"].append({**more["vms"][0], "id": "vm-extra", "name": "extra"})
        plans.put_inventory(session, caller, plan_id, more)  # ...and another version 2 that is
        session.commit()
        estate = assessment.plan_assessment(session, caller, plan_id).assessment.estate
        assert len(estate.vms) == 35 and "vm-extra" in estate.vms
    finally:
        session.close()
