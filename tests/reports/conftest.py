"""Fixtures for the report tests (data in report_estates.py)."""

from __future__ import annotations

import pytest
from report_estates import GENERATED, TrapServer, hostile_answers, hostile_document, hostile_strings

import reports
from planner.core.assessment import assessment
from planner.core.inventory import load_estate


@pytest.fixture(scope="session")
def trap():
    server = TrapServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def hostile_plan(trap) -> reports.PlanReport:
    """The hostile estate analysed, with answers and one triaged finding."""
    estate = load_estate(hostile_document(trap))
    plain = assessment(estate, hostile_answers(trap), placement=False)
    s = hostile_strings(trap)
    first = sorted(plain.findings, key=lambda f: f.fingerprint)[0]
    plain.triage = {first.fingerprint: reports.Triage("accepted", s["justification"], s["triaged_by"], GENERATED)}
    return reports.PlanReport(
        name="Payroll <i>platform</i>",
        organization="Example & <Org>",
        assessment=plain,
        version="2.1",
        generated=GENERATED,
        plan_id="plan-42",
    )
