"""The analysis use case: estate (+ mitigations, + questionnaire findings) -> findings.

One call serves the CLI, the API, the reports and the benchmark. It builds the
shared indexes once (:class:`.context.AnalysisContext`), runs every rule of
the registry in its fixed order, scores each hit (:mod:`.scoring`), and
orders the findings by risk (highest first), rule id, then objects, so the
same input always gives the same output.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from planner.core.inventory.estate import Estate

from .context import AnalysisContext
from .findings import LEVELS, Finding, Mitigation, finding_order
from .rules import REGISTRY, Rule
from .scoring import fingerprint, score


@dataclass(slots=True)
class Analysis:
    """The findings of one analysis, ordered, with where each one applies.

    ``scopes[i]`` is ``(zones, hosts)`` of ``findings[i]`` — the zones and hosts
    the finding touches — used by :meth:`summary`.
    """

    findings: list[Finding]
    scopes: list[Scope] = field(default_factory=list)

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts by risk (all five levels), by zone, by host and by rule; keys sorted."""
        by_risk = {level: 0 for level in reversed(LEVELS)}
        by_zone: dict[str, int] = {}
        by_host: dict[str, int] = {}
        by_rule: dict[str, int] = {}
        for f, (zones, hosts) in zip(self.findings, self.scopes, strict=False):
            by_risk[f.risk] += 1
            by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
            for z in zones:
                by_zone[z] = by_zone.get(z, 0) + 1
            for h in hosts:
                by_host[h] = by_host.get(h, 0) + 1
        return {
            "by_risk": by_risk,
            "by_zone": dict(sorted(by_zone.items())),
            "by_host": dict(sorted(by_host.items())),
            "by_rule": dict(sorted(by_rule.items())),
        }

    def to_dict(self) -> dict[str, Any]:
        """The contract's shape: ``{"findings": [...], "summary": {...}}``."""
        return {"findings": [f.to_dict() for f in self.findings], "summary": self.summary()}

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text, indented by one space, encoded in C: the bytes
        ``json.dumps(..., ensure_ascii=False, indent=1)`` writes (but for floats from 1e16 up,
        written ``1e16`` rather than ``1e+16``, which the contract's bounds keep out of
        evidence; tests/analysis/test_properties.py compares them)."""
        return msgspec.json.format(msgspec.json.encode(self.to_dict()), indent=1).decode()


Scope = tuple[tuple[str, ...], tuple[str, ...]]


def _object_scope(kind: str, oid: str, ctx: AnalysisContext) -> tuple[set[str | None], set[str | None]]:
    """(zones, hosts) one object touches (None among them: unknown)."""
    e = ctx.estate
    if kind == "host" and oid in e.hosts:
        return {v.zone for v in ctx.vms_on_host[oid]} | {e.hosts[oid].dedicated_zone}, {oid}
    if kind == "vm" and oid in e.vms:
        vm = e.vms[oid]
        return {vm.zone}, {vm.host}
    if kind == "network" and oid in e.networks:
        return {v.zone for v in ctx.vms_on_network[oid]} | {e.networks[oid].zone}, set()
    if kind == "datastore" and oid in e.datastores:
        vms = ctx.vms_on_datastore[oid]
        return {v.zone for v in vms}, {v.host for v in vms}
    if kind == "appliance" and oid in e.appliances:
        return {e.networks[n].zone for n in e.appliances[oid].networks}, set()
    if kind == "zone" and oid in e.zones:
        return {oid}, set()
    return set(), set()


def _scopes(findings: list[Finding], ctx: AnalysisContext) -> list[Scope]:
    """The zones and hosts each finding touches, from its objects.

    host: the host, the zones of its VMs and its dedicated zone; vm: its zone
    and host; network: its zone and the zones of VMs on it; datastore: the
    zones and hosts of VMs with disks on it; appliance: its networks' zones;
    zone: itself. Plan-level findings touch none. Several findings name the
    same objects: each object's scope is worked out once.
    """
    known: dict[tuple[str, str], tuple[set[str | None], set[str | None]]] = {}
    out: list[Scope] = []
    for f in findings:
        zones: set[str | None] = set()
        hosts: set[str | None] = set()
        for o in f.objects:
            key = (o.kind, o.id)
            if key not in known:
                known[key] = _object_scope(o.kind, o.id, ctx)
            zones |= known[key][0]
            hosts |= known[key][1]
        out.append((tuple(sorted(z for z in zones if z is not None)), tuple(sorted(h for h in hosts if h is not None))))
    return out


def run_rule(rule: Rule, ctx: AnalysisContext, mitigations: Iterable[Mitigation] = ()) -> list[Finding]:
    """The scored findings of one rule (tests and tools use it to look at one rule alone)."""
    mitigations = tuple(mitigations)  # scoring takes those of this rule
    return [score(rule, hit, ctx, mitigations) for hit in rule.detect(ctx)]


def analyze(
    estate: Estate,
    mitigations: Iterable[Mitigation] = (),
    extra_findings: Iterable[Finding] = (),
    rules: Iterable[Rule] = REGISTRY,
) -> Analysis:
    """Run every rule over ``estate`` and return the ordered, scored findings.

    ``mitigations`` (from questionnaire answers) move the likelihood of the
    findings of their rule, each adding its factor sentence. ``extra_findings``
    (questionnaire findings, already scored) join the list; one without a
    fingerprint gets one from its rule, objects and evidence.
    """
    ctx = AnalysisContext(estate)
    mitigations = tuple(mitigations)
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(run_rule(rule, ctx, mitigations))
    for f in extra_findings:
        if not f.fingerprint:
            f.fingerprint = fingerprint(f.rule, f.objects, f.evidence)
        findings.append(f)
    findings.sort(key=finding_order)
    return Analysis(findings, _scopes(findings, ctx))
