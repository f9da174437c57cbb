"""The lifecycle questionnaire and a plan's answers.

``GET /api/v1/questionnaire`` (and ``/catalog``) serve the definition;
``/api/v1/plans/{id}/answers`` holds a plan's answers in the answers-file
format of ``virtplan questionnaire export``: PUT replaces them all (validated,
all-or-nothing), PATCH ``/answers/{question_id}`` sets or clears one, and
``/history`` lists every change to one. Writes carry and honour ETags.
Bodies are read by :mod:`.bodies` (400/415 problems) and checked by the
questionnaire engine through :mod:`planner.services.answers` (422 problems
with path ``answers.<question id>``).
"""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from planner import database
from planner.services import answers as service

from .answer_schemas import (
    AnswerHistorySchema,
    AnswerPatchSchema,
    AnswersDocumentSchema,
    AnswersInputSchema,
    AnswersWriteSchema,
    AnswerWriteSchema,
    CatalogSchema,
    QuestionnaireSchema,
)
from .auth import current_caller
from .blueprint import Blueprint
from .bodies import BodyError, json_body

blp = Blueprint(
    "answers",
    __name__,
    url_prefix="/api/v1",
    description="The SP 800-125 lifecycle questionnaire and each plan's answers.",
)

_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "the ETag of the answers this change is based on; a stale one gets 412",
}
_PUT_BODY = {"required": True, "content": {"application/json": {"schema": AnswersInputSchema}}}
_PATCH_BODY = {"required": True, "content": {"application/json": {"schema": AnswerPatchSchema}}}
_422 = {422: {"description": "every problem, each with its path (answers.<question id>); nothing was stored"}}


@blp.route("/questionnaire")
class QuestionnaireDefinition(MethodView):
    @blp.response(200, QuestionnaireSchema)
    def get(self):
        """The questionnaire: version, phases, sections and questions (with conditions and weak answers)."""
        q = service.questionnaire()
        return q.to_dict(), 200, {"ETag": f'"questionnaire-{q.version}"'}


@blp.route("/questionnaire/catalog")
class QuestionnaireCatalog(MethodView):
    @blp.response(200, CatalogSchema)
    def get(self):
        """The knowledge catalog: recommendations (paraphrased, with sources) and SP 800-53 controls."""
        catalog = service.questionnaire().catalog
        return catalog.to_dict(), 200, {"ETag": f'"catalog-{catalog.version}"'}


@blp.route("/plans/<int:plan_id>/answers")
class PlanAnswers(MethodView):
    @blp.response(200, AnswersDocumentSchema)
    def get(self, plan_id):
        """The plan's answers (who and when per answer) and its progress per phase and section."""
        db = database.session()
        plan, document = service.answers_document(db, current_caller(), plan_id)
        return document, 200, {"ETag": service.answers_etag(db, plan)}

    @blp.doc(requestBody=_PUT_BODY, parameters=[_IF_MATCH], responses=_422)
    @blp.response(200, AnswersWriteSchema)
    def put(self, plan_id):
        """Replace all answers. All-or-nothing; unchanged answers keep their history."""
        try:
            body = json_body()
        except BodyError as exc:
            return exc.response
        db = database.session()
        written = service.put_answers(db, current_caller(), plan_id, body, request.headers.get("If-Match"))
        db.commit()
        return (
            {**written.document, "changes": written.changes.to_dict()},
            200,
            {"ETag": service.answers_etag(db, written.plan)},
        )


@blp.route("/plans/<int:plan_id>/answers/<string:question_id>")
class PlanAnswer(MethodView):
    @blp.doc(requestBody=_PATCH_BODY, parameters=[_IF_MATCH], responses=_422)
    @blp.response(200, AnswerWriteSchema)
    def patch(self, plan_id, question_id):
        """Set one answer, or clear it with a null value."""
        try:
            body = json_body()
        except BodyError as exc:
            return exc.response
        db = database.session()
        written = service.patch_answer(
            db, current_caller(), plan_id, question_id, body, request.headers.get("If-Match")
        )
        db.commit()
        body = {
            "question": question_id,
            "answer": written.document["answers"].get(question_id),
            "changes": written.changes.to_dict(),
            "progress": written.document["progress"],
        }
        return body, 200, {"ETag": service.answers_etag(db, written.plan)}


@blp.route("/plans/<int:plan_id>/answers/<string:question_id>/history")
class PlanAnswerHistory(MethodView):
    @blp.response(200, AnswerHistorySchema)
    def get(self, plan_id, question_id):
        """Every answer given to one question (and each clearing), oldest first, with who and when."""
        history = service.answer_history(database.session(), current_caller(), plan_id, question_id)
        return {"question": question_id, "history": history}
