"""The lifecycle questionnaire engine (issue 4). Pure: no Flask, no database.

The questions and the recommendation catalog are data (``questionnaires/*.yaml``);
this package loads and validates them, decides which questions apply to a plan
(from its answers so far and its inventory), checks answers, measures progress,
and turns answers into what the risk analysis needs: findings for weak answers
and mitigations that lower topology findings' likelihood.

Typical use::

    q = default_questionnaire()
    doc = read_answers("answers.yaml")              # or parse_answers_document(json_body)
    problems = validate_answers(q, doc, estate)     # [] when valid
    findings = weak_answer_findings(q, doc, estate, plan_id="42")
    credits = mitigations(q, doc, estate)
"""

from .answers import (
    Answer,
    AnswersDocument,
    AnswersError,
    CarriedAnswers,
    DroppedAnswer,
    as_answers,
    carry_answers,
    merge_answers,
    parse_answers_document,
    read_answers,
    value_problem,
)
from .conditions import INVENTORY_FACTS
from .definition import (
    BASELINE_OF_LEVEL,
    BASELINES,
    PHASES,
    TOPOLOGY_RULES,
    DefinitionError,
    control_baselines,
    default_questionnaire,
    load_catalog,
    load_control_baselines,
    load_questionnaire,
)
from .engine import (
    Evaluation,
    PhaseProgress,
    Progress,
    SectionProgress,
    applicable,
    inventory_facts,
    progress,
    validate_answers,
)
from .identification import IDENTIFICATION, ORGANIZATION, SYSTEM_NAME, answered_text
from .model import Catalog, Phase, Question, Questionnaire, Recommendation, Section
from .weakness import fingerprint, mitigations, plan_high_water, weak_answer_findings

__all__ = [
    "BASELINES",
    "BASELINE_OF_LEVEL",
    "IDENTIFICATION",
    "INVENTORY_FACTS",
    "ORGANIZATION",
    "PHASES",
    "SYSTEM_NAME",
    "TOPOLOGY_RULES",
    "Answer",
    "AnswersDocument",
    "AnswersError",
    "CarriedAnswers",
    "Catalog",
    "DefinitionError",
    "DroppedAnswer",
    "Evaluation",
    "Phase",
    "PhaseProgress",
    "Progress",
    "Question",
    "Questionnaire",
    "Recommendation",
    "Section",
    "SectionProgress",
    "answered_text",
    "applicable",
    "as_answers",
    "carry_answers",
    "control_baselines",
    "default_questionnaire",
    "fingerprint",
    "inventory_facts",
    "load_catalog",
    "load_control_baselines",
    "load_questionnaire",
    "merge_answers",
    "mitigations",
    "parse_answers_document",
    "plan_high_water",
    "progress",
    "read_answers",
    "validate_answers",
    "value_problem",
    "weak_answer_findings",
]
