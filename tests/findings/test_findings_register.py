"""The findings register as the web page reads it, without HTTP: filters by
zone and host that count exactly what the analysis summary counts, text
search in SQL that treats LIKE's wildcards as text, every sort reaching every
finding page by page, the filter facets, and bulk triage (all or nothing)."""

from __future__ import annotations

import copy
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models import FindingEvent
from planner.services import analysis, plans
from planner.services.accounts import Caller
from planner.services.errors import Invalid, NotFound


@pytest.fixture()
def db(writer_db):
    """These tests call the services as a POST does, never the API."""
    return writer_db


@pytest.fixture()
def caller(tenant):
    return Caller(tenant.org_id, frozenset({"read", "write"}), None, "consultant@example")


@pytest.fixture()
def analysed(db, caller, demo_doc):
    """The demo inventory in a plan of its own, analysed: (plan id, run)."""
    plan = plans.create_plan(db, caller, "register plan")
    plans.put_inventory(db, caller, plan.id, demo_doc)
    run, _changes = analysis.run_analysis(db, caller, plan.id)
    db.commit()
    return plan.id, run


def _all(db, caller, pid, **filters):
    found, total = analysis.list_findings(db, caller, pid, limit=10_000, **filters)
    assert len(found) == total
    return found


def test_zone_and_host_filters_count_what_the_summary_counts(db, caller, analysed):
    pid, run = analysed
    assert run.summary["by_zone"] and run.summary["by_host"]
    for zone, n in run.summary["by_zone"].items():
        assert analysis.list_findings(db, caller, pid, zone=zone)[1] == n, zone
    for host, n in run.summary["by_host"].items():
        assert analysis.list_findings(db, caller, pid, host=host)[1] == n, host
    facets = analysis.register_facets(db, caller, pid)
    assert facets.zones == run.summary["by_zone"] and facets.hosts == run.summary["by_host"]
    assert facets.rules == run.summary["by_rule"]
    assert facets.by_risk() == run.summary["by_risk"] and facets.total == run.summary["findings"]
    # Several values: any matches; filters together: all must.
    two = sorted(run.summary["by_host"])[:2]
    either = {f.id for f in _all(db, caller, pid, host=two)}
    assert either == {f.id for h in two for f in _all(db, caller, pid, host=h)}
    both = _all(db, caller, pid, host=two[0], risk=["high", "very-high"], status="open")
    assert {f.id for f in both} == {
        f.id for f in _all(db, caller, pid, host=two[0]) if f.risk in ("high", "very-high") and f.status == "open"
    }


def test_scopes_follow_the_inventory(db, caller, analysed, demo_doc):
    """A VM moved to another host: after the next analysis its findings are on the new host."""
    pid, _run = analysed
    vm = next(v for v in demo_doc["vms"] if v.get("host") and v.get("settings", {}).get("clipboard_sharing"))
    old_host = vm["host"]
    new_host = next(h["id"] for h in demo_doc["hosts"] if h["id"] not in (old_host, "lab-ws-01"))
    mine = {f.fingerprint for f in _all(db, caller, pid, object=f"vm:{vm['id']}")}
    assert mine and mine <= {f.fingerprint for f in _all(db, caller, pid, host=old_host)}
    doc = copy.deepcopy(demo_doc)
    next(v for v in doc["vms"] if v["id"] == vm["id"])["host"] = new_host
    plans.put_inventory(db, caller, pid, doc)
    run, _changes = analysis.run_analysis(db, caller, pid)
    db.commit()
    moved = {f.fingerprint for f in _all(db, caller, pid, object=f"vm:{vm['id']}", rule="VM-CLIPBOARD-SHARING")}
    assert moved
    assert moved <= {f.fingerprint for f in _all(db, caller, pid, host=new_host)}
    assert not moved & {f.fingerprint for f in _all(db, caller, pid, host=old_host)}
    for host, n in run.summary["by_host"].items():
        assert analysis.list_findings(db, caller, pid, host=host)[1] == n, host


def _matches(f, words: str) -> bool:
    words = words.strip().lower()
    texts = [f.title, f.rule, f.justification or "", *(o["id"] for o in f.objects)]
    return any(words in t.lower() for t in texts)


@given(words=st.text(alphabet=string.ascii_letters + string.digits + "%_\\-:. ", min_size=1, max_size=12))
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_text_matches_what_a_reader_would_find(db, caller, analysed, words):
    pid, _run = analysed
    everything = _all(db, caller, pid)
    expected = {f.id for f in everything if _matches(f, words)} if words.strip() else {f.id for f in everything}
    assert {f.id for f in _all(db, caller, pid, text=words)} == expected


def test_text_finds_titles_objects_and_justifications(db, caller, analysed):
    pid, _run = analysed
    assert _all(db, caller, pid, text="CLIPBOARD") == _all(db, caller, pid, rule="VM-CLIPBOARD-SHARING")
    host = _all(db, caller, pid, rule="ZONE-MIX-HOST")[0].objects[0]["id"]
    assert all(_matches(f, host.upper()) for f in _all(db, caller, pid, text=host.upper()))
    target = _all(db, caller, pid)[-1]
    analysis.set_status(db, caller, pid, target.id, "accepted", "Signed off in CAB-4711 by the owner")
    db.commit()
    assert [f.id for f in _all(db, caller, pid, text="cab-4711")] == [target.id]
    assert _all(db, caller, pid, text="100%") == []


@pytest.mark.parametrize("sort", analysis.SORTS)
def test_every_sort_reaches_every_finding_page_by_page(db, caller, analysed, sort):
    pid, run = analysed
    pages, offset = [], 0
    while True:
        page, total = analysis.list_findings(db, caller, pid, sort=sort, offset=offset, limit=7)
        if not page:
            break
        pages += page
        offset += 7
    assert total == run.summary["findings"] == len(pages) == len({f.id for f in pages})
    keys = {
        "risk": lambda f: (f.order_key, f.id),
        "-risk": lambda f: (f.order_key, f.id),
        "rule": lambda f: (f.rule, f.order_key, f.id),
        "status": lambda f: (f.status, f.order_key, f.id),
        "title": lambda f: (f.title, f.order_key, f.id),
    }
    if sort in keys:
        assert pages == sorted(pages, key=keys[sort], reverse=sort == "-risk")


@pytest.mark.parametrize(
    ("filters", "path"),
    [
        ({"sort": "severity"}, "sort"),
        ({"text": "x" * 201}, "text"),
        ({"risk": "urgent"}, "risk"),
        ({"status": ["open", "closed"]}, "status"),
    ],
)
def test_bad_filters_name_the_field(db, caller, analysed, filters, path):
    pid, _run = analysed
    with pytest.raises(Invalid) as exc:
        analysis.list_findings(db, caller, pid, **filters)
    assert exc.value.problems[0]["path"] == path


def _events(db, ids) -> int:
    db.expire_all()
    return db.scalar(
        select(func.count())
        .select_from(FindingEvent)
        .where(FindingEvent.finding_id.in_(ids), FindingEvent.event == "status")
    )


def test_bulk_triage_sets_each_with_one_justification(db, caller, analysed):
    pid, _run = analysed
    three = [f.id for f in _all(db, caller, pid, status="open")[:3]]
    assert analysis.set_status_many(db, caller, pid, three, "transferred", "  Insurer carries it (policy 88)  ") == 3
    db.commit()
    for fid in three:
        f = analysis.get_finding(db, caller, pid, fid)
        assert (f.status, f.justification, f.status_by) == (
            "transferred",
            "Insurer carries it (policy 88)",
            "consultant@example",
        )
        assert f.events[-1].event == "status" and f.events[-1].from_status == "open"
    assert _events(db, three) == 3
    # The same decision again changes nothing and records nothing; a duplicate id counts once.
    assert (
        analysis.set_status_many(db, caller, pid, [*three, three[0]], "transferred", "Insurer carries it (policy 88)")
        == 0
    )
    assert _events(db, three) == 3


def test_bulk_triage_is_all_or_nothing(db, caller, analysed, make_tenant):
    pid, _run = analysed
    other = make_tenant("elsewhere")
    db.rollback()  # see the new organization
    mine = [f.id for f in _all(db, caller, pid, status="open")[:2]]
    theirs_caller = Caller(other.org_id, frozenset({"read", "write"}))
    theirs = plans.create_plan(db, theirs_caller, "theirs")
    db.commit()
    with pytest.raises(NotFound):
        analysis.set_status_many(db, caller, pid, [*mine, 2**31 - 1], "accepted", "fine")
    with pytest.raises(NotFound):
        analysis.set_status_many(db, theirs_caller, theirs.id, mine, "accepted", "fine")
    for ids, status, text, path in (
        (mine, "accepted", "   ", "justification"),
        (mine, "closed", "fine", "status"),
        ([], "accepted", "fine", "findings"),
        ([mine[0], "7"], "accepted", "fine", "findings[1]"),
        (list(range(1, analysis.MAX_SELECTION + 2)), "accepted", "fine", "findings"),
    ):
        with pytest.raises(Invalid) as exc:
            analysis.set_status_many(db, caller, pid, ids, status, text)
        assert exc.value.problems[0]["path"] == path
    db.rollback()
    assert _events(db, mine) == 0
    assert all(f.status == "open" for f in (analysis.get_finding(db, caller, pid, i) for i in mine))
