"""How large and how deep an inventory document (or a patch) may be, as the
structure check of :func:`planner.core.json_input.parse_json` needs it: the
shape of the contract, derived from the schemas of :mod:`.schema` (their
Length bounds; an object holds at most its declared fields), so a document of
millions of empty arrays is refused before it is built."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from planner.core.json_input import STRAY, Limits, Shape

from . import schema as s

#: Arrays and objects in a whole document: about ten per VM in a real estate,
#: so room for the largest the contract allows (docs/inventory-limits.md).
MAX_CONTAINERS = 3_000_000
#: The contract nests five deep (document, vms, a VM, its nics, a NIC); a few
#: levels more let the validator word a misplaced array or object.
MAX_DEPTH = 8
#: Members beyond an object's declared fields that still reach the validator
#: (which refuses each by name); more make the document absurd.
UNKNOWN_FIELDS = 100


def _max_length(field: fields.Field[Any]) -> int | None:
    for v in field.validators:
        if isinstance(v, validate.Length) and v.max is not None:
            return v.max
    return None


def _field_shape(field: fields.Field[Any] | None) -> Shape | None:
    if isinstance(field, fields.Nested):
        return schema_shape(field.nested if isinstance(field.nested, type) else type(field.nested))
    if isinstance(field, fields.List):
        bound = _max_length(field)
        return Shape(bound if bound is not None else STRAY.max_items, items=_field_shape(field.inner))
    if isinstance(field, fields.Dict):
        bound = _max_length(field)
        return Shape(bound if bound is not None else STRAY.max_items, items=_field_shape(field.value_field))
    return None  # a scalar: an array or object here is a STRAY


def schema_shape(schema_cls: type[Schema]) -> Shape:
    """The shape of an object described by ``schema_cls``: its declared fields and,
    so that the validator can name them, up to :data:`UNKNOWN_FIELDS` others."""
    declared = schema_cls._declared_fields
    children = {name: shape for name, field in declared.items() if (shape := _field_shape(field)) is not None}
    return Shape(len(declared) + UNKNOWN_FIELDS, children)


DOCUMENT = Limits(schema_shape(s.InventorySchema), MAX_DEPTH, MAX_CONTAINERS)

_document = DOCUMENT.shape
PATCH = Limits(
    Shape(
        _document.max_items + 1,  # the document's fields, and delete
        {
            **_document.fields,
            "delete": Shape(
                len(s.COLLECTIONS) + UNKNOWN_FIELDS, {name: Shape(s.MAX_OBJECTS[name]) for name in s.COLLECTIONS}
            ),
        },
    ),
    MAX_DEPTH,
    MAX_CONTAINERS,
)
