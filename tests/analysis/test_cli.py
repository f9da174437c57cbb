"""``virtplan analyze`` and ``virtplan graph`` through click's runner."""

from __future__ import annotations

import json

from analysis_estates import clean_document, find
from click.testing import CliRunner

from planner.cli import main


def _write(tmp_path, doc, name="inv.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_analyze_json_is_the_contract(tmp_path):
    doc = clean_document()
    find(doc, "hosts", "esx-dmz")["management"]["encrypted"] = False
    r = CliRunner().invoke(main, ["analyze", _write(tmp_path, doc), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert set(out) == {"findings", "summary"} and "by_risk" in out["summary"]
    (f,) = out["findings"]
    assert set(f) == {
        "rule",
        "title",
        "objects",
        "likelihood",
        "impact",
        "risk",
        "factors",
        "evidence",
        "references",
        "remediation",
        "fingerprint",
    }
    assert f["rule"] == "MGMT-UNENCRYPTED" and f["objects"] == [{"kind": "host", "id": "esx-dmz"}]


def test_analyze_clean_estate_table(tmp_path):
    r = CliRunner().invoke(main, ["analyze", _write(tmp_path, clean_document())])
    assert r.exit_code == 0 and "0 findings" in r.output


def test_analyze_invalid_input_exits_2_with_the_path(tmp_path):
    doc = clean_document()
    doc["vms"][0]["host"] = "nowhere"
    r = CliRunner().invoke(main, ["analyze", _write(tmp_path, doc)])
    assert r.exit_code == 2
    assert "vms[0].host" in r.stderr and r.stdout == ""


def test_graph_export_to_file(tmp_path):
    src, out = _write(tmp_path, clean_document()), tmp_path / "g.json"
    r = CliRunner().invoke(main, ["graph", src, "--format", "json", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert any(n["id"] == "host:esx-dmz" for n in json.loads(out.read_text())["nodes"])
    r = CliRunner().invoke(main, ["graph", src, "--format", "graphml"])
    assert r.exit_code == 0 and r.output.startswith("<graphml")
