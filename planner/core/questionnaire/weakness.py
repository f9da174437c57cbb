"""What answers imply for the risk analysis: findings from weak answers, and
mitigations that lower a topology finding's likelihood.

Weak-answer findings are scored the SP 800-30 way the topology findings are:
the likelihood starts from the level the definition gives (its basis written
beside it) and moves by its listed factors; the impact is the plan's FIPS 199
high-water mark on the objective the weakness threatens — over the VMs of the
inventory and the categorization answered in the Initiation phase — moved by
the definition's ``impact_steps``; risk comes from Table I-2.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from planner.core.analysis.findings import Finding, Mitigation, ObjectRef, risk_of, shift
from planner.core.fips199 import categorize
from planner.core.inventory import Estate

from .answers import AnswersDocument
from .engine import Evaluation
from .model import Questionnaire

#: Impact assumed when neither the inventory nor the answers categorize anything.
ASSUMED_IMPACT = "moderate"


def fingerprint(rule: str, qid: str) -> str:
    """Stable while the same question keeps the same weak answer's rule."""
    return hashlib.sha256(f"{rule}\x1f{qid}".encode()).hexdigest()


def stated_categorization(ev: Evaluation) -> dict[str, Any]:
    """The FIPS 199 levels the answers state, per objective (the Initiation phase's categorization questions)."""
    return {o: ev.values[qid] for o, qid in ev.questionnaire.categorization.items() if qid and ev.answered(qid)}


def plan_high_water(ev: Evaluation, objective: str) -> str | None:
    """The plan's FIPS 199 level on ``objective`` ("overall" = all three), from
    the estate's VMs and the categorization answers; None when nothing says."""
    vms = ev.estate.vms.values() if ev.estate is not None else ()
    return categorize(vms, stated_categorization(ev)).level(objective)


def weak_answer_findings(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any] | AnswersDocument | None,
    estate: Estate | None = None,
    plan_id: str = "plan",
    as_of: dt.date | None = None,
) -> list[Finding]:
    """One finding per applicable answered question whose answer matches a weak
    entry (the first that matches), in questionnaire order."""
    ev = Evaluation(questionnaire, answers, estate, as_of)
    findings = []
    for qid, question in questionnaire.questions.items():
        if not question.weak or not ev.answered(qid):
            continue
        value = ev.values[qid]
        weak = next((w for w in question.weak if w.when.evaluate(ev, value) is True), None)
        if weak is None:
            continue
        factors = []
        likelihood = weak.likelihood
        for f in weak.likelihood_factors:
            if f.when.evaluate(ev, value) is True:
                likelihood = shift(likelihood, f.steps)
                factors.append(f"{f.factor}: likelihood {f.steps:+d}")
        hwm = plan_high_water(ev, weak.impact)
        if hwm is None:
            impact = ASSUMED_IMPACT
            factors.append(f"no FIPS 199 categorization known for {weak.impact}: impact assumed {ASSUMED_IMPACT}")
        else:
            impact = hwm
        if weak.impact_steps:
            impact = shift(impact, weak.impact_steps)
            factors.append(f"{weak.impact_basis}: impact {weak.impact_steps:+d} from {hwm or ASSUMED_IMPACT}")
        answer = ev.answers[qid]
        evidence = {
            "question": qid,
            "question_text": question.text,
            "answer": value,
            "likelihood_basis": weak.likelihood_basis,
            "impact_basis": weak.impact_basis,
            "impact_objective": weak.impact,
        }
        if answer.comment:
            evidence["comment"] = answer.comment
        if answer.evidence:
            evidence["evidence"] = answer.evidence
        findings.append(
            Finding(
                rule=weak.rule,
                title=weak.title,
                objects=[ObjectRef("plan", plan_id)],
                likelihood=likelihood,
                impact=impact,
                risk=risk_of(likelihood, impact),
                factors=factors,
                evidence=evidence,
                references=list(dict.fromkeys([*weak.references, *weak.controls])),
                remediation=weak.remediation,
                fingerprint=fingerprint(weak.rule, qid),
            )
        )
    return findings


def mitigations(
    questionnaire: Questionnaire, answers: Mapping[str, Any] | AnswersDocument | None, estate: Estate | None = None
) -> list[Mitigation]:
    """What the applicable answers do to topology findings, in questionnaire order: each
    compensating control an answer shows (``mitigates``), and each answer that claims the
    safe state of a fact a rule reads in the inventory (``restates``), which earns no credit
    on that rule's findings. The analysis applies the method's cap and wording."""
    ev = Evaluation(questionnaire, answers, estate)
    out = []
    for qid, question in questionnaire.questions.items():
        if not (question.mitigates or question.restates) or not ev.answered(qid):
            continue
        value = ev.values[qid]
        for m in question.mitigates:
            if m.when.evaluate(ev, value) is True:
                out.append(Mitigation(m.rule, m.steps, m.factor, qid))
        for r in question.restates:
            if r.when.evaluate(ev, value) is True:
                out.append(Mitigation(r.rule, 0, r.claim, qid, contradicted=True))
    return out
