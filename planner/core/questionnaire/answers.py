"""Answers: the answers file format, each answer's value check, and carrying
answers across questionnaire versions.

An answers document (YAML or JSON; the CLI's ``questionnaire export`` writes a
blank one)::

    questionnaire: virtplan.questionnaire      # optional, must be this if given
    version: "2026.1"                          # the version answered against; optional (= current)
    plan: dmz-consolidation                    # optional label
    answers:
      initiation.scope.desktop_virtualization: false          # a bare value, or
      planning.management.dedicated_network:
        value: true
        comment: "Mgmt VLAN 10, routed only to the admin jump hosts"
        evidence: "CHG-4711 network design v3, p. 12"
        answered_by: "j.doe"                                  # optional
        answered_at: "2026-10-02"                             # optional

Value per question type: yes_no true/false; single_choice one choice value;
multiple_choice a list of choice values (``[]`` = none of them); number; date
``YYYY-MM-DD``; text a string. ``null`` (or an absent id) means unanswered. The
keys ``text``, ``type``, ``choices`` and ``help`` in an entry are informational
(the JSON export writes them) and are ignored when read.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.core.documents import DocumentError, document_text, read_yaml
from planner.core.inventory.validate import Problem
from planner.core.json_input import JsonInputError, parse_json
from planner.core.text import text_problem

from .conditions import as_date
from .model import Question, Questionnaire

DOCUMENT_KEYS = ("questionnaire", "version", "plan", "answers")
ANSWER_KEYS = ("value", "comment", "evidence", "answered_by", "answered_at")
INFORMATIONAL_KEYS = ("text", "type", "choices", "help")
MAX_TEXT = 20_000
#: The largest answers file read as YAML: the demo's answers are 10 KB, every question
#: answered with a long comment well under 1 MiB; PyYAML reads a few MiB a second.
MAX_ANSWERS_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Answer:
    value: Any
    comment: str | None = None
    evidence: str | None = None
    answered_by: str | None = None
    answered_at: str | None = None

    @property
    def answered(self) -> bool:
        return self.value is not None and not (isinstance(self.value, str) and not self.value.strip())

    def to_dict(self) -> dict[str, Any]:
        out = {"value": self.value}
        for key in ANSWER_KEYS[1:]:
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass(slots=True)
class AnswersDocument:
    answers: dict[str, Answer]
    version: str | None = None
    plan: str | None = None

    def to_dict(self, questionnaire_id: str = "virtplan.questionnaire") -> dict[str, Any]:
        return {
            "questionnaire": questionnaire_id,
            "version": self.version,
            "plan": self.plan,
            "answers": {qid: a.to_dict() for qid, a in self.answers.items()},
        }


class AnswersError(ValueError):
    """An answers document of the wrong shape; ``problems`` lists each with its path."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("invalid answers: " + "; ".join(str(p) for p in problems[:3]))


def _plain(value: Any) -> Any:
    """YAML turns unquoted dates into date objects; answers keep ISO strings."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def as_answer(raw: Any) -> Answer:
    """An Answer from an Answer, an entry mapping with ``value``, or a bare value."""
    if isinstance(raw, Answer):
        return raw
    if isinstance(raw, dict) and "value" in raw:
        return Answer(_plain(raw.get("value")), *(_plain(raw.get(k)) for k in ANSWER_KEYS[1:]))
    return Answer(_plain(raw))


def as_answers(answers: Mapping[str, Any] | AnswersDocument | None) -> dict[str, Answer]:
    """Normalise what callers pass (a document, Answers, entries or bare values)."""
    if answers is None:
        return {}
    if isinstance(answers, AnswersDocument):
        return dict(answers.answers)
    return {str(qid): as_answer(raw) for qid, raw in answers.items()}


def parse_answers_document(data: Any) -> AnswersDocument:
    """Check the shape of a parsed answers document (not the values: see
    :func:`.engine.validate_answers`). Raises :class:`AnswersError`."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise AnswersError([Problem("", "expected a mapping with an 'answers' mapping")])
    for key in sorted(set(data) - set(DOCUMENT_KEYS), key=str):
        problems.append(Problem(str(key), f"unknown key; expected {', '.join(DOCUMENT_KEYS)}"))
    if data.get("questionnaire", "virtplan.questionnaire") != "virtplan.questionnaire":
        problems.append(Problem("questionnaire", "expected 'virtplan.questionnaire'"))
    version = data.get("version")
    if version is not None and not isinstance(version, str):
        problems.append(Problem("version", 'expected a quoted version string such as "2026.1"'))
    elif isinstance(version, str) and (problem := text_problem(version)):
        problems.append(Problem("version", problem))
    plan = data.get("plan")
    if plan is not None and not isinstance(plan, str):
        problems.append(Problem("plan", "expected text"))
    elif isinstance(plan, str) and (problem := text_problem(plan)):
        problems.append(Problem("plan", problem))
    raw = data.get("answers")
    answers: dict[str, Answer] = {}
    if not isinstance(raw, dict):
        problems.append(Problem("answers", "required: a mapping of question id to answer"))
        raw = {}
    for qid, entry in raw.items():
        path = f"answers.{qid}"
        if not isinstance(qid, str):
            problems.append(Problem(path, "a question id is text"))
            continue
        if isinstance(entry, dict):
            if "value" not in entry:
                problems.append(Problem(path, "an answer entry needs 'value' (or give the bare value)"))
                continue
            for key in sorted(set(entry) - set(ANSWER_KEYS) - set(INFORMATIONAL_KEYS), key=str):
                problems.append(Problem(f"{path}.{key}", f"unknown key; expected {', '.join(ANSWER_KEYS)}"))
            for key in ANSWER_KEYS[1:]:
                value = _plain(entry.get(key))
                if value is not None and not isinstance(value, str):
                    problems.append(Problem(f"{path}.{key}", "expected text"))
                elif isinstance(value, str) and len(value) > MAX_TEXT:
                    problems.append(Problem(f"{path}.{key}", f"longer than {MAX_TEXT} characters"))
                elif isinstance(value, str) and (problem := text_problem(value, multiline=True)):
                    problems.append(Problem(f"{path}.{key}", problem))
            entry = {k: v for k, v in entry.items() if k in ANSWER_KEYS}  # noqa: PLW2901 -- the entry, trimmed
        answers[qid] = as_answer(entry)
    if problems:
        raise AnswersError(problems)
    return AnswersDocument(answers, version, plan)


def read_answers(path: str | Path) -> AnswersDocument:
    """Read an answers file (``.json`` as JSON, anything else as YAML)."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        data = parse_json(raw) if path.suffix.lower() == ".json" else read_yaml(document_text(raw), MAX_ANSWERS_BYTES)
    except JsonInputError as exc:
        raise AnswersError(exc.problems) from None
    except DocumentError as exc:
        raise AnswersError([Problem("", str(exc))]) from None
    return parse_answers_document(data)


def value_problem(question: Question, value: Any) -> str | None:
    """Why ``value`` is not a valid answer to ``question``, or None if it is.
    ``None`` (unanswered) is always valid."""
    if value is None:
        return None
    kind = question.type
    if kind == "yes_no":
        return None if isinstance(value, bool) else "expected true or false"
    if kind == "single_choice":
        return (
            None
            if isinstance(value, str) and value in question.choice_values
            else f"expected one of {', '.join(question.choice_values)}"
        )
    if kind == "multiple_choice":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"expected a list of choices among {', '.join(question.choice_values)}"
        bad = [v for v in value if v not in question.choice_values]
        if bad:
            return f"not a choice: {', '.join(bad)}; expected among {', '.join(question.choice_values)}"
        return "a choice is listed twice" if len(set(value)) != len(value) else None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "expected a number"
        if not math.isfinite(value):
            return f"expected a finite number, got {value}"
        if question.minimum is not None and value < question.minimum:
            return f"expected at least {question.minimum:g}"
        if question.maximum is not None and value > question.maximum:
            return f"expected at most {question.maximum:g}"
        return None
    if kind == "date":
        ok = isinstance(value, (str, dt.date)) and as_date(value) is not None
        return None if ok else "expected a date YYYY-MM-DD"
    if kind == "text":
        if not isinstance(value, str):
            return "expected text"
        if len(value) > MAX_TEXT:
            return f"longer than {MAX_TEXT} characters"
        return text_problem(value, multiline=True)
    raise AssertionError(kind)


def unknown_id_message(questionnaire: Questionnaire, qid: str) -> str:
    close = difflib.get_close_matches(qid, list(questionnaire.questions), n=1, cutoff=0.8)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown question id in questionnaire version {questionnaire.version}{hint}"


@dataclass(frozen=True, slots=True)
class DroppedAnswer:
    id: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "reason": self.reason}


@dataclass(slots=True)
class CarriedAnswers:
    """The answers that survive a move to another questionnaire version."""

    answers: dict[str, Answer]
    dropped: list[DroppedAnswer] = field(default_factory=list)
    from_version: str | None = None
    to_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "from_version": self.from_version,
            "to_version": self.to_version,
            "answers": {k: a.to_dict() for k, a in self.answers.items()},
            "dropped": [d.to_dict() for d in self.dropped],
        }


def carry_answers(
    answers: Mapping[str, Any] | AnswersDocument, questionnaire: Questionnaire, from_version: str | None = None
) -> CarriedAnswers:
    """Keep each answer whose question id still exists and whose value is still
    valid for it (a removed choice, a changed type drop it); report the rest.

    Answers are keyed by stable question ids, so a new questionnaire version
    keeps everything it did not remove or redefine.
    """
    if isinstance(answers, AnswersDocument):
        from_version = from_version or answers.version
    kept: dict[str, Answer] = {}
    dropped: list[DroppedAnswer] = []
    for qid, answer in as_answers(answers).items():
        question = questionnaire.questions.get(qid)
        if question is None:
            dropped.append(DroppedAnswer(qid, f"no such question in version {questionnaire.version}"))
            continue
        problem = value_problem(question, answer.value)
        if problem:
            dropped.append(DroppedAnswer(qid, f"answer no longer valid in version {questionnaire.version}: {problem}"))
            continue
        kept[qid] = answer
    return CarriedAnswers(kept, dropped, from_version, questionnaire.version)


def merge_answers(existing: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Answer]:
    """Apply a partial update (a PATCH): each change replaces the answer to its
    question; a change whose value is null with no comment or evidence clears it."""
    merged = as_answers(existing)
    for qid, answer in as_answers(changes).items():
        if answer.value is None and answer.comment is None and answer.evidence is None:
            merged.pop(qid, None)
        else:
            merged[qid] = answer
    return merged
