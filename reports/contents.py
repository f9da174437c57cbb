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
from planner.core.assessment import CLOSED, RETAINED, UNDECIDED
from planner.core.questionnaire import (
    BASELINE_OF_LEVEL,
    BASELINES,
    IDENTIFICATION,
    DefinitionError,
    Evaluation,
    control_baselines,
    default_questionnaire,
)
from planner.core.questionnaire.identification import (
    CLASSIFICATION_MARKING,
    OPERATIONAL_STATUS,
    ORGANIZATION,
    SYSTEM_OWNER,
)
from planner.core.text import plural

from . import evidence as evidence_text
from .diagram import draw
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
        """The risk is still there (not mitigated, not a false positive)."""
        return self.triage.status not in CLOSED_STATES

    @property
    def is_undecided(self) -> bool:
        """Nobody has decided anything about it yet: its remediation is an action due."""
        return self.triage.status in UNDECIDED

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
    own_ids: frozenset[str] = frozenset()
    owner: str | None = None
    #: What the plan's evidence (a vendor baseline, STIG checklists) says per host; None without evidence.
    hardening: dict | None = None
    #: The SP 800-53B baseline the plan's FIPS 199 level calls for, and how the cited controls meet it.
    baseline: dict | None = None
    _diagram: Any = None

    @property
    def diagram(self) -> Any:
        """The architecture diagram with the register's findings marked (drawn once, when asked for)."""
        if self._diagram is None:
            self._diagram = draw(self.report.estate, self.register)
        return self._diagram

    @property
    def heatmap_alt(self) -> str:
        """The heat map in words: its alternative text."""
        total = sum(c["count"] for row in self.heatmap for c in row["cells"])
        cells = [
            f"likelihood {row['likelihood'].replace('-', ' ')} and impact {c['impact'].replace('-', ' ')}: "
            f"{plural(c['count'], 'finding')} (risk {c['risk'].replace('-', ' ')})"
            for row in self.heatmap
            for c in row["cells"]
            if c["count"]
        ]
        return (
            f"Risk heat map of {plural(total, 'finding')} by likelihood and impact"
            + (": " + "; ".join(cells) if cells else "")
            + "."
        )

    @property
    def register_shown(self) -> list[Entry]:
        return self.register[: self.register_limit]

    @property
    def register_truncated(self) -> bool:
        return len(self.register) > self.register_limit

    def evidence(self, entry: Entry) -> list[evidence_text.Item]:
        """The entry's evidence in words (a weak answer's value by its choice labels)."""
        items = evidence_text.present(entry.finding.evidence)
        question = _question(self.report, entry.finding.evidence.get("question"))
        if question is not None:
            given = _answer_text(entry.finding.evidence.get("answer"), question)
            items = [
                evidence_text.Item(i.label, given) if i.label == evidence_text.label_of("answer") else i for i in items
            ]
        return items

    def cite(self, reference: str) -> str:
        """A reference as printed: VirtPlan's own recommendation ids marked as such."""
        return mark_own_ids(reference, self.own_ids)


def register_refs(count: int) -> list[str]:
    """The register numbers of ``count`` findings in the one order: R-001, R-002…
    (the web pages print the same numbers as the plan)."""
    width = max(3, len(str(count)))
    return [f"R-{i:0{width}d}" for i in range(1, count + 1)]


def build(report: PlanReport, register_limit: int = REGISTER_LIMIT) -> Contents:
    estate = report.estate
    findings = report.findings  # in the core's finding order
    register = [
        Entry(
            ref,
            f,
            report.triage_of(f.fingerprint),
            ", ".join(object_label(o, estate) for o in f.objects),
        )
        for ref, f in zip(register_refs(len(findings)), findings, strict=True)
    ]
    by_risk = report.assessment.by_risk
    fips = _fips199(estate, report)
    zones, hosts_by_zone = _zones(estate)
    rest: Counter[tuple[str, str, str]] = Counter()
    for e in register[register_limit:]:
        rest[(e.finding.rule, e.finding.title, e.finding.risk)] += 1
    register_rest = [
        {"rule": r, "title": t, "risk": k, "count": n}
        for (r, t, k), n in sorted(rest.items(), key=lambda kv: (-level_index(kv[0][2]), kv[0][0]))
    ]
    identification = [
        (qid, label, _identification_value(report, qid) or (report.organization if qid == ORGANIZATION else "") or None)
        for qid, label in IDENTIFICATION
    ]
    marking = report.answer(CLASSIFICATION_MARKING) or DEFAULT_MARKING
    placement = _placement(report.placement, estate, register) if report.placement else None
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
        own_ids=own_recommendation_ids(report),
        owner=_identification_value(report, SYSTEM_OWNER),
        hardening=_hardening(report),
    )
    contents.baseline = _baseline(contents)
    contents.decisions = _decisions(contents)
    return contents


def _question(report: PlanReport, question_id: Any) -> Any:
    questionnaire = questionnaire_of(report)
    return questionnaire.questions.get(question_id) if questionnaire is not None and question_id else None


def _identification_value(report: PlanReport, qid: str) -> str | None:
    """An identification answer as a reader says it (choice labels), or None when unanswered."""
    value = report.answer(qid)
    if value is None or value == "":
        return None
    return _answer_text(value, _question(report, qid))


#: A token that may be a recommendation id (HV-5, LC-INI-2, HY-BF5-9, VN-1).
_ID_TOKEN = re.compile(r"\b[A-Z]{2}(?:-[A-Z0-9]{2,3})*-\d+\b")
#: How the report marks VirtPlan's own numbering beside a NIST citation.
OWN_ID_PREFIX = "VirtPlan rec. "


def own_recommendation_ids(report: PlanReport) -> frozenset[str]:
    """The recommendation ids of the knowledge catalog: VirtPlan's own numbering, not NIST's."""
    questionnaire = questionnaire_of(report)
    return frozenset(questionnaire.catalog.recommendations) if questionnaire is not None else frozenset()


def mark_own_ids(reference: str, own_ids: frozenset[str]) -> str:
    """``SP 800-125 §4.1 (HV-16)`` → ``SP 800-125 §4.1 (VirtPlan rec. HV-16)``: the NIST
    citation stays, the catalog's id is marked as ours (NIST does not number these)."""
    return _ID_TOKEN.sub(lambda m: OWN_ID_PREFIX + m.group(0) if m.group(0) in own_ids else m.group(0), reference)


#: Hosts whose hardening the PDF lists control by control; the others are counted per host.
HARDENING_HOST_LIMIT = 60


def _hardening(report: PlanReport) -> dict | None:
    """The hardening chapter: per host, the failed controls in full and the others by id."""
    hardening = report.assessment.hardening
    if hardening is None:
        return None
    data = hardening.to_dict()
    for host in data["hosts"]:
        by_status: dict[str, list[dict]] = {s: [] for s in ("failed", "unchecked", "passed", "not-applicable")}
        for control in host["controls"]:
            by_status[control["status"]].append(control)
        host["by_status"] = by_status
    data["shown"] = data["hosts"][:HARDENING_HOST_LIMIT]
    data["rest"] = data["hosts"][HARDENING_HOST_LIMIT:]
    return data


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


def placement_matrix(estate: Any, host_limit: int = MATRIX_HOST_LIMIT) -> dict:
    """The host × zone matrix of ``estate`` as the plan prints it (the web's topology page shows
    it too): VM counts per host and zone, hosts grouped by the zones they serve above ``host_limit``."""
    return _matrix(estate, _zones(estate)[0], host_limit)


def _matrix(estate: Any, zones: list[dict], host_limit: int = MATRIX_HOST_LIMIT) -> dict:
    """Host × zone VM counts; grouped by the set of zones served when hosts are many.
    Rows of one host carry its ``id``; ``column_ids`` are the zones' (None: VMs without one)."""
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
    summarised = len(estate.hosts) > host_limit
    rows = []
    if not summarised:
        for h in estate.hosts.values():
            c = host_zones.get(h.id, Counter())
            rows.append(
                {
                    "id": h.id,
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
                    "id": None,
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
        "column_ids": columns,
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
    """Per SP 800-125 phase: what is decided, what is still open, which actions are due.

    Questions and their applicability come from the questionnaire engine
    (a question that does not apply given the other answers and the estate is
    not open). A finding belongs to the phase of its question (weak answers);
    topology findings belong to Planning and Design while the system is not
    yet operational, to Operations and Maintenance once it is. Decided: the
    questions answered and the triage decisions taken on the phase's
    findings; due: the remediation of each finding nobody has decided on yet.
    The answers themselves, every one, are the appendix (``record``).
    """
    questionnaire = questionnaire_of(report)
    answers = report.answers
    status = report.answer(OPERATIONAL_STATUS)
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
    by_phase: dict[str, list[Entry]] = defaultdict(list)
    for e in register:
        phase = _phase_of(str(e.finding.evidence.get("question") or e.finding.evidence.get("phase") or ""))
        by_phase[phase if phase in titles else default_phase].append(e)
    phases = []
    for pid, _, _ in PHASES:
        record, open_questions, applicable = [], [], 0
        for q, applies in asked.get(pid, []):
            applicable += bool(applies)
            a = answers.get(q.id)
            if a is not None and a.answered:
                record.append(_answer_row(q.id, q.text, _answer_text(a.value, q), a))
            elif applies:
                open_questions.append({"id": q.id, "text": q.text})
        for qid in sorted(answers):
            a = answers[qid]
            if qid not in known and _phase_of(qid) == pid and a.answered:
                record.append(_answer_row(qid, qid, _answer_text(a.value), a))
        title, section = titles[pid]
        entries = by_phase.get(pid, [])
        phases.append(
            {
                "id": pid,
                "title": title,
                "section": section,
                "answered": len(record),
                "applicable": max(applicable, len(record)),
                "record": record,
                "open": open_questions,
                "decisions": [e for e in entries if not e.is_undecided],
                "actions": [e for e in entries if e.is_undecided],
            }
        )
    return phases


def _answer_row(qid: str, text: str, value: str, answer: Any) -> dict:
    return {"id": qid, "text": text, "value": value, "comment": answer.comment, "evidence": answer.evidence}


def _answer_text(value: Any, question: Any = None) -> str:
    """An answer as a reader says it: choice labels, yes/no, lists joined."""
    labels = {c.value: c.label for c in getattr(question, "choices", ())}
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (list, tuple)):
        return "; ".join(str(labels.get(v, v)) for v in value)
    return str(labels.get(value, value))


def _baseline(c: Contents) -> dict | None:
    """The SP 800-53B baseline of the plan's FIPS 199 high-water mark: how many controls it
    selects, how many of them the plan's findings cite, and which cited controls lie outside it."""
    name = BASELINE_OF_LEVEL.get(str(c.fips199.get("overall")))
    if name is None:
        return None
    selected = control_baselines()[name]
    cited = [ctl["id"] for ctl in c.controls]
    return {
        "name": name,
        "level": c.fips199["overall"],
        "selected": len(selected),
        "addressed": sum(1 for cid in cited if cid in selected),
        "outside": [cid for cid in cited if cid not in selected],
    }


def _controls(register: list[Entry]) -> list[dict]:
    """SP 800-53 Rev. 5 controls cited by findings, each with its findings, remediations and
    the SP 800-53B baselines that select it."""
    titles = control_titles()
    baselines = control_baselines()
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
                "baselines": [b for b in BASELINES if c in baselines[b]],
            }
        )
    return out


def _placement(advice: Any, estate: Any, register: list[Entry]) -> dict:
    """The advice in words (:func:`reports.placement.told`), its findings numbered as in the register."""
    from .placement import finding_key, told  # it reads this module's labels

    refs = {finding_key(e.finding.rule, e.finding.objects): e.ref for e in register}
    return told(advice, estate, refs)


def _decisions(c: Contents) -> list[str]:
    """What the reader must decide, in the order it matters."""
    out = []
    severe = [e for e in c.register if e.finding.risk in ("high", "very-high")]
    untreated = [e for e in severe if e.is_undecided]
    retained = [e for e in severe if e.triage.status in RETAINED]
    if untreated:
        out.append(
            f"Treat the {plural(len(untreated), 'high or very-high risk finding')} nobody has decided on yet "
            f"({', '.join(e.ref for e in untreated)}): fund the remediation before go-live, "
            "or accept or transfer each in writing with a justification."
        )
    if retained:
        out.append(
            f"Note the {plural(len(retained), 'high or very-high risk')} already accepted or transferred "
            f"({', '.join(e.ref for e in retained)}): signing this plan accepts them as residual risk."
        )
    untriaged = sum(1 for e in c.register if e.is_undecided)
    if untriaged:
        out.append(
            f"Triage the {plural(untriaged, 'finding')} without a decision "
            "(accept, transfer, mitigate or mark as a false positive)."
        )
    overall = c.fips199["overall"]
    if overall:
        categorized = c.sizes["vms"] - c.fips199["uncategorized"]
        out.append(
            f"Confirm the FIPS 199 categorization: high-water mark {overall} "
            f"over {plural(categorized, 'categorized VM')}."
        )
    if c.fips199["uncategorized"]:
        n = c.fips199["uncategorized"]
        out.append(
            f"Have the owners categorize the {plural(n, 'VM')} that {'has' if n == 1 else 'have'} "
            "no FIPS 199 categorization."
        )
    if c.matrix["mixed_count"]:
        n = c.matrix["mixed_count"]
        out.append(
            f"Decide whether the {plural(n, 'host')} that {'runs' if n == 1 else 'run'} VMs of conflicting zones "
            f"{'is' if n == 1 else 'are'} re-planned or the co-residency accepted."
        )
    open_q = sum(len(p["open"]) for p in c.lifecycle)
    if open_q:
        out.append(f"Answer the {plural(open_q, 'open questionnaire question')} of the lifecycle plan.")
    missing = [
        label
        for qid, label, v in c.identification
        if v is None and not qid.endswith(("classification_marking", "prepared_by"))
    ]
    if missing:
        out.append("Complete the system identification: " + ", ".join(m.lower() for m in missing) + ".")
    if c.placement:
        p = c.placement
        if p["moves_count"]:
            removed = sum(g["findings"] for g in p["removed"])
            added = sum(g["findings"] for g in p["added"])
            effect = [
                f"{verb} {plural(n, 'finding') if n else 'none'}"
                for verb, n in (("removing", removed), ("adding", added))
            ]
            out.append(
                f"Approve or reject the {plural(p['moves_count'], 'VM move')} the placement advice proposes "
                f"({', '.join(effect)})."
            )
        if p["unplaced_count"]:
            n = p["unplaced_count"]
            out.append(f"Provide capacity or relax constraints for the {plural(n, 'VM')} that cannot be placed.")
    out.append("Authorize operation, or not, by signing the sign-off page.")
    return out
