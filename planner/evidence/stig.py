"""Checklist results: DISA STIG Viewer checklists (CKL, CKLB) and XCCDF results.

XML is parsed with defusedxml, which refuses DTDs, entity expansion and external
references (the file comes from a user). Statuses are mapped to the four
VirtPlan knows: passed, failed, not-applicable, unchecked.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from planner.core.hardening import Checklist, CheckResult
from planner.core.inventory import Problem
from planner.core.text import text_problem

MAX_RESULTS = 20_000

#: STIG Viewer 2 (CKL) statuses.
CKL_STATUS = {
    "NotAFinding": "passed",
    "Open": "failed",
    "Not_Applicable": "not-applicable",
    "Not_Reviewed": "unchecked",
}
#: STIG Viewer 3 (CKLB) statuses.
CKLB_STATUS = {
    "not_a_finding": "passed",
    "open": "failed",
    "not_applicable": "not-applicable",
    "not_reviewed": "unchecked",
}
#: XCCDF rule-result values (1.1 and 1.2).
XCCDF_STATUS = {
    "pass": "passed",
    "fixed": "passed",
    "fail": "failed",
    "notapplicable": "not-applicable",
    "notchecked": "unchecked",
    "notselected": "unchecked",
    "unknown": "unchecked",
    "error": "unchecked",
    "informational": "unchecked",
}
_XCCDF_NS = ("http://checklists.nist.gov/xccdf/1.2", "http://checklists.nist.gov/xccdf/1.1")


def _xml(data: bytes, problems: list[Problem]) -> Element | None:
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True)
        return root
    except defusedxml.DefusedXmlException as exc:
        problems.append(
            Problem("", f"refused: the XML declares a DTD, entities or external references ({type(exc).__name__})")
        )
    except ParseError as exc:
        line, column = exc.position
        problems.append(Problem("", f"not well-formed XML at line {line} column {column + 1}"))
    return None


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _checked(result: CheckResult, path: str, problems: list[Problem]) -> CheckResult | None:
    """The result when its text keeps the text rule (ids one line; the title may span lines)."""
    bad = [
        f"{name}: {problem}"
        for name, value, multiline in (
            ("rule", result.rule, False),
            ("title", result.title, True),
            ("vulnerability id", result.vuln_id, False),
            ("severity", result.severity, False),
        )
        if (problem := text_problem(value, multiline=multiline))
    ]
    problems.extend(Problem(path, b) for b in bad)
    return None if bad else result


def _checklist(
    target: str, benchmark: str, results: list[CheckResult], path: str, problems: list[Problem]
) -> Checklist:
    """A checklist, its target and benchmark held to the text rule (the target one line)."""
    for name, value, multiline in (("target", target, False), ("benchmark", benchmark, True)):
        if problem := text_problem(value, multiline=multiline):
            problems.append(Problem(path, f"{name}: {problem}"))
    return Checklist(target, benchmark, tuple(results))


def read_ckl(data: bytes, problems: list[Problem]) -> list[Checklist]:
    """One checklist per STIG of a STIG Viewer 2 checklist, all for the asset's host."""
    root = _xml(data, problems)
    if root is None:
        return []
    if root.tag != "CHECKLIST":
        problems.append(Problem(root.tag, "expected a STIG Viewer checklist (root element CHECKLIST)"))
        return []
    target = _text(root.find("ASSET/HOST_FQDN")) or _text(root.find("ASSET/HOST_NAME"))
    if not target:
        problems.append(
            Problem(
                "CHECKLIST/ASSET/HOST_NAME",
                "the checklist names no host: set it to the host's id or name in the inventory",
            )
        )
    out = []
    stigs = root.findall("STIGS/iSTIG")
    if not stigs:
        problems.append(Problem("CHECKLIST/STIGS", "expected at least one iSTIG"))
    count = 0
    for s, stig in enumerate(stigs, 1):
        info = {_text(d.find("SID_NAME")): _text(d.find("SID_DATA")) for d in stig.findall("STIG_INFO/SI_DATA")}
        benchmark = info.get("title") or info.get("stigid") or f"STIG {s}"
        results = []
        for v, vuln in enumerate(stig.findall("VULN"), 1):
            path = f"CHECKLIST/STIGS/iSTIG[{s}]/VULN[{v}]"
            count += 1
            if count > MAX_RESULTS:
                problems.append(Problem(path, f"more than {MAX_RESULTS} results"))
                return []
            attrs = {
                _text(d.find("VULN_ATTRIBUTE")): _text(d.find("ATTRIBUTE_DATA")) for d in vuln.findall("STIG_DATA")
            }
            rule = attrs.get("Rule_Ver") or attrs.get("Rule_ID") or attrs.get("Vuln_Num", "")
            status = _text(vuln.find("STATUS"))
            if not rule:
                problems.append(Problem(f"{path}/STIG_DATA", "expected a Rule_Ver, Rule_ID or Vuln_Num"))
            if status not in CKL_STATUS:
                problems.append(Problem(f"{path}/STATUS", f"expected one of {', '.join(CKL_STATUS)}; got {status!r}"))
                continue
            checked = _checked(
                CheckResult(
                    rule,
                    CKL_STATUS[status],
                    attrs.get("Rule_Title", ""),
                    attrs.get("Vuln_Num", ""),
                    attrs.get("Severity", ""),
                ),
                path,
                problems,
            )
            if checked is not None:
                results.append(checked)
        out.append(_checklist(target, benchmark, results, f"CHECKLIST/STIGS/iSTIG[{s}]", problems))
    return out


def read_cklb(data: bytes, problems: list[Problem]) -> list[Checklist]:
    """One checklist per STIG of a STIG Viewer 3 checklist (JSON)."""
    try:
        doc: Any = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem("", f"not a JSON checklist: {exc}"))
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get("stigs"), list):
        problems.append(Problem("stigs", "expected a STIG Viewer 3 checklist: an object with a list of stigs"))
        return []
    target_data: dict[str, Any] = doc["target_data"] if isinstance(doc.get("target_data"), dict) else {}
    target = str(target_data.get("fqdn") or target_data.get("host_name") or "").strip()
    if not target:
        problems.append(
            Problem(
                "target_data.host_name", "the checklist names no host: set it to the host's id or name in the inventory"
            )
        )
    out = []
    count = 0
    for s, stig in enumerate(doc["stigs"]):
        path = f"stigs[{s}]"
        if not isinstance(stig, dict) or not isinstance(stig.get("rules"), list):
            problems.append(Problem(f"{path}.rules", "expected a list of rules"))
            continue
        benchmark = str(stig.get("display_name") or stig.get("stig_name") or f"STIG {s + 1}")
        results = []
        for r, rule in enumerate(stig["rules"]):
            rpath = f"{path}.rules[{r}]"
            count += 1
            if count > MAX_RESULTS:
                problems.append(Problem(rpath, f"more than {MAX_RESULTS} results"))
                return []
            if not isinstance(rule, dict):
                problems.append(Problem(rpath, "expected an object"))
                continue
            rid = str(rule.get("rule_version") or rule.get("rule_id") or rule.get("group_id") or "")
            status = rule.get("status")
            if not rid:
                problems.append(Problem(rpath, "expected a rule_version, rule_id or group_id"))
            if status not in CKLB_STATUS:
                problems.append(Problem(f"{rpath}.status", f"expected one of {', '.join(CKLB_STATUS)}; got {status!r}"))
                continue
            checked = _checked(
                CheckResult(
                    rid,
                    CKLB_STATUS[status],
                    str(rule.get("rule_title") or ""),
                    str(rule.get("group_id") or ""),
                    str(rule.get("severity") or ""),
                ),
                rpath,
                problems,
            )
            if checked is not None:
                results.append(checked)
        out.append(_checklist(target, benchmark, results, path, problems))
    return out


def read_xccdf(data: bytes, problems: list[Problem]) -> list[Checklist]:
    """One checklist per XCCDF ``TestResult`` (its ``target``); STIG ids come from the
    benchmark's rules (``version``) when the file holds them, else the rule idref."""
    root = _xml(data, problems)
    if root is None:
        return []
    ns = next((n for n in _XCCDF_NS if root.tag.startswith(f"{{{n}}}")), None)
    if ns is None or root.tag.split("}", 1)[1] not in ("Benchmark", "TestResult"):
        problems.append(Problem(root.tag, "expected XCCDF 1.1 or 1.2 results (a Benchmark or TestResult element)"))
        return []
    q = f"{{{ns}}}"
    rules: dict[str, tuple[str, str, str]] = {}
    for rule in root.iter(f"{q}Rule"):
        rules[rule.get("id", "")] = (
            _text(rule.find(f"{q}version")),
            _text(rule.find(f"{q}title")),
            rule.get("severity", ""),
        )
    benchmark = _text(root.find(f"{q}title")) or root.get("id", "XCCDF benchmark")
    tests = [root] if root.tag == f"{q}TestResult" else list(root.iter(f"{q}TestResult"))
    if not tests:
        problems.append(Problem(f"{root.tag}", "expected a TestResult: the file holds a benchmark without results"))
        return []
    out = []
    for t, test in enumerate(tests, 1):
        path = f"TestResult[{t}]"
        target = _text(test.find(f"{q}target"))
        if not target:
            problems.append(
                Problem(
                    f"{path}/target", "the results name no target: set it to the host's id or name in the inventory"
                )
            )
        results = []
        for r, result in enumerate(test.findall(f"{q}rule-result"), 1):
            if r > MAX_RESULTS:
                problems.append(Problem(path, f"more than {MAX_RESULTS} results"))
                return []
            idref = result.get("idref", "")
            value = _text(result.find(f"{q}result"))
            if not idref:
                problems.append(Problem(f"{path}/rule-result[{r}]", "expected an idref"))
            if value not in XCCDF_STATUS:
                problems.append(
                    Problem(
                        f"{path}/rule-result[{r}]/result", f"expected one of {', '.join(XCCDF_STATUS)}; got {value!r}"
                    )
                )
                continue
            version, title, severity = rules.get(idref, ("", "", ""))
            checked = _checked(
                CheckResult(
                    version or idref,
                    XCCDF_STATUS[value],
                    title,
                    idref if version else "",
                    result.get("severity", severity),
                ),
                f"{path}/rule-result[{r}]",
                problems,
            )
            if checked is not None:
                results.append(checked)
        out.append(_checklist(target, benchmark, results, path, problems))
    return out
