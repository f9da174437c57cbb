"""Vendor hardening baselines and assessment checklists, and what they say per host.

A plan may carry evidence beside its inventory: a **baseline** (the controls a
vendor's or DISA's hardening guide expects, e.g. the VMware vSphere/VCF Security
Configuration Guide, each mapped to SP 800-53 where the guide maps it) and
**checklists** (the results of assessing hosts against a STIG: DISA STIG Viewer
CKL/CKLB files or XCCDF results). :func:`hardening_status` joins them with the
estate: for every host, which baseline controls passed, failed or are unchecked,
and which checklist results no baseline control covers.

Pure: the readers that turn files into these objects live in
:mod:`planner.evidence`; storage in the service layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.core.inventory.estate import Estate, Host

#: What a checked rule can be, worst first (a control's status is its worst result's).
STATUSES = ("failed", "unchecked", "passed", "not-applicable")
_RANK = {s: i for i, s in enumerate(STATUSES)}

#: Which baseline components apply to a host, by its hypervisor product. A component the
#: table does not name (vCenter, NSX, vSAN…) is a platform component, not a host's.
HOST_COMPONENTS = {"esxi": frozenset({"ESX", "ESXi"})}


@dataclass(frozen=True, slots=True)
class BaselineControl:
    """One control of a hardening baseline, as the baseline states it."""

    id: str
    title: str
    component: str
    priority: str = ""
    sp800_53: tuple[str, ...] = ()
    stig_ids: tuple[str, ...] = ()
    parameter: str = ""
    expected: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "component": self.component,
            "priority": self.priority,
            "sp800_53": list(self.sp800_53),
            "stig_ids": list(self.stig_ids),
            "parameter": self.parameter,
            "expected": self.expected,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BaselineControl:
        return cls(
            d["id"],
            d["title"],
            d["component"],
            d.get("priority", ""),
            tuple(d.get("sp800_53", ())),
            tuple(d.get("stig_ids", ())),
            d.get("parameter", ""),
            d.get("expected", ""),
        )


@dataclass(frozen=True, slots=True)
class Baseline:
    """A hardening baseline: its name (e.g. "VMware VCF 9.1 Security Configuration Guide") and controls."""

    name: str
    controls: tuple[BaselineControl, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "controls": [c.to_dict() for c in self.controls]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Baseline:
        return cls(d["name"], tuple(BaselineControl.from_dict(c) for c in d["controls"]))


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One rule of a checklist and its result. ``rule`` is the STIG id (e.g. ESXI-80-000008)
    or, where the file has none, the rule's own identifier."""

    rule: str
    status: str
    title: str = ""
    vuln_id: str = ""
    severity: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "status": self.status,
            "title": self.title,
            "vuln_id": self.vuln_id,
            "severity": self.severity,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CheckResult:
        return cls(d["rule"], d["status"], d.get("title", ""), d.get("vuln_id", ""), d.get("severity", ""))


@dataclass(frozen=True, slots=True)
class Checklist:
    """The results of assessing one target (a host, named as the file names it) against a benchmark."""

    target: str
    benchmark: str
    results: tuple[CheckResult, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "benchmark": self.benchmark, "results": [r.to_dict() for r in self.results]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Checklist:
        return cls(d["target"], d["benchmark"], tuple(CheckResult.from_dict(r) for r in d["results"]))


@dataclass(frozen=True, slots=True)
class ControlStatus:
    """One line of a host's hardening: a control (a baseline's, or a checklist rule no
    baseline control covers), its status on the host and the results it rests on."""

    source: str
    id: str
    title: str
    status: str
    sp800_53: tuple[str, ...] = ()
    stig_ids: tuple[str, ...] = ()
    priority: str = ""
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "sp800_53": list(self.sp800_53),
            "stig_ids": list(self.stig_ids),
            "priority": self.priority,
            "evidence": list(self.evidence),
        }


@dataclass(slots=True)
class HostHardening:
    host: str
    name: str | None
    checklists: list[str]
    controls: list[ControlStatus]

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for c in self.controls:
            out[c.status] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "name": self.name,
            "checklists": list(self.checklists),
            "counts": self.counts,
            "controls": [c.to_dict() for c in self.controls],
        }


@dataclass(slots=True)
class Hardening:
    """Every host's hardening, with the evidence it was read from."""

    baselines: list[str]
    checklists: list[str]
    hosts: list[HostHardening]
    #: Checklist targets that name no host of the inventory.
    unmatched_targets: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for h in self.hosts:
            for k, n in h.counts.items():
                out[k] += n
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "baselines": list(self.baselines),
            "checklists": list(self.checklists),
            "counts": self.counts,
            "hosts": [h.to_dict() for h in self.hosts],
            "unmatched_targets": list(self.unmatched_targets),
        }


def _names(host: Host) -> set[str]:
    """The names a checklist may use for a host: its id and display name, with or without domain."""
    out = set()
    for given in (host.id, host.name):
        if given:
            n = given.strip().lower()
            out |= {n, n.split(".", 1)[0]}
    return out


def _worst(statuses: Iterable[str]) -> str:
    return min(statuses, key=_RANK.__getitem__, default="unchecked")


def hardening_status(
    estate: Estate, baselines: Sequence[Baseline], checklists: Sequence[tuple[str, Checklist]]
) -> Hardening:
    """Per host (document order): each baseline control that applies to the host, with its
    status from the checklists naming the host (matched by STIG id; unchecked while a
    STIG rule it maps to has no result), then the checklist results no baseline control covers.

    ``checklists`` are (evidence name, checklist) pairs; a checklist names its host by
    the host's id or display name (case and domain ignored). A control's status is its
    worst result: failed, then unchecked, passed, not applicable.
    """
    by_name: dict[str, str] = {}
    for host in estate.hosts.values():
        for n in _names(host):
            by_name.setdefault(n, host.id)
    per_host: dict[str, list[tuple[str, Checklist]]] = {}
    unmatched: list[str] = []
    for label, checklist in checklists:
        target = checklist.target.strip().lower()
        host_id = by_name.get(target) or by_name.get(target.split(".", 1)[0])
        if host_id is None:
            unmatched.append(checklist.target)
        else:
            per_host.setdefault(host_id, []).append((label, checklist))
    hosts = []
    for host in estate.hosts.values():
        mine = per_host.get(host.id, [])
        results: dict[str, list[tuple[str, CheckResult]]] = {}
        benchmark_of: dict[str, str] = {}
        for label, checklist in mine:
            for r in checklist.results:
                results.setdefault(r.rule.upper(), []).append((label, r))
                benchmark_of.setdefault(r.rule.upper(), checklist.benchmark)
        components = HOST_COMPONENTS.get(host.hypervisor.product, frozenset()) if host.hypervisor else frozenset()
        rows: list[ControlStatus] = []
        covered: set[str] = set()
        for baseline in baselines:
            for c in baseline.controls:
                if c.component not in components:
                    continue
                found = [x for s in c.stig_ids for x in results.get(s.upper(), ())]
                covered.update(s.upper() for s in c.stig_ids)
                # each STIG rule the control maps to counts; one without a result leaves it unchecked
                per_rule = [_worst(r.status for _, r in results.get(s.upper(), ())) for s in c.stig_ids]
                rows.append(
                    ControlStatus(
                        baseline.name,
                        c.id,
                        c.title,
                        _worst(per_rule),
                        c.sp800_53,
                        c.stig_ids,
                        c.priority,
                        tuple(f"{label}: {r.rule} {r.status}" for label, r in found),
                    )
                )
        for rule, found in results.items():
            if rule in covered:
                continue
            first = found[0][1]
            rows.append(
                ControlStatus(
                    benchmark_of[rule],
                    first.rule,
                    first.title,
                    _worst(r.status for _, r in found),
                    (),
                    (first.rule,),
                    first.severity,
                    tuple(f"{lbl}: {r.rule} {r.status}" for lbl, r in found),
                )
            )
        hosts.append(HostHardening(host.id, host.name, [label for label, _ in mine], rows))
    return Hardening([b.name for b in baselines], [label for label, _ in checklists], hosts, sorted(set(unmatched)))
