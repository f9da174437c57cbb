"""The command line and the worked example answered end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from planner.cli import main
from planner.core.analysis import LEVELS, analyze
from planner.core.assessment import assess
from planner.core.inventory import load_estate
from planner.core.questionnaire import (
    default_questionnaire,
    parse_answers_document,
    progress,
    read_answers,
    validate_answers,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "planner" / "demo" / "answers.yaml"  # the worked example
DEMO_ESTATE = Path(__file__).resolve().parents[2] / "planner" / "demo" / "estate.json"


@pytest.fixture()
def runner():
    return CliRunner()


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_is_a_blank_valid_answers_file(runner, tmp_path, fmt):
    out = tmp_path / f"blank.{fmt}"
    result = runner.invoke(main, ["questionnaire", "export", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    q = default_questionnaire()
    doc = read_answers(out)
    assert list(doc.answers) == list(q.questions)
    assert all(a.value is None for a in doc.answers.values())
    assert validate_answers(q, doc) == []
    text = out.read_text(encoding="utf-8")
    if fmt == "yaml":
        assert "# What is the name of the virtualized system this plan covers?" in text
        assert "#   major-modification: Undergoing a major modification" in text
        assert "# Applies when the answer to initiation.scope.desktop_virtualization equals yes." in text


def test_export_to_stdout_is_deterministic(runner):
    first = runner.invoke(main, ["questionnaire", "export"]).output
    assert first == runner.invoke(main, ["questionnaire", "export"]).output
    assert yaml.safe_load(first)["version"] == default_questionnaire().version


def test_validate_reports_problems_and_exits_2(runner, tmp_path):
    bad = tmp_path / "answers.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "version": "2026.1",
                "answers": {
                    "initiation.scope.desktop_virtualization": False,
                    "planning.desktop.delivery": "both",
                    "planning.roles.full_admins": "four",
                    "no.such.question": True,
                },
            }
        ),
        encoding="utf-8",
    )
    result = runner.invoke(main, ["questionnaire", "validate", str(bad)])
    assert result.exit_code == 2
    assert "answers.planning.desktop.delivery: question does not apply" in result.stderr
    assert "answers.planning.roles.full_admins: expected a number" in result.stderr
    assert "answers.no.such.question: unknown question id" in result.stderr


def test_validate_rejects_unreadable_files(runner, tmp_path):
    broken = tmp_path / "a.json"
    broken.write_text("{not json", encoding="utf-8")
    result = runner.invoke(main, ["questionnaire", "validate", str(broken)])
    assert result.exit_code == 2 and "not valid JSON" in result.stderr
    result = runner.invoke(main, ["questionnaire", "validate", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_validate_refuses_yaml_aliases_and_oversized_files(runner, tmp_path):
    """A few lines of anchors and aliases expand to billions of nodes; no answers file needs them."""
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text(
        'questionnaire: virtplan.answers/v1\na: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
        + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
        encoding="utf-8",
    )
    result = runner.invoke(main, ["questionnaire", "validate", str(laughs)])
    assert result.exit_code == 2 and "YAML aliases (*name) are not allowed at line 3 column 8" in result.stderr
    big = tmp_path / "big.yaml"
    big.write_text("# padding\n" * 900_000, encoding="utf-8")
    result = runner.invoke(main, ["questionnaire", "validate", str(big)])
    assert result.exit_code == 2 and "the document is 9,000,000 bytes; at most 8,388,608 are accepted" in result.stderr


def test_validate_carries_answers_from_another_version(runner, tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text(
        yaml.safe_dump(
            {
                "version": "2025.9",
                "answers": {"initiation.scope.server_virtualization": True, "initiation.scope.retired_question": "x"},
            }
        ),
        encoding="utf-8",
    )
    result = runner.invoke(main, ["questionnaire", "validate", str(old)])
    assert result.exit_code == 0, result.output
    assert "answers.initiation.scope.retired_question: dropped" in result.stderr


# ------------------------------------------------------------------ the worked example


@pytest.fixture(scope="module")
def demo_estate():
    return load_estate(json.loads(DEMO_ESTATE.read_text(encoding="utf-8")))


def test_worked_example_is_valid_and_complete(demo_estate):
    q = default_questionnaire()
    doc = read_answers(EXAMPLE)
    assert doc.version == q.version
    assert validate_answers(q, doc, demo_estate) == []
    state = progress(q, doc, demo_estate)
    assert state.complete and state.applicable >= 120
    identification = {
        qid.rsplit(".", 1)[1]: a.value for qid, a in doc.answers.items() if qid.startswith("initiation.identification.")
    }
    assert identification["operational_status"] == "major-modification"
    assert len(identification) == 11


def test_worked_example_end_to_end(demo_estate):
    doc = read_answers(EXAMPLE)
    plain = analyze(demo_estate)
    assessed = assess(demo_estate, doc, plan_id="demo")
    weak = [f for f in assessed.findings if f.rule.startswith("Q-")]
    assert 8 <= len(weak) <= 40, "some answers are weak, most are not"
    assert all(f.objects[0].kind == "plan" and f.objects[0].id == "demo" for f in weak)
    assert len({f.fingerprint for f in weak}) == len(weak)
    # mitigations lowered topology findings, with the answer named in the factor
    before = {f.fingerprint: f for f in plain.findings}
    lowered = [
        f
        for f in assessed.findings
        if not f.rule.startswith("Q-") and LEVELS.index(f.likelihood) < LEVELS.index(before[f.fingerprint].likelihood)
    ]
    assert {f.rule for f in lowered} >= {"MGMT-NETWORK-SHARED", "ZONE-MIX-HOST"}
    assert all(any("(answer " in x for x in f.factors) for f in lowered)
    # answers that claim what the inventory disproves earn nothing and say so
    for rule in ("HYPERVISOR-OUTDATED", "VSWITCH-INSECURE-POLICY"):
        (f,) = [f for f in assessed.findings if f.rule == rule]
        assert f.likelihood == before[f.fingerprint].likelihood
        assert any("which the inventory contradicts here: no likelihood credit" in x for x in f.factors), rule
    # the same input gives the same bytes
    again = assess(demo_estate, read_answers(EXAMPLE), plan_id="demo")
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(assessed.to_dict(), sort_keys=True)


def test_analyze_cli_takes_answers(runner):
    plain = runner.invoke(main, ["analyze", str(DEMO_ESTATE), "--format", "json"])
    with_answers = runner.invoke(main, ["analyze", str(DEMO_ESTATE), "--answers", str(EXAMPLE), "--format", "json"])
    assert plain.exit_code == with_answers.exit_code == 0, with_answers.output
    rules = [f["rule"] for f in json.loads(with_answers.stdout)["findings"]]
    assert any(r.startswith("Q-") for r in rules)
    assert not any(f["rule"].startswith("Q-") for f in json.loads(plain.stdout)["findings"])


def test_analyze_cli_rejects_invalid_answers(runner, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"answers": {"planning.roles.full_admins": -3}}), encoding="utf-8")
    result = runner.invoke(main, ["analyze", str(DEMO_ESTATE), "--answers", str(bad)])
    assert result.exit_code == 2
    assert "answers.planning.roles.full_admins: expected at least 0" in result.stderr


def test_json_round_trip_of_the_example():
    doc = read_answers(EXAMPLE)
    again = parse_answers_document(json.loads(json.dumps(doc.to_dict())))
    assert again.answers == doc.answers
