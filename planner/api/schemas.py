"""marshmallow schemas of the API's own bodies (plans). The inventory document's
schemas live in the core (:mod:`planner.core.inventory.schema`)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from planner.core.inventory.schema import COLLECTIONS
from planner.core.text import Text
from planner.services.plans import MAX_DESCRIPTION, MAX_NAME

from .answer_schemas import QuestionnaireProgressSchema


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


def _plan_name(**kw) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=MAX_NAME), Text()], **kw)


def _plan_description(**kw) -> fields.String:
    return fields.String(allow_none=True, validate=[validate.Length(max=MAX_DESCRIPTION), Text(multiline=True)], **kw)


class PlanCreateSchema(_Strict):
    name = _plan_name(required=True)
    description = _plan_description(load_default=None)


class PlanUpdateSchema(_Strict):
    name = _plan_name()
    description = _plan_description()

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data:
            raise ValidationError("send name, description or both", "_schema")


class PlanSchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer(dump_only=True)
    name = fields.String()
    description = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    inventory_version = fields.Integer(metadata={"description": "grows with every change of the inventory"})
    inventory_updated_at = fields.DateTime(allow_none=True)
    counts = fields.Dict(
        keys=fields.String(validate=validate.OneOf(COLLECTIONS)),
        values=fields.Integer(),
        metadata={"description": "objects per inventory collection"},
    )
    progress = fields.Nested(
        QuestionnaireProgressSchema,
        metadata={"description": "questionnaire answered / applicable per phase and section (GET of one plan only)"},
    )


class InventoryWriteSchema(Schema):
    class Meta:
        ordered = True

    plan = fields.Integer()
    inventory_version = fields.Integer()
    changed = fields.Boolean(metadata={"description": "false when the document equals what was stored"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
