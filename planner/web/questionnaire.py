"""The lifecycle questionnaire, one page per SP 800-125 phase.

Each page shows its sections as the definition groups them; each question
with its help, the recommendations it covers (with their NIST citations), the
control its type calls for, a comment and evidence, who answered it last and
its history. Only the questions that apply are shown: the server decides
(from the answers and the inventory). With JavaScript (static/questionnaire.js)
the page asks the server again as answers change and shows or hides
questions; without it, a save re-evaluates and the page shows the result.

A save sends only what the person changed (each question carries the value it
was shown with), under the answers' ETag the page was rendered with: if
someone else saved meanwhile, nothing is written and the page comes back with
the typed values kept and the other person's newer answers shown beside the
questions they changed (the optimistic concurrency of the API). A value of
the wrong kind comes back beside its field, with every other value kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound
from wtforms import Field, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import Length

from planner import database
from planner.core.questionnaire import Question, Questionnaire
from planner.core.questionnaire.answers import MAX_TEXT
from planner.services import answers as answer_service
from planner.services import plans as plan_service
from planner.services.errors import Invalid, StaleWrite

from .forms import Form, MultiCheckboxField, options
from .guards import login_required, require_write

bp = Blueprint("questionnaire", __name__)

PLAN_TAB = ("Questionnaire", "web.questionnaire.index")
MAX_NOTE = 5000
#: Form field names beside a question's own (its id).
SHOWN, WAS, COMMENT, EVIDENCE = "shown:", "was:", "comment:", "evidence:"
UNANSWERED = ("", "Not answered")


# --- one form class per phase ---------------------------------------------------------------


def _value_field(q: Question) -> Field:
    """The control a question's type calls for (values as text; _value() reads them)."""
    label = q.text
    if q.type == "yes_no":
        return RadioField(label, choices=options([("yes", "Yes"), ("no", "No"), UNANSWERED]), default="")
    if q.type == "single_choice":
        return RadioField(label, choices=options([(c.value, c.label) for c in q.choices] + [UNANSWERED]), default="")
    if q.type == "multiple_choice":
        return MultiCheckboxField(label, choices=options((c.value, c.label) for c in q.choices))
    if q.type == "number":
        kw = {"type": "number", "step": "any", "inputmode": "decimal"}
        kw |= {"min": f"{q.minimum:g}"} if q.minimum is not None else {}
        kw |= {"max": f"{q.maximum:g}"} if q.maximum is not None else {}
        return StringField(label, render_kw=kw)
    if q.type == "date":
        return StringField(label, render_kw={"type": "date"})
    return TextAreaField(label, validators=[Length(max=MAX_TEXT)])


@functools.cache
def phase_form(questionnaire_version: str, phase_id: str) -> type[Form]:
    """The form of one phase's page (made once per questionnaire version)."""
    q = answer_service.questionnaire()
    phase = next(p for p in q.phases if p.id == phase_id)
    fields: dict[str, Any] = {"version": HiddenField()}
    for section in phase.sections:
        for question in section.questions:
            fields[question.id] = _value_field(question)
            fields[COMMENT + question.id] = TextAreaField("Comment", validators=[Length(max=MAX_NOTE)])
            fields[EVIDENCE + question.id] = StringField(
                "Evidence",
                description="A document, ticket or link that backs the answer.",
                validators=[Length(max=MAX_NOTE)],
            )
            fields[WAS + question.id] = HiddenField()
    return type(f"PhaseForm_{phase_id}", (Form,), fields)


def _shown(value: Any, q: Question) -> Any:
    """A stored value as its form field holds it."""
    if value is None:
        return [] if q.type == "multiple_choice" else ""
    if q.type == "yes_no":
        return "yes" if value else "no"
    if q.type == "number":
        return f"{value:g}" if isinstance(value, float) else str(value)
    return value


def _value(field: Field, q: Question) -> Any:
    """The answer a field holds (None: unanswered); ValueError with what is expected."""
    raw = field.data
    if q.type == "multiple_choice":
        return list(raw) or None
    text = (raw or "").strip() if isinstance(raw, str) else raw
    if text in ("", None):
        return None
    if q.type == "yes_no":
        return {"yes": True, "no": False}[text]
    if q.type == "number":
        try:
            number = float(text)
        except ValueError:
            raise ValueError("Expected a number, such as 12 or 0.5.") from None
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if q.type == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError("Expected a date, written YYYY-MM-DD.") from None
    return raw if q.type == "text" else text


def _fingerprint(value: Any, comment: str | None, evidence: str | None) -> str:
    """What a question held when the page was made, to tell what the person changed."""
    return json.dumps([value, comment or None, evidence or None], sort_keys=True)


# --- pages ----------------------------------------------------------------------------------


def _phase_or_404(q: Questionnaire, phase_id: str):
    for phase in q.phases:
        if phase.id == phase_id:
            return phase
    raise NotFound(f"no phase {phase_id!r} in the questionnaire (expected one of {', '.join(p.id for p in q.phases)})")


@bp.route("/plans/<int:plan_id>/questionnaire")
@login_required
def index(plan_id: int):
    """The first phase with questions open (or the first phase)."""
    state = answer_service.questionnaire_state(database.session(), g.caller, plan_id)
    phases = state.progress.phases
    target = next((p for p in phases if p.answered < p.applicable), phases[0])
    return redirect(url_for("web.questionnaire.phase", plan_id=plan_id, phase_id=target.id))


@bp.route("/plans/<int:plan_id>/questionnaire/<phase_id>", methods=["GET", "POST"])
@login_required
def phase(plan_id: int, phase_id: str):
    db = database.session()
    state = answer_service.questionnaire_state(db, g.caller, plan_id)
    the_phase = _phase_or_404(state.questionnaire, phase_id)
    questions = [q for s in the_phase.sections for q in s.questions]
    form_class = phase_form(state.questionnaire.version, phase_id)
    applicable = dict(state.evaluation.applicable)
    others: dict[str, dict] = {}
    mine: set[str] = set()
    status = 200
    if request.method == "POST":
        require_write()
        form = form_class()
        form.validate()
        changes, unsaved = _changes(form, questions)
        mine = set(changes)
        if form.problem_count == 0:
            try:
                saved = answer_service.save_answers(db, g.caller, plan_id, changes, form.version.data or None)
            except StaleWrite:
                db.rollback()
                others = {
                    e["question_id"]: e for e in answer_service.changes_since(db, g.caller, plan_id, form.version.data)
                }
                state = answer_service.questionnaire_state(db, g.caller, plan_id)
                _take_theirs(form, questions, state.answers, others, mine)
                form.version.data = state.etag
                form.form_errors.append(
                    "Someone else saved answers since you opened this page, so nothing was saved. Their newer answers "
                    "are shown below, marked; your changes are kept in the form. Save again to store them."
                )
                status = 409
            except Invalid as exc:
                db.rollback()
                form.adopt(exc.problems, {f"answers.{q.id}": q.id for q in questions})
            else:
                db.commit()
                _flash_saved(saved, state.questionnaire)
                return redirect(url_for("web.questionnaire.phase", plan_id=plan_id, phase_id=phase_id))
        if status == 200:
            status = 422
        applicable = answer_service.applicability(db, g.caller, plan_id, unsaved)
    else:
        form = form_class(formdata=None, data=_initial(state, questions))
    return render_template(
        "questionnaire/phase.html",
        plan=state.plan,
        state=state,
        phase=the_phase,
        progress=next(p for p in state.progress.phases if p.id == phase_id),
        form=form,
        applicable=applicable,
        others=others,
        mine=mine,
        can_write=g.caller.can("write"),
        fields=dict(comment=COMMENT, evidence=EVIDENCE, was=WAS, shown=SHOWN),
    ), status


def _initial(state: answer_service.QuestionnaireState, questions: list[Question]) -> dict[str, Any]:
    data: dict[str, Any] = {"version": state.etag}
    for q in questions:
        a = state.answers.get(q.id)
        value, comment, evidence = (a.value, a.comment, a.evidence) if a else (None, None, None)
        data[q.id] = _shown(value, q)
        data[COMMENT + q.id] = comment or ""
        data[EVIDENCE + q.id] = evidence or ""
        data[WAS + q.id] = _fingerprint(value, comment, evidence)
    return data


def _changes(form: Form, questions: list[Question]) -> tuple[dict[str, dict], dict[str, Any]]:
    """(the answers the person changed, the values every shown question holds)
    from a posted form; a value of the wrong kind becomes its field's error."""
    changes: dict[str, dict] = {}
    unsaved: dict[str, Any] = {}
    for q in questions:
        if SHOWN + q.id not in request.form:
            continue  # not shown (the question did not apply): left as it is
        field = form[q.id]
        try:
            value = _value(field, q)
        except ValueError as exc:
            field.errors = [*field.errors, str(exc)]
            continue
        unsaved[q.id] = value
        comment = (form[COMMENT + q.id].data or "").strip() or None
        evidence = (form[EVIDENCE + q.id].data or "").strip() or None
        if _fingerprint(value, comment, evidence) != form[WAS + q.id].data:
            changes[q.id] = {"value": value, "comment": comment, "evidence": evidence}
    return changes, unsaved


def _take_theirs(form: Form, questions: list[Question], stored: dict, others: dict[str, dict], mine: set[str]) -> None:
    """After a stale save: questions someone else changed and this person did not now show
    the stored answer; every question's "was" becomes what is stored now."""
    for q in questions:
        a = stored.get(q.id)
        value, comment, evidence = (a.value, a.comment, a.evidence) if a else (None, None, None)
        if q.id in others and q.id not in mine:
            form[q.id].data = _shown(value, q)
            form[COMMENT + q.id].data = comment or ""
            form[EVIDENCE + q.id].data = evidence or ""
        form[WAS + q.id].data = _fingerprint(value, comment, evidence)


def _flash_saved(saved: answer_service.PageSave, q: Questionnaire) -> None:
    changes = saved.write.changes
    n = len(changes.set) + len(changes.cleared)
    flash(f"Saved: {n} answer{'s' if n != 1 else ''} changed." if n else "Nothing to save: no answer was changed.")
    if saved.cleared or saved.not_saved:
        texts = "; ".join(q.questions[qid].text for qid in saved.cleared + saved.not_saved)
        flash(f"No longer asked, given your answers, so cleared (their history keeps them): {texts}")


@bp.route("/plans/<int:plan_id>/questionnaire/<phase_id>/applicability", methods=["POST"])
@login_required
def applicability(plan_id: int, phase_id: str):
    """Which questions apply with the form's unsaved values: {question id: true/false} (for questionnaire.js)."""
    db = database.session()
    plan_service.get_plan(db, g.caller, plan_id)  # another organization's plan: 404 before 403
    require_write()  # only the form that saves asks
    q = answer_service.questionnaire()
    the_phase = _phase_or_404(q, phase_id)
    questions = [question for s in the_phase.sections for question in s.questions]
    form = phase_form(q.version, phase_id)()
    _changes_unused, unsaved = _changes(form, questions)
    return jsonify(answer_service.applicability(db, g.caller, plan_id, unsaved))


@bp.route("/plans/<int:plan_id>/questionnaire/history/<question_id>")
@login_required
def history(plan_id: int, question_id: str):
    db = database.session()
    state = answer_service.questionnaire_state(db, g.caller, plan_id)
    events = answer_service.answer_history(db, g.caller, plan_id, question_id)
    rows, before = [], None
    for e in events:
        rows.append({**e, "before": before})
        before = e["value"] if e["change"] == "set" else None
    question = state.questionnaire.questions.get(question_id)
    return render_template(
        "questionnaire/history.html", plan=state.plan, question=question, question_id=question_id, rows=rows[::-1]
    )
