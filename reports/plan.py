"""The one input every report format is built from: an analysed plan.

The CLI builds a :class:`PlanReport` from files, the API from the database (the
triage a user recorded, the plan's version); the renderers never reach further
than this object, so every format says the same thing about the same plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.core.analysis.findings import TRIAGE_STATUSES
from planner.core.questionnaire import Answer, as_answers

#: Triage states a user may set on a finding (shared/spec/analysis-v1.md), plus
#: "open", the state of a finding nobody has triaged yet.
TRIAGE_STATES = TRIAGE_STATUSES


@dataclass(frozen=True, slots=True)
class Triage:
    """What a user decided about one finding, keyed by its fingerprint."""

    status: str = "open"
    justification: str = ""
    by: str | None = None
    at: dt.datetime | dt.date | str | None = None

    def __post_init__(self) -> None:
        if self.status not in TRIAGE_STATES:
            raise ValueError(f"triage status {self.status!r} is not one of {', '.join(TRIAGE_STATES)}")

    def to_dict(self) -> dict:
        at = self.at.isoformat() if isinstance(self.at, (dt.date, dt.datetime)) else self.at
        return {"status": self.status, "justification": self.justification, "by": self.by, "at": at}


@dataclass(slots=True)
class PlanReport:
    """An analysed plan, ready to render.

    ``analysis`` is what :func:`planner.core.analysis.analyze` (or
    :func:`planner.core.assessment.assess`) returns; the renderers read its
    ``findings`` and, for the JSON export, its ``to_dict()``.
    ``questionnaire`` is the questionnaire the answers belong to (None: the
    current default questionnaire, when it loads); ``answers`` maps a question id to ``{"value", "comment",
    "evidence"}`` (or is an ``AnswersDocument``); it is normalised to
    :class:`planner.core.questionnaire.Answer` objects.
    ``triage`` maps a finding fingerprint to a :class:`Triage`.
    ``placement`` is the placement advisor's output in the contract's shape
    (``placement``, ``unplaced``, ``moves``, ``findings_before``, ``findings_after``).
    ``plan_id`` seeds the deterministic OSCAL UUIDs; it defaults to the plan name.
    ``generated`` is the only thing that may differ between two renderings.
    """

    name: str
    organization: str
    estate: Any
    analysis: Any
    version: str = "1"
    generated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
    questionnaire: Any = None
    answers: Mapping[str, Answer] | Any = None
    triage: Mapping[str, Triage] = field(default_factory=dict)
    placement: Mapping | None = None
    plan_id: str | None = None

    def __post_init__(self) -> None:
        self.answers = as_answers(self.answers)

    @property
    def findings(self) -> list:
        return list(self.analysis.findings)

    @property
    def seed(self) -> str:
        """The stable identity of the plan, for deterministic identifiers."""
        return self.plan_id or self.name

    def answer(self, question_id: str) -> Any:
        """The value answered for ``question_id``, or None."""
        entry = self.answers.get(question_id)
        return entry.value if entry is not None and entry.answered else None

    def triage_of(self, fingerprint: str) -> Triage:
        return self.triage.get(fingerprint) or Triage()
