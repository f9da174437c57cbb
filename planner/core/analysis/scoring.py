"""SP 800-30 Rev. 1 scoring of a rule's hit, and the finding's fingerprint.

The method (scales, factors, their wording) is stated in :mod:`.method`; this
module applies exactly those templates.

Fingerprint: sha256 over the rule id, the sorted object refs and the hit's
``identity`` (canonical JSON). It deliberately leaves out the scores, the
factors, counts and VM lists: those change when a VM is added or a
questionnaire answered, yet the situation a user triaged (this host mixes
these zones; these two networks of these zones are joined) is the same. When
the situation itself changes — another zone lands on the host — the
fingerprint changes and the finding is new.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from planner.core.inventory.estate import Vm

from .context import AnalysisContext
from .findings import Finding, Mitigation, ObjectRef, risk_of, shift
from .method import (
    FACTORS,
    FIPS199_TO_IMPACT,
    IMPACT_WORDING,
    MAX_MITIGATION_STEPS,
    MIN_HIGH_VMS_FOR_VERY_HIGH,
    MITIGATION_WORDING,
    REACH,
    VERY_HIGH_WORDING,
)
from .rules.rule import Hit, Rule


def fingerprint(rule: str, objects: Iterable[ObjectRef], identity: dict[str, Any]) -> str:
    refs = sorted(f"{o.kind}:{o.id}" for o in objects)
    payload = json.dumps([rule, refs, identity], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def impact_of(rule: Rule, hit: Hit, ctx: AnalysisContext) -> tuple[str, str]:
    """(impact level, the sentence explaining it)."""
    very_high = _very_high(rule, hit, ctx)
    if very_high is not None:
        return "very-high", very_high
    fips, vm, count = ctx.high_water(hit.at_risk, rule.objective)
    if fips is None or vm is None:  # vm holds the level whenever there is one
        impact = rule.default_impact
        return impact, IMPACT_WORDING["uncategorized"].format(impact=impact)
    impact = FIPS199_TO_IMPACT[fips]
    objective = "all objectives" if rule.objective == "any" else rule.objective
    vms = "one VM" if count == 1 else f"{count} VMs"
    return impact, IMPACT_WORDING["categorized"].format(
        impact=impact, objective=objective, vms=vms, vm=vm.id, fips=fips
    )


def _reaches_every_high_vm(rule: Rule, hit: Hit, ctx: AnalysisContext, high: list[Vm]) -> bool:
    """Does the finding reach, through its rule's ``reach`` (method.REACH), every VM in ``high``?
    Through the hypervisor it reaches the VMs at risk; through the management plane, the VMs
    of every host whose management interface is on the network of a host the finding names."""
    if rule.reach == "hypervisor":
        if len(high) > len(hit.at_risk):  # cannot hold them all: the common case, decided at once
            return False
        at_risk = {v.id for v in hit.at_risk}
        return all(v.id in at_risk for v in high)
    if rule.reach == "management-plane":
        hosts = ctx.estate.hosts
        networks = {
            m.network
            for o in hit.objects
            if o.kind == "host" and (m := hosts[o.id].management) is not None and m.network is not None
        }
        by_network = ctx.high_impact_vms_by_management_network(rule.objective)
        return sum(by_network.get(n, 0) for n in networks) == len(high)
    return False


def _very_high(rule: Rule, hit: Hit, ctx: AnalysisContext) -> str | None:
    """The very-high impact sentence, when the finding reaches every high-impact VM of the
    estate on its rule's objective, and there are enough of them (method.MIN_HIGH_VMS_FOR_VERY_HIGH)."""
    if rule.reach is None:
        return None
    high = ctx.high_impact_vms(rule.objective)
    if len(high) < MIN_HIGH_VMS_FOR_VERY_HIGH or not _reaches_every_high_vm(rule, hit, ctx, high):
        return None
    objective = "FIPS 199 high-water mark" if rule.objective == "any" else rule.objective
    return VERY_HIGH_WORDING.format(
        through=REACH[rule.reach]["through"], objective=objective, count=len(high), vm=high[0].id
    )


def likelihood_of(
    rule: Rule, hit: Hit, ctx: AnalysisContext, mitigations: Sequence[Mitigation]
) -> tuple[str, list[str]]:
    """(likelihood level, the factor sentences that moved it), in the order applied."""
    level, factors = rule.base_likelihood, list[str]()
    for name in rule.likelihood_factors:
        spec = FACTORS[name]
        if name == "internet_exposure":
            exposed = hit.at_risk if hit.exposure is None else hit.exposure
            vm = next((v for v in exposed if v.internet_facing), None)
            if vm is not None:
                level = shift(level, spec["steps"])
                factors.append(spec["wording"].format(vm=vm.id, where=hit.where))
        elif name == "trust_gap":
            ends = ctx.trust_extremes(hit.zones)
            if ends is not None:
                low, high = ends
                gap = ctx.trust[high] - ctx.trust[low]
                if gap >= 2:
                    level = shift(level, spec["steps"])
                    factors.append(
                        spec["wording"].format(
                            gap=gap, low=low, high=high, low_level=ctx.trust[low], high_level=ctx.trust[high]
                        )
                    )
    credit = 0
    for m in mitigations:
        if m.rule != rule.id:
            continue
        if m.contradicted:
            factors.append(MITIGATION_WORDING["contradicted"].format(factor=m.factor, question=m.question))
            continue
        # An answer only lowers (the questionnaire refuses other steps), by what the cap leaves.
        steps = -min(-m.steps, MAX_MITIGATION_STEPS - credit)
        if steps:
            level = shift(level, steps)
            credit -= steps
        wording = "credit" if steps == m.steps else ("partly" if steps else "capped")
        factors.append(
            MITIGATION_WORDING[wording].format(
                factor=m.factor, question=m.question, steps=steps, cap=MAX_MITIGATION_STEPS
            )
        )
    return level, factors


def score(rule: Rule, hit: Hit, ctx: AnalysisContext, mitigations: Sequence[Mitigation] = ()) -> Finding:
    """The finding for one hit: scored, explained, fingerprinted."""
    impact, impact_sentence = impact_of(rule, hit, ctx)
    likelihood, factors = likelihood_of(rule, hit, ctx, mitigations)
    evidence = dict(hit.identity)
    evidence.update(hit.evidence)
    return Finding(
        rule=rule.id,
        title=rule.title,
        objects=list(hit.objects),
        likelihood=likelihood,
        impact=impact,
        risk=risk_of(likelihood, impact),
        factors=[impact_sentence, *factors],
        evidence=evidence,
        references=rule.reference_list(),
        remediation=rule.remediation,
        fingerprint=fingerprint(rule.id, hit.objects, hit.identity),
    )
