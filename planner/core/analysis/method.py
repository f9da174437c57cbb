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


class Methodology(TypedDict):
    """The method as data (see :func:`methodology`)."""

    paragraphs: list[str]
    likelihood_scale: dict[str, str]
    impact_scale: dict[str, str]
    fips199_to_impact: dict[str, str]
    factors: dict[str, Factor]
    impact_wording: dict[str, str]


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
    "Likelihood starts at the rule's documented base level and moves one level per factor that "
    "applies: " + "; ".join(f"{f['when']} (+{f['steps']})" for f in FACTORS.values()) + ". Answers "
    "to the questionnaire that show a mitigation in place move it down (or a weakness up) by the "
    "steps the answer states. Levels stop at very-low and very-high.",
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
    }
