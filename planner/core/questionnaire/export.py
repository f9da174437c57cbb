"""Blank answers files for consultants who work offline.

The YAML form carries each question's text, help, choices and conditions as
comments above its entry, so the file reads as the questionnaire itself; the
JSON form (no comments in JSON) carries them as informational keys that
:func:`.answers.parse_answers_document` ignores when the file comes back.
Both read back as valid, empty answers.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from .model import Question, Questionnaire

_TYPE_HINT = {
    "yes_no": "true or false",
    "single_choice": "one of the values below",
    "multiple_choice": "a list of the values below, e.g. [a, b]; [] for none",
    "number": "a number",
    "date": "a date, YYYY-MM-DD",
    "text": "text (quote it if it contains a colon)",
}


def _comment(text: str, indent: str, width: int = 96) -> list[str]:
    lines = []
    for paragraph in text.splitlines() or [""]:
        wrapped = textwrap.wrap(paragraph, width - len(indent) - 2) or [""]
        lines += [f"{indent}# {line}".rstrip() for line in wrapped]
    return lines


def _question_comments(q: Question, indent: str) -> list[str]:
    lines = _comment(q.text, indent)
    lines += _comment(f"Why: {q.help}", indent)
    hint = _TYPE_HINT[q.type]
    if q.type == "number" and (q.minimum is not None or q.maximum is not None):
        hint += f" ({q.minimum if q.minimum is not None else ''}..{q.maximum if q.maximum is not None else ''})"
    lines += _comment(f"Answer: {hint}", indent)
    for c in q.choices:
        lines += _comment(f"  {c.value}: {c.label}", indent)
    if q.applies_when is not None:
        lines += _comment(f"Applies when {q.applies_when.describe()}.", indent)
    if q.covers:
        lines += _comment(f"Covers: {', '.join(q.covers)}", indent)
    return lines


def blank_answers_yaml(questionnaire: Questionnaire) -> str:
    """A commented YAML answers file with every question unanswered (null)."""
    out = [
        f"# {questionnaire.title}",
        f"# Answers file for questionnaire version {questionnaire.version}. Fill in each `value`;",
        "# leave null what is unknown or does not apply. `comment` and `evidence` are optional",
        "# text (evidence: a document or ticket reference). Check it with",
        "#   virtplan questionnaire validate THIS_FILE [--inventory INVENTORY.json]",
        "questionnaire: virtplan.questionnaire",
        f"version: {json.dumps(questionnaire.version)}",
        "plan: null",
        "answers:",
    ]
    for phase in questionnaire.phases:
        out += ["", f"  # {'=' * 86}", f"  # {phase.title} ({phase.source})"]
        out += _comment(phase.description, "  ") if phase.description else []
        out.append(f"  # {'=' * 86}")
        for section in phase.sections:
            out += ["", f"  # --- {phase.title} / {section.title} ---"]
            for q in section.questions:
                out.append("")
                out += _question_comments(q, "  ")
                out.append(f"  {q.id}:")
                out += ["    value: null", "    comment: null", "    evidence: null"]
    return "\n".join(out) + "\n"


def blank_answers_document(questionnaire: Questionnaire) -> dict[str, Any]:
    """The JSON form: informational text, type and choices beside each null value."""
    answers: dict[str, dict[str, Any]] = {}
    for q in questionnaire.questions.values():
        entry: dict[str, Any] = {"text": q.text, "type": q.type}
        if q.choices:
            entry["choices"] = [c.value for c in q.choices]
        entry.update({"value": None, "comment": None, "evidence": None})
        answers[q.id] = entry
    return {"questionnaire": questionnaire.id, "version": questionnaire.version, "plan": None, "answers": answers}
