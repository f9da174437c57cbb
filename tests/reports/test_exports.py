"""The exports made from the same plan: CSV/XLSX register (with formula
injection neutralised), the JSON plan, the OSCAL SSP (schema-valid, its
references resolving), and determinism."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, FormatChecker, ValidationError, validators
from openpyxl import load_workbook
from report_estates import GENERATED, hostile_strings
from shared_files import shared_file

import reports
from reports.contents import build
from reports.html import render_html
from reports.oscal import reference_problems
from reports.register import COLUMNS, neutralise


@pytest.fixture(scope="module")
def csv_rows(hostile_plan):
    text = reports.render(hostile_plan, "csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_holds_every_finding_in_register_order(csv_rows, hostile_plan):
    register = build(hostile_plan).register
    assert len(csv_rows) == len(hostile_plan.findings) == len(register)
    assert [r["ref"] for r in csv_rows] == [e.ref for e in register]
    assert [r["fingerprint"] for r in csv_rows] == [e.finding.fingerprint for e in register]
    assert list(csv_rows[0]) == list(COLUMNS)


def test_csv_neutralises_formulas(csv_rows, trap):
    s = hostile_strings(trap)
    accepted = [r for r in csv_rows if r["triage_status"] == "accepted"]
    assert len(accepted) == 1
    assert accepted[0]["triage_justification"] == "'" + s["justification"]
    assert accepted[0]["triaged_by"] == "'@evil"
    for row in csv_rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


@pytest.mark.parametrize(
    "text,expected",
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_xlsx_register_matches_csv_and_stores_text_not_formulas(hostile_plan, csv_rows):
    wb = load_workbook(io.BytesIO(reports.render(hostile_plan, "xlsx")))
    ws = wb["Register"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS)
    assert [r[0] for r in rows[1:]] == [r["ref"] for r in csv_rows]
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type in ("s", "inlineStr")  # text, never "f" (formula)
            assert not str(cell.value or "").startswith(("=", "+", "-", "@"))
    summary = dict(wb["Summary"].iter_rows(values_only=True))
    assert summary["findings"] == str(len(csv_rows))


def test_json_plan_agrees_with_the_analysis(hostile_plan):
    doc = json.loads(reports.render(hostile_plan, "json"))
    assert doc["schema"] == "virtplan.plan-report/v1"
    assert doc["summary"]["by_risk"] == hostile_plan.assessment.summary["by_risk"]
    assert len(doc["register"]) == len(doc["analysis"]["findings"]) == len(hostile_plan.findings)
    assert doc["fips199"]["overall"] == "high"
    assert doc["identification"]["system_name"] == "Payroll <i>platform</i>"
    assert {v["id"] for v in doc["inventory"]["vms"]} == set(hostile_plan.estate.vms)


@pytest.mark.parametrize("fmt", ["html", "json", "csv", "xlsx", "oscal"])
def test_same_plan_same_bytes(hostile_plan, fmt):
    assert reports.render(hostile_plan, fmt) == reports.render(hostile_plan, fmt)


def test_xlsx_carries_the_generation_date_not_the_clock(hostile_plan):
    """The workbook's created and modified dates and every archive member's date are the
    plan's generation date (the clock would change the bytes from one second to the next)."""
    data = reports.render(hostile_plan, "xlsx")
    stamp = GENERATED.replace(tzinfo=None)
    props = load_workbook(io.BytesIO(data)).properties
    assert (props.created, props.modified) == (stamp, stamp)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {stamp.timetuple()[:6]}


# --------------------------------------------------------------------------- OSCAL


def _regex_pattern(validator, pattern, instance, schema):
    """JSON-schema ``pattern`` with the ``regex`` module (the schema uses \\p{L})."""
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@pytest.fixture(scope="module")
def oscal_validator():
    schema = json.loads(shared_file("oscal/oscal_ssp_schema.json").read_text())
    checker = FormatChecker()

    @checker.checks("regex")
    def _is_regex(value):
        regex.compile(value)
        return True

    cls = validators.extend(Draft7Validator, {"pattern": _regex_pattern})
    return cls(schema, format_checker=checker)


@pytest.fixture(scope="module")
def oscal_doc(hostile_plan):
    return json.loads(reports.render(hostile_plan, "oscal"))


def test_oscal_validates_against_the_schema(oscal_validator, oscal_doc):
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in oscal_validator.iter_errors(oscal_doc)
    ]
    assert errors == []


def test_oscal_references_resolve(oscal_doc):
    assert reference_problems(oscal_doc) == []


def test_oscal_content(oscal_doc, hostile_plan):
    ssp = oscal_doc["system-security-plan"]
    sc = ssp["system-characteristics"]
    assert sc["security-impact-level"] == {
        "security-objective-confidentiality": "fips-199-high",
        "security-objective-integrity": "fips-199-high",
        "security-objective-availability": "fips-199-moderate",
    }
    assert sc["status"]["state"] == "under-development"
    assert sc["system-name"] == "Payroll <i>platform</i>"
    kinds = {}
    for comp in ssp["system-implementation"]["components"]:
        for prop in comp.get("props", []):
            if prop["name"] == "virtplan-kind":
                kinds.setdefault(prop["value"], set()).add(
                    next(p["value"] for p in comp["props"] if p["name"] == "inventory-id")
                )
    e = hostile_plan.estate
    assert kinds == {
        "host": set(e.hosts),
        "network": set(e.networks),
        "appliance": set(e.appliances),
        "datastore": set(e.datastores),
    }
    cited = {c["id"] for c in build(hostile_plan).controls}
    ids = [r["control-id"] for r in ssp["control-implementation"]["implemented-requirements"]]
    assert len(ids) == len(cited) and all(i == i.lower() for i in ids)
    assert "sc-7" in ids


def test_oscal_uuids_are_stable_across_generation_dates(hostile_plan):
    import dataclasses
    import datetime as dt

    later = dataclasses.replace(hostile_plan, generated=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    a = json.loads(reports.render(hostile_plan, "oscal"))["system-security-plan"]
    b = json.loads(reports.render(later, "oscal"))["system-security-plan"]
    assert a["uuid"] == b["uuid"]
    assert [c["uuid"] for c in a["system-implementation"]["components"]] == [
        c["uuid"] for c in b["system-implementation"]["components"]
    ]


# --------------------------------------------------------------------------- escaping, any text


@settings(max_examples=40, deadline=None)
@given(name=st.text(min_size=1, max_size=40).filter(lambda s: s.strip()))
def test_any_host_name_is_escaped_in_html(hostile_plan, name):
    import dataclasses

    from markupsafe import escape

    estate = hostile_plan.estate
    host = estate.hosts["esx-03"]
    patched = dataclasses.replace(estate, hosts={**estate.hosts, "esx-03": dataclasses.replace(host, name=name)})
    html = render_html(
        build(
            dataclasses.replace(hostile_plan, assessment=dataclasses.replace(hostile_plan.assessment, estate=patched))
        ),
        "screen",
    )
    # The placement matrix prints the name in full, escaped.
    assert f"<td>{escape(name)}</td>" in html


def test_placement_advice_section_when_given(hostile_plan):
    import dataclasses

    advice = {
        "placed": 2,
        "unplaced": [{"vm": "vm-orphan", "reason": "no host has <room>"}],
        "moves": [{"vm": "vm-web", "from": "esx-01", "to": "esx-02"}],
        "findings_before": {"by_risk": {"high": 3, "moderate": 2}},
        "findings_after": {"by_risk": {"high": 1, "moderate": 2}},
    }
    plan = dataclasses.replace(hostile_plan, assessment=dataclasses.replace(hostile_plan.assessment, placement=advice))
    html = reports.render(plan, "html").decode()
    assert 'id="placement"' in html and "8&ensp;Placement advice" in html
    assert "Approve or reject the 1 VM move the placement" in html
    assert "no host has &lt;room&gt;" in html
    assert json.loads(reports.render(plan, "json"))["placement_advice"]["moves"][0]["to"] == "esx-02"
