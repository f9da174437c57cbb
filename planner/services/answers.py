"""A plan's questionnaire answers: read, replace, change one, their history and
the plan's progress. Always scoped to the caller's organization (another
organization's plan is :class:`NotFound`).

The questionnaire engine decides what is valid; this module decides what is
stored. Validation runs against the plan's stored inventory, because which
questions apply depends on it (a hosted-hypervisor question applies only when
the inventory holds a type 2 hypervisor). A write is all-or-nothing: any
problem raises :class:`Invalid` listing every problem, and nothing is written.

Who and when are the server's: each stored answer records the caller's label
and the time it was given; ``answered_by``/``answered_at`` in a request body
(an answers file carries them) are accepted and ignored. Every change (set,
cleared, or dropped when a new questionnaire version no longer has the
question) appends an :class:`models.AnswerEvent`; an answer equal to the stored
one changes nothing and writes no event.

Answers are kept under the questionnaire version they were given against
(``Plan.questionnaire_version``). When the packaged questionnaire is newer they
are carried across (``carry_answers``): reads show the carried set and report
what would be dropped; the next write stores the carried set and records the
drops.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Answer as AnswerRow
from models import AnswerEvent, Plan
from models.base import utcnow
from models.inventory_store import inventory_digest, read_estate
from planner.core.inventory import Estate
from planner.core.questionnaire import (
    Answer,
    AnswersDocument,
    AnswersError,
    DroppedAnswer,
    Evaluation,
    Progress,
    Questionnaire,
    carry_answers,
    default_questionnaire,
    inventory_facts,
    merge_answers,
    parse_answers_document,
    progress,
    read_answers,
    validate_answers,
)
from planner.core.text import valid_text

from .accounts import Caller
from .errors import Invalid, NotFound, StaleWrite
from .plans import get_plan

#: Keys the answers document gains when read (GET); a PUT of a document as it
#: was read ignores them, so read -> edit -> write round-trips.
READ_ONLY_KEYS = ("progress", "dropped", "answered_against", "changes")
PATCH_KEYS = ("value", "comment", "evidence")


@dataclass
class Changes:
    """What a write did, by question id, in questionnaire order."""

    set: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    dropped: list[DroppedAnswer] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.set or self.cleared or self.dropped)

    def to_dict(self) -> dict:
        return {
            "changed": self.changed,
            "set": list(self.set),
            "cleared": list(self.cleared),
            "dropped": [d.to_dict() for d in self.dropped],
        }


@dataclass
class AnswersWrite:
    """The outcome of a PUT or PATCH: the plan, what changed and the answers document after it."""

    plan: Plan
    changes: Changes
    document: dict


# ------------------------------------------------------------------ reading


def questionnaire() -> Questionnaire:
    """The questionnaire answers are validated against (the packaged, current one)."""
    return default_questionnaire()


def plan_estate(session: Session, plan: Plan) -> Estate:
    """The plan's stored inventory as an estate (an empty inventory is an estate with no objects)."""
    return read_estate(session, plan)


@dataclass(frozen=True)
class InventoryContext:
    """What the questionnaire needs of a plan's inventory: the inventory facts its
    conditions test and the date it is as of (not the estate itself)."""

    facts: dict[str, Any]
    as_of: dt.date | None

    def evaluation(self, q: Questionnaire, answers: Mapping[str, Any]) -> Evaluation:
        return Evaluation(q, answers, None, self.as_of, self.facts)

    def problems(self, q: Questionnaire, answers: Mapping[str, Any]) -> list:
        """Every problem with a whole set of answers (the engine's ``validate_answers``)."""
        return validate_answers(q, answers, facts=self.facts, as_of=self.as_of)


#: The last contexts made, by the digest of the inventory document they were made from:
#: content-addressed (the same document gives the same facts in any process and at any
#: time), so a write, a rolled-back write or another process's write can never leave a
#: stale one; losing them costs one read. Small: a few hundred bytes each.
_contexts: OrderedDict[str, InventoryContext] = OrderedDict()
_CONTEXTS_KEPT = 256
_contexts_lock = threading.Lock()


def inventory_context(session: Session, plan: Plan) -> InventoryContext:
    """The plan's :class:`InventoryContext` (remembered by the digest of its inventory)."""
    digest = inventory_digest(session, plan)
    with _contexts_lock:
        if digest in _contexts:
            _contexts.move_to_end(digest)
            return _contexts[digest]
    estate = read_estate(session, plan)
    context = InventoryContext(inventory_facts(estate), estate.as_of)
    with _contexts_lock:
        _contexts[digest] = context
        while len(_contexts) > _CONTEXTS_KEPT:
            _contexts.popitem(last=False)
    return context


def _rows(session: Session, plan: Plan) -> dict[str, AnswerRow]:
    rows = session.scalars(select(AnswerRow).where(AnswerRow.plan_id == plan.id).order_by(AnswerRow.id))
    return {row.question_id: row for row in rows}


def _as_answer(row: AnswerRow) -> Answer:
    return Answer(
        row.value, row.comment, row.evidence, row.answered_by, row.answered_at.isoformat() if row.answered_at else None
    )


def _current(plan: Plan, rows: dict[str, AnswerRow], q: Questionnaire) -> tuple[dict[str, Answer], list[DroppedAnswer]]:
    """The stored answers as they stand under the current questionnaire version,
    and those a move from the stored version drops."""
    stored = {qid: _as_answer(row) for qid, row in rows.items()}
    if plan.questionnaire_version in (None, q.version):
        return stored, []
    carried = carry_answers(stored, q, plan.questionnaire_version)
    return carried.answers, carried.dropped


def current_answers(session: Session, plan: Plan) -> dict[str, Answer]:
    """The plan's stored answers under the current questionnaire version (no
    scoping: for use cases that already hold the caller's plan)."""
    return _current(plan, _rows(session, plan), questionnaire())[0]


_Row = TypeVar("_Row")


def _ordered(answers: Mapping[str, _Row], q: Questionnaire) -> dict[str, _Row]:
    """In questionnaire order (then any ids the questionnaire does not know, sorted)."""
    index = {qid: i for i, qid in enumerate(q.questions)}
    return dict(sorted(answers.items(), key=lambda kv: (index.get(kv[0], len(index)), kv[0])))


def answers_etag(session: Session, plan: Plan, q: Questionnaire | None = None) -> str:
    """Changes exactly when an answer changes (every change is an event) or the questionnaire does."""
    q = q or questionnaire()
    last = session.scalar(select(func.max(AnswerEvent.id)).where(AnswerEvent.plan_id == plan.id)) or 0
    return f'"answers-{plan.id}-e{last}-q{q.version}"'


def _document(session: Session, plan: Plan, q: Questionnaire, context: InventoryContext | None = None) -> dict:
    """The answers document the API answers with (``context``: the plan's, when the caller read it already)."""
    answers, dropped = _current(plan, _rows(session, plan), q)
    context = context or inventory_context(session, plan)
    return {
        "questionnaire": q.id,
        "version": q.version,
        "plan": plan.name,
        "answers": {qid: a.to_dict() for qid, a in _ordered(answers, q).items()},
        "answered_against": plan.questionnaire_version,
        "dropped": [d.to_dict() for d in dropped],
        "progress": progress(q, evaluation=context.evaluation(q, answers)).to_dict(),
    }


def get_answers(session: Session, caller: Caller, plan_id: int) -> dict[str, Answer]:
    """The plan's answers (question id -> Answer with who/when/comment/evidence),
    carried to the current questionnaire version, in questionnaire order."""
    plan = get_plan(session, caller, plan_id)
    q = questionnaire()
    return _ordered(_current(plan, _rows(session, plan), q)[0], q)


def answers_document(session: Session, caller: Caller, plan_id: int) -> tuple[Plan, dict]:
    """The answers as an answers document (the format of ``virtplan questionnaire
    export``), with who/when per answer, progress, and any answers a
    questionnaire version change drops."""
    plan = get_plan(session, caller, plan_id)
    return plan, _document(session, plan, questionnaire())


def plan_progress(session: Session, plan: Plan) -> dict:
    """Answered / applicable overall, per phase and per section (the engine's ``progress``)."""
    return plan_progress_of(session, plan).to_dict()


def plan_progress_of(session: Session, plan: Plan) -> Progress:
    q = questionnaire()
    answers, _dropped = _current(plan, _rows(session, plan), q)
    return progress(q, evaluation=inventory_context(session, plan).evaluation(q, answers))


@dataclass
class QuestionnaireState:
    """What a questionnaire page shows: the answers, which questions apply, the
    progress, and the answers' ETag the page's save sends back as If-Match."""

    plan: Plan
    questionnaire: Questionnaire
    answers: dict[str, Answer]
    evaluation: Evaluation
    progress: Progress
    etag: str


def questionnaire_state(session: Session, caller: Caller, plan_id: int) -> QuestionnaireState:
    plan = get_plan(session, caller, plan_id)
    q = questionnaire()
    answers, _dropped = _current(plan, _rows(session, plan), q)
    evaluation = inventory_context(session, plan).evaluation(q, answers)
    return QuestionnaireState(
        plan, q, _ordered(answers, q), evaluation, progress(q, evaluation=evaluation), answers_etag(session, plan, q)
    )


def applicability(session: Session, caller: Caller, plan_id: int, unsaved: Mapping[str, Any]) -> dict[str, bool]:
    """Which questions apply if the stored answers had the ``unsaved`` values
    (question id -> value, as a form holds them before a save): the server's
    answer to a page that shows and hides questions as they are answered.
    Values that are not valid answers count as unanswered."""
    plan = get_plan(session, caller, plan_id)
    q = questionnaire()
    answers, _dropped = _current(plan, _rows(session, plan), q)
    merged = dict(answers)
    for qid, value in unsaved.items():
        if qid in q.questions:
            merged[qid] = Answer(value)
    return dict(inventory_context(session, plan).evaluation(q, merged).applicable)


def changes_since(session: Session, caller: Caller, plan_id: int, etag: str | None) -> list[dict]:
    """The answer changes made after the answers' version ``etag`` (an ETag from
    :func:`answers_etag`), oldest first: what someone else saved meanwhile."""
    plan = get_plan(session, caller, plan_id)
    match = re.fullmatch(r'(?:W/)?"answers-(\d+)-e(\d+)-q[^"]*"', (etag or "").strip())
    if match is None or int(match.group(1)) != plan.id:
        return []
    events = session.scalars(
        select(AnswerEvent)
        .where(AnswerEvent.plan_id == plan.id, AnswerEvent.id > int(match.group(2)))
        .order_by(AnswerEvent.id)
    ).all()
    return [_event_dict(e) for e in events]


def _event_dict(e: AnswerEvent) -> dict:
    return {
        "question_id": e.question_id,
        "change": e.change,
        "value": e.value,
        "comment": e.comment,
        "evidence": e.evidence,
        "answered_by": e.answered_by,
        "answered_at": e.answered_at,
        "questionnaire_version": e.questionnaire_version,
    }


def answer_history(session: Session, caller: Caller, plan_id: int, question_id: str) -> list[dict]:
    """Every change to one answer, oldest first. A question the questionnaire
    does not know is NotFound unless the plan has history for it (a dropped one)."""
    plan = get_plan(session, caller, plan_id)
    if not valid_text(question_id):  # no question has such an id (and PostgreSQL cannot compare it)
        raise NotFound(f"no question {question_id!r} in questionnaire version {questionnaire().version}")
    events = session.scalars(
        select(AnswerEvent)
        .where(AnswerEvent.plan_id == plan.id, AnswerEvent.question_id == question_id)
        .order_by(AnswerEvent.id)
    ).all()
    if not events and question_id not in questionnaire().questions:
        raise NotFound(f"no question {question_id!r} in questionnaire version {questionnaire().version}")
    return [{k: v for k, v in _event_dict(e).items() if k != "question_id"} for e in events]


# ------------------------------------------------------------------ writing


def _check_precondition(session: Session, plan: Plan, q: Questionnaire, if_match: str | None) -> None:
    if if_match is None:
        return
    current = answers_etag(session, plan, q)
    wanted = {tag.strip() for tag in if_match.split(",")}
    if "*" not in wanted and current not in wanted and f"W/{current}" not in wanted:
        raise StaleWrite(f"the answers have changed: their current ETag is {current}")


def _invalid(problems, message: str = "the answers are invalid; nothing was stored") -> Invalid:
    return Invalid(message, [p.to_dict() for p in problems])


def _parse(body: Any) -> AnswersDocument:
    if isinstance(body, AnswersDocument):
        return body
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in READ_ONLY_KEYS}
    try:
        return parse_answers_document(body)
    except AnswersError as exc:
        raise _invalid(exc.problems, "the answers document is malformed; nothing was stored") from None


def _kept(answer: Answer) -> Answer | None:
    """What is stored for an answer: a blank value is no value; empty texts are none;
    nothing at all (no value, comment or evidence) is no answer."""
    value = answer.value if answer.answered else None
    comment = answer.comment or None
    evidence = answer.evidence or None
    if value is None and comment is None and evidence is None:
        return None
    return Answer(value, comment, evidence)


def _same_value(a: Any, b: Any) -> bool:
    """Equal as JSON values (True is not 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same_value, a, b))
    return a == b


def _unchanged(row: AnswerRow, answer: Answer) -> bool:
    return _same_value(row.value, answer.value) and row.comment == answer.comment and row.evidence == answer.evidence


def _write(
    session: Session,
    plan: Plan,
    caller: Caller,
    q: Questionnaire,
    rows: dict[str, AnswerRow],
    wanted: dict[str, Answer],
    dropped: list[DroppedAnswer],
) -> Changes:
    """Make the stored answers ``wanted``: rewrite only what differs, an event per change."""
    now = utcnow()
    who = caller.label or None
    changes = Changes(dropped=list(dropped))
    dropped_ids = {d.id for d in dropped}

    def event(qid: str, change: str, answer: Answer | None) -> None:
        session.add(
            AnswerEvent(
                plan_id=plan.id,
                question_id=qid,
                change=change,
                value=answer.value if answer else None,
                comment=answer.comment if answer else None,
                evidence=answer.evidence if answer else None,
                answered_by=who,
                answered_at=now,
                questionnaire_version=q.version,
            )
        )

    for qid in _ordered(dict(rows), q):
        if qid not in wanted:
            event(qid, "dropped" if qid in dropped_ids else "cleared", None)
            if qid not in dropped_ids:
                changes.cleared.append(qid)
            session.delete(rows[qid])
    for qid, answer in _ordered(wanted, q).items():
        row = rows.get(qid)
        if row is not None and _unchanged(row, answer):
            continue
        if row is None:
            row = AnswerRow(plan_id=plan.id, question_id=qid)
            session.add(row)
        row.value, row.comment, row.evidence = answer.value, answer.comment, answer.evidence
        row.answered_by, row.answered_at = who, now
        event(qid, "set", answer)
        changes.set.append(qid)
    if plan.questionnaire_version != q.version:
        plan.questionnaire_version = q.version
    session.flush()
    return changes


def put_answers(session: Session, caller: Caller, plan_id: int, body: Any, if_match: str | None = None) -> AnswersWrite:
    """Replace all of the plan's answers with those in ``body`` (an answers
    document, parsed JSON/YAML or an :class:`AnswersDocument`).

    All-or-nothing: unknown question ids, wrong types or choices and answers to
    questions that do not apply (given the other answers and the stored
    inventory) raise :class:`Invalid` listing every problem (path
    ``answers.<qid>``), and nothing is written. A document recorded against
    another questionnaire version is carried across first; the answers it
    drops are reported in ``changes.dropped``, not refused.
    """
    q = questionnaire()
    plan = get_plan(session, caller, plan_id, for_update=True)
    document = _parse(body)
    _check_precondition(session, plan, q, if_match)
    given, dropped = dict(document.answers), []
    if document.version not in (None, q.version):
        carried = carry_answers(document, q)
        given, dropped = carried.answers, carried.dropped
    context = inventory_context(session, plan)
    problems = context.problems(q, given)
    if problems:
        raise _invalid(problems)
    wanted = {qid: kept for qid, a in given.items() if (kept := _kept(a)) is not None}
    changes = _write(session, plan, caller, q, _rows(session, plan), wanted, [])
    changes.dropped = dropped
    return AnswersWrite(plan, changes, _document(session, plan, q))


def patch_answer(
    session: Session, caller: Caller, plan_id: int, question_id: str, body: Any, if_match: str | None = None
) -> AnswersWrite:
    """Set or clear one answer. ``body`` is ``{"value", "comment", "evidence"}``;
    a null value with no comment or evidence clears it.

    The merged set is validated; only problems this change introduces refuse
    it (e.g. answering "no" to desktop virtualization while desktop questions
    are answered), so an answer the inventory has since made inapplicable does
    not block unrelated edits. Answers stored under an older questionnaire
    version are carried across first and the drops recorded.
    """
    q = questionnaire()
    plan = get_plan(session, caller, plan_id, for_update=True)
    if not isinstance(body, dict):
        raise Invalid(
            "the answer is invalid; nothing was stored",
            [{"path": "", "message": "expected an object with value, comment and evidence"}],
        )
    shape_problems = [
        {"path": key, "message": f"unknown key; expected {', '.join(PATCH_KEYS)}"}
        for key in sorted(set(body) - set(PATCH_KEYS), key=str)
    ]
    if "value" not in body:
        shape_problems.append({"path": "value", "message": "required (null clears the answer)"})
    if shape_problems:
        raise Invalid("the answer is invalid; nothing was stored", shape_problems)
    return _save(session, caller, plan, q, {question_id: body}, if_match, "the answer is invalid; nothing was stored")[
        0
    ]


@dataclass
class PageSave:
    """What a page's save did: the write, and the answers it took away because the
    saved answers made their questions no longer apply (``cleared``: stored ones,
    kept in their history; ``not_saved``: values given in the same save)."""

    write: AnswersWrite
    cleared: list[str]
    not_saved: list[str]


def save_answers(
    session: Session, caller: Caller, plan_id: int, changes: Mapping[str, Any], if_match: str | None
) -> PageSave:
    """Set or clear several answers at once, as a questionnaire page saves them:
    ``changes`` maps question ids to ``{"value", "comment", "evidence"}`` (a null
    value with no comment or evidence clears the answer). The optimistic
    concurrency of the API: with ``if_match`` naming an older version of the
    answers, :class:`StaleWrite` and nothing is written.

    Like :func:`patch_answer`, only problems this save introduces refuse it
    (every problem listed, path ``answers.<qid>``, nothing written). Unlike
    it, answers whose questions this save makes inapplicable (answering "no"
    to desktop virtualization) are cleared rather than refused: a person who
    changes an answer on a page sees the questions that hang off it go away.
    """
    q = questionnaire()
    plan = get_plan(session, caller, plan_id, for_update=True)
    write, void, stored = _save(
        session,
        caller,
        plan,
        q,
        changes,
        if_match,
        "the answers are invalid; nothing was stored",
        clear_inapplicable=True,
    )
    return PageSave(write, [qid for qid in void if qid in stored], [qid for qid in void if qid not in stored])


def _save(
    session: Session,
    caller: Caller,
    plan: Plan,
    q: Questionnaire,
    changes: Mapping[str, Any],
    if_match: str | None,
    message: str,
    clear_inapplicable: bool = False,
) -> tuple[AnswersWrite, list[str], dict[str, Answer]]:
    """Merge ``changes`` into the stored answers and write them: (the write, the
    answers cleared because the change made their questions inapplicable — only
    with ``clear_inapplicable`` —, the answers stored before)."""
    try:
        change = parse_answers_document({"answers": dict(changes)}).answers
    except AnswersError as exc:
        raise _invalid(exc.problems, message) from None
    _check_precondition(session, plan, q, if_match)
    context = inventory_context(session, plan)
    problems = validate_answers(q, change, partial=True)
    if problems:
        raise _invalid(problems, message)
    rows = _rows(session, plan)
    stored, dropped = _current(plan, rows, q)
    merged = merge_answers(stored, change)
    void: list[str] = []
    if clear_inapplicable:
        was = context.evaluation(q, stored).applicable
        now = context.evaluation(q, merged).applicable
        void = [
            qid
            for qid, answer in merged.items()
            if qid in q.questions
            and q.questions[qid].applies_when is not None
            and answer.answered
            and not now[qid]
            and (was[qid] or qid not in stored)
        ]
        for qid in void:
            del merged[qid]
    before = {(p.path, p.message) for p in context.problems(q, stored)}
    problems = [p for p in context.problems(q, merged) if (p.path, p.message) not in before]
    if problems:
        raise _invalid(problems, message)
    wanted = {qid: kept for qid, a in merged.items() if (kept := _kept(a)) is not None}
    written = _write(session, plan, caller, q, rows, wanted, dropped)
    return AnswersWrite(plan, written, _document(session, plan, q, context)), void, stored


def load_answers_file(session: Session, caller: Caller, plan_id: int, path: str | Path) -> AnswersWrite:
    """Replace the plan's answers with an answers file (YAML or JSON), as PUT
    does: for the demo and other server-side imports (no HTTP)."""
    try:
        document = read_answers(path)
    except AnswersError as exc:
        raise _invalid(exc.problems, f"{path}: the answers file is malformed") from None
    return put_answers(session, caller, plan_id, document)


__all__ = [
    "READ_ONLY_KEYS",
    "AnswersWrite",
    "Changes",
    "PageSave",
    "QuestionnaireState",
    "answer_history",
    "answers_document",
    "answers_etag",
    "applicability",
    "changes_since",
    "current_answers",
    "get_answers",
    "load_answers_file",
    "patch_answer",
    "plan_estate",
    "plan_progress",
    "plan_progress_of",
    "put_answers",
    "questionnaire",
    "questionnaire_state",
    "save_answers",
]
