"""Fixtures for the report tests (data in report_estates.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

# tests/ is on sys.path (the rootdir conftest), where this folder would shadow
# the ``reports`` package as a namespace package: put the repository first.
ROOT = Path(__file__).resolve().parents[2]
if sys.path[0] != str(ROOT):
    sys.path.insert(0, str(ROOT))
if "reports" in sys.modules and getattr(sys.modules["reports"], "__file__", None) is None:
    del sys.modules["reports"]

import reports  # noqa: E402
from planner.core.analysis import analyze  # noqa: E402
from planner.core.inventory import load_estate  # noqa: E402

from report_estates import GENERATED, TrapServer, hostile_answers, hostile_document, hostile_strings  # noqa: E402


@pytest.fixture(scope="session")
def trap():
    server = TrapServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def hostile_plan(trap) -> reports.PlanReport:
    """The hostile estate analysed, with answers and one triaged finding."""
    estate = load_estate(hostile_document(trap))
    analysis = analyze(estate)
    s = hostile_strings(trap)
    first = sorted(analysis.findings, key=lambda f: f.fingerprint)[0]
    triage = {first.fingerprint: reports.Triage("accepted", s["justification"], s["triaged_by"], GENERATED)}
    return reports.PlanReport(name="Payroll <i>platform</i>", organization="Example & <Org>", estate=estate,
                              analysis=analysis, version="2.1", generated=GENERATED,
                              answers=hostile_answers(trap), triage=triage, plan_id="plan-42")
