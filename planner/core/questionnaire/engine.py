"""Which questions apply to a plan, whether its answers are valid, and how far
it has got. Pure functions of (questionnaire, answers, estate).

Applicability is decided in questionnaire order: a condition may only refer to
questions defined before it (the loader enforces this), so one pass settles
everything. The estate may be None (a plan answered before its inventory
exists): inventory conditions are then unknown and their questions shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.core.inventory import Estate
from planner.core.inventory.validate import Problem

from .answers import Answer, AnswersDocument, as_answers, unknown_id_message, value_problem
from .conditions import INVENTORY_FACTS
from .model import Questionnaire


class Evaluation:
    """The context conditions are evaluated in, for one plan.

    Holds the valid answers (an invalid value counts as unanswered, so a typo
    cannot crash or steer a condition), the inventory facts (computed on first
    use) and the applicability of every question.
    """

    def __init__(
        self,
        questionnaire: Questionnaire,
        answers: Mapping[str, Any] | AnswersDocument | None,
        estate: Estate | None = None,
        as_of: dt.date | None = None,
        facts: Mapping[str, Any] | None = None,
    ):
        self.questionnaire = questionnaire
        self.answers: dict[str, Answer] = as_answers(answers)
        self.estate = estate
        self._as_of = as_of or (estate.as_of if estate is not None else None)
        #: Inventory facts known already (see :func:`inventory_facts`): then no estate is needed.
        self._facts: dict[str, Any] = dict(facts or {})
        self.values: dict[str, Any] = {}
        for qid, answer in self.answers.items():
            question = questionnaire.questions.get(qid)
            if question is not None and answer.answered and value_problem(question, answer.value) is None:
                self.values[qid] = answer.value
        self.applicable: dict[str, bool] = {}
        for qid, question in questionnaire.questions.items():
            verdict = question.applies_when.evaluate(self) if question.applies_when else True
            self.applicable[qid] = verdict is not False

    # --- the conditions.Context protocol
    @property
    def as_of(self) -> dt.date:
        return self._as_of or dt.date.today()

    def answer_state(self, qid: str) -> tuple[str, Any]:
        if not self.applicable.get(qid, False):
            return "inapplicable", None
        if qid not in self.values:
            return "unanswered", None
        return "answered", self.values[qid]

    def fact(self, name: str) -> Any:
        if name in self._facts:
            return self._facts[name]
        if self.estate is None:
            return None
        if name not in self._facts:
            self._facts[name] = INVENTORY_FACTS[name][1](self.estate)
        return self._facts[name]

    # --- queries
    def answered(self, qid: str) -> bool:
        """Applicable and answered with a valid value."""
        return self.applicable.get(qid, False) and qid in self.values


def inventory_facts(estate: Estate) -> dict[str, Any]:
    """Every inventory fact a condition may test, of one estate: what an
    :class:`Evaluation` needs of the inventory, small enough to keep."""
    return {name: fact(estate) for name, (_kind, fact) in INVENTORY_FACTS.items()}


def applicable(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any] | AnswersDocument | None = None,
    estate: Estate | None = None,
) -> set[str]:
    """Ids of the questions that apply to a plan with these answers and this estate."""
    ev = Evaluation(questionnaire, answers, estate)
    return {qid for qid, ok in ev.applicable.items() if ok}


def validate_answers(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any] | AnswersDocument | None,
    estate: Estate | None = None,
    partial: bool = False,
    *,
    facts: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
) -> list[Problem]:
    """Every problem with a set of answers, each with path ``answers.<qid>``.

    Reports unknown question ids, values of the wrong type or outside the
    choices/bounds, and (unless ``partial``) answers to questions that do not
    apply given the other answers and the estate (or its ``facts`` and ``as_of``,
    see :func:`inventory_facts`). ``partial=True`` is for a
    fragment (one PATCHed answer) whose context is the stored set: check the
    fragment with it, then validate the merged whole (see ``merge_answers``).
    Problems come in questionnaire order, unknown ids last.
    """
    given = as_answers(answers)
    problems: list[Problem] = []
    ev = None if partial else Evaluation(questionnaire, given, estate, as_of, facts)
    for qid, question in questionnaire.questions.items():
        if qid not in given:
            continue
        value = given[qid].value
        message = value_problem(question, value)
        if message:
            problems.append(Problem(f"answers.{qid}", message))
        elif ev is not None and given[qid].answered and not ev.applicable[qid] and question.applies_when is not None:
            problems.append(
                Problem(
                    f"answers.{qid}",
                    f"question does not apply to this plan (it applies when {question.applies_when.describe()})",
                )
            )
    for qid in given:
        if qid not in questionnaire.questions:
            problems.append(Problem(f"answers.{qid}", unknown_id_message(questionnaire, qid)))
    return problems


# ------------------------------------------------------------------ progress


@dataclass(frozen=True, slots=True)
class SectionProgress:
    id: str
    title: str
    answered: int
    applicable: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "answered": self.answered, "applicable": self.applicable}


@dataclass(frozen=True, slots=True)
class PhaseProgress:
    id: str
    title: str
    answered: int
    applicable: int
    sections: tuple[SectionProgress, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "answered": self.answered,
            "applicable": self.applicable,
            "sections": [s.to_dict() for s in self.sections],
        }


@dataclass(frozen=True, slots=True)
class Progress:
    version: str
    answered: int
    applicable: int
    phases: tuple[PhaseProgress, ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        return self.answered == self.applicable

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "answered": self.answered,
            "applicable": self.applicable,
            "complete": self.complete,
            "phases": [p.to_dict() for p in self.phases],
        }


def progress(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any] | AnswersDocument | None = None,
    estate: Estate | None = None,
    *,
    evaluation: Evaluation | None = None,
) -> Progress:
    """Answered / applicable per section, phase and overall. An answer counts
    when its question applies and its value is valid. ``evaluation``: one made
    already (with known inventory facts), instead of answers and estate."""
    ev = evaluation or Evaluation(questionnaire, answers, estate)
    phases = []
    for phase in questionnaire.phases:
        sections = []
        for section in phase.sections:
            ids = [q.id for q in section.questions if ev.applicable[q.id]]
            sections.append(SectionProgress(section.id, section.title, sum(map(ev.answered, ids)), len(ids)))
        phases.append(
            PhaseProgress(
                phase.id,
                phase.title,
                sum(s.answered for s in sections),
                sum(s.applicable for s in sections),
                tuple(sections),
            )
        )
    return Progress(
        questionnaire.version, sum(p.answered for p in phases), sum(p.applicable for p in phases), tuple(phases)
    )
