"""Mapping files: every problem located, rules that match what sources hold,
first match wins, a default, and unmatched objects listed — never decided
silently. A suggested mapping reads back and matches what it was written from."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from planner.importers import SourceError, Warnings, load_mapping
from planner.importers.mapping import decide
from planner.importers.observed import Observed, Thing
from planner.importers.suggest import suggest_mapping


def problems(text: str) -> list[str]:
    with pytest.raises(SourceError) as caught:
        load_mapping("map.yaml", text)
    return [str(p) for p in caught.value.problems]


def test_every_problem_is_located():
    found = problems(
        """
mapping: virtplan.mapping/v2
zones:
  - {id: dmz, trust_level: 7}
  - {id: dmz, trust_level: 1, purpose: lounge}
  - {name: no id}
vms:
  rules:
    - match: {netwrok: "x"}
      zone: dmz
    - match: {vlan: [5000, "10-2"], name: "re:(unclosed"}
      zone: nowhere
      categorization: {confidentiality: secret, integrity: low}
    - match: {name: a}
  default: {zone: dmz, colour: red}
hosts:
  rules:
    - {match: {cluster: x}, cpu_cores: 0}
extra: 1
"""
    )
    # Each with the line its path begins on (a missing key: its parent's line).
    expected = [
        ("map.yaml: extra: unknown key", 19),
        ("map.yaml: mapping: expected 'virtplan.mapping/v1'", 2),
        ("map.yaml: zones[0].trust_level: expected an integer 0 to 4", 4),
        ("map.yaml: zones[1].id: duplicate zone id 'dmz'", 5),
        ("map.yaml: zones[1].purpose: expected one of", 5),
        ("map.yaml: zones[2].id: expected an id", 6),
        ("map.yaml: vms.rules[0].match.netwrok: unknown condition", 9),
        ("map.yaml: vms.rules[1].match.vlan[0]: expected a VLAN id 1 to 4094", 11),
        ("map.yaml: vms.rules[1].match.vlan[1]: expected a VLAN id", 11),
        ("map.yaml: vms.rules[1].match.name: not a valid regular expression", 11),
        ("map.yaml: vms.rules[1].zone: no zone 'nowhere' in zones", 12),
        ("map.yaml: vms.rules[1].categorization.confidentiality: expected one of low, moderate, high, n/a", 13),
        ("map.yaml: vms.rules[1].categorization.availability: expected one of", 13),
        ("map.yaml: vms.rules[2]: the rule decides nothing", 14),
        ("map.yaml: vms.default.colour: unknown key", 15),
        ("map.yaml: hosts.rules[0].cpu_cores: expected an integer ≥ 1", 18),
    ]
    for want, line in expected:
        assert any(p.startswith(want) and p.endswith(f" (line {line})") for p in found), (want, line, found)


def test_yaml_errors_aliases_and_size():
    assert problems("mapping: [unclosed")[0].startswith("map.yaml: not valid YAML at line 1")
    assert "aliases" in problems("a: &x [1]\nb: *x\n")[0]
    assert "at most" in problems("#" * (1024 * 1024 + 1))[0]
    assert "expected a mapping document" in problems("- 1\n")[0]


def thing(**facts) -> Thing:
    t = Thing({"id": facts.pop("id", "vm-1"), "name": "vm"}, "src row 2")
    custom = facts.pop("custom", {})
    for key, values in facts.items():
        t.fact(key, values if isinstance(values, list) else [values])
    t.custom.update(custom)
    return t


MAP = """
mapping: virtplan.mapping/v1
zones: [{id: dmz, trust_level: 1}, {id: pci, trust_level: 3}, {id: internal, trust_level: 2}]
vms:
  rules:
    - {match: {cluster: DMZ, vlan: "100-199"}, zone: dmz}
    - {match: {custom_field: {PCI: "yes"}}, zone: pci, categorization: high}
    - {match: {tag: ["payments", "cards"]}, zone: pci}
    - {match: {name: "re:db-[0-9]+"}, zone: internal}
    - {match: {folder: "/prod/*"}, zone: internal}
"""


@pytest.mark.parametrize(
    ("facts", "zone"),
    [
        ({"cluster": "dmz", "vlan": "150"}, "dmz"),  # globs ignore case; every condition must hold
        ({"cluster": "DMZ", "vlan": "250"}, None),
        ({"custom": {"PCI": "YES"}}, "pci"),
        ({"tag": ["other", "cards"]}, "pci"),
        ({"name": "db-12"}, "internal"),
        ({"name": "db-12x"}, None),  # a regular expression matches the whole value
        ({"folder": "/prod/web"}, "internal"),
        ({"cluster": "DMZ", "vlan": "150", "tag": "payments"}, "dmz"),  # the first match wins
    ],
)
def test_rules_match_what_sources_hold(facts, zone):
    mapping = load_mapping("map.yaml", MAP)
    decisions, _how = mapping.vms.decide(thing(**facts))
    assert (decisions or {}).get("zone") == zone


def test_unmatched_objects_are_listed_with_or_without_a_default():
    mapping = load_mapping("map.yaml", MAP)
    things = {"a": thing(id="a", name="db-1"), "b": thing(id="b", name="web")}
    warnings = Warnings()
    decided = decide(mapping, "vms", things, warnings)
    assert decided.unmatched["vms"] == ["b"] and "b" not in decided.decisions["vms"]
    assert [w.where for w in warnings.items] == ["src row 2"] and "nothing decided" in warnings.items[0].message
    with_default = load_mapping("map.yaml", MAP + "  default: {zone: internal}\n")
    warnings = Warnings()
    decided = decide(with_default, "vms", things, warnings)
    assert decided.decisions["vms"]["b"] == {"zone": "internal"} and decided.unmatched["vms"] == ["b"]
    assert "the default applies" in warnings.items[0].message


names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip)


@pytest.mark.parametrize(
    ("name", "matches"),
    [("Prod*[1]", True), ("prod*[1]", False), ("Prod-1", False), ("Prod*[1]x", False)],
)
def test_an_exact_pattern_matches_its_one_value_case_and_all(name, matches):
    mapping = load_mapping("map.yaml", MAP.replace('"re:db-[0-9]+"', '"exact:Prod*[1]"'))
    decisions, _how = mapping.vms.decide(thing(name=name))
    assert ((decisions or {}).get("zone") == "internal") is matches


@given(st.lists(names, min_size=1, max_size=8, unique=True))
@example(["Ģ", "ģ"])  # port groups differing only by case keep their own zones
@example(["re:(", "exact:x", "*", "[a]"])  # names that read as pattern syntax
def test_a_suggested_mapping_reads_back_and_matches_each_network(network_names):
    observed = Observed("rvtools")
    for n in network_names:
        t = Thing({"id": n, "name": n, "kind": "portgroup"}, "x")
        t.fact("name", [n])
        observed.networks[n] = t
    mapping = load_mapping("suggested.yaml", suggest_mapping(observed))
    assert len(mapping.zones) == len(network_names)
    for i, n in enumerate(network_names):
        vm = Thing({"id": "v", "name": "v"}, "x")
        vm.fact("network", [n])
        decisions, how = mapping.vms.decide(vm)
        assert how == f"rules[{i}]" and decisions == {"zone": mapping.zones[i]["id"]}
