"""The scoring method, as words and tables the report prints verbatim.

Everything the scoring code applies is stated here once: the scales, how a
FIPS 199 categorization becomes an impact level, the likelihood factors and
the exact sentence each one appends to a finding's ``factors``. The scoring
code (:mod:`.scoring`) formats these templates and nothing else, so the
methodology section of a report and the findings cannot drift apart.
"""

from __future__ import annotations

from typing import TypedDict

from .findings import LEVELS


class Factor(TypedDict):
    """A likelihood factor: how far it moves the level, when it applies, what the finding says."""

    steps: int
    when: str
    wording: str


class Reach(TypedDict):
    """How a rule's threat reaches VMs beyond its objects (``impact.reach`` in its metadata)."""

    through: str
    reaches: str


class Mitigations(TypedDict):
    """How questionnaire answers move a finding's likelihood: the cap and the sentences."""

    cap: int
    wording: dict[str, str]


class VeryHigh(TypedDict):
    """When a finding's impact is very high, and the sentence that says so."""

    min_high_vms: int
    reach: dict[str, Reach]
    wording: str


class Methodology(TypedDict):
    """The method as data (see :func:`methodology`)."""

    paragraphs: list[str]
    likelihood_scale: dict[str, str]
    impact_scale: dict[str, str]
    fips199_to_impact: dict[str, str]
    factors: dict[str, Factor]
    impact_wording: dict[str, str]
    mitigations: Mitigations
    very_high: VeryHigh


#: SP 800-30 Rev. 1 Appendices G and H: what each level means for us (our words).
LIKELIHOOD_SCALE = {
    "very-high": "the weakness is almost certain to be used against the estate",
    "high": "the weakness is highly likely to be used: it is exposed or easy to reach",
    "moderate": "the weakness is somewhat likely to be used",
    "low": "the weakness is unlikely to be used without other failures",
    "very-low": "the weakness is highly unlikely to be used",
}
IMPACT_SCALE = {
    "very-high": "multiple severe or catastrophic adverse effects",
    "high": "a severe or catastrophic adverse effect (FIPS 199 high)",
    "moderate": "a serious adverse effect (FIPS 199 moderate)",
    "low": "a limited adverse effect (FIPS 199 low)",
    "very-low": "a negligible adverse effect",
}

#: FIPS 199 impact level of a VM on an objective -> SP 800-30 impact level.
FIPS199_TO_IMPACT = {"low": "low", "moderate": "moderate", "high": "high"}

#: The security objectives a rule may threaten; "any" takes the highest of the three.
OBJECTIVES = ("confidentiality", "integrity", "availability", "any")

#: Likelihood factors a rule may list in its metadata (``likelihood.factors``).
#: ``steps`` moves the level; ``wording`` is the sentence the finding lists.
FACTORS: dict[str, Factor] = {
    "internet_exposure": {
        "steps": 1,
        "when": "an internet-facing VM is among the VMs the finding involves",
        "wording": "internet-facing VM {vm} {where}: likelihood +1",
    },
    "trust_gap": {
        "steps": 1,
        "when": "the trust levels of the zones involved differ by 2 or more",
        "wording": "trust gap of {gap} between zone {low} (trust {low_level}) and zone {high} "
        "(trust {high_level}): likelihood +1",
    },
}

#: Impact sentences, one of which every scored finding lists first.
IMPACT_WORDING = {
    "categorized": "impact {impact}: FIPS 199 high-water mark of {objective} over the {vms} at risk ({vm} is {fips})",
    "uncategorized": "impact {impact}: no categorized VM at risk, so the rule's default impact applies",
}

#: The most a finding's likelihood is lowered by questionnaire answers, in levels, however many apply.
MAX_MITIGATION_STEPS = 1

#: Sentences a finding lists for answers (``factor`` is what the answer shows or claims).
MITIGATION_WORDING = {
    "credit": "{factor} (answer {question}): likelihood {steps:+d}",
    "partly": "{factor} (answer {question}): likelihood {steps:+d}, as far as the cap allows (answers lower "
    "a finding's likelihood by at most {cap} level in total)",
    "capped": "{factor} (answer {question}): no further credit, answers lower a finding's likelihood "
    "by at most {cap} level in total",
    "contradicted": "answer {question} says {factor}, which the inventory contradicts here: no likelihood credit",
}

#: The ways a rule's threat reaches VMs beyond the objects it names (``impact.reach``).
REACH: dict[str, Reach] = {
    "hypervisor": {"through": "the hypervisor", "reaches": "the VMs the finding puts at risk, those of its host"},
    "management-plane": {
        "through": "the management plane",
        "reaches": "the VMs of every host whose management interface is on the same network",
    },
}
#: Very high impact needs at least this many high-impact VMs, all reached (multiple severe effects).
MIN_HIGH_VMS_FOR_VERY_HIGH = 2
VERY_HIGH_WORDING = (
    "impact very-high: through {through} the finding reaches every VM whose {objective} is high "
    "({count} VMs, such as {vm}): multiple severe adverse effects"
)

#: Paragraphs of the methodology section, in order.
METHOD_TEXT = (
    "Risk is assessed per NIST SP 800-30 Rev. 1. Likelihood, impact and risk share five levels: "
    + ", ".join(LEVELS)
    + ". Risk is read from likelihood and impact by SP 800-30 Rev. 1 Table I-2.",
    "Impact follows the FIPS 199 categorization of the VMs a finding puts at risk: the highest "
    "(high-water mark) of their levels on the security objective the rule threatens — confidentiality, "
    "integrity, availability, or the highest of the three where a rule threatens all. FIPS 199 low, "
    'moderate and high become SP 800-30 low, moderate and high. A confidentiality of "n/a" does not '
    "count. Where none of the VMs at risk is categorized (or there are none), the rule's documented "
    "default impact applies and the finding says so.",
    "Impact is very high (SP 800-30 Table H-3: multiple severe or catastrophic adverse effects) when a "
    "finding reaches, through the hypervisor or the management plane, every VM of the estate whose FIPS "
    "199 level on the rule's objective is high, and there are at least "
    f"{MIN_HIGH_VMS_FOR_VERY_HIGH} such VMs. A rule states in its metadata whether its threat acts "
    + " or ".join(f"through {r['through']} (it then reaches {r['reaches']})" for r in REACH.values())
    + "; other rules are never very high.",
    "Likelihood starts at the rule's documented base level and moves one level per factor that "
    "applies: " + "; ".join(f"{f['when']} (+{f['steps']})" for f in FACTORS.values()) + ". This is a "
    "simplification of SP 800-30: the assessment does not rate the likelihood of a threat event's "
    "initiation and of its adverse impact separately and combine them by Table G-5; each rule's base "
    "level is our judgement of how likely the weakness is to be used, written with its rationale in the "
    "rule catalogue, and the steps above are the only adjustments.",
    "Answers to the questionnaire that show a compensating control in place lower the likelihood of the "
    "findings it compensates by the steps the questionnaire states, by at most "
    f"{MAX_MITIGATION_STEPS} level in total however many apply; an answer beyond the cap is listed "
    "without credit. An answer never lowers a finding by claiming the opposite of what the inventory "
    "shows: where a question asks about the very fact a rule reads in the inventory, the rule's findings "
    "note that the answer contradicts the inventory and keep their likelihood. Levels stop at very-low "
    "and very-high.",
    "Each finding lists, as factors, first the sentence saying how its impact was derived, then every "
    "adjustment of its likelihood, in the order it was applied.",
)


def methodology() -> Methodology:
    """The method as data, for reports: paragraphs, scales and factor wording."""
    return {
        "paragraphs": list(METHOD_TEXT),
        "likelihood_scale": dict(LIKELIHOOD_SCALE),
        "impact_scale": dict(IMPACT_SCALE),
        "fips199_to_impact": dict(FIPS199_TO_IMPACT),
        "factors": {name: f.copy() for name, f in FACTORS.items()},
        "impact_wording": dict(IMPACT_WORDING),
        "mitigations": {"cap": MAX_MITIGATION_STEPS, "wording": dict(MITIGATION_WORDING)},
        "very_high": {
            "min_high_vms": MIN_HIGH_VMS_FOR_VERY_HIGH,
            "reach": {name: r.copy() for name, r in REACH.items()},
            "wording": VERY_HIGH_WORDING,
        },
    }
