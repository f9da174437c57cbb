"""The generated fast path of the validator accepts only what the full checkers
accept, and returns exactly what they return (bench/analyze.py measures why it exists)."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import documents

from planner.core.inventory import validate as v

JSON = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.sampled_from(["low", "high", "esxi", "vlan", "2026-01-01", "8.0.1", ""]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, x in node.items():
            yield from _paths(x, (*prefix, k))
    elif isinstance(node, list):
        for i, x in enumerate(node):
            yield from _paths(x, (*prefix, i))


def break_one_value(doc, data) -> None:
    """Drop one member somewhere in ``doc``, or put any JSON value in its place (drawn from ``data``)."""
    path = data.draw(st.sampled_from(list(_paths(doc))[1:]))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        parent.pop(path[-1])
    else:
        parent[path[-1]] = data.draw(JSON)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data())
def test_fast_path_agrees_with_full_checkers(doc, data):
    doc = copy.deepcopy(doc)
    break_one_value(doc, data)
    problems = v._Problems()
    full = v._check_document(doc, "", problems)
    fast = v._fast_document(doc)
    if fast is not v._INVALID:
        assert not problems and fast == full
