"""The inventory document from JSON bytes, and back to its canonical JSON.

The typed form of a normalized document is :class:`.estate.InventoryDocument`
(its objects are the estate's). Encoded with msgspec it is the document's
*canonical JSON*: keys in the contract's order, defaults filled in, no
whitespace. Storage keeps and hashes that form and the API answers a read
with it as it is, so one document is always the same bytes.

:func:`document_from_json` reads a document from JSON bytes. Almost every
document that arrives is valid, and for those it stays in C (msgspec): one
decode into *checking types* generated from the contract's marshmallow
schemas (types, ranges, lengths, patterns, enumerations, required and
unknown fields, null), one decode into the estate's own classes, and a few
set operations for ids and references. Anything that pass does not accept
as plainly valid goes to the full path (:func:`.validate.validate_document`
after :func:`.read_json`), which decides and words every problem with its
JSON path. So the fast path decides nothing on its own: it only accepts
documents the full path accepts, with the same result (tests compare them).

What the fast path leaves to the full path, besides any problem at all:
text with a backslash (escapes) or, outside ASCII, a character some text
rule could be about (C1 controls, line separators, bidirectional controls);
and a repeated key in an object. Repeated keys are found without a parser of
our own: the checking types leave absent fields unset, so encoding the
checked document again writes exactly the members the text had, once each;
with no escapes, every ``:`` outside a string is a member, and strings keep
their ``:``, so the text and the re-encoded document hold the same number of
``:`` exactly when no key was repeated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from functools import cache
from itertools import chain
from operator import attrgetter
from typing import Annotated, Any, Literal

import msgspec
from marshmallow import Schema, fields, validate

from planner.core.allocation import bulk_allocation
from planner.core.text import Text

from . import schema as s
from .estate import Estate, InventoryDocument, Policy
from .validate import InventoryError, validate_document

# -- canonical JSON ------------------------------------------------------------------------------

_encoder = msgspec.json.Encoder()
_untyped = msgspec.json.Decoder()
_typed = msgspec.json.Decoder(InventoryDocument)


def canonical_json(doc: InventoryDocument) -> bytes:
    """The canonical JSON of a normalized document."""
    return _encoder.encode(doc)


def document_from_dict(normalized: dict[str, Any]) -> InventoryDocument:
    """The typed form of a normalized document (the validator's output, or a stored one)."""
    return msgspec.convert(normalized, InventoryDocument)


def document_from_canonical(data: bytes) -> InventoryDocument:
    """The typed form of a document's canonical JSON (as stored: trusted, not checked again)."""
    with bulk_allocation():
        return _typed.decode(data)


def dict_from_canonical(data: bytes) -> dict[str, Any]:
    """The normalized document as plain data, from its canonical JSON."""
    with bulk_allocation():
        doc: dict[str, Any] = _untyped.decode(data)
    return doc


def header_of(doc: InventoryDocument) -> dict[str, Any]:
    """The document without its collections: schema, as_of, source, policy (as plain data)."""
    return {
        f.name: msgspec.to_builtins(getattr(doc, f.name))
        for f in dataclasses.fields(doc)
        if f.name not in s.COLLECTIONS
    }


def counts_of(doc: InventoryDocument) -> dict[str, int]:
    """How many objects each collection holds."""
    return {name: len(getattr(doc, name)) for name in s.COLLECTIONS}


def estate_from_document(doc: dict[str, Any], today: dt.date | None = None) -> Estate:
    """Typed objects from a normalized, validated document."""
    return document_from_dict(doc).estate(today)


# -- reading JSON bytes --------------------------------------------------------------------------


def document_from_json(raw: bytes) -> InventoryDocument:
    """The normalized document in ``raw`` (UTF-8 JSON); :class:`.validate.InventoryError`
    lists every problem, each with its JSON path, when it is not a valid inventory."""
    doc = plainly_valid(raw)
    if doc is None:
        doc = document_from_dict(validate_document(read_json(raw)))
    return doc


def read_json(raw: bytes) -> Any:
    """Parse JSON bytes with the strict reader within the contract's limits
    (:func:`planner.core.json_input.parse_json`, :mod:`.limits`); what it refuses
    becomes an InventoryError with each problem's position or path."""
    from planner.core.json_input import JsonInputError, parse_json

    from .limits import DOCUMENT

    try:
        return parse_json(raw, DOCUMENT)
    except JsonInputError as exc:
        raise InventoryError(exc.problems) from None


#: Bytes of UTF-8 characters a text rule could be about: DEL, C1 controls, the line and
#: paragraph separators, the bidirectional controls (escaped forms hold a backslash).
_SUSPECT_TEXT = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]")


def _plain(raw: bytes) -> bool:
    """No escapes and no character the text rule (:mod:`planner.core.text`) could be
    about anywhere in ``raw``, and no more arrays and objects than the contract's
    limits allow (brackets inside strings counted too: an upper bound)."""
    from .limits import MAX_CONTAINERS

    if b"\\" in raw or raw.count(b"{") + raw.count(b"[") > MAX_CONTAINERS:
        return False
    return b"\x7f" not in raw if raw.isascii() else _SUSPECT_TEXT.search(raw) is None


def plainly_valid(raw: bytes) -> InventoryDocument | None:
    """The normalized document in ``raw`` if it is plainly valid (see the module
    docstring), read in C; None at any doubt (the full path then decides)."""
    if not _plain(raw):
        return None
    try:
        with bulk_allocation():
            checked = _checking_decoder().decode(raw)
            if _encoder.encode(checked).count(b":") != raw.count(b":"):
                return None  # a key repeated in some object
            source = checked.source
            del checked  # freed before the typed objects are made: a lower peak
            doc = _typed.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    if source is not msgspec.UNSET and source is not None:
        exported_at = source.exported_at
        if exported_at is not msgspec.UNSET and exported_at is not None and not _datetime_ok(exported_at):
            return None
    if not _identities_ok(doc):
        return None
    fill_defaults(doc)
    return doc


def _datetime_ok(value: str) -> bool:
    """A date-time as the contract reads one (:func:`.validate._datetime`)."""
    if len(value) > s.MAX_DATETIME:
        return False
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def fill_defaults(doc: InventoryDocument) -> None:
    """Defaults that depend on other fields (as :func:`.validate.validate_document` fills them)."""
    if doc.policy is None:
        doc.policy = Policy()
    for a in doc.appliances:
        if a.filtering is None:
            a.filtering = a.kind in s.FILTERING_BY_DEFAULT


def _referenced(objects: list[Any], path: str) -> set[Any]:
    """Every value at ``path`` (``field``, ``field.sub``, ``list[]`` or ``list[].sub``) of ``objects``."""
    head, _, sub = path.partition(".")
    if head.endswith("[]"):
        items: Iterable[Any] = chain.from_iterable(map(attrgetter(head[:-2]), objects))
    else:
        items = map(attrgetter(head), objects)
        if sub:
            items = filter(None, items)  # the objects holding ``sub`` that are there
    return set(map(attrgetter(sub), items)) if sub else set(items)


def _identities_ok(doc: InventoryDocument) -> bool:
    """Ids unique per collection (and snapshots' within a VM); every reference of
    :data:`.schema.REFERENCES` resolves. (The full path words what breaks.)"""
    ids: dict[str, set[str]] = {}
    for name in s.COLLECTIONS:
        objects = getattr(doc, name)
        ids[name] = set(map(attrgetter("id"), objects))
        if len(ids[name]) != len(objects):
            return False
    for (collection, path), target in s.REFERENCES.items():
        values = _referenced(getattr(doc, collection), path)
        values.discard(None)
        if not values <= ids[target]:
            return False
    return all(len({x.id for x in v.snapshots}) == len(v.snapshots) for v in doc.vms if v.snapshots)


# -- the checking types, generated from the contract -------------------------------------------

#: Integers without an upper bound in the contract still fit in 64 bits here (a larger
#: one goes to the full path, which decides).
_INT_MAX = 2**63 - 1


def _meta(field: fields.Field[Any]) -> dict[str, Any]:
    """msgspec constraints for a field's Length, Range and Regexp validators."""
    out: dict[str, Any] = {}
    for v in field.validators:
        if isinstance(v, validate.Length):
            if v.equal is not None:
                out.update(min_length=v.equal, max_length=v.equal)
            if v.min is not None:
                out["min_length"] = v.min
            if v.max is not None:
                out["max_length"] = v.max
        elif isinstance(v, validate.Range):
            if v.min is not None:
                out["ge" if v.min_inclusive else "gt"] = v.min
            if v.max is not None:
                out["le" if v.max_inclusive else "lt"] = v.max
        elif isinstance(v, validate.Regexp):
            out["pattern"] = v.regex.pattern
        elif not isinstance(v, (validate.OneOf, validate.Equal, Text)):  # Text: see _plain
            raise TypeError(f"no fast form for validator {v!r} of field {field.name!r}")
    return out


def _value_type(field: fields.Field[Any]) -> Any:
    """The checking type of a field's (non-null) value."""
    choices = next((v.choices for v in field.validators if isinstance(v, validate.OneOf)), None)
    equal = next((v.comparable for v in field.validators if isinstance(v, validate.Equal)), None)
    meta = _meta(field)
    base: Any
    if isinstance(field, fields.Nested):
        base = _checking_type(field.nested if isinstance(field.nested, type) else type(field.nested))
    elif isinstance(field, fields.List):
        base = list[_value_type(field.inner)]  # type: ignore[misc]
    elif isinstance(field, fields.Dict):
        base = dict[_value_type(field.key_field), _value_type(field.value_field)]  # type: ignore[misc,arg-type]
    elif choices is not None or equal is not None:
        base = Literal[tuple(choices) if choices is not None else (equal,)]
        meta = {}
    elif isinstance(field, fields.Boolean):
        base = bool
    elif isinstance(field, fields.Integer):
        base = int
        if "le" not in meta and "lt" not in meta:
            meta["le"] = _INT_MAX
    elif isinstance(field, (fields.Float, fields.Number)):
        base = float
    elif isinstance(field, fields.DateTime):
        base = str  # checked after decoding (any ISO 8601 form datetime.fromisoformat reads)
    elif isinstance(field, fields.Date):
        base = dt.date
    elif isinstance(field, fields.String):
        base = str
    else:  # pragma: no cover - a schema author's new field type
        raise TypeError(f"no fast form for field {field!r}")
    return Annotated[base, msgspec.Meta(**meta)] if meta else base


_checking: dict[type[Schema], type[msgspec.Struct]] = {}


def _checking_type(schema_cls: type[Schema]) -> type[msgspec.Struct]:
    """The checking struct of an object of ``schema_cls``: absent fields stay UNSET."""
    if schema_cls not in _checking:
        spec: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        for name, field in schema_cls._declared_fields.items():
            value = _value_type(field)
            if field.allow_none:
                value = value | None
            if field.required:
                spec.append((name, value))
            else:
                spec.append((name, value | msgspec.UnsetType, msgspec.UNSET))
        _checking[schema_cls] = msgspec.defstruct(
            f"{schema_cls.__name__}Check", spec, kw_only=True, forbid_unknown_fields=True, gc=False
        )
    return _checking[schema_cls]


@cache
def _checking_decoder() -> msgspec.json.Decoder[Any]:
    """Built on first use: a command that never reads a document pays nothing for it."""
    return msgspec.json.Decoder(_checking_type(s.InventorySchema))
