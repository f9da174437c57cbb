"""A plan's assessment: the one object every door shows.

The topology rules judge the inventory; the answers add what an inventory
cannot show (policy, process, monitoring). :func:`assess` joins the two: the
questionnaire engine turns the answers into mitigations (which lower the
likelihood of topology findings, each with a factor naming the answer) and
weak-answer findings (scored the same SP 800-30 way), and the analysis engine
takes both.

:class:`Assessment` is everything a plan says at one version: the estate, the
answers, the findings in :func:`~planner.core.analysis.finding_order` with their
triage, the analysis summary, and the placement advice — whose "findings
before and after" are counted by :func:`assess` too, with the answers applied,
so they equal the summary's counts. The CLI builds one from files with
:func:`assessment`; the service layer builds the same object from a stored
analysis run (``planner.services.assessment``); every report format, the web
pages and the API read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from planner.core.analysis import LEVELS, Analysis, Finding, Mitigation, analyze
from planner.core.analysis.findings import TRIAGE_STATUSES
from planner.core.hardening import Baseline, Checklist, Hardening, hardening_status
from planner.core.inventory import Estate
from planner.core.placement import SolverOptions, advise
from planner.core.questionnaire import (
    Answer,
    AnswersDocument,
    Questionnaire,
    as_answers,
    carry_answers,
    default_questionnaire,
    mitigations,
    weak_answer_findings,
)

#: Triage states that leave a finding's risk still to be treated: nobody has decided yet.
UNDECIDED = ("open",)
#: Triage states that take a finding off the risks still present (treated, or not real).
CLOSED = ("mitigated", "false-positive")
#: Triage states that keep the risk but record who carries it: residual risk the authorizing official signs for.
RETAINED = ("accepted", "transferred")


@dataclass(frozen=True, slots=True)
class Triage:
    """What a person decided about one finding (keyed by its fingerprint)."""

    status: str = "open"
    justification: str = ""
    by: str | None = None
    at: dt.datetime | dt.date | str | None = None

    def __post_init__(self) -> None:
        if self.status not in TRIAGE_STATUSES:
            raise ValueError(f"triage status {self.status!r} is not one of {', '.join(TRIAGE_STATUSES)}")

    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat() if isinstance(self.at, (dt.date, dt.datetime)) else self.at
        return {"status": self.status, "justification": self.justification, "by": self.by, "at": at}


_OPEN = Triage()

#: The zones and hosts a finding touches: ``(zones, hosts)``, each sorted.
Scope = tuple[tuple[str, ...], tuple[str, ...]]


def assess(
    estate: Estate,
    answers: Mapping[str, Any] | AnswersDocument | None = None,
    questionnaire: Questionnaire | None = None,
    plan_id: str = "plan",
    as_of: dt.date | None = None,
) -> Analysis:
    """Analyse ``estate`` taking ``answers`` into account.

    ``answers`` may be an :class:`AnswersDocument`, a mapping of question id to
    Answer, entry or bare value, or None (topology only). Answers recorded
    against another questionnaire version are carried over first (ids that no
    longer exist are ignored). Validate answers before calling this
    (``validate_answers``): invalid values are treated as unanswered here.
    """
    credits, weak = answer_inputs(estate, answers, questionnaire, plan_id, as_of)
    return analyze(estate, mitigations=credits, extra_findings=weak)


def answer_inputs(
    estate: Estate | None,
    answers: Mapping[str, Any] | AnswersDocument | None,
    questionnaire: Questionnaire | None = None,
    plan_id: str = "plan",
    as_of: dt.date | None = None,
) -> tuple[list[Mitigation], list[Finding]]:
    """What the answers give the analysis: (mitigations, weak-answer findings)."""
    if not answers:
        return [], []
    questionnaire = questionnaire or default_questionnaire()
    if isinstance(answers, AnswersDocument) and answers.version not in (None, questionnaire.version):
        answers = carry_answers(answers, questionnaire).answers
    return (
        mitigations(questionnaire, answers, estate),
        weak_answer_findings(questionnaire, answers, estate, plan_id=plan_id, as_of=as_of),
    )


def placement_advice(
    estate: Estate,
    before: Analysis,
    answers: Mapping[str, Any] | AnswersDocument | None = None,
    questionnaire: Questionnaire | None = None,
    plan_id: str = "plan",
    options: SolverOptions | None = None,
) -> dict[str, Any]:
    """The placement advisor's proposal for ``estate`` in the contract's shape
    (``placement``, ``unplaced``, ``moves``, ``findings_before``,
    ``findings_after``, ``conflicts``, ``pinned_violations``, and the
    advisor's additions: ``hosts_by_zone``, ``domains``, ``findings_removed``,
    ``findings_added``, ``findings_changed``).

    The one call of the advisor: "findings before" is ``before`` (the plan's
    assessment) and "findings after" is :func:`assess` of the estate with the
    proposal applied, with the same answers — so both are counted the way the
    plan counts them. ``options`` sets the exact solver's budget.
    """
    judge = partial(assess, answers=answers, questionnaire=questionnaire, plan_id=plan_id)
    return advise(estate, judge=judge, before=before, options=options).to_dict()


#: The exact solver's budget for the advice made with every analysis run (and
#: so every report), in CP-SAT's deterministic seconds; the advisor's own
#: default (``SolverOptions().time_limit``) is for advice asked for on its own
#: (``virtplan place``, a placement proposal).
ANALYSIS_TIME_LIMIT = 2.0
#: Above this many VMs an analysis run's advice is the heuristic's alone: the
#: exact solver's model building and search grow with the estate, and an
#: analysis (``POST /analysis``, a report job) must stay quick. A proposal
#: still gets the full budget.
ANALYSIS_EXACT_VMS = 5_000


def analysis_solver(estate: Estate) -> SolverOptions:
    """How hard the advisor tries for an analysis run of ``estate``: a small
    budget, and the heuristic alone beyond :data:`ANALYSIS_EXACT_VMS` VMs.
    Depends on the estate's size only, so a run's advice is deterministic."""
    if len(estate.vms) > ANALYSIS_EXACT_VMS:
        return SolverOptions(
            time_limit=0,
            why_heuristic=f"an analysis run of more than {ANALYSIS_EXACT_VMS:,} VMs advises with the heuristic "
            "alone; a placement proposal gets the exact solver",
        )
    return SolverOptions(time_limit=ANALYSIS_TIME_LIMIT)


def kept_advice(advice: Mapping[str, Any]) -> dict[str, Any]:
    """The advice as a plan keeps it: everything but the per-VM ``placement``
    map (a VM's host is the inventory's unless ``moves`` moves it, or
    ``unplaced`` lists it), which becomes ``placed``, the number of VMs placed."""
    kept = {k: v for k, v in advice.items() if k != "placement"}
    kept["placed"] = len(advice.get("placement") or {})
    return kept


@dataclass(slots=True)
class Assessment:
    """A plan at one version, as every report, page and API call shows it.

    ``findings`` are in :func:`~planner.core.analysis.finding_order`;
    ``summary`` is the analysis summary of exactly those findings (``by_risk``,
    ``by_zone``, ``by_host``, ``by_rule``); ``placement`` is
    :func:`placement_advice` as kept with the plan (:func:`kept_advice`: the
    per-VM map replaced by its size; None when not asked for); ``triage`` maps a
    finding's fingerprint to what a person decided (absent: open).
    ``questionnaire`` is the one the answers are read against (None: the
    packaged one, when needed). ``scopes`` maps a finding's fingerprint to the
    zones and hosts it touches (what ``summary``'s ``by_zone`` and ``by_host``
    count; the stored register filters by them); empty when read back from storage.
    ``hardening`` is what the plan's evidence (a vendor baseline, STIG
    checklists) says per host (None: no evidence attached).
    """

    estate: Estate
    answers: dict[str, Answer]
    findings: list[Finding]
    summary: dict[str, Any]
    placement: dict[str, Any] | None = None
    triage: Mapping[str, Triage] = field(default_factory=dict)
    questionnaire: Questionnaire | None = None
    scopes: Mapping[str, Scope] = field(default_factory=dict)
    hardening: Hardening | None = None

    def triage_of(self, fingerprint: str) -> Triage:
        return self.triage.get(fingerprint) or _OPEN

    @property
    def by_risk(self) -> dict[str, int]:
        """Findings per SP 800-30 risk level, very high first (all five levels)."""
        counts = {level: 0 for level in reversed(LEVELS)}
        for f in self.findings:
            counts[f.risk] += 1
        return counts

    def by_risk_in(self, statuses: tuple[str, ...]) -> dict[str, int]:
        """Like :attr:`by_risk`, counting only findings whose triage status is in ``statuses``."""
        counts = {level: 0 for level in reversed(LEVELS)}
        for f in self.findings:
            if self.triage_of(f.fingerprint).status in statuses:
                counts[f.risk] += 1
        return counts

    def analysis(self) -> dict[str, Any]:
        """The analysis in the contract's shape: ``{"findings": [...], "summary": {...}}``."""
        return {"findings": [f.to_dict() for f in self.findings], "summary": self.summary}


def assessment(
    estate: Estate,
    answers: Mapping[str, Any] | AnswersDocument | None = None,
    questionnaire: Questionnaire | None = None,
    plan_id: str = "plan",
    *,
    placement: bool = True,
    triage: Mapping[str, Triage] | None = None,
    baselines: Sequence[Baseline] = (),
    checklists: Sequence[tuple[str, Checklist]] = (),
) -> Assessment:
    """Assess ``estate`` with ``answers`` and (``placement``) advise a placement
    within the analysis budget (:func:`analysis_solver`): the whole
    :class:`Assessment`, as the service layer stores it per analysis run.
    ``baselines`` and ``checklists`` (evidence name, checklist) give the hosts' hardening."""
    result = assess(estate, answers, questionnaire, plan_id)
    advice = (
        placement_advice(estate, result, answers, questionnaire, plan_id, analysis_solver(estate))
        if placement
        else None
    )
    return Assessment(
        estate=estate,
        answers=as_answers(answers),
        findings=list(result.findings),
        summary=result.summary(),
        placement=kept_advice(advice) if advice is not None else None,
        triage=dict(triage or {}),
        questionnaire=questionnaire,
        scopes={f.fingerprint: scope for f, scope in zip(result.findings, result.scopes, strict=True)},
        hardening=hardening_status(estate, baselines, checklists) if baselines or checklists else None,
    )
