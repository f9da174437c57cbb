"""The definition files: they load, they are complete, and a broken one fails loudly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from shared_files import shared_file

import questionnaires
from planner.core.questionnaire import (
    IDENTIFICATION,
    PHASES,
    TOPOLOGY_RULES,
    DefinitionError,
    default_questionnaire,
    load_catalog,
    load_questionnaire,
)

ROOT = Path(__file__).resolve().parents[2]
# SP 800-53 Rev. 5 families: a control id is one of these, a dash and a number (and an enhancement).
# (Zero-padded forms such as CM-07 are how vendor files write them, never a citation of ours.)
CONTROL_ID = re.compile(r"\b(?:AC|AT|AU|CA|CM|CP|IA|IR|MA|MP|PE|PL|PM|PS|PT|RA|SA|SC|SI|SR)-(?!0)\d+(?:\((?!0)\d+\))?")
REC_ID = re.compile(r"\b(?:HV|GO|VI|DV)-\d+\b|\bLC-[A-Z]{3}-\d+\b|\bHY-BF\d-\d+\b|\bVN-\d+\b")


@pytest.fixture(scope="module")
def q():
    return default_questionnaire()


def test_all_definition_files_load(q):
    assert q.version == "2026.1"
    assert [p.id for p in q.phases] == list(PHASES)
    assert [p.title for p in q.phases] == [
        "Initiation",
        "Planning and Design",
        "Implementation",
        "Operations and Maintenance",
        "Disposition",
    ]
    assert 100 <= len(q.questions) <= 160
    for phase in q.phases:
        assert phase.sections and all(s.questions for s in phase.sections)
    json.dumps(q.to_dict())  # the API serves it as JSON
    json.dumps(q.catalog.to_dict())


def test_identification_and_scope_ids_fixed(q):
    section = next(s for s in q.phases[0].sections if s.id == "identification")
    expected = {
        "system_name": "text",
        "organization": "text",
        "system_owner": "text",
        "authorizing_official": "text",
        "operational_status": "single_choice",
        "system_type": "single_choice",
        "description": "text",
        "environment": "text",
        "interconnections": "text",
        "classification_marking": "text",
        "prepared_by": "text",
    }
    assert {q_.id: q_.type for q_ in section.questions} == {
        f"initiation.identification.{k}": v for k, v in expected.items()
    }
    # The report and the CLI read exactly these (planner.core.questionnaire.identification).
    assert [q_.id for q_ in section.questions] == [qid for qid, _label in IDENTIFICATION]
    assert q.questions["initiation.identification.operational_status"].choice_values == (
        "operational",
        "under-development",
        "major-modification",
    )
    assert q.questions["initiation.identification.system_type"].choice_values == (
        "major-application",
        "general-support-system",
    )
    for scope in ("desktop_virtualization", "server_virtualization"):
        assert q.questions[f"initiation.scope.{scope}"].type == "yes_no"


def test_question_ids_are_dotted_phase_section_slug(q):
    for qid, question in q.questions.items():
        assert re.fullmatch(r"[a-z]+\.[a-z0-9_]+\.[a-z0-9_]+", qid)
        assert qid.split(".")[:2] == [question.phase, question.section]


def test_every_answer_type_is_used(q):
    assert {x.type for x in q.questions.values()} == {
        "yes_no",
        "single_choice",
        "multiple_choice",
        "number",
        "date",
        "text",
    }


def _rule_texts() -> str:
    folder = ROOT / "planner" / "core" / "analysis"
    return "\n".join(
        p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.suffix in (".py", ".yaml", ".yml") and p.is_file()
    )


def test_every_recommendation_is_reached_by_a_question_or_a_rule(q):
    reached = {r for question in q.questions.values() for r in question.covers}
    reached |= set(REC_ID.findall(_rule_texts()))
    try:  # rule metadata in the registry, when the analysis package has it
        from planner.core.analysis import REGISTRY

        reached |= set(REC_ID.findall(json.dumps([repr(r) for r in REGISTRY])))
    except ImportError:
        pass
    missing = sorted(set(q.catalog.recommendations) - reached)
    assert not missing, f"recommendations no question covers and no rule references: {missing}"


def test_every_control_cited_in_the_project_is_in_the_catalog(q):
    cited = set()
    for folder in ("questionnaires", "planner", "reports"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.name == "sp800-53r5-baselines.yaml":  # lists what each baseline selects; cites nothing
                continue
            if path.is_file() and path.suffix in (".py", ".yaml", ".yml", ".html", ".json", ".md"):
                cited |= set(CONTROL_ID.findall(path.read_text(encoding="utf-8", errors="replace")))
    for question in q.questions.values():
        for weak in question.weak:
            cited |= set(weak.controls)
    unknown = sorted(cited - set(q.catalog.controls))
    assert not unknown, f"control ids cited but not in questionnaires/catalog.yaml: {unknown}"
    for rec in q.catalog.recommendations.values():
        assert set(rec.controls) <= set(q.catalog.controls)


def test_mitigations_name_real_topology_rules(q):
    named = {m.rule for question in q.questions.values() for m in question.mitigates}
    assert named <= set(TOPOLOGY_RULES)
    from planner.core.analysis import RULES_BY_ID

    assert named <= set(RULES_BY_ID)
    assert {"MGMT-NETWORK-SHARED", "VM-BRIDGES-ZONES", "EXPOSED-CORESIDENCY", "ZONE-MIX-HOST"} <= named
    for question in q.questions.values():
        assert all(m.steps < 0 for m in question.mitigates), question.id
        # a question that asks about the fact a rule reads never mitigates that rule
        assert not {m.rule for m in question.mitigates} & {r.rule for r in question.restates}, question.id
    restated = {r.rule for question in q.questions.values() for r in question.restates}
    assert {"MGMT-NETWORK-SHARED", "MGMT-UNENCRYPTED", "HYPERVISOR-OUTDATED", "HOST-UNUSED-HARDWARE"} <= restated
    assert restated <= set(RULES_BY_ID)


def _contract_table(text: str, heading: str) -> list[str]:
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| ([A-Z][A-Z0-9-]+) \|", section, re.M)


def test_topology_rule_list_matches_the_contract():
    """TOPOLOGY_RULES is the contract's minimum-set table then its v1.1 table, in order; the
    analysis registry holds the same ids in the same order."""
    from planner.core.analysis import SPEC_RULE_IDS, SPEC_V1_1_RULE_IDS

    text = shared_file("spec/analysis-v1.md").read_text(encoding="utf-8")
    minimum = _contract_table(text, "## Topology and inventory rules, the minimum set")
    v1_1 = _contract_table(text, "## Rules added in v1.1")
    assert len(minimum) == 22 and len(v1_1) == 10
    assert list(TOPOLOGY_RULES) == minimum + v1_1
    assert (list(SPEC_RULE_IDS), list(SPEC_V1_1_RULE_IDS)) == (minimum, v1_1)


def test_weak_answer_rule_ids_unique_per_question(q):
    owner = {}
    for question in q.questions.values():
        for weak in question.weak:
            assert owner.setdefault(weak.rule, question.id) == question.id
            assert weak.rule.startswith("Q-")


def test_catalog_has_all_our_recommendation_ids():
    catalog = load_catalog()
    ids = set(catalog.recommendations)
    assert {f"HV-{i}" for i in range(1, 17)} | {f"GO-{i}" for i in range(1, 10)} <= ids
    assert {f"VI-{i}" for i in range(1, 5)} | {f"DV-{i}" for i in range(1, 5)} <= ids
    # HY-BF3 has no topic of its own in the sources we cite (see docs/citations.md)
    assert {g for g in (r.group for r in catalog.recommendations.values()) if g.startswith("hy-bf")} == {
        "hy-bf1",
        "hy-bf2",
        "hy-bf4",
        "hy-bf5",
    }
    assert {r.id for r in catalog.recommendations.values() if r.group == "virtual-network"} == {
        "VN-1",
        "VN-2",
        "VN-3",
        "VN-4",
    }
    for lifecycle in ("initiation", "planning", "implementation", "operations", "disposition"):
        assert any(r.group == lifecycle for r in catalog.recommendations.values())
    for rec in catalog.recommendations.values():
        assert "HY-SR" not in rec.section  # cite topic, not the unverified number
    assert catalog.controls["SC-7(13)"] == "Isolation of Security Tools, Mechanisms, and Support Components"


def test_definitions_ship_as_package_resources():
    names = {p.name for p in questionnaires.files().iterdir()}
    assert {"questionnaire.yaml", "catalog.yaml", *(f"{p}.yaml" for p in PHASES)} <= names


@pytest.fixture()
def copy_of_definitions(tmp_path):
    for item in questionnaires.files().iterdir():
        if item.name.endswith(".yaml"):
            (tmp_path / item.name).write_text(item.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "file, old, new, expected",
    [
        ("planning.yaml", "type: yes_no", "type: boolean", "planning.yaml: sections[0].questions[1].type"),
        ("initiation.yaml", "covers: [LC-INI-1]", "covers: [LC-INI-99]", "LC-INI-99 is not a recommendation"),
        (
            "operations.yaml",
            "likelihood: high",
            "likelihood: severe",
            "operations.yaml: sections[0].questions[0].weak[0].likelihood",
        ),
        ("implementation.yaml", "rule: MGMT-NETWORK-SHARED", "rule: MGMT-NOPE", "is not a topology rule id"),
        ("disposition.yaml", "{inventory: network_storage}", "{inventory: san_storage}", "unknown inventory fact"),
        (
            "planning.yaml",
            "{answer: initiation.scope.desktop_virtualization, equals: true}",
            "{answer: operations.desktop.image_updates, equals: central-manual}",
            "is not a question defined before this one",
        ),
        ("catalog.yaml", "controls: [CP-9]", "controls: [CP-99]", "catalog.yaml: recommendations"),
        ("questionnaire.yaml", 'version: "2026.1"', "version: 2026.1", "questionnaire.yaml: version"),
        (
            "initiation.yaml",
            "    title: Scope and strategy\n",
            "    title: Scope and strategy\n    title: Again\n",
            "duplicate key",
        ),
    ],
)
def test_malformed_definition_fails_loudly_with_file_and_path(copy_of_definitions, file, old, new, expected):
    path = copy_of_definitions / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DefinitionError) as err:
        load_questionnaire(copy_of_definitions)
    assert any(expected in p for p in err.value.problems), err.value.problems


def test_missing_phase_file_is_named(copy_of_definitions):
    (copy_of_definitions / "disposition.yaml").unlink()
    with pytest.raises(DefinitionError, match=r"disposition\.yaml: file not found"):
        load_questionnaire(copy_of_definitions)
