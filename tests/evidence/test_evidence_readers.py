"""Evidence files read exactly, or refused with every problem and where it is."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from shared_files import shared_file

from planner.evidence import EvidenceError, format_of, read_evidence
from planner.evidence.scg import sp800_53_id

DATA = Path(__file__).resolve().parents[1] / "data" / "hardening"
SHARED_SCG = "samples/vmware-scg/vcf-security-configuration-guide-91-controls.csv"


def read(name: str, fmt: str | None = None):
    return read_evidence(name, (DATA / name).read_bytes(), fmt)


def problems(name: str, data: bytes, fmt: str | None = None) -> dict[str, str]:
    with pytest.raises(EvidenceError) as err:
        read_evidence(name, data, fmt)
    return {p.path: p.message for p in err.value.problems}


@pytest.mark.parametrize(
    "given, expected",
    [("CM-07", "CM-7"), ("IA-05(01)", "IA-5(1)"), ("SC-45(01)", "SC-45(1)"), ("ac-4(21)", "AC-4(21)"), ("CM-7x", None)],
)
def test_sp800_53_ids_are_normalized(given, expected):
    assert sp800_53_id(given) == expected


def test_the_synthetic_guide_reads_every_column_it_needs():
    evidence = read("synthetic-scg.csv")
    assert (evidence.kind, evidence.format) == ("baseline", "vmware-scg-csv")
    controls = {c.id: c for c in evidence.baseline.controls}
    assert list(controls) == [
        "host-1.shell-off",
        "host-1.direct-login",
        "host-1.time",
        "host-1.firmware",
        "manager-1.banner",
    ]
    time = controls["host-1.time"]
    assert time.sp800_53 == ("AU-8", "SC-45(1)") and time.stig_ids == ("XSTG-01-000003", "XSTG-01-000004")
    assert (time.component, time.priority, time.parameter, time.expected) == ("ESX", "P1", "TimeSources", "two servers")
    assert controls["host-1.firmware"].stig_ids == () and controls["host-1.firmware"].parameter == ""
    assert evidence.summary() == {"name": "synthetic-scg.csv (VMware SCG format)", "controls": 5}


def test_the_published_guide_reads_when_the_sample_is_present():
    guide = shared_file(SHARED_SCG)
    evidence = read_evidence(guide.name, guide.read_bytes())
    controls = {c.id: c for c in evidence.baseline.controls}
    assert len(controls) == 260
    ssh = controls["esx-9.ssh"]
    assert ssh.component == "ESX" and ssh.sp800_53 == ("AC-17(4)", "CM-7") and ssh.stig_ids == ("VCFE-9X-000096",)
    assert all(c.sp800_53 or c.stig_ids or c.title for c in controls.values())


def _csv(rows: list[dict[str, str]]) -> bytes:
    header = (DATA / "synthetic-scg.csv").read_text(encoding="utf-8").splitlines()[0]
    columns = next(csv.reader([header]))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue().encode()


GOOD = {
    "SCG ID": "x-1",
    "Component Name": "ESX",
    "Description/Title": "A control",
    "Implementation Priority": "P0",
    "NIST 800-53R5 ID": "CM-07",
    "DISA STIG ID": "N/A",
}


def test_a_bad_guide_is_refused_with_every_problem_and_its_place():
    found = problems(
        "g.csv",
        _csv(
            [
                GOOD,
                {**GOOD, "NIST 800-53R5 ID": "CM-07, Access Control"},
                {**GOOD, "SCG ID": "x-3", "Description/Title": "", "DISA STIG ID": "bad id!"},
                GOOD,
            ]
        ),
    )
    assert found == {
        "rows[2].NIST 800-53R5 ID": "'Access Control' is not an SP 800-53 control id such as AC-6 or SC-07(13)",
        "rows[2].SCG ID": "duplicate id 'x-1' (first at rows[1])",
        "rows[3].Description/Title": "expected text",
        "rows[3].DISA STIG ID": "'bad id!' is not a STIG id such as VCFE-9X-000008",
        "rows[4].SCG ID": "duplicate id 'x-1' (first at rows[1])",
    }


def test_a_csv_without_the_guide_columns_is_refused():
    found = problems("g.csv", b"id,title\nx,y\n")
    assert found == {"header": "missing column 'DISA STIG ID': expected the Security Configuration Guide's columns"}
    assert problems("g.csv", b"\xff\xfe\x00") == {"": "not UTF-8 text (byte 0); save the CSV as UTF-8"}


def test_a_stig_viewer_2_checklist():
    evidence = read("host-esx-int.ckl")
    (checklist,) = evidence.checklists
    assert (checklist.target, checklist.benchmark) == ("esx-int", "Synthetic Hypervisor STIG")
    assert [(r.rule, r.status) for r in checklist.results] == [
        ("XSTG-01-000001", "failed"),
        ("XSTG-01-000002", "passed"),
        ("XSTG-01-000003", "passed"),
        ("XSTG-01-000009", "not-applicable"),
    ]
    assert checklist.results[0].vuln_id == "V-900001" and checklist.results[0].severity == "medium"


def test_a_stig_viewer_3_checklist_and_xccdf_results():
    (cklb,) = read("host-esx-res.cklb").checklists
    assert cklb.target == "ESX-RES.example.net"
    assert [(r.rule, r.status) for r in cklb.results] == [
        ("XSTG-01-000001", "passed"),
        ("XSTG-01-000003", "passed"),
        ("XSTG-01-000004", "failed"),
    ]
    (xccdf,) = read("host-esx-dmz-xccdf.xml").checklists
    assert (xccdf.target, xccdf.benchmark) == ("esx-dmz", "Synthetic Hypervisor STIG (XCCDF)")
    assert [(r.rule, r.status) for r in xccdf.results] == [
        ("XSTG-01-000001", "passed"),
        ("XSTG-01-000002", "failed"),
        ("xccdf_org.example_rule_unlisted", "unchecked"),
    ]


def test_bad_checklists_are_refused_precisely():
    ckl = (DATA / "host-esx-int.ckl").read_bytes()
    found = problems("h.ckl", ckl.replace(b"<STATUS>Open</STATUS>", b"<STATUS>Done</STATUS>").replace(b"esx-int", b""))
    assert found == {
        "CHECKLIST/ASSET/HOST_NAME": "the checklist names no host: set it to the host's id or name in the inventory",
        "CHECKLIST/STIGS/iSTIG[1]/VULN[1]/STATUS": (
            "expected one of NotAFinding, Open, Not_Applicable, Not_Reviewed; got 'Done'"
        ),
    }
    assert problems("h.ckl", b"<CHECKLIST><ASSET>") == {"": "not well-formed XML at line 1 column 19"}
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><CHECKLIST>&a;</CHECKLIST>'
    assert "refused: the XML declares a DTD" in problems("h.ckl", bomb)[""]
    cklb = (DATA / "host-esx-res.cklb").read_text(encoding="utf-8").replace('"open"', '"failed"')
    assert problems("h.cklb", cklb.encode()) == {
        "stigs[0].rules[2].status": "expected one of not_a_finding, open, not_applicable, not_reviewed; got 'failed'"
    }
    xccdf = (DATA / "host-esx-dmz-xccdf.xml").read_bytes().replace(b"<result>fail</result>", b"<result>bad</result>")
    assert "TestResult[1]/rule-result[2]/result" in problems("h.xml", xccdf)


def test_what_a_file_says_keeps_the_text_rule():
    """Ids, hosts and severities are one line without control characters; titles may span lines."""
    found = problems(
        "g.csv",
        _csv(
            [
                {**GOOD, "Description/Title": "two\nlines are fine"},
                {**GOOD, "SCG ID": "x-2", "Component Name": "ESX\u202e"},
                {**GOOD, "SCG ID": "x-3", "Description/Title": "red \u001b[31m"},
            ]
        ),
    )
    assert found == {
        "rows[2].Component Name": "expected a single line of text without control characters; "
        "found U+202E (a bidirectional control) at character 4",
        "rows[3].Description/Title": "expected text without control characters (tabs and line breaks are allowed); "
        "found U+001B (ESC) at character 5",
    }
    ckl = (DATA / "host-esx-int.ckl").read_bytes()
    assert problems("h.ckl", ckl.replace(b"esx-int", "esx\u202e-int".encode())) == {
        "CHECKLIST/STIGS/iSTIG[1]": "target: expected a single line of text without control characters; "
        "found U+202E (a bidirectional control) at character 4"
    }
    cklb = (DATA / "host-esx-res.cklb").read_text(encoding="utf-8").replace("XSTG-01-000004", "XSTG-01-000004\\u0000")
    assert problems("h.cklb", cklb.encode()) == {
        "stigs[0].rules[2]": "rule: expected a single line of text without control characters; "
        "found U+0000 (NUL) at character 15"
    }


def test_the_format_comes_from_the_name_or_is_given():
    assert [format_of(n) for n in ("a.CSV", "b.ckl", "c.cklb", "d.xml")] == [
        "vmware-scg-csv",
        "disa-ckl",
        "disa-cklb",
        "xccdf",
    ]
    assert format_of("upload.bin", "disa-ckl") == "disa-ckl"
    with pytest.raises(EvidenceError, match=r"cannot tell the format of 'upload\.bin'"):
        format_of("upload.bin")
    with pytest.raises(EvidenceError, match="expected one of: vmware-scg-csv"):
        format_of("a.csv", "pdf")
