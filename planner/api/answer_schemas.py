"""marshmallow schemas of the questionnaire API: the definition, the catalog,
answers documents, single-answer changes, history and progress.

They document the bodies in OpenAPI and shape the responses; the answers
themselves are checked by the questionnaire engine (it knows each question's
type, choices and conditions), which words every problem with its path.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from planner.core.questionnaire.model import QUESTION_TYPES

_ANY_VALUE = (
    "true/false (yes_no), a choice value (single_choice), a list of choice values "
    "(multiple_choice), a number, a date YYYY-MM-DD, or text; null = unanswered"
)


class _Ordered(Schema):
    class Meta:
        ordered = True


# ------------------------------------------------------------------ definition


class QuestionChoiceSchema(_Ordered):
    value = fields.String()
    label = fields.String()


class QuestionSchema(_Ordered):
    id = fields.String(metadata={"description": "<phase>.<section>.<slug>; stable across versions"})
    text = fields.String()
    help = fields.String(metadata={"description": "why it matters, citing the publication and section"})
    type = fields.String(metadata={"enum": list(QUESTION_TYPES)})
    choices = fields.List(fields.Nested(QuestionChoiceSchema))
    minimum = fields.Float(data_key="min", attribute="min")
    maximum = fields.Float(data_key="max", attribute="max")
    covers = fields.List(fields.String(), metadata={"description": "recommendation ids of the catalog"})
    applies_when = fields.Raw(
        allow_none=True, metadata={"description": "condition (questionnaires/README.md); null = always applies"}
    )
    weak = fields.List(
        fields.Dict(), metadata={"description": "answers that signal a weakness and the finding each produces"}
    )
    mitigates = fields.List(fields.Dict(), metadata={"description": "answers that lower a topology rule's likelihood"})
    restates = fields.List(
        fields.Dict(),
        metadata={
            "description": "answers that claim a fact a topology rule reads in the inventory: no likelihood credit, "
            "the finding notes the contradiction (docs/scoring.md)"
        },
    )


class QuestionnaireSectionSchema(_Ordered):
    id = fields.String()
    title = fields.String()
    questions = fields.List(fields.Nested(QuestionSchema))


class QuestionnairePhaseSchema(_Ordered):
    id = fields.String()
    title = fields.String()
    source = fields.String(metadata={"description": "e.g. SP 800-125 §5.1"})
    description = fields.String()
    sections = fields.List(fields.Nested(QuestionnaireSectionSchema))


class QuestionnaireSchema(_Ordered):
    questionnaire = fields.String(metadata={"example": "virtplan.questionnaire"})
    version = fields.String(metadata={"example": "2026.1"})
    title = fields.String()
    categorization = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "FIPS 199 objective -> question recording the plan's level"},
    )
    catalog_version = fields.String()
    phases = fields.List(fields.Nested(QuestionnairePhaseSchema))


class RecommendationSourceSchema(_Ordered):
    publication = fields.String()
    section = fields.String()
    checked = fields.String(metadata={"description": "how the citation was checked: a key of the catalog's checks"})
    basis = fields.String(metadata={"description": "what our paraphrase rests on"})


class RecommendationSchema(_Ordered):
    id = fields.String(metadata={"description": "VirtPlan's own id (NIST does not number these recommendations)"})
    origin = fields.String(metadata={"description": "whose numbering the id is", "example": "virtplan"})
    paraphrases = fields.String(
        metadata={"description": "the NIST publication and section paraphrased", "example": "SP 800-125 §4.1"}
    )
    group = fields.String()
    source = fields.Nested(RecommendationSourceSchema)
    title = fields.String()
    summary = fields.String(metadata={"description": "our paraphrase, never the publication's text"})
    controls = fields.List(fields.String(), metadata={"description": "SP 800-53 Rev. 5 control ids"})
    control_basis = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "why a control is cited"}
    )


class CatalogIdsSchema(_Ordered):
    origin = fields.String(metadata={"example": "virtplan"})
    statement = fields.String()


class CatalogSchema(_Ordered):
    catalog = fields.String(metadata={"example": "virtplan.catalog"})
    version = fields.String()
    ids = fields.Nested(CatalogIdsSchema, metadata={"description": "the recommendation ids are VirtPlan's own"})
    checks = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "how citations are checked"}
    )
    publications = fields.Dict(keys=fields.String(), values=fields.String())
    groups = fields.Dict(keys=fields.String(), values=fields.Dict())
    controls = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "SP 800-53 Rev. 5 control id -> official title"},
    )
    recommendations = fields.List(fields.Nested(RecommendationSchema))


# ------------------------------------------------------------------ progress


class QuestionnaireSectionProgressSchema(_Ordered):
    id = fields.String()
    title = fields.String()
    answered = fields.Integer()
    applicable = fields.Integer()


class QuestionnairePhaseProgressSchema(QuestionnaireSectionProgressSchema):
    sections = fields.List(fields.Nested(QuestionnaireSectionProgressSchema))


class QuestionnaireProgressSchema(_Ordered):
    version = fields.String(metadata={"description": "questionnaire version"})
    answered = fields.Integer(metadata={"description": "applicable questions answered with a valid value"})
    applicable = fields.Integer(metadata={"description": "questions that apply given the answers and inventory"})
    complete = fields.Boolean()
    phases = fields.List(fields.Nested(QuestionnairePhaseProgressSchema))


# ------------------------------------------------------------------ answers


class AnswerEntrySchema(_Ordered):
    value = fields.Raw(allow_none=True, metadata={"description": _ANY_VALUE})
    comment = fields.String(allow_none=True)
    evidence = fields.String(allow_none=True, metadata={"description": "a document or ticket reference"})
    answered_by = fields.String(allow_none=True, metadata={"description": "set by the server; ignored on write"})
    answered_at = fields.String(
        allow_none=True, metadata={"description": "set by the server (ISO 8601); ignored on write"}
    )


class DroppedAnswerSchema(_Ordered):
    id = fields.String()
    reason = fields.String()


class AnswersInputSchema(_Ordered):
    """The PUT body (documentation only: the engine checks it)."""

    questionnaire = fields.String(metadata={"example": "virtplan.questionnaire"})
    version = fields.String(
        metadata={
            "description": "the version answered against; another one is carried "
            "across (answers to removed questions dropped)"
        }
    )
    plan = fields.String(allow_none=True, metadata={"description": "a label; ignored"})
    answers = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        required=True,
        metadata={
            "description": "question id -> bare value or {value, comment, evidence}; questions left out are cleared"
        },
    )


class AnswersDocumentSchema(_Ordered):
    questionnaire = fields.String()
    version = fields.String(metadata={"description": "the version the answers are shown (carried) under"})
    plan = fields.String(metadata={"description": "the plan's name"})
    answers = fields.Dict(keys=fields.String(), values=fields.Nested(AnswerEntrySchema))
    answered_against = fields.String(
        allow_none=True, metadata={"description": "the version the answers were stored under (null: never answered)"}
    )
    dropped = fields.List(
        fields.Nested(DroppedAnswerSchema),
        metadata={"description": "stored answers the current version drops (removed question or no longer valid)"},
    )
    progress = fields.Nested(QuestionnaireProgressSchema)


class AnswerChangesSchema(_Ordered):
    changed = fields.Boolean(metadata={"description": "false when everything equalled what was stored"})
    set = fields.List(fields.String(), metadata={"description": "question ids given a new answer"})
    cleared = fields.List(fields.String())
    dropped = fields.List(fields.Nested(DroppedAnswerSchema))


class AnswersWriteSchema(AnswersDocumentSchema):
    changes = fields.Nested(AnswerChangesSchema)


class AnswerPatchSchema(_Ordered):
    class Meta:
        ordered = True
        unknown = RAISE

    value = fields.Raw(required=True, allow_none=True, metadata={"description": _ANY_VALUE + " (null clears)"})
    comment = fields.String(allow_none=True)
    evidence = fields.String(allow_none=True)


class AnswerWriteSchema(_Ordered):
    question = fields.String()
    answer = fields.Nested(AnswerEntrySchema, allow_none=True, metadata={"description": "null when cleared"})
    changes = fields.Nested(AnswerChangesSchema)
    progress = fields.Nested(QuestionnaireProgressSchema)


class AnswerEventSchema(_Ordered):
    change = fields.String(metadata={"enum": ["set", "cleared", "dropped"]})
    value = fields.Raw(allow_none=True)
    comment = fields.String(allow_none=True)
    evidence = fields.String(allow_none=True)
    answered_by = fields.String(allow_none=True)
    answered_at = fields.DateTime()
    questionnaire_version = fields.String(allow_none=True)


class AnswerHistorySchema(_Ordered):
    question = fields.String()
    history = fields.List(fields.Nested(AnswerEventSchema), metadata={"description": "oldest first"})
