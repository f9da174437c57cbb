"""What the security plan says, computed once from a :class:`PlanReport`.

Every format (PDF, HTML, JSON, CSV, XLSX, OSCAL) reads the same
:class:`Contents`, so a figure in the executive summary is, by construction,
the figure in the register and in the spreadsheet. Nothing here produces markup;
the templates do, with autoescaping on.

Large estates are summarised here, not in the templates: the sizes above which
the diagram, the placement matrix and the register are bounded are the
``*_LIMIT`` constants, and the PDF says when it shows a part only.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from planner.core import fips199
from planner.core.analysis.findings import LEVELS, level_index, risk_of
from planner.core.assessment import CLOSED
from planner.core.questionnaire import DefinitionError, Evaluation, default_questionnaire

from .plan import PlanReport, Triage

#: Findings shown in full in the PDF/HTML register; the rest are counted by rule
#: and are in full in the CSV/XLSX/JSON exports.
REGISTER_LIMIT = 150
#: Hosts listed one per row in the placement matrix; above it, rows group hosts
#: that serve the same set of zones.
MATRIX_HOST_LIMIT = 60
#: Hosts that mix zones listed by name when the matrix is summarised.
MIXED_HOSTS_LIMIT = 40
#: Findings the executive summary tells in plain words.
TOP_RISKS = 5

LEVEL_LABELS = {"very-low": "Very low", "low": "Low", "moderate": "Moderate", "high": "High", "very-high": "Very high"}
#: Triage states that take a finding off the list of risks still present.
CLOSED_STATES = CLOSED

#: SP 800-18 Rev. 1 system identification: (question id, label), in the outline's order.
IDENTIFICATION = (
    ("initiation.identification.system_name", "System name"),
    ("initiation.identification.system_owner", "System owner"),
    ("initiation.identification.authorizing_official", "Authorizing official"),
    ("initiation.identification.operational_status", "Operational status"),
    ("initiation.identification.system_type", "System type"),
    ("initiation.identification.description", "Description and purpose"),
    ("initiation.identification.environment", "System environment"),
    ("initiation.identification.interconnections", "System interconnections"),
    ("initiation.identification.classification_marking", "Classification marking"),
    ("initiation.identification.prepared_by", "Prepared by"),
)
STATUS_LABELS = {
    "operational": "Operational",
    "under-development": "Under development",
    "major-modification": "Undergoing a major modification",
}
TYPE_LABELS = {"major-application": "Major application", "general-support-system": "General support system"}

#: SP 800-125 §5 phases: (id, title, section). Question ids begin with the phase id.
PHASES = (
    ("initiation", "Initiation", "SP 800-125 §5.1"),
    ("planning", "Planning and Design", "SP 800-125 §5.2"),
    ("implementation", "Implementation", "SP 800-125 §5.3"),
    ("operations", "Operations and Maintenance", "SP 800-125 §5.4"),
    ("disposition", "Disposition", "SP 800-125 §5.5"),
)
_PHASE_ALIASES = {
    "planning-design": "planning",
    "planning_and_design": "planning",
    "design": "planning",
    "operations-maintenance": "operations",
    "operation": "operations",
    "maintenance": "operations",
}

_CONTROL_RE = re.compile(r"^(?:SP 800-53[^A-Z]*)?([A-Z]{2}-\d{1,2}(?:\(\d{1,2}\))?)$")
DEFAULT_MARKING = "UNCLASSIFIED // FOR OFFICIAL USE ONLY"


def control_titles() -> dict[str, str]:
    """SP 800-53 Rev. 5 titles of the controls the plan may cite: the knowledge
    catalog (questionnaires/catalog.yaml) is their one source; a test proves
    every control id the project cites is there."""
    return dict(default_questionnaire().catalog.controls)


def control_id(reference: str) -> str | None:
    """``"SC-7(13)"`` for a reference that names an SP 800-53 control, else None."""
    m = _CONTROL_RE.match(reference.strip())
    return m.group(1) if m else None


def control_sort_key(control: str) -> tuple:
    family, _, rest = control.partition("-")
    base, _, enh = rest.partition("(")
    return family, int(base), int(enh.rstrip(")") or 0)


_COLLECTIONS = {
    "zone": "zones",
    "host": "hosts",
    "network": "networks",
    "appliance": "appliances",
    "datastore": "datastores",
    "vm": "vms",
}


def object_label(ref: Any, estate: Any = None) -> str:
    """``host esx-01``, with the display name when it differs from the id."""
    obj = getattr(estate, _COLLECTIONS.get(ref.kind, ""), {}).get(ref.id) if estate is not None else None
    name = getattr(obj, "name", None)
    return f"{ref.kind} {ref.id}" + (f" ({name})" if name and name != ref.id else "")


@dataclass(slots=True)
class Entry:
    """One row of the risk register: a finding, its place and its triage."""

    ref: str
    finding: Any
    triage: Triage
    objects: str = ""

    @property
    def controls(self) -> list[str]:
        return [c for c in (control_id(r) for r in self.finding.references) if c]

    @property
    def is_open(self) -> bool:
        return self.triage.status not in CLOSED_STATES

    def to_dict(self) -> dict:
        return {"ref": self.ref, **self.finding.to_dict(), "triage": self.triage.to_dict()}


@dataclass(slots=True)
class Contents:
    """Everything the report states, in plain data."""

    report: PlanReport
    marking: str
    identification: list[tuple[str, str, str | None]]
    register: list[Entry]
    by_risk: dict[str, int]
    heatmap: list[dict]
    posture: str
    top_risks: list[Entry]
    decisions: list[str]
    fips199: dict
    zones: list[dict]
    hosts_by_zone: dict
    matrix: dict
    lifecycle: list[dict]
    controls: list[dict]
    placement: dict | None
    sizes: dict
    register_limit: int
    register_rest: list[dict] = field(default_factory=list)

    @property
    def register_shown(self) -> list[Entry]:
        return self.register[: self.register_limit]

    @property
    def register_truncated(self) -> bool:
        return len(self.register) > self.register_limit


def build(report: PlanReport, register_limit: int = REGISTER_LIMIT) -> Contents:
    estate = report.estate
    findings = report.findings  # in the core's finding order
    width = max(3, len(str(len(findings))))
    register = [
        Entry(
            f"R-{i:0{width}d}",
            f,
            report.triage_of(f.fingerprint),
            ", ".join(object_label(o, estate) for o in f.objects),
        )
        for i, f in enumerate(findings, 1)
    ]
    by_risk = {level: 0 for level in reversed(LEVELS)}
    for e in register:
        by_risk[e.finding.risk] += 1
    fips = _fips199(estate, report)
    zones, hosts_by_zone = _zones(estate)
    rest: Counter[tuple[str, str, str]] = Counter()
    for e in register[register_limit:]:
        rest[(e.finding.rule, e.finding.title, e.finding.risk)] += 1
    register_rest = [
        {"rule": r, "title": t, "risk": k, "count": n}
        for (r, t, k), n in sorted(rest.items(), key=lambda kv: (-level_index(kv[0][2]), kv[0][0]))
    ]
    identification = [(qid, label, _identification_value(qid, report.answer(qid))) for qid, label in IDENTIFICATION]
    marking = report.answer("initiation.identification.classification_marking") or DEFAULT_MARKING
    placement = _placement(report.placement) if report.placement else None
    lifecycle = _lifecycle(report, register)
    contents = Contents(
        report=report,
        marking=str(marking),
        identification=identification,
        register=register,
        by_risk=by_risk,
        heatmap=_heatmap(findings),
        posture=_posture(by_risk),
        top_risks=[e for e in register if e.is_open][:TOP_RISKS],
        decisions=[],
        fips199=fips,
        zones=zones,
        hosts_by_zone=hosts_by_zone,
        matrix=_matrix(estate, zones),
        lifecycle=lifecycle,
        controls=_controls(register),
        placement=placement,
        sizes={
            k: len(getattr(estate, k))
            for k in ("zones", "clusters", "hosts", "networks", "appliances", "datastores", "vms")
        },
        register_limit=register_limit,
        register_rest=register_rest,
    )
    contents.decisions = _decisions(contents)
    return contents


def _identification_value(qid: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if qid.endswith("operational_status"):
        return STATUS_LABELS.get(str(value), str(value))
    if qid.endswith("system_type"):
        return TYPE_LABELS.get(str(value), str(value))
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return str(value)


def _heatmap(findings: list) -> list[dict]:
    """Rows of likelihood (very high first) by columns of impact (very low first)."""
    counts = Counter((f.likelihood, f.impact) for f in findings)
    return [
        {
            "likelihood": lk,
            "cells": [{"impact": im, "count": counts[(lk, im)], "risk": risk_of(lk, im)} for im in LEVELS],
        }
        for lk in reversed(LEVELS)
    ]


def _posture(by_risk: dict[str, int]) -> str:
    worst = next((level for level, n in by_risk.items() if n), None)
    return worst or "none"


def _fips199(estate: Any, report: PlanReport) -> dict:
    """FIPS 199 high-water mark per objective and overall, over every categorized VM
    and the categorization stated in the questionnaire (Initiation phase)."""
    stated = {o: report.answer(f"initiation.categorization.{o}") for o in fips199.OBJECTIVES}
    return fips199.categorize(estate.vms.values(), stated).to_dict()


def _zones(estate: Any) -> tuple[list[dict], dict]:
    """Zones by trust level, with what each holds; and the zones each host serves."""
    vms_per_zone: Counter[str | None] = Counter()
    host_zones: dict[str, Counter] = defaultdict(Counter)
    for vm in estate.vms.values():
        vms_per_zone[vm.zone] += 1
        if vm.host is not None:
            host_zones[vm.host][vm.zone] += 1
    nets_per_zone = Counter(n.zone for n in estate.networks.values())
    hosts_per_zone: Counter[str | None] = Counter()
    for hz in host_zones.values():
        for z in hz:
            hosts_per_zone[z] += 1
    zones = [
        {
            "id": z.id,
            "label": z.label,
            "trust_level": z.trust_level,
            "purpose": z.purpose,
            "vms": vms_per_zone[z.id],
            "networks": nets_per_zone[z.id],
            "hosts": hosts_per_zone[z.id],
        }
        for z in sorted(estate.zones.values(), key=lambda z: (z.trust_level, z.id))
    ]
    return zones, host_zones


def _matrix(estate: Any, zones: list[dict]) -> dict:
    """Host × zone VM counts; grouped by the set of zones served when hosts are many."""
    host_zones: dict[str, Counter] = defaultdict(Counter)
    unplaced = 0
    for vm in estate.vms.values():
        if vm.host is None:
            unplaced += 1
        else:
            host_zones[vm.host][vm.zone] += 1
    columns = [z["id"] for z in zones]
    if any(None in c for c in host_zones.values()):
        columns.append(None)
    labels = {z["id"]: z["label"] for z in zones}
    labels[None] = "(no zone)"
    mixed = sorted(
        h
        for h, c in host_zones.items()
        if len([z for z in c if z is not None]) > 1
        or (estate.hosts[h].dedicated_zone and set(c) - {estate.hosts[h].dedicated_zone})
    )
    summarised = len(estate.hosts) > MATRIX_HOST_LIMIT
    rows = []
    if not summarised:
        for h in estate.hosts.values():
            c = host_zones.get(h.id, Counter())
            rows.append(
                {
                    "label": h.name or h.id,
                    "cluster": h.cluster,
                    "counts": [c[z] for z in columns],
                    "total": sum(c.values()),
                    "mixed": h.id in mixed,
                    "hosts": 1,
                }
            )
    else:
        groups: dict[tuple, dict] = {}
        for h in estate.hosts.values():
            c = host_zones.get(h.id, Counter())
            key = tuple(sorted((z for z in c), key=lambda z: (z is None, z or "")))
            g = groups.setdefault(key, {"counts": Counter(), "hosts": 0, "mixed": False})
            g["counts"].update(c)
            g["hosts"] += 1
            g["mixed"] = g["mixed"] or h.id in mixed
        for key, g in sorted(groups.items(), key=lambda kv: (-len(kv[0]), -kv[1]["hosts"], [str(z) for z in kv[0]])):
            label = " + ".join(labels.get(z, str(z)) for z in key) or "no VMs"
            rows.append(
                {
                    "label": f"{g['hosts']} host{'s' if g['hosts'] != 1 else ''} serving {label}",
                    "cluster": None,
                    "counts": [g["counts"][z] for z in columns],
                    "total": sum(g["counts"].values()),
                    "mixed": len(key) > 1 or g["mixed"],
                    "hosts": g["hosts"],
                }
            )
    return {
        "columns": [labels.get(z, str(z)) for z in columns],
        "rows": rows,
        "summarised": summarised,
        "mixed": mixed[:MIXED_HOSTS_LIMIT],
        "mixed_count": len(mixed),
        "unplaced": unplaced,
    }


def _phase_of(question_id: str) -> str:
    head = question_id.split(".", 1)[0].lower()
    return _PHASE_ALIASES.get(head, head)


def questionnaire_of(report: PlanReport) -> Any:
    """The plan's questionnaire, else the current default one, else None (answers alone)."""
    if report.questionnaire is not None:
        return report.questionnaire
    try:
        return default_questionnaire()
    except DefinitionError:
        return None


def _lifecycle(report: PlanReport, register: list[Entry]) -> list[dict]:
    """Per SP 800-125 phase: the answers given, the questions still open, the actions due.

    Questions and their applicability come from the questionnaire engine
    (a question that does not apply given the other answers and the estate is
    not open). Actions due are the remediations of findings not yet mitigated:
    a weak-answer finding goes to the phase of its question; topology findings
    go to Planning and Design while the system is not yet operational, to
    Operations and Maintenance once it is.
    """
    questionnaire = questionnaire_of(report)
    answers = report.answers
    status = report.answer("initiation.identification.operational_status")
    default_phase = "operations" if status == "operational" else "planning"
    titles = {pid: (title, section) for pid, title, section in PHASES}
    asked: dict[str, list] = defaultdict(list)
    if questionnaire is not None:
        ev = Evaluation(questionnaire, answers, report.estate)
        for phase in questionnaire.phases:
            titles[phase.id] = (phase.title, titles.get(phase.id, ("", phase.source))[1])
            for section in phase.sections:
                for q in section.questions:
                    asked[phase.id].append((q, ev.applicable.get(q.id, True)))
    known = {q.id for qs in asked.values() for q, _ in qs}
    phases = []
    for pid, _, _ in PHASES:
        answered, open_questions = [], []
        for q, applies in asked.get(pid, []):
            a = answers.get(q.id)
            if a is not None and a.answered:
                answered.append(
                    {
                        "id": q.id,
                        "text": q.text,
                        "value": _answer_text(a.value, q),
                        "comment": a.comment,
                        "evidence": a.evidence,
                    }
                )
            elif applies:
                open_questions.append({"id": q.id, "text": q.text})
        for qid in sorted(answers):
            a = answers[qid]
            if qid not in known and _phase_of(qid) == pid and a.answered:
                answered.append(
                    {
                        "id": qid,
                        "text": qid,
                        "value": _answer_text(a.value),
                        "comment": a.comment,
                        "evidence": a.evidence,
                    }
                )
        actions = []
        for e in register:
            if not e.is_open:
                continue
            phase = _phase_of(str(e.finding.evidence.get("question") or e.finding.evidence.get("phase") or ""))
            if phase not in titles:
                phase = default_phase
            if phase == pid:
                actions.append(e)
        title, section = titles[pid]
        phases.append(
            {
                "id": pid,
                "title": title,
                "section": section,
                "answered": answered,
                "open": open_questions,
                "actions": actions,
            }
        )
    return phases


def _answer_text(value: Any, question: Any = None) -> str:
    """An answer as a reader says it: choice labels, yes/no, lists joined."""
    labels = {c.value: c.label for c in getattr(question, "choices", ())}
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (list, tuple)):
        return "; ".join(str(labels.get(v, v)) for v in value)
    return str(labels.get(value, value))


def _controls(register: list[Entry]) -> list[dict]:
    """SP 800-53 Rev. 5 controls cited by findings, each with its findings and remediations."""
    titles = control_titles()
    cited: dict[str, list[Entry]] = defaultdict(list)
    for e in register:
        for c in dict.fromkeys(e.controls):
            cited[c].append(e)
    out = []
    for c in sorted(cited, key=control_sort_key):
        entries = cited[c]
        remediations = list(dict.fromkeys(e.finding.remediation for e in entries if e.finding.remediation))
        rules = Counter(e.finding.rule for e in entries)
        worst = min((e.finding.risk for e in entries), key=lambda r: -level_index(r))
        out.append(
            {
                "id": c,
                "title": titles.get(c, c),
                "findings": len(entries),
                "worst": worst,
                "rules": sorted(rules),
                "refs": [e.ref for e in entries],
                "remediations": remediations,
            }
        )
    return out


def _placement(advice: Any) -> dict:
    """The advisor's output (contract shape) as rows a reader can scan."""
    moves = list(advice.get("moves") or [])
    return {
        "moves": moves,
        "unplaced": list(advice.get("unplaced") or []),
        "before": advice.get("findings_before") or {},
        "after": advice.get("findings_after") or {},
        "placed": len(advice.get("placement") or {}),
    }


def _decisions(c: Contents) -> list[str]:
    """What the reader must decide, in the order it matters."""
    out = []
    severe = [e for e in c.register if e.is_open and e.finding.risk in ("high", "very-high")]
    if severe:
        out.append(
            f"Treat the {len(severe)} high or very-high risk finding{'s' if len(severe) != 1 else ''}: "
            "fund the remediation before go-live, or accept each in writing with a justification."
        )
    untriaged = sum(1 for e in c.register if e.triage.status == "open")
    if untriaged:
        out.append(
            f"Triage the {untriaged} finding{'s' if untriaged != 1 else ''} without a decision "
            "(accept, mitigate or mark as a false positive)."
        )
    overall = c.fips199["overall"]
    if overall:
        out.append(
            f"Confirm the FIPS 199 categorization: high-water mark {overall} over "
            f"{c.sizes['vms'] - c.fips199['uncategorized']} categorized VMs."
        )
    if c.fips199["uncategorized"]:
        out.append(
            f"Have the owners categorize the {c.fips199['uncategorized']} VMs that have no FIPS 199 categorization."
        )
    if c.matrix["mixed_count"]:
        out.append(
            f"Decide whether the {c.matrix['mixed_count']} hosts that run VMs of conflicting zones "
            "are re-planned or the co-residency accepted."
        )
    open_q = sum(len(p["open"]) for p in c.lifecycle)
    if open_q:
        out.append(
            f"Answer the {open_q} open questionnaire question{'s' if open_q != 1 else ''} of the lifecycle plan."
        )
    missing = [
        label
        for qid, label, v in c.identification
        if v is None and not qid.endswith(("classification_marking", "prepared_by"))
    ]
    if missing:
        out.append("Complete the system identification: " + ", ".join(m.lower() for m in missing) + ".")
    if c.placement:
        if c.placement["moves"]:
            out.append(f"Approve or reject the {len(c.placement['moves'])} VM moves the placement advice proposes.")
        if c.placement["unplaced"]:
            count = len(c.placement["unplaced"])
            out.append(f"Provide capacity or relax constraints for the {count} VMs that cannot be placed.")
    out.append("Authorize operation, or not, by signing the sign-off page.")
    return out
