"""The assessment use case: an estate plus questionnaire answers -> one analysis.

The topology rules judge the inventory; the answers add what an inventory
cannot show (policy, process, monitoring). This module joins the two: the
questionnaire engine turns the answers into mitigations (which lower the
likelihood of topology findings, each with a factor naming the answer) and
weak-answer findings (scored the same SP 800-30 way), and the analysis engine
takes both. The CLI, the API and the reports all call this one function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from planner.core.analysis import Analysis, Finding, Mitigation, analyze
from planner.core.inventory import Estate
from planner.core.questionnaire import (
    AnswersDocument,
    Questionnaire,
    carry_answers,
    default_questionnaire,
    mitigations,
    weak_answer_findings,
)


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
    """What the answers give the analysis: (mitigations, weak-answer findings).

    For callers that run the analysis themselves (the CLI's ``emit_analysis``).
    """
    if not answers:
        return [], []
    questionnaire = questionnaire or default_questionnaire()
    if isinstance(answers, AnswersDocument) and answers.version not in (None, questionnaire.version):
        answers = carry_answers(answers, questionnaire).answers
    return (
        mitigations(questionnaire, answers, estate),
        weak_answer_findings(questionnaire, answers, estate, plan_id=plan_id, as_of=as_of),
    )
