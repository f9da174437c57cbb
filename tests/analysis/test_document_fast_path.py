"""Reading an inventory straight from its JSON bytes (planner.core.inventory.document):
the fast path accepts only documents the full path accepts, with the same result, and
leaves every doubt to the full path, which words the problems."""

from __future__ import annotations

import copy
import dataclasses
import json
import typing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import fields
from test_properties import documents
from test_validate_fast_path import break_one_value

from planner.core.inventory import (
    InventoryDocument,
    InventoryError,
    document_from_json,
    plainly_valid,
    validate_document,
)
from planner.core.inventory import estate as e
from planner.core.inventory.document import canonical_json, document_from_dict, read_json
from planner.core.inventory.schema import InventorySchema


def _full(raw: bytes) -> InventoryDocument | None:
    """The full path alone: the strict reader, then the validator."""
    try:
        return document_from_dict(validate_document(read_json(raw)))
    except InventoryError:
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data())
def test_fast_path_agrees_with_the_full_path(doc, data):
    doc = copy.deepcopy(doc)
    if data.draw(st.booleans()):  # break (or not) one value somewhere
        break_one_value(doc, data)
    raw = json.dumps(doc, ensure_ascii=data.draw(st.booleans())).encode()
    fast, full = plainly_valid(raw), _full(raw)
    if fast is not None:
        assert full is not None and fast == full
        assert canonical_json(fast) == canonical_json(full)
    if full is not None:
        assert document_from_json(raw) == full


def test_a_valid_document_takes_the_fast_path_with_the_same_canonical_bytes(demo_doc):
    raw = json.dumps(demo_doc, indent=2, ensure_ascii=False).encode()
    fast = plainly_valid(raw)
    assert fast is not None
    assert canonical_json(fast) == canonical_json(document_from_dict(validate_document(demo_doc)))


@pytest.mark.parametrize(
    "name",
    [
        "tab\there",  # an escape
        'quote " inside',  # an escape
        "next\u0085line",  # a C1 control
        "line\u2028separator",
        "right\u202eto left",
    ],
)
def test_text_with_escapes_or_suspect_characters_goes_to_the_full_path(demo_doc, name):
    demo_doc["vms"][0]["name"] = name
    raw = json.dumps(demo_doc, ensure_ascii=False).encode()
    assert plainly_valid(raw) is None
    full = _full(raw)
    if full is not None:  # text the rule allows, only written with an escape
        assert document_from_json(raw) == full
    else:
        with pytest.raises(InventoryError) as exc:
            document_from_json(raw)
        assert [p.path for p in exc.value.problems] == ["vms[0].name"]


def test_plain_text_outside_ascii_stays_on_the_fast_path(demo_doc):
    demo_doc["vms"][0]["name"] = "Zürich – Rechenzentrum ①"
    raw = json.dumps(demo_doc, ensure_ascii=False).encode()
    fast = plainly_valid(raw)
    assert fast is not None and fast.vms[0].name == "Zürich – Rechenzentrum ①"


def test_a_repeated_key_goes_to_the_full_path_which_refuses_it(demo_doc):
    raw = json.dumps(demo_doc).encode()
    vm = json.dumps(demo_doc["vms"][0]).encode()
    twice = raw.replace(vm, vm.replace(b'"vcpus": ', b'"vcpus": 64, "vcpus": ', 1), 1)
    tags = raw.replace(b'"tags": {', b'"tags": {"k": "a", "k": "b", ', 1)
    for repeated in (twice, tags):
        assert plainly_valid(repeated) is None
        with pytest.raises(InventoryError) as exc:
            document_from_json(repeated)
        assert "appears more than once" in exc.value.problems[0].message
    colons = raw.replace(b'"tags": {', b'"tags": {"a:b": "c:d", ', 1)  # colons in strings are no members
    assert plainly_valid(colons) is not None


def test_broken_references_and_repeated_ids_go_to_the_full_path(demo_doc):
    demo_doc["vms"][1]["id"] = demo_doc["vms"][0]["id"]
    demo_doc["vms"][2]["nics"] = [{"network": "nowhere"}]
    raw = json.dumps(demo_doc).encode()
    assert plainly_valid(raw) is None
    with pytest.raises(InventoryError) as exc:
        document_from_json(raw)
    assert {p.path for p in exc.value.problems} == {"vms[1].id", "vms[2].nics[0].network"}


def _pairs(schema, cls):
    """(schema, estate class) for the document and every object nested in it."""
    yield schema, cls
    hints = typing.get_type_hints(cls)
    for name, field in schema._declared_fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            # list[X] for a list; X | None (or X) for one object
            (nested,) = [a for a in typing.get_args(hints[name]) if a is not type(None)] or [hints[name]]
            yield from _pairs(inner.nested, nested)


def test_the_estate_classes_mirror_the_contract():
    """Every typed object has its contract object's fields, in its order, with its defaults:
    documents decode straight into them and encode back to the canonical JSON."""
    pairs = list(_pairs(InventorySchema, InventoryDocument))
    assert {cls for _s, cls in pairs} >= {e.Vm, e.Host, e.Snapshot, e.SecurityPolicy, e.Source, e.Policy}
    for schema, cls in pairs:
        declared = schema._declared_fields
        assert [f.name for f in dataclasses.fields(cls)] == list(declared), cls
        for f in dataclasses.fields(cls):
            field = declared[f.name]
            if field.required:
                assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING, (cls, f.name)
                continue
            default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            wanted = field.load_default() if callable(field.load_default) else field.load_default
            assert default == wanted, (cls, f.name)
