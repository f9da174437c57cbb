"""The one input every report format is built from: a plan's assessment, with
what the document says about itself (name, organization, version, date).

The CLI builds the :class:`~planner.core.assessment.Assessment` from files
(:func:`planner.core.assessment.assessment`), the report jobs from the stored
analysis run (:func:`planner.services.assessment.plan_assessment`); the
renderers never reach further than this object, so every format says the same
thing about the same plan, whichever door it came through.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from planner.core.analysis.findings import TRIAGE_STATUSES
from planner.core.assessment import Assessment, Triage

#: Triage states a user may set on a finding (shared/spec/analysis-v1.md), plus
#: "open", the state of a finding nobody has triaged yet.
TRIAGE_STATES = TRIAGE_STATUSES

__all__ = ["TRIAGE_STATES", "PlanReport", "Triage"]


@dataclass(slots=True)
class PlanReport:
    """A plan's assessment, ready to render.

    ``plan_id`` seeds the deterministic OSCAL UUIDs (default: the plan name);
    ``analysis_run`` names the stored analysis run the assessment was read
    from (None: assessed from files). ``generated`` is the only thing that may
    differ between two renderings of the same assessment.
    """

    name: str
    organization: str
    assessment: Assessment
    version: str = "1"
    generated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
    plan_id: str | None = None
    analysis_run: int | None = None

    @property
    def estate(self) -> Any:
        return self.assessment.estate

    @property
    def findings(self) -> list:
        return self.assessment.findings

    @property
    def answers(self) -> dict:
        return self.assessment.answers

    @property
    def questionnaire(self) -> Any:
        return self.assessment.questionnaire

    @property
    def placement(self) -> dict | None:
        return self.assessment.placement

    @property
    def seed(self) -> str:
        """The stable identity of the plan, for deterministic identifiers."""
        return self.plan_id or self.name

    def answer(self, question_id: str) -> Any:
        """The value answered for ``question_id``, or None."""
        entry = self.answers.get(question_id)
        return entry.value if entry is not None and entry.answered else None

    def triage_of(self, fingerprint: str) -> Triage:
        return self.assessment.triage_of(fingerprint)
