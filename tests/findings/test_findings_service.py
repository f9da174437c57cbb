"""The findings use cases without HTTP: what the demo calls, answers stored
by the answers API feeding the analysis, a bounded number of queries
whatever the number of findings, and the sync invariants over generated
sequences of inventory changes."""

from __future__ import annotations

import copy
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select

from models import Answer, Finding, FindingEvent, FindingObject, Plan
from planner.core.assessment import assess
from planner.core.inventory import load_estate
from planner.services import analysis, plans
from planner.services.accounts import Caller
from planner.services.errors import Invalid, NotFound

WEAK_QUESTION = "initiation.scope.needs_documented"  # yes_no; "no" is a weak answer
WEAK_RULE = "Q-INITIATION-SCOPE-NEEDS-DOCUMENTED"


@pytest.fixture()
def db(writer_db):
    """These tests call the services as a POST does, never the API."""
    return writer_db


@pytest.fixture()
def caller(tenant):
    return Caller(tenant.org_id, frozenset({"read", "write"}), None, "consultant@example")


@pytest.fixture()
def new_plan(db, caller):
    def make(doc=None) -> int:
        plan = plans.create_plan(db, caller, "service plan")
        if doc is not None:
            plans.put_inventory(db, caller, plan.id, doc)
        db.commit()
        return plan.id

    return make


def expected_fingerprints(doc, plan_id, answers=None) -> set[str]:
    return {f.fingerprint for f in assess(load_estate(doc), answers, plan_id=str(plan_id)).findings}


def stored(db, plan_id) -> dict[str, Finding]:
    db.expire_all()
    return {f.fingerprint: f for f in db.scalars(select(Finding).where(Finding.plan_id == plan_id))}


def test_demo_flow_through_plain_services(db, caller, new_plan, demo_doc):
    """What `virtplan demo` needs: analyse, pick findings, triage them."""
    pid = new_plan(demo_doc)
    run, changes = analysis.run_analysis(db, caller, pid)
    db.commit()
    assert changes["new"] == run.summary["findings"] > 0 and run.requested_by == "consultant@example"
    zone_mix, total = analysis.list_findings(db, caller, pid, rule="ZONE-MIX-HOST", limit=1)
    assert total >= 1
    finding = analysis.set_status(
        db, caller, pid, zone_mix[0].id, "accepted", "Separate clusters are budgeted for phase 2"
    )
    db.commit()
    assert (finding.status, finding.status_by) == ("accepted", "consultant@example")
    assert [e.event for e in finding.events] == ["created", "status"]
    again, changes = analysis.run_analysis(db, caller, pid)
    db.commit()
    assert changes == {"new": 0, "still": run.summary["findings"], "reopened": 0, "resolved": 0}
    assert analysis.latest_run(db, caller, pid).id == again.id
    assert analysis.get_finding(db, caller, pid, finding.id).status == "accepted"
    with pytest.raises(Invalid) as exc:
        analysis.set_status(db, caller, pid, finding.id, "mitigated", "")
    assert exc.value.problems == [
        {"path": "justification", "message": "a justification is required to set status 'mitigated'"}
    ]
    with pytest.raises(NotFound):
        analysis.run_analysis(db, Caller(caller.organization_id + 10_000, caller.scopes), pid)


def test_stored_answers_feed_the_analysis(db, caller, new_plan, demo_doc):
    pid = new_plan(demo_doc)
    db.add(Answer(plan_id=pid, question_id=WEAK_QUESTION, value=False, comment="not yet"))
    db.commit()
    run, changes = analysis.run_analysis(db, caller, pid)
    db.commit()
    answers = {WEAK_QUESTION: {"value": False, "comment": "not yet", "evidence": None}}
    assert set(stored(db, pid)) == expected_fingerprints(demo_doc, pid, answers)
    weak, total = analysis.list_findings(db, caller, pid, object=f"plan:{pid}")
    assert total == 1 and weak[0].rule == WEAK_RULE and weak[0].objects == [{"kind": "plan", "id": str(pid)}]
    assert weak[0].evidence["comment"] == "not yet"

    # Answers given against an older questionnaire version are carried over.
    db.get(Plan, pid).questionnaire_version = "2025.1"
    db.commit()
    run, changes = analysis.run_analysis(db, caller, pid)
    db.commit()
    assert run.questionnaire_version == "2025.1" and changes["resolved"] == 0

    # Answering well resolves the weak-answer finding.
    db.scalar(select(Answer).where(Answer.plan_id == pid)).value = True
    db.commit()
    run, changes = analysis.run_analysis(db, caller, pid)
    db.commit()
    assert changes["resolved"] == 1
    assert analysis.list_findings(db, caller, pid, rule=WEAK_RULE)[1] == 0
    assert analysis.list_findings(db, caller, pid, rule=WEAK_RULE, resolved=True)[1] == 1


def _noisy(doc: dict) -> dict:
    """The demo with many more findings: every host without time sync and
    remote logging, every VM sharing its clipboard."""
    doc = copy.deepcopy(doc)
    for host in doc["hosts"]:
        host["settings"].update(time_sync=False, remote_logging=False)
    for vm in doc["vms"]:
        vm.setdefault("settings", {})["clipboard_sharing"] = True
    return doc


def _queries(db, action) -> int:
    count = [0]

    def tick(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith("BEGIN"):  # transaction bookkeeping, not work
            count[0] += 1

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", tick)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", tick)
    return count[0]


def test_the_number_of_queries_does_not_grow_with_the_findings(db, caller, new_plan, demo_doc):
    quiet, noisy = new_plan(demo_doc), new_plan(_noisy(demo_doc))

    def run(pid):
        analysis.run_analysis(db, caller, pid)
        db.commit()

    first = [_queries(db, lambda pid=pid: run(pid)) for pid in (quiet, noisy)]
    assert len(stored(db, noisy)) > 2 * len(stored(db, quiet))
    again = [_queries(db, lambda pid=pid: run(pid)) for pid in (quiet, noisy)]
    # Swap the inventories: the noisy plan resolves many, the quiet one gains many.
    plans.put_inventory(db, caller, quiet, _noisy(demo_doc))
    plans.put_inventory(db, caller, noisy, demo_doc)
    db.commit()
    swapped = [_queries(db, lambda pid=pid: run(pid)) for pid in (quiet, noisy)]
    assert first[0] == first[1] and again[0] == again[1]
    assert max(first + again + swapped) <= 40
    # finding_objects follow: one link per object of each finding.
    links = db.execute(select(FindingObject.finding_id).where(FindingObject.plan_id == noisy)).all()
    assert len(links) == sum(len(f.objects) for f in stored(db, noisy).values())


HOSTS = ("esx-dmz-01", "esx-prod-01", "esx-prod-03", "lab-ws-01")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.sets(st.sampled_from(HOSTS)), st.sampled_from(["open", "accepted", None])), min_size=1, max_size=4
    )
)
def test_sync_matches_the_analysis_after_any_sequence(db, caller, new_plan, demo_doc, steps):
    """After every run: unresolved findings are exactly what the analysis says
    now, the rest of everything ever seen is resolved, triage set earlier is
    kept, and each finding's events alternate as its life did."""
    pid = new_plan()
    seen: set[str] = set()
    triaged: dict[str, str] = {}
    for unsynced, status in steps:
        doc = copy.deepcopy(demo_doc)
        for host in doc["hosts"]:
            if host["id"] in unsynced:
                host["settings"]["time_sync"] = False
        plans.put_inventory(db, caller, pid, doc)
        analysis.run_analysis(db, caller, pid)
        db.commit()
        now = expected_fingerprints(doc, pid)
        seen |= now
        rows = stored(db, pid)
        assert set(rows) == seen
        assert {fp for fp, f in rows.items() if not f.resolved} == now
        assert all(f.status == triaged.get(fp, "open") for fp, f in rows.items())
        for f in rows.values():
            life = [
                e.event
                for e in db.scalars(
                    select(FindingEvent).where(FindingEvent.finding_id == f.id).order_by(FindingEvent.id)
                )
                if e.event != "status"
            ]
            assert life[0] == "created"
            assert all(a != b for a, b in itertools.pairwise(life))
            assert life[-1] == ("resolved" if f.resolved else "created" if len(life) == 1 else "reopened")
        if status is not None:
            target = sorted(rows)[len(triaged) % len(rows)]
            analysis.set_status(db, caller, pid, rows[target].id, status, "reviewed")
            db.commit()
            triaged[target] = status
